//! The result documents written straight from an [`Evaluation`] as JSON: the exact bytes
//! serde_json writes for [`Evaluation::to_result`] and [`Evaluation::to_compact_result`]
//! (a property test pins that), without building either document first. Keys, ids, codes
//! and numbers are written as they are; only text (titles, explanations, citations) is
//! escaped. `jifen score --batch` writes hundreds of thousands of results a second this way.

use crate::engine::Evaluation;
use crate::explain;
use crate::item::{Interpretations, Item, ItemId};
use crate::lang::Lang;
use crate::result::Explain;
use crate::rulebook::Confidence;
use chrono::NaiveDate;
use std::sync::LazyLock;

impl<'r> Evaluation<'r> {
    /// Appends the result document in `lang` (compact with [`Explain::None`]) to `out`.
    pub fn write_json(&self, lang: Lang, detail: Explain, out: &mut Vec<u8>) {
        let rules = self.rule_set;
        // About what a result takes, so that the buffer grows once if at all.
        out.reserve(if detail == Explain::Full { 8192 } else { 2048 });
        out.extend_from_slice(b"{\"rule_set\":{\"id\":");
        write_str(out, &rules.id);
        out.extend_from_slice(b",\"title\":");
        write_str(out, rules.title.get(lang));
        out.extend_from_slice(b",\"effective_from\":");
        write_date(out, rules.effective_from);
        out.extend_from_slice(b",\"provisional\":");
        write_bool(out, rules.provisional);
        out.extend_from_slice(b"},\"as_of\":");
        write_date(out, self.as_of);
        out.extend_from_slice(b",\"standard\":");
        write_int(out, self.standard);
        out.extend_from_slice(b",\"total\":");
        write_int(out, self.total);
        out.extend_from_slice(b",\"reaches_standard\":");
        write_bool(out, self.reaches_standard);
        out.extend_from_slice(b",\"vetoed\":");
        write_bool(out, self.vetoed());
        out.extend_from_slice(b",\"veto_reasons\":");
        match detail {
            Explain::Full => write_list(out, self.vetoes.iter().map(|veto| explain::veto(veto, lang))),
            Explain::None => write_list(out, self.vetoes.iter().map(|veto| veto.code())),
        }
        out.extend_from_slice(b",\"eligible_to_apply\":");
        write_bool(out, self.eligible_to_apply());
        out.extend_from_slice(b",\"eligibility_reasons\":");
        match detail {
            Explain::Full => {
                write_list(out, self.ineligibilities.iter().map(|reason| explain::ineligibility(reason, lang)))
            }
            Explain::None => write_list(out, self.ineligibilities.iter().map(|reason| reason.code())),
        }
        out.extend_from_slice(b",\"items\":[");
        for (index, item) in self.items.iter().enumerate() {
            if index > 0 {
                out.push(b',');
            }
            self.write_item(item, lang, detail, out);
        }
        out.extend_from_slice(b"],\"warnings\":");
        match detail {
            Explain::Full => write_list(out, self.warnings.iter().map(|warning| explain::warning(warning, lang))),
            Explain::None => write_list(out, self.warnings.iter().map(|warning| warning.code())),
        }
        out.extend_from_slice(b",\"interpretations\":");
        write_interpretations(out, self.interpretations);
        out.push(b'}');
    }

    fn write_item(&self, item: &Item, lang: Lang, detail: Explain, out: &mut Vec<u8>) {
        // Written in a few pieces rather than a dozen: seventeen items a result.
        out.extend_from_slice(ITEM_HEADS[item.id as usize].as_bytes());
        write_int(out, item.points);
        out.extend_from_slice(if item.counted { b",\"counted\":true" } else { b",\"counted\":false" });
        if detail == Explain::Full {
            // The sentence is worded straight into the answer, never built as a string of its own.
            out.extend_from_slice(b",\"explanation\":");
            write_words(out, |text| explain::write_explanation(item, self.rule_set, lang, text));
            out.extend_from_slice(b",\"citation\":");
            write_str(out, item.reference.text(lang));
        }
        out.extend_from_slice(match item.reference.confidence {
            Confidence::High => b",\"confidence\":\"high\",\"interpretations\":",
            Confidence::Medium => b",\"confidence\":\"medium\",\"interpretations\":",
            Confidence::Low => b",\"confidence\":\"low\",\"interpretations\":",
        });
        write_interpretations(out, item.interpretations);
        out.push(b'}');
    }
}

/// Each item's `{"id":"…","category":"…","points":`, in [`ItemId::ALL`]'s order.
static ITEM_HEADS: LazyLock<[String; 17]> = LazyLock::new(|| {
    ItemId::ALL
        .map(|id| format!("{{\"id\":\"{}\",\"category\":\"{}\",\"points\":", id.as_str(), id.category().as_str()))
});

fn write_bool(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

fn write_int(out: &mut Vec<u8>, value: i64) {
    // Most items' points are one digit.
    if (0..10).contains(&value) {
        out.push(b'0' + value as u8);
        return;
    }
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = value.unsigned_abs();
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&digits[at..]);
}

/// `"YYYY-MM-DD"`, as `date_format` writes it.
fn write_date(out: &mut Vec<u8>, date: NaiveDate) {
    crate::calendar::with_date_text(date, |text| {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    });
}

fn write_list<T: AsRef<str>>(out: &mut Vec<u8>, texts: impl Iterator<Item = T>) {
    out.push(b'[');
    for (index, text) in texts.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_str(out, text.as_ref());
    }
    out.push(b']');
}

fn write_interpretations(out: &mut Vec<u8>, set: Interpretations) {
    if set.is_empty() {
        out.extend_from_slice(b"[]");
    } else {
        write_list(out, set.ids());
    }
}

/// A JSON string, escaped exactly as serde_json escapes it: `"` and `\`, the short escapes
/// of \b \f \n \r \t, `\u00XX` (lowercase) for other control characters; all else as is.
fn write_str(out: &mut Vec<u8>, text: &str) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    write_escaped(out, text.as_bytes());
    out.push(b'"');
}

/// A JSON string of what `words` write: appended as they come (a sentence is a few dozen
/// pieces), then looked over once and escaped in place in the rare case that it must be.
fn write_words(out: &mut Vec<u8>, words: impl FnOnce(&mut RawText) -> std::fmt::Result) {
    out.push(b'"');
    let start = out.len();
    // Cannot fail: the words' own Display impls do not, nor does appending to memory.
    words(&mut RawText(out)).unwrap_or_default();
    if needs_any_escape(&out[start..]) {
        let raw = out.split_off(start);
        write_escaped(out, &raw);
    }
    out.push(b'"');
}

/// Text appended as it is, for [`write_words`].
struct RawText<'o>(&'o mut Vec<u8>);

impl std::fmt::Write for RawText<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.0.extend_from_slice(text.as_bytes());
        Ok(())
    }
}

const CHUNK: usize = 16;

fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// Whether a chunk holds a byte to escape, in a form the compiler turns into vector
/// instructions (no early exit).
fn chunk_needs_escape(chunk: &[u8]) -> bool {
    chunk.iter().fold(false, |found, &byte| found | needs_escape(byte))
}

fn needs_any_escape(bytes: &[u8]) -> bool {
    let chunks = bytes.chunks_exact(CHUNK);
    let rest = chunks.remainder();
    chunks.into_iter().any(chunk_needs_escape) || chunk_needs_escape(rest)
}

/// `bytes` (UTF-8) with what JSON must escape escaped, without the quotes around it.
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    // Text between escapes is copied in one piece; whole chunks without anything to escape
    // are skipped at once, and only a chunk with something in it (or the last few bytes) is
    // looked at byte by byte.
    let (mut clean_from, mut at) = (0, 0);
    while at < bytes.len() {
        let end = match bytes.get(at..at + CHUNK) {
            Some(chunk) if !chunk_needs_escape(chunk) => {
                at += CHUNK;
                continue;
            }
            Some(_) => at + CHUNK,
            None => bytes.len(),
        };
        for (index, &byte) in bytes.iter().enumerate().take(end).skip(at) {
            if needs_escape(byte) {
                out.extend_from_slice(&bytes[clean_from..index]);
                write_escape(out, byte);
                clean_from = index + 1;
            }
        }
        at = end;
    }
    out.extend_from_slice(&bytes[clean_from..]);
}

fn write_escape(out: &mut Vec<u8>, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match byte {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0c => out.extend_from_slice(b"\\f"),
        _ => {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0xf)]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_numbers_and_dates_are_written_as_serde_json_writes_them() {
        let texts = ["", "plain", "引号\"与\\反斜杠", "tab\tnew\nline\r\u{8}\u{c}\u{1}\u{1f}\u{7f}", &"长".repeat(40)];
        for text in texts {
            let mut out = Vec::new();
            write_str(&mut out, text);
            assert_eq!(out, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
        for value in [0, 7, -150, 120, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            write_int(&mut out, value);
            assert_eq!(out, serde_json::to_vec(&value).unwrap());
        }
        for date in [NaiveDate::from_ymd_opt(2025, 6, 30), NaiveDate::from_ymd_opt(987, 1, 2)].into_iter().flatten() {
            let mut out = Vec::new();
            write_date(&mut out, date);
            assert_eq!(out, format!("\"{}\"", date.format("%Y-%m-%d")).into_bytes());
        }
    }

    /// A byte to escape is found wherever it sits in or around the 16-byte chunks the
    /// writers test at once, beside any other byte (a multi-byte character's, DEL, a space
    /// just above the controls), both when a text is written whole and when words are.
    #[test]
    fn every_byte_to_escape_is_found_at_every_place_in_a_chunk() {
        use std::fmt::Write;
        const LENGTH: usize = 40;
        let to_escape = (0u8..0x20).chain([b'"', b'\\']).map(char::from);
        let neighbours = ['a', ' ', '!', '#', '[', ']', '\u{7f}', '长', '“'];
        for escaped in to_escape {
            for neighbour in neighbours {
                for place in 0..LENGTH {
                    let mut text: String = std::iter::repeat_n(neighbour, place).collect();
                    text.push(escaped);
                    text.extend(std::iter::repeat_n(neighbour, LENGTH - 1 - place));
                    let expected = serde_json::to_vec(&text).unwrap();
                    let mut whole = Vec::new();
                    write_str(&mut whole, &text);
                    assert_eq!(whole, expected, "{text:?}");
                    let mut words = Vec::new();
                    write_words(&mut words, |out| out.write_str(&text));
                    assert_eq!(words, expected, "{text:?} as words");
                }
            }
        }
    }

    /// Words handed over in pieces (as `write!` does) come out as the whole text would.
    #[test]
    fn text_written_in_pieces_is_escaped_as_the_whole() {
        use std::fmt::Write;
        let (escaped, plain, points) = ("市级\\奖励", "市级奖励", 120);
        let mut out = b"[".to_vec();
        write_words(&mut out, |text| write!(text, "“{escaped}”得 {points} 分；\"{plain}\"\t"));
        out.push(b',');
        write_words(&mut out, |text| write!(text, "“{plain}”得 {points} 分"));
        out.push(b']');
        let whole = serde_json::to_vec(&["“市级\\奖励”得 120 分；\"市级奖励\"\t", "“市级奖励”得 120 分"]).unwrap();
        assert_eq!(String::from_utf8_lossy(&out), String::from_utf8_lossy(&whole));
    }
}
