//! Writes laid-out pages as a PDF: one content stream a page, and the glyphs the document
//! uses as one embedded TrueType subset of the face.
//!
//! The font is a CID-keyed font (Type 0 over a CIDFontType2, Identity-H encoding). Every
//! distinct character of the document gets its own CID, numbered from 1 in order of first
//! use, and the CIDToGIDMap sends it to its glyph in the subset. So two characters drawn by
//! one glyph (every character the face lacks is drawn as [`crate::font::MISSING_MARK`]) keep
//! their own CIDs, and the ToUnicode map gives each of them back when the text is copied.
//!
//! Written with pdf-writer and subsetter directly rather than through a drawing library, so
//! that the work a document costs is only what it needs: the face is parsed once, the font
//! box comes from the face's header instead of every glyph's outline, and the streams are
//! deflated at [`DEFLATE_LEVEL`].

use std::collections::HashMap;

use flate2::{Compress, Compression, FlushCompress, Status};
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use sha2::{Digest, Sha256};

use crate::PdfError;
use crate::font::{Face, POSTSCRIPT_NAME};
use crate::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH};

const BORDER_WIDTH: f32 = 0.6;
/// The light grey of label cells and table headers (235 of 255).
const SHADE: f32 = 235.0 / 255.0;
/// The name the pages' resources give the one font.
const FONT: Name<'static> = Name(b"F0");
/// zlib's fastest level: the font subset, which is most of a document's bytes, comes out about
/// a tenth larger than at level 6, in a fraction of the time (BENCHMARKS.md).
const DEFLATE_LEVEL: u32 = 1;

pub(crate) fn paint(pages: &[Vec<Op>], face: &Face, title: &str) -> Result<Vec<u8>, PdfError> {
    let characters = Characters::of(pages)?;
    let mut ids = Ids::default();
    let (catalog, page_tree, info) = (ids.next(), ids.next(), ids.next());
    let font = FontRefs::new(&mut ids);
    let page_ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (ids.next(), ids.next())).collect();

    let mut pdf = Pdf::new();
    let mut deflater = Deflater::new();
    // The file's identifier comes from what it holds (the font follows from the characters),
    // so the same document always gives the same bytes and two documents different ones.
    let mut digest = Sha256::new();
    digest.update(title.as_bytes());
    digest.update(characters.chars.iter().collect::<String>().as_bytes());

    let mut root = pdf.catalog(catalog);
    root.pages(page_tree).lang(TextStr("zh-CN"));
    root.viewer_preferences().display_doc_title(true);
    root.finish();
    pdf.document_info(info).title(TextStr(title)).creator(TextStr("jifen"));
    pdf.pages(page_tree).kids(page_ids.iter().map(|(page, _)| *page)).count(i32::try_from(pages.len()).unwrap_or(0));

    for (ops, (page_id, content_id)) in pages.iter().zip(&page_ids) {
        let content = deflater.deflate(&page_content(ops, &characters))?;
        digest.update(&content);
        pdf.stream(*content_id, &content).filter(Filter::FlateDecode);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT)).parent(page_tree).contents(*content_id);
        page.resources().fonts().pair(FONT, font.type0);
        page.finish();
    }

    embed_font(&mut pdf, &font, face, &characters, &mut deflater)?;
    let id = digest.finalize().get(..16).unwrap_or_default().to_vec();
    pdf.set_file_id((id.clone(), id));
    Ok(pdf.finish())
}

/// Object numbers, handed out in order.
#[derive(Default)]
struct Ids(i32);

impl Ids {
    fn next(&mut self) -> Ref {
        self.0 += 1;
        Ref::new(self.0)
    }
}

/// The objects that make up the embedded font.
struct FontRefs {
    type0: Ref,
    cid_font: Ref,
    descriptor: Ref,
    program: Ref,
    cid_to_gid: Ref,
    to_unicode: Ref,
}

impl FontRefs {
    fn new(ids: &mut Ids) -> Self {
        Self {
            type0: ids.next(),
            cid_font: ids.next(),
            descriptor: ids.next(),
            program: ids.next(),
            cid_to_gid: ids.next(),
            to_unicode: ids.next(),
        }
    }
}

/// The document's distinct characters, each with its CID (its place in `chars` plus one; CID
/// 0 is the font's .notdef).
struct Characters {
    cids: HashMap<char, u16>,
    chars: Vec<char>,
}

impl Characters {
    fn of(pages: &[Vec<Op>]) -> Result<Self, PdfError> {
        let mut characters = Self { cids: HashMap::new(), chars: Vec::new() };
        for op in pages.iter().flatten() {
            if let Op::Text { text, .. } = op {
                for c in text.chars() {
                    if !characters.cids.contains_key(&c) {
                        // A document has a few hundred distinct characters; a CID is 16 bits.
                        let cid = u16::try_from(characters.chars.len() + 1)
                            .map_err(|_| PdfError::Write("more distinct characters than a font can hold".into()))?;
                        characters.cids.insert(c, cid);
                        characters.chars.push(c);
                    }
                }
            }
        }
        Ok(characters)
    }

    /// `text` as the two-byte CIDs the content stream shows.
    fn encode(&self, text: &str) -> Vec<u8> {
        text.chars().flat_map(|c| self.cids.get(&c).copied().unwrap_or(0).to_be_bytes()).collect()
    }
}

/// One page's drawing: shaded cells, then every cell's border (so no shading covers a
/// neighbour's border), then the dark modules of codes, then the text. Layout measures from
/// the top of the page; PDF from the bottom.
fn page_content(ops: &[Op], characters: &Characters) -> Vec<u8> {
    let mut content = Content::new();
    let cells = || {
        ops.iter().filter_map(|op| match *op {
            Op::Cell { x, y, width, height, shaded } => Some((x, PAGE_HEIGHT - y - height, width, height, shaded)),
            _ => None,
        })
    };
    let mut shaded = cells().filter(|cell| cell.4).peekable();
    if shaded.peek().is_some() {
        content.set_fill_gray(SHADE);
        for (x, y, width, height, _) in shaded {
            content.rect(x, y, width, height);
        }
        content.fill_nonzero();
    }
    let mut bordered = cells().peekable();
    if bordered.peek().is_some() {
        content.set_line_width(BORDER_WIDTH);
        for (x, y, width, height, _) in bordered {
            content.rect(x, y, width, height);
        }
        content.stroke();
    }
    content.set_fill_gray(0.0);
    let mut dark = ops
        .iter()
        .filter_map(|op| match *op {
            Op::Dark { x, y, side } => Some((x, PAGE_HEIGHT - y - side, side)),
            _ => None,
        })
        .peekable();
    if dark.peek().is_some() {
        for (x, y, side) in dark {
            content.rect(x, y, side, side);
        }
        content.fill_nonzero();
    }
    content.begin_text();
    let mut font_size = None;
    for op in ops {
        if let Op::Text { x, baseline, size, text } = op {
            if font_size != Some(*size) {
                content.set_font(FONT, *size);
                font_size = Some(*size);
            }
            content.set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, PAGE_HEIGHT - baseline]);
            content.show(Str(&characters.encode(text)));
        }
    }
    content.end_text();
    content.finish().into_vec()
}

/// The font: the subset of the face's glyphs the characters need, their widths, the map from
/// CIDs to the subset's glyphs, and the map back to the characters.
fn embed_font(
    pdf: &mut Pdf,
    refs: &FontRefs,
    face: &Face,
    characters: &Characters,
    deflater: &mut Deflater,
) -> Result<(), PdfError> {
    let mut glyphs = subsetter::GlyphRemapper::new();
    let mut cid_to_gid = vec![0_u8, 0];
    for &c in &characters.chars {
        let original = u16::try_from(face.glyph_id(c)).unwrap_or(0);
        cid_to_gid.extend(glyphs.remap(original).to_be_bytes());
    }
    let subset = subsetter::subset(face.file(), 0, &glyphs).map_err(|e| PdfError::Font(e.to_string()))?;
    // A subset is named by a tag of six capitals that tells it from other subsets of the face.
    let tag: String = Sha256::digest(&cid_to_gid).iter().take(6).map(|byte| char::from(b'A' + byte % 26)).collect();
    let name = format!("{tag}+{POSTSCRIPT_NAME}");
    let system_info = SystemInfo { registry: Str(b"Adobe"), ordering: Str(b"Identity"), supplement: 0 };

    pdf.type0_font(refs.type0)
        .base_font(Name(name.as_bytes()))
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(refs.cid_font)
        .to_unicode(refs.to_unicode);

    let mut cid_font = pdf.cid_font(refs.cid_font);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(Name(name.as_bytes()))
        .system_info(system_info)
        .font_descriptor(refs.descriptor)
        .cid_to_gid_map_stream(refs.cid_to_gid);
    cid_font.widths().consecutive(1, characters.chars.iter().map(|&c| face.advance_thousandths(c)));
    cid_font.finish();

    let metrics = face.descriptor_metrics();
    let [x_min, y_min, x_max, y_max] = metrics.bounds;
    pdf.font_descriptor(refs.descriptor)
        .name(Name(name.as_bytes()))
        .flags(FontFlags::SYMBOLIC)
        .bbox(Rect::new(x_min, y_min, x_max, y_max))
        .italic_angle(0.0)
        .ascent(metrics.ascent)
        .descent(metrics.descent)
        .cap_height(metrics.cap_height)
        .stem_v(80.0)
        .font_file2(refs.program);

    pdf.stream(refs.program, &deflater.deflate(&subset)?)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), i32::try_from(subset.len()).unwrap_or(i32::MAX));
    pdf.stream(refs.cid_to_gid, &deflater.deflate(&cid_to_gid)?).filter(Filter::FlateDecode);

    let mut to_unicode = UnicodeCmap::<u16>::new(Name(b"Jifen-UTF16"), system_info);
    for (cid, &c) in (1..).zip(&characters.chars) {
        to_unicode.pair(cid, c);
    }
    pdf.stream(refs.to_unicode, &deflater.deflate(&to_unicode.finish())?).filter(Filter::FlateDecode);
    Ok(())
}

/// One zlib stream after another with one compressor: a new one is hundreds of kilobytes
/// of tables set up, more than deflating a page's content costs.
struct Deflater(Compress);

impl Deflater {
    fn new() -> Self {
        Self(Compress::new(Compression::new(DEFLATE_LEVEL), true))
    }

    fn deflate(&mut self, data: &[u8]) -> Result<Vec<u8>, PdfError> {
        self.0.reset();
        let mut out = Vec::with_capacity(data.len() / 2 + 64);
        loop {
            let read = usize::try_from(self.0.total_in()).unwrap_or(usize::MAX);
            let rest = data.get(read..).unwrap_or_default();
            let status = self
                .0
                .compress_vec(rest, &mut out, FlushCompress::Finish)
                .map_err(|e| PdfError::Write(e.to_string()))?;
            if status == Status::StreamEnd {
                return Ok(out);
            }
            out.reserve(out.capacity().max(64));
        }
    }
}
