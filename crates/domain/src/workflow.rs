//! The application workflow as configuration (`data/workflow.toml`): states, actions, the
//! roles allowed to take each, and the message each sends. [`Workflow::parse`] checks the
//! whole of it (every reference resolves, every state is reachable, no state is a dead end
//! unless final), so a broken configuration stops the server at start-up, not a user later.

use crate::Role;
use jifen_rules::{Lang, Text};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::LazyLock;

pub const EMBEDDED_WORKFLOW: &str = include_str!("../data/workflow.toml");

/// The id of a state of the workflow (`filed`, `in_review`). The states are configuration
/// (`workflow.toml`), so this is a name rather than an enum; what it is checked against is
/// the workflow: the states the code itself names are [`states`], each checked to exist when
/// a workflow loads, and the states stored with applications are checked against the
/// workflow when the server starts (`Service::check_stored_states`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StateId(String);

impl StateId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for StateId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for StateId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for StateId {
    fn from(id: String) -> Self {
        Self(id)
    }
}

impl From<&str> for StateId {
    fn from(id: &str) -> Self {
        Self(id.to_string())
    }
}

impl PartialEq<str> for StateId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<String> for StateId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<StateId> for String {
    fn eq(&self, other: &StateId) -> bool {
        self == &other.0
    }
}

impl PartialEq<&str> for StateId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// The states the code names (a document's wording, the counter's page, the centre's
/// clocks): a workflow without one of them does not load.
pub mod states {
    pub const DRAFT: &str = "draft";
    pub const FILED: &str = "filed";
    pub const CORRECTION: &str = "correction";
    pub const ACCEPTED: &str = "accepted";
    pub const FILE_REQUESTED: &str = "file_requested";
    pub const IN_REVIEW: &str = "in_review";
    pub const REVIEWED: &str = "reviewed";

    /// All of them, for the check.
    pub const NAMED: [&str; 7] = [DRAFT, FILED, CORRECTION, ACCEPTED, FILE_REQUESTED, IN_REVIEW, REVIEWED];
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub id: StateId,
    pub title: Text,
    /// Whose move it is in this state.
    pub waiting_for: Role,
    /// Calendar days within which the next move is expected (the applicant's and the
    /// employer's steps).
    #[serde(default)]
    pub sla_days: Option<u32>,
    /// Working days within which the next move is expected (the district centre's steps).
    #[serde(default)]
    pub sla_working_days: Option<u32>,
    /// The employer's deadline in this state, in working days from entering it.
    #[serde(default)]
    pub deadline_working_days: Option<u32>,
    /// The application is at the district centre: its staff see it.
    #[serde(default)]
    pub centre: bool,
    /// The centre's clock stops in this state (the employer is completing materials).
    #[serde(default)]
    pub clock_paused: bool,
    #[serde(default, rename = "final")]
    pub is_final: bool,
    /// Whether the application form may be printed (as a PDF) in this state.
    #[serde(default)]
    pub printable: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// Who is told: the applicant, the employer's contact, or both.
    pub roles: Vec<Role>,
    pub template: String,
}

/// What the clerk's marks at the counter must show for a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CounterOutcome {
    /// Every material received (original seen or copy received).
    Complete,
    /// At least one material missing or defective: the one correction notice.
    Incomplete,
}

/// The official documents a move issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// 收件凭证: the counter's receipt.
    Receipt,
    /// 一次性告知书: everything to complete, with the deadline.
    Correction,
    /// 调档函: the request for the personnel file.
    Transfer,
    /// 不予受理告知书: the correction's deadline passed.
    NotAccepted,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 4] =
        [DocumentKind::Receipt, DocumentKind::Correction, DocumentKind::Transfer, DocumentKind::NotAccepted];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "receipt",
            DocumentKind::Correction => "correction",
            DocumentKind::Transfer => "transfer",
            DocumentKind::NotAccepted => "not_accepted",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == word)
    }

    pub fn title(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (DocumentKind::Receipt, Lang::Zh) => "收件凭证",
            (DocumentKind::Receipt, Lang::En) => "Receipt",
            (DocumentKind::Correction, Lang::Zh) => "补正材料一次性告知书",
            (DocumentKind::Correction, Lang::En) => "Correction notice",
            (DocumentKind::Transfer, Lang::Zh) => "调档函",
            (DocumentKind::Transfer, Lang::En) => "Personnel-file transfer letter",
            (DocumentKind::NotAccepted, Lang::Zh) => "不予受理告知书",
            (DocumentKind::NotAccepted, Lang::En) => "Notice of non-acceptance",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    pub id: String,
    pub from: Vec<StateId>,
    pub to: StateId,
    pub roles: Vec<Role>,
    #[serde(default)]
    pub requires_comment: bool,
    /// The applicant's form must pass every check, and the claim it makes is frozen.
    #[serde(default)]
    pub checks_form: bool,
    pub notify: Option<Notify>,
    /// The clerk marks every material at the counter (see [`CounterOutcome`]).
    #[serde(default)]
    pub counter: Option<CounterOutcome>,
    /// Only once the current state's deadline has passed.
    #[serde(default)]
    pub after_deadline: bool,
    /// The reviewer's item-by-item verification is saved with the move.
    #[serde(default)]
    pub records_verification: bool,
    /// Only with a verification recorded since the application last entered review.
    #[serde(default)]
    pub needs_verification: bool,
    /// Not by anyone who recorded the verification (the four-eyes principle).
    #[serde(default)]
    pub four_eyes: bool,
    /// Only when the verified score reaches the standard.
    #[serde(default)]
    pub reaches_standard: bool,
    /// The official document the move issues.
    #[serde(default)]
    pub document: Option<DocumentKind>,
    /// The move issues the holder's points notice (积分通知书), superseding any earlier one.
    #[serde(default)]
    pub issues_notice: bool,
    /// An action out of a final state (an appeal): the application opens again.
    #[serde(default)]
    pub reopens: bool,
    /// Only within so many calendar days of entering the current state.
    #[serde(default)]
    pub within_days: Option<u32>,
    /// Only by someone who took no part in the application before (an appeal's handler).
    #[serde(default)]
    pub impartial: bool,
    /// The employer files the application with the centre: refused while a confirmed
    /// blacklist entry bars the employer.
    #[serde(default)]
    pub employer_files: bool,
    pub title: Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkflowFile {
    initial: StateId,
    state: Vec<State>,
    action: Vec<Action>,
    template: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Workflow {
    pub initial: StateId,
    pub states: Vec<State>,
    pub actions: Vec<Action>,
    pub templates: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("workflow configuration: {0}")]
pub struct WorkflowError(pub String);

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("no action {0}")]
    UnknownAction(String),
    #[error("action {action} cannot be taken in state {state}")]
    WrongState { action: String, state: String },
    #[error("a {role} may not take action {action}")]
    RoleNotAllowed { action: String, role: &'static str },
    #[error("action {0} needs a comment")]
    CommentRequired(String),
}

static EMBEDDED: LazyLock<Result<Workflow, WorkflowError>> = LazyLock::new(|| Workflow::parse(EMBEDDED_WORKFLOW));

impl Workflow {
    pub fn embedded() -> Result<&'static Workflow, WorkflowError> {
        EMBEDDED.as_ref().map_err(Clone::clone)
    }

    /// Reads and checks a workflow configuration.
    pub fn parse(text: &str) -> Result<Self, WorkflowError> {
        let file: WorkflowFile = toml::from_str(text).map_err(|e| WorkflowError(e.to_string()))?;
        let workflow =
            Self { initial: file.initial, states: file.state, actions: file.action, templates: file.template };
        workflow.check()?;
        Ok(workflow)
    }

    fn check(&self) -> Result<(), WorkflowError> {
        let fail = |message: String| Err(WorkflowError(message));
        let mut state_ids = BTreeSet::new();
        for state in &self.states {
            if !state_ids.insert(state.id.as_str()) {
                return fail(format!("state {} is defined twice", state.id));
            }
        }
        if !state_ids.contains(self.initial.as_str()) {
            return fail(format!("initial state {} is not defined", self.initial));
        }
        if let Some(missing) = states::NAMED.iter().find(|id| !state_ids.contains(**id)) {
            return fail(format!("state {missing}, which the code names, is not defined"));
        }
        let mut action_ids = BTreeSet::new();
        for action in &self.actions {
            if !action_ids.insert(action.id.as_str()) {
                return fail(format!("action {} is defined twice", action.id));
            }
            for state in action.from.iter().chain([&action.to]) {
                if !state_ids.contains(state.as_str()) {
                    return fail(format!("action {} names state {state}, which is not defined", action.id));
                }
            }
            if action.roles.is_empty() {
                return fail(format!("action {} allows no role", action.id));
            }
            if let Some(notify) = &action.notify {
                if !self.templates.contains_key(&notify.template) {
                    return fail(format!(
                        "action {} sends template {}, which is not defined",
                        action.id, notify.template
                    ));
                }
                if notify.roles.is_empty() {
                    return fail(format!("action {} sends a message to no one", action.id));
                }
            }
            let from_states = || action.from.iter().filter_map(|id| self.state(id));
            if action.after_deadline && from_states().any(|s| s.deadline_working_days.is_none()) {
                return fail(format!("action {} waits for a deadline its state does not have", action.id));
            }
            if action.reopens && from_states().any(|s| !s.is_final) {
                return fail(format!("action {} reopens, but leaves a state that is not final", action.id));
            }
            if action.issues_notice && !(action.needs_verification && action.reaches_standard) {
                return fail(format!(
                    "action {} issues a notice without a verified score that reaches the standard",
                    action.id
                ));
            }
            if action.four_eyes && !action.roles.iter().all(|role| role.is_district_staff()) {
                return fail(format!("action {} is four-eyes but not only for district staff", action.id));
            }
        }
        for state in &self.states {
            if state.sla_days.is_some() && state.sla_working_days.is_some() {
                return fail(format!("state {} has two clocks", state.id));
            }
            // Out of a final state only an action that opens the application again.
            let leaves = self.actions.iter().any(|a| a.from.contains(&state.id) && !a.reopens);
            match (state.is_final, leaves) {
                (true, true) => return fail(format!("final state {} has actions out of it", state.id)),
                (false, false) => {
                    return fail(format!("state {} is a dead end: no action leaves it and it is not final", state.id));
                }
                _ => {}
            }
        }
        let mut reached = BTreeSet::from([self.initial.as_str()]);
        let mut queue = VecDeque::from([self.initial.as_str()]);
        while let Some(state) = queue.pop_front() {
            for action in self.actions.iter().filter(|a| a.from.iter().any(|f| f == state)) {
                if reached.insert(action.to.as_str()) {
                    queue.push_back(action.to.as_str());
                }
            }
        }
        if let Some(unreached) = self.states.iter().find(|s| !reached.contains(s.id.as_str())) {
            return fail(format!("state {} cannot be reached from {}", unreached.id, self.initial));
        }
        Ok(())
    }

    pub fn state(&self, id: &str) -> Option<&State> {
        self.states.iter().find(|state| state.id == id)
    }

    /// The states in which an application is at the district centre and not yet decided:
    /// the centre's open work.
    pub fn open_centre_states(&self) -> Vec<StateId> {
        self.states.iter().filter(|s| s.centre && !s.is_final).map(|s| s.id.clone()).collect()
    }

    /// The actions `role` may take in `state`.
    pub fn allowed(&self, state: &str, role: Role) -> Vec<&Action> {
        self.actions.iter().filter(|a| a.from.iter().any(|f| f == state) && a.roles.contains(&role)).collect()
    }

    /// Checks a move and returns the action to carry out.
    pub fn transition(&self, state: &str, action: &str, role: Role, comment: &str) -> Result<&Action, TransitionError> {
        let found = self
            .actions
            .iter()
            .find(|a| a.id == action)
            .ok_or_else(|| TransitionError::UnknownAction(action.into()))?;
        // A role that may never take the action is told so whatever the state.
        if !found.roles.contains(&role) {
            return Err(TransitionError::RoleNotAllowed { action: action.into(), role: role.as_str() });
        }
        if !found.from.iter().any(|f| f == state) {
            return Err(TransitionError::WrongState { action: action.into(), state: state.into() });
        }
        if found.requires_comment && comment.trim().is_empty() {
            return Err(TransitionError::CommentRequired(action.into()));
        }
        Ok(found)
    }

    /// The message an action sends, with its placeholders filled in.
    pub fn message(&self, action: &Action, values: &[(&str, &str)]) -> Option<String> {
        self.render(&action.notify.as_ref()?.template, values)
    }

    /// A message template by name, with its placeholders filled in.
    pub fn render(&self, template: &str, values: &[(&str, &str)]) -> Option<String> {
        let template = self.templates.get(template)?;
        let text = values.iter().fold(template.clone(), |text, (key, value)| {
            text.replace(&format!("{{{key}}}"), &shorten(value, MAX_SMS_VALUE_CHARS))
        });
        Some(shorten(&text, MAX_SMS_CHARS))
    }

    /// The states an applicant can change the form in: those waiting for the applicant.
    pub fn applicant_edits(&self, state: &str) -> bool {
        self.state(state).is_some_and(|state| state.waiting_for == Role::Applicant)
    }

    pub fn state_title(&self, id: &str, lang: Lang) -> Option<&str> {
        self.state(id).map(|state| state.title.get(lang))
    }

    /// The action with this id.
    pub fn action(&self, id: &str) -> Option<&Action> {
        self.actions.iter().find(|action| action.id == id)
    }

    /// Whether an application in `state` can hold a points notice: `state` is where a move
    /// that issues one leads, or can be reached from there (an appeal reopens a granted
    /// application, whose notice stands until a new decision supersedes it). In any other
    /// state (a draft, a form at the employer or the counter) no notice can exist yet, so
    /// its page does not look for one.
    pub fn may_hold_notice(&self, state: &str) -> bool {
        let mut reached: Vec<&str> = self.actions.iter().filter(|a| a.issues_notice).map(|a| a.to.as_str()).collect();
        let mut next = 0;
        while let Some(&from) = reached.get(next) {
            if from == state {
                return true;
            }
            for action in self.actions.iter().filter(|a| a.from.iter().any(|f| f == from)) {
                if !reached.contains(&action.to.as_str()) {
                    reached.push(action.to.as_str());
                }
            }
            next += 1;
        }
        false
    }
}

/// The longest SMS sent (five concatenated segments of 67 Chinese characters, less room).
pub const MAX_SMS_CHARS: usize = 300;
/// The most of one typed value (a comment, a name) an SMS quotes.
pub const MAX_SMS_VALUE_CHARS: usize = 60;

/// `text` cut to `max` characters, the cut marked with "…".
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_workflow_without_a_state_the_code_names_does_not_load() {
        let renamed = EMBEDDED_WORKFLOW.replace("\"in_review\"", "\"under_review\"");
        assert_ne!(renamed, EMBEDDED_WORKFLOW, "the embedded workflow names in_review");
        let error = Workflow::parse(&renamed).unwrap_err();
        assert!(error.0.contains("in_review"), "{error:?}");
        assert!(states::NAMED.iter().all(|id| Workflow::embedded().unwrap().state(id).is_some()));
    }

    use super::*;

    #[test]
    fn the_embedded_workflow_is_consistent() {
        let workflow = Workflow::embedded().unwrap();
        assert_eq!(workflow.initial, "draft");
        assert_eq!(workflow.state_title("filed", Lang::Zh), Some("单位已提交，待区受理中心窗口受理"));
    }

    #[test]
    fn a_notice_can_exist_only_from_the_grant_on() {
        let workflow = Workflow::embedded().unwrap();
        let (after, before): (Vec<&str>, Vec<&str>) =
            workflow.states.iter().map(|s| s.id.as_str()).partition(|id| workflow.may_hold_notice(id));
        // Granted, and where an appeal of a decision leads: reconsidered, it is reviewed again.
        assert_eq!(after, ["in_review", "reviewed", "granted", "refused", "appealed", "appeal_upheld"]);
        assert_eq!(before[..5], ["draft", "submitted", "returned", "approved", "filed"]);
        assert!(before.contains(&"accepted") && before.contains(&"file_requested"));
        assert!(!workflow.may_hold_notice("no_such_state"));
        // A workflow whose decision issues no notice holds none anywhere.
        let without = Workflow::parse(&EMBEDDED_WORKFLOW.replace("issues_notice = true", "")).unwrap();
        assert!(without.states.iter().all(|s| !without.may_hold_notice(&s.id)));
    }

    #[test]
    fn an_application_goes_from_the_form_to_the_employers_filing() {
        let workflow = Workflow::embedded().unwrap();
        let mut state = workflow.initial.clone();
        for (action, role, comment) in [
            ("submit", Role::Applicant, ""),
            ("return", Role::HrAgent, "社保记录缺少 2024 年"),
            ("submit", Role::Applicant, ""),
            ("approve", Role::HrAgent, ""),
            ("file", Role::HrAgent, ""),
        ] {
            state = workflow.transition(&state, action, role, comment).unwrap().to.clone();
        }
        assert_eq!(state, "filed");
        assert!(workflow.allowed("filed", Role::HrAgent).is_empty());
        assert!(workflow.state("filed").unwrap().centre);
    }

    #[test]
    fn the_centre_accepts_reviews_and_decides_with_four_eyes() {
        let workflow = Workflow::embedded().unwrap();
        let mut state = StateId::from(states::FILED);
        for (action, role, comment) in [
            ("ask_correction", Role::Clerk, ""),
            ("corrected", Role::HrAgent, ""),
            ("accept", Role::Clerk, ""),
            ("request_file", Role::Reviewer, "徐汇区人才服务中心档案室"),
            ("file_arrived", Role::Reviewer, ""),
            ("record_verification", Role::Reviewer, ""),
            ("finish_review", Role::Reviewer, ""),
            ("grant", Role::Supervisor, ""),
        ] {
            state = workflow.transition(&state, action, role, comment).unwrap().to.clone();
        }
        assert_eq!(state, "granted");
        assert!(workflow.state("granted").unwrap().is_final);
        let grant = workflow.actions.iter().find(|a| a.id == "grant").unwrap();
        assert!(grant.four_eyes && grant.needs_verification && grant.reaches_standard);
        assert!(matches!(
            workflow.transition("reviewed", "grant", Role::Reviewer, ""),
            Err(TransitionError::RoleNotAllowed { .. })
        ));
        let correction = workflow.state("correction").unwrap();
        assert!(correction.clock_paused && correction.deadline_working_days == Some(10));
    }

    #[test]
    fn moves_are_refused_by_state_role_and_missing_comment() {
        let workflow = Workflow::embedded().unwrap();
        assert!(matches!(
            workflow.transition("draft", "approve", Role::HrAgent, ""),
            Err(TransitionError::WrongState { .. })
        ));
        assert!(matches!(
            workflow.transition("submitted", "approve", Role::Applicant, ""),
            Err(TransitionError::RoleNotAllowed { .. })
        ));
        assert!(matches!(
            workflow.transition("submitted", "approve", Role::Clerk, ""),
            Err(TransitionError::RoleNotAllowed { .. })
        ));
        assert!(matches!(
            workflow.transition("submitted", "return", Role::HrAgent, "  "),
            Err(TransitionError::CommentRequired(_))
        ));
        assert!(matches!(workflow.transition("draft", "fly", Role::Admin, ""), Err(TransitionError::UnknownAction(_))));
        let ids: Vec<&str> = workflow.allowed("submitted", Role::HrAgent).iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["return", "approve"]);
    }

    #[test]
    fn messages_fill_their_placeholders() {
        let workflow = Workflow::embedded().unwrap();
        let returned = workflow.actions.iter().find(|a| a.id == "return").unwrap();
        let text = workflow
            .message(returned, &[("name", "李四"), ("employer", "示例公司"), ("comment", "缺少学位证")])
            .unwrap();
        assert_eq!(text, "【居住证积分】李四，您的积分申请被示例公司退回修改：缺少学位证。请登录系统修改后重新提交。");
    }

    #[test]
    fn inconsistent_configurations_are_refused_with_the_reason() {
        let cases = [
            (EMBEDDED_WORKFLOW.replace("initial = \"draft\"", "initial = \"nowhere\""), "initial state nowhere"),
            (EMBEDDED_WORKFLOW.replace("to = \"returned\"", "to = \"limbo\""), "state limbo"),
            (EMBEDDED_WORKFLOW.replace("roles = [\"applicant\"]", "roles = [\"boss\"]"), "unknown variant"),
            (EMBEDDED_WORKFLOW.replace("roles = [\"applicant\"]", "roles = []"), "allows no role"),
            (EMBEDDED_WORKFLOW.replace("template = \"filed\" }", "template = \"gone\" }"), "template gone"),
            (
                EMBEDDED_WORKFLOW.replacen(
                    "waiting_for = \"clerk\"\ncentre = true\nfinal = true",
                    "waiting_for = \"clerk\"\ncentre = true",
                    1,
                ),
                "dead end",
            ),
            (EMBEDDED_WORKFLOW.replace("deadline_working_days = 10\n", ""), "waits for a deadline"),
            (
                EMBEDDED_WORKFLOW.replacen(
                    "centre = true\nfinal = true\n\n[[state]]\nid = \"appealed\"",
                    "centre = true\n\n[[state]]\nid = \"appealed\"",
                    1,
                ),
                "reopens, but leaves a state that is not final",
            ),
            (
                EMBEDDED_WORKFLOW.replace("from = [\"draft\", \"returned\"]", "from = [\"draft\"]"),
                "returned is a dead end",
            ),
            (EMBEDDED_WORKFLOW.replace("id = \"approve\"", "id = \"return\""), "defined twice"),
        ];
        for (text, needle) in cases {
            let error = Workflow::parse(&text).unwrap_err().to_string();
            assert!(error.contains(needle), "expected {needle:?} in {error}");
        }
        // A final state that no action leads to, placed before the [template] table.
        let orphan = "[[state]]\nid = \"orphan\"\ntitle = { zh = \"孤立\", en = \"orphan\" }\nwaiting_for = \"admin\"\nfinal = true\n\n";
        let unreachable = EMBEDDED_WORKFLOW.replacen("[template]", &format!("{orphan}[template]"), 1);
        assert!(Workflow::parse(&unreachable).unwrap_err().to_string().contains("orphan cannot be reached"));
    }

    #[test]
    fn an_sms_quotes_long_text_cut_and_never_runs_past_its_limit() {
        let workflow = Workflow::embedded().unwrap();
        let comment = "字".repeat(50_000);
        let text =
            workflow.render("returned", &[("name", "张伟明"), ("employer", "单位"), ("comment", &comment)]).unwrap();
        assert!(text.chars().count() <= MAX_SMS_CHARS, "{}", text.chars().count());
        assert!(text.contains(&format!("{}…", "字".repeat(MAX_SMS_VALUE_CHARS - 1))), "{text}");
        assert!(text.ends_with("重新提交。"), "the instruction after the comment survives: {text}");
        assert_eq!(shorten("短", 5), "短");
        assert_eq!(shorten("abcdef", 4), "abc…");
    }
}
