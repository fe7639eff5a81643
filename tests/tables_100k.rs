//! The tables of the benchmark's 100,000-article corpus stay byte for byte what they were when
//! the speed work of the cold-run issue began: a change meant to make newsprism faster must not
//! change one of them. The corpus is bench/run.sh's (`make-corpus --articles 100000`, the same
//! bytes on any machine) and so is the config (the shipped config.toml from `[language]` on,
//! cache off); the run uses 2 threads.
//!
//! `tests/data/tables-100k.sha256` holds each table's SHA-256 as newsprism wrote it before that
//! work. A deliberate change of results (a new default, a corrected statistic, another shipped
//! topic) rewrites it: run this test with `NEWSPRISM_WRITE_DIGESTS=1` and say why in the commit.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use sha2::{Digest, Sha256};

const DIGESTS: &str = "tests/data/tables-100k.sha256";

fn digests(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for table in newsprism::write::TABLE_FILES {
        let bytes = std::fs::read(dir.join(table)).unwrap();
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        out.insert(table.to_string(), hex);
    }
    out
}

#[test]
fn the_benchmark_corpus_gives_the_tables_it_gave_before_the_speed_work() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus-100000");
    make_corpus(&corpus, 100_000, &[]);
    let sources = tmp.path().join("sources.csv");
    std::fs::rename(corpus.join("sources.csv"), &sources).unwrap();
    let shipped = std::fs::read_to_string(repo().join("config.toml")).unwrap();
    let from_language = &shipped[shipped.find("[language]").unwrap()..];
    let config = tmp.path().join("bench.toml");
    std::fs::write(
        &config,
        format!(
            "[run]\nname = \"bench-100000\"\ninputs = [{:?}]\nsources = {:?}\ncache = false\n\n{from_language}",
            corpus.to_str().unwrap(),
            sources.to_str().unwrap()
        ),
    )
    .unwrap();
    let out = tmp.path().join("out");
    run_into(&config, &out, &["--threads", "2"]);
    let found = digests(&out);

    let path = repo().join(DIGESTS);
    if std::env::var_os("NEWSPRISM_WRITE_DIGESTS").is_some() {
        let text: String = found
            .iter()
            .map(|(table, hex)| format!("{hex}  {table}\n"))
            .collect();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let recorded: BTreeMap<String, String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once("  "))
        .map(|(hex, table)| (table.to_string(), hex.to_string()))
        .collect();
    let changed: Vec<&String> = found
        .iter()
        .filter(|(table, hex)| recorded.get(*table) != Some(hex))
        .map(|(table, _)| table)
        .collect();
    assert!(
        changed.is_empty(),
        "tables changed on the 100,000-article corpus: {changed:?} (see this test's header)"
    );
    // the default tables fit a spreadsheet (Excel stops at 1,048,576 rows)
    for table in newsprism::write::TABLE_FILES {
        let bytes = std::fs::read(out.join(table)).unwrap();
        let rows = bytes.iter().filter(|&&b| b == b'\n').count();
        assert!(
            rows <= 1_000_000 && bytes.len() <= 100 << 20,
            "{table}: {rows} rows, {} bytes",
            bytes.len()
        );
    }
}
