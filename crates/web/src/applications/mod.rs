//! Application pages: the list, the form (live claimed score, drafts, submission), the
//! employer's review with comments by field, progress and history, the materials checklist
//! with uploads and downloads, and the printable PDF. Handlers parse and render; the
//! application process (`jifen-applications`) decides everything else.

use crate::AppState;
use crate::checked_form::CheckedQuery;
use crate::checked_form::{CheckedForm, check_texts};
use crate::fields::{Notes, application_sections, display, label_of};
use crate::lang::Chosen;
use crate::layout::{say, t};
use crate::respond::IdPath;
use crate::respond::{OrPage, PageResult, Refusal, message, page, see_other, service_status, stale_form};
use crate::session::{SignedIn, same_origin};
use crate::simulator::views::{fieldset, score_section};
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jifen_applications::{
    Actor, ApplicationView, ChangesSinceReturn, ChosenFile, FieldComments, Service, ServiceError,
};
use jifen_domain::Role;
use jifen_domain::application::Problem;
use jifen_domain::clock::shanghai_time;
use jifen_domain::form::Fields;
use jifen_domain::workflow::states;
use jifen_rules::Lang;
use jifen_store::{ApplicationId, UploadId};
use maud::{Markup, html};
use std::collections::BTreeMap;
use views::claimed_score;

pub(crate) mod views;
/// Rows of insurance history the application form offers.
pub const APPLICATION_INSURANCE_ROWS: usize = 8;

/// The form fields of a multipart request: text parts by name, file parts with their names.
#[derive(Default)]
pub struct Parts {
    texts: BTreeMap<String, String>,
    files: Vec<(String, String, Vec<u8>)>,
}

impl Parts {
    pub fn text(&self, name: &str) -> String {
        self.texts.get(name).cloned().unwrap_or_default()
    }

    /// The file sent as `name`: its file name and bytes.
    pub fn file(&self, name: &str) -> Option<(&str, &[u8])> {
        self.files
            .iter()
            .find(|(part, _, _)| part == name)
            .map(|(_, filename, bytes)| (filename.as_str(), bytes.as_slice()))
    }
}

/// Reads a multipart form whose files together are at most `limit` bytes. A request that is
/// no multipart form at all (another content type) is refused with the same page as one
/// that cannot be read.
pub async fn read_multipart(
    multipart: Result<Multipart, MultipartRejection>,
    limit: usize,
    lang: Lang,
) -> Result<Parts, Refusal> {
    let too_large = || -> Refusal {
        let text = match lang {
            Lang::Zh => format!("文件过大，最多 {} MB", limit / 1024 / 1024),
            Lang::En => format!("The file is too large; at most {} MB", limit / 1024 / 1024),
        };
        message(StatusCode::PAYLOAD_TOO_LARGE, lang, &text).into()
    };
    let unreadable = || -> Refusal {
        message(StatusCode::BAD_REQUEST, lang, t(lang, "无法读取上传的表单", "The uploaded form cannot be read")).into()
    };
    let Ok(mut multipart) = multipart else { return Err(unreadable()) };
    let mut parts = Parts::default();
    let mut total = 0usize;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(unreadable()),
        };
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => return Err(unreadable()),
        };
        // The limit is the file's own, as the page states it: the form's small text fields
        // (the CSRF token) do not count against it.
        if filename.is_some() {
            total += bytes.len();
            if total > limit {
                return Err(too_large());
            }
        }
        match filename {
            Some(filename) => parts.files.push((name, filename, bytes.to_vec())),
            None => {
                parts.texts.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    Ok(parts)
}

fn actor(signed: &SignedIn) -> Actor {
    Actor::from(&signed.user)
}

// ---- list and start ----------------------------------------------------------------------

/// `GET /applications`: the applicant's own, or the employer's.
pub async fn list(State(state): State<AppState>, chosen: Chosen, signed: SignedIn) -> PageResult {
    let lang = chosen.lang;
    let actor = actor(&signed);
    let listings = state.service.applications(&actor).await.or_page(lang)?;
    let body = views::application_list(state.workflow, lang, actor.role, &listings, &signed.session.csrf_token);
    Ok(page(StatusCode::OK, lang, t(lang, "积分申请", "Applications"), body))
}

#[derive(serde::Deserialize)]
pub struct StartForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    prefill: Option<String>,
}

/// `POST /applications`: the applicant starts their application.
pub async fn start(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    CheckedForm(form): CheckedForm<StartForm>,
) -> PageResult {
    let lang = chosen.lang;
    signed.check_form(&headers, &form.csrf, lang)?;
    let application = state.service.start_application(&actor(&signed), form.prefill.is_some()).await.or_page(lang)?;
    Ok(see_other(&format!("/applications/{}", application.id)))
}

/// `POST /simulations`: a signed-in applicant keeps the simulator's form for their application.
pub async fn save_simulation(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> PageResult {
    let lang = chosen.lang;
    let fields = Fields::new(pairs);
    signed.check_form(&headers, fields.get("csrf"), lang)?;
    state.service.save_simulation(&actor(&signed), fields).await.or_page(lang)?;
    Ok(see_other("/applications"))
}

// ---- one application ---------------------------------------------------------------------

/// What the form shows instead of the stored application: the fields as just posted and
/// their problems.
struct Posted {
    fields: Fields,
    problems: Vec<Problem>,
}

/// What the page confirms after a change (`?done=saved`, `?done=uploaded`, `?done=moved`).
#[derive(serde::Deserialize, Default)]
pub struct Done {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /applications/{id}`.
pub async fn show(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    IdPath(id): IdPath<ApplicationId>,
    CheckedQuery(done): CheckedQuery<Done>,
) -> PageResult {
    let lang = chosen.lang;
    let view = state.service.view(&actor(&signed), id).await.or_page(lang)?;
    let flash = done.done.as_deref().and_then(|done| done_notice(done, lang)).map(Flash::Done);
    Ok(views::application_page(&state, &signed, &view, lang, None, flash, StatusCode::OK))
}

/// What the page says at its top about the last thing done.
enum Flash {
    /// Done (a green notice).
    Done(&'static str),
    /// Refused, and why (a red one).
    Refused(String),
}

/// The green notice confirming what was just done.
fn done_notice(done: &str, lang: Lang) -> Option<&'static str> {
    Some(match done {
        "saved" => t(lang, "草稿已保存。", "Draft saved."),
        "uploaded" => t(
            lang,
            "文件已上传，表单中填写的内容也已一并保存。",
            "File uploaded; what the form held was saved with it.",
        ),
        "added" => t(lang, "文件已上传。", "File uploaded."),
        "moved" => t(lang, "已办理。", "Done."),
        _ => return None,
    })
}

/// "居住证号码：" before a problem, when it names a field.
fn label_for(field: &str, lang: Lang) -> String {
    if field.is_empty() { String::new() } else { format!("{}：", label_of(field, lang)) }
}

/// `POST /applications/{id}`: the applicant saves the form, and submits it when asked.
pub async fn save(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(id): IdPath<ApplicationId>,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> PageResult {
    let lang = chosen.lang;
    let fields = Fields::new(pairs);
    signed.check_form(&headers, fields.get("csrf"), lang)?;
    let actor = actor(&signed);
    let version = fields.get("version").parse().unwrap_or(0);
    let intent = fields.get("intent").to_string();
    let saved = state.service.save_draft(&actor, id, version, fields.clone()).await.or_page(lang)?;
    if intent.is_empty() || intent == "save" {
        return Ok(see_other(&format!("/applications/{id}?done=saved")));
    }
    match state.service.act(&actor, id, saved.version, &intent, "", FieldComments::new()).await {
        Ok(_) => Ok(see_other(&format!("/applications/{id}?done=moved"))),
        // The form's problems, or a reason the page can show: the page again, with them.
        Err(ServiceError::Invalid(problems)) => {
            let again = Again::Problems(problems);
            page_again(&state, &signed, id, lang, again, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(refusal @ ServiceError::Refused { .. }) => {
            let again = Again::Refused(refusal.message(lang).to_string());
            page_again(&state, &signed, id, lang, again, service_status(&refusal)).await
        }
        Err(e) => Err(Refusal::of(lang, &e)),
    }
}

/// Why an application's page is shown again after a change that did not go through.
enum Again {
    /// The stored form's problems, beside their fields.
    Problems(Vec<Problem>),
    /// A refusal the page can explain (materials missing, a comment needed), on top.
    Refused(String),
}

/// The application's page again, as it is now, with why the change did not go through.
async fn page_again(
    state: &AppState,
    signed: &SignedIn,
    id: ApplicationId,
    lang: Lang,
    again: Again,
    status: StatusCode,
) -> PageResult {
    let view = state.service.view(&actor(signed), id).await.or_page(lang)?;
    let (posted, flash) = match again {
        Again::Problems(problems) => (Some(Posted { fields: view.application.fields.clone(), problems }), None),
        Again::Refused(reason) => (None, Some(Flash::Refused(reason))),
    };
    Ok(views::application_page(state, signed, &view, lang, posted, flash, status))
}

/// `POST /applications/{id}/preview`: the claimed score of the form as typed, not saved
/// (the page's script swaps it in while the applicant types).
pub async fn preview(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(id): IdPath<ApplicationId>,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> PageResult {
    let lang = chosen.lang;
    if !same_origin(&headers) {
        return Err(stale_form(lang).into());
    }
    let view = match state.service.view(&actor(&signed), id).await {
        Ok(view) if view.can_edit => view,
        Ok(_) => return Err(Refusal::of(lang, &ServiceError::Forbidden)),
        Err(e) => return Err(Refusal::of(lang, &e)),
    };
    let fields = Fields::new(pairs);
    let score = claimed_score(&state, &view, &fields, lang);
    // The checklist follows the claim as it is typed, too.
    let checklist = state.service.checklist_now(&view.application, &fields, &view.uploads).await.or_page(lang)?;
    let view = ApplicationView { checklist, ..view };
    let body = views::live_preview(lang, score, &view, &signed);
    Ok(page(StatusCode::OK, lang, t(lang, "申报积分", "Claimed points"), body))
}

/// `POST /applications/{id}/actions`: an action by the employer (or staff), with an overall
/// comment and comments by field (`note_{field}`).
pub async fn act(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath(id): IdPath<ApplicationId>,
    CheckedForm(pairs): CheckedForm<Vec<(String, String)>>,
) -> PageResult {
    let lang = chosen.lang;
    let form: BTreeMap<String, String> = pairs.into_iter().collect();
    let get = |name: &str| form.get(name).map_or("", String::as_str);
    signed.check_form(&headers, get("csrf"), lang)?;
    let comments: FieldComments =
        form.iter().filter_map(|(name, text)| Some((name.strip_prefix("note_")?.to_string(), text.clone()))).collect();
    let version = get("version").parse().unwrap_or(0);
    let actor = actor(&signed);
    let input = crate::centre::move_input(&form, get("comment"), comments);
    match state.service.act_with(&actor, id, version, get("action"), &input).await {
        Ok(_) => Ok(see_other(&format!("/applications/{id}?done=moved"))),
        // Refused for a reason the page can show (materials missing, a comment needed): the
        // page again, with the reason on top.
        Err(refusal @ ServiceError::Refused { .. }) => {
            let again = Again::Refused(refusal.message(lang).to_string());
            page_again(&state, &signed, id, lang, again, service_status(&refusal)).await
        }
        Err(e) => Err(Refusal::of(lang, &e)),
    }
}

/// `GET /applications/{id}/form.pdf`.
pub async fn pdf(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    IdPath(id): IdPath<ApplicationId>,
) -> PageResult {
    let bytes = state.service.application_pdf(&actor(&signed), id).await.or_page(chosen.lang)?;
    Ok(file_response(bytes, "application/pdf", &format!("积分申请表-{id}.pdf"), true))
}

/// A file to download (`attachment`) or to show inline, named in UTF-8 (RFC 6266).
pub(crate) fn file_response(bytes: Vec<u8>, content_type: &'static str, filename: &str, attachment: bool) -> Response {
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"download\"; filename*=UTF-8''{encoded}",
        if attachment { "attachment" } else { "inline" }
    );
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// `POST /applications/{id}/materials/{material}`: a scan for one material. Sent from the
/// applicant's form, it carries the whole form: what it holds is saved as the draft first,
/// so an upload never throws away an unsaved edit. Every other file chosen on the form is
/// uploaded with it.
pub async fn upload(
    State(state): State<AppState>,
    chosen: Chosen,
    headers: HeaderMap,
    signed: SignedIn,
    IdPath((id, material)): IdPath<(ApplicationId, String)>,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let lang = chosen.lang;
    let parts = read_multipart(multipart, jifen_applications::MAX_UPLOAD_BYTES, lang).await?;
    signed.check_form(&headers, &parts.text("csrf"), lang)?;
    let chosen_file = |name: &str| parts.file(name).filter(|(_, bytes)| !bytes.is_empty());
    let named = format!("file_{material}");
    let actor = actor(&signed);
    let with_form = parts.texts.contains_key("version");
    if with_form {
        check_texts(lang, parts.texts.iter().map(|(name, value)| (name.as_str(), value.as_str())))?;
        let fields = Fields::new(parts.texts.iter().map(|(name, value)| (name.clone(), value.clone())).collect());
        let version = fields.get("version").parse().unwrap_or(0);
        state.service.save_draft(&actor, id, version, fields).await.or_page(lang)?;
    }
    let Some(first) = chosen_file(&named).or_else(|| chosen_file("file")) else {
        let text = match with_form {
            true => t(lang, "请选择文件（表单已保存为草稿）", "Choose a file (the form was saved as a draft)"),
            false => t(lang, "请选择文件", "Choose a file"),
        };
        return Ok(message(StatusCode::UNPROCESSABLE_ENTITY, lang, text));
    };
    // The file of the button pressed first, then any other chosen on the form: all kept, or
    // none (a refusal names the material whose file it is).
    let chosen = |material: &str, (filename, bytes): (&str, &[u8])| ChosenFile {
        material: material.to_string(),
        filename: filename.to_string(),
        bytes: bytes.to_vec(),
    };
    let mut files = vec![chosen(&material, first)];
    for (part, filename, bytes) in &parts.files {
        if let Some(other) = part.strip_prefix("file_").filter(|other| *other != material && !bytes.is_empty()) {
            files.push(chosen(other, (filename.as_str(), bytes.as_slice())));
        }
    }
    match state.service.upload_materials(&actor, id, files).await {
        Ok(_) => {}
        Err(refused @ ServiceError::Refused { .. }) => return Ok(upload_refused(lang, id, &refused, with_form)),
        Err(error) => return Err(Refusal::of(lang, &error)),
    }
    let done = if with_form { "uploaded" } else { "added" };
    Ok(see_other(&format!("/applications/{id}?done={done}#materials")))
}

/// A refused upload: why, that none of the files chosen was kept (and the form was, when it
/// came with them), and the way back to the application's checklist.
fn upload_refused(lang: Lang, id: ApplicationId, refused: &ServiceError, form_saved: bool) -> Response {
    let kept = match form_saved {
        true => t(
            lang,
            "所选的文件都没有保存；表单已保存为草稿。",
            "None of the files chosen was kept; the form was saved as a draft.",
        ),
        false => t(lang, "所选的文件都没有保存。", "None of the files chosen was kept."),
    };
    let text = refused.message(lang);
    page(
        StatusCode::UNPROCESSABLE_ENTITY,
        lang,
        &text,
        html! {
            div.error role="alert" { (text) }
            p { (kept) }
            p { a href=(format!("/applications/{id}#materials")) { (t(lang, "返回申请，重新选择文件", "Back to the application to choose the files again")) } }
        },
    )
}

/// `GET /materials/{id}`: a stored scan, for those who may see its application.
pub async fn download(state: State<AppState>, chosen: Chosen, signed: SignedIn, id: IdPath<UploadId>) -> PageResult {
    material_file(state, chosen, signed, id, true).await
}

/// `GET /materials/{id}/view`: the same scan shown in the browser (an image or a PDF, with
/// the same headers as a download: no caching, no sniffing, its own content type).
pub async fn view_material(
    state: State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    id: IdPath<UploadId>,
) -> PageResult {
    material_file(state, chosen, signed, id, false).await
}

async fn material_file(
    State(state): State<AppState>,
    chosen: Chosen,
    signed: SignedIn,
    IdPath(id): IdPath<UploadId>,
    attachment: bool,
) -> PageResult {
    match state.service.download_material(&actor(&signed), id).await {
        Ok((upload, bytes)) => {
            let Some((content_type, extension)) = jifen_applications::detect_content_type(&bytes) else {
                // Not one of the kinds accepted: never shown, only downloaded.
                let filename = jifen_applications::clean_filename(&upload.filename, &upload.material, "bin");
                return Ok(file_response(bytes, "application/octet-stream", &filename, true));
            };
            // Files are named by what they are, whatever name they were stored under.
            let filename = jifen_applications::clean_filename(&upload.filename, &upload.material, extension);
            Ok(file_response(bytes, content_type, &filename, attachment))
        }
        Err(e) => Err(Refusal::of(chosen.lang, &e)),
    }
}
