//! A nightly dump as messy as real ones: every kind of bad record among good articles. The
//! run must finish (exit 0), analyse every good article, and list every bad one with its
//! file, line and reason, with counts that add up.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use common::*;

fn good(id: &str, text: &str) -> String {
    serde_json::json!({"id": id, "outlet": "wire", "title": "Talks in New York", "text": text})
        .to_string()
}

const TEXT: &str = "Russia's foreign minister met the US secretary of state in New York on Sunday to discuss Syria.";

fn build(dir: &Path) {
    let w = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    // JSONL: good, malformed, empty text, invalid UTF-8, NUL, duplicate id, no text field, good
    let mut jsonl = Vec::new();
    for line in [
        good("g1", TEXT),
        "{\"id\": \"m1\", \"text\": \"unterminated".to_string(),
        good("e1", "   "),
    ] {
        jsonl.extend_from_slice(line.as_bytes());
        jsonl.push(b'\n');
    }
    jsonl.extend_from_slice(b"{\"id\": \"u1\", \"text\": \"caf\xe9 au lait\"}\n");
    jsonl.extend_from_slice(b"{\"id\": \"n1\", \"text\": \"a\x00b\"}\n");
    for line in [
        good("g1", TEXT),
        "{\"id\": \"t1\", \"body\": \"no text field\"}".to_string(),
        good("g2", TEXT),
    ] {
        jsonl.extend_from_slice(line.as_bytes());
        jsonl.push(b'\n');
    }
    w("dump/mixed.jsonl", &jsonl);

    // CSV: a row with too few fields between good rows; a CSV without a text column
    w(
        "dump/rows.csv",
        format!("id,outlet,title,text\ng3,wire,T,\"{TEXT}\"\nbad,wire,T\ng4,wire,T,\"{TEXT}\"\n")
            .as_bytes(),
    );
    w("dump/notext.csv", b"id,outlet,body\nx,wire,hello\n");

    // gzip: one cut short after its first article, one that is not gzip at all
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..200 {
        gz.write_all(good(&format!("z{i}"), TEXT).as_bytes())
            .unwrap();
        gz.write_all(b"\n").unwrap();
    }
    let full = gz.finish().unwrap();
    w("dump/truncated.jsonl.gz", &full[..full.len() / 2]);
    w("dump/corrupt.csv.gz", b"this is not gzip data at all");

    // text files: a good one, a binary one, an empty one
    w(
        "dump/daily/good.txt",
        format!("Talks in New York\n{TEXT}\n").as_bytes(),
    );
    w(
        "dump/daily/binary.txt",
        b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00",
    );
    w("dump/daily/empty.txt", b"");
    // a file of only newlines, an unsupported file
    w("dump/newlines.jsonl", &b"\n".repeat(10_000));
    w("dump/notes.md", b"# notes\n");
    // a 100 MB line (over the 10 MB limit) followed by a good article
    let mut big = Vec::with_capacity(101 << 20);
    big.extend_from_slice(b"{\"id\": \"huge\", \"text\": \"");
    big.resize(big.len() + (100 << 20), b'x');
    big.extend_from_slice(b"\"}\n");
    big.extend_from_slice(good("g5", TEXT).as_bytes());
    big.push(b'\n');
    w("dump/big.jsonl", &big);

    // a symlink loop, a dangling symlink, a named pipe (would block a naive reader forever)
    std::os::unix::fs::symlink(dir.join("dump"), dir.join("dump/loop")).unwrap();
    std::os::unix::fs::symlink(dir.join("nowhere.jsonl"), dir.join("dump/dangling.jsonl")).unwrap();
    let fifo = std::process::Command::new("mkfifo")
        .arg(dir.join("dump/pipe.jsonl"))
        .status()
        .unwrap();
    assert!(fifo.success());
}

#[test]
fn every_bad_record_is_listed_and_every_good_article_analysed() {
    let tmp = tempfile::tempdir().unwrap();
    build(tmp.path());
    let out = tmp.path().join("out");
    let input = tmp.path().join("dump");
    let config = tmp.path().join("config.toml");
    std::fs::write(&config, "[run]\ninputs = [\"dump\"]\n").unwrap();
    let run = run_loud(&config, &out);
    let summary = String::from_utf8_lossy(&run.stdout);
    assert!(input.is_dir());

    let articles = read_csv(&out.join("articles.csv"));
    let mut ids: Vec<&str> = articles.iter().map(|a| a["article_id"].as_str()).collect();
    ids.sort();
    // g1..g5, the good txt, and the z articles before the cut (at least one, fewer than 200)
    for want in ["g1", "g2", "g3", "g4", "g5", "dump/daily/good.txt", "z0"] {
        assert!(ids.contains(&want), "{want} missing from {ids:?}");
    }
    let z = ids.iter().filter(|i| i.starts_with('z')).count();
    assert!(z > 0 && z < 200, "{z} articles before the cut");

    let rejected = read_csv(&out.join("rejected.csv"));
    let reason = |file: &str, line: Option<u64>| -> String {
        let hit = rejected.iter().find(|r| {
            r["file"] == file && r["line"] == line.map(|l| l.to_string()).unwrap_or_default()
        });
        hit.unwrap_or_else(|| panic!("no rejection for {file}:{line:?} in {rejected:#?}"))["reason"]
            .clone()
    };
    assert!(reason("dump/mixed.jsonl", Some(2)).starts_with("malformed JSON line"));
    assert_eq!(reason("dump/mixed.jsonl", Some(3)), "empty text");
    assert!(reason("dump/mixed.jsonl", Some(4)).starts_with("invalid UTF-8 at byte 25"));
    assert_eq!(
        reason("dump/mixed.jsonl", Some(5)),
        "binary content (NUL bytes)"
    );
    assert!(reason("dump/mixed.jsonl", Some(6))
        .starts_with("duplicate id `g1` of outlet `wire` (first read at dump/mixed.jsonl:1)"));
    assert_eq!(reason("dump/mixed.jsonl", Some(7)), "no `text` field");
    assert_eq!(
        reason("dump/rows.csv", Some(3)),
        "3 fields where the header has 4"
    );
    assert!(reason("dump/notext.csv", Some(1)).starts_with("no `text` column in the header"));
    assert!(reason("dump/truncated.jsonl.gz", None).starts_with("truncated or corrupt gzip"));
    assert!(reason("dump/corrupt.csv.gz", None).starts_with("truncated or corrupt gzip"));
    assert_eq!(
        reason("dump/daily/binary.txt", None),
        "binary content (NUL bytes)"
    );
    assert_eq!(reason("dump/daily/empty.txt", None), "empty text");
    assert_eq!(reason("dump/newlines.jsonl", None), "no articles in file");
    assert!(reason("dump/notes.md", None).starts_with("unsupported extension"));
    let big = reason("dump/big.jsonl", Some(1));
    assert!(
        big.starts_with("article over size limit (104857626 bytes > 10485760)"),
        "{big}"
    );
    assert!(reason("dump/dangling.jsonl", None).starts_with("unreadable"));
    assert!(reason("dump/pipe.jsonl", None).starts_with("not a regular file"));
    // excerpts help a person find the record; the 100 MB line is cut to a few characters
    let big_row = rejected
        .iter()
        .find(|r| r["file"] == "dump/big.jsonl")
        .unwrap();
    assert!(
        big_row["excerpt"].starts_with("{\"id\": \"huge\"")
            && big_row["excerpt"].chars().count() <= 81
    );

    // the counts add up, in the manifest and in the summary
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let c = &manifest["counts"];
    let n = |v: &serde_json::Value| v.as_u64().unwrap();
    assert_eq!(n(&c["articles"]["analysed"]), articles.len() as u64);
    let article_rows = rejected.iter().filter(|r| r["scope"] == "article").count() as u64;
    assert_eq!(n(&c["articles"]["rejected"]), article_rows);
    assert_eq!(
        n(&c["articles"]["discovered"]),
        n(&c["articles"]["analysed"]) + n(&c["articles"]["rejected"])
    );
    assert_eq!(
        n(&c["files"]["discovered"]),
        n(&c["files"]["analysed"]) + n(&c["files"]["rejected"])
    );
    // 13 paths: mixed, rows, notext, truncated, corrupt, 3 txt, newlines, notes, big,
    // dangling, pipe (the loop is the folder itself, walked once)
    assert_eq!(n(&c["files"]["discovered"]), 13);
    // files with an analysed article: mixed, rows, truncated, good.txt, big
    assert_eq!(n(&c["files"]["analysed"]), 5);
    let rejected_paths: std::collections::BTreeSet<&str> =
        rejected.iter().map(|r| r["file"].as_str()).collect();
    assert!(rejected_paths.len() as u64 >= n(&c["files"]["rejected"]));
    assert!(
        summary.contains(&format!(
            "{} articles read: {} analysed, {} rejected",
            n(&c["articles"]["discovered"]),
            articles.len(),
            article_rows
        )),
        "{summary}"
    );
    let by_id: HashMap<&str, &HashMap<String, String>> = articles
        .iter()
        .map(|a| (a["article_id"].as_str(), a))
        .collect();
    assert_eq!(by_id["g1"]["source"], "dump/mixed.jsonl:1");
}
