//! What a nightly cron job relies on: a killed run leaves the previous tables intact, two runs
//! never write one folder at once, and the bytes do not depend on thread count, input order
//! or file names.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use newsprism::write::TABLE_FILES;

/// Every file under `dir` (the tables, the manifest, the cache), with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(snapshot(&path));
        } else {
            files.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    files.sort();
    files
}

fn config() -> String {
    repo().join("config.toml").to_str().unwrap().to_string()
}

fn partial_folders(parent: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .contains(".partial-")
        })
        .collect()
}

#[test]
fn a_run_killed_while_writing_leaves_the_previous_output_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let out_s = out.to_str().unwrap();
    run_ok(&["run", "--config", &config(), "--output", out_s, "--quiet"]);
    let before = snapshot(&out);

    // a run over other inputs, slowed down between tables, killed after a few are written
    let uk = repo().join("data/articles/dniprovi-visti");
    let config = config();
    let uk_run = [
        "run",
        "--config",
        &config,
        "--output",
        out_s,
        "--quiet",
        "--input",
        uk.to_str().unwrap(),
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsprism"))
        .args(uk_run)
        .env("NEWSPRISM_TEST_PAUSE_MS", "400")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let written = partial_folders(tmp.path())
            .first()
            .map_or(0, |p| std::fs::read_dir(p).unwrap().count());
        if written >= 3 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run never got to writing"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL: no cleanup code runs
    child.wait().unwrap();

    assert_eq!(snapshot(&out), before, "the previous output changed");
    assert_eq!(
        partial_folders(tmp.path()).len(),
        1,
        "the killed run's partial folder is where it was"
    );

    // the next run is not blocked by the dead run's lock, and cleans up after it
    run_ok(&uk_run);
    assert!(partial_folders(tmp.path()).is_empty());
    assert_eq!(read_csv(&out.join("articles.csv")).len(), 4);
}

#[test]
fn a_second_run_on_the_same_output_is_refused_while_the_first_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let out_s = out.to_str().unwrap();
    let mut first = Command::new(env!("CARGO_BIN_EXE_newsprism"))
        .args(["run", "--config", &config(), "--output", out_s, "--quiet"])
        .env("NEWSPRISM_TEST_PAUSE_MS", "300")
        .spawn()
        .unwrap();
    let started = Instant::now();
    while partial_folders(tmp.path()).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(10));
    }
    let second = newsprism(&["run", "--config", &config(), "--output", out_s, "--quiet"]);
    assert_eq!(second.status.code(), Some(1));
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(
        err.contains("is being written by another newsprism run"),
        "{err}"
    );
    assert!(first.wait().unwrap().success());
    assert_eq!(read_csv(&out.join("articles.csv")).len(), 44);
}

fn tables(out: &Path) -> Vec<(String, Vec<u8>)> {
    TABLE_FILES
        .iter()
        .map(|t| (t.to_string(), std::fs::read(out.join(t)).unwrap()))
        .collect()
}

#[test]
fn bytes_do_not_depend_on_threads_input_order_or_file_names() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    make_corpus(
        &corpus,
        1200,
        &[
            "--per-file",
            "300",
            "--langs",
            "eng,fra,rus,ukr,deu,spa,zho-CN,ell",
        ],
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().unwrap() == "jsonl")
        .collect();
    files.sort();
    assert_eq!(files.len(), 4);
    let sources = corpus.join("sources.csv");
    let cfg = tmp.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!("[run]\nsources = {:?}\n", sources.to_str().unwrap()),
    )
    .unwrap();
    let run = |name: &str, threads: &str, inputs: &[PathBuf]| -> PathBuf {
        let out = tmp.path().join(name);
        let mut args: Vec<String> = [
            "run",
            "--config",
            cfg.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "--threads",
            threads,
            "--quiet",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for input in inputs {
            args.push("--input".into());
            args.push(input.to_str().unwrap().into());
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run_ok(&refs);
        out
    };
    let reference = tables(&run("one", "1", &files));
    assert_eq!(
        tables(&run("two", "2", &files)),
        reference,
        "threads 1 vs 2"
    );
    let reversed: Vec<PathBuf> = files.iter().rev().cloned().collect();
    assert_eq!(
        tables(&run("reversed", "2", &reversed)),
        reference,
        "inputs listed in reverse"
    );

    // renamed files: every table but the three that name each article's source file
    let renamed_dir = tmp.path().join("renamed");
    std::fs::create_dir(&renamed_dir).unwrap();
    let renamed: Vec<PathBuf> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let to = renamed_dir.join(format!("night-{}.jsonl", 9 - i));
            std::fs::copy(f, &to).unwrap();
            to
        })
        .collect();
    let out = tables(&run("renamed-out", "2", &renamed));
    for ((name, want), (_, got)) in reference.iter().zip(&out) {
        if !["articles.csv", "article_topics.csv", "duplicates.csv"].contains(&name.as_str()) {
            assert!(want == got, "{name} differs after renaming the inputs");
        }
    }
}

#[test]
fn an_output_folder_newsprism_did_not_write_is_refused_and_left_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let documents = tmp.path().join("Documents");
    std::fs::create_dir(&documents).unwrap();
    std::fs::write(documents.join("thesis.docx"), "four years of work").unwrap();
    let before = snapshot(tmp.path());
    let out = newsprism(&[
        "run",
        "--config",
        &config(),
        "--output",
        documents.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Documents") && err.contains("`thesis.docx`") && err.contains("--output"),
        "{err}"
    );
    // `check` says the same, with the same exit code
    let cfg = tmp.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[run]\ninputs = [{:?}]\noutput = {:?}\nname = \"Documents\"\n",
            repo().join("data").to_str().unwrap(),
            tmp.path().to_str().unwrap()
        ),
    )
    .unwrap();
    let check = newsprism(&["check", "--config", cfg.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&check.stderr).contains("`thesis.docx`"));
    std::fs::remove_file(&cfg).unwrap();
    // nothing changed, and nothing was added beside it (no lock, no partial folder)
    assert_eq!(snapshot(tmp.path()), before);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);

    // an empty folder is used; the folder a run wrote is replaced by the next run
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let args = |dir: &Path| {
        vec![
            "run".to_string(),
            "--config".into(),
            config(),
            "--output".into(),
            dir.to_str().unwrap().into(),
            "--quiet".into(),
        ]
    };
    let run = |dir: &Path| {
        let a = args(dir);
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        run_ok(&refs);
    };
    run(&empty);
    assert_eq!(read_csv(&empty.join("articles.csv")).len(), 44);
    run(&empty);
    assert_eq!(read_csv(&empty.join("articles.csv")).len(), 44);
}

/// Runs the sample into `out` with NEWSPRISM_TEST_PANIC=`place` and checks the run ends with
/// exit 1 and a message, leaving the previous output exactly as it was.
fn assert_panic_is_a_clean_failure(place: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("run");
    let out_s = out.to_str().unwrap();
    let cfg = config();
    let args = ["run", "--config", &cfg, "--output", out_s, "--quiet"];
    run_ok(&args);
    let before = snapshot(&out);
    let failed = Command::new(env!("CARGO_BIN_EXE_newsprism"))
        .args(args)
        .env("NEWSPRISM_TEST_PANIC", place)
        .output()
        .unwrap();
    assert_eq!(failed.status.code(), Some(1), "{place}");
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(
        err.contains("newsprism: internal error") && err.contains("previous output is unchanged"),
        "{place}: {err}"
    );
    assert_eq!(snapshot(&out), before, "{place}");
    assert!(partial_folders(tmp.path()).is_empty(), "{place}");
}

#[test]
fn a_panic_in_the_reader_a_worker_or_the_tables_exits_1_and_keeps_the_previous_output() {
    for place in ["reader", "worker", "tables"] {
        assert_panic_is_a_clean_failure(place);
    }
}
