//! `jifen plan FILE`: when the standard is reached, the ranked actions, and with
//! `--deadline` the least-effort plan that meets it; `--chart` draws it.

use crate::score::Format;
use crate::{Failure, read_input};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use jifen_planner::{ActionDocument, Catalogue, Event, PlanDocument, PlanRequest, plan, signed};
use jifen_rules::Lang;
use std::fmt::Write;

pub struct PlanOptions<'a> {
    pub format: Format,
    pub lang: Lang,
    pub deadline: Option<chrono::NaiveDate>,
    pub horizon_years: Option<u32>,
    pub base_growth_percent: Option<u32>,
    pub chart: Option<&'a str>,
    /// The rule data in force (see [`crate::rule_book_of`]).
    pub book: &'static jifen_rules::RuleBook,
}

/// Plans for the document in `path` and returns what to print.
pub fn plan_file(path: &str, options: &PlanOptions) -> Result<String, Failure> {
    let bytes = read_input(path)?;
    let book = options.book;
    let catalogue = Catalogue::embedded().map_err(|e| Failure::internal(e.to_string()))?;
    let mut request = PlanRequest::from_document_slice(&bytes).map_err(|e| Failure::input(e.message(options.lang)))?;
    if let Some(deadline) = options.deadline {
        request.deadline = Some(deadline);
    }
    if let Some(years) = options.horizon_years {
        request.horizon_years = years;
    }
    if let Some(growth) = options.base_growth_percent {
        request.assumptions.base_growth_percent = growth;
    }
    let today = crate::clock::today_in_shanghai();
    let plan = plan(book, catalogue, &request, today).map_err(|e| Failure::input(e.to_string()))?;
    let document = plan.to_document(options.lang);
    if let Some(chart_path) = options.chart {
        write_chart(&document, options.lang, chart_path)?;
    }
    match options.format {
        Format::Json => serde_json::to_string_pretty(&document)
            .map(|text| text + "\n")
            .map_err(|e| Failure::internal(e.to_string())),
        Format::Table => Ok(report(&document, options.lang)),
    }
}

fn write_chart(document: &PlanDocument, lang: Lang, path: &str) -> Result<(), Failure> {
    let svg = jifen_chart::plan_chart(document, lang).map_err(|e| Failure::internal(format!("chart: {e}")))?;
    std::fs::write(path, svg).map_err(|e| Failure::input(format!("{path}: {e}")))
}

fn date_or(date: Option<chrono::NaiveDate>, none: &str) -> String {
    date.map_or_else(|| none.to_string(), |d| d.to_string())
}

fn write_events(out: &mut String, events: &[Event], lang: Lang) {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_width(120);
    let zh = lang == Lang::Zh;
    table.set_header(if zh {
        ["日期", "项目", "变化", "总分", "原因"]
    } else {
        ["Date", "Item", "Change", "Total", "Why"]
    });
    for event in events {
        table.add_row(vec![
            event.date.to_string(),
            event.item.name(lang).to_string(),
            signed(event.delta),
            event.total.to_string(),
            event.explanation.clone(),
        ]);
    }
    let _ = writeln!(out, "{table}");
}

/// Until when the standard holds once reached, what brings the total below it, and which
/// actions keep it longer.
fn write_standing(out: &mut String, document: &PlanDocument, lang: Lang) {
    let Some(standing) = &document.standing else { return };
    let zh = lang == Lang::Zh;
    let _ = writeln!(out, "{}", standing.text);
    if !standing.falls.is_empty() {
        let _ = writeln!(out, "{}", if zh { "低于标准分值的原因：" } else { "What brings the total below:" });
        for fall in &standing.falls {
            let _ = writeln!(
                out,
                "  - {} {} {}{}{}",
                fall.date,
                fall.item.name(lang),
                signed(fall.delta),
                if zh { "：" } else { ": " },
                fall.explanation
            );
        }
    }
    let keeps: Vec<&str> = standing
        .keeps
        .iter()
        .filter_map(|id| document.actions.iter().find(|action| &action.id == id))
        .map(|action| action.title.as_str())
        .collect();
    if !keeps.is_empty() {
        let _ = writeln!(
            out,
            "{}{}",
            if zh { "能更久保持达标的行动：" } else { "Actions that keep the standard longer: " },
            keeps.join(if zh { "；" } else { "; " })
        );
    }
}

/// Why an action gains nothing, or, once the standard is reached and would fall, until when
/// the action holds it.
fn action_note(document: &PlanDocument, action: &ActionDocument, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    match (&action.no_gain, &document.standing) {
        (Some(no_gain), _) => no_gain.text.clone(),
        (None, Some(standing)) if standing.falls_on.is_some() && action.reaches_on.is_some() => {
            match action.falls_on.and_then(|date| date.pred_opt()) {
                Some(until) if zh => format!("保持达标至 {until}"),
                Some(until) => format!("holds the standard to {until}"),
                None if zh => "推算期内一直达标".to_string(),
                None => "holds the standard through the horizon".to_string(),
            }
        }
        (None, _) => String::new(),
    }
}

/// The readable report.
pub fn report(document: &PlanDocument, lang: Lang) -> String {
    let zh = lang == Lang::Zh;
    let mut out = String::new();
    let never = if zh { "推算期内不会达标" } else { "not within the horizon" };
    if zh {
        let _ = writeln!(out, "积分规划：计分日 {}，推算至 {}", document.as_of, document.until);
        let _ = writeln!(out, "当前积分 {}（标准分值 {}）", document.current.total, document.standard);
        let _ = writeln!(out, "维持现状预计达标日期：{}", date_or(document.reaches_on, never));
    } else {
        let _ = writeln!(out, "Plan from {} to {}", document.as_of, document.until);
        let _ = writeln!(out, "Current total {} (standard {})", document.current.total, document.standard);
        let _ = writeln!(out, "Reaches the standard as things are: {}", date_or(document.reaches_on, never));
    }
    write_standing(&mut out, document, lang);
    if !document.notes.is_empty() {
        let _ = writeln!(out, "{}", if zh { "假设：" } else { "Assumptions:" });
        for note in &document.notes {
            let _ = writeln!(out, "  - {note}");
        }
    }
    if !document.events.is_empty() {
        let _ = writeln!(out, "\n{}", if zh { "分数变化（维持现状）：" } else { "Changes as things are:" });
        write_events(&mut out, &document.events, lang);
    }
    if !document.threats.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            if zh { "风险提示（未来 36 个月内的减分）：" } else { "Threats (falls within 36 months):" }
        );
        for threat in &document.threats {
            let _ = writeln!(
                out,
                "  - {} {} {}：{}",
                threat.date,
                threat.item.name(lang),
                signed(threat.delta),
                threat.explanation
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        if zh {
            "可选行动（按达标日期、保持达标时长、投入、增分排序）："
        } else {
            "Actions, ranked (earliest to reach, then longest held, then effort, then gain):"
        }
    );
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic).set_width(120);
    table.set_header(if zh {
        ["行动", "投入", "最早完成", "达标日期", "提前（月）", "最多多得", "说明"]
    } else {
        ["Action", "Effort", "Ready", "Reaches 120", "Months earlier", "Best gain", "Note"]
    });
    for action in &document.actions {
        table.add_row(vec![
            action.title.clone(),
            action.effort.to_string(),
            action.ready_on.to_string(),
            date_or(action.reaches_on, "—"),
            action.months_earlier.map_or_else(|| "—".to_string(), |m| m.to_string()),
            signed(action.gain),
            action_note(document, action, lang),
        ]);
    }
    let _ = writeln!(out, "{table}");
    if !document.not_proposed.is_empty() {
        let _ = writeln!(out, "{}", if zh { "未建议的行动：" } else { "Not proposed:" });
        for action in &document.not_proposed {
            let _ = writeln!(out, "  - {}{}{}", action.title, if zh { "：" } else { ": " }, action.text);
        }
    }
    if let Some(deadline) = &document.deadline {
        let _ = writeln!(out);
        // Each action with what it adds within the plan.
        let titles: Vec<String> = deadline
            .actions
            .iter()
            .map(|a| {
                if zh {
                    format!("{}（{}）", a.title, signed(a.gain))
                } else {
                    format!("{} ({})", a.title, signed(a.gain))
                }
            })
            .collect();
        match (deadline.met, deadline.actions.is_empty(), zh) {
            (true, true, true) => {
                let _ = writeln!(
                    out,
                    "截止日期 {}：维持现状即可于 {} 达标",
                    deadline.date,
                    date_or(deadline.reaches_on, "—")
                );
            }
            (true, true, false) => {
                let _ = writeln!(
                    out,
                    "Deadline {}: met as things are, on {}",
                    deadline.date,
                    date_or(deadline.reaches_on, "—")
                );
            }
            (true, false, true) => {
                let _ = writeln!(
                    out,
                    "截止日期 {}：投入最少的方案（投入 {}）：{}；预计 {} 达标",
                    deadline.date,
                    deadline.effort,
                    titles.join("＋"),
                    date_or(deadline.reaches_on, "—")
                );
            }
            (true, false, false) => {
                let _ = writeln!(
                    out,
                    "Deadline {}: least-effort plan (effort {}): {}; reaches the standard on {}",
                    deadline.date,
                    deadline.effort,
                    titles.join(" + "),
                    date_or(deadline.reaches_on, "—")
                );
            }
            (false, _, true) => {
                let _ = writeln!(
                    out,
                    "截止日期 {}：没有方案能在此前达标；最接近的方案{}在 {} 达到 {} 分",
                    deadline.date,
                    if titles.is_empty() {
                        "（维持现状）".to_string()
                    } else {
                        format!("（{}）", titles.join("＋"))
                    },
                    deadline.best_on,
                    deadline.best_total
                );
            }
            (false, _, false) => {
                let _ = writeln!(
                    out,
                    "Deadline {}: no plan reaches the standard by then; the closest{} reaches {} on {}",
                    deadline.date,
                    if titles.is_empty() {
                        " (as things are)".to_string()
                    } else {
                        format!(" ({})", titles.join(" + "))
                    },
                    deadline.best_total,
                    deadline.best_on
                );
            }
        }
        if !deadline.events.is_empty() {
            let _ = writeln!(out, "{}", if zh { "方案逐月说明：" } else { "The plan month by month:" });
            write_events(&mut out, &deadline.events, lang);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use jifen_planner::PlanRequest;

    /// The readable report of the plan for `profile` with `deadline`, and its document.
    fn reported(profile: serde_json::Value, deadline: &str, lang: Lang) -> (String, serde_json::Value) {
        let document = serde_json::json!({"profile": profile, "deadline": deadline});
        let request = PlanRequest::from_document_slice(document.to_string().as_bytes()).unwrap();
        let book = crate::rule_book().unwrap();
        let catalogue = Catalogue::embedded().unwrap();
        let today = chrono::NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
        let plan = plan(book, catalogue, &request, today).unwrap();
        let document = plan.to_document(lang);
        (report(&document, lang), serde_json::to_value(&document).unwrap())
    }

    #[test]
    fn the_report_says_until_when_the_standard_holds_why_it_falls_and_what_keeps_it() {
        // 100 points for a base above 2 × the average wage until those months leave the window.
        let profile = serde_json::json!({
            "as_of": "2025-06-30", "birth_date": "1990-05-05", "education": [{"level": "associate"}],
            "social_insurance": [{"from": "2021-06", "to": "2025-05", "base": 30000},
                                 {"from": "2025-06", "to": "2025-06", "base": 5000}],
        });
        let (text, document) = reported(profile, "2026-12-31", Lang::Zh);
        let standing = &document["standing"];
        assert!(standing["falls_on"].is_string(), "{standing}");
        assert!(text.contains(standing["text"].as_str().unwrap()), "{text}");
        assert!(text.contains("低于标准分值的原因："), "{text}");
        assert!(text.contains("能更久保持达标的行动："), "{text}");
        for skipped in document["not_proposed"].as_array().unwrap() {
            let line = format!("  - {}：{}", skipped["title"].as_str().unwrap(), skipped["text"].as_str().unwrap());
            assert!(text.contains(&line), "{line} missing from\n{text}");
        }
    }

    #[test]
    fn the_report_shows_what_each_deadline_action_adds() {
        // A bachelor's diploma without the degree and a base below the average wage: the title
        // counts only with the base it needs.
        let profile = serde_json::json!({
            "as_of": "2025-06-30", "birth_date": "1995-05-05", "education": [{"level": "bachelor"}],
            "social_insurance": [{"from": "2019-01", "to": "2025-06", "base": 6000}],
        });
        let (text, document) = reported(profile, "2026-12-31", Lang::En);
        let actions = document["deadline"]["actions"].as_array().unwrap();
        assert!(actions.len() >= 2, "{actions:?}");
        for action in actions {
            let gain = action["gain"].as_i64().unwrap();
            assert!(gain > 0, "{action}");
            let shown = format!("{} ({})", action["title"].as_str().unwrap(), signed(gain));
            assert!(text.contains(&shown), "{shown} missing from\n{text}");
        }
    }
}
