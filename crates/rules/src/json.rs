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
            out.extend_from_slice(b",\"explanation\":");
            write_str(out, &explain::explain(item, self.rule_set, lang));
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
    const CHUNK: usize = 16;
    let needs_escape = |byte: u8| byte < 0x20 || byte == b'"' || byte == b'\\';
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Text between escapes is copied in one piece; whole chunks without anything to escape
    // are skipped with a test the compiler turns into vector instructions.
    let (mut clean_from, mut at) = (0, 0);
    while at < bytes.len() {
        if let Some(chunk) = bytes.get(at..at + CHUNK)
            && !chunk.iter().fold(false, |found, &byte| found | needs_escape(byte))
        {
            at += CHUNK;
            continue;
        }
        let byte = bytes[at];
        if needs_escape(byte) {
            out.extend_from_slice(&bytes[clean_from..at]);
            write_escape(out, byte);
            clean_from = at + 1;
        }
        at += 1;
    }
    out.extend_from_slice(&bytes[clean_from..]);
    out.push(b'"');
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
}
