//! What the partial-count tests share: a corpus of many files, a config, and the comparison
//! of two output folders.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::*;

/// The input files of the test corpus, in order: 1,500 NTREX articles in 15 files with wire
/// copies (so copies and their originals fall into different shards), the repository's
/// sample (news-please, HTML pages, a WARC archive, .txt), a file with broken lines and an
/// unsupported file.
pub fn corpus(tmp: &Path) -> Vec<PathBuf> {
    let ntrex = tmp.join("ntrex");
    make_corpus(
        &ntrex,
        1500,
        &[
            "--per-file",
            "100",
            "--copies",
            "0.15",
            "--langs",
            "deu,fra,rus,ukr,eng",
        ],
    );
    let broken = tmp.join("broken.jsonl");
    std::fs::write(
        &broken,
        "{\"id\": \"b1\", \"outlet\": \"broken-daily.example\", \"text\": \"Lavrov met Tillerson in New York to talk about Syria and sanctions.\"}\n\
         {not json}\n\
         {\"id\": \"b2\", \"outlet\": \"broken-daily.example\", \"text\": \"\"}\n",
    )
    .unwrap();
    std::fs::write(tmp.join("notes.docx"), "not an article").unwrap();
    let mut files: Vec<PathBuf> = walk(&ntrex);
    files.extend(walk(&repo().join("data/articles")));
    files.push(broken);
    files.push(tmp.join("notes.docx"));
    files.sort();
    files
}

pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The test corpus, the config, the list of every file, and one run on all of them.
pub struct OneRun {
    pub files: Vec<PathBuf>,
    pub config: PathBuf,
    pub list: PathBuf,
    pub output: PathBuf,
}

pub fn one_run(tmp: &Path) -> OneRun {
    let files = corpus(tmp);
    let config = config(tmp);
    let list = tmp.join("all.txt");
    write_list(&list, &files);
    let output = tmp.join("single");
    run_into(&config, &output, &["--inputs-from", list.to_str().unwrap()]);
    OneRun {
        files,
        config,
        list,
        output,
    }
}

pub fn write_list(path: &Path, files: &[PathBuf]) {
    let text: String = files.iter().map(|f| format!("{}\n", f.display())).collect();
    std::fs::write(path, text).unwrap();
}

/// The shipped config, made to run anywhere, with contexts and Parquet tables on.
pub fn config(tmp: &Path) -> PathBuf {
    let path = tmp.join("config.toml");
    let text = shipped_config_relocated().replacen(
        "[[topics]]",
        "[output]\nformats = [\"csv\", \"parquet\"]\n\n[[topics]]",
        1,
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// Every file of one run's output folder but the manifest, and the manifest without what
/// says when and how long (and whether a cache was written, which `compare` does not do),
/// compared with another's.
pub fn assert_same_output(single: &Path, other: &Path) {
    let names = |dir: &Path| {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "cache")
            .collect();
        n.sort();
        n
    };
    assert_eq!(names(single), names(other), "{}", other.display());
    for name in names(single) {
        if name == "manifest.json" {
            continue;
        }
        let a = std::fs::read(single.join(&name)).unwrap();
        let b = std::fs::read(other.join(&name)).unwrap();
        assert!(a == b, "{name} differs in {}", other.display());
    }
    let manifest = |dir: &Path| {
        let mut m: Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        let m = m.as_object_mut().unwrap();
        for key in ["started", "finished", "seconds", "seconds_by_phase"] {
            m.remove(key);
        }
        m["cache"].as_object_mut().unwrap().remove("enabled");
        Value::Object(m.clone())
    };
    assert_eq!(
        manifest(single),
        manifest(other),
        "manifest of {}",
        other.display()
    );
}

/// How many clusters of copies in `output`'s duplicates.csv have members that different
/// shards read (`shards`: each shard's files).
pub fn clusters_across_shards(output: &Path, shards: &[Vec<PathBuf>]) -> usize {
    let shard_of = |source: &str| {
        let file = source.split(':').next().unwrap();
        shards
            .iter()
            .position(|s| s.iter().any(|f| f.file_name().unwrap() == file))
    };
    let mut clusters: std::collections::BTreeMap<String, Vec<Option<usize>>> = Default::default();
    for d in read_csv(&output.join("duplicates.csv")) {
        clusters
            .entry(d["cluster"].clone())
            .or_default()
            .push(shard_of(&d["source"]));
    }
    clusters
        .values()
        .filter(|shards| shards.iter().any(|s| *s != shards[0]))
        .count()
}
