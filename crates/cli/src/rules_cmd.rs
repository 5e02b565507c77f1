//! `jifen rules [ID]`: the rule sets, and each value with its citation and confidence.

use crate::score::Format;
use crate::{Failure, rule_book};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use jifen_rules::{Interpretation, Lang, RuleSet};
use serde_json::Value;
use std::fmt::Write;

pub fn list(id: Option<&str>, format: Format, lang: Lang) -> Result<String, Failure> {
    let book = rule_book()?;
    let chosen: Vec<&RuleSet> = match id {
        Some(id) => vec![book.rule_set(id).ok_or_else(|| {
            Failure::input(format!("unknown rule set \"{id}\"; expected one of {}", book.ids().join(", ")))
        })?],
        None => book.rule_sets().iter().collect(),
    };
    match format {
        Format::Json => {
            let document = serde_json::json!({
                "rule_sets": chosen,
                "average_wage": book.average_wages(),
                "interpretations": book.interpretations(),
            });
            serde_json::to_string_pretty(&document)
                .map(|text| text + "\n")
                .map_err(|e| Failure::internal(e.to_string()))
        }
        Format::Table => {
            let mut out = String::new();
            for rule_set in chosen {
                render_rule_set(&mut out, rule_set, lang)?;
            }
            if id.is_none() {
                let (points_title, base_title) = if lang == Lang::Zh {
                    ("积分用社平工资（月，元；与缴费基数比较所用）", "社保缴费基数标准（月，元；仅供参考）")
                } else {
                    (
                        "Average wage for points (monthly CNY; what bases are compared with)",
                        "Insurance-base figures (monthly CNY; for information)",
                    )
                };
                render_wages(&mut out, points_title, book.wages(), lang);
                render_wages(&mut out, base_title, book.insurance_base_figures(), lang);
                render_interpretations(&mut out, book.interpretations(), lang);
            }
            Ok(out)
        }
    }
}

fn new_table(header: [&str; 4]) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_width(140);
    table.set_header(header);
    table
}

fn render_rule_set(out: &mut String, rule_set: &RuleSet, lang: Lang) -> Result<(), Failure> {
    let zh = lang == Lang::Zh;
    let until = rule_set.effective_to.map_or_else(
        || {
            if zh { "至今".to_string() } else { "now".to_string() }
        },
        |d| d.to_string(),
    );
    let status = match (rule_set.provisional, zh) {
        (true, true) => format!("暂定，未列出的分值沿用 {}", rule_set.inherits.as_deref().unwrap_or("-")),
        (true, false) => format!("provisional, inherits from {}", rule_set.inherits.as_deref().unwrap_or("-")),
        (false, _) => format!("{}: {}", if zh { "可信度" } else { "confidence" }, rule_set.confidence.label(lang)),
    };
    let _ = writeln!(
        out,
        "{} — {} ({} – {until}; {status})",
        rule_set.id,
        rule_set.title.get(lang),
        rule_set.effective_from
    );
    let header =
        if zh { ["指标", "取值", "出处", "可信度"] } else { ["Value", "Setting", "Citation", "Confidence"] };
    let mut table = new_table(header);
    let tree = serde_json::to_value(rule_set).map_err(|e| Failure::internal(e.to_string()))?;
    let mut rows = Vec::new();
    collect_cited(&tree, String::new(), lang, &mut rows);
    for row in rows {
        table.add_row(row);
    }
    let _ = writeln!(out, "{table}\n");
    Ok(())
}

/// Every object with a `value` and a `citation` is a cited rule value: one row each.
fn collect_cited(node: &Value, path: String, lang: Lang, rows: &mut Vec<[String; 4]>) {
    let Value::Object(map) = node else { return };
    if let (Some(value), Some(citation)) = (map.get("value"), map.get("citation")) {
        let citation = citation.get(lang.code()).and_then(Value::as_str).unwrap_or_default().to_string();
        let confidence = map.get("confidence").and_then(Value::as_str).unwrap_or_default().to_string();
        rows.push([path, value.to_string(), citation, confidence]);
        return;
    }
    for (key, child) in map {
        if key == "sources" {
            continue;
        }
        let child_path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
        collect_cited(child, child_path, lang, rows);
    }
}

fn render_wages(out: &mut String, title: &str, wages: &jifen_rules::AverageWageTable, lang: Lang) {
    let zh = lang == Lang::Zh;
    let _ = writeln!(out, "{title}");
    let header = if zh {
        ["起始月", "月平均工资", "出处", "可信度"]
    } else {
        ["From", "Monthly", "Citation", "Confidence"]
    };
    let mut table = new_table(header);
    for entry in &wages.entries {
        let citation = entry.citation.as_ref().map_or("", |text| text.get(lang));
        table.add_row(vec![
            entry.from.to_string(),
            entry.monthly.to_string(),
            citation.to_string(),
            entry.confidence.label(lang).to_string(),
        ]);
    }
    let _ = writeln!(out, "{table}");
}

/// The named interpretations (RULES.md §9): what jifen decided where sources disagree.
fn render_interpretations(out: &mut String, interpretations: &[Interpretation], lang: Lang) {
    let zh = lang == Lang::Zh;
    let _ = writeln!(
        out,
        "\n{}",
        if zh {
            "规则的解释（公开资料说法不一之处）"
        } else {
            "Interpretations (where sources disagree)"
        }
    );
    let header = if zh {
        ["编号", "问题", "jifen 的做法", "未采用的说法"]
    } else {
        ["Id", "Question", "Decision", "Not taken"]
    };
    let mut table = new_table(header);
    for interpretation in interpretations {
        table.add_row(vec![
            interpretation.id.clone(),
            interpretation.question.get(lang).to_string(),
            interpretation.decision.get(lang).to_string(),
            interpretation.alternative.get(lang).to_string(),
        ]);
    }
    let _ = writeln!(out, "{table}");
}
