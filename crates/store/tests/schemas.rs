//! The two migration trees (crates/store/migrations/{sqlite,postgres}) must build the same
//! schema: the same tables, each with the same columns, of matching types and nullability,
//! and the same named indexes on the same columns.
//! A migration added to one tree only, or a column spelt differently, fails here. Needs
//! PostgreSQL, so it runs with `--ignored` (as `.ci/run` does).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

/// A column as both databases can describe it: its kind and whether it may be NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Text,
    Bytes,
}

type Schema = BTreeMap<String, BTreeMap<String, (Kind, bool)>>;

/// Each index made by `CREATE INDEX`: its table and the columns it covers (sorted; an
/// expression counts as no column).
type Indexes = BTreeMap<String, (String, BTreeSet<String>)>;

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

async fn sqlite_schema() -> (Schema, Indexes) {
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
    let named: Vec<(String, String)> =
        sqlx::query_as("SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
            .fetch_all(&pool)
            .await
            .unwrap();
    let mut indexes = Indexes::new();
    for (name, table) in named {
        let columns: Vec<Option<String>> =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT name FROM pragma_index_info('{name}')")))
                .fetch_all(&pool)
                .await
                .unwrap();
        indexes.insert(name, (table, columns.into_iter().flatten().collect()));
    }
    pool.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
    (schema, indexes)
}

async fn postgres_schema(url: &str) -> (Schema, Indexes) {
    jifen_store::PgStore::connect(url).await.unwrap().close().await;
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    let columns: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name::TEXT, column_name::TEXT, data_type::TEXT, is_nullable::TEXT FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    // Indexes that no constraint made (a primary key or UNIQUE column is in the columns'
    // description already, and SQLite names those itself), with the columns they cover.
    let covered: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT i.relname::TEXT, t.relname::TEXT, a.attname::TEXT FROM pg_index x \
         JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY(x.indkey) AND a.attnum > 0 \
         WHERE n.nspname = 'public' AND t.relname NOT LIKE '_sqlx%' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    let mut schema = Schema::new();
    for (table, column, data_type, nullable) in columns {
        schema.entry(table).or_default().insert(column, (postgres_kind(&data_type), nullable == "YES"));
    }
    let mut indexes = Indexes::new();
    for (name, table, column) in covered {
        let entry = indexes.entry(name).or_insert_with(|| (table, BTreeSet::new()));
        entry.1.extend(column);
    }
    (schema, indexes)
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set JIFEN_TEST_POSTGRES_URL and run with --ignored (.ci/run does)"]
async fn both_migration_trees_build_the_same_schema() {
    let database = jifen_store::testing::TestDatabase::create("schemas").await.expect("PostgreSQL must be reachable");
    let ((sqlite, sqlite_indexes), (postgres, postgres_indexes)) =
        (sqlite_schema().await, postgres_schema(&database.url).await);
    database.drop_database().await.unwrap();
    assert!(sqlite.len() >= 10, "the schema has its tables: {:?}", sqlite.keys());
    let tables = |schema: &Schema| schema.keys().cloned().collect::<Vec<_>>();
    assert_eq!(tables(&sqlite), tables(&postgres), "the same tables");
    for (table, columns) in &sqlite {
        assert_eq!(columns, &postgres[table], "table {table}: the same columns, kinds and nullability");
    }
    assert!(sqlite_indexes.len() >= 5, "the schema has its indexes: {sqlite_indexes:?}");
    assert_eq!(sqlite_indexes, postgres_indexes, "the same named indexes on the same columns");
}
