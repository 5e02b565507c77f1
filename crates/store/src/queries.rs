//! How a query is written once for both databases.
//!
//! Each aggregate's file (accounts, employers, applications, …) holds one
//! [`store_queries!`] block: a trait whose methods are written out in full, once, with their
//! SQL. The macro turns that block into
//! - the trait itself (what callers and the generic contract tests see),
//! - its implementation for [`crate::SqliteStore`] and for [`crate::PgStore`]: the same
//!   body compiled twice, each time against that database's concrete sqlx types, so the
//!   compiler checks every bind and every row type for both,
//! - its implementation for [`crate::Store`], which calls whichever database is open.
//!
//! The SQL is the portable subset both databases accept: `$1` placeholders (SQLite takes
//! them too), `RETURNING`, `ON CONFLICT … DO UPDATE`, booleans as `TRUE`/`FALSE`. A body
//! reaches the database through `self.pool` (reads), `self.begin_write()` (a write
//! transaction; on SQLite a turn at the one writer connection, committed with the writes
//! that finish beside it: see [`crate::group_commit`]) or `self.audit_queue` (an audit entry
//! on its own, committed with the others waiting at the same moment).
//! The README's "One place per query" says why this and not a query builder.

/// Writes a store trait, its two database implementations and the [`crate::Store`]
/// dispatch from one list of methods with their bodies. Each method is
/// `async fn name(&self, arg: Type, …) -> Result<…> { … }`, with its doc comment.
macro_rules! store_queries {
    (
        $(#[$trait_meta:meta])*
        pub trait $trait:ident {
            $(
                $(#[$meta:meta])*
                async fn $name:ident(&$self_:ident $(, $arg:ident: $ty:ty)* $(,)?) -> $out:ty $body:block
            )*
        }
    ) => {
        $(#[$trait_meta])*
        pub trait $trait: Send + Sync {
            $(
                $(#[$meta])*
                fn $name(&$self_ $(, $arg: $ty)*) -> impl ::std::future::Future<Output = $out> + Send;
            )*
        }

        impl $trait for $crate::SqliteStore {
            $(async fn $name(&$self_ $(, $arg: $ty)*) -> $out $body)*
        }

        impl $trait for $crate::PgStore {
            $(async fn $name(&$self_ $(, $arg: $ty)*) -> $out $body)*
        }

        impl $trait for $crate::Store {
            $(async fn $name(&$self_ $(, $arg: $ty)*) -> $out {
                match $self_ {
                    $crate::Store::Sqlite(store) => store.$name($($arg),*).await,
                    $crate::Store::Postgres(store) => store.$name($($arg),*).await,
                }
            })*
        }
    };
}

pub(crate) use store_queries;
