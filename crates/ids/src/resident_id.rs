//! The 18-character resident identity number of GB 11643-1999 (公民身份号码).
//!
//! Layout: 6-digit address code, 8-digit birth date (YYYYMMDD), 3-digit sequence code whose
//! last digit is odd for men and even for women, and a check character computed with
//! ISO 7064 MOD 11-2 over the first 17 digits.

use chrono::NaiveDate;
use std::fmt;

/// Weights of the first 17 digits in the MOD 11-2 check (GB 11643-1999 §7.2).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each value of the weighted sum modulo 11.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
/// First two digits of the address code: provinces, plus 81/82/83 used by residence
/// permits of Hong Kong, Macao and Taiwan residents.
const PROVINCE_CODES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82, 83,
];

/// A resident ID number whose length, characters, region, birth date and check character
/// have been verified. Stored in canonical form (ASCII digits, upper-case `X`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ResidentIdNumber {
    canonical: String,
    birth_date: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    Male,
    Female,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResidentIdError {
    #[error("must be 18 characters, found {found}")]
    Length { found: usize },
    #[error("character {position} must be a digit{}", if *position == 18 { " or X" } else { "" })]
    Character { position: usize },
    #[error("unknown region code {code}")]
    Region { code: String },
    #[error("birth date {digits} is not a valid date")]
    BirthDate { digits: String },
    /// The last character does not match the others: the number is mistyped or made up.
    /// Which character would match is never said (it would invite a valid number that is
    /// someone else's).
    #[error("is not valid: its check character does not match; check it against the document for a typing mistake")]
    CheckCharacter,
}

impl ResidentIdError {
    /// Stable machine code, for APIs and translations.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "id_number_length",
            Self::Character { .. } => "id_number_character",
            Self::Region { .. } => "id_number_region",
            Self::BirthDate { .. } => "id_number_birth_date",
            Self::CheckCharacter => "id_number_check_character",
        }
    }

    /// The same message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            Self::Length { found } => format!("应为 18 位，实际 {found} 位"),
            Self::Character { position: 18 } => "第 18 位应为数字或 X".to_string(),
            Self::Character { position } => format!("第 {position} 位应为数字"),
            Self::Region { code } => format!("地址码 {code} 不存在"),
            Self::BirthDate { digits } => format!("出生日期 {digits} 不是有效日期"),
            Self::CheckCharacter => "无效：校验码不符，请对照证件核对是否输错".to_string(),
        }
    }
}

/// Folds full-width digits and `Ｘ`/`x` into ASCII, as people type them on phones.
fn normalize(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        'x' | 'Ｘ' | 'ｘ' => 'X',
        _ => c,
    }
}

/// The check character for 17 leading digits.
pub(crate) fn check_character(digits: &[u32; 17]) -> char {
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

impl ResidentIdNumber {
    /// The ID number whose first 17 digits are `first_17`, completed with its check
    /// character (generated data: benchmarks, fixtures); `None` if those are not 17 digits of
    /// a valid number (region, date of birth).
    pub fn completing(first_17: &str) -> Option<Self> {
        let digits: Vec<u32> = first_17.chars().map(|c| c.to_digit(10)).collect::<Option<_>>()?;
        let digits: [u32; 17] = digits.try_into().ok()?;
        Self::parse(&format!("{first_17}{}", check_character(&digits))).ok()
    }

    pub fn parse(input: &str) -> Result<Self, ResidentIdError> {
        let chars: Vec<char> = input.trim().chars().map(normalize).collect();
        if chars.len() != 18 {
            return Err(ResidentIdError::Length { found: chars.len() });
        }
        let mut digits = [0u32; 17];
        for (i, c) in chars.iter().take(17).enumerate() {
            digits[i] = c.to_digit(10).ok_or(ResidentIdError::Character { position: i + 1 })?;
        }
        let last = chars[17];
        if !(last.is_ascii_digit() || last == 'X') {
            return Err(ResidentIdError::Character { position: 18 });
        }
        let province = (digits[0] * 10 + digits[1]) as u8;
        if !PROVINCE_CODES.contains(&province) {
            return Err(ResidentIdError::Region { code: chars[..6].iter().collect() });
        }
        let number = |range: std::ops::Range<usize>| digits[range].iter().fold(0u32, |acc, d| acc * 10 + d);
        let birth_date = NaiveDate::from_ymd_opt(number(6..10) as i32, number(10..12), number(12..14))
            .ok_or_else(|| ResidentIdError::BirthDate { digits: chars[6..14].iter().collect() })?;
        let expected = check_character(&digits);
        if last != expected {
            return Err(ResidentIdError::CheckCharacter);
        }
        Ok(Self { canonical: chars.into_iter().collect(), birth_date })
    }

    pub fn as_str(&self) -> &str {
        &self.canonical
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// From the parity of the 17th digit: odd for men, even for women.
    pub fn sex(&self) -> Sex {
        let digit = self.canonical.as_bytes()[16] - b'0';
        if digit % 2 == 1 { Sex::Male } else { Sex::Female }
    }

    /// The form shown in lists and logs: the first 3 and last 4 characters, the rest masked
    /// (`310***********0016`).
    pub fn masked(&self) -> String {
        let head = &self.canonical[..3];
        let tail = &self.canonical[14..];
        format!("{head}{}{tail}", "*".repeat(11))
    }
}

/// Debug never prints the whole number: it is personal data.
impl fmt::Debug for ResidentIdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ResidentIdNumber").field(&self.masked()).finish()
    }
}

impl serde::Serialize for ResidentIdNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.canonical)
    }
}

impl<'de> serde::Deserialize<'de> for ResidentIdNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds a valid number from a body of 17 digits.
    fn with_check(body: &str) -> String {
        let mut digits = [0u32; 17];
        for (i, c) in body.chars().enumerate() {
            digits[i] = c.to_digit(10).unwrap();
        }
        format!("{body}{}", check_character(&digits))
    }

    #[test]
    fn accepts_the_contract_example() {
        let id = ResidentIdNumber::parse("310101199005120016").unwrap();
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1990, 5, 12).unwrap());
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(id.masked(), "310***********0016");
    }

    #[test]
    fn computes_the_x_check_character() {
        // A body whose weighted sum is 2 mod 11 has check character X.
        let body = "11010519491231002";
        let full = with_check(body);
        assert!(full.ends_with('X'), "{full}");
        assert!(ResidentIdNumber::parse(&full.to_lowercase()).is_ok());
    }

    #[test]
    fn normalizes_full_width_digits() {
        let id = ResidentIdNumber::parse("３１０１０１１９９００５１２００１６").unwrap();
        assert_eq!(id.as_str(), "310101199005120016");
    }

    #[test]
    fn rejects_each_kind_of_error() {
        assert_eq!(ResidentIdNumber::parse("3101").unwrap_err(), ResidentIdError::Length { found: 4 });
        assert_eq!(
            ResidentIdNumber::parse("31010119900512001A").unwrap_err(),
            ResidentIdError::Character { position: 18 }
        );
        assert_eq!(
            ResidentIdNumber::parse("3101011990051200a6").unwrap_err(),
            ResidentIdError::Character { position: 17 }
        );
        assert!(matches!(
            ResidentIdNumber::parse(&with_check("99010119900512001")),
            Err(ResidentIdError::Region { .. })
        ));
        assert!(matches!(
            ResidentIdNumber::parse(&with_check("31010119900230001")),
            Err(ResidentIdError::BirthDate { .. })
        ));
        assert_eq!(ResidentIdNumber::parse("310101199005120017").unwrap_err(), ResidentIdError::CheckCharacter);
        // The message suggests no character that would make it valid.
        let error = ResidentIdNumber::parse("310101199005120017").unwrap_err();
        assert!(!error.to_string().contains('6') && !error.message_zh().contains('6'), "{error}");
    }

    #[test]
    fn multibyte_input_of_eighteen_bytes_does_not_panic() {
        // Six 3-byte characters are 18 bytes but 6 characters.
        assert_eq!(ResidentIdNumber::parse("身份证号码啊").unwrap_err(), ResidentIdError::Length { found: 6 });
    }

    #[test]
    fn debug_masks_the_number() {
        let id = ResidentIdNumber::parse("310101199005120016").unwrap();
        assert!(!format!("{id:?}").contains("310101199005120016"));
    }

    proptest! {
        #[test]
        fn valid_bodies_round_trip(
            province in prop::sample::select(PROVINCE_CODES.to_vec()),
            rest in "[0-9]{4}",
            date in (1900i32..2020, 1u32..=12, 1u32..=28),
            seq in "[0-9]{3}",
        ) {
            let body = format!("{province}{rest}{:04}{:02}{:02}{seq}", date.0, date.1, date.2);
            let full = with_check(&body);
            let id = ResidentIdNumber::parse(&full).unwrap();
            prop_assert_eq!(id.as_str(), full.as_str());
            prop_assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap());
        }

        #[test]
        fn one_changed_digit_is_always_caught(body in "3[1-2][0-9]{4}19[0-9]{2}0[1-9]1[0-9][0-9]{3}", pos in 0usize..17, delta in 1u32..10) {
            let full = with_check(&body);
            let mut chars: Vec<char> = full.chars().collect();
            let d = chars[pos].to_digit(10).unwrap();
            chars[pos] = char::from_digit((d + delta) % 10, 10).unwrap();
            let changed: String = chars.into_iter().collect();
            prop_assert!(ResidentIdNumber::parse(&changed).is_err());
        }

        #[test]
        fn never_panics_on_any_text(text in "\\PC{0,40}") {
            if let Ok(id) = ResidentIdNumber::parse(&text) {
                prop_assert_eq!(id.as_str().len(), 18);
            }
        }
    }

    #[test]
    fn seventeen_digits_are_completed_with_their_check_character() {
        assert_eq!(ResidentIdNumber::completing("11010519491231002").unwrap().as_str(), "11010519491231002X");
        assert_eq!(ResidentIdNumber::completing("31010119900512001").unwrap().as_str(), "310101199005120016");
        assert!(ResidentIdNumber::completing("3101011990051200").is_none(), "16 digits");
        assert!(ResidentIdNumber::completing("3101011990133100A").is_none(), "not digits");
        assert!(ResidentIdNumber::completing("31010119901331001").is_none(), "no 31st of the 13th month");
    }
}
