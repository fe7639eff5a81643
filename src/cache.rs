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
//! the `[language]` settings (and the newsprism version), the *analysis* fingerprint adds
//! `[text]` and the topics. A change of topics or stemming keeps the detected languages and
//! redoes the analysis; a change of `[language]` redoes everything; anything else (grouping,
//! statistics, metadata) reuses everything.
//!
//! The cache lives in the run's output folder (`cache/`), so it is swapped in together with
//! the tables it produced. Workers append entries to their own segment files as they go:
//! memory holds only an index (key → place), about 30 bytes per article.

use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::ConfigFile;
use crate::count::{Analysis, TermEntry};
use crate::language;

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
        let hash = |parts: &[&str]| -> String {
            let mut h = Sha256::new();
            for p in parts {
                h.update((p.len() as u64).to_le_bytes());
                h.update(p.as_bytes());
            }
            h.finalize().iter().map(|b| format!("{b:02x}")).collect()
        };
        let language = hash(&[crate::VERSION, &json(&cfg.language)]);
        let analysis = hash(&[&language, &json(&cfg.text), &json(&cfg.topics)]);
        Fingerprints { language, analysis }
    }
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

/// The previous run's cache, opened for lookups.
pub struct CacheReader {
    segments: Vec<File>,
    index: FxHashMap<Key, (u32, u64, u32)>,
    reuse: Reuse,
}

impl CacheReader {
    /// Opens the cache in `output_dir`, if there is one that the current settings can use.
    pub fn open(output_dir: &Path, current: &Fingerprints) -> Option<CacheReader> {
        let dir = output_dir.join(FOLDER);
        let header: Header =
            serde_json::from_str(&fs::read_to_string(dir.join(HEADER)).ok()?).ok()?;
        if header.format != FORMAT || header.fingerprints.language != current.language {
            return None;
        }
        let reuse = if header.fingerprints.analysis == current.analysis {
            Reuse::Everything
        } else {
            Reuse::Language
        };
        let mut names: Vec<PathBuf> = fs::read_dir(&dir)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "bin"))
            .collect();
        names.sort();
        let mut segments = Vec::new();
        let mut index = FxHashMap::default();
        for path in names {
            let Ok(file) = File::open(&path) else {
                continue;
            };
            let seg = segments.len() as u32;
            scan(&file, |key, offset, len| {
                index.insert(key, (seg, offset, len));
            });
            segments.push(file);
        }
        Some(CacheReader {
            segments,
            index,
            reuse,
        })
    }

    pub fn reuse(&self) -> Reuse {
        self.reuse
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.index.len()
    }

    /// The stored entry of an article, as bytes (decode with [`decode`]).
    pub fn get(&self, key: &Key) -> Option<Vec<u8>> {
        let &(seg, offset, len) = self.index.get(key)?;
        let mut buf = vec![0u8; len as usize];
        self.segments[seg as usize]
            .read_exact_at(&mut buf, offset)
            .ok()?;
        Some(buf)
    }
}

/// Calls `found(key, offset of the body, body length)` for each whole entry of a segment;
/// stops at the first torn or corrupt one.
fn scan(file: &File, mut found: impl FnMut(Key, u64, u32)) {
    let mut reader = BufReader::new(file);
    let mut offset = 0u64;
    let mut head = [0u8; 20];
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    while reader.read_exact(&mut head).is_ok() {
        let mut key = [0u8; 16];
        key.copy_from_slice(&head[..16]);
        let len = u32::from_le_bytes([head[16], head[17], head[18], head[19]]);
        let body = offset + 20;
        if body + u64::from(len) > size {
            return;
        }
        found(key, body, len);
        if io::copy(&mut (&mut reader).take(u64::from(len)), &mut io::sink()).is_err() {
            return;
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
    pub fn append(&mut self, key: &Key, analysis: &Analysis) {
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

fn encode(a: &Analysis, out: &mut Vec<u8>) {
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
pub fn decode_language(bytes: &[u8]) -> Option<(&'static str, f64)> {
    let mut c = Cursor { bytes };
    let code = language::static_code(c.str()?)?;
    let confidence = f64::from_bits(u64::from_le_bytes(c.take(8)?.try_into().ok()?));
    Some((code, confidence))
}

/// A whole entry; `None` if it is damaged or names a topic that does not exist.
pub fn decode(bytes: &[u8], topics: usize) -> Option<Analysis<'_>> {
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
        term_counts.push(TermEntry {
            term,
            count,
            surfaces,
        });
    }
    c.bytes.is_empty().then_some(Analysis {
        language,
        confidence,
        words,
        terms,
        hits,
        term_counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Analysis<'static> {
        Analysis {
            language: "fr",
            confidence: 0.987_654_321,
            words: 300,
            terms: 170,
            hits: vec![(0, 3), (4, 1)],
            term_counts: vec![
                TermEntry {
                    term: "négoci",
                    count: 3,
                    surfaces: vec![("négociation", 1), ("négociations", 2)],
                },
                TermEntry {
                    term: "syr",
                    count: 2,
                    surfaces: vec![("syrie", 2)],
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

    #[test]
    fn written_cache_reopens_and_fingerprints_decide_reuse() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = ConfigFile::default();
        let fp = Fingerprints::of(&cfg);
        let writer = CacheWriter::create(dir.path()).unwrap();
        {
            let mut seg = writer.segment().unwrap();
            seg.append(&key("t", "body"), &sample());
            seg.append(&key("t", "other"), &sample());
        }
        assert_eq!(writer.finish(&fp).unwrap(), 2);

        let reader = CacheReader::open(dir.path(), &fp).unwrap();
        assert_eq!((reader.len(), reader.reuse()), (2, Reuse::Everything));
        assert_eq!(
            decode(&reader.get(&key("t", "body")).unwrap(), 5).unwrap(),
            sample()
        );
        assert!(reader.get(&key("t", "new")).is_none());
        // the key covers where the title ends
        assert_ne!(key("ab", "c"), key("a", "bc"));

        let mut stem_off = cfg.clone();
        stem_off.text.stem = false;
        assert_eq!(
            CacheReader::open(dir.path(), &Fingerprints::of(&stem_off))
                .unwrap()
                .reuse(),
            Reuse::Language
        );
        let mut grouped = cfg.clone();
        grouped.run.group_by = vec!["language".into()];
        assert_eq!(
            CacheReader::open(dir.path(), &Fingerprints::of(&grouped))
                .unwrap()
                .reuse(),
            Reuse::Everything
        );
        let mut allow = cfg;
        allow.language.allow = vec!["fr".into()];
        assert!(CacheReader::open(dir.path(), &Fingerprints::of(&allow)).is_none());
    }
}
