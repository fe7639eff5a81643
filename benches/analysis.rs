//! Throughput of the per-article stages on real news text, one core:
//! - the analysis core (tokenize, lowercase, stopwords, stem, topic match, fold into group
//!   counts), language detection excluded, in MB/s of article text;
//! - language detection, in µs per article, and its agreement with the known language,
//!   against whatlang on the whole text;
//! - main-text extraction from web pages (charset decoding, parsing, extraction), in MB/s of
//!   HTML per core.
//!
//! Texts: the 40 documents of each NTREX-128 language in tests/data/ntrex, with the shipped
//! config.toml's topics. Pages: the repository's labelled pages (tests/data/extraction), and
//! the pages (`*.html`, `*.html.gz`) of the folder NEWSPRISM_EXTRACTION_PAGES names, or of
//! ../shared/extraction/pages beside the checkout when it is there (a development set of
//! real pages; bench/extraction.sh scores its F1).
//!
//!     cargo bench --bench analysis
//!     NEWSPRISM_EXTRACTION_PAGES=path/to/pages cargo bench --bench analysis

use std::io::Read;
use std::path::PathBuf;
use std::time::Instant;

use newsprism::analyze::Analyzers;
use newsprism::article::{ArticleStep, Scratch};
use newsprism::config::{Overrides, Settings};
use newsprism::counts::GroupCounts;
use newsprism::ingest::html::PageRecord;
use newsprism::ingest::{Record, Sources};
use newsprism::language::{Detection, LanguageDetector};
use newsprism::topics::Lexicon;

const NTREX_TO_ISO: [(&str, &str); 32] = [
    ("arb", "ar"),
    ("bul", "bg"),
    ("cat", "ca"),
    ("ces", "cs"),
    ("dan", "da"),
    ("deu", "de"),
    ("ell", "el"),
    ("eng", "en"),
    ("fas", "fa"),
    ("fin", "fi"),
    ("fra", "fr"),
    ("heb", "he"),
    ("hin", "hi"),
    ("hrv", "hr"),
    ("hun", "hu"),
    ("ind", "id"),
    ("ita", "it"),
    ("jpn", "ja"),
    ("kor", "ko"),
    ("nld", "nl"),
    ("nob", "nb"),
    ("pol", "pl"),
    ("por", "pt"),
    ("ron", "ro"),
    ("rus", "ru"),
    ("spa", "es"),
    ("swe", "sv"),
    ("tam", "ta"),
    ("tur", "tr"),
    ("ukr", "uk"),
    ("vie", "vi"),
    ("zho-CN", "zh"),
];

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut texts: Vec<(&str, String)> = Vec::new();
    for (ntrex, iso) in NTREX_TO_ISO {
        let path = repo.join(format!("tests/data/ntrex/{ntrex}.jsonl.gz"));
        let mut body = String::new();
        std::fs::File::open(&path)
            .and_then(|f| flate2::read::GzDecoder::new(f).read_to_string(&mut body))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for line in body.lines().take(40) {
            let doc: serde_json::Value = serde_json::from_str(line).unwrap();
            texts.push((iso, doc["text"].as_str().unwrap().to_string()));
        }
    }
    let bytes: usize = texts.iter().map(|(_, t)| t.len()).sum();
    println!(
        "{} texts, {:.1} MB, {} languages",
        texts.len(),
        bytes as f64 / 1e6,
        NTREX_TO_ISO.len()
    );

    let settings = Settings::load(&repo.join("config.toml"), &Overrides::default()).unwrap();
    let analyzers = Analyzers::new(&settings.file.text);
    let lexicon = Lexicon::compile(&settings.file.topics, &analyzers).unwrap();
    let cfg = &settings.file.language;
    let detector = LanguageDetector::new(&cfg.allow, cfg.min_confidence, cfg.prefix_chars);
    let whole_text = LanguageDetector::new(&cfg.allow, cfg.min_confidence, usize::MAX);
    let sources = Sources::default();
    // as a run makes it: match positions recorded when contexts.csv is on (the default)
    let compare = &settings.file.compare;
    let step = ArticleStep {
        contexts: (compare.contexts_per_topic > 0)
            .then_some((compare.context_words, compare.contexts_per_topic)),
        ..ArticleStep::new(
            &detector,
            &analyzers,
            &lexicon,
            &sources,
            &settings.group_by,
        )
    };

    // analysis core: best of 5 passes; the worker state (memos, vocabulary) stays warm, as
    // it does over a real run after its first few thousand articles
    let topics = lexicon.topics().len();
    let mut best = f64::MAX;
    let mut scratch = Scratch::default();
    for _ in 0..5 {
        let mut group = GroupCounts::new(topics);
        let start = Instant::now();
        for (code, text) in &texts {
            let detection = Detection {
                code,
                confidence: 1.0,
            };
            step.analyse(detection, "", text, &mut scratch);
            group.add_tally(scratch.tally());
        }
        best = best.min(start.elapsed().as_secs_f64());
        assert!(group.terms > 0);
    }
    println!(
        "analysis core: {:.1} MB/s per core ({:.3} s per pass)",
        bytes as f64 / best / 1e6,
        best
    );

    // language detection; whatlang itself on whole texts for reference
    let start = Instant::now();
    let found = texts
        .iter()
        .filter(|(_, text)| whatlang::detect(text).is_some())
        .count();
    println!(
        "language detection, whatlang::detect on whole texts: {:.1} µs per article ({found} detected)",
        start.elapsed().as_secs_f64() * 1e6 / texts.len() as f64
    );
    for (label, d) in [
        ("prefix + widen (config)", &detector),
        ("whole text", &whole_text),
    ] {
        let start = Instant::now();
        let mut agree = 0;
        for (code, text) in &texts {
            if d.detect("", text).code == *code {
                agree += 1;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "language detection, {label}: {:.1} µs per article, {:.2} % agree",
            secs * 1e6 / texts.len() as f64,
            100.0 * agree as f64 / texts.len() as f64
        );
    }

    extraction(&repo);
}

/// Main-text extraction speed on one core, best of three passes.
fn extraction(repo: &std::path::Path) {
    let labels: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo.join("tests/data/extraction/labels.json")).unwrap(),
    )
    .unwrap();
    let own: Vec<(Vec<u8>, Option<String>)> = labels["pages"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(path, label)| {
            let bytes = std::fs::read(repo.join(path)).unwrap();
            (bytes, label["http_charset"].as_str().map(str::to_string))
        })
        .collect();
    // the repository's pages are small: repeated to time them
    let repeated: Vec<_> = (0..200).flat_map(|_| own.iter().cloned()).collect();
    report_extraction("repository's labelled pages (x200)", &repeated);
    // the development set beside the checkout, when there
    let beside = repo.join("../shared/extraction/pages");
    let dir = std::env::var_os("NEWSPRISM_EXTRACTION_PAGES")
        .or_else(|| beside.is_dir().then(|| beside.into_os_string()));
    if let Some(dir) = dir {
        let mut paths: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("NEWSPRISM_EXTRACTION_PAGES: {e}"))
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let name = p.to_string_lossy();
                name.ends_with(".html") || name.ends_with(".html.gz")
            })
            .collect();
        paths.sort();
        let pages: Vec<(Vec<u8>, Option<String>)> = paths
            .iter()
            .map(|p| {
                let mut bytes = Vec::new();
                let file = std::fs::File::open(p).unwrap();
                if p.to_string_lossy().ends_with(".gz") {
                    flate2::read::GzDecoder::new(file).read_to_end(&mut bytes)
                } else {
                    std::io::BufReader::new(file).read_to_end(&mut bytes)
                }
                .unwrap();
                (bytes, None)
            })
            .collect();
        report_extraction(
            &format!("{} pages of {}", pages.len(), dir.to_string_lossy()),
            &pages,
        );
    }
}

fn report_extraction(label: &str, pages: &[(Vec<u8>, Option<String>)]) {
    let bytes: usize = pages.iter().map(|(b, _)| b.len()).sum();
    let mut best = f64::MAX;
    let mut articles = 0;
    for _ in 0..3 {
        let records: Vec<PageRecord> = pages
            .iter()
            .map(|(bytes, charset)| PageRecord {
                bytes: bytes.clone(),
                transport_charset: charset.clone(),
                ..PageRecord::default()
            })
            .collect();
        let start = Instant::now();
        articles = records
            .into_iter()
            .map(PageRecord::into_record)
            .filter(|r| matches!(r, Record::Article(_)))
            .count();
        best = best.min(start.elapsed().as_secs_f64());
    }
    println!(
        "extraction, {label}: {:.1} MB of HTML, {:.1} MB/s per core, {:.2} ms per 100 KB ({articles} articles)",
        bytes as f64 / 1e6,
        bytes as f64 / best / 1e6,
        best * 1e3 / (bytes as f64 / 1e5)
    );
}
