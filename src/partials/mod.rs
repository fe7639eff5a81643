//! Partial counts: a run's [`Counts`] written as typed Parquet tables instead of its tables,
//! so that the inputs can be split over machines (`run --partials`), the sums added anywhere
//! (Spark SQL, DuckDB, or here) and the tables made once from the total (`compare
//! --partials`). Every aggregate is an integer sum over articles, so the total does not depend
//! on how the inputs were split; `docs/scaling.md` lists the schema.
//!
//! A partial folder holds `manifest.json` (or, once summed, `manifests/*.json`, one per shard)
//! and one table per name below, either as `<name>.parquet` or as a folder of Parquet parts of
//! that name (Spark's layout). Aggregate tables have text key columns and Int64 sums: summing
//! them is `GROUP BY` every text column, `SUM` every integer column. Per-article tables are
//! concatenated.

use std::borrow::Cow;
use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::article::Context;
use crate::article_rows::{Article, ArticleRow, RowField};
use crate::config::Settings;
use crate::counts::{Counts, Excluded, GroupCounts};
use crate::duplicates::{Sketch, SketchSlot};
use crate::error::{Error, Result};
use crate::ingest::{FileReport, Rejection, Scope};
use crate::language::static_code;

mod duplicate_ids;

/// The layout of the tables below; a reader refuses another.
pub const FORMAT: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
/// The shards' manifests, in a folder whose tables were summed from theirs.
pub const MANIFESTS: &str = "manifests";

/// Sum tables: text keys, Int64 sums.
pub const GROUP_TOTALS: &str = "group_totals";
pub const GROUP_TOPICS: &str = "group_topics";
pub const GROUP_LANGUAGES: &str = "group_languages";
pub const GROUP_TERMS: &str = "group_terms";
pub const GROUP_SURFACES: &str = "group_surfaces";
/// Per-article tables: concatenated.
pub const ARTICLES: &str = "articles";
pub const CONTEXTS: &str = "contexts";
pub const REJECTED: &str = "rejected";
pub const EXCLUDED: &str = "excluded";

pub const SUM_TABLES: [&str; 5] = [
    GROUP_TOTALS,
    GROUP_TOPICS,
    GROUP_LANGUAGES,
    GROUP_TERMS,
    GROUP_SURFACES,
];
pub const ROW_TABLES: [&str; 4] = [ARTICLES, CONTEXTS, REJECTED, EXCLUDED];

/// What one shard read and how, as `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardManifest {
    pub format: u32,
    pub newsprism_version: String,
    /// Everything that decides what the sums hold: the config (all but where to read and
    /// write), the sources table, the code of detection and analysis. Partials are summed
    /// only with partials of the same fingerprint.
    pub config_fingerprint: String,
    /// The `[run] inputs` (or `--input`s) of this shard.
    pub run_inputs: Vec<PathBuf>,
    /// Every file read, in reading order, with where it was on the shard's machine.
    pub inputs: Vec<ShardInput>,
    pub topics: Vec<String>,
    pub group_by: Vec<String>,
    pub articles: u64,
    pub articles_from_cache: u64,
    pub articles_language_from_cache: u64,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShardInput {
    pub path: PathBuf,
    #[serde(flatten)]
    pub report: FileReport,
}

/// A shard's work, or the sum of many: what `run` would hold after its parallel stage.
pub struct Partial {
    pub counts: Counts,
    /// Per file, in reading order.
    pub reports: Vec<FileReport>,
    /// Inputs that could not be walked (unreadable paths, unsupported extensions).
    pub unread: Vec<Rejection>,
    pub run_inputs: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

/// The fingerprint of the config and code behind a set of sums.
pub fn fingerprint(settings: &Settings) -> Result<String> {
    let mut cfg = settings.file.clone();
    // where to read and write, and what to write besides the sums, change no sum
    cfg.run.inputs.clear();
    cfg.run.name.clear();
    cfg.run.output = PathBuf::new();
    cfg.run.cache = false;
    cfg.run.sources = None;
    cfg.output = Default::default();
    let mut h = Sha256::new();
    let mut part = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    part(crate::VERSION.as_bytes());
    part(crate::cache::LANGUAGE_CODE.as_bytes());
    part(crate::cache::ANALYSIS_CODE.as_bytes());
    let json = serde_json::to_string(&cfg).map_err(|e| Error::Run(format!("config: {e}")))?;
    part(json.as_bytes());
    if let Some(path) = &settings.sources {
        part(&std::fs::read(path).map_err(|e| Error::io(path, e))?);
    }
    Ok(crate::hex(&h.finalize()))
}

/// Writes `partial` into `dir` (which exists and is empty): the tables, then the manifest.
pub fn write(dir: &Path, partial: &Partial, manifest: &ShardManifest) -> Result<()> {
    let counts = &partial.counts;
    let topics = &manifest.topics;
    let group_names: Vec<String> = manifest
        .group_by
        .iter()
        .map(|g| format!("group_{g}"))
        .collect();
    let mut groups: Vec<(&Vec<String>, &GroupCounts)> = counts.groups.iter().collect();
    groups.sort_by(|a, b| a.0.cmp(b.0));
    let vocabulary = &counts.vocabulary;

    let mut totals = Table::new(&group_names);
    let mut by_topic = Table::new(&group_names);
    let mut by_language = Table::new(&group_names);
    let mut terms = Table::new(&group_names);
    let mut surfaces = Table::new(&group_names);
    let mut contexts = Table::new(&group_names);
    for (key, g) in &groups {
        totals.row(key, &[], &[g.articles, g.words, g.terms]);
        for (t, topic) in topics.iter().enumerate() {
            let (hits, articles) = (g.topic_hits[t], g.topic_articles[t]);
            if hits + articles > 0 {
                by_topic.row(key, &[topic], &[hits, articles]);
            }
        }
        let mut slices: Vec<_> = g.languages.iter().collect();
        slices.sort_by_key(|s| s.language);
        for slice in slices {
            let language = slice.language;
            by_language.row(
                key,
                &[language],
                &[slice.articles, slice.words, slice.terms],
            );
            let mut term_rows: Vec<(&str, _)> = slice
                .term_counts
                .iter()
                .map(|tc| (vocabulary.get(tc.term()), tc))
                .collect();
            term_rows.sort_by(|a, b| a.0.cmp(b.0));
            for (term, tc) in term_rows {
                terms.row(key, &[language, term], &[tc.count, tc.articles]);
                let mut forms: Vec<(&str, u64)> = slice
                    .term_counts
                    .surfaces(tc)
                    .iter()
                    .map(|&(s, n)| (vocabulary.get(s), n))
                    .collect();
                forms.sort();
                for (surface, n) in forms {
                    surfaces.row(key, &[language, term, surface], &[n]);
                }
            }
        }
        for kept in &g.contexts {
            for c in kept {
                let topic = topics.get(c.topic as usize).map_or("", String::as_str);
                contexts.row(
                    key,
                    &[
                        topic,
                        &c.article_id,
                        &c.source,
                        c.language,
                        &c.left,
                        &c.matched,
                        &c.right,
                    ],
                    &[
                        u64::from(c.rank),
                        c.spread,
                        u64::from(c.part),
                        u64::from(c.start),
                    ],
                );
            }
        }
    }
    totals.write(dir, GROUP_TOTALS, &[], &["articles", "words", "terms"])?;
    by_topic.write(dir, GROUP_TOPICS, &["topic"], &["hits", "articles"])?;
    by_language.write(
        dir,
        GROUP_LANGUAGES,
        &["language"],
        &["articles", "words", "terms"],
    )?;
    terms.write(
        dir,
        GROUP_TERMS,
        &["language", "term"],
        &["count", "articles"],
    )?;
    surfaces.write(
        dir,
        GROUP_SURFACES,
        &["language", "term", "surface"],
        &["count"],
    )?;
    contexts.write(
        dir,
        CONTEXTS,
        &[
            "topic",
            "article_id",
            "source",
            "language",
            "left",
            "matched",
            "right",
        ],
        &["rank", "spread", "part", "start"],
    )?;
    write_articles(dir, counts)?;
    write_rejected(dir, counts, &partial.unread)?;
    write_excluded(dir, counts)?;
    let json = serde_json::to_vec_pretty(manifest).map_err(|e| Error::Run(e.to_string()))?;
    let path = dir.join(MANIFEST);
    std::fs::write(&path, json).map_err(|e| Error::io(&path, e))
}

/// Rows of one table: group key columns, then text columns, then Int64 columns.
struct Table<'a> {
    group_names: &'a [String],
    keys: Vec<Vec<String>>,
    texts: Vec<Vec<String>>,
    numbers: Vec<Vec<i64>>,
}

impl<'a> Table<'a> {
    fn new(group_names: &'a [String]) -> Table<'a> {
        Table {
            group_names,
            keys: vec![Vec::new(); group_names.len()],
            texts: Vec::new(),
            numbers: Vec::new(),
        }
    }

    fn row(&mut self, key: &[String], texts: &[&str], numbers: &[u64]) {
        for (column, value) in self.keys.iter_mut().zip(key) {
            column.push(value.clone());
        }
        self.texts.resize_with(texts.len(), Vec::new);
        for (column, value) in self.texts.iter_mut().zip(texts) {
            column.push(value.to_string());
        }
        self.numbers.resize_with(numbers.len(), Vec::new);
        for (column, &value) in self.numbers.iter_mut().zip(numbers) {
            // Parquet readers (Spark) know signed integers; hashes keep their bits
            column.push(value as i64);
        }
    }

    fn write(self, dir: &Path, name: &str, texts: &[&str], numbers: &[&str]) -> Result<()> {
        let mut columns: Vec<Column> = Vec::new();
        for (name, values) in self.group_names.iter().zip(self.keys) {
            columns.push(Column::new(name.into(), values));
        }
        let mut text_values = self.texts.into_iter();
        for name in texts {
            columns.push(Column::new(
                (*name).into(),
                text_values.next().unwrap_or_default(),
            ));
        }
        let mut number_values = self.numbers.into_iter();
        for name in numbers {
            columns.push(Column::new(
                (*name).into(),
                number_values.next().unwrap_or_default(),
            ));
        }
        write_parquet(dir, name, columns)
    }
}

fn write_parquet(dir: &Path, name: &str, columns: Vec<Column>) -> Result<()> {
    let path = dir.join(format!("{name}.parquet"));
    let height = columns.first().map_or(0, |c| c.len());
    let mut df = DataFrame::new(height, columns).map_err(|e| Error::io(&path, e))?;
    let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df)
        .map_err(|e| Error::io(&path, e))?;
    Ok(())
}

fn write_articles(dir: &Path, counts: &Counts) -> Result<()> {
    let mut rows: Vec<Article> = counts.articles.iter().collect();
    rows.sort_by(|a, b| a.source().cmp(&b.source()));
    let mut columns: Vec<Column> = RowField::ALL
        .iter()
        .map(|&f| {
            let values: Vec<Cow<str>> = rows
                .iter()
                .map(|r| match f {
                    RowField::Source => r.source().to_cow(),
                    f => Cow::Borrowed(r.get(f)),
                })
                .collect();
            let values: Vec<&str> = values.iter().map(|v| v.as_ref()).collect();
            Column::new(field_name(f).into(), values)
        })
        .collect();
    let language: Vec<&str> = rows.iter().map(|r| r.language()).collect();
    columns.push(Column::new("language".into(), language));
    let confidence: Vec<f64> = rows.iter().map(|r| r.language_confidence()).collect();
    columns.push(Column::new("language_confidence".into(), confidence));
    let words: Vec<i64> = rows.iter().map(|r| r.words() as i64).collect();
    columns.push(Column::new("words".into(), words));
    let terms: Vec<i64> = rows.iter().map(|r| r.terms() as i64).collect();
    columns.push(Column::new("terms".into(), terms));
    let from_input: Vec<bool> = rows.iter().map(|r| r.id_from_input()).collect();
    columns.push(Column::new("id_from_input".into(), from_input));
    // a shard's run keeps its titles, URLs and sketches with the rows (no spill), as written
    // here
    if rows.iter().any(|r| r.spilled().is_some()) {
        return Err(Error::Run(
            "internal error: a partial's title and URL were not held in memory".into(),
        ));
    }
    let held: Vec<&Sketch> = rows
        .iter()
        .map(|r| {
            r.sketch().held().ok_or_else(|| {
                Error::Run("internal error: a partial's sketch was not held in memory".into())
            })
        })
        .collect::<Result<_>>()?;
    let levels: Vec<i32> = held.iter().map(|s| s.parts().0 as i32).collect();
    columns.push(Column::new("sketch_level".into(), levels));
    let total: usize = held.iter().map(|s| s.parts().1.len()).sum();
    let mut sketches = ListPrimitiveChunkedBuilder::<Int32Type>::new(
        "sketch".into(),
        rows.len(),
        total,
        DataType::Int32,
    );
    for sketch in &held {
        // the hashes' bits, as Parquet's signed 32-bit integers
        let hashes: Vec<i32> = sketch.parts().1.iter().map(|&h| h as i32).collect();
        sketches.append_slice(&hashes);
    }
    columns.push(sketches.finish().into_series().into());
    // the topics an article mentions, by their place in the manifest's `topics`, and how often
    let total: usize = rows.iter().map(|r| r.topic_hits().count()).sum();
    let mut topics = ListPrimitiveChunkedBuilder::<Int32Type>::new(
        "topics".into(),
        rows.len(),
        total,
        DataType::Int32,
    );
    let mut hits = ListPrimitiveChunkedBuilder::<Int32Type>::new(
        "topic_hits".into(),
        rows.len(),
        total,
        DataType::Int32,
    );
    for r in &rows {
        let (t, n): (Vec<i32>, Vec<i32>) = r
            .topic_hits()
            .map(|(t, n)| (t as i32, i32::try_from(n).unwrap_or(i32::MAX)))
            .unzip();
        topics.append_slice(&t);
        hits.append_slice(&n);
    }
    columns.push(topics.finish().into_series().into());
    columns.push(hits.finish().into_series().into());
    write_parquet(dir, ARTICLES, columns)
}

fn write_rejected(dir: &Path, counts: &Counts, unread: &[Rejection]) -> Result<()> {
    let mut rows: Vec<(&Rejection, bool)> = counts
        .rejected
        .iter()
        .map(|r| (r, false))
        .chain(unread.iter().map(|r| (r, true)))
        .collect();
    rows.sort();
    let mut table = Table::new(&[]);
    for (r, unread) in rows {
        table.row(
            &[],
            &[&r.file, r.scope.as_str(), &r.reason, &r.excerpt],
            &[
                r.line.unwrap_or(0),
                u64::from(r.after_read),
                u64::from(unread),
            ],
        );
    }
    table.write(
        dir,
        REJECTED,
        &["file", "scope", "reason", "excerpt"],
        // line 0: none; after_read and unread are 0 or 1
        &["line", "after_read", "unread"],
    )
}

fn write_excluded(dir: &Path, counts: &Counts) -> Result<()> {
    let mut rows: Vec<&Excluded> = counts.excluded.iter().collect();
    rows.sort();
    let mut table = Table::new(&[]);
    for e in rows {
        table.row(
            &[],
            &[&e.article_id, &e.source, &e.reason, &e.outlet],
            &[u64::from(e.id_from_input)],
        );
    }
    table.write(
        dir,
        EXCLUDED,
        &["article_id", "source", "reason", "outlet"],
        &["id_from_input"],
    )
}

fn field_name(f: RowField) -> &'static str {
    match f {
        RowField::Id => "id",
        RowField::Source => "source",
        RowField::Outlet => "outlet",
        RowField::Country => "country",
        RowField::Published => "published",
        RowField::PublishedUtc => "published_utc",
        RowField::Url => "url",
        RowField::Title => "title",
        RowField::DeclaredLanguage => "declared_language",
    }
}

/// What reading partial folders found: the sums, and what must be settled before they are
/// the sums of one run (see [`Read::settle`]).
pub struct Read {
    pub partial: Partial,
    pub manifests: Vec<ShardManifest>,
    /// Every shard's kept contexts, with their groups, not yet cut to the run's number.
    contexts: Vec<(Vec<String>, Context)>,
    /// Ids of the input that more than one shard read.
    clashes: Vec<duplicate_ids::Clash>,
}

/// Reads and sums the partial folders `dirs`, made with `fingerprint`, for a config whose
/// topics (in lexicon order) and group columns are `topics` and `group_by`. Refuses (a config
/// error, exit 2) folders of another format, version or fingerprint, and a file read by two
/// shards.
pub fn read(
    dirs: &[PathBuf],
    fingerprint: &str,
    topics: &[String],
    group_by: &[String],
    contexts_per_topic: usize,
) -> Result<Read> {
    let mut manifests = Vec::new();
    for dir in dirs {
        let found = read_manifests(dir)?;
        if found.is_empty() {
            return Err(Error::config(format!(
                "{}: not a partial folder (no {MANIFEST} and no {MANIFESTS}/; made by `newsprism run --partials`)",
                dir.display()
            )));
        }
        for (path, m) in found {
            check_manifest(&path, &m, fingerprint)?;
            manifests.push(m);
        }
    }
    let reports = reports_of(&manifests)?;
    let topic_index: FxHashMap<&str, usize> = topics
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let mut counts = Counts {
        contexts_per_topic,
        ..Counts::default()
    };
    let mut unread = Vec::new();
    let mut contexts = Vec::new();
    let reader = Reader {
        group_by,
        topics: &topic_index,
    };
    for dir in dirs {
        // a table left behind would be a sum quietly short
        if let Some(missing) = SUM_TABLES
            .iter()
            .chain(&ROW_TABLES)
            .find(|t| !dir.join(format!("{t}.parquet")).exists())
        {
            return Err(Error::config(format!(
                "{}: {missing}.parquet is missing: a partial folder holds every table",
                dir.display()
            )));
        }
        reader.sums(dir, &mut counts)?;
        reader.rows(dir, &mut counts, &mut unread, &mut contexts)?;
    }
    for m in &manifests {
        counts.from_cache += m.articles_from_cache;
        counts.language_from_cache += m.articles_language_from_cache;
    }
    let expected: u64 = manifests.iter().map(|m| m.articles).sum();
    if expected != counts.articles.len() as u64 {
        return Err(Error::config(format!(
            "the partial folders' manifests count {expected} articles, their article tables hold {}: a table is missing or was summed twice",
            counts.articles.len()
        )));
    }
    let clashes = duplicate_ids::find(&counts);
    let mut run_inputs: Vec<PathBuf> = manifests
        .iter()
        .flat_map(|m| m.run_inputs.iter().cloned())
        .collect();
    run_inputs.sort();
    run_inputs.dedup();
    let mut warnings: Vec<String> = manifests
        .iter()
        .flat_map(|m| m.warnings.iter().cloned())
        .collect();
    warnings.sort();
    warnings.dedup();
    Ok(Read {
        partial: Partial {
            counts,
            reports,
            unread,
            run_inputs,
            warnings,
        },
        manifests,
        contexts,
        clashes,
    })
}

impl Read {
    /// The sums of one run on every shard's inputs: the ids of the input read by more than
    /// one shard settled as one run settles them (with `step` and `ingest`, see
    /// [`duplicate_ids`]), then each group's contexts cut to the run's number.
    pub fn settle(
        mut self,
        step: &crate::article::ArticleStep,
        ingest: &crate::ingest::IngestOptions,
    ) -> Result<Partial> {
        if !self.clashes.is_empty() {
            duplicate_ids::settle(&mut self, step, ingest)?;
        }
        let counts = &mut self.partial.counts;
        let keep = counts.contexts_per_topic;
        let topics = self.manifests.first().map_or(0, |m| m.topics.len());
        for (key, context) in self.contexts {
            group(counts, key, topics).keep_context(context, keep);
        }
        Ok(self.partial)
    }
}

fn read_manifests(dir: &Path) -> Result<Vec<(PathBuf, ShardManifest)>> {
    let mut paths = Vec::new();
    let single = dir.join(MANIFEST);
    if single.is_file() {
        paths.push(single);
    }
    let many = dir.join(MANIFESTS);
    if many.is_dir() {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&many)
            .map_err(|e| Error::io(&many, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        found.sort();
        paths.extend(found);
    }
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let m: ShardManifest = serde_json::from_slice(&text).map_err(|e| {
                Error::config(format!("{}: not a partial manifest: {e}", path.display()))
            })?;
            Ok((path, m))
        })
        .collect()
}

fn check_manifest(path: &Path, m: &ShardManifest, fingerprint: &str) -> Result<()> {
    let refuse = |what: String| Err(Error::config(format!("{}: {what}", path.display())));
    if m.format != FORMAT {
        return refuse(format!(
            "partial format {} (this newsprism reads format {FORMAT})",
            m.format
        ));
    }
    if m.newsprism_version != crate::VERSION {
        return refuse(format!(
            "made by newsprism {} (this is {}): its analysis may differ; make the partials again with this version",
            m.newsprism_version,
            crate::VERSION
        ));
    }
    if m.config_fingerprint != fingerprint {
        return refuse(format!(
            "made with another config or analysis (config fingerprint {} here, {} in the partials): everything but [run] inputs, output, name, cache and [output] must be the same",
            short(fingerprint),
            short(&m.config_fingerprint)
        ));
    }
    Ok(())
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The shards' file reports in the order one run would read them; a file in two shards
/// would be counted twice.
fn reports_of(manifests: &[ShardManifest]) -> Result<Vec<FileReport>> {
    let mut inputs: Vec<&ShardInput> = manifests.iter().flat_map(|m| &m.inputs).collect();
    inputs.sort_by(|a, b| {
        a.report
            .file
            .cmp(&b.report.file)
            .then_with(|| a.path.cmp(&b.path))
    });
    for pair in inputs.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if a.report.file != b.report.file {
            continue;
        }
        return Err(Error::config(if a.path == b.path {
            format!(
                "{} was read by two shards (the partials would count its articles twice): give each file to one shard",
                a.report.file
            )
        } else {
            format!(
                "two files read as `{}` ({} and {}): articles are named by their file, so the shards' files need distinct names (or give the shards folders, named with the folder)",
                a.report.file,
                a.path.display(),
                b.path.display()
            )
        }));
    }
    Ok(inputs.into_iter().map(|i| i.report.clone()).collect())
}

/// Reads one partial folder's tables into [`Counts`].
struct Reader<'a> {
    group_by: &'a [String],
    topics: &'a FxHashMap<&'a str, usize>,
}

impl Reader<'_> {
    fn keys(&self, frame: &Frame) -> Result<Vec<StringChunked>> {
        self.group_by
            .iter()
            .map(|g| frame.texts(&format!("group_{g}")))
            .collect()
    }

    fn topic(&self, frame: &Frame, ids: &StringChunked, row: usize) -> Result<usize> {
        let id = ids.get(row).unwrap_or_default();
        self.topics
            .get(id)
            .copied()
            .ok_or_else(|| frame.bad(row, "topic", id))
    }

    fn sums(&self, dir: &Path, counts: &mut Counts) -> Result<()> {
        let topics = self.topics.len();
        for frame in frames(dir, GROUP_TOTALS)? {
            let keys = self.keys(&frame)?;
            let [articles, words, terms] = frame.counts(["articles", "words", "terms"])?;
            for row in 0..frame.height() {
                let g = group(counts, key_at(&keys, row), topics);
                g.articles += articles[row];
                g.words += words[row];
                g.terms += terms[row];
            }
        }
        for frame in frames(dir, GROUP_TOPICS)? {
            let keys = self.keys(&frame)?;
            let ids = frame.texts("topic")?;
            let [hits, articles] = frame.counts(["hits", "articles"])?;
            for row in 0..frame.height() {
                let t = self.topic(&frame, &ids, row)?;
                let g = group(counts, key_at(&keys, row), topics);
                g.topic_hits[t] += hits[row];
                g.topic_articles[t] += articles[row];
            }
        }
        for frame in frames(dir, GROUP_LANGUAGES)? {
            let keys = self.keys(&frame)?;
            let languages = frame.languages()?;
            let [articles, words, terms] = frame.counts(["articles", "words", "terms"])?;
            for row in 0..frame.height() {
                let g = group(counts, key_at(&keys, row), topics);
                let slice = g.slice_mut(languages[row]);
                slice.articles += articles[row];
                slice.words += words[row];
                slice.terms += terms[row];
            }
        }
        for frame in frames(dir, GROUP_TERMS)? {
            let keys = self.keys(&frame)?;
            let languages = frame.languages()?;
            let term_strings = frame.texts("term")?;
            let [count, articles] = frame.counts(["count", "articles"])?;
            for row in 0..frame.height() {
                let term = counts
                    .vocabulary
                    .intern(term_strings.get(row).unwrap_or_default());
                let g = group(counts, key_at(&keys, row), topics);
                g.slice_mut(languages[row])
                    .term_counts
                    .add(term, count[row], articles[row], []);
            }
        }
        for frame in frames(dir, GROUP_SURFACES)? {
            let keys = self.keys(&frame)?;
            let languages = frame.languages()?;
            let term_strings = frame.texts("term")?;
            let surface_strings = frame.texts("surface")?;
            let [count] = frame.counts(["count"])?;
            for row in 0..frame.height() {
                let term = counts
                    .vocabulary
                    .intern(term_strings.get(row).unwrap_or_default());
                let surface = counts
                    .vocabulary
                    .intern(surface_strings.get(row).unwrap_or_default());
                let g = group(counts, key_at(&keys, row), topics);
                g.slice_mut(languages[row])
                    .term_counts
                    .add_surface(term, surface, count[row]);
            }
        }
        Ok(())
    }

    fn rows(
        &self,
        dir: &Path,
        counts: &mut Counts,
        unread: &mut Vec<Rejection>,
        contexts: &mut Vec<(Vec<String>, Context)>,
    ) -> Result<()> {
        for frame in frames(dir, CONTEXTS)? {
            let keys = self.keys(&frame)?;
            let ids = frame.texts("topic")?;
            let languages = frame.languages()?;
            let [article_id, source, left, matched, right] =
                ["article_id", "source", "left", "matched", "right"].map(|n| frame.texts(n));
            let (article_id, source, left, matched, right) =
                (article_id?, source?, left?, matched?, right?);
            let [rank, spread, part, start] = frame.numbers(["rank", "spread", "part", "start"])?;
            for row in 0..frame.height() {
                let text = |c: &StringChunked| c.get(row).unwrap_or_default().to_string();
                let context = Context {
                    rank: rank[row] as u32,
                    spread: spread[row] as u64,
                    article_id: text(&article_id),
                    source: text(&source),
                    part: part[row] as u8,
                    start: start[row] as u32,
                    topic: self.topic(&frame, &ids, row)? as u32,
                    language: languages[row],
                    left: text(&left),
                    matched: text(&matched),
                    right: text(&right),
                };
                contexts.push((key_at(&keys, row), context));
            }
        }
        for frame in frames(dir, ARTICLES)? {
            let fields = RowField::ALL
                .map(|f| frame.texts(field_name(f)))
                .into_iter()
                .collect::<Result<Vec<StringChunked>>>()?;
            let languages = frame.languages()?;
            let confidence = frame.floats("language_confidence")?;
            let [words, terms, from_input] = frame.counts(["words", "terms", "id_from_input"])?;
            let [levels] = frame.numbers(["sketch_level"])?;
            let sketches = frame.lists("sketch")?;
            let (topic_lists, hit_lists) = (frame.lists("topics")?, frame.lists("topic_hits")?);
            for row in 0..frame.height() {
                let values: [&str; RowField::COUNT] =
                    std::array::from_fn(|i| fields[i].get(row).unwrap_or_default());
                let hashes: Vec<u32> = sketches[row].iter().map(|&h| h as u32).collect();
                let sketch = u32::try_from(levels[row])
                    .ok()
                    .and_then(|level| Sketch::from_parts(level, hashes))
                    .ok_or_else(|| frame.bad(row, "sketch", "not a sketch"))?;
                let topics = &topic_lists[row];
                if topics.len() != hit_lists[row].len()
                    || topics
                        .iter()
                        .any(|&t| t < 0 || t as usize >= self.topics.len())
                {
                    return Err(frame.bad(row, "topics", "not topics of the manifest"));
                }
                let topic_hits: Vec<(usize, u32)> = topics
                    .iter()
                    .zip(&hit_lists[row])
                    .map(|(&t, &n)| (t as usize, u32::try_from(n).unwrap_or(0)))
                    .collect();
                let count = |column: &str, n: u64| {
                    u32::try_from(n).map_err(|_| frame.bad(row, column, &n.to_string()))
                };
                let mut article = ArticleRow::from_fields(values, &topic_hits, None);
                article.language = languages[row];
                article.language_confidence = confidence[row];
                article.words = count("words", words[row])?;
                article.terms = count("terms", terms[row])?;
                article.sketch = SketchSlot::Held(sketch);
                article.id_from_input = from_input[row] != 0;
                counts.articles.push(article);
            }
        }
        for frame in frames(dir, REJECTED)? {
            let [file, scope, reason, excerpt] =
                ["file", "scope", "reason", "excerpt"].map(|n| frame.texts(n));
            let (file, scope, reason, excerpt) = (file?, scope?, reason?, excerpt?);
            let [line, after_read, was_unread] = frame.counts(["line", "after_read", "unread"])?;
            for row in 0..frame.height() {
                let text = |c: &StringChunked| c.get(row).unwrap_or_default().to_string();
                let scope = match scope.get(row).unwrap_or_default() {
                    "article" => Scope::Article,
                    "file" => Scope::File,
                    other => return Err(frame.bad(row, "scope", other)),
                };
                let rejection = Rejection {
                    file: text(&file),
                    line: (line[row] > 0).then_some(line[row]),
                    scope,
                    reason: text(&reason),
                    excerpt: text(&excerpt),
                    after_read: after_read[row] != 0,
                };
                if was_unread[row] != 0 {
                    unread.push(rejection);
                } else {
                    counts.rejected.push(rejection);
                }
            }
        }
        for frame in frames(dir, EXCLUDED)? {
            let [id, source, reason, outlet] =
                ["article_id", "source", "reason", "outlet"].map(|n| frame.texts(n));
            let (id, source, reason, outlet) = (id?, source?, reason?, outlet?);
            let [from_input] = frame.counts(["id_from_input"])?;
            for (row, &from_input) in from_input.iter().enumerate() {
                let text = |c: &StringChunked| c.get(row).unwrap_or_default().to_string();
                counts.excluded.push(Excluded {
                    article_id: text(&id),
                    source: text(&source),
                    reason: text(&reason),
                    outlet: text(&outlet),
                    id_from_input: from_input != 0,
                });
            }
        }
        Ok(())
    }
}

fn key_at(keys: &[StringChunked], row: usize) -> Vec<String> {
    keys.iter()
        .map(|k| k.get(row).unwrap_or_default().to_string())
        .collect()
}

fn group(counts: &mut Counts, key: Vec<String>, topics: usize) -> &mut GroupCounts {
    counts
        .groups
        .entry(key)
        .or_insert_with(|| GroupCounts::new(topics))
}

/// One Parquet file of a table.
struct Frame {
    path: PathBuf,
    df: DataFrame,
}

/// The files of table `name` in `dir`: `<name>.parquet`, or the parts in a folder of that
/// name; none if the folder has no such table.
fn frames(dir: &Path, name: &str) -> Result<Vec<Frame>> {
    let path = dir.join(format!("{name}.parquet"));
    let files = if path.is_dir() {
        let mut parts: Vec<PathBuf> = std::fs::read_dir(&path)
            .map_err(|e| Error::io(&path, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
            .collect();
        parts.sort();
        parts
    } else if path.is_file() {
        vec![path]
    } else {
        Vec::new()
    };
    files
        .into_iter()
        .map(|path| {
            let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
            let df = ParquetReader::new(file)
                .finish()
                .map_err(|e| Error::config(format!("{}: {e}", path.display())))?;
            Ok(Frame { path, df })
        })
        .collect()
}

impl Frame {
    fn height(&self) -> usize {
        self.df.height()
    }

    fn bad(&self, row: usize, column: &str, value: &str) -> Error {
        Error::config(format!(
            "{} row {}: {column} {value:?} is not valid here",
            self.path.display(),
            row + 1
        ))
    }

    fn column(&self, name: &str, dtype: &DataType) -> Result<Series> {
        let column = self
            .df
            .column(name)
            .map_err(|_| Error::config(format!("{}: no column `{name}`", self.path.display())))?;
        column
            .as_materialized_series()
            .cast(dtype)
            .map_err(|e| Error::config(format!("{}: column `{name}`: {e}", self.path.display())))
    }

    fn texts(&self, name: &str) -> Result<StringChunked> {
        Ok(self
            .column(name, &DataType::String)?
            .str()
            .cloned()
            .unwrap_or_else(|_| StringChunked::full_null(name.into(), self.height())))
    }

    /// Integer columns, every value present.
    fn numbers<const N: usize>(&self, names: [&str; N]) -> Result<[Vec<i64>; N]> {
        let mut out: [Vec<i64>; N] = std::array::from_fn(|_| Vec::new());
        for (slot, name) in out.iter_mut().zip(names) {
            let series = self.column(name, &DataType::Int64)?;
            let values = series
                .i64()
                .map_err(|e| Error::config(format!("{}: {e}", self.path.display())))?;
            *slot = values
                .iter()
                .enumerate()
                .map(|(row, v)| v.ok_or_else(|| self.bad(row, name, "null")))
                .collect::<Result<_>>()?;
        }
        Ok(out)
    }

    /// Integer columns of counts: present and not negative.
    fn counts<const N: usize>(&self, names: [&str; N]) -> Result<[Vec<u64>; N]> {
        let numbers = self.numbers(names)?;
        let mut out: [Vec<u64>; N] = std::array::from_fn(|_| Vec::new());
        for ((slot, values), name) in out.iter_mut().zip(numbers).zip(names) {
            *slot = values
                .into_iter()
                .enumerate()
                .map(|(row, v)| u64::try_from(v).map_err(|_| self.bad(row, name, &v.to_string())))
                .collect::<Result<_>>()?;
        }
        Ok(out)
    }

    fn floats(&self, name: &str) -> Result<Vec<f64>> {
        let series = self.column(name, &DataType::Float64)?;
        let values = series
            .f64()
            .map_err(|e| Error::config(format!("{}: {e}", self.path.display())))?;
        values
            .iter()
            .enumerate()
            .map(|(row, v)| v.ok_or_else(|| self.bad(row, name, "null")))
            .collect()
    }

    fn languages(&self) -> Result<Vec<&'static str>> {
        let codes = self.texts("language")?;
        codes
            .iter()
            .enumerate()
            .map(|(row, code)| {
                let code = code.unwrap_or_default();
                static_code(code).ok_or_else(|| self.bad(row, "language", code))
            })
            .collect()
    }

    /// A list column's rows, each as 64-bit integers.
    fn lists(&self, name: &str) -> Result<Vec<Vec<i64>>> {
        let series = self.column(name, &DataType::List(Box::new(DataType::Int64)))?;
        let lists = series
            .list()
            .map_err(|e| Error::config(format!("{}: {e}", self.path.display())))?;
        Ok(lists
            .amortized_iter()
            .map(|row| {
                row.and_then(|s| s.as_ref().i64().ok().map(|v| v.iter().flatten().collect()))
                    .unwrap_or_default()
            })
            .collect())
    }
}
