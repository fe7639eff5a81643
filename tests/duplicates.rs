//! Near-duplicate detection against the exact answer, computed here by brute force.
//!
//! A corpus with republished articles (make-corpus --copies 0.15: retitled, truncated,
//! boilerplate, dateline, reordered paragraphs; articles cut from the same NTREX document
//! also overlap by construction) is run through newsprism; every pair of same-language
//! articles is then measured exactly — containment of word 5-shingles, |A ∩ B| / min(|A|, |B|),
//! on every shingle, with the run's own words (the analyzer's) — so what is scored is the
//! sampling, the candidate index and the clustering:
//! - copy recall: articles with an earlier article (publication order) at containment ≥ 0.6
//!   are marked `copy`;
//! - cluster recall: pairs at containment ≥ 0.8 share a cluster;
//! - precision: copies whose exact containment with the article they matched is ≥ 0.4.
//!
//! NEWSPRISM_DUPLICATES_ARTICLES sets the corpus size (default 1,500; bench/duplicates.sh
//! runs 10,000); the figures are printed with `-- --nocapture`.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use common::*;
use newsprism::analyze::{is_unspaced_language, Analyzers};
use newsprism::config::TextSection;

/// The article's word 5-shingles, exactly: every one, as the words' hashes (the analyzer's
/// words, as a run reads them; four character bigrams in Chinese and Japanese).
fn shingles(analyzers: &Analyzers, text: &str, language: &str) -> HashSet<Vec<u64>> {
    let mut words = Vec::new();
    analyzers.get(language).word_hashes(text, &mut words);
    let size = if is_unspaced_language(language) { 4 } else { 5 };
    words.windows(size).map(<[u64]>::to_vec).collect()
}

struct Scores {
    copy_recall: (usize, usize),
    cluster_recall: (usize, usize),
    precision: (usize, usize),
}

fn share((good, all): (usize, usize)) -> f64 {
    if all == 0 {
        1.0
    } else {
        good as f64 / all as f64
    }
}

fn score(corpus: &Path, out: &Path) -> Scores {
    let articles = read_csv(&out.join("articles.csv"));
    let meta: HashMap<&str, (&str, &str)> = articles
        .iter()
        .map(|a| {
            (
                a["article_id"].as_str(),
                (a["language"].as_str(), a["published"].as_str()),
            )
        })
        .collect();
    // the body texts, from the corpus itself
    let analyzers = Analyzers::new(&TextSection::default());
    let mut sets: Vec<(String, HashSet<Vec<u64>>)> = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    for file in files {
        for line in std::fs::read_to_string(file).unwrap().lines() {
            let a: serde_json::Value = serde_json::from_str(line).unwrap();
            let id = a["id"].as_str().unwrap().to_string();
            let language = meta[id.as_str()].0;
            sets.push((
                id,
                shingles(&analyzers, a["text"].as_str().unwrap(), language),
            ));
        }
    }
    // every same-language pair sharing a shingle, measured exactly
    let mut index: HashMap<(&str, &[u64]), Vec<usize>> = HashMap::new();
    for (i, (id, set)) in sets.iter().enumerate() {
        let language = meta[id.as_str()].0;
        for s in set {
            index.entry((language, s.as_slice())).or_default().push(i);
        }
    }
    let mut containment: HashMap<(usize, usize), f64> = HashMap::new();
    for (i, (id, set)) in sets.iter().enumerate() {
        let language = meta[id.as_str()].0;
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for s in set {
            for &j in &index[&(language, s.as_slice())] {
                if j != i {
                    *shared.entry(j).or_default() += 1;
                }
            }
        }
        for (j, n) in shared {
            let smaller = set.len().min(sets[j].1.len());
            containment.insert((i, j), n as f64 / smaller as f64);
        }
    }

    let position: HashMap<&str, usize> = sets
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (id.as_str(), i))
        .collect();
    let order = |i: usize| (meta[sets[i].0.as_str()].1, sets[i].0.as_str());
    let duplicates = read_csv(&out.join("duplicates.csv"));
    let role: HashMap<usize, (&str, &str, &str)> = duplicates
        .iter()
        .map(|r| {
            (
                position[r["article_id"].as_str()],
                (
                    r["role"].as_str(),
                    r["cluster"].as_str(),
                    r["matched"].as_str(),
                ),
            )
        })
        .collect();

    let needs_copy: HashSet<usize> = containment
        .iter()
        .filter(|(&(i, j), &c)| c >= 0.6 && order(j) < order(i))
        .map(|(&(i, _), _)| i)
        .collect();
    let marked = needs_copy
        .iter()
        .filter(|i| role.get(i).is_some_and(|r| r.0 == "copy"))
        .count();
    let close_pairs: Vec<(usize, usize)> = containment
        .iter()
        .filter(|(&(i, j), &c)| c >= 0.8 && i < j)
        .map(|(&p, _)| p)
        .collect();
    let together = close_pairs
        .iter()
        .filter(|(i, j)| match (role.get(i), role.get(j)) {
            (Some(a), Some(b)) => a.1 == b.1,
            _ => false,
        })
        .count();
    let copies: Vec<(usize, usize)> = role
        .iter()
        .filter(|(_, r)| r.0 == "copy")
        .map(|(&i, r)| (i, position[r.2]))
        .collect();
    let right = copies
        .iter()
        .filter(|&&(i, m)| containment.get(&(i, m)).is_some_and(|&c| c >= 0.4))
        .count();
    Scores {
        copy_recall: (marked, needs_copy.len()),
        cluster_recall: (together, close_pairs.len()),
        precision: (right, copies.len()),
    }
}

#[test]
fn clusters_agree_with_exact_containment() {
    let articles: usize = std::env::var("NEWSPRISM_DUPLICATES_ARTICLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1500);
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    make_corpus(&corpus, articles, &["--copies", "0.15"]);
    std::fs::remove_file(corpus.join("copies.csv")).unwrap();
    std::fs::remove_file(corpus.join("sources.csv")).unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::write(&config, "[run]\ninputs = [\"corpus\"]\ncache = false\n").unwrap();
    let out = tmp.path().join("out");
    run_into(&config, &out, &[]);

    let s = score(&corpus, &out);
    println!(
        "{articles} articles: copy recall {:.4} ({}/{}), cluster recall {:.4} ({}/{}), precision {:.4} ({}/{})",
        share(s.copy_recall),
        s.copy_recall.0,
        s.copy_recall.1,
        share(s.cluster_recall),
        s.cluster_recall.0,
        s.cluster_recall.1,
        share(s.precision),
        s.precision.0,
        s.precision.1
    );
    assert!(
        s.copy_recall.1 > 100 && s.precision.1 > 100,
        "too few copies to score"
    );
    assert!(share(s.copy_recall) >= 0.97);
    assert!(share(s.cluster_recall) >= 0.97);
    assert!(share(s.precision) >= 0.97);
}

#[test]
fn detection_off_writes_an_empty_table_and_no_copy_marks() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    make_corpus(&corpus, 300, &["--copies", "0.3", "--langs", "eng,fra"]);
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        "[run]\ninputs = [\"corpus\"]\ncache = false\n[duplicates]\nenabled = false\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    run_into(&config, &out, &[]);
    assert!(read_csv(&out.join("duplicates.csv")).is_empty());
    assert!(read_csv(&out.join("articles.csv"))
        .iter()
        .all(|a| a["copy_of"].is_empty() && a["containment"].is_empty()));
}
