//! `jifen rules [ID]`: the rule sets, and each value with its citation and confidence;
//! `jifen rules export DIR` and `jifen rules import DIR`: the rule data in force as files,
//! and files published as rule data (with the checks, the audit entry and the rescoring a
//! publication in the browser has).

use crate::Failure;
use crate::score::Format;
use crate::storage::{Storage, runtime};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use jifen_applications::DataFiles;
use jifen_rules::RuleBook;
use jifen_rules::{Interpretation, Lang, RuleSet};
use serde_json::Value;
use std::fmt::Write;
use std::path::Path;

pub fn list(book: &RuleBook, id: Option<&str>, format: Format, lang: Lang) -> Result<String, Failure> {
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

/// The data files (rules, wages, working-day calendar) in force in the database `storage`
/// names.
pub fn files_in_force(storage: &Storage) -> Result<DataFiles, Failure> {
    runtime()?.block_on(async {
        let store = storage.open().await?;
        let service = jifen_applications::Service::new(store.clone()).map_err(Failure::internal)?;
        let files = service.rule_files().await.map_err(|e| Failure::internal(format!("rule data: {e}")));
        store.close().await;
        files
    })
}

/// Writes the rule data in force (published, or else embedded) into `dir`, one file each.
pub fn export(storage: &Storage, dir: &Path) -> Result<String, Failure> {
    let files = if storage.database_url.is_none() && !storage.sqlite_path().exists() {
        DataFiles::embedded()
    } else {
        files_in_force(storage)?
    };
    std::fs::create_dir_all(dir).map_err(|e| Failure::usage(format!("{}: {e}", dir.display())))?;
    let mut names = Vec::new();
    for (name, text) in files.iter() {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| Failure::internal(format!("{}: {e}", path.display())))?;
        names.push(name.to_string());
    }
    Ok(format!("{} files written to {}: {}\n", names.len(), dir.display(), names.join(", ")))
}

/// Publishes the `*.toml` files of `dir` that differ from the rule data in force, as the
/// administrator `by`, with `reason`; then carries the rescoring through (a running server
/// would carry it on too, and neither records anything twice).
pub fn import(storage: &Storage, dir: &Path, by: &str, reason: &str) -> Result<String, Failure> {
    let mut files = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| Failure::usage(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry.map_err(|e| Failure::internal(e.to_string()))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).filter(|n| n.ends_with(".toml")) else { continue };
        let text = std::fs::read_to_string(&path).map_err(|e| Failure::input(format!("{}: {e}", path.display())))?;
        files.push((name.to_string(), text));
    }
    files.sort();
    runtime()?.block_on(async {
        use jifen_store::AccountStore;
        let store = storage.open().await?;
        let service = jifen_applications::Service::new(store.clone()).map_err(Failure::internal)?;
        let outcome = async {
            let user = store.user_by_username(by).await.map_err(|e| Failure::internal(e.to_string()))?;
            let user = user
                .filter(|user| user.role == jifen_domain::Role::Admin && !user.disabled)
                .ok_or_else(|| Failure::usage(format!("\"{by}\" is not an active administrator")))?;
            let actor = jifen_applications::Actor::from(&user);
            let (count, run) = service.import_rules(&actor, &files, reason).await.map_err(|e| match e {
                jifen_applications::ServiceError::Invalid(problems) => Failure::input(
                    problems.iter().map(|p| p.message(Lang::En).to_string()).collect::<Vec<_>>().join("; "),
                ),
                other => Failure::input(other.message(Lang::En)),
            })?;
            let Some(run) = run else {
                return Ok("nothing to publish: every file is the rule data in force\n".to_string());
            };
            service
                .continue_rescoring(&format!("cli-import-{}", std::process::id()), None)
                .await
                .map_err(|e| Failure::internal(format!("rescoring: {e}")))?;
            let report = service.rescoring_report(&actor, run.id).await.map_err(|e| Failure::internal(e.to_string()))?;
            let crossing = report.changes.iter().filter(|c| c.standard != 0).count();
            Ok(format!(
                "{count} file(s) published; rescoring run {}: {} of {} rescored, {} changed, {crossing} cross the standard\n",
                run.id,
                report.run.done,
                report.run.total(),
                report.changes.len()
            ))
        }
        .await;
        store.close().await;
        outcome
    })
}
