//! Line breaking for mixed Chinese and Latin text.
//!
//! A simplified form of the Chinese line-breaking rules (禁则): a break may fall between any
//! two CJK characters, never before closing punctuation and never after opening punctuation.
//! Latin text breaks only at spaces; a word longer than the line is cut where it overflows.
//! When the punctuation after a full line will not fit, the last character moves down with
//! it (推出), rather than squeezing the punctuation into the margin.

/// Splits `text` into lines no wider than `max_width`, as measured by `width_of`.
/// Each '\n' starts a new line; an empty line stays as an empty string. Trailing spaces
/// are dropped from each line, and a text that is empty gives one empty line.
pub(crate) fn wrap(text: &str, max_width: f32, width_of: impl Fn(char) -> f32) -> Vec<String> {
    let text: String = text
        .chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            '\n' => Some('\n'),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = Line { text: String::new(), width: 0.0, max_width };
        for segment in segments(paragraph) {
            line.place(segment, &width_of, &mut lines);
        }
        lines.push(line.text.trim_end().to_owned());
    }
    lines
}

/// The line being filled: its text so far, and that text's width including trailing spaces.
struct Line {
    text: String,
    width: f32,
    max_width: f32,
}

impl Line {
    /// Rounding in the width sums must not push out a segment that fits exactly.
    const SLACK: f32 = 1e-3;

    fn fits(&self, extra: f32) -> bool {
        self.width + extra <= self.max_width + Self::SLACK
    }

    fn push(&mut self, piece: &str, width_of: &impl Fn(char) -> f32) {
        self.text.push_str(piece);
        self.width += width(piece, width_of);
    }

    fn break_into(&mut self, lines: &mut Vec<String>) {
        lines.push(self.text.trim_end().to_owned());
        self.text.clear();
        self.width = 0.0;
    }

    /// Places `piece` on this line, or on a fresh one if it does not fit here. Returns false,
    /// placing nothing, when it is wider than even an empty line.
    fn try_place(&mut self, piece: &str, width_of: &impl Fn(char) -> f32, lines: &mut Vec<String>) -> bool {
        // Trailing spaces may hang past the edge: they are dropped at a line end.
        let visible = width(piece.trim_end(), width_of);
        if !self.fits(visible) {
            if self.text.is_empty() {
                return false;
            }
            self.break_into(lines);
            if !self.fits(visible) {
                return false;
            }
        }
        self.push(piece, width_of);
        true
    }

    /// Places one unbreakable segment. One wider than a whole line is cut: between
    /// characters where the punctuation rules allow, and anywhere if that is not enough.
    fn place(&mut self, segment: &str, width_of: &impl Fn(char) -> f32, lines: &mut Vec<String>) {
        if self.try_place(segment, width_of, lines) {
            return;
        }
        let keeps_punctuation = |before: char, after: char| !(after == ' ' || is_closing(after) || is_opening(before));
        for piece in split_where(segment, keeps_punctuation) {
            if self.try_place(piece, width_of, lines) {
                continue;
            }
            for character in split_where(piece, |_, after| after != ' ') {
                if !self.try_place(character, width_of, lines) {
                    // Narrower than one character: nothing fits, so let it overflow.
                    self.push(character, width_of);
                }
            }
        }
    }
}

fn width(text: &str, width_of: &impl Fn(char) -> f32) -> f32 {
    text.chars().map(width_of).sum()
}

/// Splits a paragraph at its break opportunities. Spaces stay at the end of the segment
/// before them, so a new line never starts with a space.
fn segments(paragraph: &str) -> Vec<&str> {
    split_where(paragraph, |before, after| {
        if after == ' ' {
            return false;
        }
        if before == ' ' {
            return true;
        }
        if is_closing(after) || is_opening(before) {
            return false;
        }
        is_cjk(before) || is_cjk(after)
    })
}

/// Splits `text` before each character `after` where `breaks(before, after)` holds.
fn split_where(text: &str, breaks: impl Fn(char, char) -> bool) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut previous: Option<char> = None;
    for (index, c) in text.char_indices() {
        if let Some(before) = previous
            && breaks(before, c)
        {
            parts.push(&text[start..index]);
            start = index;
        }
        previous = Some(c);
    }
    if start < text.len() {
        parts.push(&text[start..]);
    }
    parts
}

/// Characters that may not start a line.
fn is_closing(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '〉'
            | '》'
            | '〗'
            | '’'
            | '”'
            | '…'
            | '．'
            | '］'
            | '｝'
            | '％'
            | ','
            | '.'
            | ';'
            | ':'
            | '?'
            | '!'
            | ')'
            | ']'
            | '}'
            | '%'
    )
}

/// Characters that may not end a line.
fn is_opening(c: char) -> bool {
    matches!(c, '（' | '「' | '『' | '【' | '〔' | '〈' | '《' | '〖' | '‘' | '“' | '［' | '｛' | '(' | '[' | '{')
}

/// Characters between which a line may break without a space: Han, kana, Hangul, CJK
/// punctuation and full-width forms.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FFF}'
        | '\u{3000}'..='\u{33FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FFEF}'
        | '\u{20000}'..='\u{3FFFF}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Full-width characters are 1 wide and everything else ½, like a typical CJK font.
    fn unit_width(c: char) -> f32 {
        if is_cjk(c) { 1.0 } else { 0.5 }
    }

    fn wrap_units(text: &str, max_width: f32) -> Vec<String> {
        wrap(text, max_width, unit_width)
    }

    #[test]
    fn chinese_breaks_between_any_two_characters() {
        assert_eq!(wrap_units("上海市居住证积分", 3.0), ["上海市", "居住证", "积分"]);
    }

    #[test]
    fn every_line_fits_the_width() {
        let text = "申请人应当如实填写本表，并对所填内容的真实性负责。Applicant must sign here (本人签名).";
        for max_width in [2.0, 3.5, 5.0, 7.0, 11.0] {
            for line in wrap_units(text, max_width) {
                assert!(width(&line, &unit_width) <= max_width, "{line:?} is wider than {max_width}");
            }
        }
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        // Without the rule the comma would open line 2; instead "明" moves down with it.
        assert_eq!(wrap_units("张伟明，男", 3.0), ["张伟", "明，男"]);
        for max_width in (4..12u8).map(f32::from) {
            for line in wrap_units("（单位：元）合计：一、二、三。完“毕”。", max_width) {
                let first = line.chars().next();
                assert!(!first.is_some_and(is_closing), "{line:?} starts with closing punctuation at {max_width}");
            }
        }
    }

    #[test]
    fn opening_punctuation_never_ends_a_line() {
        assert_eq!(wrap_units("申请人（盖章）", 3.0), ["申请人", "（盖", "章）"]);
        for max_width in (3..12u8).map(f32::from) {
            for line in wrap_units("甲（乙）丙「丁」戊《己》庚", max_width) {
                let last = line.chars().last();
                assert!(!last.is_some_and(is_opening), "{line:?} ends with opening punctuation at {max_width}");
            }
        }
    }

    #[test]
    fn latin_breaks_at_spaces_and_drops_them() {
        assert_eq!(wrap_units("pay the fee now", 4.0), ["pay the", "fee now"]);
    }

    #[test]
    fn long_latin_word_is_cut_where_it_overflows() {
        assert_eq!(wrap_units("id abcdefghij", 2.0), ["id", "abcd", "efgh", "ij"]);
    }

    #[test]
    fn latin_and_chinese_break_at_their_boundary() {
        assert_eq!(wrap_units("Shanghai上海", 4.5), ["Shanghai", "上海"]);
    }

    #[test]
    fn newline_starts_a_new_line_and_blank_lines_stay() {
        assert_eq!(wrap_units("第一行\n\n第二行", 10.0), ["第一行", "", "第二行"]);
        assert_eq!(wrap_units("a\r\nb", 10.0), ["a", "b"]);
    }

    #[test]
    fn empty_text_is_one_empty_line() {
        assert_eq!(wrap_units("", 10.0), [""]);
    }
}
