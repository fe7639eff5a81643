//! report.html opened in a real browser: headless Chromium (Debian's `chromium`) driven by
//! playwright-core through tests/browser/check_report.mjs. `.ci/run` installs both when they
//! are missing and sets NEWSPRISM_BROWSER=required, so in CI a missing browser fails the
//! test; on a machine with only the Rust toolchain it is skipped with a message. Each run
//! leaves a screenshot under output/report-screenshots/ for people to look at.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use serde_json::Value;

/// Node with playwright-core, and Chromium, or why not.
fn browser() -> Option<()> {
    let required = std::env::var("NEWSPRISM_BROWSER").as_deref() == Ok("required");
    let node = Command::new("node")
        .args(["-e", "require('playwright-core')"])
        .output();
    let chromium =
        Path::new(&std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
            .exists();
    let ready = chromium && node.is_ok_and(|o| o.status.success());
    if !ready {
        assert!(
            !required,
            "NEWSPRISM_BROWSER=required but node with playwright-core (NODE_PATH) or chromium is missing"
        );
        eprintln!(
            "report_browser: skipped (no chromium or playwright-core; .ci/run installs them)"
        );
        return None;
    }
    Some(())
}

/// Opens `report` in Chromium; the findings, and the screenshot's path.
fn open(report: &Path, name: &str) -> Value {
    let shots = repo().join("output/report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot: PathBuf = shots.join(format!("{name}.png"));
    let out = Command::new("node")
        .arg(repo().join("tests/browser/check_report.mjs"))
        .arg(report)
        .arg(&shot)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "check_report.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 10_000,
        "no screenshot"
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// What every report must show in a browser; `no_chart` names sections a tiny corpus leaves
/// with a note instead of a chart (keyness needs two groups with enough text in a language).
fn check_page(found: &Value, groups: usize, topics: usize, no_chart: &[&str]) {
    assert_eq!(found["consoleErrors"], serde_json::json!([]), "{found:#}");
    assert_eq!(found["requests"], serde_json::json!([]), "network requests");
    assert_eq!(found["scripts"], 0);
    assert_eq!(found["eventAttributes"], serde_json::json!([]));
    for section in [
        "run",
        "heatmap",
        "intervals",
        "keyness",
        "time",
        "similarity",
        "languages",
    ] {
        let s = &found["sections"][section];
        assert_eq!(s["how"], true, "{section} says how to read it");
        let charts = s["charts"].as_array().unwrap();
        assert!(
            !charts.is_empty() || no_chart.contains(&section),
            "{section} has no chart"
        );
        for c in charts {
            assert!(
                c["width"].as_f64().unwrap() > 0.0 && c["height"].as_f64().unwrap() > 0.0,
                "{section}: an empty chart {c}"
            );
        }
    }
    let heatmap = &found["heatmap"];
    assert_eq!(heatmap["groups"], groups);
    assert_eq!(heatmap["topics"], topics);
    assert_eq!(heatmap["cells"], groups * topics);
}

#[test]
fn the_sample_report_renders_in_a_browser() {
    if browser().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run_into(&repo().join("config.toml"), &out, &[]);
    let found = open(&out.join("report.html"), "sample");
    let groups = read_csv(&out.join("groups.csv")).len();
    check_page(&found, groups, topic_count(&out), &[]);
    let text = found["text"].as_str().unwrap();
    assert!(text.contains("lavrov-tillerson-2017"));
    // the wire story and its republication are the one cluster
    assert!(text.contains("northgate-wire"), "{text}");
}

#[test]
fn three_hundred_outlets_stay_readable() {
    if browser().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    make_corpus(
        &corpus,
        6_000,
        &["--outlets-per-language", "10", "--copies", "0.1"],
    );
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        format!(
            "[run]\ninputs = [{:?}]\nsources = {:?}\n",
            corpus.to_str().unwrap(),
            corpus.join("sources.csv").to_str().unwrap()
        ) + &shipped_topics(),
    )
    .unwrap();
    let out = tmp.path().join("out");
    run_into(&config, &out, &[]);
    let groups = read_csv(&out.join("groups.csv")).len();
    assert!(groups >= 300, "{groups} outlets");
    let found = open(&out.join("report.html"), "300-outlets");
    // the 40 largest outlets, and a note on the rest
    check_page(&found, 40, topic_count(&out), &[]);
    assert!(found["text"]
        .as_str()
        .unwrap()
        .contains(&format!("The 40 largest of {groups} groups are shown")));
}

/// The topics and actors of a run's tables.
fn topic_count(out: &Path) -> usize {
    let topics: std::collections::BTreeSet<String> = read_csv(&out.join("topics_by_group.csv"))
        .into_iter()
        .map(|r| r["topic"].clone())
        .collect();
    topics.len()
}

/// The shipped config's topics, for a corpus of another folder.
fn shipped_topics() -> String {
    let shipped = std::fs::read_to_string(repo().join("config.toml")).unwrap();
    let at = shipped.find("[[topics]]").unwrap();
    shipped[at..].to_string()
}

#[test]
fn hostile_titles_and_outlets_stay_text() {
    if browser().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let story = "Sergey Lavrov and Rex Tillerson met on Sunday evening at the Russian mission in New York, the eve of the General Assembly, and discussed Syria, the de-escalation zones around Idlib, Ukraine and the Minsk agreements, and North Korea's latest nuclear test, without a statement to the press.";
    let lines = [
        serde_json::json!({"id": "1", "outlet": "<script>alert('outlet')</script>", "published": "2017-09-18",
            "url": "javascript:alert(1)", "title": "\" onmouseover=\"alert(1)", "text": story}),
        serde_json::json!({"id": "2", "outlet": "<img src=x onerror=alert(2)>", "published": "2017-09-19",
            "url": "https://ok.example/a", "title": "<b>bold</b> copy", "text": story}),
        serde_json::json!({"id": "3", "outlet": "plain", "published": "2017-09-18",
            "url": "https://plain.example/x", "title": "Plain", "text": "Lavrov and Tillerson spoke about Syria in New York for an hour on Sunday evening."}),
    ];
    let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(input.join("a.jsonl"), body).unwrap();
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        format!("[run]\ninputs = [{:?}]\n", input.to_str().unwrap()) + &shipped_topics(),
    )
    .unwrap();
    let out = tmp.path().join("out");
    run_into(&config, &out, &[]);
    let found = open(&out.join("report.html"), "hostile");
    let topics = found["heatmap"]["topics"].as_u64().unwrap() as usize;
    check_page(&found, 3, topics, &["keyness"]);
    let text = found["text"].as_str().unwrap();
    // shown as the text it is
    assert!(text.contains("<script>alert('outlet')</script>"), "{text}");
    assert!(text.contains("\" onmouseover=\"alert(1)"), "{text}");
    // no javascript: link; the copy's first article links only if http(s)
    for href in found["links"].as_array().unwrap() {
        let href = href.as_str().unwrap_or("");
        assert!(
            href.starts_with("http://") || href.starts_with("https://"),
            "{href}"
        );
    }
}
