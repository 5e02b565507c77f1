//! What the dashboards look like: the figures as tables and charts, in the reader's language.

use super::*;

pub(crate) fn render(state: &AppState, lang: Lang, actor: &Actor, dashboard: &Dashboard, title: &str) -> Markup {
    let query = dashboard_query(dashboard);
    let csv_link = |table: &str| {
        let href = format!("/dashboard.csv?table={table}{query}");
        html! { p { a.button.secondary href=(href) download { (t(lang, "导出 CSV", "Export CSV")) } } }
    };
    let period = |days: u32| match days {
        365 => t(lang, "近一年", "Last year").to_string(),
        days => format!("{}{days}{}", t(lang, "近 ", "Last "), t(lang, " 天", " days")),
    };
    let in_period = |days: u32| match lang {
        Lang::Zh => format!("（{}）", period(days)),
        Lang::En => format!(" ({})", period(days)),
    };
    let state_title = |id: &str| state.workflow.state_title(id, lang).map_or_else(|| id.to_string(), str::to_string);
    let band = |low: i64| format!("{low}–{}", low + SCORE_BAND - 1);
    let by_state_chart = {
        let bars: Vec<(String, i64)> = dashboard.by_state.iter().map(|(s, n)| (state_title(s), *n)).collect();
        jifen_chart::bar_chart(t(lang, "各状态申请数", "Applications by state"), t(lang, "件数", "applications"), &bars)
            .ok()
    };
    let scores_chart = {
        let bars: Vec<(String, i64)> = dashboard.score_bands.iter().map(|(low, n)| (band(*low), *n)).collect();
        jifen_chart::bar_chart(
            t(lang, "持证人积分分布", "Scores of current holders"),
            t(lang, "人数", "holders"),
            &bars,
        )
        .ok()
    };
    html! {
        h2 { (title) }
        p.hint {
            (t(lang, "截至", "As of")) " " (dashboard.today) (t(lang, "。", ". "))
            (t(lang, "办理时长与比例统计 ", "Times and rates cover ")) (dashboard.since) " – " (dashboard.today)
            (in_period(dashboard.period_days))
        }
        form method="get" action="/dashboard" {
            @if actor.role == Role::Admin {
                label { (t(lang, "范围", "Scope"))
                    select name="district" {
                        option value="" selected[dashboard.scope == Scope::City] { (t(lang, "全市", "The city")) }
                        @for district in District::ALL {
                            option value=(district.as_str()) selected[dashboard.scope == Scope::District(*district)] { (district.name(lang)) }
                        }
                    }
                }
            }
            label { (t(lang, "统计期", "Period"))
                select name="days" {
                    @for days in DASHBOARD_PERIODS {
                        option value=(days) selected[dashboard.period_days == days] { (period(days)) }
                    }
                }
            }
            div.actions { button type="submit" { (t(lang, "查看", "Show")) } }
        }

        h3 { (t(lang, "各状态申请数", "Applications by state")) }
        @if let Some(svg) = by_state_chart { div.chart { (PreEscaped(svg)) } }
        div.scroll { table.compact {
            thead { tr { th { (t(lang, "状态", "State")) } th { (t(lang, "件数", "Applications")) } } }
            tbody { @for (id, count) in &dashboard.by_state { tr { td { (state_title(id)) } td.num { (count) } } } }
        } }
        (csv_link("states"))

        h3 { (t(lang, "各区、各状态申请数", "Applications by district and state")) }
        @if dashboard.by_district_state.is_empty() { p { (t(lang, "暂无", "None")) } }
        @else { div.scroll { table.compact {
            thead { tr { th { (t(lang, "区", "District")) } th { (t(lang, "状态", "State")) } th { (t(lang, "件数", "Applications")) } } }
            tbody { @for (district, id, count) in &dashboard.by_district_state {
                tr { td { (district.name(lang)) } td { (state_title(id)) } td.num { (count) } }
            } }
        } } }
        (csv_link("districts"))

        h3 { (t(lang, "办理时限", "Clocks")) }
        div.scroll { table.compact { tbody {
            tr { th { (t(lang, "办理中", "Open")) } td { (dashboard.open) } }
            tr { th { (t(lang, "已超出中心办理时限", "Past the centre's due date")) } td { (dashboard.overdue) } }
            tr { th { (t(lang, "等待最久", "Waiting longest")) } td {
                @if let Some(waiting) = &dashboard.oldest_waiting {
                    (t(lang, "申请", "Application")) " " (waiting.id) " · " (waiting.district.name(lang)) " · "
                    (state_title(&waiting.state)) " · " (t(lang, "自", "since")) " " (shanghai_time(waiting.since))
                } @else { "—" }
            } }
        } } }
        (csv_link("clocks"))

        h3 { (t(lang, "从提交到决定的天数", "Days from filing to decision")) (in_period(dashboard.period_days)) }
        div.scroll { table.compact { tbody {
            tr { th { (t(lang, "决定数", "Decisions")) } td { (dashboard.decision_days.len()) } }
            tr { th { (t(lang, "中位数", "Median")) } td { (dashboard.median_days.map_or_else(|| "—".into(), |m| format!("{m:.1}"))) } }
            tr { th { (t(lang, "第 90 百分位", "90th percentile")) } td { (dashboard.p90_days.map_or_else(|| "—".into(), |p| p.to_string())) } }
        } } }
        (csv_link("decisions"))

        h3 { (t(lang, "受理、补正与批准比例", "Acceptance, correction and approval rates")) (in_period(dashboard.period_days)) }
        div.scroll { table.compact {
            thead { tr { th {} th { (t(lang, "件数", "Count")) } th { (t(lang, "共计", "Of")) } th { (t(lang, "比例", "Rate")) } } }
            tbody { @for (name, rate) in [
                (t(lang, "窗口受理", "Accepted at the counter"), dashboard.acceptance),
                (t(lang, "一次性告知补正", "Correction notices"), dashboard.correction),
                (t(lang, "审核通过", "Approved"), dashboard.approval),
            ] { tr { th { (name) } td.num { (rate.count) } td.num { (rate.of) } td.num { (percent(rate)) } } } }
        } }
        (csv_link("rates"))

        h3 { (t(lang, "持证人积分分布", "Scores of current holders")) }
        @if let Some(svg) = scores_chart { div.chart { (PreEscaped(svg)) } }
        @if dashboard.score_bands.is_empty() { p { (t(lang, "暂无", "None")) } }
        @else { div.scroll { table.compact {
            thead { tr { th { (t(lang, "分值段", "Band")) } th { (t(lang, "人数", "Holders")) } } }
            tbody { @for (low, count) in &dashboard.score_bands { tr { td { (band(*low)) } td.num { (count) } } } }
        } } }
        (csv_link("scores"))

        h3 { (t(lang, "30 天内到期需续办", "Renewals due within 30 days")) }
        @if dashboard.renewals_due.is_empty() { p { (t(lang, "暂无", "None")) } }
        @else {
            @if dashboard.renewals_due.len() > RENEWALS_SHOWN {
                p.hint id="renewals-shown" {
                    (t(lang, "共 ", "")) (dashboard.renewals_due.len()) (t(lang, " 份，此处列出最早到期的 ", " in all; the ")) (RENEWALS_SHOWN)
                    (t(lang, " 份；完整名单请导出 CSV。", " ending soonest are listed here, and every one in the CSV."))
                }
            }
            div.scroll { table.cards id="renewals-due" {
            thead { tr {
                th { (t(lang, "通知书编号", "Notice")) } th { (t(lang, "申请", "Application")) }
                th { (t(lang, "区", "District")) } th { (t(lang, "积分", "Points")) } th { (t(lang, "有效期至", "Valid until")) }
            } }
            tbody { @for renewal in dashboard.renewals_due.iter().take(RENEWALS_SHOWN) { tr {
                td.item { (renewal.serial) }
                td data-label=(t(lang, "申请", "Application")) { (renewal.application_id) }
                td data-label=(t(lang, "区", "District")) { (renewal.district.name(lang)) }
                td.num data-label=(t(lang, "积分", "Points")) { (renewal.total) }
                td.date data-label=(t(lang, "有效期至", "Valid until")) { (renewal.valid_until) }
            } } }
        } } }
        (csv_link("renewals"))
        p { a href="/home" { (t(lang, "工作台", "Home")) } }
    }
}

/// How many renewals due the page lists (the CSV has every one): a city's month may hold tens
/// of thousands.
const RENEWALS_SHOWN: usize = 100;

/// The scope and period of a dashboard as the rest of a query (`&district=…&days=…`).
fn dashboard_query(dashboard: &Dashboard) -> String {
    let mut query = String::new();
    if let Scope::District(district) = dashboard.scope {
        query.push_str("&district=");
        query.push_str(district.as_str());
    }
    if dashboard.period_days != DEFAULT_DASHBOARD_PERIOD {
        query.push_str(&format!("&days={}", dashboard.period_days));
    }
    query
}

fn percent(rate: Rate) -> String {
    rate.percent().map_or_else(|| "—".into(), |p| format!("{p:.1}%"))
}
