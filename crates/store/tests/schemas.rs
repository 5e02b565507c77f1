//! The two migration trees (crates/store/migrations/{sqlite,postgres}) must build the same
//! schema: the same tables, each with the same columns, of matching types and nullability.
//! A migration added to one tree only, or a column spelt differently, fails here. Needs
//! PostgreSQL, so it runs with `--ignored` (as `.ci/run` does).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

/// A column as both databases can describe it: its kind and whether it may be NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Text,
    Bytes,
}

type Schema = BTreeMap<String, BTreeMap<String, (Kind, bool)>>;

/// SQLite's declared types: INTEGER (which also holds booleans), TEXT (which also holds
/// JSON), BLOB.
fn sqlite_kind(declared: &str) -> Kind {
    match declared.to_ascii_uppercase().as_str() {
        "INTEGER" => Kind::Integer,
        "TEXT" => Kind::Text,
        "BLOB" => Kind::Bytes,
        other => panic!("SQLite column type {other} has no counterpart here"),
    }
}

fn postgres_kind(data_type: &str) -> Kind {
    match data_type {
        "bigint" | "integer" | "smallint" | "boolean" => Kind::Integer,
        "text" | "jsonb" | "json" | "character varying" => Kind::Text,
        "bytea" => Kind::Bytes,
        other => panic!("PostgreSQL column type {other} has no counterpart here"),
    }
}

async fn sqlite_schema() -> Schema {
    let dir = std::env::temp_dir().join(format!("jifen-schema-{}-{:?}", std::process::id(), std::time::Instant::now()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("jifen.sqlite");
    jifen_store::SqliteStore::open(&path).await.unwrap().close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let mut schema = Schema::new();
    for table in tables {
        let columns: Vec<(String, String, bool, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT name, type, \"notnull\", pk FROM pragma_table_info('{table}')"
        )))
        .fetch_all(&pool)
        .await
        .unwrap();
        let described = columns
            .into_iter()
            .map(|(name, declared, not_null, pk)| (name, (sqlite_kind(&declared), !(not_null || pk > 0))))
            .collect();
        schema.insert(table, described);
    }
    pool.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
    schema
}

async fn postgres_schema(url: &str) -> Schema {
    jifen_store::PgStore::connect(url).await.unwrap().close().await;
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::TEXT, column_name::TEXT, data_type::TEXT, is_nullable::TEXT FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    let mut schema = Schema::new();
    for (table, column, data_type, nullable) in columns {
        schema.entry(table).or_default().insert(column, (postgres_kind(&data_type), nullable == "YES"));
    }
    schema
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn both_migration_trees_build_the_same_schema() {
    let database = jifen_store::testing::TestDatabase::create("schemas").await.expect("PostgreSQL must be reachable");
    let (sqlite, postgres) = (sqlite_schema().await, postgres_schema(&database.url).await);
    database.drop_database().await.unwrap();
    assert!(sqlite.len() >= 10, "the schema has its tables: {:?}", sqlite.keys());
    let tables = |schema: &Schema| schema.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables(&sqlite), tables(&postgres), "the same tables");
    for (table, columns) in &sqlite {
        assert_eq!(columns, &postgres[table], "table {table}: the same columns, kinds and nullability");
    }
}
