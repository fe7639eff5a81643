//! The published reference values of each statistic, found again in the tables the binary
//! writes for tiny corpora built here (stemming and stopwords off, so terms are the words).

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use common::*;

/// Writes one JSONL file per outlet (each line an article with that text) and a config.
fn corpus(dir: &Path, outlets: &[(&str, Vec<String>)]) -> PathBuf {
    let articles = dir.join("articles");
    std::fs::create_dir_all(&articles).unwrap();
    for (outlet, texts) in outlets {
        let lines: String = texts
            .iter()
            .map(|t| {
                serde_json::json!({"outlet": outlet, "title": "", "text": t}).to_string() + "\n"
            })
            .collect();
        std::fs::write(articles.join(format!("{outlet}.jsonl")), lines).unwrap();
    }
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        "[run]\nname = \"stats\"\ninputs = [\"articles\"]\n\n[language]\nallow = [\"en\"]\n\n\
         [compare]\nmin_slice_terms = 1\n\n\
         [text]\nstopwords = false\nstem = false\n\n\
         [[topics]]\nid = \"focus\"\nterms.en = [\"focus\"]\n",
    )
    .unwrap();
    config
}

fn run(config: &Path, threads: &str) -> PathBuf {
    let out = config.parent().unwrap().join(format!("out-{threads}"));
    run_into(config, &out, &["--threads", threads]);
    out
}

fn words(spec: &[(&str, usize)]) -> String {
    spec.iter()
        .flat_map(|(w, n)| std::iter::repeat_n(*w, *n))
        .collect::<Vec<_>>()
        .join(" ")
}

fn keyness(out: &Path) -> HashMap<(String, String), HashMap<String, String>> {
    read_csv(&out.join("keyness.csv"))
        .into_iter()
        .map(|r| ((r["outlet"].clone(), r["term"].clone()), r))
        .collect()
}

fn value(row: &HashMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

fn close(x: f64, want: f64) {
    assert!((x - want).abs() < 1e-6, "{x} != {want}");
}

/// quanteda's test case for textstat_keyness: target "b×7 a×3", reference "a×7 b×2".
#[test]
fn g2_of_quanteda_test_case() {
    let tmp = tempfile::tempdir().unwrap();
    let config = corpus(
        tmp.path(),
        &[
            ("target", vec![words(&[("b", 7), ("a", 3)])]),
            ("reference", vec![words(&[("a", 7), ("b", 2)])]),
        ],
    );
    let k = keyness(&run(&config, "2"));
    let b = &k[&("target".into(), "b".into())];
    close(value(b, "g2"), 4.534939);
    assert_eq!(
        (b["count_group"].as_str(), b["count_rest"].as_str()),
        ("7", "2")
    );
    assert_eq!(
        (b["words_group"].as_str(), b["words_rest"].as_str()),
        ("10", "9")
    );
    close(value(&k[&("target".into(), "a".into())], "g2"), -4.534939);
    // the reference group's view is the mirror image
    close(value(&k[&("reference".into(), "a".into())], "g2"), 4.534939);
    // p of χ²(1) at 4.534939
    close(value(b, "p_value"), 0.033210);
}

/// tidylo's example: sets vs = 0 / 1, features gear 3 / 4 / 5 with counts 12, 2, 4 and 3, 10, 1.
#[test]
fn log_odds_of_tidylo_example() {
    let tmp = tempfile::tempdir().unwrap();
    let config = corpus(
        tmp.path(),
        &[
            (
                "vs0",
                vec![words(&[("gear3", 12), ("gear4", 2), ("gear5", 4)])],
            ),
            (
                "vs1",
                vec![words(&[("gear3", 3), ("gear4", 10), ("gear5", 1)])],
            ),
        ],
    );
    let k = keyness(&run(&config, "1"));
    let want = [
        ("vs0", "gear3", 1.1728347),
        ("vs0", "gear4", -1.3767516),
        ("vs0", "gear5", 0.4033125),
        ("vs1", "gear3", -1.1354777),
        ("vs1", "gear4", 1.5661168),
        ("vs1", "gear5", -0.4362340),
    ];
    for (set, gear, z) in want {
        close(value(&k[&(set.into(), gear.into())], "log_odds_z"), z);
    }
}

/// Hardie's Log Ratio (0.0006 vs 0.0002) and the Wilson interval of 3 articles in 10.
#[test]
fn log_ratio_and_wilson_interval() {
    let tmp = tempfile::tempdir().unwrap();
    let mut x: Vec<String> = (0..3)
        .map(|_| words(&[("focus", 2), ("filler", 998)]))
        .collect();
    x.extend((0..7).map(|_| words(&[("filler", 1000)])));
    let y = vec![words(&[("focus", 2), ("filler", 9998)])];
    let config = corpus(tmp.path(), &[("x", x), ("y", y)]);
    let out = run(&config, "2");
    let k = keyness(&out);
    let focus = &k[&("x".into(), "focus".into())];
    close(value(focus, "log_ratio"), 1.5849625);
    assert_eq!(focus["words_group"], "10000");

    let topics = read_csv(&out.join("topics_by_group.csv"));
    let row = topics
        .iter()
        .find(|r| r["outlet"] == "x" && r["topic"] == "focus")
        .unwrap();
    assert_eq!(
        (
            row["hits"].as_str(),
            row["articles_mentioning"].as_str(),
            row["articles"].as_str()
        ),
        ("6", "3", "10")
    );
    assert!((value(row, "ci_low") - 0.1078).abs() < 5e-5, "{row:?}");
    assert!((value(row, "ci_high") - 0.6032).abs() < 5e-5, "{row:?}");
    // the topic's emphasis on article counts, which no tokenization changes: 3 of x's 10
    // articles mention it against 1 of y's 1, G²(3, 1, 7, 0) = −2.2033130 (by hand:
    // 2·[3 ln(3/3.6364) + 1 ln(1/0.3636) + 7 ln(7/6.3636)], negative as x's share is lower),
    // Log Ratio log2(0.3 / 1.0)
    close(value(row, "g2"), -2.2033130);
    close(value(row, "p_value"), 0.1377145);
    close(value(row, "log_ratio"), -1.7369656);
    // per 1,000 words stays a column: 6 hits in 10,000 words
    close(value(row, "per_1k_words"), 0.6);

    // topic_comparison.csv shows the share of articles by default …
    let wide = read_csv(&out.join("topic_comparison.csv"));
    let focus = wide.iter().find(|r| r["topic"] == "focus").unwrap();
    close(value(focus, "x"), 0.3);
    close(value(focus, "y"), 1.0);
    // … and hits per 1,000 words when asked
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("[compare]", "[compare]\ntopic_measure = \"per_1k_words\""),
    )
    .unwrap();
    let out = run(&config, "1");
    let wide = read_csv(&out.join("topic_comparison.csv"));
    let focus = wide.iter().find(|r| r["topic"] == "focus").unwrap();
    close(value(focus, "x"), 0.6);
    close(value(focus, "y"), 0.2);
}

#[test]
fn statistics_are_identical_across_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let outlets: Vec<(String, Vec<String>)> = (0..6)
        .map(|o| {
            let texts = (0..40)
                .map(|i| {
                    words(&[
                        ("alpha", (i * o) % 7),
                        ("beta", i % 5 + o),
                        ("gamma", 3),
                        ("delta", (o * 3 + i) % 4),
                    ])
                })
                .collect();
            (format!("outlet{o}"), texts)
        })
        .collect();
    let refs: Vec<(&str, Vec<String>)> = outlets
        .iter()
        .map(|(o, t)| (o.as_str(), t.clone()))
        .collect();
    let config = corpus(tmp.path(), &refs);
    let one = run(&config, "1");
    let two = run(&config, "2");
    for table in ["keyness.csv", "topics_by_group.csv", "terms_by_group.csv"] {
        assert!(
            std::fs::read(one.join(table)).unwrap() == std::fs::read(two.join(table)).unwrap(),
            "{table}"
        );
    }
}
