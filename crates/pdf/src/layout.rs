//! Pagination. Each block becomes a list of units that are never split: a line of a
//! paragraph, a row of a grid or table, a row of seal boxes. Units are stacked down A4
//! pages; the footers are added last, once the page count is known.

use std::rc::Rc;

use crate::font::Face;
use crate::wrap::wrap;
use crate::{Block, Column, Document, PdfError, SealBox};

const MM: f32 = 72.0 / 25.4;
pub(crate) const PAGE_WIDTH: f32 = 210.0 * MM;
pub(crate) const PAGE_HEIGHT: f32 = 297.0 * MM;
const MARGIN: f32 = 18.0 * MM;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;

const TITLE_SIZE: f32 = 18.0;
const SUBTITLE_SIZE: f32 = 10.0;
const HEADING_SIZE: f32 = 12.0;
const BODY_SIZE: f32 = 10.5;
const FOOTER_SIZE: f32 = 8.0;
/// Line height as a multiple of the font size: Han characters fill the em box, so they need
/// more room between lines than Latin text.
const LEADING: f32 = 1.5;

const CELL_PADDING_X: f32 = 4.0;
const CELL_PADDING_Y: f32 = 3.0;
const BLOCK_GAP: f32 = 8.0;
const HEADING_GAP: f32 = 12.0;
const SUBTITLE_GAP: f32 = 2.0;
/// Between the last body unit and the footer.
const FOOTER_GAP: f32 = 8.0;
/// Between the footer text and the page number.
const PAGE_NUMBER_GAP: f32 = 16.0;
/// Room for a signature and a round seal (about 40 mm across).
const SEAL_BOX_HEIGHT: f32 = 45.0 * MM;
/// More boxes than this per row would be too narrow for a seal.
const SEAL_BOXES_PER_ROW: usize = 3;
/// Share of the width given to each label cell of a fields grid: seven characters.
const LABEL_SHARE: f32 = 0.17;
/// The side of a two-dimensional code with its quiet zone: 30 mm.
const CODE_SIDE: f32 = 85.0;
/// The widest page number the footer reserves room for.
const WIDEST_PAGE_NUMBER: &str = "第 999 页 / 共 999 页";

/// One drawing operation, in points from the top-left corner of the page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    /// A single line of text starting at `x` on `baseline`.
    Text { x: f32, baseline: f32, size: f32, text: String },
    /// A bordered rectangle, filled light grey when `shaded` (labels and table headers).
    Cell { x: f32, y: f32, width: f32, height: f32, shaded: bool },
    /// A filled black square (a module of a two-dimensional code).
    Dark { x: f32, y: f32, side: f32 },
}

impl Op {
    fn moved_down(&self, dy: f32) -> Self {
        match self {
            Self::Text { x, baseline, size, text } => {
                Self::Text { x: *x, baseline: baseline + dy, size: *size, text: text.clone() }
            }
            Self::Cell { x, y, width, height, shaded } => {
                Self::Cell { x: *x, y: y + dy, width: *width, height: *height, shaded: *shaded }
            }
            Self::Dark { x, y, side } => Self::Dark { x: *x, y: y + dy, side: *side },
        }
    }
}

/// Something placed whole on one page. Its ops are relative to its own top edge.
#[derive(Clone)]
struct Unit {
    height: f32,
    /// Space above the unit, dropped at the top of a page.
    gap_before: f32,
    ops: Vec<Op>,
    /// Moves to the next page together with the unit after it (headings, table headers).
    keep_with_next: bool,
    /// Drawn first when this unit has to open a new page: the table's header row.
    header: Option<Rc<Unit>>,
}

impl Unit {
    fn new(height: f32, gap_before: f32, ops: Vec<Op>) -> Self {
        Self { height, gap_before, ops, keep_with_next: false, header: None }
    }
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Center,
    Right,
}

/// A cell of a grid row: its horizontal extent and content.
struct GridCell<'t> {
    x: f32,
    width: f32,
    text: &'t str,
    shaded: bool,
    align: Align,
}

/// Lays `document` out on pages, returning each page's drawing operations.
/// What ends a cell whose text is longer than a page.
pub const CUT_MARK: &str = "……（以下未打印）";

pub(crate) fn layout(document: &Document, face: &Face) -> Result<Vec<Vec<Op>>, PdfError> {
    let footer_width = CONTENT_WIDTH - face.text_width(WIDEST_PAGE_NUMBER, FOOTER_SIZE) - PAGE_NUMBER_GAP;
    let footer = document.footer.as_deref().map(|text| lines(face, text, footer_width, FOOTER_SIZE));
    let footer_lines = footer.as_ref().map_or(1, Vec::len).max(1);
    let footer_top = PAGE_HEIGHT - MARGIN - line_height(FOOTER_SIZE) * footer_lines as f32;
    let composer = Composer { face, body_bottom: footer_top - FOOTER_GAP };

    let mut units = composer.title(&document.title, document.subtitle.as_deref());
    for block in &document.blocks {
        units.extend(composer.block(block)?);
    }
    let mut pages = composer.paginate(&units);

    let page_count = pages.len();
    for (index, ops) in pages.iter_mut().enumerate() {
        if let Some(lines) = &footer {
            composer.text(ops, lines, MARGIN, CONTENT_WIDTH, footer_top, FOOTER_SIZE, Align::Left);
        }
        let number = format!("第 {} 页 / 共 {page_count} 页", index + 1);
        composer.text(ops, &[number], MARGIN, CONTENT_WIDTH, footer_top, FOOTER_SIZE, Align::Right);
    }
    Ok(pages)
}

fn lines(face: &Face, text: &str, width: f32, size: f32) -> Vec<String> {
    wrap(text, width, |c| face.char_width(c, size))
}

fn line_height(size: f32) -> f32 {
    size * LEADING
}

struct Composer<'f> {
    face: &'f Face,
    /// Where the body area of each page ends and the footer area begins.
    body_bottom: f32,
}

impl Composer<'_> {
    fn body_height(&self) -> f32 {
        self.body_bottom - MARGIN
    }

    fn lines(&self, text: &str, width: f32, size: f32) -> Vec<String> {
        lines(self.face, text, width, size)
    }

    /// Adds one text op per line, the first line's box starting at `top`; each line is
    /// aligned within `x .. x + width` and centred vertically in its line box.
    #[allow(clippy::too_many_arguments)]
    fn text(&self, ops: &mut Vec<Op>, lines: &[String], x: f32, width: f32, top: f32, size: f32, align: Align) {
        let ink_height = self.face.ascent(size) + self.face.descent(size);
        let first_baseline = top + (line_height(size) - ink_height) / 2.0 + self.face.ascent(size);
        for (index, line) in lines.iter().enumerate().filter(|(_, line)| !line.is_empty()) {
            let slack = width - self.face.text_width(line, size);
            let x = match align {
                Align::Left => x,
                Align::Center => x + slack / 2.0,
                Align::Right => x + slack,
            };
            let baseline = first_baseline + index as f32 * line_height(size);
            ops.push(Op::Text { x, baseline, size, text: line.clone() });
        }
    }

    /// A block of centred lines as one unit per line.
    fn centred(&self, text: &str, size: f32, gap_before: f32) -> Vec<Unit> {
        self.lines(text, CONTENT_WIDTH, size)
            .into_iter()
            .enumerate()
            .map(|(index, line)| {
                let mut ops = Vec::new();
                self.text(&mut ops, &[line], MARGIN, CONTENT_WIDTH, 0.0, size, Align::Center);
                Unit::new(line_height(size), if index == 0 { gap_before } else { 0.0 }, ops)
            })
            .collect()
    }

    fn title(&self, title: &str, subtitle: Option<&str>) -> Vec<Unit> {
        let mut units = self.centred(title, TITLE_SIZE, 0.0);
        if let Some(subtitle) = subtitle {
            units.extend(self.centred(subtitle, SUBTITLE_SIZE, SUBTITLE_GAP));
        }
        units
    }

    fn block(&self, block: &Block) -> Result<Vec<Unit>, PdfError> {
        Ok(match block {
            Block::Heading(text) => self.heading(text),
            Block::Fields(fields) => self.fields(fields),
            Block::Table { columns, rows } => self.table(columns, rows)?,
            Block::Paragraph(text) => self.paragraph(text),
            Block::SealBoxes(boxes) => self.seal_boxes(boxes),
            Block::Code { modules, caption } => self.code(modules, caption),
        })
    }

    fn heading(&self, text: &str) -> Vec<Unit> {
        let lines = self.lines(text, CONTENT_WIDTH, HEADING_SIZE);
        let mut ops = Vec::new();
        self.text(&mut ops, &lines, MARGIN, CONTENT_WIDTH, 0.0, HEADING_SIZE, Align::Left);
        let height = line_height(HEADING_SIZE) * lines.len() as f32;
        vec![Unit { keep_with_next: true, ..Unit::new(height, HEADING_GAP, ops) }]
    }

    /// One unit per line, so a long paragraph flows on to the next page.
    fn paragraph(&self, text: &str) -> Vec<Unit> {
        self.lines(text, CONTENT_WIDTH, BODY_SIZE)
            .into_iter()
            .enumerate()
            .map(|(index, line)| {
                let mut ops = Vec::new();
                self.text(&mut ops, &[line], MARGIN, CONTENT_WIDTH, 0.0, BODY_SIZE, Align::Left);
                Unit::new(line_height(BODY_SIZE), if index == 0 { BLOCK_GAP } else { 0.0 }, ops)
            })
            .collect()
    }

    /// Label | value pairs, two to a row while both values fit one line of a half-width
    /// cell; a longer value gets a row of its own, its cell spanning the rest of the width.
    fn fields(&self, fields: &[(String, String)]) -> Vec<Unit> {
        let label_width = CONTENT_WIDTH * LABEL_SHARE;
        let half_value_width = CONTENT_WIDTH / 2.0 - label_width;
        let is_short = |value: &str| {
            !value.contains('\n') && self.face.text_width(value, BODY_SIZE) <= half_value_width - 2.0 * CELL_PADDING_X
        };

        let mut units = Vec::new();
        let mut rest = fields;
        while let Some(first) = rest.first() {
            let gap = if units.is_empty() { BLOCK_GAP } else { 0.0 };
            let cells: Vec<GridCell> = match rest.get(1) {
                Some(second) if is_short(&first.1) && is_short(&second.1) => {
                    rest = &rest[2..];
                    let mut cells = Vec::from(field_cells(MARGIN, label_width, half_value_width, first));
                    cells.extend(field_cells(MARGIN + CONTENT_WIDTH / 2.0, label_width, half_value_width, second));
                    cells
                }
                _ => {
                    rest = &rest[1..];
                    Vec::from(field_cells(MARGIN, label_width, CONTENT_WIDTH - label_width, first))
                }
            };
            units.push(Unit { gap_before: gap, ..self.grid_row(&cells, self.body_height()) });
        }
        units
    }

    fn table(&self, columns: &[Column], rows: &[Vec<String>]) -> Result<Vec<Unit>, PdfError> {
        let total_weight: u32 = columns.iter().map(|column| u32::from(column.weight)).sum();
        if total_weight == 0 {
            return Err(PdfError::BadColumns);
        }
        if let Some((row, cells)) = rows.iter().enumerate().find(|(_, cells)| cells.len() != columns.len()) {
            return Err(PdfError::RowLength { row, cells: cells.len(), columns: columns.len() });
        }
        // Edges from cumulative weights, so the last column ends exactly at the margin.
        let mut edges = vec![MARGIN];
        let mut weight_so_far = 0;
        for column in columns {
            weight_so_far += u32::from(column.weight);
            edges.push(MARGIN + CONTENT_WIDTH * weight_so_far as f32 / total_weight as f32);
        }
        let titles = table_cells(&edges, columns.iter().map(|column| column.title.as_str()), true, Align::Center);
        let header = Rc::new(self.grid_row(&titles, self.body_height()));
        let row_limit = self.body_height() - header.height;
        let mut units = vec![Unit { gap_before: BLOCK_GAP, keep_with_next: true, ..(*header).clone() }];
        for row in rows {
            let row_cells = table_cells(&edges, row.iter().map(String::as_str), false, Align::Left);
            units.push(Unit { header: Some(Rc::clone(&header)), ..self.grid_row(&row_cells, row_limit) });
        }
        Ok(units)
    }

    /// A two-dimensional code with a quiet zone of four modules, its caption to its right.
    fn code(&self, modules: &[Vec<bool>], caption: &str) -> Vec<Unit> {
        const QUIET_MODULES: usize = 4;
        let across = modules.len() + 2 * QUIET_MODULES;
        let module = CODE_SIDE / across as f32;
        let mut ops = Vec::new();
        for (row, line) in modules.iter().enumerate() {
            for (column, dark) in line.iter().enumerate() {
                if *dark {
                    let x = MARGIN + module * (column + QUIET_MODULES) as f32;
                    let y = module * (row + QUIET_MODULES) as f32;
                    ops.push(Op::Dark { x, y, side: module });
                }
            }
        }
        let caption_x = MARGIN + CODE_SIDE + CELL_PADDING_X;
        let caption_width = CONTENT_WIDTH - CODE_SIDE - CELL_PADDING_X;
        let lines = self.lines(caption, caption_width, BODY_SIZE);
        let top = (CODE_SIDE - line_height(BODY_SIZE) * lines.len() as f32).max(0.0) / 2.0;
        self.text(&mut ops, &lines, caption_x, caption_width, top, BODY_SIZE, Align::Left);
        let height = CODE_SIDE.max(line_height(BODY_SIZE) * lines.len() as f32);
        vec![Unit::new(height, BLOCK_GAP, ops)]
    }

    /// Boxes of equal width side by side, up to three to a row, each row one unit.
    fn seal_boxes(&self, boxes: &[SealBox]) -> Vec<Unit> {
        let per_row = boxes.len().clamp(1, SEAL_BOXES_PER_ROW);
        let width = CONTENT_WIDTH / per_row as f32;
        let inner_width = width - 2.0 * CELL_PADDING_X;
        boxes
            .chunks(SEAL_BOXES_PER_ROW)
            .enumerate()
            .map(|(row, chunk)| {
                let mut ops = Vec::new();
                for (index, seal_box) in chunk.iter().enumerate() {
                    let x = MARGIN + width * index as f32;
                    ops.push(Op::Cell { x, y: 0.0, width, height: SEAL_BOX_HEIGHT, shaded: false });
                    let label = self.lines(&seal_box.label, inner_width, BODY_SIZE);
                    let inner_x = x + CELL_PADDING_X;
                    self.text(&mut ops, &label, inner_x, inner_width, CELL_PADDING_Y, BODY_SIZE, Align::Left);
                    let note = self.lines(&seal_box.note, inner_width, BODY_SIZE);
                    let note_top = SEAL_BOX_HEIGHT - CELL_PADDING_Y - line_height(BODY_SIZE) * note.len() as f32;
                    self.text(&mut ops, &note, inner_x, inner_width, note_top, BODY_SIZE, Align::Right);
                }
                Unit::new(SEAL_BOX_HEIGHT, if row == 0 { BLOCK_GAP } else { 0.0 }, ops)
            })
            .collect()
    }

    /// A row of bordered cells as tall as its tallest content, each cell's text centred
    /// vertically. Content taller than `max_height` (more than a page) is cut, and the cut
    /// is marked with [`CUT_MARK`].
    fn grid_row(&self, cells: &[GridCell], max_height: f32) -> Unit {
        let line = line_height(BODY_SIZE);
        let max_lines = ((max_height - 2.0 * CELL_PADDING_Y) / line).floor().max(1.0) as usize;
        let contents: Vec<Vec<String>> = cells
            .iter()
            .map(|cell| {
                let mut lines = self.lines(cell.text, cell.width - 2.0 * CELL_PADDING_X, BODY_SIZE);
                if lines.len() > max_lines {
                    // Never cut silently: the last line that fits says the rest is not printed.
                    lines.truncate(max_lines.saturating_sub(1));
                    lines.push(CUT_MARK.to_string());
                }
                lines
            })
            .collect();
        let most_lines = contents.iter().map(Vec::len).max().unwrap_or(1);
        let height = line * most_lines as f32 + 2.0 * CELL_PADDING_Y;

        let mut ops = Vec::new();
        for (cell, lines) in cells.iter().zip(&contents) {
            ops.push(Op::Cell { x: cell.x, y: 0.0, width: cell.width, height, shaded: cell.shaded });
            let top = (height - line * lines.len() as f32) / 2.0;
            let inner_width = cell.width - 2.0 * CELL_PADDING_X;
            self.text(&mut ops, lines, cell.x + CELL_PADDING_X, inner_width, top, BODY_SIZE, cell.align);
        }
        Unit::new(height, 0.0, ops)
    }

    /// Stacks the units down pages, starting a new page whenever a unit (with the units it
    /// keeps with) does not fit in what is left of the current one.
    fn paginate(&self, units: &[Unit]) -> Vec<Vec<Op>> {
        let mut pages = vec![Vec::new()];
        let mut y = MARGIN;
        let mut page_is_empty = true;
        for (index, unit) in units.iter().enumerate() {
            let mut gap = if page_is_empty { 0.0 } else { unit.gap_before };
            if !page_is_empty && y + gap + self.kept_height(units, index) > self.body_bottom {
                pages.push(Vec::new());
                y = MARGIN;
                gap = 0.0;
                if let Some(header) = &unit.header {
                    place(&mut pages, header, y);
                    y += header.height;
                }
            }
            y += gap;
            place(&mut pages, unit, y);
            y += unit.height;
            page_is_empty = false;
        }
        pages
    }

    /// The height that must fit for unit `index` to stay on the page: its own, plus that
    /// of each following unit it is kept with. A chain longer than a page asks for a whole
    /// page, so it at least starts on a fresh one.
    fn kept_height(&self, units: &[Unit], index: usize) -> f32 {
        let mut height = units[index].height;
        for (kept, next) in units[index..].iter().zip(&units[index + 1..]) {
            if !kept.keep_with_next {
                break;
            }
            height += next.gap_before + next.height;
        }
        height.min(self.body_height())
    }
}

/// A shaded label cell and its value cell, starting at `x`.
fn field_cells(x: f32, label_width: f32, value_width: f32, (label, value): &(String, String)) -> [GridCell<'_>; 2] {
    [
        GridCell { x, width: label_width, text: label, shaded: true, align: Align::Left },
        GridCell { x: x + label_width, width: value_width, text: value, shaded: false, align: Align::Left },
    ]
}

/// Cells between consecutive column `edges`.
fn table_cells<'t>(
    edges: &[f32],
    texts: impl Iterator<Item = &'t str>,
    shaded: bool,
    align: Align,
) -> Vec<GridCell<'t>> {
    edges
        .windows(2)
        .zip(texts)
        .map(|(edge, text)| GridCell { x: edge[0], width: edge[1] - edge[0], text, shaded, align })
        .collect()
}

fn place(pages: &mut [Vec<Op>], unit: &Unit, top: f32) {
    if let Some(page) = pages.last_mut() {
        page.extend(unit.ops.iter().map(|op| op.moved_down(top)));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn document(blocks: Vec<Block>) -> Document {
        Document {
            title: "上海市居住证积分申请表".to_owned(), subtitle: None, blocks, footer: Some("页脚".to_owned())
        }
    }

    fn table(rows: usize, text: &str) -> Block {
        Block::Table {
            columns: vec![
                Column { title: "序号".to_owned(), weight: 1 },
                Column { title: "说明".to_owned(), weight: 6 },
            ],
            rows: (0..rows).map(|n| vec![n.to_string(), text.to_owned()]).collect(),
        }
    }

    fn pages_of(blocks: Vec<Block>) -> Vec<Vec<Op>> {
        let face = Face::load().unwrap();
        layout(&document(blocks), &face).unwrap()
    }

    fn texts(page: &[Op]) -> Vec<&str> {
        page.iter()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.as_str()),
                Op::Cell { .. } | Op::Dark { .. } => None,
            })
            .collect()
    }

    /// Every cell and line lies inside the margins; the footer sits below the body area.
    fn assert_inside_page(pages: &[Vec<Op>]) {
        const EPSILON: f32 = 0.01;
        for (index, page) in pages.iter().enumerate() {
            for op in page {
                let (left, right, top, bottom) = match op {
                    Op::Cell { x, y, width, height, .. } => (*x, x + width, *y, y + height),
                    Op::Text { x, baseline, .. } => (*x, *x, *baseline, *baseline),
                    Op::Dark { x, y, side } => (*x, x + side, *y, y + side),
                };
                let inside = left >= MARGIN - EPSILON
                    && right <= PAGE_WIDTH - MARGIN + EPSILON
                    && top >= MARGIN - EPSILON
                    && bottom <= PAGE_HEIGHT - MARGIN + EPSILON;
                assert!(inside, "page {}: {op:?} leaves the page area", index + 1);
            }
        }
    }

    #[test]
    fn table_rows_stay_whole_and_the_header_repeats() {
        let pages = pages_of(vec![table(60, "依据《上海市居住证积分管理办法》第十条核定，材料齐全，予以认定。")]);
        assert!(pages.len() >= 2);
        assert_inside_page(&pages);
        for (index, page) in pages.iter().enumerate() {
            assert!(texts(page).contains(&"序号"), "page {} has no header", index + 1);
        }
        let all: Vec<&str> = pages.iter().flat_map(|page| texts(page)).collect();
        for n in 0..60 {
            assert_eq!(all.iter().filter(|text| **text == n.to_string()).count(), 1, "row {n} is not drawn once");
        }
    }

    #[test]
    fn cells_do_not_cross_the_footer() {
        let face = Face::load().unwrap();
        let pages = layout(&document(vec![table(60, "材料齐全")]), &face).unwrap();
        let footer_top = pages[0]
            .iter()
            .filter_map(|op| match op {
                Op::Text { baseline, text, .. } if text == "页脚" => Some(*baseline - FOOTER_SIZE),
                _ => None,
            })
            .next()
            .unwrap();
        for page in &pages {
            for op in page {
                if let Op::Cell { y, height, .. } = op {
                    assert!(y + height <= footer_top, "{op:?} runs into the footer at {footer_top}");
                }
            }
        }
    }

    #[test]
    fn a_heading_moves_with_the_block_after_it() {
        // Push the heading down a line at a time, through the bottom of page 1.
        for lines in 30..52 {
            let filler = vec!["正文"; lines].join("\n");
            let pages =
                pages_of(vec![Block::Paragraph(filler), Block::Heading("二、积分指标明细".to_owned()), table(3, "甲")]);
            let heading_page = pages.iter().position(|page| texts(page).contains(&"二、积分指标明细")).unwrap();
            let first_row_page = pages.iter().position(|page| texts(page).contains(&"0")).unwrap();
            assert_eq!(heading_page, first_row_page, "heading orphaned after {lines} lines");
        }
    }

    #[test]
    fn a_cell_taller_than_a_page_is_cut_to_fit() {
        let pages = pages_of(vec![table(2, &vec!["很长"; 200].join("\n"))]);
        assert_inside_page(&pages);
        for (index, page) in pages.iter().enumerate().filter(|(_, page)| texts(page).contains(&"序号")) {
            let lines = texts(page).iter().filter(|text| **text == "很长").count();
            assert!(texts(page).contains(&CUT_MARK), "page {}: the cut is marked", index + 1);
            assert!(lines > 30 && lines < 200, "page {}: {lines} lines of the long cell", index + 1);
        }
    }

    #[test]
    fn a_code_is_drawn_module_by_module_inside_its_quiet_zone_beside_its_caption() {
        // A 3×3 pattern: 5 dark modules.
        let modules = vec![vec![true, false, true], vec![false, true, false], vec![true, false, true]];
        let pages = pages_of(vec![Block::Code { modules, caption: "扫描核验".into() }]);
        assert_eq!(pages.len(), 1);
        let dark: Vec<(f32, f32, f32)> = pages[0]
            .iter()
            .filter_map(|op| match op {
                Op::Dark { x, y, side } => Some((*x, *y, *side)),
                _ => None,
            })
            .collect();
        assert_eq!(dark.len(), 5);
        let side = dark[0].2;
        assert!((side - CODE_SIDE / 11.0).abs() < 0.01, "3 modules and a quiet zone of 4 on each side");
        assert!((dark[0].0 - (MARGIN + 4.0 * side)).abs() < 0.01, "the quiet zone comes first");
        assert!((dark[4].0 - dark[0].0 - 2.0 * side).abs() < 0.01);
        assert!(texts(&pages[0]).contains(&"扫描核验"));
        assert_inside_page(&pages);
    }

    #[test]
    fn seal_boxes_share_a_row_and_keep_their_height() {
        let seal = |label: &str| SealBox { label: label.to_owned(), note: "年    月    日".to_owned() };
        let pages = pages_of(vec![Block::SealBoxes(vec![seal("申请人签名"), seal("用人单位意见（盖章）")])]);
        let boxes: Vec<(f32, f32, f32)> = pages[0]
            .iter()
            .filter_map(|op| match op {
                Op::Cell { x, y, height, .. } => Some((*x, *y, *height)),
                Op::Text { .. } | Op::Dark { .. } => None,
            })
            .collect();
        assert_eq!(boxes.len(), 2);
        assert_eq!(boxes[0].1, boxes[1].1, "boxes are not side by side");
        assert!(boxes[0].0 < boxes[1].0);
        assert!(boxes.iter().all(|(_, _, height)| (height - 45.0 * MM).abs() < 0.01));
    }

    #[test]
    fn wrapped_lines_fit_their_cells_with_real_advances() {
        let face = Face::load().unwrap();
        let text = "上海市浦东新区张江镇碧波路 690 号 3 幢 1202 室（近张江高科地铁站），Zhangjiang Hi-Tech Park";
        for width in [60.0, 100.0, 157.0, 300.0] {
            for line in lines(&face, text, width, BODY_SIZE) {
                assert!(face.text_width(&line, BODY_SIZE) <= width + 1e-3, "{line:?} is wider than {width}");
            }
        }
    }
}
