//! `sqlx::migrate!` embeds the files under `migrations/` when this crate compiles, but cargo
//! does not know it reads them: without this, a new migration is left out of an incremental
//! build until something else in the crate changes.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
