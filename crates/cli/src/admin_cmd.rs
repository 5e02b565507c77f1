//! `jifen admin create-user`.

use crate::Failure;
use crate::storage::{Storage, runtime};
use jifen_domain::audit::Audit;
use jifen_domain::{District, Role};
use jifen_store::prelude::*;
use jifen_store::{AuditEntry, NewUser, StoreError, now_millis};

pub struct CreateUser<'a> {
    pub username: &'a str,
    pub display_name: Option<&'a str>,
    pub role: &'a str,
    pub district: Option<&'a str>,
    pub employer_id: Option<jifen_store::EmployerId>,
    /// A member of staff's mobile, where a password reset's one-time password goes.
    pub mobile: Option<&'a str>,
}

/// Creates a user with a random initial password that must be changed at first login, and
/// returns the message to print (with that password). The password is a one-time secret kept
/// under the database's keyed hash (`jifen_auth::hash_one_time`); it only allows the change.
pub fn create_user(storage: &Storage, request: &CreateUser) -> Result<String, Failure> {
    let role = Role::parse(request.role).ok_or_else(|| {
        let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        Failure::usage(format!("unknown role \"{}\"; expected one of {}", request.role, roles.join(", ")))
    })?;
    let district = request
        .district
        .map(|word| {
            District::parse(word).ok_or_else(|| {
                let all: Vec<&str> = District::ALL.iter().map(|d| d.as_str()).collect();
                Failure::usage(format!("unknown district \"{word}\"; expected one of {}", all.join(", ")))
            })
        })
        .transpose()?;
    match (role.is_district_staff(), district) {
        (true, None) => {
            return Err(Failure::usage(format!("a {} belongs to a district: give --district", role.as_str())));
        }
        (false, Some(_)) => return Err(Failure::usage("only district-centre staff have a district")),
        _ => {}
    }
    if (role == Role::HrAgent) != request.employer_id.is_some() {
        return Err(Failure::usage("an HR agent, and only an HR agent, needs --employer-id"));
    }
    let staff = matches!(role, Role::Admin) || role.is_district_staff();
    if let Some(mobile) = request.mobile {
        if !staff {
            return Err(Failure::usage("only staff have a mobile on file here (applicants give theirs on the form)"));
        }
        if !jifen_domain::application::is_mobile(mobile) {
            return Err(Failure::usage("a mobile has 11 digits starting with 1"));
        }
    }
    if request.username.trim().is_empty() || request.username.chars().any(char::is_whitespace) {
        return Err(Failure::usage("a username is one word"));
    }
    let password = jifen_auth::initial_password();
    let mut user = NewUser {
        username: request.username.to_string(),
        display_name: request.display_name.unwrap_or(request.username).to_string(),
        password_hash: String::new(),
        role,
        district,
        employer_id: request.employer_id,
        must_change_password: true,
    };
    let at = now_millis();
    let created = Audit::UserCreate { role, district, by: "cli".into() };
    let audit = AuditEntry::new(at, None, format!("user:{}", request.username), &created);
    let _lock = crate::data_lock::DataDirLock::while_using(storage)?;
    runtime()?.block_on(async {
        let store = storage.open().await?;
        let fresh = jifen_auth::OneTimeKey::generate_hex();
        let key = match store.server_secret(jifen_auth::ONE_TIME_KEY_SECRET, &fresh, at).await {
            Ok(stored) => jifen_auth::OneTimeKey::from_hex(&stored).map_err(|e| Failure::internal(e.to_string())),
            Err(e) => Err(Failure::internal(e.to_string())),
        };
        let key = match key {
            Ok(key) => key,
            Err(failure) => {
                store.close().await;
                return Err(failure);
            }
        };
        user.password_hash = jifen_auth::hash_one_time(&password, &key);
        // With a mobile, the member is made as the staff page makes them (their contact in the
        // same transaction), so that an administrator can later reset their password by SMS.
        let created = match request.mobile {
            Some(mobile) => store.create_staff(&user, mobile, &[], at, &audit).await,
            None => store.create_user(&user, at, &audit).await,
        };
        store.close().await;
        match created {
            Ok(user) => Ok(format!(
                "created user {} ({}); initial password: {password}\nit must be changed at first login\n",
                user.username,
                role.as_str()
            )),
            Err(StoreError::Duplicate(_)) => Err(Failure::input(format!("user {} already exists", request.username))),
            Err(e) => Err(Failure::internal(e.to_string())),
        }
    })
}
