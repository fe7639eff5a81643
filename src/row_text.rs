//! Where `run` keeps the articles' titles and URLs between reading an article and writing
//! `articles.csv` and the report: in one file in the run's staging folder, not in the rows.
//!
//! They are most of a row's bytes (some 200 of 280 in the benchmark corpus) and nothing between
//! the two needs them; held in the rows they were what still made a run's memory grow with the
//! corpus once the sketches waited on disk ([`crate::duplicates::SketchSpill`]). The tables read
//! them back a chunk of rows at a time, in file order.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::Mutex;

use crate::error::{Error, Result};
use crate::spill::SpillFile;

/// A row's title and URL as the row holds them: the text itself, or where it waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowText<'r> {
    Held { title: &'r str, url: &'r str },
    Spilled(SpilledText),
}

/// Where a row's title and URL are in the file: `title` bytes from `at`, then `url` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpilledText {
    at: u64,
    title: u32,
    url: u32,
}

impl SpilledText {
    pub fn new(at: u64, title: u32, url: u32) -> SpilledText {
        SpilledText { at, title, url }
    }

    /// (offset, title length, URL length).
    pub fn parts(&self) -> (u64, u32, u32) {
        (self.at, self.title, self.url)
    }
}

/// The file the workers append titles and URLs to while they analyse.
pub struct RowTextSpill {
    path: PathBuf,
    out: Mutex<SpillFile>,
}

impl RowTextSpill {
    /// A new file at `path` (inside the run's staging folder).
    pub fn create(path: PathBuf) -> Result<RowTextSpill> {
        let out = SpillFile::create(&path).map_err(|e| Error::io(&path, e))?;
        Ok(RowTextSpill {
            path,
            out: Mutex::new(out),
        })
    }

    /// Appends a title and URL; `None` when they are empty or cannot be written (the row then
    /// keeps them).
    pub fn keep(&self, title: &str, url: &str) -> Option<SpilledText> {
        if title.is_empty() && url.is_empty() {
            return None;
        }
        let title_len = u32::try_from(title.len()).ok()?;
        let url_len = u32::try_from(url.len()).ok()?;
        let at = self
            .out
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .append(&[title.as_bytes(), url.as_bytes()])?;
        Some(SpilledText {
            at,
            title: title_len,
            url: url_len,
        })
    }

    /// Flushes the file, which the tables then read; the error names it.
    pub fn finish(self) -> Result<RowTexts> {
        let RowTextSpill { path, out } = self;
        let mut out = out.into_inner().unwrap_or_else(|p| p.into_inner());
        out.flush().map_err(|e| Error::io(&path, e))?;
        Ok(RowTexts { spill: Some(path) })
    }
}

/// What gives the tables each row's title and URL: the row itself, or the spill file.
#[derive(Debug, Default)]
pub struct RowTexts {
    spill: Option<PathBuf>,
}

impl RowTexts {
    /// Every row holds its own text (partial runs, `compare`, tests).
    pub fn held() -> RowTexts {
        RowTexts::default()
    }

    /// The (title, url) of each of `rows`, in their order; a spilled text that cannot be read
    /// is an error naming the file.
    pub fn read<'r>(&self, rows: &[RowText<'r>]) -> Result<Vec<(Cow<'r, str>, Cow<'r, str>)>> {
        let mut texts: Vec<(Cow<str>, Cow<str>)> = rows
            .iter()
            .map(|r| match *r {
                RowText::Held { title, url } => (Cow::Borrowed(title), Cow::Borrowed(url)),
                RowText::Spilled(_) => (Cow::Borrowed(""), Cow::Borrowed("")),
            })
            .collect();
        let mut spilled: Vec<(SpilledText, usize)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match *r {
                RowText::Spilled(s) => Some((s, i)),
                RowText::Held { .. } => None,
            })
            .collect();
        if spilled.is_empty() {
            return Ok(texts);
        }
        let Some(path) = &self.spill else {
            return Err(Error::Run(
                "internal error: a row's title and URL were spilled but the spill file is not known"
                    .into(),
            ));
        };
        let unreadable = |e: std::io::Error| Error::io(path, e);
        // in file order, so that the reader moves forward through its buffer
        spilled.sort_unstable_by_key(|(s, _)| s.at);
        let mut reader = BufReader::with_capacity(1 << 16, File::open(path).map_err(unreadable)?);
        reader
            .seek(SeekFrom::Start(spilled[0].0.at))
            .map_err(unreadable)?;
        let mut position = spilled[0].0.at;
        let mut bytes = Vec::new();
        for (s, i) in spilled {
            let skip = i64::try_from(s.at - position).map_err(|_| {
                Error::Run(format!("{}: offset {} out of range", path.display(), s.at))
            })?;
            reader.seek_relative(skip).map_err(unreadable)?;
            bytes.resize(s.title as usize + s.url as usize, 0);
            reader.read_exact(&mut bytes).map_err(unreadable)?;
            position = s.at + bytes.len() as u64;
            let (title, url) = bytes.split_at(s.title as usize);
            let text = |b: &[u8]| {
                String::from_utf8(b.to_vec()).map_err(|_| {
                    Error::Run(format!(
                        "{}: the text at offset {} is not UTF-8 (the file was changed during the run)",
                        path.display(),
                        s.at
                    ))
                })
            };
            texts[i] = (Cow::Owned(text(title)?), Cow::Owned(text(url)?));
        }
        Ok(texts)
    }

    /// Removes the spill file, once the tables and the report are written.
    pub fn remove(self) -> Result<()> {
        match self.spill {
            Some(path) => std::fs::remove_file(&path).map_err(|e| Error::io(&path, e)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A row's text: spilled when `spill` is given and the text is not empty.
    fn row<'r>(title: &'r str, url: &'r str, spill: Option<&RowTextSpill>) -> RowText<'r> {
        match spill.and_then(|s| s.keep(title, url)) {
            Some(spilled) => RowText::Spilled(spilled),
            None => RowText::Held { title, url },
        }
    }

    #[test]
    fn titles_and_urls_come_back_from_disk_in_any_row_order() {
        let dir = tempfile::tempdir().unwrap();
        let spill = RowTextSpill::create(dir.path().join("texts.spill")).unwrap();
        let mut written = vec![
            ("Лавров встретился с Тиллерсоном", "https://one.example/1"),
            ("", ""),
            ("Réunion à New York", ""),
            ("", "https://two.example/ü"),
            ("会谈", "https://three.example/3"),
        ];
        let mut rows: Vec<RowText> = written
            .iter()
            .map(|(title, url)| row(title, url, Some(&spill)))
            .collect();
        // an empty title and URL are not written; a row made without the spill holds its own
        assert!(matches!(rows[0], RowText::Spilled(_)));
        assert!(matches!(rows[1], RowText::Held { .. }));
        written.push(("held", "https://held.example"));
        rows.push(row("held", "https://held.example", None));
        let texts = spill.finish().unwrap();
        // the tables ask in their own order, not the file's, and a chunk at a time (so the
        // reader skips the texts of rows it is not asked for)
        for asked in [vec![4, 0, 5, 2, 1, 3], vec![4, 5, 2], vec![3, 0], vec![1]] {
            let rows_asked: Vec<RowText> = asked.iter().map(|&i| rows[i]).collect();
            let got = texts.read(&rows_asked).unwrap();
            let got: Vec<(&str, &str)> =
                got.iter().map(|(t, u)| (t.as_ref(), u.as_ref())).collect();
            let want: Vec<(&str, &str)> = asked.iter().map(|&i| written[i]).collect();
            assert_eq!(got, want);
        }
        let path = dir.path().join("texts.spill");
        assert!(path.exists());
        texts.remove().unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn a_spilled_row_without_its_file_is_an_error_not_an_empty_title() {
        let dir = tempfile::tempdir().unwrap();
        let spill = RowTextSpill::create(dir.path().join("texts.spill")).unwrap();
        let spilled = row("title", "https://x.example", Some(&spill));
        drop(spill.finish().unwrap());
        assert!(RowTexts::held().read(&[spilled]).is_err());
        // the file cut short: the error names it
        let short = RowTextSpill::create(dir.path().join("short.spill")).unwrap();
        let cut = row("a longer title", "", Some(&short));
        let texts = short.finish().unwrap();
        std::fs::write(dir.path().join("short.spill"), "a long").unwrap();
        let err = texts.read(&[cut]).unwrap_err().to_string();
        assert!(err.contains("short.spill"), "{err}");
    }
}
