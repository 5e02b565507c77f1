//! The one embedded face, WenQuanYi Micro Hei: CJK from Droid Sans Fallback plus Latin from
//! Droid Sans, so a single font covers a whole form and no fallback chain is needed.
//!
//! Layout measures with the same cmap and advances that drawing uses (one glyph per
//! character, no kerning), so a line measured to fit is exactly the line drawn.

use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::{GlyphMetrics, Metrics};
use skrifa::{FontRef, MetadataProvider};

use crate::PdfError;
use crate::sfnt::face_without_glyph_names;
use std::sync::OnceLock;

/// Shipped in the crate so rendering never depends on the fonts of the machine.
pub(crate) static COLLECTION: &[u8] = include_bytes!("../fonts/wqy-microhei.ttc");
/// Face 0 of the collection is "WenQuanYi Micro Hei" (face 1 is the monospaced variant).
pub(crate) const COLLECTION_FACE: u32 = 0;
/// The face's PostScript name, which the PDF's font dictionaries carry after a subset tag.
pub(crate) const POSTSCRIPT_NAME: &str = "WenQuanYiMicroHei";

pub(crate) struct Face {
    /// The font file laid out and embedded: [`font_file`].
    file: &'static [u8],
    charmap: skrifa::charmap::Charmap<'static>,
    advances: GlyphMetrics<'static>,
    units_per_em: f32,
    ascent: f32,
    descent: f32,
    cap_height: f32,
    /// The box every glyph of the face fits in: x min, y min, x max, y max in font units.
    bounds: [f32; 4],
}

/// The face as a font file of its own without glyph names (see [`crate::sfnt`]), made once
/// a process: what layout measures with and what documents embed subsets of.
fn font_file() -> Result<&'static [u8], PdfError> {
    static FILE: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();
    match FILE.get_or_init(|| face_without_glyph_names(COLLECTION, COLLECTION_FACE)) {
        Ok(file) => Ok(file),
        Err(error) => Err(PdfError::Font(error.clone())),
    }
}

impl Face {
    pub(crate) fn load() -> Result<Self, PdfError> {
        let file = font_file()?;
        let font_ref = FontRef::new(file).map_err(|e| PdfError::Font(e.to_string()))?;
        let metrics = Metrics::new(&font_ref, Size::unscaled(), LocationRef::default());
        let bounds = metrics.bounds.ok_or_else(|| PdfError::Font("the face has no bounding box".into()))?;
        Ok(Self {
            file,
            charmap: font_ref.charmap(),
            advances: font_ref.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em: f32::from(metrics.units_per_em),
            ascent: metrics.ascent,
            descent: -metrics.descent,
            cap_height: metrics.cap_height.unwrap_or(metrics.ascent),
            bounds: [bounds.x_min, bounds.y_min, bounds.x_max, bounds.y_max],
        })
    }

    /// The font file, whose glyphs a document's subset is cut from (face 0 of it).
    pub(crate) fn file(&self) -> &'static [u8] {
        self.file
    }

    /// The glyph for `c`. A character the font lacks (an emoji, a rare character) is drawn
    /// as [`MISSING_MARK`], visibly, never dropped; the text layer still holds `c` itself.
    pub(crate) fn glyph_id(&self, c: char) -> u32 {
        self.charmap.map(c).or_else(|| self.charmap.map(MISSING_MARK)).map_or(0, |id| id.to_u32())
    }

    /// Whether the font draws `c` itself rather than [`MISSING_MARK`].
    #[cfg(test)]
    pub(crate) fn has_glyph(&self, c: char) -> bool {
        c.is_control() || self.charmap.map(c).is_some()
    }

    /// Advance of `c` as a fraction of the font size.
    fn advance_em(&self, c: char) -> f32 {
        let id = skrifa::GlyphId::new(self.glyph_id(c));
        self.advances.advance_width(id).unwrap_or(0.0) / self.units_per_em
    }

    pub(crate) fn char_width(&self, c: char, size: f32) -> f32 {
        self.advance_em(c) * size
    }

    pub(crate) fn text_width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_width(c, size)).sum()
    }

    /// Distance from the baseline up to the top of the tallest glyphs, at `size`.
    pub(crate) fn ascent(&self, size: f32) -> f32 {
        self.ascent / self.units_per_em * size
    }

    /// Distance from the baseline down to the bottom of the lowest glyphs, at `size`.
    pub(crate) fn descent(&self, size: f32) -> f32 {
        self.descent / self.units_per_em * size
    }

    /// Advance of `c` in thousandths of an em, the unit of a PDF font's widths.
    pub(crate) fn advance_thousandths(&self, c: char) -> f32 {
        self.advance_em(c) * 1000.0
    }

    /// The descriptor's metrics in thousandths of an em: ascent, descent (negative), cap height,
    /// and the box every glyph fits in.
    pub(crate) fn descriptor_metrics(&self) -> DescriptorMetrics {
        let scale = 1000.0 / self.units_per_em;
        DescriptorMetrics {
            ascent: self.ascent * scale,
            descent: -self.descent * scale,
            cap_height: self.cap_height * scale,
            bounds: self.bounds.map(|v| v * scale),
        }
    }
}

pub(crate) struct DescriptorMetrics {
    pub(crate) ascent: f32,
    pub(crate) descent: f32,
    pub(crate) cap_height: f32,
    pub(crate) bounds: [f32; 4],
}

/// What stands in for a character the font cannot draw: a white square, as printed forms
/// mark an unreadable character.
pub const MISSING_MARK: char = '□';

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn covers_common_names_and_ascii() {
        let face = Face::load().unwrap();
        let names = "张伟明王芳李娜刘洋陈静杨磊赵丽黄勇周敏吴昊徐婷孙浩马超朱琳胡斌郭鑫何欣林涛罗丹高翔\
                     郑爽梁晨谢宇宋佳唐瑶许诺韩雪冯凯邓超曹颖彭飞曾莉萧鹏田甜董雯袁媛潘越蒋欢蔡依欧阳司马诸葛";
        let ascii = ('0'..='9').chain('a'..='z').chain('A'..='Z');
        let punctuation = "，。、；：？！（）「」《》“”…·-/";
        for c in names.chars().chain(ascii).chain(punctuation.chars()) {
            assert_ne!(face.glyph_id(c), 0, "no glyph for {c:?}");
        }
    }

    #[test]
    fn advances_come_from_the_font() {
        let face = Face::load().unwrap();
        // Han characters are a full em; Droid Sans digits and letters are proportional.
        assert_eq!(face.char_width('积', 10.0), 10.0);
        let digit = face.char_width('1', 10.0);
        assert!(digit > 3.0 && digit < 7.0, "digit advance {digit}");
        assert!(face.char_width('i', 10.0) < face.char_width('W', 10.0));
        assert_eq!(face.text_width("积分12", 10.0), 20.0 + 2.0 * digit);
    }

    #[test]
    fn descriptor_metrics_are_in_thousandths_of_an_em() {
        let face = Face::load().unwrap();
        assert_eq!(face.advance_thousandths('积'), 1000.0);
        let metrics = face.descriptor_metrics();
        assert!(metrics.ascent > 700.0 && metrics.ascent < 1200.0, "ascent {}", metrics.ascent);
        assert!(metrics.descent < 0.0 && metrics.descent > -400.0, "descent {}", metrics.descent);
        let [x_min, y_min, x_max, y_max] = metrics.bounds;
        assert!(x_min < x_max && y_min < 0.0 && y_max > metrics.cap_height, "{:?}", metrics.bounds);
    }

    #[test]
    fn characters_the_font_lacks_are_drawn_as_a_visible_mark() {
        let face = Face::load().unwrap();
        assert!(face.has_glyph(MISSING_MARK), "the mark itself must be in the font");
        assert!(!face.has_glyph('😀'));
        let mark = face.glyph_id(MISSING_MARK);
        assert_ne!(mark, 0);
        assert_eq!(face.glyph_id('😀'), mark, "an emoji is drawn as the mark, not as nothing");
        assert!(face.char_width('😀', 10.0) > 0.0, "and takes room on the line");
    }
}
