//! Web inputs end to end, through the real binary: HTML pages, WARC archives, news-please
//! folders and the charsets 2017-era sites used. Values are those of the sample pages (written
//! for this repository) and of small archives built here, checked by hand.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;

/// `newsprism extract` with the shipped config: the articles as JSON, and stderr.
fn extract(paths: &[&Path]) -> (Vec<Value>, String) {
    let config = repo().join("config.toml");
    let mut args = vec!["extract", "--config", config.to_str().unwrap()];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    let out = run_ok(&args);
    let articles = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (articles, String::from_utf8_lossy(&out.stderr).into_owned())
}

fn by_outlet<'a>(articles: &'a [Value], outlet: &str) -> &'a Value {
    articles
        .iter()
        .find(|a| a["outlet"] == outlet)
        .unwrap_or_else(|| panic!("no article of {outlet}"))
}

fn text(a: &Value) -> &str {
    a["text"].as_str().unwrap()
}

#[test]
fn html_pages_give_the_article_and_every_field() {
    let (articles, stderr) = extract(&[&repo().join("data/articles/web")]);
    assert!(
        stderr.contains("3 articles extracted, 0 rejected"),
        "{stderr}"
    );

    // windows-1251, declared in <meta charset>: title from og:title, date from
    // article:published_time, url from the canonical link, outlet from its host
    let ru = by_outlet(&articles, "volzhsky-vestnik.example");
    assert_eq!(
        ru["title"],
        "Лавров и Тиллерсон обсудили Сирию и Украину в Нью-Йорке"
    );
    assert_eq!(ru["published"], "2017-09-18T09:30:00+03:00");
    assert_eq!(
        ru["url"],
        "https://volzhsky-vestnik.example/politika/2017/09/18/lavrov-tillerson"
    );
    assert_eq!(ru["language"], "ru");
    let body = text(ru);
    // the lead above the body, then the body to its last sentence
    assert!(
        body.starts_with("Министр иностранных дел России Сергей Лавров"),
        "{body}"
    );
    assert!(
        body.ends_with("даже если быстрых договорённостей ждать не приходится."),
        "{body}"
    );
    for boilerplate in [
        "cookie",
        "Политика",
        "ВКонтакте",
        "Читайте также",
        "Путин обсудил с Меркель",
        "Наконец-то встретились",
        "Курс рубля",
        "Все права защищены",
        "Отдел международной политики",
        "Written for the newsprism repository",
    ] {
        assert!(!body.contains(boilerplate), "{boilerplate:?} in {body}");
    }
    assert_eq!(body.lines().count(), 6);

    // WordPress layout: date from JSON-LD, `www.` left out of the outlet, `en-US` → en
    let en = by_outlet(&articles, "harbour-times.example");
    assert_eq!(
        en["title"],
        "Tillerson and Lavrov talk Syria, Ukraine before UN week"
    );
    assert_eq!(en["published"], "2017-09-18T06:15:00-04:00");
    assert_eq!(en["language"], "en");
    let body = text(en);
    assert!(
        body.starts_with("Secretary of State Rex Tillerson met"),
        "{body}"
    );
    assert!(
        body.ends_with("even if no quick agreement is in sight."),
        "{body}"
    );
    for boilerplate in [
        "Share this",
        "Twitter",
        "Related",
        "Haley presses",
        "By Harbour Times staff",
        "(Photo: archive)",
        "Good to see them talking",
        "morning briefing",
        "Tagged",
    ] {
        assert!(!body.contains(boilerplate), "{boilerplate:?} in {body}");
    }

    // an old table layout with no named body: the scored fallback; the headline and the
    // byline above the first paragraph are left out; the date from <time datetime>
    let de = by_outlet(&articles, "rheinpfalz-abendblatt.example");
    assert_eq!(de["title"], "Lawrow und Tillerson: Gespräch ohne Ergebnis");
    assert_eq!(de["published"], "2017-09-18");
    assert_eq!(de["language"], "de");
    let body = text(de);
    assert!(
        body.starts_with("Der russische Außenminister Sergej Lawrow"),
        "{body}"
    );
    assert!(
        body.ends_with("seinen bislang stärksten Atomtest ausgeführt hatte."),
        "{body}"
    );
    for boilerplate in [
        "Mehr zum Thema",
        "Anzeige",
        "Impressum",
        "Leserbriefe",
        "Von unserem",
    ] {
        assert!(!body.contains(boilerplate), "{boilerplate:?} in {body}");
    }
}

#[test]
fn what_a_page_lacks_falls_back_in_order() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("quiet-harbour");
    std::fs::create_dir(&folder).unwrap();
    let article = "<p>The foreign ministers of Russia and the United States met in New York on \
                   Sunday evening and spoke for about an hour about Syria and Ukraine.</p>";
    // no og:title, no <h1>: the <title>; no url: the folder is the outlet; og:url when
    // there is no canonical link; no date anywhere: empty, never guessed
    std::fs::write(
        folder.join("a.html"),
        format!("<html lang=fr-FR><head><title> Titre de la page </title></head><body><article>{article}</article></body></html>"),
    )
    .unwrap();
    std::fs::write(
        folder.join("b.htm"),
        format!("<html><head><meta property=\"og:url\" content=\"https://b.example/x\"><meta name=\"pubdate\" content=\"2017-09-19\"></head><body><h1>Heading</h1><article>{article}</article></body></html>"),
    )
    .unwrap();
    let (articles, _) = extract(&[&folder]);
    let a = articles
        .iter()
        .find(|a| a["source"] == "quiet-harbour/a.html")
        .unwrap();
    assert_eq!(a["title"], "Titre de la page");
    assert_eq!(a["outlet"], "quiet-harbour");
    assert_eq!(a["url"], "");
    assert_eq!(a["published"], "");
    assert_eq!(a["language"], "fr");
    let b = articles
        .iter()
        .find(|a| a["source"] == "quiet-harbour/b.htm")
        .unwrap();
    assert_eq!(b["title"], "Heading");
    assert_eq!(b["url"], "https://b.example/x");
    assert_eq!(b["outlet"], "b.example");
    assert_eq!(b["published"], "2017-09-19");
    assert_eq!(b["language"], "");
}

#[test]
fn the_sample_warc_gives_its_pages_and_skips_the_rest() {
    let (articles, stderr) = extract(&[&repo().join("data/articles/crawl/sample.warc.gz")]);
    assert!(
        stderr.contains("2 articles extracted, 0 rejected"),
        "{stderr}"
    );
    // url from WARC-Target-URI; source names the gzip member's offset
    let uk = by_outlet(&articles, "kyivskyi-poshtar.example");
    assert_eq!(uk["source"], "sample.warc.gz@564");
    assert_eq!(
        uk["url"],
        "https://kyivskyi-poshtar.example/svit/2017/09/18/lavrov-tillerson"
    );
    assert_eq!(uk["published"], "2017-09-18T08:05:00+03:00");
    assert!(text(uk).starts_with("Держсекретар США Рекс Тіллерсон"));
    assert!(!text(uk).contains("18.09.2017 08:05"));
    // KOI8-R, declared only by the HTTP Content-Type of the record
    let ru = by_outlet(&articles, "baltiysky-listok.example");
    assert_eq!(
        ru["url"],
        "http://baltiysky-listok.example/news/2017/09/18/vstrecha.html"
    );
    assert!(text(ru).contains("Глава МИД России Сергей Лавров и госсекретарь США"));

    // the run counts what it skipped, per file
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let config = repo().join("config.toml");
    run_into(&config, &out, &[]);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let warc = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "articles/crawl/sample.warc.gz")
        .unwrap();
    assert_eq!(warc["articles"], 2);
    assert_eq!(
        warc["skipped_records"],
        serde_json::json!({"HTTP 301 response": 1, "image/jpeg response": 1,
            "metadata record": 1, "request record": 2, "warcinfo record": 1})
    );
}

/// A WARC response record holding `page`, with the HTTP headers given.
fn response(url: &str, date: &str, http_headers: &str, page: &[u8]) -> Vec<u8> {
    let mut http = format!("HTTP/1.1 200 OK\r\n{http_headers}\r\n").into_bytes();
    http.extend_from_slice(page);
    warc_record("response", url, date, &http)
}

fn warc_record(kind: &str, url: &str, date: &str, block: &[u8]) -> Vec<u8> {
    let mut record = format!(
        "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {url}\r\nWARC-Date: {date}\r\n\
         Content-Type: application/http; msgtype={kind}\r\nContent-Length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    record.extend_from_slice(block);
    record.extend_from_slice(b"\r\n\r\n");
    record
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

const STORY: &str = "<article><p>Sergey Lavrov and Rex Tillerson met at the Russian mission in New York \
    on Sunday, the eve of the General Assembly, and discussed Syria, Ukraine and North Korea.</p></article>";

#[test]
fn warc_records_give_fields_payloads_and_their_fallbacks() {
    let tmp = tempfile::tempdir().unwrap();
    let page = format!("<html><body>{STORY}</body></html>");
    let mut archive = Vec::new();
    // no date in the page: the crawler's WARC-Date; `<uri>` as WARC 1.0 wrote it
    archive.extend(warc_record(
        "response",
        "<https://www.quay.example/a>",
        "2017-09-18T11:00:00Z",
        &[
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n".as_slice(),
            page.as_bytes(),
        ]
        .concat(),
    ));
    // a chunked, gzip-encoded payload, as wget --warc-file stores it
    let body = gzip(page.replace("Sunday", "Sunday evening").as_bytes());
    let mut chunked = Vec::new();
    for piece in body.chunks(100) {
        chunked.extend(format!("{:x}\r\n", piece.len()).into_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    archive.extend(response(
        "https://quay.example/b",
        "2017-09-18T12:00:00Z",
        "Content-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n",
        &chunked,
    ));
    // windows-1251 declared only by the HTTP header
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(
        "<html><body><article><p>Глава МИД России Сергей Лавров и госсекретарь США Рекс Тиллерсон встретились в Нью-Йорке.</p></article></body></html>",
    );
    archive.extend(response(
        "https://quay.example/c",
        "2017-09-18T13:00:00Z",
        "Content-Type: text/html; charset=windows-1251\r\n",
        &cp1251,
    ));
    let path = tmp.path().join("quay.warc");
    std::fs::write(&path, &archive).unwrap();
    let (articles, stderr) = extract(&[&path]);
    assert!(
        stderr.contains("3 articles extracted, 0 rejected"),
        "{stderr}"
    );
    assert_eq!(articles[0]["url"], "https://www.quay.example/a");
    assert_eq!(articles[0]["outlet"], "quay.example");
    assert_eq!(articles[0]["published"], "2017-09-18T11:00:00Z");
    assert_eq!(articles[0]["source"], "quay.warc@0");
    assert!(text(&articles[1]).contains("on Sunday evening, the eve"));
    assert_eq!(articles[1]["published"], "2017-09-18T12:00:00Z");
    assert!(text(&articles[2]).starts_with("Глава МИД России"));
}

fn rejected(dir: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let out = dir.join("out");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[run]\ninputs = [{:?}]\n[input]\nmax_article_bytes = 65536\n",
            dir.join("in").to_str().unwrap()
        ),
    )
    .unwrap();
    run_into(&config, &out, &[]);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    // every page read is analysed or rejected, and the counts add up
    let counts = &manifest["counts"]["articles"];
    assert_eq!(
        counts["discovered"].as_u64().unwrap(),
        counts["analysed"].as_u64().unwrap() + counts["rejected"].as_u64().unwrap()
    );
    let mut rows = read_csv(&out.join("rejected.csv"));
    rows.sort_by(|a, b| (&a["file"], &a["reason"]).cmp(&(&b["file"], &b["reason"])));
    rows
}

#[test]
fn every_web_rejection_names_its_file_and_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(input.join(name), bytes).unwrap();
    write(
        "menus.html",
        b"<html><body><nav><a href=/>Home</a> <a href=/w>World</a></nav><footer>(c) 2017</footer></body></html>",
    );
    let undeclared = format!("<html><body>{STORY}<p>Лавров</p></body></html>");
    let (cp1251, _, _) = encoding_rs::WINDOWS_1251.encode(&undeclared);
    write("undeclared.html", &cp1251);
    write(
        "klingon.html",
        format!("<html><head><meta charset=klingon-8></head><body>{STORY}</body></html>")
            .as_bytes(),
    );
    write(
        "big.html",
        &[b"<p>".as_slice(), &vec![b'a'; 70_000]].concat(),
    );
    // a gzip bomb: 64 MB of zeros in a few kilobytes, cut off at the size limit
    write("bomb.html.gz", &gzip(&vec![0u8; 64 << 20]));

    // records 2, 3 and 5 are broken; 1 and 4 are read
    let page = format!("<html><body>{STORY}</body></html>");
    let good = response(
        "https://w.example/1",
        "2017-09-18T10:00:00Z",
        "Content-Type: text/html\r\n",
        page.as_bytes(),
    );
    let mut warc = good.clone();
    let second = warc.len();
    warc.extend(b"HTTP/1.1 200 OK\r\n\r\n\r\n".as_slice());
    let third = warc.len();
    warc.extend(b"WARC/1.0\r\nWARC-Type: response\r\n\r\n".as_slice());
    warc.extend(response(
        "https://w.example/4",
        "2017-09-18T10:00:00Z",
        "Content-Type: text/html\r\n",
        page.as_bytes(),
    ));
    let fifth = warc.len();
    let mut cut = good.clone();
    cut.truncate(good.len() - 100);
    warc.extend(cut);
    write("broken.warc", &warc);

    // a corrupt member between two sound ones, and a record that declares more bytes than
    // any machine holds
    let mut members = gzip(&good);
    let bad_at = members.len();
    let mut bad = gzip(&good);
    let middle = bad.len() / 2;
    bad[middle..middle + 8].copy_from_slice(b"\xde\xad\xbe\xef\xde\xad\xbe\xef");
    members.extend(bad);
    members.extend(gzip(&good));
    let huge_at = members.len();
    members.extend(gzip(
        b"WARC/1.0\r\nWARC-Type: response\r\nContent-Type: application/http\r\nContent-Length: 1000000000000000\r\n\r\nHTTP/1.1 200 OK\r\n\r\n<p>x",
    ));
    write("members.warc.gz", &members);

    let rows = rejected(tmp.path());
    let reasons: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["file"].as_str(), r["reason"].as_str()))
        .collect();
    let page_limit = "page over size limit (more than 65536 bytes)";
    let cut_length = good.len() - 4 - warc_header_len(&good);
    let expected = vec![
        ("in/big.html", page_limit.to_string()),
        ("in/bomb.html.gz", page_limit.to_string()),
        (
            "in/broken.warc",
            format!("bad WARC record at byte {second}: expected a `WARC/1.x` line, found `HTTP/1.1 200 OK`"),
        ),
        (
            "in/broken.warc",
            format!("bad WARC record at byte {third}: no Content-Length in the WARC header"),
        ),
        (
            "in/broken.warc",
            format!("bad WARC record at byte {fifth}: truncated: Content-Length {cut_length} but 96 bytes missing"),
        ),
        ("in/klingon.html", "unknown charset `klingon-8`".to_string()),
        (
            "in/members.warc.gz",
            format!(
                "bad WARC record at byte {huge_at}: truncated: Content-Length 1000000000000000 but {} bytes missing",
                1_000_000_000_000_000u64 - 23
            ),
        ),
        ("in/menus.html", "no article text found".to_string()),
        (
            "in/undeclared.html",
            "not UTF-8 and no charset declared (meta charset or HTTP Content-Type)".to_string(),
        ),
    ];
    // the corrupt member's message is zlib's; its offset is ours
    let (corrupt, others): (Vec<_>, Vec<_>) = reasons
        .into_iter()
        .partition(|(_, r)| r.starts_with("corrupt gzip member"));
    assert_eq!(
        others,
        expected
            .iter()
            .map(|(f, r)| (*f, r.as_str()))
            .collect::<Vec<_>>()
    );
    assert_eq!(corrupt.len(), 1, "{corrupt:?}");
    assert_eq!(corrupt[0].0, "in/members.warc.gz");
    assert!(
        corrupt[0].1.starts_with(&format!(
            "corrupt gzip member at byte {bad_at}, skipped to the next member: "
        )),
        "{corrupt:?}"
    );
    // the sound records around the broken ones are read: 1 and 4 of broken.warc, the first
    // and third member
    let out = tmp.path().join("out");
    let sources: Vec<String> = read_csv(&out.join("articles.csv"))
        .into_iter()
        .map(|a| a["source"].clone())
        .collect();
    let fourth = third + b"WARC/1.0\r\nWARC-Type: response\r\n\r\n".len();
    let mut expected_sources = vec![
        "in/broken.warc@0".to_string(),
        format!("in/broken.warc@{fourth}"),
        "in/members.warc.gz@0".to_string(),
        format!("in/members.warc.gz@{}", huge_at - gzip(&good).len()),
    ];
    expected_sources.sort();
    let mut sources = sources;
    sources.sort();
    assert_eq!(sources, expected_sources);
}

fn warc_header_len(record: &[u8]) -> usize {
    record.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4
}

#[test]
fn a_news_please_folder_reads_with_its_preset() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("np/quay.example");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("0f1e.json"),
        r#"{"authors": [], "date_download": "2017-09-18 14:02:11", "date_publish": "2017-09-18 07:45:00",
            "description": null, "filename": "x.json", "image_url": null, "language": "en",
            "localpath": null, "maintext": "Lavrov and Tillerson met in New York on Sunday.",
            "source_domain": "quay.example", "text": null, "title": "Ministers meet",
            "title_page": null, "title_rss": null, "url": "https://quay.example/a"}"#,
    )
    .unwrap();
    // one line: every file with news-please's names
    let config = tmp.path().join("np.toml");
    std::fs::write(
        &config,
        "[run]\ninputs = [\"np\"]\n[input]\npreset = \"news-please\"\n",
    )
    .unwrap();
    let out = run_ok(&[
        "extract",
        "--config",
        config.to_str().unwrap(),
        tmp.path().join("np").to_str().unwrap(),
    ]);
    let a: Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(a["outlet"], "quay.example");
    assert_eq!(a["published"], "2017-09-18 07:45:00");
    assert_eq!(a["text"], "Lavrov and Tillerson met in New York on Sunday.");
    assert_eq!(a["title"], "Ministers meet");
    assert_eq!(a["url"], "https://quay.example/a");
    assert_eq!(a["language"], "en");
    assert_eq!(a["id"], "np/quay.example/0f1e.json");

    // a preset for a path that does not exist names the key and its line
    std::fs::write(
        &config,
        "[run]\ninputs = [\"np\"]\n\n[input.presets]\n\"crawls/missing\" = \"news-please\"\n",
    )
    .unwrap();
    let out = newsprism(&["run", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("np.toml:5: [input.presets] \"crawls/missing\""),
        "{err}"
    );
}

#[test]
fn extract_reads_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("all");
    std::fs::create_dir(&dir).unwrap();
    // ids unique per outlet, or all but the first would be rejected as duplicates
    let line = |id: &str| {
        format!(r#"{{"id": "{id}", "outlet": "o", "text": "Lavrov met Tillerson in New York."}}"#)
    };
    std::fs::write(dir.join("a.jsonl"), format!("{}\n", line("j1"))).unwrap();
    std::fs::write(
        dir.join("b.jsonl.gz"),
        gzip(format!("{}\n", line("j2")).as_bytes()),
    )
    .unwrap();
    std::fs::write(dir.join("c.json"), format!("[{}]", line("j3"))).unwrap();
    std::fs::write(
        dir.join("d.csv"),
        "id,outlet,text\nc1,o,Lavrov met Tillerson.\n",
    )
    .unwrap();
    std::fs::write(dir.join("e.txt"), "Title\nLavrov met Tillerson.\n").unwrap();
    let page = format!("<html><body>{STORY}</body></html>");
    std::fs::write(dir.join("f.html"), &page).unwrap();
    std::fs::write(dir.join("g.htm.gz"), gzip(page.as_bytes())).unwrap();
    let record = response(
        "https://w.example/1",
        "2017-09-18T10:00:00Z",
        "Content-Type: text/html\r\n",
        page.as_bytes(),
    );
    std::fs::write(dir.join("h.warc"), &record).unwrap();
    std::fs::write(dir.join("i.warc.gz"), gzip(&record)).unwrap();
    let out = run_ok(&["extract", dir.to_str().unwrap()]);
    let sources: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["source"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        sources,
        [
            "all/a.jsonl:1",
            "all/b.jsonl.gz:1",
            "all/c.json:1",
            "all/d.csv:2",
            "all/e.txt",
            "all/f.html",
            "all/g.htm.gz",
            "all/h.warc@0",
            "all/i.warc.gz@0",
        ]
    );
    // stdout is JSONL only; the tally goes to stderr
    assert!(String::from_utf8_lossy(&out.stderr).contains("9 articles extracted, 0 rejected"));
}

/// Peak resident memory of `newsprism extract ARCHIVE` (stdout discarded), read from
/// /proc while it runs.
fn peak_rss_kb(archive: &Path) -> u64 {
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsprism"))
        .args(["extract", archive.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb);
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(child.wait().unwrap().success());
    peak
}

/// Reading a WARC streams: ten times the archive, about the same memory.
#[test]
fn a_large_warc_is_read_in_constant_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let paragraph = "<p>Sergey Lavrov and Rex Tillerson met in New York on Sunday evening, on the eve of the General Assembly, and discussed Syria, Ukraine and North Korea for about an hour.</p>";
    let write = |name: &str, records: usize| {
        let path = tmp.path().join(name);
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        for i in 0..records {
            let page = format!(
                "<html><body><nav><a href=/>Home</a></nav><article>{}</article></body></html>",
                paragraph.repeat(40)
            );
            let record = response(
                &format!("https://w{}.example/{i}", i % 50),
                "2017-09-18T10:00:00Z",
                "Content-Type: text/html\r\n",
                page.as_bytes(),
            );
            file.write_all(&record).unwrap();
        }
        file.flush().unwrap();
        path
    };
    // about 7 MB and 70 MB
    let small = write("small.warc", 1_000);
    let large = write("large.warc", 10_000);
    let small_kb = peak_rss_kb(&small);
    let large_kb = peak_rss_kb(&large);
    println!("peak RSS: {small_kb} kB reading 7 MB, {large_kb} kB reading 70 MB");
    assert!(small_kb > 0 && large_kb > 0);
    assert!(
        large_kb < small_kb + 16 * 1024,
        "memory grew with the archive: {small_kb} kB -> {large_kb} kB"
    );
}

/// Malformed markup as scrapers meet it: nesting deeper than any page, thousands of unclosed
/// formatting tags, tables inside paragraphs. No panic, no stack overflow, no time that grows
/// with depth × tags: too deep a page is rejected before it is parsed, the rest is read.
#[test]
fn hostile_markup_is_read_or_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("hostile");
    std::fs::create_dir(&dir).unwrap();
    let text = "Sergey Lavrov and Rex Tillerson met in New York on Sunday evening.";
    let deep = format!("{}<p>{text}</p>", "<div>".repeat(200_000));
    std::fs::write(dir.join("deep.html"), deep).unwrap();
    let unclosed = format!("<p>{text}</p>{}", "<b><i><a href=x>".repeat(30_000));
    std::fs::write(dir.join("unclosed.html"), unclosed).unwrap();
    let tangled = format!(
        "<table><p>{text}<td><table><tr><p>{text}</table></td></p><select><article>{}",
        "</div></p></span>".repeat(20_000)
    );
    std::fs::write(dir.join("tangled.html"), tangled).unwrap();
    let out = run_ok(&["extract", dir.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("rejected hostile/deep.html: markup nested 200000 elements deep (over 2000): broken or hostile page"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rejected hostile/unclosed.html: markup nested 90000 elements deep"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1);
    assert!(stdout.contains("met in New York on Sunday evening"));
}
