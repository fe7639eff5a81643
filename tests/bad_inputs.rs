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

/// A news-please folder (one `.json` object per article, its own field names) reads with
/// `preset = "news-please"`; a `.json` array reads element by element; bad elements and
/// files are rejected with a reason, and their neighbours are still read.
#[test]
fn news_please_json_and_json_arrays_read_with_every_rejection_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("dump");
    std::fs::create_dir_all(dump.join("np")).unwrap();
    // written for this test: invented outlets, news-please's layout and keys
    let np = |domain: &str, title: &str, text: &str| {
        serde_json::json!({
            "authors": ["A. Writer"], "date_download": "2017-09-18 06:00:00",
            "date_modify": null, "date_publish": "2017-09-17 22:15:00",
            "description": "", "filename": "x.json", "image_url": null, "language": "en",
            "localpath": null, "maintext": text, "source_domain": domain,
            "title": title, "title_page": null, "title_rss": null,
            "url": format!("https://{domain}/world/1"),
        })
        .to_string()
    };
    std::fs::write(
        dump.join("np/a.json"),
        np("harbour-daily.example", "Ministers meet", "Lavrov and Tillerson met in New York on Sunday to discuss Syria and the crisis in Ukraine."),
    )
    .unwrap();
    std::fs::write(
        dump.join("np/b.json"),
        format!("\u{feff}{}", np("coastal-times.example", "Talks in New York", "The foreign ministers of Russia and the United States talked about Syria on Sunday evening.")),
    )
    .unwrap();
    std::fs::write(dump.join("np/broken.json"), "{\"maintext\": \"cut off").unwrap();
    let element = |id: &str, text: &str| serde_json::json!({"id": id, "maintext": text, "source_domain": "array-wire.example"});
    let array = serde_json::json!([
        element(
            "w1",
            "Lavrov and Tillerson discussed Syria and North Korea in New York."
        ),
        "not an article",
        element("w2", ""),
        element(
            "w3",
            "Sanctions and diplomatic property were also on the agenda of the talks."
        ),
    ]);
    std::fs::write(dump.join("wire.json"), array.to_string()).unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        "[run]\ninputs = [\"dump\"]\ncache = false\n[input]\npreset = \"news-please\"\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    run_into(&config, &out, &[]);

    let articles = read_csv(&out.join("articles.csv"));
    let by_id: std::collections::HashMap<&str, &std::collections::HashMap<String, String>> =
        articles
            .iter()
            .map(|a| (a["article_id"].as_str(), a))
            .collect();
    assert_eq!(articles.len(), 4, "{articles:?}");
    let a = by_id["dump/np/a.json"];
    assert_eq!(a["outlet"], "harbour-daily.example");
    assert_eq!(a["published"], "2017-09-17 22:15:00");
    assert_eq!(a["title"], "Ministers meet");
    assert_eq!(a["url"], "https://harbour-daily.example/world/1");
    assert_eq!(a["language"], "en");
    assert!(a["words"].parse::<u64>().unwrap() > 10);
    // the byte order mark does not matter
    assert_eq!(by_id["dump/np/b.json"]["outlet"], "coastal-times.example");
    assert_eq!(by_id["w1"]["source"], "dump/wire.json:1");
    assert_eq!(by_id["w3"]["source"], "dump/wire.json:4");

    let rejected = read_csv(&out.join("rejected.csv"));
    let reasons: Vec<(&str, &str, &str)> = rejected
        .iter()
        .map(|r| (r["file"].as_str(), r["line"].as_str(), r["reason"].as_str()))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons.contains(&("dump/wire.json", "2", "array element is not a JSON object")));
    assert!(reasons
        .iter()
        .any(|r| r.0 == "dump/wire.json" && r.1 == "3" && r.2.contains("text")));
    assert!(reasons
        .iter()
        .any(|r| r.0 == "dump/np/broken.json" && r.2.starts_with("malformed JSON")));
}

/// An element over `max_article_bytes` in a `.json` array is cut off as it is read (memory
/// follows one article): it is rejected, the elements before it are kept.
#[test]
fn an_oversized_json_element_is_rejected_without_reading_it_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("dump");
    std::fs::create_dir_all(&dump).unwrap();
    let ok = serde_json::json!({"id": "k1", "outlet": "o", "text": "Lavrov and Tillerson met in New York to discuss Syria."});
    let huge = serde_json::json!({"id": "k2", "outlet": "o", "text": "word ".repeat(100_000)});
    std::fs::write(
        dump.join("big.json"),
        serde_json::json!([ok, huge, ok]).to_string(),
    )
    .unwrap();
    let config = tmp.path().join("config.toml");
    std::fs::write(
        &config,
        "[run]\ninputs = [\"dump\"]\ncache = false\n[input]\nmax_article_bytes = 4096\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    run_into(&config, &out, &[]);
    let articles = read_csv(&out.join("articles.csv"));
    assert_eq!(articles.len(), 1);
    assert_eq!(articles[0]["article_id"], "k1");
    let rejected = read_csv(&out.join("rejected.csv"));
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0]["line"], "2");
    assert!(rejected[0]["reason"].starts_with("article over size limit (more than 4096 bytes)"));
}

/// Dates as feeds write them fall on one day; what cannot be read is said once, never guessed.
#[test]
fn dates_in_every_form_group_by_their_day_and_unreadable_ones_are_said() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("dump");
    std::fs::create_dir_all(&dump).unwrap();
    let dates = [
        ("d1", "2017-09-18 08:12:00"),
        ("d2", "2017-09-18T08:12:00+03:00"),
        ("d3", "Mon, 18 Sep 2017 08:12:00 +0000"),
        ("d4", "18.09.2017"),
        ("d5", "September 18, 2017"),
        ("d6", "18 сентября 2017"),
        ("d7", "yesterday"),
        // 02:00 UTC on the 18th is still the 17th in New York
        ("d8", "2017-09-18T02:00:00Z"),
    ];
    let lines: Vec<String> = dates
        .iter()
        .map(|(id, published)| {
            serde_json::json!({"id": id, "outlet": "o", "published": published,
                "text": "Lavrov and Tillerson met in New York to discuss Syria."})
            .to_string()
        })
        .collect();
    std::fs::write(dump.join("a.jsonl"), lines.join("\n")).unwrap();
    for (zone, d8_day) in [("UTC", "2017-09-18"), ("-04:00", "2017-09-17")] {
        let config = tmp.path().join("config.toml");
        std::fs::write(
            &config,
            format!("[run]\ninputs = [\"dump\"]\ncache = false\ngroup_by = [\"published\"]\nday_zone = \"{zone}\"\n"),
        )
        .unwrap();
        let out = tmp.path().join(format!("out{}", zone.len()));
        let run = run_into(&config, &out, &[]);
        let groups: std::collections::HashMap<String, String> = read_csv(&out.join("groups.csv"))
            .into_iter()
            .map(|g| (g["published"].clone(), g["articles"].clone()))
            .collect();
        let on_18 = if d8_day == "2017-09-18" { "7" } else { "6" };
        let mut expected: std::collections::HashMap<String, String> = [
            ("2017-09-18".to_string(), on_18.to_string()),
            ("yesterday".to_string(), "1".to_string()),
        ]
        .into();
        if d8_day == "2017-09-17" {
            expected.insert("2017-09-17".into(), "1".into());
        }
        assert_eq!(groups, expected, "{zone}");
        let utc: std::collections::HashMap<String, String> = read_csv(&out.join("articles.csv"))
            .into_iter()
            .map(|a| (a["article_id"].clone(), a["published_utc"].clone()))
            .collect();
        assert_eq!(utc["d1"], "2017-09-18T08:12:00Z");
        assert_eq!(utc["d2"], "2017-09-18T05:12:00Z");
        assert_eq!(utc["d3"], "2017-09-18T08:12:00Z");
        assert_eq!(utc["d4"], "2017-09-18");
        assert_eq!(utc["d6"], "2017-09-18");
        assert_eq!(utc["d7"], "");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(
            stderr
                .matches(
                    "published: 1 article with a date newsprism cannot read (e.g. \"yesterday\")"
                )
                .count(),
            1,
            "{stderr}"
        );
    }
}
