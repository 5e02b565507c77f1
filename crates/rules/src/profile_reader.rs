//! A reader for profiles written plainly, the way programs write them: the batch and the API
//! read hundreds of thousands a second, and serde's general machinery was about half of
//! what a compact result cost.
//!
//! It reads the profile's fixed shape directly and gives up (`None`) on anything it does not
//! know for certain how serde would read: invalid UTF-8, an escape in a string, `null`,
//! a number that is not a plain unsigned integer, an unknown or repeated field, a missing
//! required field, a date or word that does not parse, anything after the closing brace.
//! The caller then parses the document with serde as before, which reads it or names what is
//! wrong. So whatever this returns, serde returns too (a property test holds both to that).

use crate::calendar::{Month, parse_date};
use crate::profile::{
    Award, AwardLevel, Crime, Education, EducationLevel, Grade, InsurancePeriod, Investment, Lingang, Profile,
    Qualification, QualificationKind, Records, Spouse, TitleLevel,
};
use chrono::NaiveDate;

/// Reads a plainly written profile, or `None` when serde must decide.
pub(crate) fn read_plain(bytes: &[u8]) -> Option<Profile> {
    // Checked once for the whole line: cheaper than once a string.
    let text = std::str::from_utf8(bytes).ok()?;
    let mut reader = Reader { text, at: 0 };
    let profile = reader.profile()?;
    reader.skip_whitespace();
    (reader.at == bytes.len()).then_some(profile)
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

/// Fields already read in one object: a repeated field is serde's error to report.
#[derive(Default)]
struct Seen(u32);

impl Seen {
    fn first(&mut self, field: u32) -> Option<()> {
        let bit = 1 << field;
        (self.0 & bit == 0).then(|| self.0 |= bit)
    }
}

/// The position of the first `"`, `\` or control character in `bytes`, looked for eight
/// bytes at a time: in each word, the lowest byte flagged by the borrow tricks below is
/// exact (a borrow only runs upwards from a byte that is itself flagged).
fn first_special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH_BITS: u64 = u64::from_le_bytes([0x80; 8]);
    let below = |word: u64, limit: u8| word.wrapping_sub(ONES * u64::from(limit)) & !word & HIGH_BITS;
    let zero = |word: u64| below(word, 1);
    let mut at = 0;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let found = zero(word ^ (ONES * u64::from(b'"'))) | zero(word ^ (ONES * u64::from(b'\\'))) | below(word, 0x20);
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let tail = bytes[at..].iter().position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)?;
    Some(at + tail)
}

impl<'a> Reader<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes().get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, consumed.
    fn next(&mut self) -> Option<u8> {
        self.skip_whitespace();
        let byte = *self.bytes().get(self.at)?;
        self.at += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.next()? == byte).then_some(())
    }

    /// A string without escapes (the text is valid UTF-8 already).
    fn string(&mut self) -> Option<&'a str> {
        self.expect(b'"')?;
        let start = self.at;
        let rest = &self.bytes()[start..];
        let length = first_special(rest)?;
        if rest[length] != b'"' {
            return None;
        }
        self.at += length + 1;
        // Both ends are ASCII quotes, so on character boundaries.
        self.text.get(start..start + length)
    }

    /// A plain unsigned integer: digits, no sign, fraction, exponent or leading zero.
    fn unsigned(&mut self) -> Option<u64> {
        self.skip_whitespace();
        let start = self.at;
        let mut value: u64 = 0;
        while let Some(&digit @ b'0'..=b'9') = self.bytes().get(self.at) {
            value = value.checked_mul(10)?.checked_add(u64::from(digit - b'0'))?;
            self.at += 1;
        }
        let digits = self.at - start;
        let leading_zero = digits > 1 && self.bytes()[start] == b'0';
        let not_plain = matches!(self.bytes().get(self.at), Some(b'.' | b'e' | b'E'));
        (digits > 0 && !leading_zero && !not_plain).then_some(value)
    }

    fn boolean(&mut self) -> Option<bool> {
        self.skip_whitespace();
        for (word, value) in [(&b"true"[..], true), (&b"false"[..], false)] {
            if self.bytes()[self.at..].starts_with(word) {
                self.at += word.len();
                return Some(value);
            }
        }
        None
    }

    fn date(&mut self) -> Option<NaiveDate> {
        parse_date(self.string()?).ok()
    }

    fn month(&mut self) -> Option<Month> {
        Month::parse(self.string()?).ok()
    }

    /// Calls `field` with each key of an object; `field` reads the value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        self.skip_whitespace();
        if self.bytes().get(self.at) == Some(&b'}') {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            field(self, key)?;
            match self.next()? {
                b',' => continue,
                b'}' => return Some(()),
                _ => return None,
            }
        }
    }

    /// The elements of an array, each read by `element`.
    fn array<T>(&mut self, mut element: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        self.expect(b'[')?;
        let mut elements = Vec::new();
        self.skip_whitespace();
        if self.bytes().get(self.at) == Some(&b']') {
            self.at += 1;
            return Some(elements);
        }
        loop {
            elements.push(element(self)?);
            match self.next()? {
                b',' => continue,
                b']' => return Some(elements),
                _ => return None,
            }
        }
    }

    fn profile(&mut self) -> Option<Profile> {
        let mut profile = Profile { holds_residence_permit: true, employer_eligible: true, ..Profile::default() };
        let mut seen = Seen::default();
        // Each arm marks its field as read (`?` gives up on a field read twice), then reads
        // the value into the profile; an unknown key gives up.
        self.object(|reader, key| {
            let p = &mut profile;
            match key {
                "as_of" => (seen.first(0)?, p.as_of = Some(reader.date()?)),
                "birth_date" => (seen.first(1)?, p.birth_date = Some(reader.date()?)),
                "id_number" => (seen.first(2)?, p.id_number = Some(reader.string()?.to_owned())),
                "education" => (seen.first(3)?, p.education = reader.array(Self::education)?),
                "qualifications" => (seen.first(4)?, p.qualifications = reader.array(Self::qualification)?),
                "social_insurance" => (seen.first(5)?, p.social_insurance = reader.array(Self::insurance)?),
                "spouse" => (seen.first(6)?, p.spouse = Some(reader.spouse()?)),
                "awards" => (seen.first(7)?, p.awards = reader.array(Self::award)?),
                "investment" => (seen.first(8)?, p.investment = Some(reader.investment()?)),
                "public_service_years" => {
                    (seen.first(9)?, p.public_service_years = u32::try_from(reader.unsigned()?).ok()?)
                }
                "remote_key_area_years" => {
                    (seen.first(10)?, p.remote_key_area_years = u32::try_from(reader.unsigned()?).ok()?)
                }
                "lingang" => (seen.first(11)?, p.lingang = Some(reader.lingang()?)),
                "startup_talent" => (seen.first(12)?, p.startup_talent = reader.boolean()?),
                "intermediary_talent" => (seen.first(13)?, p.intermediary_talent = reader.boolean()?),
                "records" => (seen.first(14)?, p.records = reader.records()?),
                "rule_set" => (seen.first(15)?, p.rule_set = Some(reader.string()?.to_owned())),
                "holds_residence_permit" => (seen.first(16)?, p.holds_residence_permit = reader.boolean()?),
                "employer_eligible" => (seen.first(17)?, p.employer_eligible = reader.boolean()?),
                _ => return None,
            };
            Some(())
        })?;
        Some(profile)
    }

    fn education(&mut self) -> Option<Education> {
        let mut level = None;
        let mut education = Education::new(EducationLevel::Associate);
        let mut seen = Seen::default();
        self.object(|reader, key| {
            let e = &mut education;
            match key {
                "level" => (seen.first(0)?, level = Some(EducationLevel::parse(reader.string()?)?)),
                "degree" => (seen.first(1)?, e.degree = reader.boolean()?),
                "full_time" => (seen.first(2)?, e.full_time = reader.boolean()?),
                "graduated_on" => (seen.first(3)?, e.graduated_on = Some(reader.date()?)),
                "recognized" => (seen.first(4)?, e.recognized = reader.boolean()?),
                "shortage_major" => (seen.first(5)?, e.shortage_major = reader.boolean()?),
                "post_match" => (seen.first(6)?, e.post_match = reader.boolean()?),
                _ => return None,
            };
            Some(())
        })?;
        education.level = level?;
        Some(education)
    }

    fn grade(&mut self) -> Option<Grade> {
        self.skip_whitespace();
        if self.bytes().get(self.at) == Some(&b'"') {
            return TitleLevel::parse(self.string()?).map(Grade::Title);
        }
        let level = self.unsigned()?;
        (1..=5).contains(&level).then_some(Grade::Skill(level as u8))
    }

    fn qualification(&mut self) -> Option<Qualification> {
        let (mut kind, mut level) = (None, None);
        let mut qualification = Qualification::new(QualificationKind::Title, Grade::Skill(1));
        let mut seen = Seen::default();
        self.object(|reader, key| {
            let q = &mut qualification;
            match key {
                "kind" => (seen.first(0)?, kind = Some(QualificationKind::parse(reader.string()?)?)),
                "level" => (seen.first(1)?, level = Some(reader.grade()?)),
                "obtained_on" => (seen.first(2)?, q.obtained_on = Some(reader.date()?)),
                "obtained_in_shanghai" => (seen.first(3)?, q.obtained_in_shanghai = reader.boolean()?),
                "post_match" => (seen.first(4)?, q.post_match = reader.boolean()?),
                "registered" => (seen.first(5)?, q.registered = reader.boolean()?),
                _ => return None,
            };
            Some(())
        })?;
        (qualification.kind, qualification.level) = (kind?, level?);
        Some(qualification)
    }

    fn insurance(&mut self) -> Option<InsurancePeriod> {
        let (mut from, mut to, mut base) = (None, None, None);
        let (mut back_paid, mut unit_matches_contract) = (false, true);
        let mut seen = Seen::default();
        self.object(|reader, key| {
            match key {
                "from" => (seen.first(0)?, from = Some(reader.month()?)),
                "to" => (seen.first(1)?, to = Some(reader.month()?)),
                "base" => (seen.first(2)?, base = Some(reader.unsigned()?)),
                "back_paid" => (seen.first(3)?, back_paid = reader.boolean()?),
                "unit_matches_contract" => (seen.first(4)?, unit_matches_contract = reader.boolean()?),
                _ => return None,
            };
            Some(())
        })?;
        let from = from?;
        Some(InsurancePeriod {
            from,
            to: to.unwrap_or(from),
            open: to.is_none(),
            base: base?,
            back_paid,
            unit_matches_contract,
        })
    }

    fn spouse(&mut self) -> Option<Spouse> {
        let (mut shanghai_hukou, mut married_on) = (None, None);
        let mut seen = Seen::default();
        self.object(|reader, key| {
            match key {
                "shanghai_hukou" => (seen.first(0)?, shanghai_hukou = Some(reader.boolean()?)),
                "married_on" => (seen.first(1)?, married_on = Some(reader.date()?)),
                _ => return None,
            };
            Some(())
        })?;
        Some(Spouse { shanghai_hukou: shanghai_hukou?, married_on: married_on? })
    }

    fn award(&mut self) -> Option<Award> {
        let mut level = None;
        let mut award = Award { level: AwardLevel::National, obtained_on: None, obtained_in_shanghai: true };
        let mut seen = Seen::default();
        self.object(|reader, key| {
            match key {
                "level" => (seen.first(0)?, level = Some(AwardLevel::parse(reader.string()?)?)),
                "obtained_on" => (seen.first(1)?, award.obtained_on = Some(reader.date()?)),
                "obtained_in_shanghai" => (seen.first(2)?, award.obtained_in_shanghai = reader.boolean()?),
                _ => return None,
            };
            Some(())
        })?;
        award.level = level?;
        Some(award)
    }

    fn investment(&mut self) -> Option<Investment> {
        let mut investment = Investment { avg_annual_tax: 0, avg_local_hires: 0, share_percent: 100 };
        let mut seen = Seen::default();
        self.object(|reader, key| {
            let i = &mut investment;
            match key {
                "avg_annual_tax" => (seen.first(0)?, i.avg_annual_tax = reader.unsigned()?),
                "avg_local_hires" => (seen.first(1)?, i.avg_local_hires = reader.unsigned()?),
                "share_percent" => (seen.first(2)?, i.share_percent = u8::try_from(reader.unsigned()?).ok()?),
                _ => return None,
            };
            Some(())
        })?;
        Some(investment)
    }

    fn lingang(&mut self) -> Option<Lingang> {
        let mut since = None;
        let mut seen = Seen::default();
        self.object(|reader, key| {
            match key {
                "since" => (seen.first(0)?, since = Some(reader.date()?)),
                _ => return None,
            };
            Some(())
        })?;
        Some(Lingang { since: since? })
    }

    fn crime(&mut self) -> Option<Crime> {
        let (mut on, mut serious) = (None, false);
        let mut seen = Seen::default();
        self.object(|reader, key| {
            match key {
                "on" => (seen.first(0)?, on = Some(reader.date()?)),
                "serious" => (seen.first(1)?, serious = reader.boolean()?),
                _ => return None,
            };
            Some(())
        })?;
        Some(Crime { on: on?, serious })
    }

    fn records(&mut self) -> Option<Records> {
        let mut records = Records::default();
        let mut seen = Seen::default();
        self.object(|reader, key| {
            let r = &mut records;
            match key {
                "false_materials" => (seen.first(0)?, r.false_materials = reader.array(Self::date)?),
                "detentions" => (seen.first(1)?, r.detentions = reader.array(Self::date)?),
                "crimes" => (seen.first(2)?, r.crimes = reader.array(Self::crime)?),
                "family_planning_violation" => (seen.first(3)?, r.family_planning_violation = reader.boolean()?),
                _ => return None,
            };
            Some(())
        })?;
        Some(records)
    }
}

#[cfg(test)]
mod tests {
    use super::read_plain;
    use crate::Profile;

    /// What programs write (serde_json, compact or pretty) is read without serde, to the same
    /// profile: the golden cases and the benchmarks' typical profile.
    #[test]
    fn profiles_written_by_programs_are_read_plainly() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
        let mut read = 0;
        let cases = std::fs::read_dir(root.join("cases")).unwrap().map(|entry| entry.unwrap().path());
        for path in cases.chain([root.join("bench/typical-profile.json")]) {
            let bytes = std::fs::read(&path).unwrap();
            let profile = Profile::from_document_slice(&bytes).unwrap();
            for text in [serde_json::to_vec(&profile).unwrap(), serde_json::to_vec_pretty(&profile).unwrap()] {
                let mut plain = read_plain(&text).unwrap_or_else(|| panic!("{} is read plainly", path.display()));
                plain.validate().unwrap();
                assert_eq!(plain, profile, "{}", path.display());
                read += 1;
            }
        }
        assert!(read >= 34, "{read}");
    }

    #[test]
    fn the_first_quote_backslash_or_control_character_is_found() {
        let cases: [(&[u8], Option<usize>); 8] = [
            (b"", None),
            (b"abc", None),
            (b"2025-06-30\",", Some(10)),
            (b"abcdefgh\\ijk\"", Some(8)),
            (b"\x1fabcdefghij\"", Some(0)),
            ("长长长\"".as_bytes(), Some(9)),
            (b"abcdefghijklmno\x7f\x80\xff \t", Some(19)),
            (b"abcdefg\x00\"", Some(7)),
        ];
        for (bytes, expected) in cases {
            assert_eq!(super::first_special(bytes), expected, "{bytes:?}");
        }
    }

    #[test]
    fn anything_unusual_is_left_to_serde() {
        let plain = r#"{"birth_date":"1990-01-15","social_insurance":[{"from":"2020-01","base":9000}]}"#;
        assert!(read_plain(plain.as_bytes()).is_some());
        for unusual in [
            r#"{"birth_date":"1990-01-15","birth_date":"1990-01-15"}"#,
            r#"{"birth_date":"1990-01-15","unknown":1}"#,
            r#"{"birth_date":"1990-01-15","id_number":null}"#,
            r#"{"birth_date":"1990-01-15","public_service_years":01}"#,
            r#"{"birth_date":"1990-01-15","public_service_years":1.0}"#,
            r#"{"birth_date":"1990-01-15","public_service_years":4294967296}"#,
            r#"{"birth_date":"1990-01-15","public_service_years":-1}"#,
            r#"{"birth_date":"1990\u002d01-15"}"#,
            "{\"birth_date\":\"1990-01-15\",\"rule_set\":\"sh-2023\t\"}",
            r#"{"birth_date":"1990-01-15","rule_set":"sh-2023\u00fc"}"#,
            r#"{"birth_date":"1990-01-15","startup_talent":truee}"#,
            r#"{"birth_date":"1990-01-15"} x"#,
            r#"{"birth_date":"1990-02-30"}"#,
            r#"{"birth_date":"1990-01-15","social_insurance":[{"base":9000}]}"#,
            r#"{"birth_date":"1990-01-15","qualifications":[{"kind":"skill","level":6}]}"#,
            r#"{"birth_date":"1990-01-15","education":[{"level":"bachelor",}]}"#,
            r#"[{"birth_date":"1990-01-15"}]"#,
        ] {
            assert!(read_plain(unusual.as_bytes()).is_none(), "{unusual}");
        }
    }
}
