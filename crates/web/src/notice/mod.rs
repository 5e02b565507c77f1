//! The points notice's pages: the PDF for whoever may see the application, and the public
//! verification page its QR code leads to (no sign-in; personal data masked).

use crate::AppState;
use crate::checked_form::CheckedQuery;
use crate::lang::Chosen;
use crate::layout::{say, t};
use crate::respond::IdPath;
use crate::respond::{OrPage, PageResult, Refusal, page};
use crate::session::SignedIn;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use jifen_applications::{Actor, NoticeStanding, PublicNotice};
use jifen_rules::Lang;
use jifen_store::{ApplicationId, UserId};
use maud::{Markup, html};

pub(crate) mod views;
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
    let origin = state.public_url.as_deref().map_or_else(
        || {
            let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
            format!("http://{host}")
        },
        str::to_string,
    );
    format!("{origin}/verify")
}

/// `GET /applications/{id}/notice.pdf`: the points notice, the same at every print.
pub async fn pdf(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(id): IdPath<ApplicationId>,
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
pub async fn form(
    State(state): State<AppState>,
    chosen: Chosen,
    CheckedQuery(query): CheckedQuery<VerifyQuery>,
) -> PageResult {
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
        true => state.service.verify_notice(serial, code).await.or_page(lang)?,
        false => None,
    };
    let body = views::check(lang, serial, code, asked, found.as_ref());
    let status = if asked && found.is_none() { StatusCode::NOT_FOUND } else { StatusCode::OK };
    Ok(page(status, lang, t(lang, "积分通知书核验", "Verify a points notice"), body))
}

/// The form that starts a renewal or a change: the holder's own, or the HR agent's for one of
/// its people.
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
    start_follow_up(&state, chosen.lang, &headers, &signed, signed.user.id, &form).await
}

/// Starts what `form` asks for `holder` (the signed-in person, or one of the HR agent's
/// people) and goes to the new application.
pub(crate) async fn start_follow_up(
    state: &AppState,
    lang: Lang,
    headers: &HeaderMap,
    signed: &SignedIn,
    holder: UserId,
    form: &FollowUpForm,
) -> PageResult {
    signed.check_form(headers, &form.csrf, lang)?;
    let Some(kind) = jifen_domain::ApplicationKind::parse(&form.kind) else {
        return Err(Refusal::of(lang, &jifen_applications::ServiceError::NotFound));
    };
    let actor = Actor::from(&signed.user);
    let application = state.service.start_follow_up_for(&actor, holder, kind).await.or_page(lang)?;
    Ok(crate::respond::see_other(&format!("/applications/{}", application.id)))
}
