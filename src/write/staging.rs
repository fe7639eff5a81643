//! The output folder of a run, kept whole.
//!
//! A run takes a lock beside its target (`.<name>.lock`, an advisory lock the kernel drops
//! when the process dies, even by kill -9), writes into `.<name>.partial-<pid>`, and only when
//! every file is there swaps that folder with the target in one atomic rename (Linux
//! `renameat2(RENAME_EXCHANGE)`). At every instant the target is either the previous run's
//! complete folder or the new one. Leftovers of killed runs are removed by the next run,
//! under the lock.

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

pub struct Staging {
    target: PathBuf,
    temp: PathBuf,
    _lock: File,
}

impl Staging {
    /// Locks `target` for this run and prepares an empty folder to write into. Refuses, with
    /// a message naming the folder, while another run holds the lock.
    pub fn new(target: &Path) -> Result<Staging> {
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

/// Removes `.<name>.partial-*` folders that killed runs left behind.
fn remove_leftovers(parent: &Path, name: &str) {
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(target_os = "linux")]
fn swap(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let to_c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(std::io::Error::other);
    let (a, b) = (to_c(a)?, to_c(b)?);
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Without an atomic exchange: two renames, with a short window where the target is absent.
#[cfg(not(target_os = "linux"))]
fn swap(temp: &Path, target: &Path) -> std::io::Result<()> {
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
        fs::write(stale.join("articles.csv"), "half").unwrap();
        let staging = Staging::new(&target).unwrap();
        assert!(!stale.exists());
        staging.commit().unwrap();
        assert!(target.is_dir());
    }
}
