//! # jifen-pdf — official documents as PDF
//!
//! Renders the application form (later also receipts and the points notice) as A4 PDFs with
//! Chinese text laid out properly: CJK line breaking, bordered grids and tables whose rows
//! never split across pages, seal boxes, and a page-numbered footer.
//!
//! The font (WenQuanYi Micro Hei, Apache-2.0) is compiled into the crate, so any machine
//! renders the same document; only the glyphs used are embedded, with a ToUnicode map so
//! the text can be searched and copied. Rendering is pure: no IO, no clock, and the same
//! [`Document`] always gives the same bytes.

mod font;
mod layout;
mod paint;
mod sfnt;
mod wrap;

/// A document to print, in reading order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Centred at the top of the first page in large type; also the PDF's title.
    pub title: String,
    /// Centred under the title, e.g. "申请编号 12 · 打印日期 2026-11-26".
    pub subtitle: Option<String>,
    pub blocks: Vec<Block>,
    /// Small text at the bottom of every page, beside the page number.
    pub footer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// A section heading such as "一、申请人基本信息"; kept on the page of what follows it.
    Heading(String),
    /// A bordered grid of label | value cells: two pairs a row when both values are short,
    /// otherwise the value spans the row. Values wrap; an empty value is an empty cell.
    Fields(Vec<(String, String)>),
    /// A bordered table with a header row, repeated at the top of each page it continues on.
    /// Every row must have one cell per column.
    Table { columns: Vec<Column>, rows: Vec<Vec<String>> },
    /// Body text, wrapped; '\n' starts a new line.
    Paragraph(String),
    /// Boxes about 45 mm tall side by side (three to a row at most), never split across pages.
    SealBoxes(Vec<SealBox>),
    /// A two-dimensional code (a QR code's modules, dark = `true`, row by row), about 30 mm
    /// square with its quiet zone, on the left, with a caption beside it; never split.
    Code { modules: Vec<Vec<bool>>, caption: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub title: String,
    /// Width relative to the other columns' weights.
    pub weight: u16,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealBox {
    /// At the top left, e.g. "用人单位意见（盖章）".
    pub label: String,
    /// At the bottom right, e.g. "年    月    日".
    pub note: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PdfError {
    #[error("a table needs columns whose weights add up to more than zero")]
    BadColumns,
    #[error("table row {row} has {cells} cells for {columns} columns")]
    RowLength { row: usize, cells: usize, columns: usize },
    #[error("the embedded font cannot be read: {0}")]
    Font(String),
    #[error("the PDF cannot be written: {0}")]
    Write(String),
}

/// Renders `document` as an A4 PDF.
pub fn render(document: &Document) -> Result<Vec<u8>, PdfError> {
    let face = font::Face::load()?;
    let pages = layout::layout(document, &face)?;
    paint::paint(&pages, &face, &document.title)
}
