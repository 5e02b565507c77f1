//! What every web test file starts from: a fresh SQLite store in a temporary directory, and
//! the server on a random port over a given store.
#![allow(clippy::unwrap_used, dead_code)]

use jifen_store::Store;

/// A store in a directory of its own.
pub async fn temp_sqlite() -> Store {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir = std::env::temp_dir().join(format!("jifen-web-test-{}-{nanos}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    Store::open(dir.join("jifen.sqlite").to_str().unwrap()).await.unwrap()
}

/// Serves `store` on a random local port; returns the base URL.
pub async fn serve(store: Store) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(jifen_web::serve(listener, jifen_web::AppState::new(store).unwrap()));
    base
}
