//! Draws laid-out pages with krilla.

use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;

use crate::PdfError;
use crate::font::Face;
use crate::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH};

const BORDER_WIDTH: f32 = 0.6;
const SHADE: u8 = 235;

pub(crate) fn paint(pages: &[Vec<Op>], face: &Face, title: &str) -> Result<Vec<u8>, PdfError> {
    let page_settings =
        PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| PdfError::Write("bad page size".into()))?;
    let mut document = krilla::Document::new();
    // No creation date: the output depends on the document alone, so the same form prints
    // to the same bytes. krilla derives the file ID from the content.
    document
        .set_metadata(Metadata::new().title(title.to_owned()).language("zh-CN".to_owned()).creator("jifen".to_owned()));
    for ops in pages {
        let mut page = document.start_page_with(page_settings.clone());
        let mut surface = page.surface();
        // In passes, so a shaded cell never paints over the shared border of its neighbour.
        surface.set_stroke(None);
        surface.set_fill(Some(Fill { paint: luma::Color::new(SHADE).into(), ..Fill::default() }));
        draw_cells(&mut surface, ops, |shaded| shaded);
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke { width: BORDER_WIDTH, ..Stroke::default() }));
        draw_cells(&mut surface, ops, |_| true);
        surface.set_stroke(None);
        surface.set_fill(Some(Fill::default()));
        draw_dark(&mut surface, ops);
        for op in ops {
            if let Op::Text { x, baseline, size, text } = op {
                let glyphs = face.glyphs(text);
                surface.draw_glyphs(Point::from_xy(*x, *baseline), &glyphs, face.krilla_font(), text, *size, false);
            }
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

fn draw_cells(surface: &mut Surface, ops: &[Op], wanted: impl Fn(bool) -> bool) {
    for op in ops {
        if let Op::Cell { x, y, width, height, shaded } = *op
            && wanted(shaded)
            && let Some(rect) = Rect::from_xywh(x, y, width, height)
        {
            let mut builder = PathBuilder::new();
            builder.push_rect(rect);
            if let Some(path) = builder.finish() {
                surface.draw_path(&path);
            }
        }
    }
}

/// The dark modules of two-dimensional codes, filled with the current (black) fill.
fn draw_dark(surface: &mut Surface, ops: &[Op]) {
    let mut builder = PathBuilder::new();
    for op in ops {
        if let Op::Dark { x, y, side } = *op
            && let Some(rect) = Rect::from_xywh(x, y, side, side)
        {
            builder.push_rect(rect);
        }
    }
    if let Some(path) = builder.finish() {
        surface.draw_path(&path);
    }
}
