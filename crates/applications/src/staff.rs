//! Staff administration, for administrators only: make a member of staff with a role (and
//! a district for the centre's staff) and a mobile, which receives a one-time initial
//! password by SMS; reset a password the same way; switch an account off (its sessions end at
//! once) or on again. Every change is audited; the last active administrator cannot be
//! switched off.

use crate::Reason;
use crate::error::ServiceError;
use crate::{Actor, Service, audit, sms};
use jifen_domain::application::{Problem, is_mobile};
use jifen_domain::audit::Audit;
use jifen_domain::{District, Role, text};
use jifen_store::{NewUser, StaffMember, StaffStore, StoreError, UserId, now_millis};

/// A new member of staff, as the administrator's form gives it.
#[derive(Debug, Clone, Default)]
pub struct NewStaff {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub district: String,
    pub mobile: String,
}

/// What the administrator does to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffChange {
    ResetPassword,
    SwitchOff,
    SwitchOn,
}

impl Service {
    /// Administrators only (staff, rule data, rescoring); everyone else is forbidden.
    pub(crate) fn administrator(actor: &Actor) -> Result<(), ServiceError> {
        if actor.role == Role::Admin { Ok(()) } else { Err(ServiceError::Forbidden) }
    }

    /// Administrators and district staff, with their last sign-in.
    pub async fn staff(&self, actor: &Actor) -> Result<Vec<StaffMember>, ServiceError> {
        Self::administrator(actor)?;
        Ok(self.store.staff().await?)
    }

    /// Makes a member of staff; their initial password goes to their mobile by SMS and is
    /// not kept.
    pub async fn create_staff(&self, actor: &Actor, form: &NewStaff) -> Result<(), ServiceError> {
        Self::administrator(actor)?;
        let (user, mobile) = check_new_staff(form)?;
        let password = jifen_auth::initial_password();
        let hash = crate::password_work::hash(&password).await?;
        let user = NewUser { password_hash: hash, ..user };
        let message = self.password_sms("staff_created", &user.display_name, &mobile, &password)?;
        let created = Audit::StaffCreate { username: user.username.clone(), role: user.role, district: user.district };
        let entry = audit(actor, created, String::new());
        match self.store.create_staff(&user, &mobile, &[message], now_millis(), &entry).await {
            Ok(_) => Ok(()),
            Err(StoreError::Duplicate(_)) => {
                Err(ServiceError::Invalid(vec![Problem::new("username", "该用户名已被使用", "This username is taken")]))
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Resets a password, switches an account off or on.
    pub async fn change_staff(&self, actor: &Actor, user_id: UserId, change: StaffChange) -> Result<(), ServiceError> {
        Self::administrator(actor)?;
        let member = self.store.staff().await?.into_iter().find(|m| m.user.id == user_id);
        let member = member.ok_or(ServiceError::NotFound)?;
        let subject = format!("user:{user_id}");
        let conflict = |e: StoreError| match e {
            StoreError::Conflict(why) if why.contains("last active administrator") => ServiceError::refused(
                Reason::LastAdministrator,
                "不能停用最后一位在用的系统管理员",
                "The last active administrator cannot be switched off",
            ),
            StoreError::Conflict(_) => ServiceError::Changed,
            other => ServiceError::Store(other),
        };
        match change {
            StaffChange::ResetPassword => {
                let Some(mobile) = member.mobile else {
                    return Err(ServiceError::refused(
                        Reason::NoMobile,
                        "该账号没有登记手机号码，无法发送一次性密码",
                        "This account has no mobile on file for a one-time password",
                    ));
                };
                let password = jifen_auth::initial_password();
                let hash = crate::password_work::hash(&password).await?;
                let message =
                    self.password_sms("staff_password_reset", &member.user.display_name, &mobile, &password)?;
                let entry = audit(actor, Audit::StaffPasswordReset {}, subject);
                self.store
                    .reset_staff_password(user_id, &hash, &[message], now_millis(), &entry)
                    .await
                    .map_err(conflict)
            }
            StaffChange::SwitchOff | StaffChange::SwitchOn => {
                let (disabled, action) = match change {
                    StaffChange::SwitchOff => (true, Audit::StaffDisable {}),
                    _ => (false, Audit::StaffEnable {}),
                };
                let entry = audit(actor, action, subject);
                self.store.set_disabled(user_id, disabled, &entry).await.map_err(conflict)
            }
        }
    }

    /// The SMS that carries a one-time password; the outbox keeps only that it was sent.
    fn password_sms(
        &self,
        template: &str,
        name: &str,
        mobile: &str,
        password: &str,
    ) -> Result<jifen_store::NewMessage, ServiceError> {
        let render = |password: &str| {
            self.workflow
                .render(template, &[("name", name), ("password", password)])
                .ok_or_else(|| ServiceError::Internal(format!("template {template} is not defined")))
        };
        let key = format!("{template}-{}-{}", now_millis(), jifen_auth::random_token().get(..16).unwrap_or("0"));
        Ok(sms(key, mobile, render(password)?, Some(render("（已发送，系统不保存）")?)))
    }
}

/// Every field of a new member of staff checked at once, each problem naming its field.
fn check_new_staff(form: &NewStaff) -> Result<(NewUser, String), ServiceError> {
    let mut problems = Vec::new();
    let username = form.username.trim().to_string();
    if !crate::sign_in::valid_agent_username(&username) {
        problems.push(Problem::new(
            "username",
            "用户名为 3–40 个字母、数字或 . _ -，且不能是身份证号码",
            "The username has 3–40 letters, digits or . _ - and cannot be an ID number",
        ));
    }
    let display_name = form.display_name.trim().to_string();
    if display_name.is_empty() {
        problems.push(Problem::new("display_name", "请填写姓名", "Give the name"));
    } else if let Err(problem) = text::check("display_name", &display_name, 50) {
        problems.push(problem);
    }
    let role = Role::parse(&form.role).filter(|role| *role == Role::Admin || role.is_district_staff());
    if role.is_none() {
        problems.push(Problem::new("role", "请选择角色", "Choose a role"));
    }
    let district = District::parse(&form.district);
    let needs_district = role.is_some_and(Role::is_district_staff);
    if needs_district && district.is_none() {
        problems.push(Problem::new("district", "区受理中心的工作人员须选择所在区", "District staff need a district"));
    }
    let mobile = form.mobile.trim().to_string();
    if !is_mobile(&mobile) {
        problems.push(Problem::new(
            "mobile",
            "手机号码应为 1 开头的 11 位数字",
            "The mobile has 11 digits starting with 1",
        ));
    }
    match (role, problems.is_empty()) {
        (Some(role), true) => Ok((
            NewUser {
                username,
                display_name,
                password_hash: String::new(),
                role,
                district: if needs_district { district } else { None },
                employer_id: None,
                must_change_password: true,
            },
            mobile,
        )),
        _ => Err(ServiceError::Invalid(problems)),
    }
}
