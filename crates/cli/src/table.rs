//! The readable breakdown `jifen score` prints by default.

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use jifen_rules::{Interpretation, Lang, ScoreResult};
use std::fmt::Write;

/// Width used when standard output is not a terminal.
const DEFAULT_WIDTH: u16 = 120;

pub fn render(result: &ScoreResult, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut out = String::new();
    let (rule_label, date_label) = if zh { ("规则版本", "计分日") } else { ("Rule set", "Evaluated on") };
    let _ = writeln!(out, "{rule_label}: {} — {}", result.rule_set.id, result.rule_set.title);
    let _ = writeln!(out, "{date_label}: {}", result.as_of);

    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_width(DEFAULT_WIDTH);
    let header = if zh { ["项目", "分值", "计入", "说明"] } else { ["Item", "Points", "Counted", "Why"] };
    table.set_header(header);
    for item in &result.items {
        let counted = match (item.counted, zh) {
            (true, true) => "是",
            (false, true) => "否",
            (true, false) => "yes",
            (false, false) => "no",
        };
        // The explanation words each interpretation the item rests on.
        let why = item.explanation.to_string();
        table.add_row(vec![item.id.name(lang).to_string(), item.points.to_string(), counted.to_string(), why]);
    }
    let _ = writeln!(out, "{table}");

    let verdict = match (result.reaches_standard, result.vetoed, zh) {
        (true, _, true) => "已达到标准分值",
        (false, true, true) => "被一票否决",
        (false, false, true) => "未达到标准分值",
        (true, _, false) => "reaches the standard score",
        (false, true, false) => "vetoed",
        (false, false, false) => "below the standard score",
    };
    let total_label = if zh { "总分" } else { "Total" };
    let standard_label = if zh { "标准分值" } else { "standard" };
    let _ = writeln!(out, "{total_label}: {} ({standard_label} {}) — {verdict}", result.total, result.standard);
    let mut list = |label_zh: &str, label_en: &str, lines: &[String]| {
        if !lines.is_empty() {
            let _ = writeln!(out, "{}:", if zh { label_zh } else { label_en });
            for line in lines {
                let _ = writeln!(out, "  - {line}");
            }
        }
    };
    list("否决原因", "Vetoed because", &result.veto_reasons);
    list("暂不能申请", "Cannot apply yet", &result.eligibility_reasons);
    list("提示", "Warnings", &result.warnings);
    if result.eligible_to_apply {
        let _ = writeln!(
            out,
            "{}",
            if zh {
                "符合申请条件（由用人单位申请）"
            } else {
                "Eligible to apply (through the employer)"
            }
        );
    }
    if !result.interpretations.is_empty() {
        let label = if zh { "所依据的解释" } else { "Interpretations applied" };
        let _ = writeln!(out, "{label}:");
        for id in &result.interpretations {
            let decision = Interpretation::get(id).map_or("", |interpretation| interpretation.decision.get(lang));
            let _ = writeln!(out, "  - {id} {decision}");
        }
    }
    out
}
