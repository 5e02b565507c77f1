//! What a points notice looks like: its public check's answer, and the holder's notice on their home page.

use super::*;

pub(crate) fn verdict(notice: &PublicNotice, lang: Lang) -> Markup {
    let class = if notice.standing == NoticeStanding::Current { "notice" } else { "error" };
    html! {
        div class=(class) role="status" id="verdict" data-standing=(notice.standing.as_str()) {
            p { strong { (match notice.standing {
                NoticeStanding::Current => t(lang, "真实有效的积分通知书。", "A genuine notice, in force."),
                NoticeStanding::Superseded => t(lang, "通知书真实，但已被持证人新的通知书取代，不再有效。", "Genuine, but superseded by a later notice of the holder: no longer in force."),
                NoticeStanding::Expired => t(lang, "通知书真实，但已过有效期。", "Genuine, but expired."),
            }) } }
            table.review { tbody {
                tr { th { (t(lang, "编号", "Serial")) } td { (notice.serial) } }
                tr { th { (t(lang, "持证人", "Holder")) } td { (notice.holder) } }
                tr { th { (t(lang, "身份证号码", "ID number")) } td { (notice.id_number) } }
                tr { th { (t(lang, "用人单位", "Employer")) } td { (notice.employer) } }
                tr { th { (t(lang, "核定积分", "Verified score")) } td { (notice.total) } }
                tr { th { (t(lang, "有效期至", "Valid until")) } td { (notice.valid_until) } }
                tr { th { (t(lang, "签发", "Issued")) } td { (notice.centre) " · " (notice.issued_on) } }
            } }
        }
    }
}

/// The holder's notice on their home page: its standing, validity and renewal window, the
/// print, and the renewal and change buttons when they may be used.
pub(crate) fn on_home(
    notice: &jifen_store::PointsNotice,
    standing: NoticeStanding,
    rescored: Option<i64>,
    today: chrono::NaiveDate,
    csrf: &str,
    lang: Lang,
) -> Markup {
    let window = jifen_applications::Service::renewal_window(notice);
    let renewable = standing != NoticeStanding::Superseded && window.is_some_and(|w| w.contains(today));
    let changeable = standing == NoticeStanding::Current;
    let start = |kind: jifen_domain::ApplicationKind, title: &str| {
        html! {
            form.inline method="post" action="/applications/follow-up" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="kind" value=(kind.as_str());
                button.secondary type="submit" { (title) }
            }
        }
    };
    html! {
        section.summary id="my-notice" {
            p { strong { (t(lang, "积分通知书", "Points notice")) } " " (notice.serial) " · "
                (t(lang, "核定积分 ", "verified score ")) (notice.total) " · "
                (standing_text(standing, lang)) " · "
                (t(lang, "有效期至 ", "valid until ")) (notice.valid_until) }
            @if let Some(total) = rescored {
                p id="rescored" { (t(lang, "按本市新公布的积分规则数据重新计算：", "Rescored under newly published rule data: ")) strong { (total) }
                    (t(lang, " 分（以续办或变更时核定的分值为准）", " (the score verified at renewal or change is what counts)")) }
            }
            @if let Some(window) = window {
                p id="renewal" { (say!(lang,
                    "积分续办办理期：{opens} 至 {closes}（到期后超过 60 天积分失效）",
                    "Renewal: from {opens} to {closes} (more than 60 days after the end, the points lapse)",
                    opens = window.opens, closes = window.closes)) }
            }
            p {
                a.button.secondary href=(format!("/applications/{}/notice.pdf", notice.application_id)) { (t(lang, "打印积分通知书（PDF）", "Print the points notice (PDF)")) }
                @if renewable { " " (start(jifen_domain::ApplicationKind::Renewal, t(lang, "办理积分续办", "Renew"))) }
                @if changeable { " " (start(jifen_domain::ApplicationKind::Change, t(lang, "办理积分变更（换单位或信息变化）", "Apply for a change (new employer or facts)"))) }
            }
        }
    }
}

/// The public check: the form, and its answer when asked.
pub(crate) fn check(lang: Lang, serial: &str, code: &str, asked: bool, found: Option<&PublicNotice>) -> Markup {
    html! {
        h2 { (t(lang, "积分通知书核验", "Verify a points notice")) }
        @match (found, asked) {
            (Some(notice), _) => (verdict(notice, lang)),
            (None, true) => div.error role="alert" id="verdict" data-standing="unknown" {
                (t(lang, "查无此通知书：编号或校验码不正确。", "No such notice: the serial or the check code is wrong."))
            },
            (None, false) => {},
        }
        form method="get" action="/verify" {
            label { (t(lang, "通知书编号", "Serial")) input name="serial" value=(serial) required; }
            label { (t(lang, "校验码", "Check code")) input name="code" value=(code) required autocomplete="off"; }
            button type="submit" { (t(lang, "核验", "Verify")) }
        }
        p.hint { (t(lang, "编号与校验码印在通知书二维码旁。本页只显示核验所需信息，个人信息已部分隐去。",
            "The serial and the check code are printed beside the notice's QR code. This page shows only what a check needs, with personal data masked.")) }
    }
}
