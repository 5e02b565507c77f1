//! Server secrets: generated once, then the same for every server on the database.
#![allow(clippy::unwrap_used)]

use jifen_store::Store;

async fn one_secret_per_name(store: &Store, other_server: &Store) {
    let first = store.server_secret("key", "aaaa", 1).await.unwrap();
    assert_eq!(first, "aaaa", "the first caller's value is stored");
    assert_eq!(store.server_secret("key", "bbbb", 2).await.unwrap(), "aaaa", "and kept");
    assert_eq!(other_server.server_secret("key", "cccc", 3).await.unwrap(), "aaaa", "another server agrees");
    assert_eq!(other_server.server_secret("other", "dddd", 4).await.unwrap(), "dddd", "each name its own");
    // Servers starting together: exactly one value wins and all see it.
    let racers: Vec<_> = (0..8)
        .map(|n| {
            let store = if n % 2 == 0 { store.clone() } else { other_server.clone() };
            tokio::spawn(async move { store.server_secret("raced", &format!("value{n}"), 5).await.unwrap() })
        })
        .collect();
    let mut seen = Vec::new();
    for racer in racers {
        seen.push(racer.await.unwrap());
    }
    seen.dedup();
    assert_eq!(seen.len(), 1, "{seen:?}");
}

#[tokio::test]
async fn sqlite_keeps_one_secret_per_name() {
    let dir = jifen_store::testing::temp_dir("store-secrets").unwrap();
    let path = dir.join("jifen.sqlite");
    let store = Store::open(path.to_str().unwrap()).await.unwrap();
    let other = Store::open(path.to_str().unwrap()).await.unwrap();
    one_secret_per_name(&store, &other).await;
    store.close().await;
    other.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn postgres_keeps_one_secret_per_name() {
    let database = jifen_store::testing::TestDatabase::create("secrets").await.expect("PostgreSQL must be reachable");
    let store = Store::open(&database.url).await.unwrap();
    let other = Store::open(&database.url).await.unwrap();
    one_secret_per_name(&store, &other).await;
    store.close().await;
    other.close().await;
    database.drop_database().await.unwrap();
}
