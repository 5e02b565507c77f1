//! Everything that is audited, in one list: each entry of the audit log names one of these
//! events (or one move of the workflow, whose actions are configuration), with its word as
//! the log stores it, its name in both languages for the administrator's page, and the data
//! the entry records beside it (its details), as typed fields. An entry is written from an
//! [`Audit`] value (or a [`MoveAudit`]), so what an event records is declared here once and
//! every place that writes it must give exactly that.

use crate::ids::{EmployerId, UploadId, UserId};
use crate::workflow::{StateId, Workflow};
use crate::{ApplicationKind, District, Role};
use jifen_rules::Lang;
use serde::{Deserialize, Serialize};

/// Declares [`AuditEvent`] (the events as words, with their names) and [`Audit`] (each
/// event with its data) from one list.
macro_rules! audit_events {
    ($(
        $(#[$doc:meta])*
        $variant:ident { $($(#[$field_meta:meta])* $field:ident: $ty:ty),* $(,)? } = $word:literal, $zh:literal, $en:literal;
    )+) => {
        crate::word_enum! {
            /// A fixed event of the audit log.
            AuditEvent { $($variant = $word, $zh, $en;)+ }
        }

        /// A fixed event with the data its entry records (the entry's details, one JSON
        /// object whose keys are the fields).
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        pub enum Audit {
            $($(#[$doc])* $variant { $($(#[$field_meta])* $field: $ty),* },)+
        }

        impl Audit {
            /// Which event it is.
            pub fn event(&self) -> AuditEvent {
                match self { $(Self::$variant { .. } => AuditEvent::$variant,)+ }
            }
        }
    };
}

audit_events! {
    SignIn {} = "sign_in", "登录", "signed in";
    SignOut {} = "sign_out", "退出登录", "signed out";
    PasswordChange {} = "password_change", "修改密码", "changed their password";
    /// `jifen admin create-user`; `by` is `cli`.
    UserCreate { role: Role, district: Option<District>, by: String } =
        "user_create", "创建账号（命令行）", "account made (command line)";
    /// `agent`: the HR agent's username.
    EmployerRegister { district: District, agent: String } = "employer_register", "用人单位注册", "employer signed up";
    EmployerVerify { district: District, reason: String } = "employer_verify", "单位注册审核通过", "employer verified";
    EmployerReject { district: District, reason: String } = "employer_reject", "单位注册不予通过", "employer rejected";
    EmployerExpire {} = "employer_expire", "单位注册逾期失效", "employer sign-up expired";
    /// One roster row: `id_number` masked, `line` of the CSV (1 for the form).
    ApplicantRegister { employer_id: EmployerId, id_number: String, line: usize } =
        "applicant_register", "登记申请人", "applicant registered";
    /// As [`Audit::ApplicantRegister`], for a person who had an account: the store writes it
    /// under this event when the registration turns out to be a link.
    ApplicantLink { employer_id: EmployerId, id_number: String, line: usize } =
        "applicant_link", "关联已有申请人", "existing applicant linked";
    EmploymentAccept { employer_id: EmployerId } = "employment_accept", "接受单位关联", "employer link accepted";
    EmploymentDecline { employer_id: EmployerId } = "employment_decline", "拒绝单位关联", "employer link declined";
    EmploymentEnd { employer_id: EmployerId } = "employment_end", "解除单位关联", "employer link ended";
    StaffCreate { username: String, role: Role, district: Option<District> } =
        "staff_create", "新增工作人员", "staff member added";
    StaffPasswordReset {} = "staff_password_reset", "重置工作人员密码", "staff password reset";
    StaffDisable {} = "staff_disable", "停用工作人员账号", "staff account switched off";
    StaffEnable {} = "staff_enable", "启用工作人员账号", "staff account switched on";
    /// A new application says whether its form was filled in from the person's last one
    /// (`prefill`); a renewal or a change names the points notice it follows (`follows`, its
    /// serial).
    ApplicationCreate {
        employer_id: EmployerId,
        kind: ApplicationKind,
        #[serde(skip_serializing_if = "Option::is_none")]
        prefill: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        follows: Option<String>,
    } = "application_create", "开始积分申请", "application started";
    /// `version`: the version the draft was saved on.
    ApplicationSave { version: i64 } = "application_save", "保存申请草稿", "draft saved";
    ApplicationView {} = "application_view", "查看申请", "application viewed";
    ApplicationAssign { assignee: UserId } = "application_assign", "分派申请", "application assigned";
    /// The materials whose originals were handed back, and who signed for them.
    OriginalsReturned { materials: Vec<String>, collected_by: String } =
        "application_originals_returned", "退还原件", "originals returned";
    /// `sha256` and `size` of the file as stored.
    MaterialUpload { material: String, sha256: String, size: usize } = "material_upload", "上传材料", "material uploaded";
    MaterialDownload { upload: UploadId, material: String } = "material_download", "查看材料", "material opened";
    /// `q`: what was searched for.
    CentreSearch { q: String } = "centre_search", "受理窗口查询", "centre search";
    /// `filter`: what the search named (`person`).
    AuditSearch { filter: String } = "audit_search", "按人员查询审计日志", "audit log searched for a person";
    /// The material found false, and whether the person and the employer are named.
    BlacklistRecord { material: String, person: bool, employer: bool } =
        "blacklist_record", "记录虚假材料", "false materials recorded";
    BlacklistResponse {} = "blacklist_response", "对记录作出说明", "record answered";
    /// `until`: the last day the confirmed record has effect.
    BlacklistConfirm { until: Option<String> } = "blacklist_confirm", "确认列入", "record confirmed";
    BlacklistDismiss { until: Option<String> } = "blacklist_dismiss", "不予列入", "record dismissed";
    BlacklistAppeal {} = "blacklist_appeal", "提出申诉", "appeal lodged";
    BlacklistLifted {} = "blacklist_lifted", "申诉成立，撤销记录", "appeal granted: record lifted";
    BlacklistUpheld {} = "blacklist_upheld", "申诉不成立，维持记录", "appeal refused: record upheld";
    BlacklistCorrect {} = "blacklist_correct", "更正记录", "record corrected";
    BlacklistExpire {} = "blacklist_expire", "记录期满", "record expired";
    /// The files published with their summaries, the reason given, and the rule-data version
    /// they were published on.
    RulesPublish { files: Vec<String>, summary: Vec<String>, reason: Option<String>, previous_version: i64 } =
        "rules_publish", "发布规则数据", "rule data published";
}

/// A move of the workflow as its entry records it: the action (its word is
/// `application_<action>`), the states it moved between, and why: a person's comment, or
/// the deadline that lapsed for the system's own moves.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MoveAudit {
    #[serde(skip)]
    pub action: String,
    pub from: StateId,
    pub to: StateId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
}

/// What an audit entry is written from: its word and its details.
pub trait AuditPayload {
    /// The word the log stores.
    fn word(&self) -> String;
    /// What the entry records beside the event.
    fn details(&self) -> serde_json::Value;
}

/// Serializing these types cannot fail (no map has keys other than strings); an empty
/// object stands in if it ever did.
fn as_details(value: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_else(|_| serde_json::Value::Object(serde_json::Map::new()))
}

impl AuditPayload for Audit {
    fn word(&self) -> String {
        self.event().as_str().to_string()
    }

    fn details(&self) -> serde_json::Value {
        as_details(self)
    }
}

impl AuditPayload for MoveAudit {
    fn word(&self) -> String {
        Audited::Move(&self.action).word()
    }

    fn details(&self) -> serde_json::Value {
        as_details(self)
    }
}

/// Words an earlier release wrote for an event that has another word now.
const EARLIER_WORDS: [(&str, AuditEvent); 2] = [
    ("blacklist_blacklist_lifted", AuditEvent::BlacklistLifted),
    ("blacklist_blacklist_upheld", AuditEvent::BlacklistUpheld),
];

/// The prefix of a move of the workflow: `application_<action>`.
const MOVE_PREFIX: &str = "application_";

/// What an audit entry's word means: a fixed event, or a move of the workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audited<'a> {
    Event(AuditEvent),
    /// The workflow action with this id (`workflow.toml`).
    Move(&'a str),
}

impl From<AuditEvent> for Audited<'_> {
    fn from(event: AuditEvent) -> Self {
        Self::Event(event)
    }
}

impl<'a> Audited<'a> {
    /// The word the log stores.
    pub fn word(self) -> String {
        match self {
            Self::Event(event) => event.as_str().to_string(),
            Self::Move(action) => format!("{MOVE_PREFIX}{action}"),
        }
    }

    /// What a stored word means, given the workflow whose actions are moves; `None` for a
    /// word no release wrote.
    pub fn of_word(word: &'a str, workflow: &'a Workflow) -> Option<Self> {
        if let Some(event) = AuditEvent::parse(word) {
            return Some(Self::Event(event));
        }
        if let Some((_, event)) = EARLIER_WORDS.iter().find(|(earlier, _)| *earlier == word) {
            return Some(Self::Event(*event));
        }
        let action = word.strip_prefix(MOVE_PREFIX)?;
        workflow.action(action).map(|action| Self::Move(&action.id))
    }

    /// Its name for people: the event's, or the move's title in the workflow.
    pub fn name(self, workflow: &'a Workflow, lang: Lang) -> String {
        match self {
            Self::Event(event) => event.name(lang).to_string(),
            Self::Move(action) => {
                let title = workflow.action(action).map_or(action, |action| action.title.get(lang));
                match lang {
                    Lang::Zh => format!("申请：{title}"),
                    Lang::En => format!("application: {title}"),
                }
            }
        }
    }
}

/// Every word the log may hold today, each with its name: the fixed events, then the
/// workflow's moves (for a search by event).
pub fn every_event(workflow: &Workflow, lang: Lang) -> Vec<(String, String)> {
    let fixed = AuditEvent::ALL.iter().map(|event| Audited::Event(*event));
    let moves = workflow.actions.iter().map(|action| Audited::Move(&action.id));
    fixed.chain(moves).map(|audited| (audited.word(), audited.name(workflow, lang))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_what_wrote_it() {
        let workflow = Workflow::embedded().unwrap();
        for (word, name) in every_event(workflow, Lang::Zh) {
            let audited = Audited::of_word(&word, workflow).unwrap_or_else(|| panic!("{word} reads back"));
            assert_eq!(audited.word(), word);
            assert_eq!(audited.name(workflow, Lang::Zh), name);
            assert!(!name.is_empty() && name != word, "{word} has a name for people");
        }
        let grant = Audited::of_word("application_grant", workflow).unwrap();
        assert_eq!(grant, Audited::Move("grant"));
        assert!(grant.name(workflow, Lang::En).starts_with("application: "));
        // A fixed event is not taken for a move, and an unknown action is no move.
        assert_eq!(Audited::of_word("application_view", workflow), Some(Audited::Event(AuditEvent::ApplicationView)));
        assert_eq!(Audited::of_word("application_nonsense", workflow), None);
        assert_eq!(
            Audited::of_word("blacklist_blacklist_lifted", workflow),
            Some(Audited::Event(AuditEvent::BlacklistLifted))
        );
    }

    #[test]
    fn an_entry_records_its_fields_as_the_log_always_stored_them() {
        let registered = Audit::EmployerRegister { district: District::Pudong, agent: "hr-1".into() };
        assert_eq!(registered.word(), "employer_register");
        assert_eq!(registered.details(), serde_json::json!({ "district": "pudong", "agent": "hr-1" }));
        let created = Audit::StaffCreate { username: "li".into(), role: Role::HrAgent, district: None };
        assert_eq!(created.details(), serde_json::json!({ "username": "li", "role": "hr_agent", "district": null }));
        // Words and JSON agree for every district and role the details can name.
        for district in District::ALL {
            assert_eq!(serde_json::to_value(district).unwrap(), district.as_str());
        }
        for role in Role::ALL {
            assert_eq!(serde_json::to_value(role).unwrap(), role.as_str());
        }
        let started = |follows: Option<&str>| Audit::ApplicationCreate {
            employer_id: EmployerId::new(3),
            kind: ApplicationKind::Renewal,
            prefill: None,
            follows: follows.map(str::to_string),
        };
        assert_eq!(started(None).details(), serde_json::json!({ "employer_id": 3, "kind": "renewal" }));
        assert_eq!(started(Some("A1")).details()["follows"], "A1");
        assert_eq!(Audit::SignIn {}.details(), serde_json::json!({}));
        let moved = MoveAudit {
            action: "grant".into(),
            from: StateId::from("in_review"),
            to: StateId::from("granted"),
            comment: Some(String::new()),
            deadline: None,
        };
        assert_eq!(moved.word(), "application_grant");
        assert_eq!(moved.details(), serde_json::json!({ "from": "in_review", "to": "granted", "comment": "" }));
    }

    #[test]
    fn no_event_word_collides_with_a_move() {
        let workflow = Workflow::embedded().unwrap();
        for action in &workflow.actions {
            let word = Audited::Move(&action.id).word();
            assert!(AuditEvent::parse(&word).is_none(), "{word} is both an event and a move");
        }
    }
}
