//! Append-only scratch files in a run's staging folder that say where each record went: what
//! the near-duplicate sketches ([`crate::duplicates::SketchSpill`]) and the titles and URLs
//! ([`crate::row_text::RowTextSpill`]) wait in between the analysis and the tables.
//!
//! A spill only saves memory: a record that cannot be written stays with its owner, so a full
//! disk changes how much memory a run takes, not what it writes.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// One spill file being written.
#[derive(Default)]
pub struct SpillFile {
    /// `None` once a write failed (or the file could not be made): nothing more is taken.
    out: Option<BufWriter<File>>,
    written: u64,
}

impl SpillFile {
    pub fn create(path: &Path) -> io::Result<SpillFile> {
        Ok(SpillFile {
            out: Some(BufWriter::new(File::create(path)?)),
            written: 0,
        })
    }

    /// Appends `parts` back to back and gives the byte where the first begins; `None` when
    /// the file takes nothing more. A record written in part is never handed out.
    pub fn append(&mut self, parts: &[&[u8]]) -> Option<u64> {
        let out = self.out.as_mut()?;
        if parts.iter().any(|part| out.write_all(part).is_err()) {
            self.out = None;
            return None;
        }
        let at = self.written;
        self.written += parts.iter().map(|p| p.len() as u64).sum::<u64>();
        Some(at)
    }

    /// Writes out what is buffered, so that the file can be read.
    pub fn flush(&mut self) -> io::Result<()> {
        match self.out.as_mut() {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_record_is_found_at_the_byte_it_was_given() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("records");
        let mut file = SpillFile::create(&path).unwrap();
        let records: [&[&[u8]]; 3] = [&[b"ab", b"cde"], &[b""], &[b"f", b"", b"gh"]];
        let at: Vec<u64> = records.iter().map(|r| file.append(r).unwrap()).collect();
        file.flush().unwrap();
        assert_eq!(at, [0, 5, 5]);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[5..8], b"fgh");
        // a file that takes nothing (unwritable) hands out no place
        assert_eq!(SpillFile::default().append(&[b"x"]), None);
    }
}
