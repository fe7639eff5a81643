//! Reading articles from files and folders, one streamed record at a time.
//!
//! [`discover`] walks the inputs (recursively, sorted, symlink loops and hidden files
//! skipped) and picks each file's format by extension: `.txt` (one article), `.jsonl` /
//! `.ndjson` (one article a line), `.json` (one article object, or an array of them), `.csv`
//! (header row), `.html` / `.htm` (one web page), `.warc` (a web archive), each optionally
//! gzipped (`.gz`).
//! [`read_file`] streams one file and emits a [`Record`] per article: a [`RawArticle`], a
//! web page whose text the parallel stage extracts ([`Record::Page`]), or a [`Rejection`]
//! that says where (file, line) and why. One bad record
//! never costs its neighbours; a read error (e.g. a truncated gzip) ends that file with a
//! rejection. A file's SHA-256 is computed while it is read, for the manifest.

mod csv_table;
pub mod html;
mod json;
mod jsonl;
mod seen_ids;
mod sources;
mod text_file;
mod warc;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

use crate::config::{Field, FieldNames};
use seen_ids::SeenIds;
pub use sources::Sources;

/// An article as read, before any analysis. Missing fields are empty strings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawArticle {
    /// Where it came from: `file` or `file:line`.
    pub source: String,
    /// The article's id, or its source when the input gives none.
    pub id: String,
    /// Whether `id` came from the input (and so must be unique per outlet).
    pub id_from_input: bool,
    pub outlet: String,
    pub country: String,
    pub published: String,
    pub url: String,
    pub title: String,
    pub text: String,
    /// The `language` field of the input, if any; kept beside the detected language.
    pub declared_language: String,
}

/// Something read but not analysed: one article, or a whole file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rejection {
    pub file: String,
    /// 1-based line (JSONL, CSV) where the record starts; `None` for a .txt article or a file.
    pub line: Option<u64>,
    pub scope: Scope,
    pub reason: String,
    /// The start of the offending record, for a human to recognise it.
    pub excerpt: String,
    /// Made in the parallel stage (a web page without text), after the reader counted the
    /// page as an article: [`settle_reports`] moves it to the rejected.
    pub after_read: bool,
}

/// Whether a rejection stands for one article (counted among the articles read) or for a
/// file as a whole (unsupported, unreadable, cut short, without articles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    Article,
    File,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Article => "article",
            Scope::File => "file",
        }
    }
}

impl Rejection {
    /// One article that cannot be analysed.
    pub fn article(file: &str, line: Option<u64>, reason: impl Into<String>, bytes: &[u8]) -> Self {
        Rejection {
            file: file.to_string(),
            line,
            scope: Scope::Article,
            reason: reason.into(),
            excerpt: excerpt(bytes),
            after_read: false,
        }
    }

    /// A web page the parallel stage found no article in.
    pub fn page(file: &str, reason: impl Into<String>, bytes: &[u8]) -> Self {
        Rejection {
            after_read: true,
            ..Rejection::article(file, None, reason, bytes)
        }
    }

    /// A problem with a file as a whole.
    pub fn file(file: &str, line: Option<u64>, reason: impl Into<String>) -> Self {
        Rejection {
            file: file.to_string(),
            line,
            scope: Scope::File,
            reason: reason.into(),
            excerpt: String::new(),
            after_read: false,
        }
    }
}

pub enum Record {
    Article(RawArticle),
    /// A web page, its text still to extract: [`Record::resolve`] does that.
    Page(Box<html::PageRecord>),
    Rejected(Rejection),
    /// Something the input holds that is not an article (a WARC `request` record, an image
    /// response): counted per file, never handed on.
    Skipped(String),
}

impl Record {
    /// A page becomes its article (or a rejection); every other record stays as it is.
    pub fn resolve(self) -> Record {
        match self {
            Record::Page(page) => page.into_record(),
            other => other,
        }
    }
}

impl RawArticle {
    /// Where the value of `field` goes (the id: see [`RawArticle::set_id`]).
    pub fn field_mut(&mut self, field: Field) -> &mut String {
        match field {
            Field::Id => &mut self.id,
            Field::Outlet => &mut self.outlet,
            Field::Country => &mut self.country,
            Field::Published => &mut self.published,
            Field::Url => &mut self.url,
            Field::Title => &mut self.title,
            Field::Text => &mut self.text,
            Field::Language => &mut self.declared_language,
        }
    }

    /// Sets a field from the input; an id the input gives must be unique per outlet, an empty
    /// one leaves the id made from the source.
    pub fn set(&mut self, field: Field, value: String) {
        if field == Field::Id {
            if value.is_empty() {
                return;
            }
            self.id_from_input = true;
        }
        *self.field_mut(field) = value;
    }

    /// The line of `source` (`file:line`), if it has one.
    pub fn line(&self) -> Option<u64> {
        self.source
            .rsplit_once(':')
            .and_then(|(_, l)| l.parse().ok())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Txt,
    Jsonl,
    /// One article object per file, or an array of them (news-please writes the former).
    Json,
    Csv,
    /// One web page.
    Html,
    /// A web archive of many pages.
    Warc,
}

/// One file to read.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    /// The path shown in tables: the input root's name plus the path below it, so outputs do
    /// not depend on where the corpus sits on disk.
    pub display: String,
    pub size: u64,
    pub format: Format,
    pub gzip: bool,
}

impl InputFile {
    /// The name of the folder holding the file: the outlet of a `.txt` article, and of a web
    /// page without a url.
    pub fn folder_name(&self) -> String {
        self.path
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// Reads a file that is one article (or page, `what`) whole, up to `max` bytes; one that is
/// larger is rejected as it is cut off, and `None` comes back.
fn read_whole(
    file: &InputFile,
    reader: &mut dyn BufRead,
    max: u64,
    what: &str,
    emit: &mut dyn FnMut(Record),
) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        emit(Record::Rejected(Rejection::article(
            &file.display,
            None,
            format!("{what} over size limit (more than {max} bytes)"),
            &bytes,
        )));
        return Ok(None);
    }
    Ok(Some(bytes))
}

/// What reading one file amounted to, for the manifest.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct FileReport {
    pub file: String,
    pub size: u64,
    pub sha256: String,
    /// Articles handed on for analysis.
    pub articles: u64,
    /// Articles read but rejected (malformed, empty, duplicate …).
    pub rejected_articles: u64,
    /// Problems with the file as a whole (cut short, no articles …).
    pub file_problems: u64,
    /// Records that are not articles (WARC requests, metadata, images …), by kind.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub skipped_records: std::collections::BTreeMap<String, u64>,
}

/// Settings the readers need.
#[derive(Clone, Copy)]
pub struct IngestOptions<'a> {
    pub fields: &'a FieldNames,
    pub max_article_bytes: u64,
    /// Field names for the files under some paths (`[input.presets]`), absolute.
    pub fields_by_path: &'a [(PathBuf, FieldNames)],
}

impl<'a> IngestOptions<'a> {
    /// The options for one file: the field names of the deepest preset path above it.
    fn for_file(&self, file: &InputFile) -> IngestOptions<'a> {
        if self.fields_by_path.is_empty() {
            return *self;
        }
        let path = file
            .path
            .canonicalize()
            .unwrap_or_else(|_| file.path.clone());
        let fields = self
            .fields_by_path
            .iter()
            .filter(|(root, _)| path.starts_with(root))
            .max_by_key(|(root, _)| root.components().count())
            .map_or(self.fields, |(_, fields)| fields);
        IngestOptions { fields, ..*self }
    }
}

/// Lists the files under `inputs`, sorted by display path; files that cannot be read as
/// articles (unsupported extension, unreadable folder) come back as rejections.
/// `exclude` names files never to read as articles (the sources table).
pub fn discover(inputs: &[PathBuf], exclude: &[PathBuf]) -> (Vec<InputFile>, Vec<Rejection>) {
    let exclude: Vec<PathBuf> = exclude
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let mut walk = Walk {
        files: Vec::new(),
        rejected: Vec::new(),
        seen_dirs: HashSet::new(),
        seen_files: HashSet::new(),
        exclude,
    };
    for input in inputs {
        let root_name = root_display(input);
        walk.visit(input, root_name);
    }
    let Walk {
        mut files,
        mut rejected,
        ..
    } = walk;
    files.sort_by(|a, b| a.display.cmp(&b.display).then_with(|| a.path.cmp(&b.path)));
    rejected.sort();
    (files, rejected)
}

fn root_display(input: &Path) -> String {
    let name = match input.file_name() {
        Some(n) => Some(n.to_os_string()),
        None => input
            .canonicalize()
            .ok()
            .and_then(|c| c.file_name().map(|n| n.to_os_string())),
    };
    name.map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| input.display().to_string())
}

struct Walk {
    files: Vec<InputFile>,
    rejected: Vec<Rejection>,
    seen_dirs: HashSet<PathBuf>,
    seen_files: HashSet<PathBuf>,
    exclude: Vec<PathBuf>,
}

impl Walk {
    fn visit(&mut self, path: &Path, display: String) {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.rejected
                    .push(Rejection::file(&display, None, format!("unreadable: {e}")));
                return;
            }
        };
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if meta.is_dir() {
            if !self.seen_dirs.insert(canonical) {
                return; // a symlink loop or an input listed twice
            }
            let entries = match std::fs::read_dir(path) {
                Ok(e) => e,
                Err(e) => {
                    self.rejected.push(Rejection::file(
                        &display,
                        None,
                        format!("unreadable folder: {e}"),
                    ));
                    return;
                }
            };
            let mut children: Vec<(String, PathBuf)> = Vec::new();
            for entry in entries {
                match entry {
                    Ok(entry) => {
                        let name = entry.file_name().to_string_lossy().into_owned();
                        if !name.starts_with('.') {
                            children.push((name, entry.path()));
                        }
                    }
                    Err(e) => self.rejected.push(Rejection::file(
                        &display,
                        None,
                        format!("unreadable folder entry: {e}"),
                    )),
                }
            }
            children.sort();
            for (name, child) in children {
                self.visit(&child, format!("{display}/{name}"));
            }
            return;
        }
        if self.exclude.contains(&canonical) || !self.seen_files.insert(canonical) {
            return;
        }
        if !meta.is_file() {
            // a named pipe would block the run forever on open
            self.rejected.push(Rejection::file(
                &display,
                None,
                "not a regular file (a pipe, socket or device)",
            ));
            return;
        }
        match format_of(path) {
            Some((format, gzip)) => self.files.push(InputFile {
                path: path.to_path_buf(),
                display,
                size: meta.len(),
                format,
                gzip,
            }),
            None => self.rejected.push(Rejection::file(
                &display,
                None,
                "unsupported extension (expected .txt, .jsonl, .ndjson, .json, .csv, .html, .htm or .warc, optionally .gz)",
            )),
        }
    }
}

fn format_of(path: &Path) -> Option<(Format, bool)> {
    let name = path.file_name()?.to_string_lossy().to_lowercase();
    let (name, gzip) = match name.strip_suffix(".gz") {
        Some(inner) => (inner.to_string(), true),
        None => (name, false),
    };
    let ext = name.rsplit_once('.')?.1;
    let format = match ext {
        "txt" => Format::Txt,
        "jsonl" | "ndjson" => Format::Jsonl,
        "json" => Format::Json,
        "csv" => Format::Csv,
        "html" | "htm" => Format::Html,
        "warc" => Format::Warc,
        _ => return None,
    };
    Some((format, gzip))
}

/// Articles or bytes handed on at a time, at most: enough to amortize the hand-over and for
/// the workers to find a run of articles of each language in a batch (they analyse a batch
/// one language after another, see `count`), small enough that memory stays flat. A longer
/// run keeps a language's memo, vocabulary and counts in the CPU's caches for more articles:
/// 256 → 1,024 articles took 15 % off reading and analysing 20,000 articles in 32 languages
/// with 1 thread, 19 % off 100,000 with 2; 1,024 → 4,096, with the batches handed over
/// rather than queued (see `pipeline::analyse_inputs`), another 8 % of the CPU time at 20,000
/// and 10 % at 100,000 (2 threads, alternating runs), for 4–7 MB more at the peak.
const BATCH_ARTICLES: usize = 4096;
const BATCH_BYTES: usize = 16 << 20;
/// A web page counts this many times its bytes toward [`BATCH_BYTES`]: a batch of pages stays
/// at 4 MB of HTML, as before the batches grew. The longer runs were measured on article
/// text; a page's HTML is several times the text extracted from it, and `extract`, which
/// holds a batch of pages and their articles at once, is tested to read a 70 MB archive in
/// about the memory of a 7 MB one.
const PAGE_BYTES_WEIGHT: usize = 4;
/// A batch also closes once its text is this share of the input still to read (and it has
/// [`MIN_BATCH_ARTICLES`] articles): batches shrink toward the end of the input (guided
/// self-scheduling). The parallel stage ends when the last worker finishes its last batch,
/// the others idle meanwhile; with full batches to the end, the workers finished 0–22 ms
/// apart on 20,000 news articles with 2 threads.
const REMAINING_SHARE: u64 = 4;
const MIN_BATCH_ARTICLES: usize = 16;
/// The first batch's articles at most; each next batch may hold twice as many, up to
/// [`BATCH_ARTICLES`]. The workers wait for the first batches: a first batch of 1,024 news
/// articles kept one of two cores idle for the 40 ms the reader took to parse it.
const FIRST_BATCH_ARTICLES: usize = 64;

/// Reads `files` one after the other, in order, and hands their records to `send` in
/// batches. An article whose input id repeats one already read for the same outlet is
/// rejected as a duplicate (the first in file order wins, so the choice is deterministic).
/// Returns one report per file.
pub fn read_all(
    files: &[InputFile],
    opts: &IngestOptions,
    progress: &AtomicU64,
    send: &mut dyn FnMut(Vec<Record>),
) -> Vec<FileReport> {
    let mut seen_ids = SeenIds::default();
    let total_bytes: u64 = files.iter().map(|f| f.size).sum();
    let started_at = progress.load(Ordering::Relaxed);
    let closes_early = |batch_bytes: usize| {
        let read = progress.load(Ordering::Relaxed).saturating_sub(started_at);
        batch_bytes as u64 >= total_bytes.saturating_sub(read) / REMAINING_SHARE
    };
    let mut batch = Vec::with_capacity(BATCH_ARTICLES);
    let mut batch_bytes = 0;
    let mut batch_articles = FIRST_BATCH_ARTICLES;
    let mut reports = Vec::with_capacity(files.len());
    for file in files {
        let mut report = FileReport {
            file: file.display.clone(),
            size: file.size,
            ..FileReport::default()
        };
        report.sha256 = read_file(file, opts, progress, &mut |mut record| {
            if let Record::Skipped(kind) = record {
                *report.skipped_records.entry(kind).or_default() += 1;
                return;
            }
            if let Record::Article(a) = &record {
                // an id of the input's own (not one made from the source) must be unique
                if a.id_from_input {
                    if let Some(first) = seen_ids.first_read(&a.outlet, &a.id, &a.source) {
                        let reason = duplicate_id_reason(&a.id, &a.outlet, &first);
                        record = Record::Rejected(Rejection::article(
                            &file.display,
                            a.line(),
                            reason,
                            a.title.as_bytes(),
                        ));
                    }
                }
            }
            match &record {
                Record::Article(a) => {
                    report.articles += 1;
                    batch_bytes += a.text.len();
                }
                Record::Page(p) => {
                    report.articles += 1;
                    batch_bytes += p.bytes.len() * PAGE_BYTES_WEIGHT;
                }
                Record::Skipped(_) => {}
                Record::Rejected(r) if r.scope == Scope::Article => report.rejected_articles += 1,
                Record::Rejected(_) => report.file_problems += 1,
            }
            batch.push(record);
            let full = batch.len() >= batch_articles
                || batch_bytes >= BATCH_BYTES
                || (batch.len() >= MIN_BATCH_ARTICLES && closes_early(batch_bytes));
            if full {
                batch_bytes = 0;
                batch_articles = (batch_articles * 2).min(BATCH_ARTICLES);
                send(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(BATCH_ARTICLES),
                ));
            }
        });
        let skipped: u64 = report.skipped_records.values().sum();
        if report.articles + report.rejected_articles + report.file_problems + skipped == 0 {
            report.file_problems += 1;
            batch.push(Record::Rejected(Rejection::file(
                &file.display,
                None,
                "no articles in file",
            )));
        }
        reports.push(report);
    }
    if !batch.is_empty() {
        send(batch);
    }
    reports
}

/// Why an article whose input id repeats an earlier one of its outlet is rejected: one
/// wording, in one run and when `compare` settles an id that two shards read.
pub fn duplicate_id_reason(id: &str, outlet: &str, first: &str) -> String {
    format!("duplicate id `{id}` of outlet `{outlet}` (first read at {first})")
}

/// The articles of the file at `path` (shown as `display`) whose source `wanted` accepts, and
/// the file's SHA-256: a second look at a few articles of a file read before.
pub fn reread(
    path: &Path,
    display: &str,
    opts: &IngestOptions,
    wanted: &dyn Fn(&str) -> bool,
) -> (Vec<RawArticle>, String) {
    let Some((format, gzip)) = format_of(path) else {
        return (Vec::new(), String::new());
    };
    let file = InputFile {
        path: path.to_path_buf(),
        display: display.to_string(),
        size: std::fs::metadata(path).map_or(0, |m| m.len()),
        format,
        gzip,
    };
    let mut found = Vec::new();
    let progress = AtomicU64::new(0);
    let sha256 = read_file(&file, opts, &progress, &mut |record| {
        if let Record::Article(a) = record {
            if wanted(&a.source) {
                found.push(a);
            }
        }
    });
    (found, sha256)
}

/// Reads one file, emitting a record per article, and returns the file's SHA-256. Never
/// fails: problems become rejections. `progress` counts the raw bytes read.
fn read_file(
    file: &InputFile,
    opts: &IngestOptions,
    progress: &AtomicU64,
    emit: &mut dyn FnMut(Record),
) -> String {
    let handle = match File::open(&file.path) {
        Ok(f) => f,
        Err(e) => {
            emit(Record::Rejected(Rejection::file(
                &file.display,
                None,
                format!("unreadable file: {e}"),
            )));
            return String::new();
        }
    };
    let opts = &opts.for_file(file);
    let mut raw = Hashing {
        inner: handle,
        hasher: Sha256::new(),
        progress,
    };
    let outcome = if file.format == Format::Warc {
        // gzip members are read one by one, for their offsets and to resynchronise
        let mut reader = BufReader::with_capacity(1 << 16, &mut raw);
        warc::read(file, opts, &mut reader, emit)
            .map_err(|e| format!("read error, the rest of the archive is lost: {e}"))
    } else if file.gzip {
        let mut decoder = BufReader::new(MultiGzDecoder::new(BufReader::new(&mut raw)));
        parse(file, opts, &mut decoder, emit)
            .map_err(|e| format!("truncated or corrupt gzip, the rest of the file is lost: {e}"))
    } else {
        let mut reader = BufReader::with_capacity(1 << 16, &mut raw);
        parse(file, opts, &mut reader, emit)
            .map_err(|e| format!("read error, the rest of the file is lost: {e}"))
    };
    if let Err(reason) = outcome {
        emit(Record::Rejected(Rejection::file(
            &file.display,
            None,
            reason,
        )));
    }
    // Hash what the parser did not consume (the rest of a broken file), so the digest is
    // always of the whole file.
    let _ = io::copy(&mut raw, &mut io::sink());
    crate::hex(&raw.hasher.finalize())
}

/// Moves the pages the parallel stage rejected from their file's articles to its rejected
/// articles, so each file's report adds up.
pub fn settle_reports(reports: &mut [FileReport], rejected: &[Rejection]) {
    let by_file: HashMap<&str, usize> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (r.file.as_str(), i))
        .collect();
    let mut moves = vec![0u64; reports.len()];
    for r in rejected.iter().filter(|r| r.after_read) {
        if let Some(&i) = by_file.get(r.file.as_str()) {
            moves[i] += 1;
        }
    }
    for (report, moved) in reports.iter_mut().zip(moves) {
        report.articles = report.articles.saturating_sub(moved);
        report.rejected_articles += moved;
    }
}

/// Parses `bytes` as one file, collecting its records: the readers' tests share this.
#[cfg(test)]
fn parse_for_test(
    path: &str,
    display: &str,
    format: Format,
    bytes: &[u8],
    names: &FieldNames,
    max: u64,
) -> Vec<Record> {
    let file = InputFile {
        path: path.into(),
        display: display.into(),
        size: bytes.len() as u64,
        format,
        gzip: false,
    };
    let opts = IngestOptions {
        fields: names,
        max_article_bytes: max,
        fields_by_path: &[],
    };
    let mut out = Vec::new();
    parse(&file, &opts, &mut io::Cursor::new(bytes), &mut |r| {
        out.push(r)
    })
    .unwrap();
    out
}

fn parse(
    file: &InputFile,
    opts: &IngestOptions,
    reader: &mut dyn BufRead,
    emit: &mut dyn FnMut(Record),
) -> io::Result<()> {
    match file.format {
        Format::Txt => text_file::read(file, opts, reader, emit),
        Format::Jsonl => jsonl::read(file, opts, reader, emit),
        Format::Json => json::read(file, opts, reader, emit),
        Format::Csv => csv_table::read(file, opts, reader, emit),
        Format::Html => html::read(file, opts, reader, emit),
        Format::Warc => warc::read(file, opts, reader, emit),
    }
}

struct Hashing<'p> {
    inner: File,
    hasher: Sha256,
    progress: &'p AtomicU64,
}

impl Read for Hashing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.progress.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// The first 80 characters of a record, on one line, for `rejected.csv`.
fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(400)]);
    let mut out: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(80)
        .collect();
    if text.chars().count() > 80 {
        out.push('…');
    }
    out.trim().to_string()
}

/// Checks a record's bytes are text: no NUL bytes, valid UTF-8, within the size limit.
/// Returns the text, or the reason to reject it.
fn as_text(bytes: &[u8], max: u64) -> Result<&str, String> {
    if bytes.len() as u64 > max {
        return Err(format!(
            "article over size limit ({} bytes > {max})",
            bytes.len()
        ));
    }
    if bytes.contains(&0) {
        return Err("binary content (NUL bytes)".into());
    }
    if let Ok(text) = simdutf8::basic::from_utf8(bytes) {
        return Ok(text);
    }
    // std's check says where the text stops being UTF-8
    std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "invalid UTF-8 at byte {} (convert the file to UTF-8)",
            e.valid_up_to()
        )
    })
}

/// Fills a [`RawArticle`] from named values; shared by the JSONL and CSV readers.
#[derive(Default)]
struct FieldValues {
    /// By [`Field`], in [`Field::ALL`] order.
    values: [Option<String>; Field::ALL.len()],
}

impl FieldValues {
    /// Where the value of a key or column name goes, if anywhere.
    fn slot(names: &FieldNames, key: &str) -> Option<usize> {
        names.field_of(key).map(|f| f as usize)
    }

    const TEXT: usize = Field::Text as usize;

    /// The article, or why it is not one.
    fn into_article(self, source: String, names: &FieldNames) -> Result<RawArticle, String> {
        let text = self.values[Self::TEXT].as_deref().map(str::trim);
        match text {
            None => return Err(format!("no `{}` field", names.text)),
            Some("") => return Err("empty text".into()),
            Some(_) => {}
        }
        let mut article = RawArticle {
            id: source.clone(),
            source,
            ..RawArticle::default()
        };
        for (field, value) in Field::ALL.into_iter().zip(self.values) {
            if let Some(value) = value {
                article.set(field, trimmed(value));
            }
        }
        Ok(article)
    }
}

/// `value.trim()`, in `value`'s own buffer: copying every field, the whole text included, was
/// a second allocation and copy per field on the reader thread.
fn trimmed(mut value: String) -> String {
    let end = value.trim_end().len();
    value.truncate(end);
    let start = value.len() - value.trim_start().len();
    value.drain(..start);
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_extension() {
        assert_eq!(
            format_of(Path::new("a/b.JSONL")),
            Some((Format::Jsonl, false))
        );
        assert_eq!(format_of(Path::new("b.csv.gz")), Some((Format::Csv, true)));
        assert_eq!(format_of(Path::new("b.txt")), Some((Format::Txt, false)));
        assert_eq!(format_of(Path::new("b.md")), None);
        assert_eq!(format_of(Path::new("noext")), None);
    }

    #[test]
    fn fields_are_trimmed_in_place_as_trim_does() {
        for value in [
            "",
            " ",
            "a",
            " a ",
            "\u{a0}\tLavrov\u{2003}\n",
            "a b",
            "\u{3000}東京",
        ] {
            assert_eq!(trimmed(value.to_string()), value.trim(), "{value:?}");
        }
    }

    #[test]
    fn first_batches_are_small_and_double_up_to_the_full_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("many.jsonl");
        let lines: String = (0..40_000)
            .map(|i| format!("{{\"id\": \"a{i}\", \"text\": \"Lavrov met Tillerson.\"}}\n"))
            .collect();
        std::fs::write(&path, lines).unwrap();
        let (files, _) = discover(std::slice::from_ref(&path), &[]);
        let names = FieldNames::default();
        let opts = IngestOptions {
            fields: &names,
            max_article_bytes: 4096,
            fields_by_path: &[],
        };
        let mut sizes = Vec::new();
        read_all(&files, &opts, &AtomicU64::new(0), &mut |batch| {
            sizes.push(batch.len())
        });
        assert_eq!(sizes[..8], [64, 128, 256, 512, 1024, 2048, 4096, 4096]);
        assert_eq!(sizes.iter().sum::<usize>(), 40_000);
        // and shrink toward the end of the input
        assert!(sizes.last() < Some(&4096), "{sizes:?}");
    }

    #[test]
    fn text_checks() {
        assert_eq!(as_text(b"ok", 10), Ok("ok"));
        assert!(as_text(b"a\0b", 10).unwrap_err().contains("NUL"));
        assert!(as_text(b"caf\xe9", 10)
            .unwrap_err()
            .contains("invalid UTF-8 at byte 3"));
        assert!(as_text(b"0123456789x", 10)
            .unwrap_err()
            .contains("size limit"));
    }

    #[test]
    fn excerpts_are_one_short_line() {
        assert_eq!(excerpt(b"a\nb"), "a b");
        assert_eq!(excerpt("é".repeat(100).as_bytes()).chars().count(), 81);
    }
}
