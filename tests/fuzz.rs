//! Property tests: random bytes and mutated real articles thrown at ingest and analysis.
//! Nothing may panic or hang; every file read ends in articles, rejections, or both.
//!
//! CI runs proptest's default 256 cases per property (a few seconds). For a longer hunt:
//! `PROPTEST_CASES=20000 cargo test --release --test fuzz`.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::AtomicU64;
use std::sync::OnceLock;

use newsprism::analyze::Analyzers;
use newsprism::article::{ArticleStep, Scratch};
use newsprism::cache::CacheReader;
use newsprism::config::{FieldNames, GroupColumn, TextSection, TopicKind, TopicSpec};
use newsprism::count;
use newsprism::ingest::{self, IngestOptions, Record, Sources};
use newsprism::language::{self, Detection, LanguageDetector};
use newsprism::topics::Lexicon;
use proptest::prelude::*;

struct Chain {
    analyzers: Analyzers,
    lexicon: Lexicon,
    detector: LanguageDetector,
    sources: Sources,
}

impl Chain {
    fn step<'a>(&'a self, cache: Option<&'a CacheReader>) -> ArticleStep<'a> {
        ArticleStep {
            cache,
            keep_analyses: cache.is_some(),
            sketch_duplicates: true,
            ..ArticleStep::new(
                &self.detector,
                &self.analyzers,
                &self.lexicon,
                &self.sources,
                &[GroupColumn::Outlet, GroupColumn::Language],
            )
        }
    }
}

fn chain() -> &'static Chain {
    static CHAIN: OnceLock<Chain> = OnceLock::new();
    CHAIN.get_or_init(|| {
        let analyzers = Analyzers::new(&TextSection::default());
        let spec = TopicSpec {
            id: "syria".into(),
            label: String::new(),
            kind: TopicKind::Topic,
            terms: [
                (
                    "en".to_string(),
                    vec!["Syria".to_string(), "de-escalation zone".to_string()],
                ),
                ("ru".to_string(), vec!["Сирия".to_string()]),
                ("zh".to_string(), vec!["叙利亚".to_string()]),
            ]
            .into(),
        };
        let lexicon = Lexicon::compile(&[spec], &analyzers).unwrap();
        Chain {
            analyzers,
            lexicon,
            detector: LanguageDetector::new(&[], 0.0, 200),
            sources: Sources::default(),
        }
    })
}

/// Reads one file through discovery and ingest, then analyses every article it yields.
fn ingest_and_analyse(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    if name.ends_with(".gz") {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(bytes).unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
    } else {
        std::fs::write(&path, bytes).unwrap();
    }
    let (files, rejected) = ingest::discover(std::slice::from_ref(&path), &[]);
    assert!(rejected.is_empty() && files.len() == 1);
    let names = FieldNames::default();
    let opts = IngestOptions {
        fields: &names,
        max_article_bytes: 4096,
        fields_by_path: &[],
    };
    let mut records = Vec::new();
    let mut reports = ingest::read_all(&files, &opts, &AtomicU64::new(0), &mut |batch| {
        records.extend(batch)
    });
    // web pages are extracted as the parallel stage does it, and their rejections settled
    let records: Vec<Record> = records.into_iter().map(Record::resolve).collect();
    let late: Vec<ingest::Rejection> = records
        .iter()
        .filter_map(|r| match r {
            Record::Rejected(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    ingest::settle_reports(&mut reports, &late);
    let r = &reports[0];
    let skipped: u64 = r.skipped_records.values().sum();
    assert_eq!(
        r.articles + r.rejected_articles + r.file_problems,
        records.len() as u64
    );
    assert!(
        !records.is_empty() || skipped > 0,
        "a file read must yield articles, rejections or skipped records"
    );
    // the production path: the parallel stage's worker running the per-article step
    let c = chain();
    let expected_articles = records
        .iter()
        .filter(|r| matches!(r, Record::Article(_)))
        .count();
    for r in &records {
        if let Record::Rejected(r) = r {
            assert!(!r.reason.is_empty());
        }
    }
    let counts = count::count_sequential(&c.step(None), None, records.into_iter());
    assert_eq!(counts.articles.len(), expected_articles);
    let grouped: u64 = counts.groups.values().map(|g| g.articles).sum();
    assert_eq!(grouped, expected_articles as u64);
    for g in counts.groups.values() {
        assert!(g.words >= g.terms);
        let counted: u64 = g
            .languages
            .iter()
            .flat_map(|s| s.term_counts.iter())
            .map(|t| t.count)
            .sum();
        assert_eq!(counted, g.terms);
    }
    std::fs::remove_file(path).unwrap();
}

/// Real article lines (NTREX-based JSONL), for mutation.
fn real_lines() -> &'static Vec<String> {
    static LINES: OnceLock<Vec<String>> = OnceLock::new();
    LINES.get_or_init(|| {
        let ntrex = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ntrex");
        let mut lines = Vec::new();
        for lang in ["fra", "rus", "ukr", "ell", "jpn", "arb", "hin", "zho-CN"] {
            let path = ntrex.join(format!("{lang}.jsonl.gz"));
            let mut text = String::new();
            flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
                .read_to_string(&mut text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let doc: serde_json::Value =
                serde_json::from_str(text.lines().next().unwrap()).unwrap();
            let body: String = doc["text"].as_str().unwrap().chars().take(1500).collect();
            lines.push(
                serde_json::json!({"id": lang, "outlet": "o", "title": "t", "text": body})
                    .to_string(),
            );
        }
        assert_eq!(lines.len(), 8);
        lines
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Cut(usize),
    Delete(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let special = prop::sample::select(vec![
        b"\n".to_vec(),
        b"\0".to_vec(),
        b"\"".to_vec(),
        b"\\".to_vec(),
        b",".to_vec(),
        b"\xff\xfe".to_vec(),
        b"\r\n".to_vec(),
        "’".as_bytes().to_vec(),
        b"https://x.y/z ".to_vec(),
    ]);
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), special).prop_map(|(i, s)| Mutation::Insert(i, s)),
        any::<usize>().prop_map(Mutation::Cut),
        (any::<usize>(), 0usize..200).prop_map(|(i, n)| Mutation::Delete(i, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) => {
                if !bytes.is_empty() {
                    bytes[i % len] ^= b | 1;
                }
            }
            Mutation::Insert(i, s) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, s.iter().copied());
            }
            Mutation::Cut(i) => bytes.truncate(i % len),
            Mutation::Delete(i, n) => {
                let at = i % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
        }
    }
    bytes
}

const NAMES: [&str; 12] = [
    "a.jsonl",
    "a.csv",
    "a.txt",
    "a.jsonl.gz",
    "a.csv.gz",
    "a.txt.gz",
    "a.json",
    "a.json.gz",
    "a.html",
    "a.html.gz",
    "a.warc",
    "a.warc.gz",
];

/// A WARC response record holding `page`.
fn warc_record(url: &str, page: &[u8]) -> Vec<u8> {
    let mut http = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
        page.len()
    )
    .into_bytes();
    http.extend_from_slice(page);
    let mut record = format!(
        "WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {url}\r\nWARC-Date: 2017-09-18T10:00:00Z\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: {}\r\n\r\n",
        http.len()
    )
    .into_bytes();
    record.extend_from_slice(&http);
    record.extend_from_slice(b"\r\n\r\n");
    record
}

/// A page as sites write them: menus and a footer around the article.
fn html_page(title: &str, text: &str) -> String {
    let paragraphs: String = text.split('\n').map(|p| format!("<p>{p}</p>")).collect();
    format!(
        "<!doctype html><html><head><title>{title}</title></head><body><nav><a href=/>Home</a><a href=/w>World</a></nav>\
         <div class=\"content\"><h1>{title}</h1><div class=\"article-body\">{paragraphs}</div></div>\
         <div class=\"related\"><a href=/r>Related</a></div><footer>© site</footer></body></html>"
    )
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..3000), which in 0usize..NAMES.len()) {
        let dir = tempfile::tempdir().unwrap();
        ingest_and_analyse(dir.path(), NAMES[which], &bytes);
    }

    #[test]
    fn mutated_real_articles_never_panic(
        picks in prop::collection::vec(0usize..64, 1..4),
        mutations in prop::collection::vec(mutation(), 0..6),
        which in 0usize..NAMES.len(),
    ) {
        let lines = real_lines();
        let name = NAMES[which];
        if name.contains(".html") || name.contains(".warc") {
            let mut file = Vec::new();
            for p in &picks {
                let v: serde_json::Value = serde_json::from_str(&lines[p % lines.len()]).unwrap();
                let page = html_page("t", v["text"].as_str().unwrap());
                if name.contains(".warc") {
                    file.extend(warc_record(&format!("https://x.example/{p}"), page.as_bytes()));
                } else {
                    file.extend(page.into_bytes());
                    break; // one page per file
                }
            }
            let dir = tempfile::tempdir().unwrap();
            ingest_and_analyse(dir.path(), name, &apply(file, &mutations));
            return Ok(());
        }
        let mut file = String::new();
        let csv = NAMES[which].contains(".csv");
        let array = NAMES[which].contains(".json") && !NAMES[which].contains(".jsonl");
        if csv {
            file.push_str("id,outlet,title,text\n");
        }
        for (i, p) in picks.iter().enumerate() {
            let line = &lines[p % lines.len()];
            if array {
                // a .json array of the same articles
                file.push_str(if i == 0 { "[" } else { "," });
                file.push_str(line);
            } else if csv {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                let text = v["text"].as_str().unwrap().replace('"', "\"\"");
                file.push_str(&format!("{},o,t,\"{}\"\n", v["id"].as_str().unwrap(), text));
            } else {
                file.push_str(line);
                file.push('\n');
            }
        }
        if array {
            file.push(']');
        }
        let dir = tempfile::tempdir().unwrap();
        ingest_and_analyse(dir.path(), NAMES[which], &apply(file.into_bytes(), &mutations));
    }

    /// A `.warc.gz` of one gzip member per record with its compressed bytes damaged: cut
    /// short, flipped, or cut out in the middle. The members before the damage are read.
    #[test]
    fn damaged_gzip_members_never_panic(
        picks in prop::collection::vec(0usize..64, 1..5),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let lines = real_lines();
        let mut archive = Vec::new();
        for p in &picks {
            let v: serde_json::Value = serde_json::from_str(&lines[p % lines.len()]).unwrap();
            let page = html_page("t", v["text"].as_str().unwrap());
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&warc_record(&format!("https://x.example/{p}"), page.as_bytes())).unwrap();
            archive.extend(gz.finish().unwrap());
        }
        let damaged = apply(archive, &mutations);
        let dir = tempfile::tempdir().unwrap();
        // written as it is (ingest_and_analyse would gzip it once more)
        std::fs::write(dir.path().join("raw.warc.gz"), &damaged).unwrap();
        let (files, _) = ingest::discover(&[dir.path().join("raw.warc.gz")], &[]);
        let names = FieldNames::default();
        let opts = IngestOptions { fields: &names, max_article_bytes: 1 << 20, fields_by_path: &[] };
        let mut records = Vec::new();
        let reports = ingest::read_all(&files, &opts, &AtomicU64::new(0), &mut |batch| records.extend(batch));
        let r = &reports[0];
        prop_assert_eq!(r.articles + r.rejected_articles + r.file_problems, records.len() as u64);
        for record in records {
            if let Record::Rejected(r) = record.resolve() {
                prop_assert!(!r.reason.is_empty());
            }
        }
    }

    #[test]
    fn any_text_in_any_language_analyses(text in any::<String>(), lang in prop::sample::select(language::known_codes())) {
        let c = chain();
        let step = c.step(None);
        let mut scratch = Scratch::default();
        step.analyse(Detection { code: lang, confidence: 1.0 }, "", &text, &mut scratch);
        let tally = scratch.tally();
        prop_assert!(tally.words >= tally.terms);
        let record = tally.to_record(scratch.vocabulary());
        let mut counted = 0;
        for t in &record.term_counts {
            prop_assert!(!t.term.is_empty());
            prop_assert!(t.surfaces.iter().all(|(s, n)| !s.is_empty() && *n > 0));
            prop_assert_eq!(t.surfaces.iter().map(|(_, n)| n).sum::<u64>(), t.count);
            counted += t.count;
        }
        prop_assert_eq!(counted, tally.terms);
        c.detector.detect("", &text);
    }
}
