//! An application's way through the workflow configuration: started by the applicant with
//! their current employer, filled in as a draft (scored by the engine at every save), and
//! moved by the actions the workflow allows each role in each state. Who may see an
//! application is decided here and only here.

use crate::Reason;
use crate::centre::MoveInput;
use crate::error::{ServiceError, changed_meanwhile};
use crate::{Actor, Service, audit, mask_id_number, sms};
use chrono::NaiveDate;
use jifen_domain::application::{Problem, check, is_form_field, score_claim};
use jifen_domain::audit::{Audit, MoveAudit};
use jifen_domain::form::Fields;
use jifen_domain::materials::{Material, MaterialStatus};
use jifen_domain::workflow::{Action, DocumentKind, TransitionError};
use jifen_domain::{ApplicationKind, Role};
use jifen_ids::ResidentIdNumber;
use jifen_rules::{Context, Evaluation, Lang};
use jifen_store::prelude::*;
use jifen_store::{
    Applicant, Application, ApplicationEvent, ApplicationListing, ApplicationParties, Draft, Employer, EmployerStatus,
    NewApplication, StoreError, Transition, Upload, now_millis,
};
use serde_json::json;
use std::collections::BTreeMap;

/// The employer's comments on a returned form, by form field.
pub type FieldComments = BTreeMap<String, String>;

/// Everything an application's page shows, for one viewer.
#[derive(Debug, Clone)]
pub struct ApplicationView {
    pub application: Application,
    pub applicant: Applicant,
    pub employer: Employer,
    pub events: Vec<ApplicationEvent>,
    /// The current file of each material uploaded so far.
    pub uploads: Vec<Upload>,
    /// The materials the form needs, in order, each with where it stands now.
    pub checklist: Vec<(&'static Material, MaterialStatus)>,
    /// What the applicant changed since the employer last returned the form (shown to the
    /// employer).
    pub changes_since_return: Option<ChangesSinceReturn>,
    /// The actions the viewer may take now.
    pub actions: Vec<&'static Action>,
    /// Whether the viewer may change the form now.
    pub can_edit: bool,
    /// Whether the viewer may add files now.
    pub can_upload: bool,
    /// Whether the form may be printed now.
    pub printable: bool,
    /// When the current step falls due.
    pub due: Option<crate::centre::Due>,
    /// The centre's verification recorded since the application last entered review.
    pub verification: Option<crate::centre::Verification>,
    /// The official documents issued so far, each with the move that issued it last.
    pub documents: Vec<DocumentKind>,
    /// Who holds the current step at the centre (their name), when someone does.
    pub holder: Option<String>,
    /// Whether the viewer may take the current step themselves.
    pub can_take: bool,
    /// Whom a supervisor may give the current step to.
    pub assignable: Vec<jifen_store::User>,
    /// The originals the centre kept, and whether each was handed back.
    pub kept_originals: Vec<crate::centre::KeptOriginal>,
    /// The points notice its grant issued.
    pub notice: Option<jifen_store::PointsNotice>,
    /// For a renewal or a change: what it claims differently from its notice's facts.
    pub changed_since_notice: Vec<crate::follow_ups::ChangedField>,
    /// The blacklist entries of findings on it that the viewer may see.
    pub findings: Vec<jifen_store::BlacklistEntry>,
}

/// What changed between the employer's return of a form and now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangesSinceReturn {
    /// When the form was returned.
    pub returned_at: i64,
    /// Each changed field: its name, its value when returned, its value now.
    pub fields: Vec<(String, String, String)>,
    /// The materials given a new file since.
    pub materials: Vec<String>,
}

/// The key of a move's event details that keeps the form as it was handed back to the
/// applicant (see [`Service::act`]).
const RETURN_SNAPSHOT: &str = "form";

/// Why an application was opened, as its audit entry records it.
pub(crate) enum Opened {
    /// A new application, its form filled in from the person's last one or not.
    Fresh { prefill: bool },
    /// A renewal or a change, following the points notice with this serial, valid until
    /// `valid_until`.
    FollowUp { serial: String, valid_until: String },
}

impl Service {
    /// Checks the states applications are in against the workflow this server runs: a
    /// `workflow.toml` that no longer defines a state some application is in would leave
    /// that application with no move, so the server refuses to start instead.
    pub async fn check_stored_states(&self) -> Result<(), ServiceError> {
        let unknown: Vec<String> = self
            .store
            .states_in_use()
            .await?
            .into_iter()
            .filter(|state| self.workflow.state(state).is_none())
            .map(|state| state.to_string())
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        Err(ServiceError::Internal(format!(
            "applications are in states the workflow does not define: {}",
            unknown.join(", ")
        )))
    }

    /// Whether `actor` may see `application`: its applicant; an HR agent of its employer;
    /// staff of its district once it waits for the district centre.
    fn may_see(&self, actor: &Actor, application: &Application) -> bool {
        match actor.role {
            Role::Applicant => application.applicant_id == actor.id,
            Role::HrAgent => actor.employer_id == Some(application.employer_id),
            role if role.is_district_staff() => {
                actor.district == Some(application.district)
                    && self.workflow.state(&application.state).is_some_and(|s| s.centre)
            }
            _ => false,
        }
    }

    /// Whether `actor` may change the form now: its applicant, while it is theirs to change.
    fn may_edit(&self, actor: &Actor, application: &Application) -> bool {
        actor.role == Role::Applicant && self.workflow.applicant_edits(&application.state)
    }

    /// Whether `actor` may add files now: its applicant and its employer's HR agent while
    /// the application is open (a scan missing at submission can follow it).
    pub(crate) fn may_upload(&self, actor: &Actor, application: &Application) -> bool {
        application.open && matches!(actor.role, Role::Applicant | Role::HrAgent)
    }

    /// Each material `fields` need with where it stands in the application's current state;
    /// for a renewal or a change, a material whose facts did not change since its notice was
    /// verified then and is not needed again.
    pub async fn checklist_now(
        &self,
        application: &Application,
        fields: &Fields,
        uploads: &[Upload],
    ) -> Result<Vec<(&'static Material, MaterialStatus)>, ServiceError> {
        let changed = self.changed_fields(application, fields).await?;
        Ok(self.checklist_given(application, fields, uploads, changed.as_deref()))
    }

    /// [`Service::checklist_now`] with what changed since the notice already known (`None`
    /// for an application that follows no notice).
    fn checklist_given(
        &self,
        application: &Application,
        fields: &Fields,
        uploads: &[Upload],
        changed: Option<&[crate::follow_ups::ChangedField]>,
    ) -> Vec<(&'static Material, MaterialStatus)> {
        let possible: Vec<&str> = self
            .workflow
            .actions
            .iter()
            .filter(|a| a.from.contains(&application.state))
            .map(|a| a.id.as_str())
            .collect();
        let uploaded: Vec<&str> = uploads.iter().map(|u| u.material.as_str()).collect();
        let statuses = self.materials.statuses(fields, &possible, &uploaded);
        let Some(changed) = changed else { return statuses };
        let changed: Vec<&str> = changed.iter().map(|(name, _, _)| name.as_str()).collect();
        statuses
            .into_iter()
            .map(|(material, status)| match status {
                MaterialStatus::Missing | MaterialStatus::NotNeededYet
                    if !jifen_domain::materials::Catalogue::needed_again(material, &changed) =>
                {
                    (material, MaterialStatus::VerifiedBefore)
                }
                other => (material, other),
            })
            .collect()
    }

    /// What changed since the form was last handed back, for the employer reviewing it again.
    fn changes_since_return(
        application: &Application,
        events: &[ApplicationEvent],
        uploads: &[Upload],
    ) -> Option<ChangesSinceReturn> {
        let returned = events.iter().rev().find(|e| e.details.get(RETURN_SNAPSHOT).is_some())?;
        let then: Fields = serde_json::from_value(returned.details[RETURN_SNAPSHOT].clone()).ok()?;
        let now = &application.fields;
        let names: std::collections::BTreeSet<&str> = then.iter().chain(now.iter()).map(|(name, _)| name).collect();
        let fields = names
            .into_iter()
            .filter(|name| then.get(name) != now.get(name))
            .map(|name| (name.to_string(), then.get(name).to_string(), now.get(name).to_string()))
            .collect();
        let materials = uploads.iter().filter(|u| u.uploaded_at > returned.at).map(|u| u.material.clone()).collect();
        Some(ChangesSinceReturn { returned_at: returned.at, fields, materials })
    }

    /// The application, with its applicant and employer (read with it in one statement), if
    /// `actor` may see it; otherwise it does not exist for them. An employer sees it only
    /// while the person's link to it is active: a person who ended the link is gone from the
    /// employer's view.
    pub(crate) async fn visible(&self, actor: &Actor, id: ApplicationId) -> Result<ApplicationParties, ServiceError> {
        let parties = self.store.application_with_parties(id).await?.ok_or(ServiceError::NotFound)?;
        let linked = parties.link == Some(jifen_store::LinkStatus::Active);
        if !self.may_see(actor, &parties.application) || (actor.role == Role::HrAgent && !linked) {
            return Err(ServiceError::NotFound);
        }
        Ok(parties)
    }

    /// An application's page for `actor`. Anyone but the applicant seeing the person's full
    /// details is recorded in the audit log.
    pub async fn view(&self, actor: &Actor, id: ApplicationId) -> Result<ApplicationView, ServiceError> {
        let ApplicationParties { application, applicant, employer, .. } = self.visible(actor, id).await?;
        let events = self.store.application_events(id).await?;
        let uploads = self.store.uploads(id).await?;
        if actor.role != Role::Applicant {
            let entry = audit(actor, Audit::ApplicationView {}, format!("application:{id}"));
            self.store.record_audit(&entry).await?;
        }
        let state = self.workflow.state(&application.state);
        let changes_since_return = match actor.role {
            Role::Applicant => None,
            _ => Self::changes_since_return(&application, &events, &uploads),
        };
        let documents =
            DocumentKind::ALL.into_iter().filter(|kind| self.issuing_event(&events, *kind).is_some()).collect();
        let step = self.workflow.state(&application.state).filter(|s| s.centre && !s.is_final);
        let holder = match (application.assigned_to, step) {
            (Some(id), Some(step)) => self
                .store
                .user_by_id(id)
                .await?
                .filter(|user| user.role == step.waiting_for)
                .map(|user| user.display_name),
            _ => None,
        };
        let can_take = step.is_some_and(|step| step.waiting_for == actor.role && actor.role.is_district_staff())
            && application.assigned_to != Some(actor.id);
        let assignable = self.assignable_staff(actor, &application).await?;
        let of_application = jifen_store::BlacklistQuery { application_id: Some(id), ..Default::default() };
        // A finding is recorded by the centre's reviewer, so only on an application that has
        // been at the centre; its history says whether it has.
        let at_centre = |state: &str| self.workflow.state(state).is_some_and(|s| s.centre);
        let been_at_centre =
            at_centre(application.state.as_str()) || events.iter().any(|e| at_centre(e.to_state.as_str()));
        // Read once: what a renewal or a change changed since its notice (the checklist and
        // the centre's comparison both use it).
        let changed = self.changed_fields(&application, &application.fields).await?;
        Ok(ApplicationView {
            findings: match been_at_centre {
                true => self.blacklist_for(actor, of_application).await?,
                false => Vec::new(),
            },
            checklist: self.checklist_given(&application, &application.fields, &uploads, changed.as_deref()),
            changed_since_notice: changed.unwrap_or_default(),
            notice: match self.workflow.may_hold_notice(&application.state) {
                true => self.store.points_notice_of_application(id).await?,
                false => None,
            },
            kept_originals: self.kept_originals(&events),
            holder,
            can_take,
            assignable,
            due: self.due(&application, Some(&events)),
            verification: self.current_verification(&events),
            documents,
            changes_since_return,
            actions: self.workflow.allowed(&application.state, actor.role),
            can_edit: self.may_edit(actor, &application),
            can_upload: self.may_upload(actor, &application),
            printable: state.is_some_and(|s| s.printable),
            application,
            applicant,
            employer,
            events,
            uploads,
        })
    }

    /// The applications `actor` may see, with ID numbers masked: an applicant's own and an
    /// employer's, newest first; a district's still open at its centre, oldest first.
    pub async fn applications(&self, actor: &Actor) -> Result<Vec<ApplicationListing>, ServiceError> {
        let mut listings = match actor.role {
            Role::Applicant => self.store.applications_of_applicant(actor.id).await?,
            Role::HrAgent => {
                let employer = self.agents_employer(actor).await?.id;
                let active: std::collections::BTreeSet<UserId> = self
                    .store
                    .applicants_of_employer(employer)
                    .await?
                    .into_iter()
                    .filter(|(_, link)| *link == jifen_store::LinkStatus::Active)
                    .map(|(applicant, _)| applicant.user_id)
                    .collect();
                let all = self.store.applications_of_employer(employer).await?;
                all.into_iter().filter(|listing| active.contains(&listing.applicant_id)).collect()
            }
            role if role.is_district_staff() => match actor.district {
                // Those still open at the centre; the decided ones are in the queue's filters.
                Some(district) => {
                    self.store.applications_in_district(district, &self.workflow.open_centre_states()).await?
                }
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        for listing in &mut listings {
            listing.applicant_id_number = mask_id_number(&listing.applicant_id_number);
        }
        Ok(listings)
    }

    /// Starts the applicant's application with their current employer (the newest active
    /// link), pre-filled from their latest saved simulation if asked.
    pub async fn start_application(&self, actor: &Actor, prefill: bool) -> Result<Application, ServiceError> {
        if actor.role != Role::Applicant {
            return Err(ServiceError::Forbidden);
        }
        let fields = match prefill {
            true => self.store.latest_simulation(actor.id).await?.unwrap_or_default(),
            false => Fields::default(),
        };
        self.open_application(actor, actor.id, ApplicationKind::New, None, fields, Opened::Fresh { prefill }).await
    }

    /// Opens an application of `kind` for `applicant_id` with their current employer (the
    /// newest active link: a change of employer goes to the new one), with `fields` as its
    /// first draft. `actor` is the applicant, or the HR agent of that employer starting a
    /// renewal or change for them (the caller has checked the link).
    pub(crate) async fn open_application(
        &self,
        actor: &Actor,
        applicant_id: UserId,
        kind: ApplicationKind,
        follows_notice: Option<NoticeId>,
        mut fields: Fields,
        opened: Opened,
    ) -> Result<Application, ServiceError> {
        // An account no employer registered (one an administrator made) has no applicant
        // record and no employer: both mean the same to the person.
        let applicant = self.store.applicant(applicant_id).await?;
        // Only a link the person consented to (or an account the employer opened) counts.
        let employment = self
            .store
            .employments(applicant_id)
            .await?
            .into_iter()
            .find(|e| e.status == jifen_store::LinkStatus::Active);
        let employer = match employment {
            Some(employment) => self.store.employer(employment.employer_id).await?,
            None => None,
        };
        // Started by an HR agent: only with the employer the person works for now.
        let for_someone = actor.id != applicant_id;
        let employer = employer.filter(|e| !for_someone || actor.employer_id == Some(e.id));
        let (Some(applicant), Some(employer)) = (applicant, employer.filter(|e| e.status == EmployerStatus::Verified))
        else {
            return Err(match for_someone {
                false => ServiceError::refused(
                    Reason::NoEmployer,
                    "您尚未由用人单位登记，无法开始申请",
                    "No employer has registered you yet, so an application cannot start",
                ),
                true => ServiceError::refused(
                    Reason::NoEmployer,
                    "该人员目前的用人单位不是本单位，须由其现用人单位办理",
                    "This person works for another employer now: that employer files it",
                ),
            });
        };
        if let Some(until) = self.barred_until(jifen_store::BlacklistSubject::Person(applicant_id)).await? {
            let (zh, en) = if for_someone { ("该人员", "this person") } else { ("您", "you") };
            return Err(ServiceError::refused(
                Reason::Barred,
                format!("{zh}有经确认的虚假材料记录，{until} 前不能申请居住证积分"),
                format!("A confirmed false-materials record bars {en} from applying until {until}"),
            ));
        }
        fields.retain(is_form_field);
        for (name, value) in [("name", &applicant.name), ("mobile", &applicant.mobile)] {
            if fields.get(name).is_empty() {
                fields.set(name, value);
            }
        }
        let new = NewApplication {
            applicant_id,
            employer_id: employer.id,
            district: employer.district,
            state: self.workflow.initial.clone(),
            fields,
            kind,
            follows_notice,
        };
        let now = now_millis();
        // Started by the employer, the person is told, in the same transaction.
        let mut told = Vec::new();
        if for_someone {
            let valid_until = match &opened {
                Opened::FollowUp { valid_until, .. } => valid_until.as_str(),
                Opened::Fresh { .. } => "",
            };
            let values = [
                ("name", applicant.name.as_str()),
                ("employer", employer.name.as_str()),
                ("kind", kind.name(jifen_rules::Lang::Zh)),
                ("valid_until", valid_until),
            ];
            let body = self
                .workflow
                .render("follow_up_started", &values)
                .ok_or_else(|| ServiceError::Internal("template follow_up_started".into()))?;
            told.push(sms(format!("started-{applicant_id}-{now}"), &applicant.mobile, body, None));
        }
        let (prefill, follows) = match opened {
            Opened::Fresh { prefill } => (Some(prefill), None),
            Opened::FollowUp { serial, .. } => (None, Some(serial)),
        };
        let started = Audit::ApplicationCreate { employer_id: employer.id, kind, prefill, follows };
        let entry = audit(actor, started, String::new());
        self.store.create_application(&new, actor.id, now, &entry, &told).await.map_err(|e| match e {
            StoreError::Duplicate(_) => ServiceError::refused(
                Reason::ApplicationInProgress,
                if for_someone {
                    "该人员已有一份正在办理的申请"
                } else {
                    "您已有一份正在办理的申请"
                },
                if for_someone {
                    "This person has an application in progress already"
                } else {
                    "You have an application in progress already"
                },
            ),
            other => ServiceError::Store(other),
        })
    }

    /// The engine's evaluation of the items a form claims, as of `as_of`, or the first
    /// problem the engine finds (naming its form field).
    pub fn score_form(
        &self,
        fields: &Fields,
        id_number: &str,
        as_of: NaiveDate,
    ) -> Result<Evaluation<'static>, Problem> {
        let id_number = ResidentIdNumber::parse(id_number).map_err(|e| Problem::id_number("id_number", &e))?;
        score_claim(fields, &id_number, as_of, self.book()).map(|(_, evaluation)| evaluation)
    }

    /// The date an application is scored on: today while the applicant may change it (it
    /// will be checked on the day it is submitted), otherwise the frozen claim's date.
    pub fn scoring_date(&self, application: &Application) -> NaiveDate {
        if self.workflow.applicant_edits(&application.state) {
            return self.clock.today();
        }
        application
            .claim
            .as_ref()
            .and_then(|claim| claim.get("as_of"))
            .and_then(|date| date.as_str())
            .and_then(|date| jifen_rules::calendar::parse_date(date).ok())
            .unwrap_or_else(|| self.clock.today())
    }

    /// Saves the applicant's form as it is (complete or not), with the engine's total when
    /// the claim is valid; only in a state where the form is the applicant's to change, and
    /// only on the version the applicant loaded.
    pub async fn save_draft(
        &self,
        actor: &Actor,
        id: ApplicationId,
        version: i64,
        mut fields: Fields,
    ) -> Result<Application, ServiceError> {
        // An applicant sees only their own application, so its applicant is the actor.
        let ApplicationParties { application, applicant, .. } = self.visible(actor, id).await?;
        if actor.role != Role::Applicant {
            return Err(ServiceError::Forbidden);
        }
        if !self.workflow.applicant_edits(&application.state) {
            return Err(ServiceError::refused(
                Reason::NotEditable,
                "申请已提交，当前不能修改",
                "The application has been submitted and cannot be changed now",
            ));
        }
        fields.retain(is_form_field);
        let scored = self.with_records(&fields, actor.id).await?;
        let claimed_total = self.score_form(&scored, &applicant.id_number, self.clock.today()).ok().map(|e| e.total);
        let draft = Draft { fields, claimed_total };
        let entry = audit(actor, Audit::ApplicationSave { version }, format!("application:{id}"));
        self.store
            .save_draft(id, &application.state, version, &draft, now_millis(), &entry)
            .await
            .map_err(changed_meanwhile)
    }

    /// Takes a workflow action that carries only comments (the general one and the
    /// employer's by field): see [`Service::act_with`].
    pub async fn act(
        &self,
        actor: &Actor,
        id: ApplicationId,
        version: i64,
        action_id: &str,
        comment: &str,
        field_comments: FieldComments,
    ) -> Result<Application, ServiceError> {
        let input = MoveInput { comment: comment.to_string(), field_comments, ..MoveInput::default() };
        self.act_with(actor, id, version, action_id, &input).await
    }

    /// Takes a workflow action on an application, on the version the actor loaded. A
    /// `checks_form` action (the applicant's submission) first checks the whole form and
    /// freezes the claim; a return carries the employer's comments by field; the centre's
    /// moves carry the counter's marks or the reviewer's verification (see `centre.rs`).
    pub async fn act_with(
        &self,
        actor: &Actor,
        id: ApplicationId,
        version: i64,
        action_id: &str,
        input: &MoveInput,
    ) -> Result<Application, ServiceError> {
        let (comment, field_comments) = (input.comment.as_str(), input.field_comments.clone());
        let ApplicationParties { application, applicant, employer, .. } = self.visible(actor, id).await?;
        // An HR agent acts only for a verified employer: the application's, which `visible`
        // found to be the agent's own.
        if actor.role == Role::HrAgent && employer.status != EmployerStatus::Verified {
            return Err(ServiceError::Forbidden);
        }
        let review: FieldComments = field_comments
            .into_iter()
            .map(|(field, text)| (field.trim().to_string(), text.trim().to_string()))
            .filter(|(field, text)| is_form_field(field) && !text.is_empty())
            .collect();
        let comment = comment.trim();
        // Forms are checked before they get here; the API's JSON is not: a comment is text a
        // person types (no NUL, which PostgreSQL would refuse, no control characters).
        let problems: Vec<_> = std::iter::once(("comment", comment))
            .chain(review.iter().map(|(field, text)| (field.as_str(), text.as_str())))
            .filter_map(|(name, text)| jifen_domain::text::check(name, text, jifen_domain::text::MAX_FIELD_CHARS).err())
            .collect();
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        // The comment the workflow and the SMS see: the general one and the field ones (the
        // SMS quotes their start).
        let summary = std::iter::once(comment.to_string())
            .chain(review.values().cloned())
            .filter(|text| !text.is_empty())
            .collect::<Vec<_>>()
            .join("；");
        let action = self.workflow.transition(&application.state, action_id, actor.role, &summary).map_err(|e| match e {
            TransitionError::UnknownAction(_) => ServiceError::NotFound,
            TransitionError::RoleNotAllowed { .. } => ServiceError::Forbidden,
            TransitionError::WrongState { .. } => ServiceError::refused(
                Reason::WrongState,
                "当前状态下不能进行此操作（可能已被处理），请刷新页面",
                "This cannot be done in the application's current state (perhaps it was done already); reload the page",
            ),
            TransitionError::CommentRequired(_) => ServiceError::refused(
                Reason::CommentRequired,
                "请填写意见（总体意见或逐项意见）",
                "Give a comment (overall or on the fields)",
            ),
        })?;
        let (claim, claimed_total) = if action.checks_form {
            let as_of = self.clock.today();
            let id_number = ResidentIdNumber::parse(&applicant.id_number)
                .map_err(|e| ServiceError::Internal(format!("stored ID number: {e}")))?;
            let fields = self.with_records(&application.fields, application.applicant_id).await?;
            let checked = check(&fields, &id_number, as_of, self.book()).map_err(ServiceError::Invalid)?;
            let total = self
                .book()
                .evaluate(&checked.profile, &Context::on(as_of))
                .map_err(|e| ServiceError::Internal(e.to_string()))?
                .total;
            let claim = serde_json::to_value(&checked.profile).map_err(|e| ServiceError::Internal(e.to_string()))?;
            (Some(claim), Some(total))
        } else {
            (None, None)
        };
        // The form first (its problems name fields), then the files the move waits for (read
        // only for a move that some material waits for).
        let mut missing = Vec::new();
        if self.materials.waits_for(&action.id) {
            let uploads = self.store.uploads(id).await?;
            let uploaded: Vec<&str> = uploads.iter().map(|u| u.material.as_str()).collect();
            missing = self.materials.missing_for(&application.fields, &action.id, &uploaded);
            if let Some(changed) = self.changed_fields(&application, &application.fields).await? {
                let changed: Vec<&str> = changed.iter().map(|(name, _, _)| name.as_str()).collect();
                missing.retain(|material| jifen_domain::materials::Catalogue::needed_again(material, &changed));
            }
        }
        if !missing.is_empty() {
            let titles = |lang| missing.iter().map(|m| m.title.get(lang)).collect::<Vec<_>>();
            return Err(ServiceError::refused(
                Reason::MaterialsMissing,
                format!("还缺少以下材料，上传后才能{}：{}", action.title.get(Lang::Zh), titles(Lang::Zh).join("、")),
                format!(
                    "These materials are missing; upload them before \"{}\": {}",
                    action.title.get(Lang::En),
                    titles(Lang::En).join(", ")
                ),
            ));
        }
        self.check_timing_and_parties(actor, &application, action).await?;
        if action.employer_files
            && let Some(until) = self.barred_until(jifen_store::BlacklistSubject::Employer(employer.id)).await?
        {
            return Err(ServiceError::refused(
                Reason::EmployerBarred,
                format!("本单位有经确认的虚假材料记录，{until} 前不能提交居住证积分申请"),
                format!("A confirmed false-materials record bars this employer from filing until {until}"),
            ));
        }
        let to =
            self.workflow.state(&action.to).ok_or_else(|| ServiceError::Internal(format!("state {}", action.to)))?;
        let centre = self.centre_move(actor, &application, (&applicant, &employer), action, input).await?;
        let summary = centre.summary.clone().unwrap_or(summary);
        let mut values = vec![
            ("name", applicant.name.as_str()),
            ("employer", employer.name.as_str()),
            ("comment", summary.as_str()),
            ("district", application.district.name(Lang::Zh)),
        ];
        values.extend(centre.values.iter().map(|(key, value)| (*key, value.as_str())));
        let messages = self.move_messages(action, id, version, &applicant, &employer, &values);
        let transition = Transition {
            action: action.id.clone(),
            actor_id: Some(actor.id),
            from_state: application.state.clone(),
            to_state: action.to.clone(),
            open: !to.is_final,
            expected_version: version,
            comment: comment.to_string(),
            claim,
            claimed_total,
            // A move that hands the form back to the applicant keeps it as it was, so the
            // employer later sees what changed.
            details: {
                let mut details = centre.details;
                details.insert("fields".into(), json!(review));
                if to.waiting_for == Role::Applicant {
                    details.insert(RETURN_SNAPSHOT.into(), json!(application.fields));
                }
                serde_json::Value::Object(details)
            },
            notice: centre.notice,
            review,
        };
        let moved = MoveAudit {
            action: action.id.clone(),
            from: application.state.clone(),
            to: action.to.clone(),
            comment: Some(summary),
            deadline: None,
        };
        let entry = audit(actor, moved, format!("application:{id}"));
        self.store
            .transition_application(id, &transition, now_millis(), &entry, &messages)
            .await
            .map_err(changed_meanwhile)
    }

    /// An action's own conditions on time and people: within its days of the current state
    /// (an appeal), by someone who took no part (its handler), and an application reopened
    /// only while the person has no other in progress.
    async fn check_timing_and_parties(
        &self,
        actor: &Actor,
        application: &Application,
        action: &Action,
    ) -> Result<(), ServiceError> {
        if let Some(days) = action.within_days {
            let entered = jifen_domain::clock::shanghai_datetime(application.state_since).date();
            let last = entered + chrono::Days::new(u64::from(days));
            if self.clock.today() > last {
                return Err(ServiceError::refused(
                    Reason::TooLate,
                    format!("须在 {last} 前办理（决定后 {days} 天内）"),
                    format!("This had to be done by {last} ({days} days after the decision)"),
                ));
            }
        }
        if action.impartial {
            let events = self.store.application_events(application.id).await?;
            if events.iter().any(|event| event.actor_id == Some(actor.id) && event.action != "assign") {
                return Err(ServiceError::refused(
                    Reason::TookPart,
                    "您参与过本申请的办理，复核须由未参与的人员办理",
                    "You took part in this application: someone who did not must handle the reconsideration",
                ));
            }
        }
        if action.reopens {
            let others = self.store.applications_of_applicant(application.applicant_id).await?;
            let in_progress = others.iter().any(|other| {
                other.id != application.id && self.workflow.state(&other.state).is_some_and(|s| !s.is_final)
            });
            if in_progress {
                return Err(ServiceError::refused(
                    Reason::ApplicationInProgress,
                    "您已有一份正在办理的申请，办结后才能申请复核",
                    "You have another application in progress; ask for reconsideration once it is done",
                ));
            }
        }
        Ok(())
    }

    /// The SMS a move sends: its message, with `values` filled in, to each role it tells
    /// (the applicant's mobile, the employer contact's), keyed so that a retry sends nothing twice.
    pub(crate) fn move_messages(
        &self,
        action: &Action,
        id: ApplicationId,
        version: i64,
        applicant: &Applicant,
        employer: &Employer,
        values: &[(&str, &str)],
    ) -> Vec<jifen_store::NewMessage> {
        let Some(body) = self.workflow.message(action, values) else { return Vec::new() };
        action
            .notify
            .iter()
            .flat_map(|notify| &notify.roles)
            .filter_map(|role| {
                let recipient = match role {
                    Role::Applicant => applicant.mobile.as_str(),
                    Role::HrAgent => employer.contact_phone.as_str(),
                    _ => return None,
                };
                let key = format!("application-{id}-v{version}-{}-{}", action.id, role.as_str());
                Some(sms(key, recipient, body.clone(), None))
            })
            .collect()
    }

    /// Keeps a simulator form for the signed-in applicant, to pre-fill an application.
    pub async fn save_simulation(&self, actor: &Actor, mut fields: Fields) -> Result<(), ServiceError> {
        if actor.role != Role::Applicant {
            return Err(ServiceError::Forbidden);
        }
        fields.retain(is_form_field);
        Ok(self.store.save_simulation(actor.id, &fields, now_millis()).await?)
    }
}
