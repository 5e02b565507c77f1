//! Validated identifiers. Each type has a `parse` constructor that either returns a value
//! known to be well-formed or an error that says exactly what is wrong, never panics, and
//! works on characters (not bytes) so that any user input is safe to hand it.

mod resident_id;

pub use resident_id::{ResidentIdError, ResidentIdNumber, Sex};
