//! What the dashboards look like: the figures as tables and charts, in the reader's language.

use super::*;

pub(crate) fn render(state: &AppState, lang: Lang, actor: &Actor, dashboard: &Dashboard, title: &str) -> Markup {
    let scope = scope_query(dashboard.scope);
    let csv_link = |table: &str| {
        let href = if scope.is_empty() {
            format!("/dashboard.csv?table={table}")
        } else {
            format!("/dashboard.csv?table={table}&{scope}")
        };
        html! { p { a.button.secondary href=(href) download { (t(lang, "导出 CSV", "Export CSV")) } } }
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
        p.hint { (t(lang, "截至", "As of")) " " (dashboard.today) }
        @if actor.role == Role::Admin {
            form method="get" action="/dashboard" {
                label { (t(lang, "范围", "Scope"))
                    select name="district" {
                        option value="" selected[dashboard.scope == Scope::City] { (t(lang, "全市", "The city")) }
                        @for district in District::ALL {
                            option value=(district.as_str()) selected[dashboard.scope == Scope::District(*district)] { (district.name(lang)) }
                        }
                    }
                }
                div.actions { button type="submit" { (t(lang, "查看", "Show")) } }
            }
        }

        h3 { (t(lang, "各状态申请数", "Applications by state")) }
        @if let Some(svg) = by_state_chart { div.chart { (PreEscaped(svg)) } }
        div.scroll { table {
            thead { tr { th { (t(lang, "状态", "State")) } th { (t(lang, "件数", "Applications")) } } }
            tbody { @for (id, count) in &dashboard.by_state { tr { td { (state_title(id)) } td { (count) } } } }
        } }
        (csv_link("states"))

        h3 { (t(lang, "各区、各状态申请数", "Applications by district and state")) }
        @if dashboard.by_district_state.is_empty() { p { (t(lang, "暂无", "None")) } }
        @else { div.scroll { table {
            thead { tr { th { (t(lang, "区", "District")) } th { (t(lang, "状态", "State")) } th { (t(lang, "件数", "Applications")) } } }
            tbody { @for (district, id, count) in &dashboard.by_district_state {
                tr { td { (district.name(lang)) } td { (state_title(id)) } td { (count) } }
            } }
        } } }
        (csv_link("districts"))

        h3 { (t(lang, "办理时限", "Clocks")) }
        div.scroll { table { tbody {
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

        h3 { (t(lang, "从提交到决定的天数", "Days from filing to decision")) }
        div.scroll { table { tbody {
            tr { th { (t(lang, "决定数", "Decisions")) } td { (dashboard.decision_days.len()) } }
            tr { th { (t(lang, "中位数", "Median")) } td { (dashboard.median_days.map_or_else(|| "—".into(), |m| format!("{m:.1}"))) } }
            tr { th { (t(lang, "第 90 百分位", "90th percentile")) } td { (dashboard.p90_days.map_or_else(|| "—".into(), |p| p.to_string())) } }
        } } }
        (csv_link("decisions"))

        h3 { (t(lang, "受理、补正与批准比例", "Acceptance, correction and approval rates")) }
        div.scroll { table {
            thead { tr { th {} th { (t(lang, "件数", "Count")) } th { (t(lang, "共计", "Of")) } th { (t(lang, "比例", "Rate")) } } }
            tbody { @for (name, rate) in [
                (t(lang, "窗口受理", "Accepted at the counter"), dashboard.acceptance),
                (t(lang, "一次性告知补正", "Correction notices"), dashboard.correction),
                (t(lang, "审核通过", "Approved"), dashboard.approval),
            ] { tr { th { (name) } td { (rate.count) } td { (rate.of) } td { (percent(rate)) } } } }
        } }
        (csv_link("rates"))

        h3 { (t(lang, "持证人积分分布", "Scores of current holders")) }
        @if let Some(svg) = scores_chart { div.chart { (PreEscaped(svg)) } }
        @if dashboard.score_bands.is_empty() { p { (t(lang, "暂无", "None")) } }
        @else { div.scroll { table {
            thead { tr { th { (t(lang, "分值段", "Band")) } th { (t(lang, "人数", "Holders")) } } }
            tbody { @for (low, count) in &dashboard.score_bands { tr { td { (band(*low)) } td { (count) } } } }
        } } }
        (csv_link("scores"))

        h3 { (t(lang, "30 天内到期需续办", "Renewals due within 30 days")) }
        @if dashboard.renewals_due.is_empty() { p { (t(lang, "暂无", "None")) } }
        @else { div.scroll { table {
            thead { tr {
                th { (t(lang, "通知书编号", "Notice")) } th { (t(lang, "申请", "Application")) }
                th { (t(lang, "区", "District")) } th { (t(lang, "积分", "Points")) } th { (t(lang, "有效期至", "Valid until")) }
            } }
            tbody { @for renewal in &dashboard.renewals_due { tr {
                td { (renewal.serial) } td { (renewal.application_id) } td { (renewal.district.name(lang)) }
                td { (renewal.total) } td { (renewal.valid_until) }
            } } }
        } } }
        (csv_link("renewals"))
        p { a href="/home" { (t(lang, "工作台", "Home")) } }
    }
}

fn scope_query(scope: Scope) -> String {
    match scope {
        Scope::District(district) => format!("district={}", district.as_str()),
        Scope::City => String::new(),
    }
}

fn percent(rate: Rate) -> String {
    rate.percent().map_or_else(|| "—".into(), |p| format!("{p:.1}%"))
}
