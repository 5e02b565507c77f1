//! Everything that is audited, in one list: each entry of the audit log names one of these
//! events (or one move of the workflow, whose actions are configuration), with its word as
//! the log stores it and its name in both languages for the administrator's page. What an
//! entry says beyond its event (whom, what changed) is its details, written where the change
//! is made.

use crate::workflow::Workflow;
use jifen_rules::Lang;
use serde::{Deserialize, Serialize};

crate::word_enum! {
    /// A fixed event of the audit log.
    AuditEvent {
        SignIn = "sign_in", "登录", "signed in";
        SignOut = "sign_out", "退出登录", "signed out";
        PasswordChange = "password_change", "修改密码", "changed their password";
        UserCreate = "user_create", "创建账号（命令行）", "account made (command line)";
        EmployerRegister = "employer_register", "用人单位注册", "employer signed up";
        EmployerVerify = "employer_verify", "单位注册审核通过", "employer verified";
        EmployerReject = "employer_reject", "单位注册不予通过", "employer rejected";
        EmployerExpire = "employer_expire", "单位注册逾期失效", "employer sign-up expired";
        ApplicantRegister = "applicant_register", "登记申请人", "applicant registered";
        ApplicantLink = "applicant_link", "关联已有申请人", "existing applicant linked";
        EmploymentAccept = "employment_accept", "接受单位关联", "employer link accepted";
        EmploymentDecline = "employment_decline", "拒绝单位关联", "employer link declined";
        EmploymentEnd = "employment_end", "解除单位关联", "employer link ended";
        StaffCreate = "staff_create", "新增工作人员", "staff member added";
        StaffPasswordReset = "staff_password_reset", "重置工作人员密码", "staff password reset";
        StaffDisable = "staff_disable", "停用工作人员账号", "staff account switched off";
        StaffEnable = "staff_enable", "启用工作人员账号", "staff account switched on";
        ApplicationCreate = "application_create", "开始积分申请", "application started";
        ApplicationSave = "application_save", "保存申请草稿", "draft saved";
        ApplicationView = "application_view", "查看申请", "application viewed";
        ApplicationAssign = "application_assign", "分派申请", "application assigned";
        OriginalsReturned = "application_originals_returned", "退还原件", "originals returned";
        MaterialUpload = "material_upload", "上传材料", "material uploaded";
        MaterialDownload = "material_download", "查看材料", "material opened";
        CentreSearch = "centre_search", "受理窗口查询", "centre search";
        AuditSearch = "audit_search", "按人员查询审计日志", "audit log searched for a person";
        BlacklistRecord = "blacklist_record", "记录虚假材料", "false materials recorded";
        BlacklistResponse = "blacklist_response", "对记录作出说明", "record answered";
        BlacklistConfirm = "blacklist_confirm", "确认列入", "record confirmed";
        BlacklistDismiss = "blacklist_dismiss", "不予列入", "record dismissed";
        BlacklistAppeal = "blacklist_appeal", "提出申诉", "appeal lodged";
        BlacklistLifted = "blacklist_lifted", "申诉成立，撤销记录", "appeal granted: record lifted";
        BlacklistUpheld = "blacklist_upheld", "申诉不成立，维持记录", "appeal refused: record upheld";
        BlacklistCorrect = "blacklist_correct", "更正记录", "record corrected";
        BlacklistExpire = "blacklist_expire", "记录期满", "record expired";
        RulesPublish = "rules_publish", "发布规则数据", "rule data published";
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
    fn no_event_word_collides_with_a_move() {
        let workflow = Workflow::embedded().unwrap();
        for action in &workflow.actions {
            let word = Audited::Move(&action.id).word();
            assert!(AuditEvent::parse(&word).is_none(), "{word} is both an event and a move");
        }
    }
}
