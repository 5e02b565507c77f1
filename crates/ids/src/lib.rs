//! Validated identifiers: the resident ID number (GB 11643) and the unified social credit
//! code (GB 32100). Each type has a `parse` constructor that either returns a value
//! known to be well-formed or an error that says exactly what is wrong, never panics, and
//! works on characters (not bytes) so that any user input is safe to hand it.

mod credit_code;
mod resident_id;

pub use credit_code::{CreditCode, CreditCodeError};
pub use resident_id::{ResidentIdError, ResidentIdNumber, Sex};
