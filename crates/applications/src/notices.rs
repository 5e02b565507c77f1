//! The points notice (积分通知书): issued by the decision that grants an application, with
//! the verified score and the co-residents, valid to the end of the residence permit's
//! current endorsement (one year at most, RULES.md §8); printed by the holder and by the
//! employer, the same notice at every print; and verified by anyone from its QR code, which
//! carries the serial and a check code that cannot be guessed. A later notice of the same
//! holder supersedes it, and the public page then says so.

use crate::error::ServiceError;
use crate::printing::render;
use crate::{Actor, Service};
use chrono::{Months, NaiveDate};
use jifen_domain::clock;
use jifen_domain::labels;
use jifen_ids::ResidentIdNumber;
use jifen_pdf::{Block, Document, SealBox};
use jifen_rules::Lang;
use jifen_store::prelude::*;
use jifen_store::{Applicant, Application, Employer, NewPointsNotice, PointsNotice, UserId};
use serde_json::json;

use crate::centre::Verification;

/// Where a notice stands, as the public page says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeStanding {
    /// Genuine and in force.
    Current,
    /// Genuine, but a later notice of the same holder replaced it.
    Superseded,
    /// Genuine, and its validity has ended.
    Expired,
}

impl NoticeStanding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Superseded => "superseded",
            Self::Expired => "expired",
        }
    }
}

/// What the public verification page shows: enough to match the paper in hand, with the
/// personal data masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicNotice {
    pub serial: String,
    pub standing: NoticeStanding,
    pub holder: String,
    pub id_number: String,
    pub employer: String,
    pub total: i64,
    pub valid_until: String,
    pub issued_on: NaiveDate,
    pub centre: String,
}

impl Service {
    /// The notice a grant issues: the verified facts' holder and co-residents, valid until
    /// the permit's endorsement ends, one year at most.
    pub(crate) fn new_notice(
        &self,
        application: &Application,
        (applicant, employer): (&Applicant, &Employer),
        verification: &Verification,
    ) -> NewPointsNotice {
        let today = self.clock.today();
        let year_later = today.checked_add_months(Months::new(12)).and_then(|d| d.pred_opt()).unwrap_or(today);
        let endorsed_until = jifen_rules::calendar::parse_date(verification.fields.get("permit_valid_until")).ok();
        let valid_until = endorsed_until.filter(|date| *date >= today && *date <= year_later).unwrap_or(year_later);
        let facts = &verification.fields;
        let co_residents: Vec<serde_json::Value> = (0..jifen_domain::application::FAMILY_ROWS)
            .filter(|row| !facts.get(&format!("family_name_{row}")).is_empty())
            .map(|row| {
                json!({
                    "relation": facts.get(&format!("family_relation_{row}")),
                    "name": facts.get(&format!("family_name_{row}")),
                    "id_number": facts.get(&format!("family_id_{row}")),
                })
            })
            .collect();
        // The verified facts as the engine reads them, for rescoring after a publication.
        let profile = ResidentIdNumber::parse(&applicant.id_number)
            .ok()
            .and_then(|id_number| {
                let as_of = jifen_rules::calendar::parse_date(&verification.as_of).ok()?;
                jifen_domain::application::check(facts, &id_number, as_of, self.book()).ok()
            })
            .and_then(|checked| serde_json::to_string(&checked.profile).ok());
        NewPointsNotice {
            profile,
            serial: format!(
                "JF-{}-{}-{:06}",
                application.district.as_str().to_ascii_uppercase(),
                today.format("%Y%m%d"),
                application.id
            ),
            check_code: jifen_auth::check_code(),
            holder_id: applicant.user_id,
            employer_id: employer.id,
            district: application.district,
            total: verification.total,
            valid_until: valid_until.to_string(),
            details: json!({
                "name": if facts.get("name").is_empty() { applicant.name.as_str() } else { facts.get("name") },
                "id_number": applicant.id_number,
                "permit_number": facts.get("permit_number"),
                "employer": employer.name,
                "credit_code": employer.credit_code,
                "co_residents": co_residents,
                "as_of": verification.as_of,
                "facts": facts,
            }),
        }
    }

    /// The notice an application's grant issued, for anyone who may see the application.
    pub async fn notice_of(&self, actor: &Actor, id: ApplicationId) -> Result<PointsNotice, ServiceError> {
        self.visible(actor, id).await?;
        self.store.points_notice_of_application(id).await?.ok_or(ServiceError::NotFound)
    }

    /// The holder's notices, the newest first (the holder's own home page).
    pub async fn my_notices(&self, actor: &Actor) -> Result<Vec<(PointsNotice, NoticeStanding)>, ServiceError> {
        self.notices_of_holder(actor.id).await
    }

    /// A holder's notices, newest first, each with where it stands today.
    pub(crate) async fn notices_of_holder(
        &self,
        holder: UserId,
    ) -> Result<Vec<(PointsNotice, NoticeStanding)>, ServiceError> {
        let today = self.clock.today();
        Ok(self
            .store
            .points_notices_of_holder(holder)
            .await?
            .into_iter()
            .map(|notice| {
                let standing = standing(&notice, today);
                (notice, standing)
            })
            .collect())
    }

    /// The notice as a PDF; `verify_base` is the public address its QR code leads to
    /// (`https://…/verify`). A re-print is the same notice.
    pub async fn notice_pdf(
        &self,
        actor: &Actor,
        id: ApplicationId,
        verify_base: &str,
    ) -> Result<Vec<u8>, ServiceError> {
        let notice = self.notice_of(actor, id).await?;
        let address = format!("{}/{}/{}", verify_base.trim_end_matches('/'), notice.serial, notice.check_code);
        let code = qrcode::QrCode::with_error_correction_level(address.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| ServiceError::Internal(format!("QR code: {e}")))?;
        let width = code.width();
        let colors = code.to_colors();
        let modules = colors.chunks(width).map(|row| row.iter().map(|c| *c == qrcode::Color::Dark).collect()).collect();
        render(notice_document(&notice, modules, &address)).await
    }

    /// What the public page says of a serial and its check code; `None` when either is
    /// wrong (the two are not told apart, so nothing can be learnt by trying).
    pub async fn verify_notice(&self, serial: &str, check_code: &str) -> Result<Option<PublicNotice>, ServiceError> {
        // Serials and check codes are letters, digits and hyphens: anything else (a NUL, an
        // emoji, a space) names no notice and is not looked up.
        let plain = |text: &str| text.len() <= 64 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !plain(serial) || !plain(check_code) {
            return Ok(None);
        }
        let Some(notice) = self.store.points_notice(serial).await? else { return Ok(None) };
        if !jifen_auth::tokens_equal(&check_code.to_ascii_uppercase(), &notice.check_code) {
            return Ok(None);
        }
        let text = |key: &str| notice.details[key].as_str().unwrap_or_default().to_string();
        Ok(Some(PublicNotice {
            standing: standing(&notice, self.clock.today()),
            holder: mask_name(&text("name")),
            id_number: crate::mask_id_number(&text("id_number")),
            employer: text("employer"),
            total: notice.total,
            valid_until: notice.valid_until.clone(),
            issued_on: clock::shanghai_datetime(notice.issued_at).date(),
            centre: format!("{}人才服务中心", notice.district.name(Lang::Zh)),
            serial: notice.serial,
        }))
    }
}

pub(crate) fn standing(notice: &PointsNotice, today: NaiveDate) -> NoticeStanding {
    if notice.superseded_at.is_some() {
        return NoticeStanding::Superseded;
    }
    match jifen_rules::calendar::parse_date(&notice.valid_until) {
        Ok(until) if today > until => NoticeStanding::Expired,
        _ => NoticeStanding::Current,
    }
}

/// A name with all but its first and last characters masked (张*明; 李* for two).
fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

fn notice_document(notice: &PointsNotice, modules: Vec<Vec<bool>>, address: &str) -> Document {
    let text = |key: &str| notice.details[key].as_str().unwrap_or_default().to_string();
    let issued_on = clock::shanghai_datetime(notice.issued_at).date();
    let centre = format!("{}人才服务中心", notice.district.name(Lang::Zh));
    let relation = |word: &str| -> String {
        match word {
            "spouse" => "配偶".into(),
            "child" => "子女".into(),
            other => other.into(),
        }
    };
    let co_residents: Vec<Vec<String>> = notice.details["co_residents"]
        .as_array()
        .map(|members| {
            members
                .iter()
                .map(|member| {
                    let field = |key: &str| member[key].as_str().unwrap_or_default().to_string();
                    vec![relation(&field("relation")), field("name"), field("id_number")]
                })
                .collect()
        })
        .unwrap_or_default();
    let family = if co_residents.is_empty() {
        Block::Paragraph("无同住配偶及子女。".into())
    } else {
        Block::Table { columns: crate::printing::family_columns(), rows: co_residents }
    };
    Document {
        title: "上海市居住证积分通知书".into(),
        subtitle: Some(format!("编号 {} · 签发日期 {issued_on}", notice.serial)),
        blocks: vec![
            Block::Fields(vec![
                ("持证人".into(), text("name")),
                (labels::label("id_number", Lang::Zh).unwrap_or_default(), text("id_number")),
                (labels::label("permit_number", Lang::Zh).unwrap_or_default(), text("permit_number")),
                ("用人单位".into(), text("employer")),
                ("核定积分".into(), format!("{} 分", notice.total)),
                ("有效期至".into(), notice.valid_until.clone()),
            ]),
            Block::Paragraph(format!(
                "经审核，持证人的居住证积分达到本市规定的标准分值（120 分），核定积分 {} 分。本通知书有效期至 {}\
                 （居住证本次签注有效期届满之日，最长一年），持证人应于居住证签注时通过用人单位办理积分续办；\
                 变更用人单位或积分指标发生变化的，应办理变更。",
                notice.total, notice.valid_until
            )),
            Block::Heading("同住配偶及子女".into()),
            family,
            Block::Code {
                modules,
                caption: format!(
                    "扫描二维码，或访问以下网址并输入编号与校验码，核验本通知书是否真实有效：\n{address}\n校验码：{}",
                    notice.check_code
                ),
            },
            Block::SealBoxes(vec![SealBox { label: format!("{centre}（盖章）"), note: issued_on.to_string() }]),
        ],
        footer: Some(format!("上海市居住证积分通知书 · 编号 {}", notice.serial)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_masked_in_the_middle() {
        assert_eq!(mask_name("张伟明"), "张*明");
        assert_eq!(mask_name("李丽"), "李*");
        assert_eq!(mask_name("欧阳小明"), "欧**明");
        assert_eq!(mask_name(""), "");
    }
}
