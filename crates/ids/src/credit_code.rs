//! The 18-character unified social credit code of GB 32100-2015 (统一社会信用代码).
//!
//! Layout: registration authority (1), organisation category (1), administrative region (6
//! digits), organisation code (9), check character (1). Characters come from a 31-letter
//! alphabet without I, O, Z, S and V; the check character is computed with weights 3^i mod 31.

use std::fmt;

const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CreditCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    #[error("must be 18 characters, found {found}")]
    Length { found: usize },
    #[error(
        "character {position} ({found}) is not allowed; the code uses digits and capital letters except I, O, Z, S and V"
    )]
    Character { position: usize, found: char },
    #[error("region code {code} must be 6 digits")]
    Region { code: String },
    /// The last character does not match the others: the number is mistyped or made up.
    /// Which character would match is never said (it would invite a valid number that is
    /// someone else's).
    #[error("is not valid: its check character does not match; check it against the document for a typing mistake")]
    CheckCharacter,
}

impl CreditCodeError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "credit_code_length",
            Self::Character { .. } => "credit_code_character",
            Self::Region { .. } => "credit_code_region",
            Self::CheckCharacter => "credit_code_check_character",
        }
    }

    pub fn message_zh(&self) -> String {
        match self {
            Self::Length { found } => format!("应为 18 位，实际 {found} 位"),
            Self::Character { position, found } => {
                format!("第 {position} 位“{found}”不是允许的字符（不含 I、O、Z、S、V）")
            }
            Self::Region { code } => format!("第 3–8 位行政区划码 {code} 应为 6 位数字"),
            Self::CheckCharacter => "无效：校验码不符，请对照证件核对是否输错".to_string(),
        }
    }
}

fn value(c: char) -> Option<u32> {
    ALPHABET.iter().position(|&a| a as char == c).map(|p| p as u32)
}

/// The check character for the first 17 values.
fn check_character(values: &[u32; 17]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    ALPHABET[check as usize] as char
}

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let chars: Vec<char> = input.trim().chars().map(|c| c.to_ascii_uppercase()).collect();
        if chars.len() != 18 {
            return Err(CreditCodeError::Length { found: chars.len() });
        }
        let mut values = [0u32; 17];
        for (i, &c) in chars.iter().enumerate() {
            let v = value(c).ok_or(CreditCodeError::Character { position: i + 1, found: c })?;
            if i < 17 {
                values[i] = v;
            }
        }
        if !chars[2..8].iter().all(char::is_ascii_digit) {
            return Err(CreditCodeError::Region { code: chars[2..8].iter().collect() });
        }
        let expected = check_character(&values);
        if chars[17] != expected {
            return Err(CreditCodeError::CheckCharacter);
        }
        Ok(Self(chars.into_iter().collect()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CreditCode").field(&self.0).finish()
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_published_codes() {
        // Codes printed on public business licences.
        for code in ["91350100M000100Y43", "91110000802100433B"] {
            assert!(CreditCode::parse(code).is_ok(), "{code}: {:?}", CreditCode::parse(code));
        }
        assert_eq!(CreditCode::parse(" 91350100m000100y43 ").unwrap().as_str(), "91350100M000100Y43");
    }

    #[test]
    fn rejects_each_kind_of_error() {
        assert_eq!(CreditCode::parse("9135").unwrap_err(), CreditCodeError::Length { found: 4 });
        assert!(matches!(
            CreditCode::parse("91350100M000100I43"),
            Err(CreditCodeError::Character { position: 16, .. })
        ));
        assert!(matches!(CreditCode::parse("913501A0M000100Y43"), Err(CreditCodeError::Region { .. })));
        assert!(matches!(CreditCode::parse("91350100M000100Y44"), Err(CreditCodeError::CheckCharacter)));
    }

    proptest! {
        #[test]
        fn one_changed_character_is_caught(position in 0usize..17, shift in 1u32..31) {
            let chars: Vec<char> = "91350100M000100Y43".chars().collect();
            let mut changed = chars.clone();
            let v = value(chars[position]).unwrap();
            changed[position] = ALPHABET[((v + shift) % 31) as usize] as char;
            let text: String = changed.into_iter().collect();
            prop_assert!(CreditCode::parse(&text).is_err(), "{}", text);
        }

        #[test]
        fn never_panics(text in "\\PC{0,30}") {
            if let Ok(code) = CreditCode::parse(&text) {
                prop_assert_eq!(code.as_str().len(), 18);
            }
        }
    }
}
