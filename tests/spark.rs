//! The Spark job of `scale/` in Spark's local mode (`local[2]`, 5 shards): its tables are those
//! of one `newsprism run` on the same files, byte for byte.
//!
//! It needs Python with PySpark (and Java): `.ci/run` installs PySpark into a cached venv and
//! sets `NEWSPRISM_SPARK=required`, so that CI fails rather than skips when it cannot be had.
//! Elsewhere the test looks for `$NEWSPRISM_SPARK_PYTHON`, then the venv .ci/run makes, and
//! says it skipped when neither has PySpark.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::shards::*;
use common::*;

fn spark_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("NEWSPRISM_SPARK_PYTHON").map(PathBuf::from),
        std::env::var_os("HOME")
            .map(|h| PathBuf::from(h).join(".cache/newsprism-spark/venv/bin/python")),
    ];
    let found = candidates.into_iter().flatten().find(|python| {
        Command::new(python)
            .args(["-c", "import pyspark"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("NEWSPRISM_SPARK").is_none_or(|v| v != "required"),
            "NEWSPRISM_SPARK=required but no Python with pyspark (set NEWSPRISM_SPARK_PYTHON)"
        );
        eprintln!("skipped: no Python with pyspark (.ci/run installs one)");
    }
    found
}

#[test]
fn the_spark_job_gives_the_tables_of_one_run() {
    let Some(python) = spark_python() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let OneRun {
        config,
        list: all,
        output: single,
        ..
    } = one_run(tmp);

    let work = tmp.join("work");
    let out = tmp.join("spark");
    let summary = tmp.join("summary.json");
    let done = Command::new(&python)
        .arg(repo().join("scale/newsprism_spark.py"))
        .args(["--master", "local[2]", "--shards", "5"])
        .arg("--config")
        .arg(&config)
        .arg("--inputs")
        .arg(&all)
        .arg("--work")
        .arg(&work)
        .arg("--output")
        .arg(&out)
        .arg("--summary")
        .arg(&summary)
        .arg("--newsprism")
        .arg(env!("CARGO_BIN_EXE_newsprism"))
        // this machine only
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .output()
        .expect("python runs");
    assert!(
        done.status.success(),
        "the Spark job failed:\n{}\n{}",
        String::from_utf8_lossy(&done.stdout),
        String::from_utf8_lossy(&done.stderr)
    );
    assert_same_output(&single, &out);

    // five shards ran, and Spark wrote the sums (its folders of parts), not one of them
    let timings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
    assert_eq!(timings["shards"], 5);
    for k in 0..5 {
        assert!(work
            .join(format!("shards/shard-{k:05}/manifest.json"))
            .is_file());
    }
    // copies whose original another shard read: the lists the job dealt
    let lists: Vec<Vec<PathBuf>> = (0..5)
        .map(|k| {
            std::fs::read_to_string(work.join(format!("lists/shard-{k:05}.txt")))
                .unwrap()
                .lines()
                .map(PathBuf::from)
                .collect()
        })
        .collect();
    let across = clusters_across_shards(&single, &lists);
    assert!(across > 50, "{across} clusters across shards");
    let summed = work.join("summed");
    assert_eq!(count_manifests(&summed), 5);
    for table in ["group_terms", "articles"] {
        let parts = summed.join(format!("{table}.parquet"));
        assert!(parts.join("_SUCCESS").is_file(), "{}", parts.display());
    }
}

fn count_manifests(summed: &Path) -> usize {
    std::fs::read_dir(summed.join("manifests")).unwrap().count()
}
