//! The output folder of a run, kept whole.
//!
//! A run takes a lock beside its target (`.<name>.lock`, an advisory lock the kernel drops
//! when the process dies, even by kill -9), writes into `.<name>.partial-<pid>`, and only when
//! every file is there swaps that folder with the target in one atomic rename (Linux
//! `renameat2(RENAME_EXCHANGE)`). At every instant the target is either the previous run's
//! complete folder or the new one. Leftovers of killed runs are removed by the next run,
//! under the lock.
//!
//! A run replaces only a folder that newsprism wrote: every run folder carries a marker file
//! ([`MARKER`]), and an existing target that is not empty and has no marker is refused before
//! any work, so `--output ~/Documents` cannot cost a researcher their files.

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The file that marks a folder as a newsprism run's own, safe to replace by the next run.
pub const MARKER: &str = ".newsprism-output";

/// What a run folder held before the marker existed (the eight tables of then, the manifest,
/// the cache): a folder of these names only, with a manifest, was written by newsprism. Kept
/// as it was: folders written since carry the marker.
const RUN_FOLDER_NAMES: [&str; 11] = [
    "articles.csv",
    "article_topics.csv",
    "topics_by_group.csv",
    "topic_comparison.csv",
    "terms_by_group.csv",
    "keyness.csv",
    "languages.csv",
    "rejected.csv",
    "manifest.json",
    "cache",
    MARKER,
];

pub struct Staging {
    target: PathBuf,
    temp: PathBuf,
    _lock: File,
}

impl Staging {
    /// Locks `target` for this run and prepares an empty folder to write into. Refuses, with
    /// a message naming the folder, while another run holds the lock.
    pub fn new(target: &Path) -> Result<Staging> {
        check_replaceable(target)?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Error::Run(format!("{}: not a folder name", target.display())))?;

        let lock_path = parent.join(format!(".{name}.lock"));
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| Error::io(&lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Run(format!(
                    "{} is being written by another newsprism run (lock {}); run again when it has finished",
                    target.display(),
                    lock_path.display()
                )))
            }
            Err(TryLockError::Error(e)) => return Err(Error::io(&lock_path, e)),
        }

        remove_leftovers(&parent, &name);
        let temp = parent.join(format!(".{name}.partial-{}", std::process::id()));
        fs::create_dir(&temp).map_err(|e| Error::io(&temp, e))?;
        let marker = temp.join(MARKER);
        fs::write(
            &marker,
            "This folder was written by newsprism; the next run into it replaces it whole.\n",
        )
        .map_err(|e| Error::io(&marker, e))?;
        Ok(Staging {
            target: target.to_path_buf(),
            temp,
            _lock: lock,
        })
    }

    /// The folder to write into.
    pub fn dir(&self) -> &Path {
        &self.temp
    }

    /// The previous run's folder, if there is one (e.g. to reuse its cache).
    pub fn previous(&self) -> Option<&Path> {
        self.target.is_dir().then_some(self.target.as_path())
    }

    /// Puts the written folder in place of the target, atomically where the OS allows.
    pub fn commit(self) -> Result<PathBuf> {
        // again, in case something was put into the target while this run worked
        check_replaceable(&self.target)?;
        if self.target.exists() {
            swap(&self.temp, &self.target).map_err(|e| Error::io(&self.target, e))?;
            // self.temp now holds the previous run's folder; Drop removes it
        } else {
            fs::rename(&self.temp, &self.target).map_err(|e| Error::io(&self.target, e))?;
        }
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.temp);
    }
}

/// Refuses a target that exists and is not a newsprism run folder or an empty folder (exit 2,
/// naming the folder and what is in it).
pub fn check_replaceable(target: &Path) -> Result<()> {
    let meta = match fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(target, e)),
    };
    let refuse = |why: String| {
        Err(Error::config(format!(
            "{}: {why}; newsprism replaces only an empty folder or one it wrote itself (marked by {MARKER}). \
             Choose a new or empty folder with --output, or [run] output and name in the config",
            target.display()
        )))
    };
    if meta.file_type().is_symlink() {
        return refuse("is a symbolic link".into());
    }
    if !meta.is_dir() {
        return refuse("exists and is not a folder".into());
    }
    let names: Vec<String> = fs::read_dir(target)
        .map_err(|e| Error::io(target, e))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<std::io::Result<_>>()
        .map_err(|e| Error::io(target, e))?;
    let ours = names.iter().any(|n| n == MARKER)
        || (names.iter().any(|n| n == "manifest.json")
            && names.iter().all(|n| RUN_FOLDER_NAMES.contains(&n.as_str())));
    if names.is_empty() || ours {
        return Ok(());
    }
    let mut foreign: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| !RUN_FOLDER_NAMES.contains(n))
        .collect();
    if foreign.is_empty() {
        // newsprism's names, but no manifest: not a folder a run finished
        foreign = names.iter().map(String::as_str).collect();
    }
    foreign.sort_unstable();
    let shown: Vec<String> = foreign.iter().take(3).map(|n| format!("`{n}`")).collect();
    let more = foreign.len().saturating_sub(3);
    refuse(format!(
        "is not a newsprism output folder (it holds {}{})",
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    ))
}

/// Removes `.<name>.partial-*` folders that killed runs left behind.
fn remove_leftovers(parent: &Path, name: &str) {
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        // ours only: a run writes the marker first thing, or died before it (empty folder)
        let ours = path.join(MARKER).is_file()
            || fs::read_dir(&path).is_ok_and(|mut d| d.next().is_none());
        if entry.file_name().to_string_lossy().starts_with(&prefix) && ours {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Exchanges the two folders atomically; where the filesystem refuses the exchange (some
/// network and FUSE filesystems do), falls back to [`swap_by_renames`].
#[cfg(target_os = "linux")]
fn swap(temp: &Path, target: &Path) -> std::io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    use rustix::io::Errno;
    match renameat_with(CWD, temp, CWD, target, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => swap_by_renames(temp, target),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn swap(temp: &Path, target: &Path) -> std::io::Result<()> {
    swap_by_renames(temp, target)
}

/// Without an atomic exchange: three renames, with a short window where the target is absent.
fn swap_by_renames(temp: &Path, target: &Path) -> std::io::Result<()> {
    let aside = temp.with_extension("previous");
    fs::rename(target, &aside)?;
    fs::rename(temp, target)?;
    fs::rename(&aside, temp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_swaps_in_the_new_folder_and_a_second_run_is_refused_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        fs::create_dir(&target).unwrap();
        fs::write(target.join(MARKER), "").unwrap();
        fs::write(target.join("a.csv"), "old").unwrap();

        let staging = Staging::new(&target).unwrap();
        assert_eq!(staging.previous(), Some(target.as_path()));
        let err = Staging::new(&target).err().expect("locked");
        assert!(
            err.to_string()
                .contains("being written by another newsprism run"),
            "{err}"
        );
        fs::write(staging.dir().join("a.csv"), "new").unwrap();
        // the target is untouched until commit
        assert_eq!(fs::read_to_string(target.join("a.csv")).unwrap(), "old");
        let temp = staging.dir().to_path_buf();
        staging.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join("a.csv")).unwrap(), "new");
        assert!(!temp.exists());
        // the lock went with the staging
        drop(Staging::new(&target).unwrap());
    }

    #[test]
    fn leftovers_of_killed_runs_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("run");
        let stale = dir.path().join(".run.partial-999999");
        fs::create_dir(&stale).unwrap();
        fs::write(stale.join(MARKER), "").unwrap();
        fs::write(stale.join("articles.csv"), "half").unwrap();
        // a folder that only looks like a leftover is not ours to delete
        let lookalike = dir.path().join(".run.partial-notes");
        fs::create_dir(&lookalike).unwrap();
        fs::write(lookalike.join("notes.txt"), "mine").unwrap();
        let staging = Staging::new(&target).unwrap();
        assert!(!stale.exists());
        assert!(lookalike.join("notes.txt").is_file());
        staging.commit().unwrap();
        assert!(target.is_dir());
    }

    #[test]
    fn a_folder_newsprism_did_not_write_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("Documents");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("thesis.docx"), "four years").unwrap();
        let err = Staging::new(&target).err().expect("refused");
        assert_eq!(err.exit_code(), 2);
        let msg = err.to_string();
        assert!(
            msg.contains("Documents") && msg.contains("`thesis.docx`"),
            "{msg}"
        );
        assert_eq!(
            fs::read_to_string(target.join("thesis.docx")).unwrap(),
            "four years"
        );
        // nothing was created beside it either: no lock, no partial folder
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        // a file where the folder should be
        let file = dir.path().join("notes.txt");
        fs::write(&file, "mine").unwrap();
        assert_eq!(Staging::new(&file).err().unwrap().exit_code(), 2);
        assert_eq!(fs::read_to_string(&file).unwrap(), "mine");
    }

    #[test]
    fn an_empty_folder_and_a_run_folder_from_before_the_marker_are_used() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty");
        fs::create_dir(&empty).unwrap();
        let staging = Staging::new(&empty).unwrap();
        fs::write(staging.dir().join("articles.csv"), "new").unwrap();
        staging.commit().unwrap();
        assert!(empty.join(MARKER).is_file());
        assert_eq!(
            fs::read_to_string(empty.join("articles.csv")).unwrap(),
            "new"
        );

        let legacy = dir.path().join("legacy");
        fs::create_dir_all(legacy.join("cache")).unwrap();
        fs::write(legacy.join("manifest.json"), "{}").unwrap();
        fs::write(legacy.join("keyness.csv"), "old").unwrap();
        Staging::new(&legacy).unwrap().commit().unwrap();
        assert!(legacy.join(MARKER).is_file());
        assert!(!legacy.join("keyness.csv").exists());
    }
}
