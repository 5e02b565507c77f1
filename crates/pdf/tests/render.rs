#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{application_form, pairs};
use jifen_pdf::{Block, Column, Document, PdfError, render};

/// Text per page as a PDF reader extracts it through the fonts' ToUnicode maps, with
/// whitespace removed (extraction puts spaces and line breaks between text runs).
fn extracted_pages(pdf: &[u8]) -> Vec<String> {
    pdf_extract::extract_text_from_mem_by_pages(pdf)
        .unwrap()
        .into_iter()
        .map(|page| page.chars().filter(|c| !c.is_whitespace()).collect())
        .collect()
}

/// A document of `blocks` under `title`, with no subtitle or footer.
fn titled(title: &str, blocks: Vec<Block>) -> Document {
    Document { title: title.to_owned(), subtitle: None, blocks, footer: None }
}

#[test]
fn long_form_renders_as_a_multi_page_pdf() {
    let pdf = render(&application_form()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let pages = pdf_extract::Document::load_mem(&pdf).unwrap().get_pages();
    assert!(pages.len() >= 2, "the 20-row table should overflow page 1, got {} page(s)", pages.len());
}

#[test]
fn extracted_text_gives_back_the_chinese() {
    let pages = extracted_pages(&render(&application_form()).unwrap());
    let all = pages.concat();
    for expected in
        ["上海市居住证积分申请表", "张伟明", "310101198803150012", "用人单位意见（盖章）", "受理部门意见（盖章）"]
    {
        assert!(all.contains(expected), "{expected:?} not in the extracted text");
    }
    // The table header repeats on each page the table reaches, and footers count pages.
    let count = pages.len();
    let table_pages = pages.iter().filter(|page| page.contains("管理办法》")).count();
    assert!(table_pages >= 2, "the table should span pages");
    for (index, page) in pages.iter().enumerate() {
        if page.contains("管理办法》") {
            assert!(page.contains("序号指标说明分值"), "page {} lacks the table header", index + 1);
        }
        assert!(page.contains(&format!("第{}页/共{count}页", index + 1)), "page {} lacks its number", index + 1);
        assert!(page.contains("上海市人力资源和社会保障局监制"), "page {} lacks the footer", index + 1);
    }
}

#[test]
fn empty_value_renders_as_an_empty_cell() {
    let document = titled("表", vec![Block::Fields(pairs(&[("职业资格", ""), ("姓名", "李娜")]))]);
    let text = extracted_pages(&render(&document).unwrap()).concat();
    assert!(text.contains("职业资格姓名李娜"), "{text}");
    assert!(!text.contains("None"), "{text}");
}

#[test]
fn rendering_is_deterministic() {
    let form = application_form();
    assert_eq!(render(&form).unwrap(), render(&form).unwrap());
}

#[test]
fn characters_the_font_lacks_are_drawn_as_one_mark_but_copied_as_themselves() {
    // '😀' and '𠮷' (a rare character outside the font) are both drawn with the mark's glyph;
    // each keeps its own code, so extraction tells them apart.
    let document = titled("标题", vec![Block::Fields(pairs(&[("姓名", "吉😀祥𠮷"), ("备注", "□")]))]);
    let text = extracted_pages(&render(&document).unwrap()).concat();
    assert!(text.contains("姓名吉😀祥𠮷"), "{text}");
    assert!(text.contains("备注□"), "{text}");
}

#[test]
fn odd_text_renders_and_too_many_distinct_characters_are_refused() {
    let document = |text: String| titled("表", vec![Block::Paragraph(text)]);
    let odd = format!("NUL\0 tab\t DEL\u{7f} {}", "长".repeat(5_000));
    let text = extracted_pages(&render(&document(odd)).unwrap()).concat();
    assert!(text.contains("NUL") && text.contains("长长长"), "{}", text.chars().take(80).collect::<String>());
    // A CID is 16 bits: a document cannot number more distinct characters than that.
    let distinct: String = (0x2_0000..0x2_0000 + 70_000).filter_map(char::from_u32).collect();
    assert!(matches!(render(&document(distinct)), Err(PdfError::Write(_))));
}

#[test]
fn only_the_glyphs_used_are_embedded() {
    // The face is 5 MB; the two-page sample with its few hundred distinct characters is a
    // few tens of kilobytes.
    let pdf = render(&application_form()).unwrap();
    assert!(pdf.len() < 80_000, "{} bytes", pdf.len());
    let tiny = titled("表", vec![]);
    let small = render(&tiny).unwrap();
    assert!(small.len() < pdf.len() / 4, "{} bytes for one character", small.len());
}

#[test]
fn different_documents_have_different_file_ids() {
    let id = |pdf: &[u8]| pdf_extract::Document::load_mem(pdf).unwrap().trailer.get(b"ID").unwrap().clone();
    let form = application_form();
    let mut other = form.clone();
    other.subtitle = Some("申请编号 13 · 打印日期 2026-11-26".to_owned());
    assert_eq!(id(&render(&form).unwrap()), id(&render(&form).unwrap()));
    assert_ne!(id(&render(&form).unwrap()), id(&render(&other).unwrap()));
}

#[test]
fn malformed_tables_are_rejected() {
    let table = |columns: Vec<Column>, rows: Vec<Vec<String>>| titled("表", vec![Block::Table { columns, rows }]);
    let column = |weight| Column { title: "列".to_owned(), weight };
    assert_eq!(render(&table(vec![], vec![])), Err(PdfError::BadColumns));
    assert_eq!(render(&table(vec![column(0)], vec![])), Err(PdfError::BadColumns));
    assert_eq!(
        render(&table(vec![column(1), column(1)], vec![vec!["a".to_owned()]])),
        Err(PdfError::RowLength { row: 0, cells: 1, columns: 2 })
    );
}

/// Leaves the sample in target/tmp for a person to look at, e.g. with
/// `pdftoppm -png -r 80 target/tmp/jifen-pdf-sample.pdf page`.
#[test]
fn writes_sample_for_inspection() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("jifen-pdf-sample.pdf");
    std::fs::write(&path, render(&application_form()).unwrap()).unwrap();
}
