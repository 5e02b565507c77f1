//! Who is using a SQLite data directory: an advisory lock on `jifen.lock` in it.
//!
//! Every command that opens the database (`serve`, `backup`, `admin`) holds a shared lock
//! for as long as it runs; `restore` needs the exclusive lock, so it is refused while any
//! of them runs, and they are refused while a restore runs. The lock is the kernel's
//! (`flock` on Linux, `LockFileEx` on Windows, through `std::fs::File::try_lock`): it ends
//! with the process however that ends (a crash, `kill -9`, a power cut), so there is never
//! a stale lock to clean up, and a PID that happens to be reused cannot fool it, as it can
//! a PID file. SQLite's own locks cannot serve: a server holds none between transactions.
//! (Like SQLite itself, this relies on the file system's locks: keep the data directory on
//! a local disk, not a network share.)

use crate::Failure;
use crate::storage::Storage;
use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

/// The lock file's name in the data directory.
pub const LOCK_FILE: &str = "jifen.lock";

/// A held lock on a data directory; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    pub path: PathBuf,
}

#[derive(Clone, Copy)]
enum Mode {
    Shared,
    Exclusive,
}

impl DataDirLock {
    /// The shared lock for a command that opens the store; none is needed on PostgreSQL.
    pub fn while_using(storage: &Storage) -> Result<Option<Self>, Failure> {
        match storage.database_url {
            Some(_) => Ok(None),
            None => Self::shared(&storage.data_dir).map(Some),
        }
    }

    /// For a command that uses the database: refused while a restore runs.
    pub fn shared(data_dir: &Path) -> Result<Self, Failure> {
        Self::take(data_dir, Mode::Shared)
    }

    /// For `restore`: refused while anything else uses the data directory.
    pub fn exclusive(data_dir: &Path) -> Result<Self, Failure> {
        Self::take(data_dir, Mode::Exclusive)
    }

    fn take(data_dir: &Path, mode: Mode) -> Result<Self, Failure> {
        std::fs::create_dir_all(data_dir).map_err(|e| Failure::usage(format!("{}: {e}", data_dir.display())))?;
        let path = data_dir.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Failure::internal(format!("{}: {e}", path.display())))?;
        let taken = match mode {
            Mode::Shared => file.try_lock_shared(),
            Mode::Exclusive => file.try_lock(),
        };
        match taken {
            Ok(()) => Ok(Self { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(Failure::usage(match mode {
                Mode::Shared => format!("a restore is under way in {}; try again when it is done", data_dir.display()),
                Mode::Exclusive => format!(
                    "{} is in use (a jifen serve, backup or admin command holds {}); stop it first",
                    data_dir.display(),
                    path.display()
                ),
            })),
            Err(TryLockError::Error(e)) => Err(Failure::internal(format!("cannot lock {}: {e}", path.display()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_holders_coexist_and_keep_out_the_exclusive_one() {
        let dir = std::env::temp_dir().join(format!("jifen-lock-test-{}", std::process::id()));
        let first = DataDirLock::shared(&dir).unwrap();
        let second = DataDirLock::shared(&dir).unwrap();
        assert!(DataDirLock::exclusive(&dir).unwrap_err().message.contains("is in use"));
        drop((first, second));
        let restoring = DataDirLock::exclusive(&dir).unwrap();
        assert!(DataDirLock::shared(&dir).unwrap_err().message.contains("restore is under way"));
        drop(restoring);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
