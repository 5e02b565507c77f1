//! The application form (《上海市居住证积分申请表》): personal details, the co-resident family,
//! the employment, and the claimed items (the profile form of [`crate::form`]). While a
//! draft it is kept as fields, exactly as typed; [`check`] reads the whole of it before it
//! goes to the employer and names every field that is wrong, in both languages.

use crate::form::{Fields, profile_json};
use chrono::NaiveDate;
use jifen_ids::ResidentIdNumber;
use jifen_rules::{Context, Evaluation, Lang, Profile, RuleBook};
use serde_json::Value;

/// Rows of co-resident family members the form offers.
pub const FAMILY_ROWS: usize = 4;
/// The longest free text accepted in one field.
pub const MAX_TEXT_CHARS: usize = 200;

/// A co-resident family member's relation to the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    Spouse,
    Child,
}

impl Relation {
    pub const ALL: [Relation; 2] = [Relation::Spouse, Relation::Child];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spouse => "spouse",
            Self::Child => "child",
        }
    }

    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|relation| relation.as_str() == word)
    }

    pub fn name(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Spouse, Lang::Zh) => "配偶",
            (Self::Spouse, Lang::En) => "spouse",
            (Self::Child, Lang::Zh) => "子女",
            (Self::Child, Lang::En) => "child",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilyMember {
    pub relation: Relation,
    pub name: String,
    pub id_number: Option<ResidentIdNumber>,
}

/// A form that passed every check: what the employer reviews and the PDF prints.
#[derive(Debug, Clone)]
pub struct CheckedForm {
    pub name: String,
    pub id_number: ResidentIdNumber,
    pub permit_number: String,
    pub mobile: String,
    pub address: String,
    pub family: Vec<FamilyMember>,
    pub post: String,
    pub contract_from: NaiveDate,
    pub contract_to: Option<NaiveDate>,
    /// The claimed items, with `as_of` set to the application date.
    pub profile: Profile,
}

/// One thing wrong with a form: the field it is about and what is wrong, in both languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The form field's name (as in [`Fields`]).
    pub field: String,
    pub zh: String,
    pub en: String,
}

impl Problem {
    pub fn new(field: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self { field: field.to_string(), zh: zh.into(), en: en.into() }
    }

    /// A resident ID number that does not parse, in `field`.
    pub fn id_number(field: &str, error: &jifen_ids::ResidentIdError) -> Self {
        Self::new(field, format!("身份证号码{}", error.message_zh()), format!("ID number: {error}"))
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// The application form's own fields, and the claimed items' fields of the profile form.
const FORM_FIELDS: &[&str] = &[
    "name",
    "permit_number",
    "permit_valid_until",
    "mobile",
    "address",
    "post",
    "contract_from",
    "contract_to",
    "edu_level",
    "edu_degree",
    "edu_part_time",
    "edu_shortage",
    "edu_graduated_on",
    "edu_foreign",
    "qual",
    "qual_obtained_on",
    "spouse_hukou",
    "spouse_married_on",
    "award",
    "tax",
    "hires",
    "public_years",
    "remote_years",
    "lingang_since",
    "startup",
    "intermediary",
    "false_materials",
    "detentions",
    "crimes",
    "serious_crimes",
    "family_planning",
];

/// Whether `name` is a field of the application form. Whatever else a posted form carries
/// (its CSRF token, its version) is not kept, nor are the simulator's fields the account
/// decides (birth date, ID number) or the application date decides (`as_of`).
pub fn is_form_field(name: &str) -> bool {
    let indexed = |prefixes: &[&str], rows: usize| {
        prefixes
            .iter()
            .any(|prefix| name.strip_prefix(prefix).and_then(|n| n.parse::<usize>().ok()).is_some_and(|row| row < rows))
    };
    FORM_FIELDS.contains(&name)
        || indexed(&["si_from_", "si_to_", "si_base_"], crate::form::MAX_INSURANCE_ROWS)
        || indexed(&["family_relation_", "family_name_", "family_id_"], FAMILY_ROWS)
}

/// Whether `name` is a fact the district centre's reviewer may record in the verified
/// profile: every form field, and for each insurance range whether it was back-paid or paid
/// by another unit than the contract's (facts an applicant does not claim).
pub fn is_verified_field(name: &str) -> bool {
    is_form_field(name)
        || ["si_backpaid_", "si_otherunit_"].iter().any(|prefix| {
            name.strip_prefix(prefix)
                .and_then(|n| n.parse::<usize>().ok())
                .is_some_and(|row| row < crate::form::MAX_INSURANCE_ROWS)
        })
}

/// Mainland mobile numbers: 11 digits starting with 1.
pub fn is_mobile(text: &str) -> bool {
    text.len() == 11 && text.starts_with('1') && text.bytes().all(|b| b.is_ascii_digit())
}

/// The profile the form claims, as of `as_of`, for the applicant `id_number`: the same JSON
/// the simulator sends, so that a draft can be scored live while it is typed.
pub fn claimed_profile_json(fields: &Fields, id_number: &ResidentIdNumber, as_of: NaiveDate) -> Value {
    let mut profile = profile_json(fields);
    if let Value::Object(map) = &mut profile {
        map.insert("id_number".into(), Value::String(id_number.as_str().to_string()));
        map.insert("as_of".into(), Value::String(as_of.to_string()));
        map.remove("birth_date");
    }
    profile
}

/// Reads the whole form. Every problem is reported, each naming its field; the claimed
/// items are checked by the engine itself (parsing and evaluation), so the application
/// accepts exactly what the simulator scores.
pub fn check(
    fields: &Fields,
    id_number: &ResidentIdNumber,
    as_of: NaiveDate,
    book: &RuleBook,
) -> Result<CheckedForm, Vec<Problem>> {
    // Every value is text a person types: a NUL or a control character (the forms refuse
    // them on the way in; a caller of the JSON API might send one) is named, never kept.
    let mut problems: Vec<Problem> =
        fields.iter().filter_map(|(field, value)| crate::text::check(field, value, usize::MAX).err()).collect();
    let mut text = |field: &str, zh: &str, en: &str| -> String {
        let value = fields.get(field);
        if value.is_empty() {
            problems.push(Problem::new(field, format!("请填写{zh}"), format!("{en} is required")));
        } else if value.chars().count() > MAX_TEXT_CHARS {
            problems.push(Problem::new(
                field,
                format!("{zh}最多 {MAX_TEXT_CHARS} 个字"),
                format!("{en} is longer than {MAX_TEXT_CHARS} characters"),
            ));
        }
        value.to_string()
    };
    let name = text("name", "姓名", "The name");
    let permit_number = text("permit_number", "居住证号码", "The residence permit number");
    let mobile = text("mobile", "手机号码", "The mobile number");
    let address = text("address", "居住地址", "The address");
    let post = text("post", "工作岗位", "The post");
    if !permit_number.is_empty() && !permit_number.chars().all(|c| c.is_ascii_alphanumeric()) {
        problems.push(Problem::new(
            "permit_number",
            "居住证号码只能包含字母和数字",
            "The residence permit number has letters and digits only",
        ));
    }
    if !mobile.is_empty() && !is_mobile(&mobile) {
        problems.push(Problem::new(
            "mobile",
            "手机号码应为 1 开头的 11 位数字",
            "The mobile number has 11 digits starting with 1",
        ));
    }
    let contract_from = date_field(fields, "contract_from", true, &mut problems);
    let contract_to = date_field(fields, "contract_to", false, &mut problems);
    if let (Some(from), Some(to)) = (contract_from, contract_to)
        && to < from
    {
        problems.push(Problem::new(
            "contract_to",
            "劳动合同截止日期早于起始日期",
            "The contract ends before it starts",
        ));
    }
    let family = family_members(fields, &mut problems);
    problems.extend(crate::form::field_problems(fields));
    let mut engine_problems = Vec::new();
    let profile = claimed_profile(fields, id_number, as_of, book, &mut engine_problems);
    // The engine names one problem; one on a field already marked says nothing new.
    let fresh: Vec<Problem> =
        engine_problems.into_iter().filter(|p| !problems.iter().any(|known| known.field == p.field)).collect();
    problems.extend(fresh);
    match (problems.is_empty(), contract_from, profile) {
        (true, Some(contract_from), Some(profile)) => Ok(CheckedForm {
            name,
            id_number: id_number.clone(),
            permit_number,
            mobile,
            address,
            family,
            post,
            contract_from,
            contract_to,
            profile,
        }),
        _ => Err(problems),
    }
}

fn date_field(fields: &Fields, field: &str, required: bool, problems: &mut Vec<Problem>) -> Option<NaiveDate> {
    let value = fields.get(field);
    if value.is_empty() {
        if required {
            problems.push(Problem::new(field, "请填写日期", "A date is required"));
        }
        return None;
    }
    match jifen_rules::calendar::parse_date(value) {
        Ok(date) => Some(date),
        Err(_) => {
            problems.push(Problem::new(
                field,
                format!("日期“{value}”无效，格式为 YYYY-MM-DD"),
                format!("\"{value}\" is not a date (YYYY-MM-DD)"),
            ));
            None
        }
    }
}

/// The family rows that are filled in; a row needs a relation and a name, and at most one
/// spouse is listed.
fn family_members(fields: &Fields, problems: &mut Vec<Problem>) -> Vec<FamilyMember> {
    let mut family = Vec::new();
    for row in 0..FAMILY_ROWS {
        let (relation_field, name_field, id_field) =
            (format!("family_relation_{row}"), format!("family_name_{row}"), format!("family_id_{row}"));
        let (relation, name, id) = (fields.get(&relation_field), fields.get(&name_field), fields.get(&id_field));
        if name.is_empty() && id.is_empty() {
            continue;
        }
        let Some(relation) = Relation::parse(relation) else {
            problems.push(Problem::new(&relation_field, "请选择与申请人的关系", "Choose the relation"));
            continue;
        };
        if name.is_empty() {
            problems.push(Problem::new(&name_field, "请填写家庭成员姓名", "The family member's name is required"));
        }
        let id_number = if id.is_empty() {
            None
        } else {
            match ResidentIdNumber::parse(id) {
                Ok(id) => Some(id),
                Err(e) => {
                    problems.push(Problem::id_number(&id_field, &e));
                    None
                }
            }
        };
        family.push(FamilyMember { relation, name: name.to_string(), id_number });
    }
    if family.iter().filter(|member| member.relation == Relation::Spouse).count() > 1 {
        problems.push(Problem::new("family_relation_0", "只能填写一位配偶", "Only one spouse can be listed"));
    }
    family
}

/// The claimed items through the engine: parsed strictly and evaluated once, so that an
/// application never carries a profile the engine would refuse.
fn claimed_profile(
    fields: &Fields,
    id_number: &ResidentIdNumber,
    as_of: NaiveDate,
    book: &RuleBook,
    problems: &mut Vec<Problem>,
) -> Option<Profile> {
    score_claim(fields, id_number, as_of, book).map(|(profile, _)| profile).map_err(|p| problems.push(p)).ok()
}

/// The claimed items' profile and the engine's evaluation of it as of `as_of`, or the
/// first problem the engine finds, naming its form field. The simulator's live score, the
/// application's draft total and the submission check all go through here.
pub fn score_claim<'b>(
    fields: &Fields,
    id_number: &ResidentIdNumber,
    as_of: NaiveDate,
    book: &'b RuleBook,
) -> Result<(Profile, Evaluation<'b>), Problem> {
    let engine_problem = |error: jifen_rules::ProfileError| {
        Problem::new(&field_of_path(&error.path), error.message(Lang::Zh), error.message(Lang::En))
    };
    let profile = Profile::from_value(claimed_profile_json(fields, id_number, as_of)).map_err(engine_problem)?;
    let evaluation = book.evaluate(&profile, &Context::on(as_of)).map_err(engine_problem)?;
    Ok((profile, evaluation))
}

/// The form field an engine error's path points at (`social_insurance[2].base` →
/// `si_base_2`), so that the form can mark it; empty when none does.
pub fn field_of_path(path: &str) -> String {
    const BY_PREFIX: &[(&str, &str)] = &[
        ("education", "edu_level"),
        ("qualifications", "qual"),
        ("spouse", "spouse_married_on"),
        ("awards", "award"),
        ("investment.avg_annual_tax", "tax"),
        ("investment.avg_local_hires", "hires"),
        ("lingang", "lingang_since"),
        ("public_service_years", "public_years"),
        ("remote_key_area_years", "remote_years"),
        ("records.false_materials", "false_materials"),
        ("records.detentions", "detentions"),
        ("records.crimes", "crimes"),
        ("id_number", "id_number"),
        ("birth_date", "id_number"),
    ];
    if let Some(rest) = path.strip_prefix("social_insurance[") {
        let row = rest.split(']').next().unwrap_or("0");
        let column = ["to", "base"].into_iter().find(|column| path.ends_with(&format!(".{column}"))).unwrap_or("from");
        return format!("si_{column}_{row}");
    }
    BY_PREFIX
        .iter()
        .find(|(prefix, _)| path.starts_with(prefix))
        .map_or_else(String::new, |(_, field)| field.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> ResidentIdNumber {
        ResidentIdNumber::parse("310101199005120016").unwrap()
    }

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn complete() -> Fields {
        let pairs = [
            ("name", "张伟明"),
            ("permit_number", "SH2024000123"),
            ("mobile", "13800138000"),
            ("address", "上海市浦东新区世纪大道 100 号"),
            ("post", "软件工程师"),
            ("contract_from", "2020-01-01"),
            ("edu_level", "bachelor"),
            ("edu_degree", "on"),
            ("si_from_0", "2020-01"),
            ("si_to_0", "2025-05"),
            ("si_base_0", "12000"),
            ("family_relation_0", "child"),
            ("family_name_0", "张小明"),
        ];
        Fields::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    #[test]
    fn a_complete_form_passes_with_the_profile_the_engine_scores() {
        let book = RuleBook::embedded().unwrap();
        let checked = check(&complete(), &id(), date("2025-06-30"), book).unwrap();
        assert_eq!(checked.name, "张伟明");
        assert_eq!(
            checked.family,
            vec![FamilyMember { relation: Relation::Child, name: "张小明".into(), id_number: None }]
        );
        assert_eq!(checked.profile.as_of, Some(date("2025-06-30")));
        assert_eq!(checked.profile.id_number.as_deref(), Some("310101199005120016"));
        let evaluation = book.evaluate(&checked.profile, &Context::on(date("2025-06-30"))).unwrap();
        assert!(evaluation.total > 0);
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let book = RuleBook::embedded().unwrap();
        let mut fields = complete();
        fields.set("name", "");
        fields.set("mobile", "1234");
        fields.set("contract_to", "2019-01-01");
        fields.set("family_id_0", "310101199005120017");
        fields.set("si_base_0", "lots");
        let problems = check(&fields, &id(), date("2025-06-30"), book).unwrap_err();
        let named: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(named, ["name", "mobile", "contract_to", "family_id_0", "si_base_0"]);
        assert!(problems[0].message(Lang::Zh).contains("姓名"));
        // In plain words, not the engine's input path.
        assert!(problems[4].message(Lang::En).contains("must be a number"), "{:?}", problems[4]);
    }

    #[test]
    fn a_value_with_a_nul_or_a_control_character_is_named_not_kept() {
        let book = RuleBook::embedded().unwrap();
        let mut fields = complete();
        fields.set("address", "浦东\u{0}新区");
        fields.set("family_name_0", "张\u{1b}[31m");
        let problems = check(&fields, &id(), date("2025-06-30"), book).unwrap_err();
        let named: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(named, ["address", "family_name_0"]);
        assert!(problems[0].message(Lang::Zh).contains("U+0000"), "{:?}", problems[0]);
        // An emoji is text a person types.
        fields.set("address", "浦东新区 🏠");
        fields.set("family_name_0", "张小明");
        assert!(check(&fields, &id(), date("2025-06-30"), book).is_ok());
    }

    #[test]
    fn family_rows_need_a_relation_and_one_spouse_at_most() {
        let book = RuleBook::embedded().unwrap();
        let mut fields = complete();
        fields.set("family_relation_0", "");
        fields.set("family_relation_1", "spouse");
        fields.set("family_name_1", "李丽");
        fields.set("family_relation_2", "spouse");
        fields.set("family_name_2", "王芳");
        let problems = check(&fields, &id(), date("2025-06-30"), book).unwrap_err();
        let named: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(named, ["family_relation_0", "family_relation_0"]);
        assert!(problems[1].en.contains("one spouse"));
    }

    #[test]
    fn only_the_forms_own_fields_are_kept() {
        for name in ["name", "si_base_11", "family_id_3", "edu_foreign", "serious_crimes"] {
            assert!(is_form_field(name), "{name}");
        }
        for name in ["csrf", "version", "as_of", "birth_date", "id_number", "si_base_12", "family_id_4", "si_base_x"] {
            assert!(!is_form_field(name), "{name}");
        }
    }

    #[test]
    fn engine_paths_point_at_form_fields() {
        assert_eq!(field_of_path("social_insurance[3].to"), "si_to_3");
        assert_eq!(field_of_path("social_insurance[0].base"), "si_base_0");
        assert_eq!(field_of_path("education[0].level"), "edu_level");
        assert_eq!(field_of_path("records.crimes[1].on"), "crimes");
        assert_eq!(field_of_path("something else"), "");
    }
}
