//! Writing a run's output: the only module that imports polars. Rows arrive sorted from
//! [`crate::compare`]; here they become DataFrames, written as plain CSV (header row, comma
//! separated, UTF-8, `"` quoting only where needed, floats in shortest round-trip form).
//!
//! A run writes into a temporary folder beside its target and moves it into place only when
//! every file is written, so a run that dies leaves the previous output as it was.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::compare::Tables;
use crate::error::{Error, Result};

/// The output files of a run, in the order they are written.
pub const TABLE_FILES: [&str; 7] = [
    "articles.csv",
    "article_topics.csv",
    "topics_by_group.csv",
    "topic_comparison.csv",
    "terms_by_group.csv",
    "languages.csv",
    "rejected.csv",
];

/// A folder being written, moved into place by [`Staging::commit`].
pub struct Staging {
    target: PathBuf,
    temp: PathBuf,
}

impl Staging {
    pub fn new(target: &Path) -> Result<Staging> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "run".into());
        let temp = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if temp.exists() {
            fs::remove_dir_all(&temp).map_err(|e| Error::io(&temp, e))?;
        }
        fs::create_dir(&temp).map_err(|e| Error::io(&temp, e))?;
        Ok(Staging {
            target: target.to_path_buf(),
            temp,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.temp
    }

    /// Replaces the target folder with the staged one.
    pub fn commit(self) -> Result<PathBuf> {
        let old = self.temp.with_file_name(format!(
            ".{}.old-{}",
            self.target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            std::process::id()
        ));
        let had_old = self.target.exists();
        if had_old {
            fs::rename(&self.target, &old).map_err(|e| Error::io(&self.target, e))?;
        }
        fs::rename(&self.temp, &self.target).map_err(|e| Error::io(&self.target, e))?;
        if had_old {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.temp);
    }
}

/// Writes every table into `dir`.
pub fn write_tables(dir: &Path, t: &Tables) -> Result<()> {
    let groups = |rows: &mut dyn Iterator<Item = &Vec<String>>| -> Vec<Vec<String>> {
        let mut cols = vec![Vec::new(); t.group_columns.len()];
        for key in rows {
            for (col, v) in cols.iter_mut().zip(key) {
                col.push(v.clone());
            }
        }
        cols
    };
    let group_cols = |values: Vec<Vec<String>>| -> Vec<Column> {
        t.group_columns
            .iter()
            .zip(values)
            .map(|(name, v)| text(name, v))
            .collect()
    };

    let a = &t.articles;
    write(
        dir,
        "articles.csv",
        vec![
            text("article_id", a.iter().map(|r| r.id.clone()).collect()),
            text("source", a.iter().map(|r| r.source.clone()).collect()),
            text("outlet", a.iter().map(|r| r.outlet.clone()).collect()),
            text("country", a.iter().map(|r| r.country.clone()).collect()),
            text("published", a.iter().map(|r| r.published.clone()).collect()),
            text("url", a.iter().map(|r| r.url.clone()).collect()),
            text("title", a.iter().map(|r| r.title.clone()).collect()),
            text(
                "language",
                a.iter().map(|r| r.language.to_string()).collect(),
            ),
            Column::new(
                "language_confidence".into(),
                a.iter()
                    .map(|r| round(r.language_confidence, 4))
                    .collect::<Vec<f64>>(),
            ),
            text(
                "declared_language",
                a.iter().map(|r| r.declared_language.clone()).collect(),
            ),
            Column::new(
                "words".into(),
                a.iter().map(|r| r.words).collect::<Vec<u64>>(),
            ),
            Column::new(
                "terms".into(),
                a.iter().map(|r| r.terms).collect::<Vec<u64>>(),
            ),
        ],
    )?;

    let at = &t.article_topics;
    write(
        dir,
        "article_topics.csv",
        vec![
            text(
                "article_id",
                at.iter().map(|r| r.article_id.clone()).collect(),
            ),
            text("source", at.iter().map(|r| r.source.clone()).collect()),
            text("topic", at.iter().map(|r| r.topic.clone()).collect()),
            text("kind", at.iter().map(|r| r.kind.to_string()).collect()),
            Column::new(
                "hits".into(),
                at.iter().map(|r| r.hits).collect::<Vec<u64>>(),
            ),
        ],
    )?;

    let tg = &t.topics_by_group;
    let mut cols = group_cols(groups(&mut tg.iter().map(|r| &r.group)));
    cols.extend([
        text("topic", tg.iter().map(|r| r.topic.clone()).collect()),
        text("kind", tg.iter().map(|r| r.kind.to_string()).collect()),
        Column::new(
            "hits".into(),
            tg.iter().map(|r| r.hits).collect::<Vec<u64>>(),
        ),
        Column::new(
            "articles".into(),
            tg.iter().map(|r| r.articles).collect::<Vec<u64>>(),
        ),
        Column::new(
            "articles_mentioning".into(),
            tg.iter()
                .map(|r| r.articles_mentioning)
                .collect::<Vec<u64>>(),
        ),
        Column::new(
            "share_articles".into(),
            tg.iter()
                .map(|r| round(r.share_articles, 6))
                .collect::<Vec<f64>>(),
        ),
        Column::new(
            "per_1k_words".into(),
            tg.iter()
                .map(|r| round(r.per_1k_words, 6))
                .collect::<Vec<f64>>(),
        ),
    ]);
    write(dir, "topics_by_group.csv", cols)?;

    let tc = &t.topic_comparison;
    let mut cols = vec![text("topic", tc.rows.iter().map(|r| r.0.clone()).collect())];
    for (i, name) in tc.columns.iter().enumerate() {
        cols.push(Column::new(
            name.as_str().into(),
            tc.rows
                .iter()
                .map(|r| round(r.1[i], 6))
                .collect::<Vec<f64>>(),
        ));
    }
    write(dir, "topic_comparison.csv", cols)?;

    let tt = &t.terms_by_group;
    let mut cols = group_cols(groups(&mut tt.iter().map(|r| &r.group)));
    cols.extend([
        text("term", tt.iter().map(|r| r.term.clone()).collect()),
        text("display", tt.iter().map(|r| r.display.clone()).collect()),
        Column::new(
            "count".into(),
            tt.iter().map(|r| r.count).collect::<Vec<u64>>(),
        ),
        Column::new(
            "per_1k_words".into(),
            tt.iter()
                .map(|r| round(r.per_1k_words, 6))
                .collect::<Vec<f64>>(),
        ),
        Column::new(
            "articles_mentioning".into(),
            tt.iter()
                .map(|r| r.articles_mentioning)
                .collect::<Vec<u64>>(),
        ),
    ]);
    write(dir, "terms_by_group.csv", cols)?;

    let l = &t.languages;
    let mut cols = group_cols(groups(&mut l.iter().map(|r| &r.group)));
    cols.extend([
        text("language", l.iter().map(|r| r.language.clone()).collect()),
        Column::new(
            "articles".into(),
            l.iter().map(|r| r.articles).collect::<Vec<u64>>(),
        ),
    ]);
    write(dir, "languages.csv", cols)?;

    let r = &t.rejected;
    write(
        dir,
        "rejected.csv",
        vec![
            text("file", r.iter().map(|r| r.file.clone()).collect()),
            Column::new(
                "line".into(),
                r.iter().map(|r| r.line).collect::<Vec<Option<u64>>>(),
            ),
            text("reason", r.iter().map(|r| r.reason.clone()).collect()),
            text("excerpt", r.iter().map(|r| r.excerpt.clone()).collect()),
        ],
    )?;
    Ok(())
}

/// Writes `manifest.json` into `dir`.
pub fn write_manifest(dir: &Path, manifest: &serde_json::Value) -> Result<()> {
    let path = dir.join("manifest.json");
    let mut body = serde_json::to_string_pretty(manifest).map_err(|e| Error::io(&path, e))?;
    body.push('\n');
    fs::write(&path, body).map_err(|e| Error::io(&path, e))
}

/// A text column; empty strings are written as empty cells rather than `""`.
fn text(name: &str, values: Vec<String>) -> Column {
    let values: Vec<Option<String>> = values
        .into_iter()
        .map(|v| (!v.is_empty()).then_some(v))
        .collect();
    Column::new(name.into(), values)
}

/// Rounds for display; the value is still the exact ratio up to the last printed digit.
fn round(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

fn write(dir: &Path, name: &str, columns: Vec<Column>) -> Result<()> {
    let path = dir.join(name);
    let height = columns.first().map_or(0, |c| c.len());
    let mut df = DataFrame::new(height, columns).map_err(|e| Error::io(&path, e))?;
    let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
    CsvWriter::new(file)
        .include_header(true)
        .finish(&mut df)
        .map_err(|e| Error::io(&path, e))
}
