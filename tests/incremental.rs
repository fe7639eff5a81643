//! Nightly reruns reuse the previous run's analyses: only new or changed articles are
//! analysed, and the tables are byte-identical to those of a full run.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use newsprism::write::TABLE_FILES;

fn assert_same_tables(a: &Path, b: &Path, what: &str) {
    for t in TABLE_FILES {
        assert!(
            std::fs::read(a.join(t)).unwrap() == std::fs::read(b.join(t)).unwrap(),
            "{t} differs: {what}"
        );
    }
}

struct Setup {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    corpus: PathBuf,
    held_back: PathBuf,
}

fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let corpus = root.join("corpus");
    make_corpus(
        &corpus,
        700,
        &[
            "--per-file",
            "100",
            "--langs",
            "eng,fra,rus,ukr,deu,ell,jpn",
        ],
    );
    // the last file arrives "tomorrow"
    let held_back = root.join("articles-0006.jsonl");
    std::fs::rename(corpus.join("articles-0006.jsonl"), &held_back).unwrap();
    std::fs::rename(corpus.join("sources.csv"), root.join("sources.csv")).unwrap();
    Setup {
        _tmp: tmp,
        root,
        corpus,
        held_back,
    }
}

fn write_config(root: &Path, name: &str, extra: &str) -> PathBuf {
    let path = root.join(name);
    let topics = "[[topics]]\nid = \"ukraine\"\nterms.en = [\"Ukraine\"]\nterms.ru = [\"Украина\"]\nterms.uk = [\"Україна\", \"України\"]\n";
    std::fs::write(
        &path,
        format!("[run]\ninputs = [\"corpus\"]\nsources = \"sources.csv\"\n{extra}\n{topics}"),
    )
    .unwrap();
    path
}

fn run(config: &Path, out: &Path) -> String {
    let o = run_loud(config, out);
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_rerun_with_new_articles_analyses_only_those_and_matches_a_full_run() {
    let s = setup();
    let config = write_config(&s.root, "config.toml", "");
    let nightly = s.root.join("nightly");
    let first = run(&config, &nightly);
    assert!(!first.contains("cache:"), "{first}");

    // tomorrow's file arrives, and one of yesterday's articles was corrected
    std::fs::rename(&s.held_back, s.corpus.join("articles-0006.jsonl")).unwrap();
    let first_file = s.corpus.join("articles-0000.jsonl");
    let text = std::fs::read_to_string(&first_file).unwrap();
    std::fs::write(
        &first_file,
        text.replacen("\"text\":\"", "\"text\":\"Corrected. ", 1),
    )
    .unwrap();
    let second = run(&config, &nightly);
    assert!(
        second.contains("cache: 599 articles reused from the previous run, 101 analysed anew"),
        "{second}"
    );

    let full = s.root.join("full");
    run(&config, &full);
    assert_same_tables(&nightly, &full, "incremental rerun vs full run");

    // a rerun with nothing new reuses everything and still writes the same bytes
    let third = run(&config, &nightly);
    assert!(third.contains("cache: 700 articles reused"), "{third}");
    assert_same_tables(&nightly, &full, "second rerun vs full run");
}

#[test]
fn changed_settings_invalidate_what_they_must_and_no_more() {
    let s = setup();
    let nightly = s.root.join("nightly");
    run(&write_config(&s.root, "base.toml", ""), &nightly);

    // statistics and grouping settings do not touch the analysis: everything is reused
    let regroup = write_config(
        &s.root,
        "regroup.toml",
        "group_by = [\"language\"]\n[compare]\ntop_terms = 7",
    );
    let out = run(&regroup, &nightly);
    assert!(
        out.contains("cache: 600 articles reused from the previous run, 0 analysed anew"),
        "{out}"
    );
    let full = s.root.join("full-regroup");
    let config_full = write_config(
        &s.root,
        "regroup-full.toml",
        "group_by = [\"language\"]\ncache = false\n[compare]\ntop_terms = 7",
    );
    run(&config_full, &full);
    assert_same_tables(&nightly, &full, "regrouped rerun vs full run");

    // stemming off: the analysis is redone, the detected languages are kept
    let unstemmed = write_config(
        &s.root,
        "unstemmed.toml",
        "group_by = [\"language\"]\n[text]\nstem = false",
    );
    let out = run(&unstemmed, &nightly);
    assert!(out.contains("cache: 0 articles reused from the previous run, 600 analysed anew (600 of them kept their detected language)"), "{out}");
    let full = s.root.join("full-unstemmed");
    run(
        &write_config(
            &s.root,
            "unstemmed-full.toml",
            "group_by = [\"language\"]\ncache = false\n[text]\nstem = false",
        ),
        &full,
    );
    assert_same_tables(&nightly, &full, "unstemmed rerun vs full run");

    // a language setting changes what every article is: nothing is reused
    let prefix = write_config(
        &s.root,
        "prefix.toml",
        "group_by = [\"language\"]\n[language]\nprefix_chars = 300\n[text]\nstem = false",
    );
    let out = run(&prefix, &nightly);
    assert!(!out.contains("cache:"), "{out}");
}

#[test]
fn an_unusable_cache_is_said_and_the_run_is_full() {
    let s = setup();
    let config = write_config(&s.root, "config.toml", "");
    let nightly = s.root.join("nightly");
    run(&config, &nightly);
    std::fs::write(nightly.join("cache/header.json"), "{ torn").unwrap();
    let out = run_loud(&config, &nightly);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains("reused"), "{stdout}");
    assert!(
        stderr.contains("warning: cache unusable:") && stderr.contains("header.json"),
        "{stderr}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(nightly.join("manifest.json")).unwrap())
            .unwrap();
    let warning = manifest["warnings"][0].as_str().unwrap();
    assert!(warning.starts_with("cache unusable:"), "{warning}");
    assert_eq!(manifest["cache"]["articles_reused"], 0);
    // the run wrote a sound cache again: the next run reuses it, with nothing to say
    let next = run_loud(&config, &nightly);
    assert!(String::from_utf8_lossy(&next.stdout).contains("articles reused"));
    // (languages the lexicon has no terms for are still said, once per run)
    let next_stderr = String::from_utf8_lossy(&next.stderr);
    assert!(!next_stderr.contains("cache"), "{next_stderr}");
}

/// A cache written by a newsprism whose analysis or detection code differed (its header's
/// fingerprints are those of the build that wrote it) is not served as if it were current.
#[test]
fn a_cache_from_a_build_with_other_analysis_code_is_not_reused() {
    let s = setup();
    let config = write_config(&s.root, "config.toml", "");
    let nightly = s.root.join("nightly");
    run(&config, &nightly);
    let header_path = nightly.join("cache/header.json");
    let rewrite = |key: &str, value: &str| {
        let mut h: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&header_path).unwrap()).unwrap();
        h["fingerprints"][key] = value.into();
        std::fs::write(&header_path, h.to_string()).unwrap();
    };

    // the same detector, another tokenizer or stemmer: languages kept, analyses redone
    rewrite("analysis", "written by a build with another analysis");
    let out = run(&config, &nightly);
    assert!(
        out.contains("0 articles reused from the previous run, 600 analysed anew (600 of them kept their detected language)"),
        "{out}"
    );

    // another detector: nothing reused
    rewrite("language", "written by a build with another detector");
    let out = run(&config, &nightly);
    assert!(!out.contains("cache:"), "{out}");
}

mod sources {
    include!("../build/source_hash.rs");
}

/// The binary's cache fingerprints are built on the hash of the detection and analysis code
/// and data as they are in this checkout: a change to any of them (tested in src/cache.rs)
/// reaches the binary, so a nightly rerun after an upgrade cannot serve stale analyses.
#[test]
fn the_binary_carries_the_hash_of_the_analysis_sources_as_they_are() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    run_into(&repo().join("config.toml"), &out, &[]);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let code = &manifest["cache"]["code"];
    let base = repo();
    assert_eq!(
        code["language"],
        sources::source_hash(&base, sources::LANGUAGE_SOURCES, sources::LANGUAGE_CRATES)
    );
    assert_eq!(
        code["analysis"],
        sources::source_hash(&base, sources::ANALYSIS_SOURCES, sources::ANALYSIS_CRATES)
    );
}
