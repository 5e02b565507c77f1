//! Text as it crosses the boundary: what a person may type into a field. One check for
//! every form, so that a NUL byte, a control character or a wall of text is refused with a
//! message naming the field before it reaches a database, a PDF or an SMS.

use crate::application::Problem;

/// The most any single field may hold, whatever it is (the field's own limit is usually lower).
pub const MAX_FIELD_CHARS: usize = 4_000;

/// Whether `c` may appear in typed text: no control characters (NUL included) but line
/// breaks and tabs, and no bidirectional overrides or isolates, which can make a name read
/// differently from what it is (`gpj.exe` shown as `exe.jpg`).
pub fn allowed_char(c: char) -> bool {
    if matches!(c, '\n' | '\r' | '\t') {
        return true;
    }
    !(c.is_control() || is_bidi_control(c) || c == '\u{feff}')
}

/// The bidirectional formatting characters (embeddings, overrides, isolates and marks).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

/// Checks one field's text: only characters people type, and at most `max_chars`.
pub fn check(field: &str, value: &str, max_chars: usize) -> Result<(), Problem> {
    if let Some(bad) = value.chars().find(|c| !allowed_char(*c)) {
        let code = format!("U+{:04X}", u32::from(bad));
        return Err(Problem::new(
            field,
            format!("含有不能保存的字符（{code}），请删除后重试"),
            format!("contains a character that cannot be saved ({code}); remove it and try again"),
        ));
    }
    let count = value.chars().count();
    if count > max_chars {
        return Err(Problem::new(
            field,
            format!("最多 {max_chars} 个字，现有 {count} 个"),
            format!("at most {max_chars} characters; this has {count}"),
        ));
    }
    Ok(())
}

/// A note, reason or name as it is kept: trimmed, and checked as [`check`] does.
pub fn cleaned(field: &str, value: &str, max_chars: usize) -> Result<String, Problem> {
    let value = value.trim();
    check(field, value, max_chars)?;
    Ok(value.to_string())
}

/// A file name as it may be stored and shown: control and bidirectional characters, quotes
/// and path separators removed, no leading dots, at most 100 characters; `None` when nothing
/// is left.
pub fn clean_file_name(name: &str) -> Option<String> {
    let cleaned: String = name
        .chars()
        .filter(|c| allowed_char(*c) && !matches!(c, '\n' | '\r' | '\t' | '/' | '\\' | '"'))
        .take(100)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    (!cleaned.is_empty()).then(|| cleaned.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_is_refused_for_control_characters_and_length_naming_the_field() {
        assert!(check("name", "张伟明 Zhang\n第二行\t😀", 20).is_ok(), "emoji and line breaks are text");
        let nul = check("contact_name", "a\u{0}b", 20).unwrap_err();
        assert_eq!(nul.field, "contact_name");
        assert!(nul.zh.contains("U+0000"), "{}", nul.zh);
        assert!(check("name", "abc\u{202e}gpj.exe", 20).is_err(), "bidirectional override");
        assert!(check("name", "\u{7}", 20).is_err(), "bell");
        let long = check("comment", &"字".repeat(21), 20).unwrap_err();
        assert!(long.en.contains("at most 20") && long.en.contains("21"), "{}", long.en);
        assert!(check("comment", &"字".repeat(20), 20).is_ok(), "the limit itself is allowed");
    }

    #[test]
    fn kept_text_is_trimmed_and_checked() {
        assert_eq!(cleaned("reason", "  缺件 ", 10).unwrap(), "缺件");
        assert_eq!(cleaned("reason", " a\u{0}b ", 10).unwrap_err().field, "reason");
        assert!(cleaned("reason", "  12345678901 ", 10).is_err(), "counted after trimming, still too long");
    }

    #[test]
    fn file_names_lose_what_could_mislead_or_escape() {
        assert_eq!(clean_file_name("scan\u{202e}gpj.html").as_deref(), Some("scangpj.html"));
        assert_eq!(clean_file_name("../../etc/passwd").as_deref(), Some("etcpasswd"));
        assert_eq!(clean_file_name("a\u{0}b\nc\".pdf").as_deref(), Some("abc.pdf"));
        assert_eq!(clean_file_name("\u{202e}"), None);
        assert_eq!(clean_file_name(&"长".repeat(300)).map(|n| n.chars().count()), Some(100));
        assert_eq!(clean_file_name("结婚证 扫描.jpg").as_deref(), Some("结婚证 扫描.jpg"));
    }
}
