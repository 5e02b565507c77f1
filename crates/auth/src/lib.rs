//! # jifen-auth — passwords and tokens
//!
//! Passwords people choose are hashed with Argon2id at the crate's defaults (m = 19 MiB,
//! t = 2, p = 1, OWASP's minimum) into PHC strings, so costs can rise later. Session tokens
//! are 256 random bits; only their SHA-256 is stored.
//!
//! Initial passwords are different: jifen draws them ([`initial_password`], 16 characters,
//! 92 random bits), they only allow the forced change at first sign-in, and nobody can guess
//! 92 bits, whatever the hash costs. They are kept under a fast keyed hash
//! ([`hash_one_time`]: HMAC-SHA256 with a 256-bit server key and a per-user salt), so that
//! a roster of 10 000 new people is not 10 000 Argon2 runs. [`verify`] tells which kind
//! matched; the caller accepts a one-time match only while the account must change its
//! password. A one-time check compares in constant time and then spends an Argon2
//! verification, so an answer takes as long whatever kind the account holds (its timing
//! does not tell whether someone still has their initial password).

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// The longest password accepted: room for a long passphrase, not for a megabyte.
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PasswordError {
    #[error("a password needs at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("a password needs letters and digits")]
    TooSimple,
    /// More than [`MAX_PASSWORD_CHARS`], or a control character (NUL, a line break), which
    /// no one could type again at the sign-in form.
    #[error("a password has at most {MAX_PASSWORD_CHARS} characters and no control characters")]
    Unusable,
    #[error("hashing failed: {0}")]
    Hashing(String),
}

impl PasswordError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort => "password_too_short",
            Self::TooSimple => "password_too_simple",
            Self::Unusable => "password_unusable",
            Self::Hashing(_) => "internal",
        }
    }
}

/// Checks a new password against the policy.
pub fn check_policy(password: &str) -> Result<(), PasswordError> {
    let length = password.chars().count();
    if length > MAX_PASSWORD_CHARS || password.chars().any(char::is_control) {
        return Err(PasswordError::Unusable);
    }
    if length < MIN_PASSWORD_CHARS {
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

/// The tag that starts a one-time hash (never a valid Argon2 PHC string).
const ONE_TIME_PREFIX: &str = "$jifen-onetime$v=1$";
/// The name of the server secret that keys one-time hashes (`secrets` table).
pub const ONE_TIME_KEY_SECRET: &str = "one_time_password_key";

/// The server key of one-time hashes: 256 bits, shared by every server on a database.
#[derive(Clone)]
pub struct OneTimeKey([u8; 32]);

impl std::fmt::Debug for OneTimeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimeKey(…)")
    }
}

impl OneTimeKey {
    /// A fresh random key, as stored (64 hex characters).
    pub fn generate_hex() -> String {
        random_token()
    }

    /// The key from its stored form; anything but 64 hex characters is refused.
    pub fn from_hex(text: &str) -> Result<Self, PasswordError> {
        let invalid = || PasswordError::Hashing("the one-time key is not 64 hex characters".into());
        let bytes = text.as_bytes();
        if bytes.len() != 64 {
            return Err(invalid());
        }
        let mut key = [0u8; 32];
        for (i, pair) in bytes.chunks(2).enumerate() {
            let pair = std::str::from_utf8(pair).map_err(|_| invalid())?;
            key[i] = u8::from_str_radix(pair, 16).map_err(|_| invalid())?;
        }
        Ok(Self(key))
    }

    /// The MAC of a one-time hash: the salt and the secret under this key.
    fn mac(&self, salt: &[u8], secret: &str) -> [u8; 32] {
        hmac_sha256(&self.0, &[b"jifen one-time password v1\0", salt, secret.as_bytes()])
    }
}

/// HMAC-SHA256 (RFC 2104) of the concatenated `message` under a key of at most 64 bytes.
fn hmac_sha256(key: &[u8], message: &[&[u8]]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut padded = [0u8; BLOCK];
    padded[..key.len().min(BLOCK)].copy_from_slice(&key[..key.len().min(BLOCK)]);
    let inner_pad: Vec<u8> = padded.iter().map(|b| b ^ 0x36).collect();
    let outer_pad: Vec<u8> = padded.iter().map(|b| b ^ 0x5c).collect();
    let mut inner = Sha256::new().chain_update(&inner_pad);
    for part in message {
        inner.update(part);
    }
    Sha256::new().chain_update(&outer_pad).chain_update(inner.finalize()).finalize().into()
}

/// The fast keyed hash of a one-time secret (an [`initial_password`]):
/// `$jifen-onetime$v=1$<salt>$<mac>`, a 128-bit random salt and HMAC-SHA256 under `key`,
/// in hex. Only for secrets jifen drew itself: a password a person chose gets
/// [`hash_password`].
pub fn hash_one_time(secret: &str, key: &OneTimeKey) -> String {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    format!("{ONE_TIME_PREFIX}{}${}", hex(&salt), hex(&key.mac(&salt, secret)))
}

/// Whether a stored hash is the one-time kind (it needs the [`OneTimeKey`] to check).
pub fn is_one_time(stored: &str) -> bool {
    stored.starts_with(ONE_TIME_PREFIX)
}

/// What a password matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// Nothing: wrong password, malformed hash, or a one-time hash without its key.
    No,
    /// A password the person chose (Argon2id).
    Chosen,
    /// A one-time secret: it may only be used to change the password.
    OneTime,
}

/// An Argon2id hash verified in place of a one-time hash, so that both kinds take as long.
static TIMING_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("timing 0").unwrap_or_default());

/// Checks `password` against a stored hash of either kind. Slow by design (one Argon2
/// verification whatever the kind): call it off the async workers. The one-time MAC is
/// compared in constant time.
pub fn verify(password: &str, stored: &str, key: Option<&OneTimeKey>) -> Match {
    let Some(rest) = stored.strip_prefix(ONE_TIME_PREFIX) else {
        return if verify_password(password, stored) { Match::Chosen } else { Match::No };
    };
    let matched = match (rest.split_once('$'), key) {
        (Some((salt, mac)), Some(key)) => match (unhex(salt), unhex(mac)) {
            (Some(salt), Some(mac)) => bytes_equal(&key.mac(&salt, password), &mac),
            _ => false,
        },
        _ => false,
    };
    // The same work as a chosen password's check, whatever the outcome.
    let _ = std::hint::black_box(verify_password(password, &TIMING_HASH));
    if matched { Match::OneTime } else { Match::No }
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| std::str::from_utf8(pair).ok().and_then(|pair| u8::from_str_radix(pair, 16).ok()))
        .collect()
}

/// Equality in time that depends only on the lengths.
fn bytes_equal(a: &[u8], b: &[u8]) -> bool {
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0 && a.len() == b.len()
}

/// 256 random bits as 64 hex characters: session tokens and CSRF tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex(&bytes)
}

/// The characters of check codes: upper-case letters and digits without look-alikes (no
/// 0/O, 1/I); 32 of them, so a random byte's low five bits pick one uniformly.
const CHECK_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A check code printed on an official document for its public verification: 12 characters
/// (60 random bits), so that nobody can guess or enumerate a genuine one.
pub fn check_code() -> String {
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|byte| char::from(CHECK_ALPHABET[usize::from(byte & 31)])).collect()
}

/// The characters of initial passwords: letters and digits without look-alikes (no 0/O,
/// 1/l/I, i).
const INITIAL_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// The length of an initial password.
pub const INITIAL_PASSWORD_CHARS: usize = 16;

/// An initial password to hand to a new user: 16 characters drawn uniformly from 55
/// letters and digits without look-alikes (16 × log2 55 ≈ 92.5 bits; redrawn when it lacks
/// a letter or a digit, which leaves more than 92 bits), so it may be kept under the fast
/// [`hash_one_time`].
pub fn initial_password() -> String {
    loop {
        let mut password = String::with_capacity(INITIAL_PASSWORD_CHARS);
        while password.len() < INITIAL_PASSWORD_CHARS {
            let mut byte = [0u8; 1];
            OsRng.fill_bytes(&mut byte);
            // 220 = 4 × 55: rejecting the rest keeps every character equally likely.
            if usize::from(byte[0]) < 4 * INITIAL_ALPHABET.len() {
                password.push(char::from(INITIAL_ALPHABET[usize::from(byte[0]) % INITIAL_ALPHABET.len()]));
            }
        }
        if check_policy(&password).is_ok() {
            return password;
        }
    }
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
        assert_eq!(check_policy("abc\u{0}def12345"), Err(PasswordError::Unusable));
        assert_eq!(check_policy("abc\ndef12345"), Err(PasswordError::Unusable));
        assert_eq!(check_policy(&"a1".repeat(65)), Err(PasswordError::Unusable));
        assert!(check_policy(&"a1".repeat(64)).is_ok(), "128 characters are allowed");
        assert!(check_policy("新密码😀abc12345").is_ok(), "any printable character, emoji too");
        for _ in 0..20 {
            assert!(check_policy(&initial_password()).is_ok());
        }
    }

    #[test]
    fn initial_passwords_carry_at_least_80_random_bits() {
        assert_eq!(INITIAL_ALPHABET.len(), 55);
        let mut sorted = INITIAL_ALPHABET.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 55, "no character twice");
        // All-letter draws (47 of 55 characters) are redrawn: what remains is still > 92 bits.
        let all_letters = (47f64 / 55.0).powi(16);
        let bits = 16.0 * 55f64.log2() + (1.0 - all_letters).log2();
        assert!(bits > 92.0, "{bits}");
        let drawn: Vec<String> = (0..200).map(|_| initial_password()).collect();
        for password in &drawn {
            assert_eq!(password.chars().count(), INITIAL_PASSWORD_CHARS);
            assert!(password.bytes().all(|b| INITIAL_ALPHABET.contains(&b)), "{password}");
        }
        let mut unique = drawn.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), drawn.len());
    }

    #[test]
    fn a_one_time_hash_matches_its_secret_under_its_key_only() {
        let key = OneTimeKey::from_hex(&OneTimeKey::generate_hex()).unwrap();
        let other = OneTimeKey::from_hex(&OneTimeKey::generate_hex()).unwrap();
        let secret = initial_password();
        let stored = hash_one_time(&secret, &key);
        assert!(is_one_time(&stored) && stored.len() == ONE_TIME_PREFIX.len() + 32 + 1 + 64, "{stored}");
        assert_ne!(stored, hash_one_time(&secret, &key), "salted");
        assert_eq!(verify(&secret, &stored, Some(&key)), Match::OneTime);
        assert_eq!(verify(&format!("{secret}x"), &stored, Some(&key)), Match::No);
        assert_eq!(verify(&secret, &stored, Some(&other)), Match::No, "another server key");
        assert_eq!(verify(&secret, &stored, None), Match::No, "no key");
        assert_eq!(verify(&secret, &stored[..stored.len() - 2], Some(&key)), Match::No, "cut");
        assert_eq!(verify(&secret, &format!("{stored}00"), Some(&key)), Match::No, "longer");
        assert_eq!(verify(&secret, "$jifen-onetime$v=1$zz$zz", Some(&key)), Match::No, "malformed");
        assert!(!verify_password(&secret, &stored), "never taken for an Argon2 hash");
        let chosen = hash_password("chosen pass 1").unwrap();
        assert!(!is_one_time(&chosen));
        assert_eq!(verify("chosen pass 1", &chosen, Some(&key)), Match::Chosen);
        assert_eq!(verify("chosen pass 2", &chosen, None), Match::No);
        assert!(OneTimeKey::from_hex("00").is_err() && OneTimeKey::from_hex(&"g".repeat(64)).is_err());
        assert_eq!(format!("{key:?}"), "OneTimeKey(…)", "the key never reaches a log");
    }

    #[test]
    fn the_mac_is_hmac_sha256() {
        // RFC 4231, test cases 1 and 2.
        let case_1 = hmac_sha256(&[0x0b; 20], &[b"Hi ", b"There"]);
        assert_eq!(hex(&case_1), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        let case_2 = hmac_sha256(b"Jefe", &[b"what do ya want for nothing?"]);
        assert_eq!(hex(&case_2), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
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
