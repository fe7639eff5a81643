//! Writing a run's output: the only module that imports polars. Rows arrive sorted from
//! [`crate::compare`]; here they become DataFrames, written as plain CSV (header row, comma
//! separated, UTF-8, `"` quoting only where needed, floats in shortest round-trip form).
//!
//! [`staging`] keeps a run's output folder whole: written beside the target, swapped in
//! only when complete, one run at a time.

mod staging;

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::{self, File};
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use polars::prelude::*;

use rayon::prelude::*;

use crate::article_rows::RowField;
use crate::compare::{KeynessRow, Tables};
use crate::error::{Error, Result};
pub use staging::{check_replaceable, Staging};

/// The output files of a run, in the order the manifest lists them (and [`write_tables`] reports
/// the first failure).
pub const TABLE_FILES: [&str; 14] = [
    "groups.csv",
    "articles.csv",
    "article_topics.csv",
    "contexts.csv",
    "duplicates.csv",
    "topics_by_group.csv",
    "topic_comparison.csv",
    "terms_by_group.csv",
    "group_similarity.csv",
    "keyness.csv",
    "languages.csv",
    "lexicon_coverage.csv",
    "rejected.csv",
    "excluded.csv",
];

/// The column headers of `topic_comparison.csv`: one per group, made safe for spreadsheets
/// like every other text cell. Two groups whose headers would be the same (values that join
/// to one label, or differ only by the spreadsheet guard) make the table ambiguous: an error
/// naming them, before any table is written.
pub fn comparison_headers(t: &Tables) -> Result<Vec<String>> {
    let headers: Vec<String> = t
        .topic_comparison
        .columns
        .iter()
        .map(|label| spreadsheet_safe(label).into_owned())
        .collect();
    let mut seen: HashMap<&str, usize> = HashMap::new();
    seen.insert("topic", usize::MAX);
    for (i, header) in headers.iter().enumerate() {
        if let Some(&first) = seen.get(header.as_str()) {
            let first = if first == usize::MAX {
                "the `topic` column".to_string()
            } else {
                format!("group {:?}", t.topic_comparison.keys[first])
            };
            return Err(Error::Run(format!(
                "topic_comparison.csv: group {:?} and {first} would share the column header {header:?}; \
                 rename one of them (e.g. in sources.csv or the input), or group by other columns",
                t.topic_comparison.keys[i]
            )));
        }
        seen.insert(header, i);
    }
    Ok(headers)
}

/// Writes every table into `dir`, several at once on the current rayon pool: after the
/// analysis this is most of what is left of a run, and one table at a time left the other
/// threads idle. The files do not depend on each other; when several fail, the error is the
/// first in [`TABLE_FILES`] order, whatever finished first.
pub fn write_tables(dir: &Path, t: &Tables, parquet: bool) -> Result<()> {
    // checked first: an ambiguous table is an error before any file is written
    comparison_headers(t)?;
    let dir = &Out { dir, parquet };
    let outcomes: Vec<Result<()>> = TABLE_WRITERS
        .par_iter()
        .with_max_len(1)
        .map(|write| write(dir, t))
        .collect();
    outcomes.into_iter().collect()
}

/// One writer per table, in [`TABLE_FILES`] order.
const TABLE_WRITERS: [fn(&Out, &Tables) -> Result<()>; 14] = [
    write_groups,
    write_articles,
    write_article_topics,
    write_contexts,
    write_duplicates,
    write_topics_by_group,
    write_topic_comparison,
    write_terms_by_group,
    write_group_similarity,
    write_keyness,
    write_languages,
    write_lexicon_coverage,
    write_rejected,
    write_excluded,
];

fn write_contexts(dir: &Out, t: &Tables) -> Result<()> {
    let c = &t.contexts;
    let keys: Vec<&[String]> = c
        .iter()
        .map(|(g, _)| t.groups[*g].group.as_slice())
        .collect();
    let mut cols = vec![text(
        "article_id",
        c.iter().map(|(_, x)| x.article_id.as_str()),
    )];
    cols.extend(group_columns(t, &keys));
    let topic = |x: &crate::article::Context| &t.topics[x.topic as usize];
    // grouped by language, the group column already says it
    if !t.group_columns.contains(&"language") {
        cols.push(text("language", c.iter().map(|(_, x)| x.language)));
    }
    cols.extend([
        text("topic", c.iter().map(|(_, x)| topic(x).id.as_str())),
        text("kind", c.iter().map(|(_, x)| topic(x).kind.as_str())),
        text("left", c.iter().map(|(_, x)| x.left.as_str())),
        text("match", c.iter().map(|(_, x)| x.matched.as_str())),
        text("right", c.iter().map(|(_, x)| x.right.as_str())),
    ]);
    write(dir, "contexts.csv", cols)
}

fn write_excluded(dir: &Out, t: &Tables) -> Result<()> {
    let e = &t.excluded;
    write(
        dir,
        "excluded.csv",
        vec![
            text("article_id", e.iter().map(|r| r.article_id.as_str())),
            text("source", e.iter().map(|r| r.source.as_str())),
            text("reason", e.iter().map(|r| r.reason.as_str())),
        ],
    )
}

/// The group columns (one per `group_by` column) of rows with these group keys.
fn group_columns(t: &Tables, keys: &[&[String]]) -> Vec<Column> {
    t.group_columns
        .iter()
        .enumerate()
        .map(|(i, name)| text(name, keys.iter().map(|k| k[i].as_str())))
        .collect()
}

fn write_groups(dir: &Out, t: &Tables) -> Result<()> {
    let g = &t.groups;
    let keys: Vec<&[String]> = g.iter().map(|r| r.group.as_slice()).collect();
    let mut cols = group_columns(t, &keys);
    cols.extend([
        count("articles", g.iter().map(|r| r.articles)),
        count("words", g.iter().map(|r| r.words)),
        count("terms", g.iter().map(|r| r.terms)),
        text("languages", g.iter().map(|r| r.languages.as_str())),
        count("copies", g.iter().map(|r| r.copies)),
        count("copied_by_others", g.iter().map(|r| r.copied_by_others)),
        float("share_copies", g.iter().map(|r| round(r.share_copies, 6))),
    ]);
    write(dir, "groups.csv", cols)
}

fn write_group_similarity(dir: &Out, t: &Tables) -> Result<()> {
    let s = &t.group_similarity;
    let mut cols = Vec::new();
    for (side, pick) in [("a", true), ("b", false)] {
        for (i, name) in t.group_columns.iter().enumerate() {
            let column = format!("{name}_{side}");
            cols.push(text(
                &column,
                s.iter().map(|r| {
                    let g = if pick { r.a } else { r.b };
                    t.groups[g].group[i].as_str()
                }),
            ));
        }
    }
    cols.extend([
        maybe_float("cosine", s.iter().map(|r| r.cosine.map(|x| round(x, 6)))),
        maybe_float(
            "jensen_shannon",
            s.iter().map(|r| r.jensen_shannon.map(|x| round(x, 6))),
        ),
        count("topics", s.iter().map(|r| r.topics)),
        count("shared_clusters", s.iter().map(|r| r.shared_clusters)),
    ]);
    write(dir, "group_similarity.csv", cols)
}

fn write_articles(dir: &Out, t: &Tables) -> Result<()> {
    // the article rows and their copy status, chunked together
    write_ranges(dir, "articles.csv", t.articles.len(), |range| {
        let copy_of = t.copy_of(range.clone());
        let a: Vec<_> = range.map(|i| t.articles.at(i)).collect();
        // the titles and URLs may wait on disk: read back for this chunk only
        let texts = t
            .texts
            .read(&a.iter().map(|r| r.text()).collect::<Vec<_>>())?;
        Ok(vec![
            text("article_id", a.iter().map(|r| r.id())),
            text("source", a.iter().map(|r| r.source().to_cow())),
            text("outlet", a.iter().map(|r| r.get(RowField::Outlet))),
            text("country", a.iter().map(|r| r.get(RowField::Country))),
            text("published", a.iter().map(|r| r.get(RowField::Published))),
            text(
                "published_utc",
                a.iter().map(|r| r.get(RowField::PublishedUtc)),
            ),
            text("url", texts.iter().map(|(_, url)| url)),
            text("title", texts.iter().map(|(title, _)| title)),
            text("language", a.iter().map(|r| r.language())),
            float(
                "language_confidence",
                a.iter().map(|r| round(r.language_confidence(), 4)),
            ),
            text(
                "declared_language",
                a.iter().map(|r| r.get(RowField::DeclaredLanguage)),
            ),
            count("words", a.iter().map(|r| r.words())),
            count("terms", a.iter().map(|r| r.terms())),
            text(
                "copy_of",
                copy_of
                    .iter()
                    .map(|c| c.map_or("", |(first, _)| t.articles.at(first).id())),
            ),
            maybe_float(
                "containment",
                copy_of.iter().map(|c| c.map(|(_, x)| round(x, 4))),
            ),
        ])
    })
}

fn write_duplicates(dir: &Out, t: &Tables) -> Result<()> {
    // as long as articles.csv when most articles have copies: chunked like it, so that the
    // table is never whole in memory beside the rows it is made from
    let article = |i: usize| t.articles.at(i);
    write_in_chunks(dir, "duplicates.csv", &t.duplicates, |d| {
        Ok(vec![
            count("cluster", d.iter().map(|r| u64::from(r.cluster))),
            text("article_id", d.iter().map(|r| article(r.article()).id())),
            text(
                "source",
                d.iter().map(|r| article(r.article()).source().to_cow()),
            ),
            text(
                "outlet",
                d.iter().map(|r| article(r.article()).get(RowField::Outlet)),
            ),
            text(
                "language",
                d.iter().map(|r| article(r.article()).language()),
            ),
            text(
                "published",
                d.iter()
                    .map(|r| article(r.article()).get(RowField::Published)),
            ),
            text("role", d.iter().map(|r| r.role())),
            text(
                "matched",
                d.iter()
                    .map(|r| r.matched().map_or("", |(m, _)| article(m).id())),
            ),
            maybe_float(
                "containment",
                d.iter().map(|r| r.matched().map(|(_, c)| round(c, 4))),
            ),
        ])
    })
}

fn write_article_topics(dir: &Out, t: &Tables) -> Result<()> {
    write_in_chunks(dir, "article_topics.csv", &t.article_topics, |at| {
        Ok(vec![
            text("article_id", at.iter().map(|r| r.article_id.as_str())),
            text("source", at.iter().map(|r| r.source.as_str())),
            text("topic", at.iter().map(|r| r.topic.as_str())),
            text("kind", at.iter().map(|r| r.kind)),
            count("hits", at.iter().map(|r| r.hits)),
        ])
    })
}

fn write_topics_by_group(dir: &Out, t: &Tables) -> Result<()> {
    let tg = &t.topics_by_group;
    let keys: Vec<&[String]> = tg.iter().map(|r| r.group.as_slice()).collect();
    let mut cols = group_columns(t, &keys);
    cols.extend([
        text("topic", tg.iter().map(|r| r.topic.as_str())),
        text("kind", tg.iter().map(|r| r.kind)),
        count("hits", tg.iter().map(|r| r.hits)),
        count("articles", tg.iter().map(|r| r.articles)),
        count(
            "articles_mentioning",
            tg.iter().map(|r| r.articles_mentioning),
        ),
        float(
            "share_articles",
            tg.iter().map(|r| round(r.share_articles, 6)),
        ),
        float("per_1k_words", tg.iter().map(|r| round(r.per_1k_words, 6))),
        float("ci_low", tg.iter().map(|r| round(r.ci_low, 6))),
        float("ci_high", tg.iter().map(|r| round(r.ci_high, 6))),
        float("g2", tg.iter().map(|r| r.g2)),
        float("p_value", tg.iter().map(|r| r.p_value)),
        maybe_float("log_ratio", tg.iter().map(|r| r.log_ratio)),
    ]);
    write(dir, "topics_by_group.csv", cols)
}

fn write_topic_comparison(dir: &Out, t: &Tables) -> Result<()> {
    let headers = comparison_headers(t)?;
    let tc = &t.topic_comparison;
    let mut cols = vec![text("topic", tc.rows.iter().map(|r| r.0.as_str()))];
    for (i, name) in headers.iter().enumerate() {
        cols.push(float(name, tc.rows.iter().map(|r| round(r.1[i], 6))));
    }
    write(dir, "topic_comparison.csv", cols)
}

fn write_terms_by_group(dir: &Out, t: &Tables) -> Result<()> {
    let tt = &t.terms_by_group;
    let keys: Vec<&[String]> = tt.iter().map(|r| r.group.as_slice()).collect();
    let mut cols = group_columns(t, &keys);
    // grouped by language, the group column already says it
    if !t.group_columns.contains(&"language") {
        cols.push(text("language", tt.iter().map(|r| r.language)));
    }
    cols.extend([
        text("term", tt.iter().map(|r| r.term.as_str())),
        text("display", tt.iter().map(|r| r.display.as_str())),
        count("count", tt.iter().map(|r| r.count)),
        float("per_1k_words", tt.iter().map(|r| round(r.per_1k_words, 6))),
        count(
            "articles_mentioning",
            tt.iter().map(|r| r.articles_mentioning),
        ),
    ]);
    write(dir, "terms_by_group.csv", cols)
}

/// A few groups at a time (scored in parallel), appended in group order to one file: keyness
/// can have millions of rows, which need not all be in memory at once.
fn write_keyness(dir: &Out, t: &Tables) -> Result<()> {
    let mut table = TableWriter::create(dir, "keyness.csv")?;
    let groups = t.keyness.slices();
    let window = 2 * rayon::current_num_threads().max(1);
    let mut empty = true;
    for start in (0..groups).step_by(window) {
        let chunk: Vec<Vec<KeynessRow>> = (start..(start + window).min(groups))
            .into_par_iter()
            .map(|gi| t.keyness.rows(gi))
            .collect();
        for k in &chunk {
            table.frame(keyness_columns(t, k))?;
            empty = false;
        }
    }
    if empty {
        // no group at all: the header alone
        table.frame(keyness_columns(t, &[]))?;
    }
    table.finish()
}

fn write_languages(dir: &Out, t: &Tables) -> Result<()> {
    let l = &t.languages;
    let keys: Vec<&[String]> = l.iter().map(|r| r.group.as_slice()).collect();
    let mut cols = group_columns(t, &keys);
    // grouped by language, the group column already says it
    if !t.group_columns.contains(&"language") {
        cols.push(text("language", l.iter().map(|r| r.language.as_str())));
    }
    cols.push(count("articles", l.iter().map(|r| r.articles)));
    write(dir, "languages.csv", cols)
}

fn write_lexicon_coverage(dir: &Out, t: &Tables) -> Result<()> {
    let c = &t.lexicon_coverage;
    let topic = |r: &crate::compare::CoverageRow| &t.topics[r.topic];
    write(
        dir,
        "lexicon_coverage.csv",
        vec![
            text("language", c.iter().map(|r| r.language)),
            text("topic", c.iter().map(|r| topic(r).id.as_str())),
            text("kind", c.iter().map(|r| topic(r).kind.as_str())),
            count("terms", c.iter().map(|r| u64::from(r.terms))),
            count("articles", c.iter().map(|r| r.articles)),
            count(
                "articles_mentioning",
                c.iter().map(|r| r.articles_mentioning),
            ),
        ],
    )
}

fn write_rejected(dir: &Out, t: &Tables) -> Result<()> {
    let r = &t.rejected;
    write(
        dir,
        "rejected.csv",
        vec![
            text("file", r.iter().map(|r| r.file.as_str())),
            Column::new(
                "line".into(),
                r.iter()
                    .map(|r| r.line.map(|l| i64::try_from(l).unwrap_or(i64::MAX)))
                    .collect::<Vec<Option<i64>>>(),
            ),
            text("scope", r.iter().map(|r| r.scope.as_str())),
            text("reason", r.iter().map(|r| r.reason.as_str())),
            text("excerpt", r.iter().map(|r| r.excerpt.as_str())),
        ],
    )
}

fn keyness_columns(t: &Tables, k: &[KeynessRow]) -> Vec<Column> {
    let keys: Vec<&[String]> = k.iter().map(|r| &r.group[..]).collect();
    let mut cols = group_columns(t, &keys);
    if !t.group_columns.contains(&"language") {
        cols.push(text("language", k.iter().map(|r| r.language)));
    }
    cols.extend([
        text("term", k.iter().map(|r| r.term)),
        text("display", k.iter().map(|r| r.display)),
        count("count_group", k.iter().map(|r| r.count_group)),
        count("count_rest", k.iter().map(|r| r.count_rest)),
        count("words_group", k.iter().map(|r| r.words_group)),
        count("words_rest", k.iter().map(|r| r.words_rest)),
        float("g2", k.iter().map(|r| r.g2)),
        float("p_value", k.iter().map(|r| r.p_value)),
        maybe_float("log_ratio", k.iter().map(|r| r.log_ratio)),
        maybe_float("log_odds_z", k.iter().map(|r| r.log_odds_z)),
    ]);
    cols
}

/// Writes `manifest.json` into `dir`.
/// Writes `report.html` (made by [`crate::report`]).
pub fn write_report(dir: &Path, html: &str) -> Result<()> {
    let path = dir.join("report.html");
    fs::write(&path, html).map_err(|e| Error::io(&path, e))
}

pub fn write_manifest(dir: &Path, manifest: &impl serde::Serialize) -> Result<()> {
    let path = dir.join("manifest.json");
    let mut body = serde_json::to_string_pretty(manifest).map_err(|e| Error::io(&path, e))?;
    body.push('\n');
    fs::write(&path, body).map_err(|e| Error::io(&path, e))
}

/// A text column; empty strings are written as empty cells rather than `""`, and cells a
/// spreadsheet would run as a formula are neutralized.
fn text<S: AsRef<str>>(name: &str, values: impl Iterator<Item = S>) -> Column {
    let values: Vec<S> = values.collect();
    // borrowed, so that a million-row table is not copied string by string before polars
    // copies it into its own buffers
    let safe: Vec<Option<Cow<str>>> = values
        .iter()
        .map(|v| {
            let v = v.as_ref();
            (!v.is_empty()).then(|| spreadsheet_safe(v))
        })
        .collect();
    let cells: Vec<Option<&str>> = safe.iter().map(|c| c.as_deref()).collect();
    Column::new(name.into(), cells)
}

/// OWASP's defence against CSV injection: a cell that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return gets a leading `'`, so Excel, LibreOffice and Google Sheets show it
/// as text instead of evaluating it. Only text columns pass through here; numbers (a negative
/// G², say) stay numbers.
pub fn spreadsheet_safe(cell: &str) -> Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A count, as Int64: what R, pandas and DuckDB read without a cast (counts never near 2^63).
fn count(name: &str, values: impl Iterator<Item = u64>) -> Column {
    let values: Vec<i64> = values
        .map(|v| i64::try_from(v).unwrap_or(i64::MAX))
        .collect();
    Column::new(name.into(), values)
}

fn float(name: &str, values: impl Iterator<Item = f64>) -> Column {
    Column::new(name.into(), values.collect::<Vec<f64>>())
}

/// A float column whose missing values are empty cells.
fn maybe_float(name: &str, values: impl Iterator<Item = Option<f64>>) -> Column {
    Column::new(name.into(), values.collect::<Vec<Option<f64>>>())
}

/// Rounds for display; the value is still the exact ratio up to the last printed digit.
fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// A fault-injection point for the tests that kill a run while it writes: with
/// `NEWSPRISM_TEST_PAUSE_MS` set, the run sleeps that long after each table.
fn test_pause() {
    if let Some(ms) = std::env::var("NEWSPRISM_TEST_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// Rows per polars frame for the tables with one row per article (or more): the frame
/// copies every cell, so a whole table at once would cost memory in proportion to the corpus.
/// A frame per thread is made at a time (see [`write_ranges`]).
const ROWS_PER_FRAME: usize = 5_000;

/// Writes `rows` as one table, [`ROWS_PER_FRAME`] rows at a time.
fn write_in_chunks<T: Sync>(
    dir: &Out,
    name: &str,
    rows: &[T],
    columns: impl Fn(&[T]) -> Result<Vec<Column>> + Sync,
) -> Result<()> {
    write_ranges(dir, name, rows.len(), |range| columns(&rows[range]))
}

/// Writes a table of `rows` rows, made [`ROWS_PER_FRAME`] rows at a time by `columns` from
/// their range: for a table whose rows are read from several aligned vectors, with no vector
/// of row tuples as long as the corpus. The frames are made and encoded as CSV a few at a
/// time on the run's threads, then written in order: articles.csv, the longest table, was
/// written on one thread for the last fifth of a 100,000-article run's tables, the other
/// thread idle (perf, 2 threads).
fn write_ranges(
    dir: &Out,
    name: &str,
    rows: usize,
    columns: impl Fn(Range<usize>) -> Result<Vec<Column>> + Sync,
) -> Result<()> {
    let mut table = TableWriter::create(dir, name)?;
    let mut ranges: Vec<Range<usize>> = (0..rows)
        .step_by(ROWS_PER_FRAME)
        .map(|start| start..(start + ROWS_PER_FRAME).min(rows))
        .collect();
    if ranges.is_empty() {
        // the header alone
        ranges.push(0..0);
    }
    let path = table.csv_path.clone();
    let keep_frame = table.parquet_path.is_some();
    for window in ranges.chunks(rayon::current_num_threads().max(1)) {
        let encoded: Vec<Result<Encoded>> = window
            .par_iter()
            .with_max_len(1)
            .map(|range| encode(&path, columns(range.clone())?, range.start == 0, keep_frame))
            .collect();
        for frame in encoded {
            table.write_encoded(frame?)?;
        }
    }
    table.finish()?;
    test_pause();
    Ok(())
}

fn write(dir: &Out, name: &str, columns: Vec<Column>) -> Result<()> {
    let mut table = TableWriter::create(dir, name)?;
    table.frame(columns)?;
    table.finish()?;
    test_pause();
    Ok(())
}

/// A frame's CSV text, made apart from the file it goes to, and the frame itself when it is
/// written as Parquet too (it is freed as soon as it is encoded otherwise: frames wait
/// for their turn as text, smaller than their cells).
struct Encoded {
    df: Option<DataFrame>,
    csv: Vec<u8>,
}

/// `columns` as CSV text (with the header row when `header`), and as a frame when
/// `keep_frame`; errors name the table's file.
fn encode(
    csv_path: &Path,
    columns: Vec<Column>,
    header: bool,
    keep_frame: bool,
) -> Result<Encoded> {
    let height = columns.first().map_or(0, |c| c.len());
    let mut df = DataFrame::new(height, columns).map_err(|e| Error::io(csv_path, e))?;
    let mut csv = Vec::new();
    // Serialized on this thread: frames are already encoded a thread each, and polars' own
    // pool would add two threads whose malloc arenas hold their buffers apart from ours (peak
    // RSS at 100,000 articles, 2 threads: 126-131 MB with its pool, 117-128 without).
    CsvWriter::new(&mut csv)
        .n_threads(1)
        .include_header(header)
        .finish(&mut df)
        .map_err(|e| Error::io(csv_path, e))?;
    Ok(Encoded {
        df: keep_frame.then_some(df),
        csv,
    })
}

/// Where the tables go, and whether as Parquet too.
pub struct Out<'a> {
    dir: &'a Path,
    parquet: bool,
}

/// One table being written frame by frame: the CSV, and `<table>.parquet` beside it when
/// `[output] formats` asks for it (the same cells, typed: Int64 counts, Float64 statistics,
/// UTF-8 text; zstd).
struct TableWriter {
    csv_path: PathBuf,
    csv: File,
    header: bool,
    parquet_path: Option<PathBuf>,
    parquet: Option<polars::io::parquet::write::BatchedWriter<File>>,
}

impl TableWriter {
    fn create(out: &Out, name: &str) -> Result<TableWriter> {
        let csv_path = out.dir.join(name);
        let csv = File::create(&csv_path).map_err(|e| Error::io(&csv_path, e))?;
        let parquet_path = out
            .parquet
            .then(|| out.dir.join(name.replace(".csv", ".parquet")));
        Ok(TableWriter {
            csv_path,
            csv,
            header: true,
            parquet_path,
            parquet: None,
        })
    }

    fn frame(&mut self, columns: Vec<Column>) -> Result<()> {
        let frame = encode(
            &self.csv_path,
            columns,
            self.header,
            self.parquet_path.is_some(),
        )?;
        self.write_encoded(frame)
    }

    /// Appends a frame made by [`encode`] (with the header when it is the first).
    fn write_encoded(&mut self, frame: Encoded) -> Result<()> {
        let Encoded { df, csv } = frame;
        self.csv
            .write_all(&csv)
            .map_err(|e| Error::io(&self.csv_path, e))?;
        self.header = false;
        if let (Some(path), Some(df)) = (&self.parquet_path, df) {
            if self.parquet.is_none() {
                let file = File::create(path).map_err(|e| Error::io(path, e))?;
                let writer = ParquetWriter::new(file)
                    .with_compression(ParquetCompression::Zstd(None))
                    .batched(df.schema())
                    .map_err(|e| Error::io(path, e))?;
                self.parquet = Some(writer);
            }
            if let Some(writer) = self.parquet.as_mut() {
                writer.write_batch(&df).map_err(|e| Error::io(path, e))?;
            }
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        if let (Some(path), Some(writer)) = (self.parquet_path, self.parquet) {
            writer.finish().map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralized() {
        for bad in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(spreadsheet_safe(bad), format!("'{bad}"));
        }
        assert_eq!(spreadsheet_safe("Lavrov = Lawrow"), "Lavrov = Lawrow");
        assert_eq!(spreadsheet_safe(""), "");
    }
    /// write_tables reports the first failure in TABLE_FILES order, which holds only while
    /// the two lists agree.
    #[test]
    fn each_writer_writes_the_table_file_of_its_place() {
        let analyzers = crate::analyze::Analyzers::new(&Default::default());
        let lexicon = crate::topics::Lexicon::compile(&[], &analyzers).unwrap();
        let tables = crate::compare::tables(
            crate::counts::Counts::default(),
            &lexicon,
            &[crate::config::GroupColumn::Outlet],
            &Default::default(),
            &Default::default(),
            None,
            crate::row_text::RowTexts::held(),
        )
        .unwrap();
        for (write, name) in TABLE_WRITERS.iter().zip(TABLE_FILES) {
            let dir = tempfile::tempdir().unwrap();
            let out = Out {
                dir: dir.path(),
                parquet: false,
            };
            write(&out, &tables).unwrap();
            let written: Vec<String> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(written, [name]);
        }
    }

    #[test]
    fn a_table_written_in_chunks_is_the_table_written_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let rows: Vec<(String, f64, u64)> = (0..2 * ROWS_PER_FRAME + 7)
            .map(|i| (format!("=row {i}"), i as f64 / 7.0, i as u64))
            .collect();
        let columns = |r: &[(String, f64, u64)]| {
            vec![
                text("name", r.iter().map(|x| x.0.as_str())),
                float("ratio", r.iter().map(|x| x.1)),
                count("n", r.iter().map(|x| x.2)),
            ]
        };
        let out = Out {
            dir: dir.path(),
            parquet: false,
        };
        write_in_chunks(&out, "chunked.csv", &rows, |r| Ok(columns(r))).unwrap();
        write(&out, "whole.csv", columns(&rows)).unwrap();
        let chunked = std::fs::read(dir.path().join("chunked.csv")).unwrap();
        assert_eq!(
            chunked,
            std::fs::read(dir.path().join("whole.csv")).unwrap()
        );
        assert_eq!(
            chunked.iter().filter(|&&b| b == b'\n').count(),
            rows.len() + 1
        );
        write_in_chunks(&out, "empty.csv", &rows[..0], |r| Ok(columns(r))).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("empty.csv")).unwrap(),
            "name,ratio,n\n"
        );
    }
}
