//! The district centre's half of the process: what the counter found of each material
//! (accepted, or one correction notice with a deadline), the clocks in working days, the
//! reviewer's item-by-item verification of the claim (a correction changes facts, and the
//! engine scores the verified facts), the four-eyes decision, and the centre's queue.
//!
//! Each of these is checked here and carried out by [`Service::act_with`] as one workflow
//! move: the marks, the verification and the deadline are the move's event details, written
//! with its audit entry and its messages in one transaction.

use crate::Reason;
use crate::error::ServiceError;
use crate::{Actor, Service, audit, mask_id_number};
use chrono::NaiveDate;
use jifen_domain::application::{check, is_verified_field};
use jifen_domain::audit::{Audit, AuditPayload};
use jifen_domain::form::Fields;
use jifen_domain::verification::Check;
use jifen_domain::workflow::states;
use jifen_domain::workflow::{Action, CounterOutcome};
use jifen_domain::{Role, clock};
use jifen_ids::ResidentIdNumber;
use jifen_rules::{Context, ItemId, Lang};
use jifen_store::prelude::*;
use jifen_store::{Applicant, Application, ApplicationEvent, ApplicationListing, Employer, User, now_millis};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::BTreeMap;

/// What the clerk found of one material at the counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterMark {
    /// The original was seen (and handed back, or kept: see the material).
    Original,
    /// A copy was received.
    Copy,
    /// Not brought.
    Missing,
    /// Brought, but not acceptable (a reason says why).
    Defective,
}

impl CounterMark {
    pub const ALL: [CounterMark; 4] = [Self::Original, Self::Copy, Self::Missing, Self::Defective];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Copy => "copy",
            Self::Missing => "missing",
            Self::Defective => "defective",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mark| mark.as_str() == word)
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Original, Lang::Zh) => "原件已核验",
            (Self::Original, Lang::En) => "original seen",
            (Self::Copy, Lang::Zh) => "复印件已收",
            (Self::Copy, Lang::En) => "copy received",
            (Self::Missing, Lang::Zh) => "缺少",
            (Self::Missing, Lang::En) => "missing",
            (Self::Defective, Lang::Zh) => "不符合要求",
            (Self::Defective, Lang::En) => "defective",
        }
    }

    /// Whether the material counts as received.
    pub fn received(self) -> bool {
        matches!(self, Self::Original | Self::Copy)
    }
}

/// One material as the counter marked it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterLine {
    pub material: String,
    pub mark: CounterMark,
    /// Why a material is defective (or a remark on any other).
    #[serde(default)]
    pub reason: String,
}

/// What the reviewer posts: the verified facts, a verdict per item and a result per check.
#[derive(Debug, Clone, Default)]
pub struct VerificationInput {
    /// The verified facts, in the form's fields (plus what only the reviewer records, such
    /// as back-paid insurance ranges).
    pub fields: Fields,
    /// By item id: "confirmed" or "corrected", the reason id and a note.
    pub items: BTreeMap<String, (String, String, String)>,
    /// By check id: "passed" or "failed", and a note.
    pub checks: BTreeMap<String, (String, String)>,
}

/// Everything a move may carry besides its action.
#[derive(Debug, Clone, Default)]
pub struct MoveInput {
    pub comment: String,
    /// The employer's comments on a returned form, by field.
    pub field_comments: crate::FieldComments,
    /// The counter's marks by material id: the mark's word and a reason.
    pub counter: BTreeMap<String, (String, String)>,
    pub verification: Option<VerificationInput>,
}

/// The reviewer's verdict on one item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemVerdict {
    pub item: String,
    pub corrected: bool,
    /// The correction reason's id (data/verification.toml); empty when confirmed.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
    pub claimed_points: i64,
    pub verified_points: i64,
}

/// One verification check as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRecord {
    pub check: String,
    pub passed: bool,
    #[serde(default)]
    pub note: String,
    /// The day it was recorded.
    pub on: String,
}

/// A recorded verification: the verified facts and the engine's score of them on the claim's
/// date, with the reviewer's verdicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub fields: Fields,
    pub as_of: String,
    pub total: i64,
    pub reaches_standard: bool,
    pub items: Vec<ItemVerdict>,
    pub checks: Vec<CheckRecord>,
    /// Who recorded it.
    pub by: UserId,
}

/// An original the centre keeps while it verifies it, and whether it was handed back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptOriginal {
    pub material: String,
    /// When the counter took it in.
    pub kept_at: i64,
    pub returned: Option<ReturnedOriginal>,
}

/// An original handed back: when, to whom (their signature) and by whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnedOriginal {
    pub at: i64,
    pub collected_by: String,
    pub by: Option<String>,
}

/// The history entry of originals handed back.
const ORIGINALS_RETURNED: &str = "originals_returned";

/// The key of a move's event details under which each piece is kept.
const COUNTER: &str = "counter";
const DEADLINE: &str = "deadline";
const VERIFICATION: &str = "verification";

/// When the current step falls due, in the clock the state keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub date: NaiveDate,
    /// The date has passed.
    pub overdue: bool,
    /// The date is the employer's deadline (a correction) and the centre's clock is stopped.
    pub employer_deadline: bool,
}

/// One row of a district centre's queue.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub listing: ApplicationListing,
    pub due: Option<Due>,
    /// Who holds the current step: the assignee, when their role is the one the step waits
    /// for (a clerk who accepted it does not hold its review).
    pub holder: Option<String>,
}

/// How many applications of a final state (granted, refused…) the queue shows: the latest,
/// newest first; a search reaches the older ones.
pub const CLOSED_SHOWN: i64 = 200;

/// What the queue is narrowed to: by default the applications still open at the centre.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// One state only (a final one: its latest [`CLOSED_SHOWN`], newest first).
    pub state: Option<String>,
    /// A name, or a full or partial ID number (searches are audited).
    pub search: Option<String>,
    /// Only overdue applications.
    pub overdue_only: bool,
    /// Only those the viewer holds.
    pub mine_only: bool,
}

impl Service {
    /// When the application's current step falls due: the centre's steps in working days, the
    /// applicant's and the employer's in calendar days, a correction at its deadline. `None`
    /// when the state keeps no clock (or the calendar does not cover the date: the page then
    /// shows no date rather than a wrong one, and `/metrics` warns).
    pub fn due(&self, application: &Application, events: Option<&[ApplicationEvent]>) -> Option<Due> {
        let state = self.workflow.state(&application.state)?;
        self.step_due(state, application.state_since, || self.deadline(application, events?))
    }

    /// When a step entered at `state_since` falls due by its state's clock; `deadline` gives
    /// the employer's deadline of a state that keeps one (read only then).
    fn step_due(
        &self,
        state: &jifen_domain::workflow::State,
        state_since: i64,
        deadline: impl FnOnce() -> Option<NaiveDate>,
    ) -> Option<Due> {
        let entered = clock::shanghai_datetime(state_since).date();
        let (date, employer_deadline) = if let Some(days) = state.sla_working_days {
            (self.calendar().add_working_days(entered, days).ok()?, false)
        } else if let Some(days) = state.sla_days {
            (entered + chrono::Days::new(u64::from(days)), false)
        } else if state.deadline_working_days.is_some() {
            (deadline()?, true)
        } else {
            return None;
        };
        Some(Due { date, overdue: self.clock.today() > date, employer_deadline })
    }

    /// The deadline the last move into the current state set (a correction notice's).
    pub fn deadline(&self, application: &Application, events: &[ApplicationEvent]) -> Option<NaiveDate> {
        let event = events.iter().rev().find(|e| e.to_state == application.state)?;
        jifen_rules::calendar::parse_date(event.details.get(DEADLINE)?.as_str()?).ok()
    }

    /// Gives the application to a member of the district's staff for its current step:
    /// anyone of the role the step waits for takes it themselves (`assignee` is `None` or
    /// their own id); a supervisor gives it to any such member of the district.
    pub async fn assign(&self, actor: &Actor, id: ApplicationId, assignee: Option<UserId>) -> Result<(), ServiceError> {
        if !actor.role.is_district_staff() {
            return Err(ServiceError::Forbidden);
        }
        let application = self.visible(actor, id).await?.application;
        let step = self
            .workflow
            .state(&application.state)
            .filter(|state| state.centre && !state.is_final && state.waiting_for.is_district_staff())
            .ok_or_else(|| {
                ServiceError::refused(
                    Reason::NotAssignable,
                    "当前环节不在中心办理，不能指派",
                    "The current step is not the centre's: nobody can be given it",
                )
            })?;
        let target = assignee.unwrap_or(actor.id);
        if target != actor.id && actor.role != Role::Supervisor {
            return Err(ServiceError::Forbidden);
        }
        let user = self.store.user_by_id(target).await?;
        let fits = user.as_ref().is_some_and(|user| {
            !user.disabled && user.district == Some(application.district) && user.role == step.waiting_for
        });
        if !fits {
            return Err(ServiceError::refused(
                Reason::WrongAssignee,
                format!("只能交给本区的{}办理当前环节", step.waiting_for.name(Lang::Zh)),
                format!("Only a {} of this district can take the current step", step.waiting_for.name(Lang::En)),
            ));
        }
        let entry = audit(actor, Audit::ApplicationAssign { assignee: target }, format!("application:{id}"));
        self.store
            .assign_application(id, &application.state, Some(target), actor.id, now_millis(), &entry)
            .await
            .map_err(crate::error::changed_meanwhile)
    }

    /// The members of staff a supervisor may give the application's current step to.
    pub async fn assignable_staff(&self, actor: &Actor, application: &Application) -> Result<Vec<User>, ServiceError> {
        let Some(step) = self.workflow.state(&application.state).filter(|s| s.centre && !s.is_final) else {
            return Ok(Vec::new());
        };
        if actor.role != Role::Supervisor || !step.waiting_for.is_district_staff() {
            return Ok(Vec::new());
        }
        Ok(self
            .store
            .staff()
            .await?
            .into_iter()
            .map(|member| member.user)
            .filter(|user| {
                !user.disabled && user.district == Some(application.district) && user.role == step.waiting_for
            })
            .collect())
    }

    /// The originals the counter kept at acceptance, each with whether it was handed back.
    pub fn kept_originals(&self, events: &[ApplicationEvent]) -> Vec<KeptOriginal> {
        let Some((kept_at, lines)) = self
            .workflow
            .actions
            .iter()
            .filter(|action| action.counter == Some(CounterOutcome::Complete))
            .filter_map(|action| Self::counter_marks(events, &action.id))
            .max_by_key(|(at, _)| *at)
        else {
            return Vec::new();
        };
        lines
            .into_iter()
            .filter(|line| {
                line.mark == CounterMark::Original
                    && self.materials.material(&line.material).is_some_and(|material| material.original_kept)
            })
            .map(|line| {
                let returned = events
                    .iter()
                    .filter(|event| event.action == ORIGINALS_RETURNED && event.at >= kept_at)
                    .find(|event| {
                        event.details["materials"]
                            .as_array()
                            .is_some_and(|list| list.iter().any(|m| *m == *line.material))
                    })
                    .map(|event| ReturnedOriginal {
                        at: event.at,
                        collected_by: event.details["collected_by"].as_str().unwrap_or_default().to_string(),
                        by: event.actor_name.clone(),
                    });
                KeptOriginal { material: line.material, kept_at, returned }
            })
            .collect()
    }

    /// The counter hands kept originals back to someone who signs for them (their name as
    /// signed); each original is handed back once.
    pub async fn return_originals(
        &self,
        actor: &Actor,
        id: ApplicationId,
        materials: &[String],
        collected_by: &str,
    ) -> Result<(), ServiceError> {
        if actor.role != Role::Clerk {
            return Err(ServiceError::Forbidden);
        }
        let application = self.visible(actor, id).await?.application;
        let collected_by = clean_text("collected_by", collected_by, 50)?;
        if collected_by.is_empty() {
            return Err(ServiceError::refused(
                Reason::SignatureRequired,
                "请填写领取人姓名（签收）",
                "Give the name of whoever collects them (their signature)",
            ));
        }
        let events = self.store.application_events(id).await?;
        let kept = self.kept_originals(&events);
        let chosen: Vec<&KeptOriginal> = kept
            .iter()
            .filter(|original| original.returned.is_none() && materials.contains(&original.material))
            .collect();
        if chosen.is_empty() || chosen.len() != materials.len() {
            return Err(ServiceError::refused(
                Reason::NothingToReturn,
                "请选择本中心留存且尚未归还的原件",
                "Choose originals the centre keeps and has not handed back",
            ));
        }
        let returned = Audit::OriginalsReturned {
            materials: chosen.iter().map(|original| original.material.clone()).collect(),
            collected_by: collected_by.to_string(),
        };
        let note = jifen_store::ApplicationNote {
            action: ORIGINALS_RETURNED.into(),
            actor_id: actor.id,
            comment: format!("{collected_by} 签收"),
            details: returned.details(),
        };
        let entry = audit(actor, returned, format!("application:{id}"));
        self.store
            .note_application(id, &application.state, &note, now_millis(), &entry)
            .await
            .map_err(crate::error::changed_meanwhile)
    }

    /// The checks the application's claim needs: the family-planning one only where the rule
    /// set in force on its date still has that veto.
    pub fn checks_needed(&self, application: &Application, id_number: &str) -> Vec<&'static Check> {
        let veto = self
            .score_form(&application.fields, id_number, self.scoring_date(application))
            .is_ok_and(|evaluation| evaluation.rule_set.vetoes.family_planning.value);
        self.verification.checks_for(&application.fields, veto)
    }

    /// The counter's marks of the last acceptance or correction notice.
    pub fn counter_marks(events: &[ApplicationEvent], action: &str) -> Option<(i64, Vec<CounterLine>)> {
        let event = events.iter().rev().find(|e| e.action == action)?;
        let lines = serde_json::from_value(event.details.get(COUNTER)?.clone()).ok()?;
        Some((event.at, lines))
    }

    /// The verification recorded since the application last entered review (a supervisor's
    /// send-back asks for a new one).
    pub fn current_verification(&self, events: &[ApplicationEvent]) -> Option<Verification> {
        let mut found = None;
        for event in events {
            if event.to_state == states::IN_REVIEW && event.from_state.as_deref() != Some(states::IN_REVIEW) {
                found = None;
            }
            if let Some(value) = event.details.get(VERIFICATION) {
                found = serde_json::from_value(value.clone()).ok();
            }
        }
        found
    }

    /// Checks the counter's marks for `action` and returns them with the message's summary
    /// (what is missing or defective).
    pub(crate) fn checked_counter(
        &self,
        application: &Application,
        outcome: CounterOutcome,
        posted: &BTreeMap<String, (String, String)>,
    ) -> Result<(Vec<CounterLine>, String), ServiceError> {
        let needed = self.materials.checklist(&application.fields);
        let mut lines = Vec::with_capacity(needed.len());
        let mut unmarked = Vec::new();
        for material in needed {
            let Some((word, reason)) = posted.get(&material.id) else {
                unmarked.push(material.title.get(Lang::Zh));
                continue;
            };
            let Some(mark) = CounterMark::parse(word) else {
                unmarked.push(material.title.get(Lang::Zh));
                continue;
            };
            let reason = clean_text(&format!("counter_reason_{}", material.id), reason, 200)?;
            if mark == CounterMark::Defective && reason.is_empty() {
                return Err(ServiceError::refused(
                    Reason::ReasonRequired,
                    format!("请写明“{}”不符合要求的原因", material.title.get(Lang::Zh)),
                    format!("Say why \"{}\" is defective", material.title.get(Lang::En)),
                ));
            }
            lines.push(CounterLine { material: material.id.clone(), mark, reason });
        }
        if !unmarked.is_empty() {
            return Err(ServiceError::refused(
                Reason::CounterIncomplete,
                format!("请逐项核对每份材料：{} 尚未标记", unmarked.join("、")),
                format!("Mark every material: {} not marked yet", unmarked.len()),
            ));
        }
        let lacking: Vec<&CounterLine> = lines.iter().filter(|line| !line.mark.received()).collect();
        match outcome {
            CounterOutcome::Complete if !lacking.is_empty() => Err(ServiceError::refused(
                Reason::MaterialsIncomplete,
                "有材料缺少或不符合要求，不能受理；请出具一次性告知书",
                "Some materials are missing or defective: issue the correction notice instead",
            )),
            CounterOutcome::Incomplete if lacking.is_empty() => Err(ServiceError::refused(
                Reason::MaterialsComplete,
                "材料已齐全，请直接受理",
                "Every material was received: accept the application",
            )),
            _ => {
                let summary = lacking
                    .iter()
                    .map(|line| {
                        let title = self.materials.material(&line.material).map_or("", |m| m.title.get(Lang::Zh));
                        match line.mark {
                            CounterMark::Missing => format!("缺{title}"),
                            _ => format!("{title}（{}）", line.reason),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("、");
                Ok((lines, summary))
            }
        }
    }

    /// The employer's deadline for a correction notice issued today.
    pub(crate) fn correction_deadline(&self, action: &Action) -> Result<Option<NaiveDate>, ServiceError> {
        let Some(days) = self.workflow.state(&action.to).and_then(|s| s.deadline_working_days) else {
            return Ok(None);
        };
        self.calendar().add_working_days(self.clock.today(), days).map(Some).map_err(|e| {
            ServiceError::refused(
                Reason::CalendarExhausted,
                format!("工作日历未覆盖所需日期，请管理员更新工作日历：{e}"),
                format!("The working-day calendar does not reach the deadline; an administrator must extend it: {e}"),
            )
        })
    }

    /// Checks the reviewer's verification and scores the verified facts with the engine on
    /// the claim's date.
    pub(crate) fn checked_verification(
        &self,
        actor: &Actor,
        application: &Application,
        id_number: &str,
        input: &VerificationInput,
    ) -> Result<Verification, ServiceError> {
        let mut fields = input.fields.clone();
        fields.retain(is_verified_field);
        let as_of = self.scoring_date(application);
        let id_number =
            ResidentIdNumber::parse(id_number).map_err(|e| ServiceError::Internal(format!("stored ID number: {e}")))?;
        let checked = check(&fields, &id_number, as_of, self.book()).map_err(ServiceError::Invalid)?;
        let verified = self
            .book()
            .evaluate(&checked.profile, &Context::on(as_of))
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let claimed = self.score_form(&application.fields, id_number.as_str(), as_of).map_err(|problem| {
            ServiceError::Internal(format!("the frozen claim no longer scores: {}", problem.message(Lang::En)))
        })?;
        let mut items = Vec::new();
        for id in ItemId::ALL {
            let (claimed_points, verified_points) = (claimed.item(id).points, verified.item(id).points);
            if claimed_points == 0 && verified_points == 0 {
                continue;
            }
            let name = |lang| id.name(lang);
            let (verdict, reason, note) = input.items.get(id.as_str()).cloned().unwrap_or_default();
            let corrected = match verdict.as_str() {
                "confirmed" if claimed_points == verified_points => false,
                "confirmed" => {
                    return Err(ServiceError::refused(
                        Reason::CorrectionUnexplained,
                        format!("“{}”核定分值与申报不同，请选择“更正”并说明理由", name(Lang::Zh)),
                        format!(
                            "\"{}\" scores differently from the claim: mark it corrected, with a reason",
                            name(Lang::En)
                        ),
                    ));
                }
                "corrected" => true,
                _ => {
                    return Err(ServiceError::refused(
                        Reason::VerdictMissing,
                        format!("请对“{}”逐项确认或更正", name(Lang::Zh)),
                        format!("Confirm or correct \"{}\"", name(Lang::En)),
                    ));
                }
            };
            let note = clean_text(&format!("note_{}", id.as_str()), &note, 300)?;
            let reason = if corrected {
                let allowed = self.verification.reasons_for(id);
                let Some(found) = allowed.iter().find(|r| r.id == reason) else {
                    return Err(ServiceError::refused(
                        Reason::ReasonRequired,
                        format!("请为“{}”的更正选择理由", name(Lang::Zh)),
                        format!("Choose the reason for correcting \"{}\"", name(Lang::En)),
                    ));
                };
                if found.note_required && note.is_empty() {
                    return Err(ServiceError::refused(
                        Reason::NoteRequired,
                        format!("“{}”的更正理由需要说明", name(Lang::Zh)),
                        format!("The correction of \"{}\" needs a note", name(Lang::En)),
                    ));
                }
                found.id.clone()
            } else {
                String::new()
            };
            items.push(ItemVerdict {
                item: id.as_str().to_string(),
                corrected,
                reason,
                note,
                claimed_points,
                verified_points,
            });
        }
        let today = self.clock.today().to_string();
        let mut checks = Vec::new();
        for wanted in self.checks_needed(application, id_number.as_str()) {
            let (result, note) = input.checks.get(&wanted.id).cloned().unwrap_or_default();
            let note = clean_text(&format!("check_note_{}", wanted.id), &note, 300)?;
            let passed = match result.as_str() {
                "passed" => true,
                "failed" if !note.is_empty() => false,
                "failed" => {
                    return Err(ServiceError::refused(
                        Reason::NoteRequired,
                        format!("“{}”未通过，请写明情况", wanted.title.get(Lang::Zh)),
                        format!("\"{}\" failed: say what was found", wanted.title.get(Lang::En)),
                    ));
                }
                _ => {
                    return Err(ServiceError::refused(
                        Reason::CheckMissing,
                        format!("请记录核查结果：{}", wanted.title.get(Lang::Zh)),
                        format!("Record the result of: {}", wanted.title.get(Lang::En)),
                    ));
                }
            };
            checks.push(CheckRecord { check: wanted.id.clone(), passed, note, on: today.clone() });
        }
        Ok(Verification {
            fields,
            as_of: as_of.to_string(),
            total: verified.total,
            reaches_standard: verified.reaches_standard,
            items,
            checks,
            by: actor.id,
        })
    }

    /// The details a centre's move keeps, and the values its message may quote, checked
    /// against what the action asks for. Called by [`Service::act_with`] before the move.
    pub(crate) async fn centre_move(
        &self,
        actor: &Actor,
        application: &Application,
        parties: (&Applicant, &Employer),
        action: &Action,
        input: &MoveInput,
    ) -> Result<CentreMove, ServiceError> {
        let id_number = parties.0.id_number.as_str();
        let mut details = serde_json::Map::new();
        let mut summary = None;
        let mut values = BTreeMap::new();
        let needs_events = action.after_deadline || action.needs_verification || action.four_eyes;
        let events = match needs_events {
            true => Some(self.store.application_events(application.id).await?),
            false => None,
        };
        if let Some(outcome) = action.counter {
            let (lines, lacking) = self.checked_counter(application, outcome, &input.counter)?;
            details.insert(COUNTER.into(), json!(lines));
            if outcome == CounterOutcome::Incomplete {
                summary = Some(lacking);
            }
        }
        if let Some(deadline) = self.correction_deadline(action)? {
            details.insert(DEADLINE.into(), json!(deadline.to_string()));
            values.insert("deadline", deadline.to_string());
        }
        if action.after_deadline {
            let deadline = events.as_deref().and_then(|events| self.deadline(application, events));
            values.insert("deadline", deadline.map(|d| d.to_string()).unwrap_or_default());
            if deadline.is_none_or(|deadline| self.clock.today() <= deadline) {
                return Err(ServiceError::refused(
                    Reason::DeadlineNotPassed,
                    "补正期限尚未届满",
                    "The correction deadline has not passed yet",
                ));
            }
        }
        if action.records_verification {
            let posted = input.verification.as_ref().ok_or_else(|| {
                ServiceError::refused(Reason::VerificationMissing, "请填写逐项审核结果", "Fill in the verification")
            })?;
            // A confirmed false-materials record is part of the verified facts, whatever was posted.
            let posted = VerificationInput {
                fields: self.with_records(&posted.fields, application.applicant_id).await?,
                ..posted.clone()
            };
            let verification = self.checked_verification(actor, application, id_number, &posted)?;
            details.insert(VERIFICATION.into(), json!(verification));
        }
        let current_verification = events.as_deref().and_then(|events| self.current_verification(events));
        if action.needs_verification || action.four_eyes {
            let current = current_verification.clone();
            if action.needs_verification && current.is_none() {
                return Err(ServiceError::refused(
                    Reason::VerificationMissing,
                    "尚未保存逐项审核结果",
                    "No item-by-item verification has been saved yet",
                ));
            }
            if action.four_eyes {
                let reviewed_by_actor = events
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .any(|event| event.actor_id == Some(actor.id) && event.details.get(VERIFICATION).is_some());
                if reviewed_by_actor {
                    return Err(ServiceError::refused(
                        Reason::FourEyes,
                        "您参与了本申请的审核，须由另一人决定",
                        "You took part in this review: someone else must decide",
                    ));
                }
            }
            if let Some(verification) = &current {
                values.insert("score", verification.total.to_string());
                if action.reaches_standard && !verification.reaches_standard {
                    return Err(ServiceError::refused(
                        Reason::BelowStandard,
                        format!("核定积分 {} 分未达到标准分值，不能审核通过", verification.total),
                        format!("The verified score {} does not reach the standard", verification.total),
                    ));
                }
            }
        }
        let notice = match (action.issues_notice, &current_verification) {
            (true, Some(verification)) => {
                let notice = self.new_notice(application, parties, verification);
                values.insert("valid_until", notice.valid_until.clone());
                Some(notice)
            }
            _ => None,
        };
        Ok(CentreMove { details, summary, values, notice })
    }

    /// A district centre's queue: its applications still open at the centre, the oldest
    /// first, each with its due date; narrowed by state (a final state lists its latest
    /// [`CLOSED_SHOWN`], newest first), a search (audited) or overdue only.
    pub async fn centre_queue(&self, actor: &Actor, filter: &QueueFilter) -> Result<Vec<QueueRow>, ServiceError> {
        let Some(district) = actor.district.filter(|_| actor.role.is_district_staff()) else {
            return Err(ServiceError::Forbidden);
        };
        let search = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if let Some(search) = search {
            // The pages check their query strings; the API's reach here as typed.
            clean_text("q", search, jifen_domain::text::MAX_FIELD_CHARS)?;
            let entry =
                audit(actor, Audit::CentreSearch { q: search.to_string() }, format!("district:{}", district.as_str()));
            self.store.record_audit(&entry).await?;
        }
        // A whole ID number, however typed (a lower-case or full-width X), is searched as stored.
        let id_number = search.and_then(|text| jifen_ids::ResidentIdNumber::parse(text).ok());
        let search = id_number.as_ref().map(|id| id.as_str()).or(search);
        let listings = match filter.state.as_deref() {
            // What is still to be done: every state at the centre but the final ones.
            None => self.store.applications_in_district(district, &self.workflow.open_centre_states()).await?,
            Some(wanted) => match self.workflow.state(wanted).filter(|s| s.centre) {
                // A final state holds every application ever decided: the latest page of it,
                // a whole ID number found by its index, anything else by a scan.
                Some(state) if state.is_final => match &id_number {
                    Some(id) => {
                        let mut of_person =
                            self.store.applications_of_person_in_district(district, id.as_str()).await?;
                        of_person.retain(|listing| listing.state == wanted);
                        of_person.truncate(CLOSED_SHOWN as usize);
                        of_person
                    }
                    None => self.store.latest_in_district_state(district, wanted, search, CLOSED_SHOWN).await?,
                },
                Some(state) => self.store.applications_in_district(district, std::slice::from_ref(&state.id)).await?,
                None => Vec::new(),
            },
        };
        let mut rows = Vec::new();
        for mut listing in listings {
            if let Some(search) = search
                && !(listing.applicant_name.contains(search)
                    || listing.applicant_id_number.to_ascii_uppercase().contains(&search.to_ascii_uppercase()))
            {
                continue;
            }
            let due = match self.workflow.state(&listing.state) {
                Some(state) if state.deadline_working_days.is_some() => {
                    let application = self.store.application(listing.id).await?.ok_or(ServiceError::NotFound)?;
                    let events = self.store.application_events(listing.id).await?;
                    self.due(&application, Some(&events))
                }
                Some(_) => self.due_of_listing(&listing),
                None => None,
            };
            if filter.overdue_only && !due.is_some_and(|due| due.overdue) {
                continue;
            }
            if filter.mine_only && listing.assigned_to.as_ref().is_none_or(|holder| holder.id != actor.id) {
                continue;
            }
            listing.applicant_id_number = mask_id_number(&listing.applicant_id_number);
            let waits_for = self.workflow.state(&listing.state).map(|s| s.waiting_for);
            let holder = listing
                .assigned_to
                .as_ref()
                .filter(|holder| holder.role.is_some() && holder.role == waits_for)
                .map(|holder| holder.name.clone());
            rows.push(QueueRow { listing, due, holder });
        }
        Ok(rows)
    }

    pub(crate) fn due_of_listing(&self, listing: &ApplicationListing) -> Option<Due> {
        let state = self.workflow.state(&listing.state)?;
        // A listing has no events: a state that keeps the employer's deadline has no due here.
        self.step_due(state, listing.state_since, || None)
    }
}

/// A note or reason as kept: trimmed, only characters people type, at most `max` characters.
pub(crate) fn clean_text(field: &str, value: &str, max: usize) -> Result<String, ServiceError> {
    jifen_domain::text::cleaned(field, value, max).map_err(|problem| ServiceError::Invalid(vec![problem]))
}

/// What a centre's move adds to a workflow move.
pub(crate) struct CentreMove {
    pub details: serde_json::Map<String, serde_json::Value>,
    /// Replaces the move's comment in the message (the correction notice's list).
    pub summary: Option<String>,
    /// Values the message quotes: `deadline`, `score`, `valid_until`.
    pub values: BTreeMap<&'static str, String>,
    /// The points notice the move issues.
    pub notice: Option<jifen_store::NewPointsNotice>,
}
