//! Where the application keeps its data: a SQLite file in a data directory (created on first
//! use) by default, or PostgreSQL with `--database-url postgres://…`.

use crate::Failure;
use jifen_store::Store;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct StorageArgs {
    /// Directory of the embedded SQLite database (created on first start).
    #[arg(long, env = "JIFEN_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// A PostgreSQL URL (postgres://…) instead of the embedded SQLite database.
    #[arg(long, env = "JIFEN_DATABASE_URL")]
    pub database_url: Option<String>,
}

impl StorageArgs {
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
