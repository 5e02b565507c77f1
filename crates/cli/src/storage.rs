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

    /// Opens the store, creating the data directory and applying migrations.
    pub async fn open(&self) -> Result<Store, Failure> {
        let target = match &self.database_url {
            Some(url) => url.clone(),
            None => {
                std::fs::create_dir_all(&self.data_dir)
                    .map_err(|e| Failure::usage(format!("{}: {e}", self.data_dir.display())))?;
                self.sqlite_path().to_string_lossy().into_owned()
            }
        };
        Store::open(&target).await.map_err(|e| Failure::internal(format!("database: {e}")))
    }
}

/// A runtime for the commands that talk to the database.
pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::internal(format!("runtime: {e}")))
}
