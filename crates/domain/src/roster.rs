//! An employer's list of applicants as a CSV file (one row a person: name, resident ID
//! number, mobile). Every row is checked on its own and the report says which rows failed
//! and why; a file that cannot be read as a whole (no header, not text, too many rows) is a
//! fatal error and nothing of it is used. Spreadsheets saved by Chinese Excel are GB18030,
//! not UTF-8: both are read.

use crate::application::is_mobile;
use jifen_ids::ResidentIdNumber;
use jifen_rules::Lang;
use std::collections::HashMap;

/// The most rows one file may have.
pub const MAX_ROWS: usize = 10_000;

/// A row that passed its checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// The file's line number (the header is line 1).
    pub line: usize,
    pub name: String,
    pub id_number: ResidentIdNumber,
    pub mobile: String,
}

/// A row that failed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub line: usize,
    pub zh: String,
    pub en: String,
}

impl RowProblem {
    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    pub rows: Vec<RosterRow>,
    pub problems: Vec<RowProblem>,
}

/// Why the file as a whole cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FatalError {
    pub zh: String,
    pub en: String,
}

impl FatalError {
    fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { zh: zh.into(), en: en.into() }
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Name,
    IdNumber,
    Mobile,
}

fn column_of(header: &str) -> Option<Column> {
    let word = header.trim().trim_start_matches('\u{feff}').to_lowercase();
    match word.as_str() {
        "姓名" | "name" => Some(Column::Name),
        "身份证号" | "身份证号码" | "公民身份号码" | "id_number" | "id number" => Some(Column::IdNumber),
        "手机" | "手机号" | "手机号码" | "mobile" => Some(Column::Mobile),
        _ => None,
    }
}

/// The text of the file: UTF-8 (with or without a byte-order mark), else GB18030.
fn decode(bytes: &[u8]) -> Result<String, FatalError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text.trim_start_matches('\u{feff}').to_string(),
        Err(_) => {
            let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors {
                return Err(FatalError::new(
                    "文件不是文本（应为 UTF-8 或 GBK 编码的 CSV 文件）",
                    "The file is not text (a CSV file in UTF-8 or GBK is expected)",
                ));
            }
            text.into_owned()
        }
    };
    if text.contains('\0') {
        return Err(FatalError::new("文件不是 CSV 文本文件", "The file is not a CSV text file"));
    }
    Ok(text)
}

/// Reads a roster. Rows repeating an ID number already seen in the file are problems.
pub fn parse(bytes: &[u8]) -> Result<Roster, FatalError> {
    let text = decode(bytes)?;
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| FatalError::new(format!("无法读取表头：{e}"), format!("cannot read the header: {e}")))?
        .clone();
    let mut positions: HashMap<Column, usize> = HashMap::new();
    for (index, header) in headers.iter().enumerate() {
        if let Some(column) = column_of(header) {
            positions.entry(column).or_insert(index);
        }
    }
    let position = |column: Column| positions.get(&column).copied();
    let (Some(name_at), Some(id_at), Some(mobile_at)) =
        (position(Column::Name), position(Column::IdNumber), position(Column::Mobile))
    else {
        return Err(FatalError::new(
            "第 1 行应为表头：姓名,身份证号码,手机号码",
            "Line 1 must be the header: name,id_number,mobile",
        ));
    };
    let mut roster = Roster::default();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        if index >= MAX_ROWS {
            return Err(FatalError::new(
                format!("文件超过 {MAX_ROWS} 行，请分批导入"),
                format!("The file has more than {MAX_ROWS} rows; import it in parts"),
            ));
        }
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                roster
                    .problems
                    .push(RowProblem { line, zh: format!("无法读取：{e}"), en: format!("unreadable: {e}") });
                continue;
            }
        };
        let cell = |at: usize| record.get(at).unwrap_or("").trim().to_string();
        let (name, id, mobile) = (cell(name_at), cell(id_at), cell(mobile_at));
        if name.is_empty() && id.is_empty() && mobile.is_empty() {
            continue;
        }
        let mut problem = |zh: String, en: String| roster.problems.push(RowProblem { line, zh, en });
        if name.is_empty() {
            problem("姓名为空".into(), "the name is empty".into());
            continue;
        }
        // The same check as every form: no control or bidirectional characters, 50 at most.
        if let Err(bad) = crate::text::check("name", &name, 50) {
            problem(format!("姓名{}", bad.zh), format!("the name {}", bad.en));
            continue;
        }
        let id_number = match ResidentIdNumber::parse(&id) {
            Ok(id_number) => id_number,
            Err(e) => {
                let id = crate::application::Problem::id_number("", &e);
                problem(id.zh, id.en);
                continue;
            }
        };
        if !is_mobile(&mobile) {
            problem("手机号码应为 1 开头的 11 位数字".into(), "the mobile number has 11 digits starting with 1".into());
            continue;
        }
        if let Some(first) = seen.get(id_number.as_str()) {
            problem(format!("身份证号码与第 {first} 行重复"), format!("the ID number repeats line {first}"));
            continue;
        }
        seen.insert(id_number.as_str().to_string(), line);
        roster.rows.push(RosterRow { line, name, id_number, mobile });
    }
    Ok(roster)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_rows_are_read_and_bad_rows_reported_by_line() {
        let csv = "姓名,身份证号码,手机号码\n\
                   张伟明,310101199005120016,13800138000\n\
                   李四,310101199005120017,13800138001\n\
                   王五,11010519491231002X,1380013\n\
                   ,,\n\
                   赵六,11010519491231002x,13900139000\n\
                   孙七,110105194912310029,13900139001\n\
                   周八,310101199005120016,13700137000\n";
        let roster = parse(csv.as_bytes()).unwrap();
        let lines: Vec<usize> = roster.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 6]);
        assert_eq!(roster.rows[1].id_number.as_str(), "11010519491231002X");
        let problems: Vec<(usize, &str)> = roster.problems.iter().map(|p| (p.line, p.en.as_str())).collect();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert_eq!(problems[0].0, 3);
        assert!(problems[0].1.contains("check character"));
        assert_eq!(problems[1], (4, "the mobile number has 11 digits starting with 1"));
        assert_eq!(problems[2].0, 7);
        assert_eq!(problems[3], (8, "the ID number repeats line 2"));
    }

    #[test]
    fn a_name_with_control_or_bidirectional_characters_is_a_bad_row() {
        let csv = "姓名,身份证号码,手机号码\n张\u{7}伟,310101199005120016,13800138000\n李\u{202e}四,11010519491231002X,13800138001\n";
        let roster = parse(csv.as_bytes()).unwrap();
        assert!(roster.rows.is_empty());
        assert_eq!(roster.problems.iter().map(|p| p.line).collect::<Vec<_>>(), [2, 3]);
        assert!(roster.problems[0].zh.contains("U+0007"), "{}", roster.problems[0].zh);
    }

    #[test]
    fn english_headers_any_order_a_bom_and_gbk_are_read() {
        let csv = "\u{feff}mobile,name,id_number\r\n13800138000,Zhang,310101199005120016\r\n";
        let roster = parse(csv.as_bytes()).unwrap();
        assert_eq!(roster.rows[0].name, "Zhang");
        let (gbk, _, _) = encoding_rs::GB18030.encode("姓名,身份证号,手机\n张伟明,310101199005120016,13800138000\n");
        let roster = parse(&gbk).unwrap();
        assert_eq!(roster.rows[0].name, "张伟明");
        assert!(roster.problems.is_empty());
    }

    #[test]
    fn a_file_without_the_header_or_not_text_is_fatal() {
        let error = parse("张伟明,310101199005120016,13800138000\n".as_bytes()).unwrap_err();
        assert!(error.zh.contains("表头"));
        assert!(parse(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe").is_err());
        let mut big = String::from("name,id_number,mobile\n");
        for _ in 0..=MAX_ROWS {
            big.push_str("a,b,c\n");
        }
        assert!(parse(big.as_bytes()).unwrap_err().en.contains("more than"));
    }
}
