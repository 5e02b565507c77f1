//! Where the application keeps its data: a SQLite file in a data directory (created on first
//! use) by default, or PostgreSQL with `--database-url postgres://…`.

use crate::Failure;
use crate::config::ConfigFile;
use jifen_store::Store;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct StorageArgs {
    /// Directory of the embedded SQLite database, created on first start [default: data].
    #[arg(long, env = "JIFEN_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// A PostgreSQL URL (postgres://…) instead of the embedded SQLite database.
    #[arg(long, env = "JIFEN_DATABASE_URL")]
    pub database_url: Option<String>,
    /// A TOML configuration file (see `config.rs`); flags and environment win over it.
    #[arg(long, env = "JIFEN_CONFIG")]
    pub config: Option<PathBuf>,
}

/// Where the data is, once flags, environment, the file and defaults are weighed.
#[derive(Debug, Clone)]
pub struct Storage {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
}

impl StorageArgs {
    pub fn resolve(&self, file: &ConfigFile) -> Storage {
        Storage {
            data_dir: self.data_dir.clone().or_else(|| file.data_dir.clone()).unwrap_or_else(|| PathBuf::from("data")),
            database_url: self.database_url.clone().or_else(|| file.database_url.clone()),
        }
    }

    /// The configuration file named by `--config`, if any.
    pub fn config_file(&self) -> Result<ConfigFile, Failure> {
        ConfigFile::load(self.config.as_deref())
    }

    /// Weighs flags, environment, the configuration file and the defaults.
    pub fn storage(&self) -> Result<Storage, Failure> {
        Ok(self.resolve(&self.config_file()?))
    }
}

impl Storage {
    pub fn sqlite_path(&self) -> PathBuf {
        self.data_dir.join("jifen.sqlite")
    }

    /// Opens the store, creating the data directory and applying migrations. The data
    /// directory is made in PostgreSQL mode too: the development SMS log is written there.
    pub async fn open(&self) -> Result<Store, Failure> {
        self.prepare_data_dir()?;
        let target = match &self.database_url {
            Some(url) => url.clone(),
            None => self.sqlite_path().to_string_lossy().into_owned(),
        };
        let store = Store::open(&target).await.map_err(|e| Failure::internal(format!("database: {e}")))?;
        self.restrict_existing_files();
        Ok(store)
    }

    /// Creates the data directory (0700: it holds personal data) if it is missing, and
    /// narrows one made by an older version.
    pub fn prepare_data_dir(&self) -> Result<(), Failure> {
        std::fs::create_dir_all(&self.data_dir)
            .map_err(|e| Failure::usage(format!("{}: {e}", self.data_dir.display())))?;
        restrict(&self.data_dir, 0o700);
        Ok(())
    }

    /// Files an older version left readable by others (0644) become the owner's alone.
    fn restrict_existing_files(&self) {
        for name in ["jifen.sqlite", "jifen.sqlite-wal", "jifen.sqlite-shm", "sms.log"] {
            let path = self.data_dir.join(name);
            if path.exists() {
                restrict(&path, 0o600);
            }
        }
    }
}

/// Whatever the process creates from now on is readable and writable by its owner only
/// (umask 077): the database, its write-ahead log, the SMS log, backups.
pub fn keep_files_private() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

fn restrict(path: &std::path::Path, mode: u32) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(error) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            tracing::warn!(path = %path.display(), %error, "cannot narrow the permissions");
        }
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
}

/// A runtime for the commands that talk to the database.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::internal(format!("runtime: {e}")))
}
