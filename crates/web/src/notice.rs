//! The points notice's pages: the PDF for whoever may see the application, and the public
//! verification page its QR code leads to (no sign-in; personal data masked).

use crate::AppState;
use crate::lang::Chosen;
use crate::layout::{say, t};
use crate::respond::{OrPage, PageResult, Refusal, page};
use crate::session::SignedIn;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use jifen_applications::{Actor, NoticeStanding, PublicNotice};
use jifen_rules::Lang;
use maud::html;

pub fn standing_text(standing: NoticeStanding, lang: Lang) -> &'static str {
    match standing {
        NoticeStanding::Current => t(lang, "有效", "in force"),
        NoticeStanding::Superseded => t(lang, "已被新的通知书取代", "superseded by a later notice"),
        NoticeStanding::Expired => t(lang, "已过有效期", "expired"),
    }
}

/// Where the QR code leads: the public address when configured, else the address this
/// request came to.
fn verify_base(state: &AppState, headers: &HeaderMap) -> String {
    let origin = state.public_url.clone().unwrap_or_else(|| {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        format!("http://{host}")
    });
    format!("{origin}/verify")
}

/// `GET /applications/{id}/notice.pdf`: the points notice, the same at every print.
pub async fn pdf(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    Path(id): Path<i64>,
) -> PageResult {
    let base = verify_base(&state, &headers);
    match state.service.notice_pdf(&Actor::from(&signed.user), id, &base).await {
        Ok(bytes) => {
            Ok(crate::applications::file_response(bytes, "application/pdf", &format!("积分通知书-{id}.pdf"), true))
        }
        Err(e) => Err(Refusal::of(chosen.lang, &e)),
    }
}

#[derive(serde::Deserialize, Default)]
pub struct VerifyQuery {
    #[serde(default)]
    serial: String,
    #[serde(default)]
    code: String,
}

/// `GET /verify`: the form for a serial and its check code (and its answer when asked).
pub async fn form(State(state): State<AppState>, chosen: Chosen, Query(query): Query<VerifyQuery>) -> PageResult {
    answer(&state, chosen.lang, query.serial.trim(), query.code.trim()).await
}

/// `GET /verify/{serial}/{code}`: where the QR code leads.
pub async fn scanned(
    State(state): State<AppState>,
    chosen: Chosen,
    Path((serial, code)): Path<(String, String)>,
) -> PageResult {
    answer(&state, chosen.lang, &serial, &code).await
}

async fn answer(state: &AppState, lang: Lang, serial: &str, code: &str) -> PageResult {
    let asked = !serial.is_empty() || !code.is_empty();
    let found = match asked {
        true => match state.service.verify_notice(serial, code).await {
            Ok(found) => found,
            Err(e) => return Err(Refusal::of(lang, &e)),
        },
        false => None,
    };
    let body = html! {
        h2 { (t(lang, "积分通知书核验", "Verify a points notice")) }
        @match (&found, asked) {
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
    };
    let status = if asked && found.is_none() { StatusCode::NOT_FOUND } else { StatusCode::OK };
    Ok(page(status, lang, t(lang, "积分通知书核验", "Verify a points notice"), body))
}

fn verdict(notice: &PublicNotice, lang: Lang) -> maud::Markup {
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

#[derive(serde::Deserialize)]
pub struct FollowUpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
}

/// `POST /applications/follow-up`: the holder starts the renewal or a change of their notice.
pub async fn follow_up(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    crate::checked_form::CheckedForm(form): crate::checked_form::CheckedForm<FollowUpForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    let Some(kind) = jifen_domain::ApplicationKind::parse(&form.kind) else {
        return Err(Refusal::of(lang, &jifen_applications::ServiceError::NotFound));
    };
    let application = state.service.start_follow_up(&Actor::from(&signed.user), kind).await.or_page(lang)?;
    Ok(crate::respond::see_other(&format!("/applications/{}", application.id)))
}

/// The holder's notice on their home page: its standing, validity and renewal window, the
/// print, and the renewal and change buttons when they may be used.
pub fn on_home(
    notice: &jifen_store::PointsNotice,
    standing: NoticeStanding,
    rescored: Option<i64>,
    today: chrono::NaiveDate,
    csrf: &str,
    lang: Lang,
) -> maud::Markup {
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
