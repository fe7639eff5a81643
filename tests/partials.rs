//! `run --partials` per shard, then `compare --partials`: the tables of one run on every input,
//! byte for byte, however the files are split; and the partials that cannot be summed are
//! refused with their reason.

mod common;

use std::path::{Path, PathBuf};

use common::shards::*;
use common::*;

/// Round-robin: file i to shard i mod n.
fn split(files: &[PathBuf], n: usize) -> Vec<Vec<PathBuf>> {
    let mut shards = vec![Vec::new(); n];
    for (i, f) in files.iter().enumerate() {
        shards[i % n].push(f.clone());
    }
    shards
}

fn run_shards(tmp: &Path, config: &Path, shards: &[Vec<PathBuf>], name: &str) -> Vec<PathBuf> {
    shards
        .iter()
        .enumerate()
        .map(|(k, files)| {
            let list = tmp.join(format!("{name}-{k}.txt"));
            write_list(&list, files);
            let dir = tmp.join(format!("{name}-{k}"));
            run_ok(&[
                "run",
                "--config",
                config.to_str().unwrap(),
                "--inputs-from",
                list.to_str().unwrap(),
                "--partials",
                dir.to_str().unwrap(),
                "--quiet",
            ]);
            dir
        })
        .collect()
}

fn compare(config: &Path, dirs: &[PathBuf], out: &Path) -> std::process::Output {
    let mut args = vec![
        "compare".to_string(),
        "--config".into(),
        config.to_str().unwrap().into(),
        "--output".into(),
        out.to_str().unwrap().into(),
        "--quiet".into(),
        "--partials".into(),
    ];
    args.extend(dirs.iter().map(|d| d.to_str().unwrap().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    newsprism(&args)
}

#[test]
fn one_three_and_seven_shards_give_the_tables_of_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let OneRun {
        files,
        config,
        output: single,
        ..
    } = one_run(tmp);

    // what the comparison stands on: copies, rejections of both kinds
    let duplicates = read_csv(&single.join("duplicates.csv"));
    assert!(duplicates.len() >= 150, "{} copies", duplicates.len());
    let rejected = read_csv(&single.join("rejected.csv"));
    let reasons: Vec<&str> = rejected.iter().map(|r| r["reason"].as_str()).collect();
    assert!(
        reasons.iter().any(|r| r.contains("unsupported extension")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("not valid JSON") || r.contains("JSON")),
        "{reasons:?}"
    );

    for n in [1, 3, 7] {
        let shards = split(&files, n);
        let dirs = run_shards(tmp, &config, &shards, &format!("s{n}"));
        let out = tmp.join(format!("compared-{n}"));
        let done = compare(&config, &dirs, &out);
        assert!(
            done.status.success(),
            "{n} shards: {}",
            String::from_utf8_lossy(&done.stderr)
        );
        assert_same_output(&single, &out);
        if n == 7 {
            let across = clusters_across_shards(&single, &shards);
            assert!(across > 50, "{across} clusters across shards");
        }
    }
}

#[test]
fn partials_that_cannot_be_summed_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let config = config(tmp);
    let articles = repo().join("data/articles");
    let one = |name: &str, files: &[PathBuf], config: &Path| {
        run_shards(tmp, config, &[files.to_vec()], name).remove(0)
    };
    let sample = walk(&articles);
    let a = one("a", &sample[..10], &config);
    let b = one("b", &sample[10..], &config);
    let refused = |dirs: &[PathBuf], config: &Path, expect: &str| {
        let out = tmp.join("refused");
        let done = compare(config, dirs, &out);
        let stderr = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expect), "{expect:?} not in {stderr}");
        assert!(!out.exists());
    };
    // a file read by two shards
    let again = one("again", &sample[..1], &config);
    refused(
        &[a.clone(), b.clone(), again],
        &config,
        "was read by two shards",
    );
    // two files of one name in two shards: their articles' sources would be the same
    let (x, y) = (tmp.join("x"), tmp.join("y"));
    for dir in [&x, &y] {
        std::fs::create_dir(dir).unwrap();
        std::fs::write(
            dir.join("same.jsonl"),
            "{\"outlet\": \"same-name.example\", \"text\": \"Lavrov and Tillerson met in New York.\"}\n",
        )
        .unwrap();
    }
    let sx = one("x", &[x.join("same.jsonl")], &config);
    let sy = one("y", &[y.join("same.jsonl")], &config);
    refused(&[sx, sy], &config, "two files read as `same.jsonl`");
    // another config: one topic term more
    let other = tmp.join("other.toml");
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "terms.en = [",
        "terms.en = [\"lavrov-tillerson\", ",
        1,
    );
    std::fs::write(&other, text).unwrap();
    refused(&[a.clone(), b.clone()], &other, "made with another config");
    // another partial format
    let old = tmp.join("old");
    std::fs::create_dir(&old).unwrap();
    for entry in std::fs::read_dir(&a).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, old.join(path.file_name().unwrap())).unwrap();
        }
    }
    let manifest = std::fs::read_to_string(old.join("manifest.json")).unwrap();
    std::fs::write(
        old.join("manifest.json"),
        manifest.replacen("\"format\": 1", "\"format\": 99", 1),
    )
    .unwrap();
    refused(&[old.clone(), b.clone()], &config, "partial format 99");
    // a table missing, or not Parquet
    std::fs::write(
        old.join("manifest.json"),
        std::fs::read_to_string(a.join("manifest.json")).unwrap(),
    )
    .unwrap();
    std::fs::remove_file(old.join("group_terms.parquet")).unwrap();
    refused(
        &[old.clone(), b.clone()],
        &config,
        "group_terms.parquet is missing",
    );
    std::fs::write(old.join("group_terms.parquet"), "not parquet").unwrap();
    refused(&[old, b.clone()], &config, "group_terms.parquet");
    // not a partial folder
    refused(
        std::slice::from_ref(&articles),
        &config,
        "not a partial folder",
    );

    // an empty share reads nothing, rather than the config's inputs
    let empty = tmp.join("empty.txt");
    std::fs::write(&empty, "# no files for this shard\n").unwrap();
    let done = newsprism(&[
        "run",
        "--config",
        config.to_str().unwrap(),
        "--inputs-from",
        empty.to_str().unwrap(),
        "--partials",
        tmp.join("never").to_str().unwrap(),
    ]);
    assert_eq!(done.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&done.stderr).contains("lists no path"));

    // count = "first" needs every shard's copies before any counting
    let first_config = tmp.join("first.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("count = \"all\""));
    std::fs::write(
        &first_config,
        text.replacen("count = \"all\"", "count = \"first\"", 1),
    )
    .unwrap();
    let done = newsprism(&[
        "run",
        "--config",
        first_config.to_str().unwrap(),
        "--partials",
        tmp.join("never").to_str().unwrap(),
    ]);
    assert_eq!(done.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&done.stderr).contains("count = \"first\" cannot be split"));
    assert!(!tmp.join("never").exists());

    // and what can be summed still is: the two halves give the one run on their files
    let single = tmp.join("single");
    let list = tmp.join("sample.txt");
    write_list(&list, &sample);
    run_into(&config, &single, &["--inputs-from", list.to_str().unwrap()]);
    let out = tmp.join("halves");
    assert!(compare(&config, &[a, b], &out).status.success());
    assert_same_output(&single, &out);
}

#[test]
fn a_partial_folder_is_the_same_for_the_same_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let config = config(tmp);
    let files = walk(&repo().join("data/articles"));
    let mut reversed = files.clone();
    reversed.reverse();
    let one = run_shards(tmp, &config, std::slice::from_ref(&files), "forward").remove(0);
    let two = run_shards(tmp, &config, &[reversed], "reversed").remove(0);
    let tables = |dir: &Path| -> Vec<Vec<u8>> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect();
        names.sort();
        assert_eq!(names.len(), 9);
        names.iter().map(|p| std::fs::read(p).unwrap()).collect()
    };
    assert!(tables(&one) == tables(&two));
    // a nightly rerun of the shard takes its analyses from the cache its last run left in
    // the partial folder, and gives the same partials
    let before = tables(&one);
    let again = run_shards(tmp, &config, &[files], "forward").remove(0);
    assert!(tables(&again) == before);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(again.join("manifest.json")).unwrap()).unwrap();
    assert!(
        manifest["articles_from_cache"].as_u64().unwrap() > 0,
        "{manifest}"
    );
}

#[test]
fn articles_outside_select_split_as_in_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let config = config(tmp);
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replacen(
            "[[topics]]",
            "[select]\nlanguages = [\"en\", \"ru\", \"uk\"]\n\n[[topics]]",
            1,
        ),
    )
    .unwrap();
    let files = walk(&repo().join("data/articles"));
    let list = tmp.join("sample.txt");
    write_list(&list, &files);
    let single = tmp.join("single");
    run_into(&config, &single, &["--inputs-from", list.to_str().unwrap()]);
    assert!(read_csv(&single.join("excluded.csv")).len() > 10);
    let halves = [files[..15].to_vec(), files[15..].to_vec()];
    let dirs = run_shards(tmp, &config, &halves, "select");
    let out = tmp.join("compared");
    assert!(compare(&config, &dirs, &out).status.success());
    assert_same_output(&single, &out);
}

#[test]
fn an_id_read_by_two_shards_is_rejected_as_in_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let tmp = tmp.path();
    let config = config(tmp);
    let line = |id: &str, text: &str| {
        format!("{{\"id\": \"{id}\", \"outlet\": \"twice-daily.example\", \"published\": \"2017-09-17\", \"title\": \"{id}\", \"text\": \"{text}\"}}\n")
    };
    // written for this test: a first read, then the same id twice more in another file
    let first = tmp.join("a-first.jsonl");
    let later = tmp.join("b-later.jsonl");
    std::fs::write(
        &first,
        line(
            "story-1",
            "Lavrov and Tillerson met in New York on Sunday to discuss Syria and the sanctions.",
        ) + &line(
            "story-0",
            "The foreign ministers spoke about North Korea and Ukraine.",
        ),
    )
    .unwrap();
    std::fs::write(
        &later,
        line("story-2", "Tillerson said the talks on Ukraine and the sanctions would go on.")
            + &line("story-1", "A second text under the first id: Lavrov spoke of Syria, Ukraine and the nuclear deal with Iran.")
            + &line("story-1", "A third text under the same id, about the sanctions on Russia."),
    )
    .unwrap();
    let sample = walk(&repo().join("data/articles"));
    let mut files = sample.clone();
    files.push(first.clone());
    files.push(later.clone());
    let all = tmp.join("all.txt");
    write_list(&all, &files);
    let single = tmp.join("single");
    run_into(&config, &single, &["--inputs-from", all.to_str().unwrap()]);
    let rejected = read_csv(&single.join("rejected.csv"));
    assert_eq!(
        rejected
            .iter()
            .filter(|r| r["reason"].contains("first read at a-first.jsonl:1"))
            .count(),
        2,
        "{rejected:?}"
    );

    // the later file in the first shard, the first in the second: file order decides
    let mut one = sample[..12].to_vec();
    one.push(later.clone());
    let mut two = sample[12..].to_vec();
    two.push(first.clone());
    let dirs = run_shards(tmp, &config, &[one, two], "ids");
    let out = tmp.join("compared");
    let done = compare(&config, &dirs, &out);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_same_output(&single, &out);

    // taking the later one out needs its file as its shard read it
    std::fs::write(&later, line("story-1", "changed")).unwrap();
    let done = compare(&config, &dirs, &tmp.join("changed"));
    assert_eq!(done.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert!(stderr.contains("it has changed"), "{stderr}");
}
