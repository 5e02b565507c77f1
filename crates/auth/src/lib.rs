//! # jifen-auth — passwords and tokens
//!
//! Passwords are hashed with Argon2id at the crate's defaults (m = 19 MiB, t = 2, p = 1,
//! OWASP's minimum) into PHC strings, so costs can rise later. Session tokens are 256 random
//! bits; only their SHA-256 is stored.

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("a password needs letters and digits")]
    TooSimple,
    #[error("hashing failed: {0}")]
    Hashing(String),
}

impl PasswordError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort => "password_too_short",
            Self::TooSimple => "password_too_simple",
            Self::Hashing(_) => "internal",
        }
    }
}

/// Checks a new password against the policy.
pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    let letters = password.chars().any(char::is_alphabetic);
    let digits = password.chars().any(|c| c.is_ascii_digit());
    if !(letters && digits) {
        return Err(PasswordError::TooSimple);
    }
    Ok(())
}

/// An Argon2id PHC string for `password`. Slow by design: call it off the async workers.
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| PasswordError::Hashing(e.to_string()))
}

/// Whether `password` matches the PHC string. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// 256 random bits as 64 hex characters: session tokens and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// An initial password to hand to a new user: 12 characters from an alphabet without
/// look-alikes, always with letters and digits.
pub fn initial_password() -> String {
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let set = if i % 3 == 2 { DIGITS } else { LETTERS };
            set[*b as usize % set.len()] as char
        })
        .collect()
}

/// The SHA-256 of a token, as stored.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Compares two tokens in time independent of where they differ.
pub fn tokens_equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_only_its_password() {
        let hash = hash_password("correct horse 1").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse 1", &hash));
        assert!(!verify_password("correct horse 2", &hash));
        assert!(!verify_password("anything", "not a hash"));
        assert_ne!(hash, hash_password("correct horse 1").unwrap(), "salted");
    }

    #[test]
    fn the_policy_wants_length_letters_and_digits() {
        assert_eq!(check_policy("short1"), Err(PasswordError::TooShort));
        assert_eq!(check_policy("onlyletters"), Err(PasswordError::TooSimple));
        assert_eq!(check_policy("1234567890"), Err(PasswordError::TooSimple));
        assert!(check_policy("letters and 2 digits").is_ok());
        for _ in 0..20 {
            assert!(check_policy(&initial_password()).is_ok());
        }
    }

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert!(tokens_equal(&a, &a.clone()) && !tokens_equal(&a, &b) && !tokens_equal("a", "ab"));
    }
}
