//! The analysis cache that makes nightly reruns incremental.
//!
//! Each run stores, for every article it analysed, what the counting stage folds into the
//! tables: the detected language and confidence, the word and term counts, the topic hits and
//! each term with its surface forms. Entries are keyed by a SHA-256 of the article's title
//! and text, so an article is reused when its content is unchanged, wherever it sits. The
//! next run folds a cached entry exactly as it would a fresh analysis, so its tables are
//! byte-identical to a full run's.
//!
//! Two fingerprints say what an entry is still good for: the *language* fingerprint covers
//! the `[language]` settings and the code and data of language detection, the *analysis*
//! fingerprint adds `[text]`, the topics' terms and the code and data of the analysis
//! (tokenizer, stopword lists, stemmers, topic matching: hashed at build time by `build.rs`,
//! so an upgrade that changes them invalidates the cache although the package version stays
//! the same). A change of topics or stemming keeps the detected languages and redoes the
//! analysis; a change of `[language]` redoes everything; anything else (topic labels,
//! grouping, statistics, metadata) reuses everything. The reuse policy is [`CacheReader::lookup`]'s
//! alone: the counting stage asks once per article and gets a whole analysis, a language, or
//! nothing.
//!
//! The cache lives in the run's output folder (`cache/`), so it is swapped in together with
//! the tables it produced. Workers append entries to their own segment files as they go:
//! memory holds only an index (key → place), about 30 bytes per article.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{ConfigFile, TopicSpec};
use crate::language::{self, Detection};
use crate::topics::HitSpan;

const FORMAT: u32 = 1;
const HEADER: &str = "header.json";
pub const FOLDER: &str = "cache";

pub type Key = [u8; 16];

/// The content key of an article.
pub fn key(title: &str, text: &str) -> Key {
    let mut h = Sha256::new();
    h.update((title.len() as u64).to_le_bytes());
    h.update(title.as_bytes());
    h.update(text.as_bytes());
    let digest = h.finalize();
    let mut k = [0u8; 16];
    k.copy_from_slice(&digest[..16]);
    k
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprints {
    pub language: String,
    pub analysis: String,
}

impl Fingerprints {
    pub fn of(cfg: &ConfigFile) -> Fingerprints {
        Fingerprints::with_code(cfg, LANGUAGE_CODE, ANALYSIS_CODE)
    }

    fn with_code(cfg: &ConfigFile, language_code: &str, analysis_code: &str) -> Fingerprints {
        let hash = |parts: &[&str]| -> String {
            let mut h = Sha256::new();
            for p in parts {
                h.update((p.len() as u64).to_le_bytes());
                h.update(p.as_bytes());
            }
            crate::hex(&h.finalize())
        };
        let language = hash(&[language_code, &json(&cfg.language)]);
        // whether matches are located (for contexts.csv) decides what an entry holds
        let spans = if cfg.compare.contexts_per_topic > 0 {
            "match spans"
        } else {
            "no match spans"
        };
        let analysis = hash(&[
            &language,
            analysis_code,
            &json(&cfg.text),
            &json(&matching(&cfg.topics)),
            spans,
        ]);
        Fingerprints { language, analysis }
    }
}

/// The code and data of language detection and of the analysis, as hashed by `build.rs`; in
/// every manifest, so a table can be traced to the analysis that made it.
pub const LANGUAGE_CODE: &str = env!("NEWSPRISM_LANGUAGE_SOURCES_HASH");
pub const ANALYSIS_CODE: &str = env!("NEWSPRISM_ANALYSIS_SOURCES_HASH");

/// A topic as far as it decides an analysis: id, kind and terms.
type MatchingTopic<'t> = (&'t str, &'t str, &'t BTreeMap<String, Vec<String>>);

/// What of the topics decides an analysis, in id order; not the labels (renaming a topic for
/// the tables must not redo the night's analysis).
fn matching(topics: &[TopicSpec]) -> Vec<MatchingTopic<'_>> {
    let mut out: Vec<_> = topics
        .iter()
        .map(|t| (t.id.as_str(), t.kind.as_str(), &t.terms))
        .collect();
    out.sort();
    out
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: u32,
    fingerprints: Fingerprints,
    entries: u64,
}

/// What a cached entry is good for under the current settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reuse {
    /// The detected language only.
    Language,
    /// The whole analysis.
    Everything,
}

/// What the previous run's cache amounts to under the current settings.
pub enum Opened {
    /// Entries to reuse, wholly or for their language; `problems` are the segments that
    /// could not be read (their articles are analysed anew).
    Usable {
        reader: CacheReader,
        problems: Vec<String>,
    },
    /// No cache there (a first run, or caching was off).
    Absent,
    /// Made under other `[language]` settings or by a newsprism whose detection differs: a
    /// full run, as it should be.
    Outdated,
    /// There, but unreadable or damaged (the reason): a full run, which must be said.
    Unusable(String),
}

/// The previous run's cache, opened for lookups.
pub struct CacheReader {
    segments: Vec<File>,
    index: FxHashMap<Key, (u32, u64, u32)>,
    reuse: Reuse,
}

/// What the cache holds for one article, as the current settings may use it.
#[derive(Debug, PartialEq)]
pub enum Lookup<'b> {
    /// The whole analysis: fold it instead of analysing.
    Whole(Record<'b>),
    /// The detected language only: analyse the text again in that language.
    Language(Detection),
    Miss,
}

impl CacheReader {
    /// Opens the cache in `output_dir` and decides, from its fingerprints, what it is good for.
    pub fn open(output_dir: &Path, current: &Fingerprints) -> Opened {
        let dir = output_dir.join(FOLDER);
        let header_path = dir.join(HEADER);
        let text = match fs::read_to_string(&header_path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound && !dir.exists() => {
                return Opened::Absent
            }
            Err(e) => return Opened::Unusable(format!("{}: {e}", header_path.display())),
        };
        let header: Header = match serde_json::from_str(&text) {
            Ok(h) => h,
            Err(e) => return Opened::Unusable(format!("{}: {e}", header_path.display())),
        };
        if header.format != FORMAT || header.fingerprints.language != current.language {
            return Opened::Outdated;
        }
        let reuse = if header.fingerprints.analysis == current.analysis {
            Reuse::Everything
        } else {
            Reuse::Language
        };
        let mut names: Vec<PathBuf> = match fs::read_dir(&dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "bin"))
                .collect(),
            Err(e) => return Opened::Unusable(format!("{}: {e}", dir.display())),
        };
        names.sort();
        let mut segments = Vec::new();
        let mut index = FxHashMap::default();
        let mut problems = Vec::new();
        for path in names {
            let file = match File::open(&path) {
                Ok(f) => f,
                Err(e) => {
                    problems.push(format!("{}: {e}", path.display()));
                    continue;
                }
            };
            let seg = segments.len() as u32;
            let whole = scan(&file, |key, offset, len| {
                index.insert(key, (seg, offset, len));
            });
            if !whole {
                problems.push(format!(
                    "{}: damaged after its last whole entry",
                    path.display()
                ));
            }
            segments.push(file);
        }
        Opened::Usable {
            reader: CacheReader {
                segments,
                index,
                reuse,
            },
            problems,
        }
    }

    pub fn reuse(&self) -> Reuse {
        self.reuse
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.index.len()
    }

    /// What may be reused of the article with content key `key`, whose analysis names topics
    /// below `topics`. `buf` holds the entry's bytes, which a whole hit borrows.
    pub fn lookup<'b>(&self, key: &Key, topics: usize, buf: &'b mut Vec<u8>) -> Lookup<'b> {
        let Some(&(seg, offset, len)) = self.index.get(key) else {
            return Lookup::Miss;
        };
        buf.clear();
        buf.resize(len as usize, 0);
        if self.segments[seg as usize]
            .read_exact_at(buf, offset)
            .is_err()
        {
            return Lookup::Miss;
        }
        let buf: &'b [u8] = buf;
        if self.reuse == Reuse::Everything {
            if let Some(record) = decode(buf, topics) {
                return Lookup::Whole(record);
            }
        }
        // a damaged entry may still give its language, which is read first
        match decode_language(buf) {
            Some((code, confidence)) => Lookup::Language(Detection { code, confidence }),
            None => Lookup::Miss,
        }
    }
}

/// Calls `found(key, offset of the body, body length)` for each whole entry of a segment;
/// stops at the first torn or corrupt one. Returns whether the segment was whole.
fn scan(file: &File, mut found: impl FnMut(Key, u64, u32)) -> bool {
    let mut reader = BufReader::new(file);
    let mut offset = 0u64;
    let mut head = [0u8; 20];
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    loop {
        match reader.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return offset == size,
            Err(_) => return false,
        }
        let mut key = [0u8; 16];
        key.copy_from_slice(&head[..16]);
        let len = u32::from_le_bytes([head[16], head[17], head[18], head[19]]);
        let body = offset + 20;
        if body + u64::from(len) > size {
            return false;
        }
        found(key, body, len);
        if io::copy(&mut (&mut reader).take(u64::from(len)), &mut io::sink()).is_err() {
            return false;
        }
        offset = body + u64::from(len);
    }
}

/// Where this run's cache is written: one segment file per worker, opened on demand.
pub struct CacheWriter {
    dir: PathBuf,
    next_segment: AtomicUsize,
    entries: AtomicUsize,
    error: Mutex<Option<io::Error>>,
}

pub struct Segment<'w> {
    out: BufWriter<File>,
    owner: &'w CacheWriter,
    buf: Vec<u8>,
}

impl CacheWriter {
    pub fn create(output_dir: &Path) -> io::Result<CacheWriter> {
        let dir = output_dir.join(FOLDER);
        fs::create_dir_all(&dir)?;
        Ok(CacheWriter {
            dir,
            next_segment: AtomicUsize::new(0),
            entries: AtomicUsize::new(0),
            error: Mutex::new(None),
        })
    }

    /// A new segment for one worker; `None` (and the error kept for [`finish`]) if it cannot
    /// be created.
    pub fn segment(&self) -> Option<Segment<'_>> {
        let n = self.next_segment.fetch_add(1, Ordering::Relaxed);
        match File::create(self.dir.join(format!("segment-{n:05}.bin"))) {
            Ok(file) => Some(Segment {
                out: BufWriter::with_capacity(1 << 16, file),
                owner: self,
                buf: Vec::new(),
            }),
            Err(e) => {
                self.keep(e);
                None
            }
        }
    }

    fn keep(&self, e: io::Error) {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        slot.get_or_insert(e);
    }

    /// Writes the header that makes the segments valid; call after every segment is dropped.
    pub fn finish(self, fingerprints: &Fingerprints) -> io::Result<u64> {
        if let Some(e) = self.error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        let entries = self.entries.load(Ordering::Relaxed) as u64;
        let header = Header {
            format: FORMAT,
            fingerprints: fingerprints.clone(),
            entries,
        };
        fs::write(
            self.dir.join(HEADER),
            serde_json::to_string_pretty(&header).map_err(io::Error::other)?,
        )?;
        Ok(entries)
    }
}

impl Segment<'_> {
    pub fn append(&mut self, key: &Key, analysis: &Record) {
        self.buf.clear();
        encode(analysis, &mut self.buf);
        let result = self
            .out
            .write_all(key)
            .and_then(|_| self.out.write_all(&(self.buf.len() as u32).to_le_bytes()))
            .and_then(|_| self.out.write_all(&self.buf));
        match result {
            Ok(()) => {
                self.owner.entries.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => self.owner.keep(e),
        }
    }
}

impl Drop for Segment<'_> {
    fn drop(&mut self) {
        if let Err(e) = self.out.flush() {
            self.owner.keep(e);
        }
    }
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// One article's analysis as the cache stores it: what the counting stage folds into the
/// tables, with terms and surface forms as strings (a worker's ids mean nothing to the next
/// run).
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    pub language: &'static str,
    pub confidence: f64,
    /// Word tokens before stopwords.
    pub words: u64,
    /// Tokens counted after stopwords.
    pub terms: u64,
    /// (topic index, hits) for the topics with at least one hit, in topic order.
    pub hits: Vec<(usize, u32)>,
    /// Each distinct term, in order of first appearance, with its count and surface forms.
    pub term_counts: Vec<RecordTerm<'a>>,
    /// Where each topic match is (when contexts are on), in order.
    pub spans: Vec<HitSpan>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordTerm<'a> {
    pub term: &'a str,
    pub count: u64,
    pub surfaces: Vec<(&'a str, u64)>,
}

fn encode(a: &Record, out: &mut Vec<u8>) {
    put_str(out, a.language);
    out.extend_from_slice(&a.confidence.to_bits().to_le_bytes());
    put_varint(out, a.words);
    put_varint(out, a.terms);
    put_varint(out, a.hits.len() as u64);
    for &(topic, hits) in &a.hits {
        put_varint(out, topic as u64);
        put_varint(out, u64::from(hits));
    }
    put_varint(out, a.term_counts.len() as u64);
    for t in &a.term_counts {
        put_str(out, t.term);
        put_varint(out, t.count);
        put_varint(out, t.surfaces.len() as u64);
        for &(surface, n) in &t.surfaces {
            put_str(out, surface);
            put_varint(out, n);
        }
    }
    put_varint(out, a.spans.len() as u64);
    for s in &a.spans {
        put_varint(out, u64::from(s.topic));
        out.push(s.part);
        put_varint(out, u64::from(s.start));
        put_varint(out, u64::from(s.end));
    }
}

struct Cursor<'b> {
    bytes: &'b [u8],
}

impl<'b> Cursor<'b> {
    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&b, rest) = self.bytes.split_first()?;
            self.bytes = rest;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(v);
            }
        }
        None
    }

    fn take(&mut self, n: usize) -> Option<&'b [u8]> {
        if n > self.bytes.len() {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn str(&mut self) -> Option<&'b str> {
        let n = self.varint()? as usize;
        std::str::from_utf8(self.take(n)?).ok()
    }
}

/// The language part of an entry: (code, confidence).
fn decode_language(bytes: &[u8]) -> Option<(&'static str, f64)> {
    let mut c = Cursor { bytes };
    let code = language::static_code(c.str()?)?;
    let confidence = f64::from_bits(u64::from_le_bytes(c.take(8)?.try_into().ok()?));
    Some((code, confidence))
}

/// A whole entry; `None` if it is damaged or names a topic that does not exist.
fn decode(bytes: &[u8], topics: usize) -> Option<Record<'_>> {
    let mut c = Cursor { bytes };
    let language = language::static_code(c.str()?)?;
    let confidence = f64::from_bits(u64::from_le_bytes(c.take(8)?.try_into().ok()?));
    let words = c.varint()?;
    let terms = c.varint()?;
    let n_hits = c.varint()? as usize;
    let mut hits = Vec::with_capacity(n_hits.min(topics));
    for _ in 0..n_hits {
        let topic = c.varint()? as usize;
        if topic >= topics {
            return None;
        }
        hits.push((topic, u32::try_from(c.varint()?).ok()?));
    }
    let n_terms = c.varint()? as usize;
    let mut term_counts = Vec::with_capacity(n_terms.min(bytes.len()));
    for _ in 0..n_terms {
        let term = c.str()?;
        let count = c.varint()?;
        let n_surfaces = c.varint()? as usize;
        let mut surfaces = Vec::with_capacity(n_surfaces.min(bytes.len()));
        for _ in 0..n_surfaces {
            surfaces.push((c.str()?, c.varint()?));
        }
        term_counts.push(RecordTerm {
            term,
            count,
            surfaces,
        });
    }
    let n_spans = c.varint()? as usize;
    let mut spans = Vec::with_capacity(n_spans.min(bytes.len()));
    for _ in 0..n_spans {
        let topic = u32::try_from(c.varint()?).ok()?;
        if topic as usize >= topics {
            return None;
        }
        let part = *c.take(1)?.first()?;
        let start = u32::try_from(c.varint()?).ok()?;
        let end = u32::try_from(c.varint()?).ok()?;
        if part > 1 || start > end {
            return None;
        }
        spans.push(HitSpan {
            topic,
            part,
            start,
            end,
        });
    }
    c.bytes.is_empty().then_some(Record {
        language,
        confidence,
        words,
        terms,
        hits,
        term_counts,
        spans,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record<'static> {
        Record {
            language: "fr",
            confidence: 0.987_654_321,
            words: 300,
            terms: 170,
            hits: vec![(0, 3), (4, 1)],
            term_counts: vec![
                RecordTerm {
                    term: "négoci",
                    count: 3,
                    surfaces: vec![("négociation", 1), ("négociations", 2)],
                },
                RecordTerm {
                    term: "syr",
                    count: 2,
                    surfaces: vec![("syrie", 2)],
                },
            ],
            spans: vec![
                HitSpan {
                    topic: 4,
                    part: 0,
                    start: 0,
                    end: 5,
                },
                HitSpan {
                    topic: 0,
                    part: 1,
                    start: 310,
                    end: 337,
                },
            ],
        }
    }

    #[test]
    fn entries_round_trip_exactly() {
        let mut bytes = Vec::new();
        encode(&sample(), &mut bytes);
        let back = decode(&bytes, 5).unwrap();
        assert_eq!(back, sample());
        assert_eq!(decode_language(&bytes), Some(("fr", 0.987_654_321)));
        // damage is a miss, not a panic
        assert!(decode(&bytes[..bytes.len() - 1], 5).is_none());
        assert!(decode(&bytes, 2).is_none());
    }

    fn reader(opened: Opened) -> CacheReader {
        match opened {
            Opened::Usable { reader, problems } => {
                assert!(problems.is_empty(), "{problems:?}");
                reader
            }
            _ => panic!("the cache should be usable"),
        }
    }

    fn write_sample(dir: &Path, fp: &Fingerprints) {
        let writer = CacheWriter::create(dir).unwrap();
        {
            let mut seg = writer.segment().unwrap();
            seg.append(&key("t", "body"), &sample());
            seg.append(&key("t", "other"), &sample());
        }
        assert_eq!(writer.finish(fp).unwrap(), 2);
    }

    #[test]
    fn written_cache_reopens_and_fingerprints_decide_reuse() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = ConfigFile::default();
        let fp = Fingerprints::of(&cfg);
        write_sample(dir.path(), &fp);

        let reader = reader(CacheReader::open(dir.path(), &fp));
        assert_eq!((reader.len(), reader.reuse()), (2, Reuse::Everything));
        let mut buf = Vec::new();
        assert_eq!(
            reader.lookup(&key("t", "body"), 5, &mut buf),
            Lookup::Whole(sample())
        );
        assert_eq!(reader.lookup(&key("t", "new"), 5, &mut buf), Lookup::Miss);
        // an entry naming a topic that no longer exists keeps only its language
        assert_eq!(
            reader.lookup(&key("t", "body"), 2, &mut buf),
            Lookup::Language(Detection {
                code: "fr",
                confidence: 0.987_654_321
            })
        );
        // the key covers where the title ends
        assert_ne!(key("ab", "c"), key("a", "bc"));

        let mut stem_off = cfg.clone();
        stem_off.text.stem = false;
        let language_only = reader_of(dir.path(), &stem_off);
        assert_eq!(language_only.reuse(), Reuse::Language);
        assert!(matches!(
            language_only.lookup(&key("t", "body"), 5, &mut buf),
            Lookup::Language(Detection { code: "fr", .. })
        ));
        let mut grouped = cfg.clone();
        grouped.run.group_by = vec!["language".into()];
        assert_eq!(reader_of(dir.path(), &grouped).reuse(), Reuse::Everything);
        let mut allow = cfg;
        allow.language.allow = vec!["fr".into()];
        assert!(matches!(
            CacheReader::open(dir.path(), &Fingerprints::of(&allow)),
            Opened::Outdated
        ));
    }

    fn reader_of(dir: &Path, cfg: &ConfigFile) -> CacheReader {
        reader(CacheReader::open(dir, &Fingerprints::of(cfg)))
    }

    #[test]
    fn a_label_edit_reuses_everything_a_term_edit_only_the_language() {
        let cfg = ConfigFile {
            topics: vec![TopicSpec {
                id: "syria".into(),
                label: "Syria".into(),
                kind: crate::config::TopicKind::Topic,
                terms: [("en".to_string(), vec!["syria".to_string()])].into(),
            }],
            ..ConfigFile::default()
        };
        let mut relabelled = cfg.clone();
        relabelled.topics[0].label = "The war in Syria".into();
        assert_eq!(Fingerprints::of(&cfg), Fingerprints::of(&relabelled));
        let mut more_terms = cfg.clone();
        more_terms.topics[0]
            .terms
            .insert("fr".into(), vec!["syrie".into()]);
        let (a, b) = (Fingerprints::of(&cfg), Fingerprints::of(&more_terms));
        assert_eq!(a.language, b.language);
        assert_ne!(a.analysis, b.analysis);
    }

    #[test]
    fn a_change_of_analysis_or_detection_code_changes_the_fingerprints() {
        let cfg = ConfigFile::default();
        let now = Fingerprints::of(&cfg);
        let new_stemmer = Fingerprints::with_code(&cfg, LANGUAGE_CODE, "another analysis");
        assert_eq!(now.language, new_stemmer.language);
        assert_ne!(now.analysis, new_stemmer.analysis);
        let new_detector = Fingerprints::with_code(&cfg, "another detector", ANALYSIS_CODE);
        assert_ne!(now.language, new_detector.language);
        assert_ne!(now.analysis, new_detector.analysis);
    }

    mod sources {
        include!("../build/source_hash.rs");
    }

    /// The hashed sources are every file of the stages that decide an analysis: editing the
    /// tokenizer, a stopword list, the stemmer wrapper, the topic matcher, the per-article
    /// step or the detector's model, or upgrading whatlang or rust-stemmers, changes the
    /// hash. (That the binary carries the hash of the sources as they are is checked on the
    /// binary itself, in tests/incremental.rs.)
    #[test]
    fn the_fingerprint_covers_the_analysis_code_and_data() {
        let base = Path::new(env!("CARGO_MANIFEST_DIR"));
        let files: Vec<String> = sources::source_files(base, sources::ANALYSIS_SOURCES)
            .into_iter()
            .chain(sources::source_files(base, sources::LANGUAGE_SOURCES))
            .map(|(rel, _)| rel)
            .collect();
        for needed in [
            "src/analyze/tokenizer.rs",
            "src/analyze/stemmer.rs",
            "src/analyze/stopwords/uk.txt",
            "src/topics.rs",
            "src/article.rs",
            "src/language/whatlang_model.txt",
        ] {
            assert!(files.iter().any(|f| f == needed), "{needed} not hashed");
        }
        let lock = std::fs::read_to_string(base.join("Cargo.lock")).unwrap();
        for name in sources::ANALYSIS_CRATES
            .iter()
            .chain(sources::LANGUAGE_CRATES)
        {
            assert!(!sources::locked_version(&lock, name).is_empty(), "{name}");
        }
        // one byte of one file changes the hash
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("src/analyze")).unwrap();
        std::fs::write(tmp.path().join("src/analyze/x.rs"), "a").unwrap();
        let before = sources::source_hash(tmp.path(), &["src/analyze"], &[]);
        std::fs::write(tmp.path().join("src/analyze/x.rs"), "b").unwrap();
        assert_ne!(
            before,
            sources::source_hash(tmp.path(), &["src/analyze"], &[])
        );
    }

    #[test]
    fn an_unreadable_cache_is_said_not_swallowed() {
        let dir = tempfile::tempdir().unwrap();
        let fp = Fingerprints::of(&ConfigFile::default());
        assert!(matches!(CacheReader::open(dir.path(), &fp), Opened::Absent));
        write_sample(dir.path(), &fp);
        fs::write(dir.path().join(FOLDER).join(HEADER), "{ not json").unwrap();
        let Opened::Unusable(reason) = CacheReader::open(dir.path(), &fp) else {
            panic!("a broken header is unusable")
        };
        assert!(reason.contains("header.json"), "{reason}");

        write_sample(dir.path(), &fp);
        let segment = dir.path().join(FOLDER).join("segment-00000.bin");
        let bytes = fs::read(&segment).unwrap();
        fs::write(&segment, &bytes[..bytes.len() - 3]).unwrap();
        let Opened::Usable { reader, problems } = CacheReader::open(dir.path(), &fp) else {
            panic!("a torn segment keeps its whole entries")
        };
        assert_eq!(reader.len(), 1);
        assert!(problems[0].contains("damaged"), "{problems:?}");
    }
}
