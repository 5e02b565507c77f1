//! Signing in, sessions, password changes and employer sign-up: the account side of the one
//! door to the store.
//!
//! Throttling is counted before the password is checked, by one atomic upsert per subject,
//! so concurrent guesses cannot share a count, on one server or many. The policy (README,
//! "Signing in"):
//! - a browser that signed in to the account before (it holds a device cookie) is counted on
//!   its own: [`MAX_ATTEMPTS_PER_DEVICE`] in a window, and nothing a stranger does elsewhere
//!   locks it out;
//! - any other attempt counts against the account-and-address pair
//!   ([`MAX_ATTEMPTS_PER_PAIR`]), the address over all accounts
//!   ([`MAX_FAILURES_PER_ADDRESS`], failures only) and the account from unknown browsers
//!   ([`MAX_UNTRUSTED_ATTEMPTS_PER_ACCOUNT`]); at [`ALERT_AFTER_UNTRUSTED_ATTEMPTS`] the
//!   owner gets an SMS.

use crate::Reason;
use crate::error::ServiceError;
use crate::{Service, sms};
use jifen_domain::application::{Problem, is_mobile};
use jifen_domain::audit::Audit;
use jifen_domain::{District, Role, text};
use jifen_ids::{CreditCode, ResidentIdNumber};
use jifen_store::prelude::*;
use jifen_store::{
    AuditEntry, Employer, EmployerStatus, Millis, NewEmployer, NewUser, Session, StoreError, User, now_millis,
};
use std::net::IpAddr;

/// The throttling window: counts start at a subject's first attempt and last this long.
pub const SIGN_IN_WINDOW_MILLIS: Millis = 15 * 60 * 1000;
/// Attempts from a browser that signed in to the account before.
pub const MAX_ATTEMPTS_PER_DEVICE: u64 = 10;
/// Attempts on one account from one address (without a device cookie).
pub const MAX_ATTEMPTS_PER_PAIR: u64 = 5;
/// Failed attempts from one address, whatever the account.
pub const MAX_FAILURES_PER_ADDRESS: u64 = 30;
/// Attempts on one account from browsers that never signed in to it, from all addresses.
pub const MAX_UNTRUSTED_ATTEMPTS_PER_ACCOUNT: u64 = 20;
/// The attempt from unknown browsers on which the account's owner is told by SMS.
pub const ALERT_AFTER_UNTRUSTED_ATTEMPTS: u64 = 10;
/// How long a session lasts.
pub const SESSION_MILLIS: Millis = 12 * 60 * 60 * 1000;
/// How long a browser stays trusted after signing in.
pub const DEVICE_MILLIS: Millis = 180 * 24 * 60 * 60 * 1000;
/// Employer sign-ups accepted from one address per hour.
pub const MAX_SIGNUPS_PER_ADDRESS: u64 = 10;
const SIGNUP_WINDOW_MILLIS: Millis = 60 * 60 * 1000;
/// An employer sign-up its district has not verified within this long expires.
pub const SIGNUP_EXPIRES_MILLIS: Millis = 7 * 24 * 60 * 60 * 1000;

/// Verified against when the username does not exist, so that an unknown name takes as
/// long to refuse as a wrong password.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| jifen_auth::hash_password("no such user 0").unwrap_or_default());

/// What a sign-in form sends, and where from.
pub struct Credentials<'a> {
    pub username: &'a str,
    pub password: String,
    pub source: IpAddr,
    /// The browser's device cookie, if it has one.
    pub device_token: Option<&'a str>,
}

/// A new session: its token for the cookie, and the browser's device token to keep.
pub struct NewSession {
    pub user: User,
    pub token: String,
    pub device_token: String,
}

/// A session for another system (see [`Service::sign_in_machine`]): its bearer token and
/// when it expires.
pub struct MachineSession {
    pub user: User,
    pub token: String,
    pub expires_at: Millis,
}

/// An employer's sign-up form.
#[derive(Debug, Clone, Default)]
pub struct EmployerSignUp {
    pub name: String,
    pub credit_code: String,
    pub district: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub username: String,
    pub password: String,
}

fn sign_in_failed() -> ServiceError {
    ServiceError::refused(Reason::SignInFailed, "用户名或密码错误", "Wrong username or password")
}

fn too_many_attempts() -> ServiceError {
    ServiceError::refused(
        Reason::TooManyAttempts,
        "尝试次数过多，请 15 分钟后再试；在曾登录过的设备上可正常登录",
        "Too many attempts; try again in 15 minutes, or sign in on a device you used before",
    )
}

/// The username as stored: an ID number signs in however its X is typed.
fn normalized_username(typed: &str) -> String {
    let typed = typed.trim();
    ResidentIdNumber::parse(typed).map_or_else(|_| typed.to_string(), |id| id.as_str().to_string())
}

impl Service {
    /// Signs a person in: throttled, then the password checked, then a new session (never a
    /// reused token) and a trusted device.
    pub async fn sign_in(&self, credentials: Credentials<'_>) -> Result<NewSession, ServiceError> {
        let (user, trusted) = self.authenticate(&credentials).await?;
        let device_token = match (trusted, credentials.device_token) {
            (true, Some(token)) => token.to_string(),
            _ => jifen_auth::random_token(),
        };
        let now = now_millis();
        self.store.trust_device(&jifen_auth::token_hash(&device_token), user.id, now, now + DEVICE_MILLIS).await?;
        let (token, _) = self.open_session(user.id).await?;
        Ok(NewSession { user, token, device_token })
    }

    /// Signs another system in (`POST /api/v1/sessions`): the same throttling, password check
    /// and audited session as a browser's sign-in, but no trusted device (a machine keeps no
    /// device cookie), and an account whose initial password is still to be changed is
    /// refused: a password is changed by its person, in a browser, never by a script.
    pub async fn sign_in_machine(&self, credentials: Credentials<'_>) -> Result<MachineSession, ServiceError> {
        let (user, _) = self.authenticate(&credentials).await?;
        if user.must_change_password {
            return Err(ServiceError::refused(
                Reason::PasswordChangeRequired,
                "该账号须先在浏览器中登录并修改初始密码",
                "This account must first sign in with a browser and change its initial password",
            ));
        }
        let (token, expires_at) = self.open_session(user.id).await?;
        Ok(MachineSession { user, token, expires_at })
    }

    /// Throttling, then the password: the user whose password this is, and whether the
    /// browser's device cookie is one the user signed in with before.
    async fn authenticate(&self, credentials: &Credentials<'_>) -> Result<(User, bool), ServiceError> {
        let now = now_millis();
        let username = normalized_username(credentials.username);
        // Applicants sign in with their ID number: the throttling table keeps only its hash.
        let account = jifen_auth::token_hash(&username.to_lowercase());
        // A name with a character nobody types (a NUL, a control character) is no account's,
        // and PostgreSQL would refuse it as text: it is not looked up.
        let user = match text::check("username", &username, 200) {
            Ok(()) => self.store.user_by_username(&username).await?,
            Err(_) => None,
        };
        let device_hash = credentials.device_token.map(jifen_auth::token_hash);
        let trusted = match (&device_hash, &user) {
            (Some(hash), Some(user)) => self.store.trusted_device(hash, now).await? == Some(user.id),
            _ => false,
        };
        let source = source_key(credentials.source);
        let address = format!("ip:{source}");
        let (subjects, refund) = match (&device_hash, trusted) {
            (Some(hash), true) => (vec![format!("device:{hash}")], vec![]),
            _ => {
                (vec![format!("pair:{account}:{source}"), format!("account:{account}"), address.clone()], vec![address])
            }
        };
        let counts = self.store.count_attempts(&subjects, now, SIGN_IN_WINDOW_MILLIS).await?;
        let over = match counts.as_slice() {
            [device] => *device > MAX_ATTEMPTS_PER_DEVICE,
            [pair, account, address] => {
                if *account == ALERT_AFTER_UNTRUSTED_ATTEMPTS
                    && let Some(user) = &user
                {
                    self.alert_owner(user, now).await;
                }
                *pair > MAX_ATTEMPTS_PER_PAIR
                    || *account > MAX_UNTRUSTED_ATTEMPTS_PER_ACCOUNT
                    || *address > MAX_FAILURES_PER_ADDRESS
            }
            _ => true,
        };
        if over {
            return Err(too_many_attempts());
        }
        let hash = user.as_ref().map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
        let must_change = user.as_ref().is_some_and(|u| u.must_change_password);
        let matches = self.password_matches(credentials.password.clone(), hash, must_change).await?;
        let Some(user) = user.filter(|user| matches && !user.disabled) else {
            return Err(sign_in_failed());
        };
        let clear: Vec<String> = subjects.iter().filter(|s| !refund.contains(s)).cloned().collect();
        self.store.settle_attempts(&clear, &refund).await?;
        if user.role == Role::HrAgent && !self.employer_verified(&user).await? {
            return Err(ServiceError::refused(
                Reason::EmployerNotVerified,
                "您的单位尚未通过区受理中心审核，审核通过后方可登录",
                "Your employer is not yet verified by its district centre; sign in once it is",
            ));
        }
        Ok((user, trusted))
    }

    async fn employer_verified(&self, user: &User) -> Result<bool, ServiceError> {
        Ok(match user.employer_id {
            Some(id) => self.store.employer(id).await?.is_some_and(|e| e.status == EmployerStatus::Verified),
            None => false,
        })
    }

    /// Tells the owner of an account that strangers keep guessing its password.
    async fn alert_owner(&self, user: &User, now: Millis) {
        let mobile = match user.role {
            Role::Applicant => self.store.applicant(user.id).await.ok().flatten().map(|a| a.mobile),
            Role::HrAgent => match user.employer_id {
                Some(id) => self.store.employer(id).await.ok().flatten().map(|e| e.contact_phone),
                None => None,
            },
            _ => None,
        };
        let (Some(mobile), Some(body)) = (mobile, self.workflow.render("sign_in_alert", &[])) else { return };
        let window = now / SIGN_IN_WINDOW_MILLIS;
        let message = sms(format!("sign-in-alert-{}-{window}", user.id), &mobile, body, None);
        if let Err(error) = self.store.enqueue_messages(&[message], now).await {
            tracing::error!(%error, user = %user.id, "cannot queue the sign-in alert");
        }
    }

    /// A new session for the user, audited as a sign-in; returns its token.
    pub async fn start_session(&self, user_id: UserId) -> Result<String, ServiceError> {
        Ok(self.open_session(user_id).await?.0)
    }

    /// A new session for the user, audited as a sign-in: its token and when it expires.
    async fn open_session(&self, user_id: UserId) -> Result<(String, Millis), ServiceError> {
        let token = jifen_auth::random_token();
        let now = now_millis();
        let session = Session {
            token_hash: jifen_auth::token_hash(&token),
            user_id,
            csrf_token: jifen_auth::random_token(),
            created_at: now,
            expires_at: now + SESSION_MILLIS,
        };
        let entry = account_audit(Some(user_id), Audit::SignIn {}, format!("user:{user_id}"));
        let expires_at = session.expires_at;
        self.store.create_session(&session, &entry).await?;
        Ok((token, expires_at))
    }

    /// The session of a token and its user, when both are valid. A database failure is an
    /// error, never "not signed in": the caller must not send a signed-in person to sign in.
    pub async fn session(&self, token: &str) -> Result<Option<(Session, User)>, ServiceError> {
        let found = self.store.session(&jifen_auth::token_hash(token), now_millis()).await?;
        Ok(found.filter(|(_, user)| !user.disabled))
    }

    /// Ends a session, audited.
    pub async fn sign_out(&self, user_id: UserId, session: &Session) -> Result<(), ServiceError> {
        let entry = account_audit(Some(user_id), Audit::SignOut {}, format!("user:{user_id}"));
        Ok(self.store.delete_session(&session.token_hash, &entry).await?)
    }

    /// Replaces the user's password after checking the current one and the policy; every
    /// session of the user ends, and a fresh one starts. Returns its token.
    pub async fn change_password(
        &self,
        user: &User,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> Result<String, ServiceError> {
        let refuse = |code, zh: &str, en: &str| Err(ServiceError::refused(code, zh, en));
        if new != confirm {
            return refuse(Reason::PasswordMismatch, "两次输入的新密码不一致", "The new passwords differ");
        }
        if new == current {
            return refuse(
                Reason::PasswordUnchanged,
                "新密码不能与当前密码相同",
                "The new password must differ from the current one",
            );
        }
        match jifen_auth::check_policy(new) {
            Err(jifen_auth::PasswordError::TooShort) => {
                return refuse(
                    Reason::PasswordTooShort,
                    "新密码至少 10 位",
                    "The new password needs at least 10 characters",
                );
            }
            Err(jifen_auth::PasswordError::Unusable) => {
                return refuse(
                    Reason::PasswordUnusable,
                    "新密码最多 128 位，且不能含控制字符（如换行）",
                    "The new password may have at most 128 characters and no control characters (such as line breaks)",
                );
            }
            Err(_) => {
                return refuse(
                    Reason::PasswordTooSimple,
                    "新密码须同时包含字母和数字",
                    "The new password needs letters and digits",
                );
            }
            Ok(()) => {}
        }
        // The account as stored now, not as the session found it: a password changed since
        // (and with it an initial one-time hash) is the one checked.
        let Some(stored) = self.store.user_by_id(user.id).await? else {
            return Err(ServiceError::NotFound);
        };
        if !self.password_matches(current.to_string(), stored.password_hash, stored.must_change_password).await? {
            return refuse(Reason::PasswordWrong, "当前密码不正确", "The current password is wrong");
        }
        // Whatever the old kind, a password the person chose is kept under Argon2id.
        let hash = crate::password_work::hash(new).await?;
        let entry = account_audit(Some(user.id), Audit::PasswordChange {}, format!("user:{}", user.id));
        self.store.set_password(user.id, &hash, false, &entry).await?;
        self.start_session(user.id).await
    }

    /// Whether `password` matches a stored hash, checked off the async workers (one Argon2
    /// verification whatever the hash's kind). A one-time hash (an initial password, see
    /// `jifen_auth::hash_one_time`) counts only while the account must change its password:
    /// once changed, the hash is Argon2id and the initial password is gone.
    async fn password_matches(
        &self,
        password: String,
        stored: String,
        must_change: bool,
    ) -> Result<bool, ServiceError> {
        let key = match jifen_auth::is_one_time(&stored) {
            true => Some(self.one_time_key().await?),
            false => None,
        };
        let verdict = crate::password_work::run(move || jifen_auth::verify(&password, &stored, key.as_ref()))
            .await
            .unwrap_or(jifen_auth::Match::No);
        Ok(match verdict {
            jifen_auth::Match::Chosen => true,
            jifen_auth::Match::OneTime => must_change,
            jifen_auth::Match::No => false,
        })
    }

    /// The server key of one-time hashes, shared by every server on the database: generated
    /// and stored by the first that needs it (`secrets` table).
    pub(crate) async fn one_time_key(&self) -> Result<jifen_auth::OneTimeKey, ServiceError> {
        let fresh = jifen_auth::OneTimeKey::generate_hex();
        let stored = self.store.server_secret(jifen_auth::ONE_TIME_KEY_SECRET, &fresh, now_millis()).await?;
        jifen_auth::OneTimeKey::from_hex(&stored).map_err(|e| ServiceError::Internal(e.to_string()))
    }

    /// An employer signs up (pending until a clerk of its district verifies it), with its HR
    /// agent's account. Limited per address; a sign-up reserves nothing for longer than
    /// [`SIGNUP_EXPIRES_MILLIS`]; an agent's username can never be a resident ID number, so a
    /// sign-up neither blocks a person's account nor tells whether one exists.
    pub async fn register_employer(&self, form: &EmployerSignUp, source: IpAddr) -> Result<Employer, ServiceError> {
        let now = now_millis();
        // A form with typos writes nothing and is not counted; every well-formed sign-up is.
        let (employer, agent_username) = check_sign_up(form)?;
        let signups =
            self.store.count_attempts(&[format!("signup:{}", source_key(source))], now, SIGNUP_WINDOW_MILLIS).await?;
        if signups.first().is_some_and(|count| *count > MAX_SIGNUPS_PER_ADDRESS) {
            return Err(ServiceError::refused(
                Reason::TooManySignups,
                "该网络地址提交的注册过多，请一小时后再试",
                "Too many sign-ups from this address; try again in an hour",
            ));
        }
        let hash = crate::password_work::hash(&form.password).await?;
        let agent = NewUser {
            username: agent_username.clone(),
            display_name: employer.contact_name.clone(),
            password_hash: hash,
            role: Role::HrAgent,
            district: None,
            employer_id: None,
            must_change_password: false,
        };
        self.store.expire_signups(now - SIGNUP_EXPIRES_MILLIS, now).await?;
        let registered = Audit::EmployerRegister { district: employer.district, agent: agent_username.to_string() };
        let entry = account_audit(None, registered, format!("employer:{}", employer.credit_code));
        match self.store.register_employer(&employer, &agent, now, &entry).await {
            Ok((registered, _)) => Ok(registered),
            Err(StoreError::Duplicate("credit code")) => Err(ServiceError::Invalid(vec![Problem::new(
                "credit_code",
                "该统一社会信用代码已注册",
                "This credit code is already registered",
            )])),
            Err(StoreError::Duplicate(_)) => {
                Err(ServiceError::Invalid(vec![Problem::new("username", "该用户名已被使用", "This username is taken")]))
            }
            Err(other) => Err(other.into()),
        }
    }
}

/// Every field of an employer's sign-up checked at once, each problem naming its field.
fn check_sign_up(form: &EmployerSignUp) -> Result<(NewEmployer, String), ServiceError> {
    let mut problems = Vec::new();
    let mut text = |field: &str, value: &str, max: usize, zh: &str, en: &str| {
        let value = value.trim();
        if value.is_empty() {
            problems.push(Problem::new(field, zh, en));
        } else if let Err(problem) = text::check(field, value, max) {
            problems.push(problem);
        }
        value.to_string()
    };
    let name = text("name", &form.name, 100, "请填写单位名称", "Give the employer's name");
    let contact_name = text("contact_name", &form.contact_name, 50, "请填写联系人", "Give a contact");
    let username = text("username", &form.username, 40, "请填写经办人用户名", "Give the HR agent's username");
    let credit_code = CreditCode::parse(&form.credit_code)
        .inspect_err(|e| {
            problems.push(Problem::new("credit_code", format!("统一社会信用代码{}", e.message_zh()), e.to_string()));
        })
        .ok();
    let district = District::parse(&form.district);
    if district.is_none() {
        problems.push(Problem::new("district", "请选择注册地所在区", "Choose the registration district"));
    }
    let contact_phone = form.contact_phone.trim().to_string();
    if !is_mobile(&contact_phone) {
        problems.push(Problem::new(
            "contact_phone",
            "联系电话应为 11 位手机号码",
            "The contact mobile has 11 digits starting with 1",
        ));
    }
    if !username.is_empty() && !valid_agent_username(&username) {
        problems.push(Problem::new(
            "username",
            "经办人用户名为 3–40 个字母、数字或 . _ -，且不能是身份证号码",
            "The username has 3–40 letters, digits or . _ - and cannot be an ID number",
        ));
    }
    if jifen_auth::check_policy(&form.password).is_err() {
        problems.push(Problem::new(
            "password",
            "经办人密码 10–128 位，须含字母和数字，不能含控制字符",
            "The password needs 10–128 characters with letters and digits, and no control characters",
        ));
    }
    match (credit_code, district, problems.is_empty()) {
        (Some(credit_code), Some(district), true) => {
            Ok((NewEmployer { name, credit_code, district, contact_name, contact_phone }, username))
        }
        _ => Err(ServiceError::Invalid(problems)),
    }
}

/// An HR agent's username: 3–40 ASCII letters, digits, `.`, `_` or `-`, and not shaped like
/// a resident ID number (17 digits and a digit or X), which is what applicants sign in with.
pub(crate) fn valid_agent_username(username: &str) -> bool {
    let length_ok = (3..=40).contains(&username.len());
    let chars_ok = username.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    let id_shaped = username.len() == 18
        && username.bytes().take(17).all(|b| b.is_ascii_digit())
        && username.bytes().last().is_some_and(|b| b.is_ascii_digit() || b == b'x' || b == b'X');
    length_ok && chars_ok && !id_shaped
}

/// What throttling counts a source as: an IPv4 address, or an IPv6 address's /64 (one
/// subscriber usually holds a whole /64, and could otherwise take a new address per guess).
fn source_key(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let [a, b, c, d, ..] = v6.segments();
            format!("{a:x}:{b:x}:{c:x}:{d:x}::/64")
        }
    }
}

fn account_audit(actor: Option<UserId>, what: Audit, subject: String) -> AuditEntry {
    AuditEntry::new(now_millis(), actor, subject, &what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_source_counts_as_its_slash_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        assert_eq!(source_key(a), source_key(b));
        assert_eq!(source_key(a), "2001:db8:1:2::/64");
        assert_eq!(source_key("203.0.113.7".parse().unwrap()), "203.0.113.7");
    }

    #[test]
    fn an_agent_username_is_never_an_id_number() {
        assert!(valid_agent_username("hr-agent_1.a"));
        assert!(!valid_agent_username("310101199005120016"), "an ID number");
        assert!(!valid_agent_username("11010519491231002x"), "an ID number with x");
        assert!(!valid_agent_username("310101199005120019"), "ID-shaped even with a wrong check digit");
        assert!(!valid_agent_username("retired:5"), "the colon of retired names");
        assert!(!valid_agent_username("ab"));
        assert!(!valid_agent_username("名字abc"));
        assert!(!valid_agent_username("a\u{0}bc"));
    }
}
