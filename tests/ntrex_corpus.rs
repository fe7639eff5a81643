//! End-to-end runs on real news text: corpora built from NTREX-128 (tests/data/ntrex) by the
//! repository's make-corpus, whose truth.csv gives each article's language.

mod common;

use std::collections::HashMap;
use std::path::Path;

use common::*;

fn write_config(dir: &Path, inputs: &Path) -> std::path::PathBuf {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[run]\nname = \"ntrex\"\ninputs = [{:?}]\nsources = {:?}\n",
            inputs.to_str().unwrap(),
            inputs.join("sources.csv").to_str().unwrap()
        ),
    )
    .unwrap();
    config
}

fn run(config: &Path, out: &Path) {
    run_into(config, out, &[]);
}

#[test]
fn language_detection_agrees_with_truth_on_640_articles() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let truth = make_corpus(&corpus, 640, &[]);
    let out = tmp.path().join("out");
    run(&write_config(tmp.path(), &corpus), &out);

    let truth: HashMap<String, String> = read_csv(&truth)
        .into_iter()
        .map(|r| (r["id"].clone(), r["language"].clone()))
        .collect();
    let articles = read_csv(&out.join("articles.csv"));
    assert_eq!(articles.len(), 640);
    assert!(read_csv(&out.join("rejected.csv")).is_empty());
    let mut agree = 0;
    let mut confusions: HashMap<(String, String), usize> = HashMap::new();
    for a in &articles {
        let want = &truth[&a["article_id"]];
        if &a["language"] == want {
            agree += 1;
        } else {
            *confusions
                .entry((want.clone(), a["language"].clone()))
                .or_default() += 1;
        }
    }
    let share = agree as f64 / articles.len() as f64;
    assert!(
        share >= 0.99,
        "agreement {share:.4}; confusions (truth, detected): {confusions:?}"
    );
    // Russian and Ukrainian are told apart
    assert!(
        !confusions.contains_key(&("ru".into(), "uk".into())),
        "{confusions:?}"
    );
    assert!(
        !confusions.contains_key(&("uk".into(), "ru".into())),
        "{confusions:?}"
    );
    let langs = read_csv(&out.join("languages.csv"));
    assert!(langs
        .iter()
        .any(|r| r["outlet"] == "uk-daily" && r["language"] == "uk"));
}

fn is_bigram(term: &str) -> bool {
    term.chars().count() == 2 && term.chars().all(|c| !c.is_ascii())
}

#[test]
fn chinese_and_japanese_articles_yield_bigram_terms() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    make_corpus(&corpus, 60, &["--langs", "zho-CN,jpn"]);
    let out = tmp.path().join("out");
    run(&write_config(tmp.path(), &corpus), &out);
    let terms = read_csv(&out.join("terms_by_group.csv"));
    for prefix in ["zh-", "ja-"] {
        let rows: Vec<_> = terms
            .iter()
            .filter(|r| r["outlet"].starts_with(prefix))
            .collect();
        assert!(!rows.is_empty(), "no terms for {prefix}");
        let bigrams = rows.iter().filter(|r| is_bigram(&r["term"])).count();
        // the top terms of a CJK outlet are character bigrams (a few ASCII tokens such as
        // numbers may appear among them)
        assert!(
            bigrams * 10 >= rows.len() * 9,
            "{prefix}: {bigrams} bigrams of {}",
            rows.len()
        );
    }
    let articles = read_csv(&out.join("articles.csv"));
    assert!(articles
        .iter()
        .all(|a| a["language"] == "zh" || a["language"] == "ja"));
    assert!(articles
        .iter()
        .all(|a| a["terms"].parse::<u64>().unwrap() > 10));
}

#[test]
fn jsonl_csv_txt_and_gzip_inputs_give_the_same_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let mut outputs = Vec::new();
    for format in ["jsonl", "csv", "txt"] {
        let corpus = tmp.path().join(format);
        make_corpus(
            &corpus,
            150,
            &["--format", format, "--langs", "eng,fra,rus,ukr,deu"],
        );
        let out = tmp.path().join(format!("out-{format}"));
        run(&write_config(tmp.path(), &corpus), &out);
        outputs.push(out);
    }
    // the JSONL corpus once more, gzipped
    let corpus = tmp.path().join("jsonl");
    let plain = corpus.join("articles-0000.jsonl");
    let bytes = std::fs::read(&plain).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &bytes).unwrap();
    std::fs::write(corpus.join("articles-0000.jsonl.gz"), gz.finish().unwrap()).unwrap();
    std::fs::remove_file(&plain).unwrap();
    let out = tmp.path().join("out-gz");
    run(&write_config(tmp.path(), &corpus), &out);
    outputs.push(out);

    // per-outlet tables do not depend on the input format
    for table in [
        "topics_by_group.csv",
        "terms_by_group.csv",
        "languages.csv",
        "topic_comparison.csv",
    ] {
        let first = std::fs::read(outputs[0].join(table)).unwrap();
        for other in &outputs[1..] {
            assert!(
                first == std::fs::read(other.join(table)).unwrap(),
                "{table} differs for {}",
                other.display()
            );
        }
    }
    assert_eq!(read_csv(&outputs[2].join("articles.csv")).len(), 150);
}
