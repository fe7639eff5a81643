//! Helpers shared by the end-to-end tests: run the real binary, read the CSVs it wrote.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod shards;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The NTREX-128 subset the repository carries (CC BY-SA 4.0, see its README).
pub fn ntrex() -> PathBuf {
    repo().join("tests/data/ntrex")
}

/// The shipped config.toml's text with its data paths made absolute, to be written anywhere.
pub fn shipped_config_relocated() -> String {
    let shipped = std::fs::read_to_string(repo().join("config.toml")).unwrap();
    let data = repo().join("data");
    let absolute = |p: &str| format!("{:?}", data.join(p).to_str().unwrap());
    let text = shipped
        .replace(
            "inputs = [\"data/articles\"]",
            &format!("inputs = [{}]", absolute("articles")),
        )
        .replace(
            "sources = \"data/sources.csv\"",
            &format!("sources = {}", absolute("sources.csv")),
        )
        .replace(
            "\"data/articles/news-please\" =",
            &format!("{} =", absolute("articles/news-please")),
        );
    assert!(
        !text.contains("\"data/"),
        "a relative data path is left: {text}"
    );
    text
}

pub fn newsprism(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsprism"))
        .args(args)
        .output()
        .expect("the newsprism binary runs")
}

pub fn run_ok(args: &[&str]) -> Output {
    let out = newsprism(args);
    assert!(
        out.status.success(),
        "newsprism {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    out
}

/// `newsprism run --config CONFIG --output OUT --quiet` plus `extra` flags; must succeed.
pub fn run_into(config: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        "--config",
        config.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    run_ok(&args)
}

/// `newsprism run --config CONFIG --output OUT`, with its summary on stdout; must succeed.
pub fn run_loud(config: &Path, out: &Path) -> Output {
    run_ok(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ])
}

/// A CSV as a list of rows keyed by column name.
pub fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut rdr =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(str::to_string)
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// Builds an NTREX-based corpus with the repository's `make-corpus`. Its answer key is moved
/// out of the corpus folder, to `<out>.truth.csv`, so that a run reads only articles.
pub fn make_corpus(out: &Path, articles: usize, extra: &[&str]) -> PathBuf {
    let status = Command::new(env!("CARGO_BIN_EXE_make-corpus"))
        .arg("--out")
        .arg(out)
        .arg("--articles")
        .arg(articles.to_string())
        .args(extra)
        .output()
        .expect("make-corpus runs");
    assert!(
        status.status.success(),
        "make-corpus failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let truth = out.with_extension("truth.csv");
    std::fs::rename(out.join("truth.csv"), &truth).unwrap();
    truth
}
