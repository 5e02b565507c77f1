//! Every form field the pages show, with its label in both languages and its kind: one
//! table that the simulator form, the application form and the employer's review (a value
//! and a comment box per field) all render from, so a field is named the same everywhere.

use crate::layout::t;
use jifen_domain::application::FAMILY_ROWS;
use jifen_domain::form::Fields;
use jifen_rules::Lang;
use maud::{Markup, html};
use std::collections::BTreeMap;

/// What a field holds, and so how it is entered.
#[derive(Clone, Copy)]
pub enum Kind {
    Text,
    Date,
    Month,
    Number,
    Tel,
    Check,
    /// Choices as (value, Chinese, English); the first is usually "none".
    Select(&'static [(&'static str, &'static str, &'static str)]),
}

/// One field as a page shows it, in one language.
pub struct Field {
    pub name: String,
    pub lang: Lang,
    pub label: String,
    pub kind: Kind,
    pub placeholder: &'static str,
}

const EDUCATION_LEVELS: &[(&str, &str, &str)] = &[
    ("", "无", "none"),
    ("associate", "大专", "Associate"),
    ("bachelor", "本科", "Bachelor"),
    ("master", "硕士", "Master"),
    ("doctor", "博士", "Doctor"),
];
const QUALIFICATIONS: &[(&str, &str, &str)] = &[
    ("", "无", "none"),
    ("skill_5", "技能五级", "Skill level 5"),
    ("skill_4", "技能四级", "Skill level 4"),
    ("skill_3", "技能三级", "Skill level 3"),
    ("skill_2", "技能二级（技师）", "Skill level 2"),
    ("skill_1", "技能一级（高级技师）", "Skill level 1"),
    ("title_junior", "初级职称", "Junior title"),
    ("title_intermediate", "中级职称", "Intermediate title"),
    ("title_senior", "高级职称", "Senior title"),
];
const AWARDS: &[(&str, &str, &str)] = &[
    ("", "无", "none"),
    ("municipal_special", "市级专项", "Municipal special"),
    ("municipal_comprehensive", "市级综合", "Municipal comprehensive"),
    ("national", "省部级及以上", "National"),
];
const RELATIONS: &[(&str, &str, &str)] = &[("", "—", "—"), ("spouse", "配偶", "Spouse"), ("child", "子女", "Child")];

fn field(lang: Lang, name: &str, zh: &str, en: &str, kind: Kind, placeholder: &'static str) -> Field {
    Field { name: name.to_string(), lang, label: if lang == Lang::Zh { zh } else { en }.to_string(), kind, placeholder }
}

const DATE: &str = "YYYY-MM-DD";
const DATES: &str = "YYYY-MM-DD, …";

/// The simulator's facts about the person (the application takes them from the account).
pub fn about_you(lang: Lang) -> Vec<Field> {
    vec![
        field(lang, "as_of", "计分日（申请日期）", "Evaluation date", Kind::Date, DATE),
        field(lang, "birth_date", "出生日期", "Birth date", Kind::Date, DATE),
        field(lang, "id_number", "身份证号码（可选）", "Resident ID number (optional)", Kind::Text, ""),
    ]
}

/// Education, title and skill; the application also asks whether the diploma is foreign.
pub fn education(lang: Lang, application: bool) -> Vec<Field> {
    let mut fields = vec![
        field(lang, "edu_level", "最高学历", "Highest education", Kind::Select(EDUCATION_LEVELS), ""),
        field(lang, "edu_graduated_on", "毕业日期", "Graduation date", Kind::Date, DATE),
        field(lang, "edu_degree", "有学士学位（本科）", "Bachelor's degree awarded", Kind::Check, ""),
        field(lang, "edu_part_time", "非全日制", "Part-time study", Kind::Check, ""),
        field(lang, "edu_shortage", "紧缺急需专业（大专）", "Shortage major (associate)", Kind::Check, ""),
    ];
    if application {
        fields.push(field(lang, "edu_foreign", "国（境）外学历学位", "Foreign diploma", Kind::Check, ""));
    }
    fields.push(field(lang, "qual", "职称或技能等级", "Title or skill level", Kind::Select(QUALIFICATIONS), ""));
    fields.push(field(lang, "qual_obtained_on", "取得日期", "Obtained on", Kind::Date, DATE));
    fields
}

/// One row of insurance history.
pub fn insurance_row(lang: Lang, row: usize) -> Vec<Field> {
    let n = row + 1;
    let (row_zh, row_en) = (format!("第 {n} 段"), format!(" ({n})"));
    let labelled = |name: &str, zh: &str, en: &str, kind, placeholder| {
        field(lang, &format!("{name}_{row}"), &format!("{row_zh}{zh}"), &format!("{en}{row_en}"), kind, placeholder)
    };
    vec![
        labelled("si_from", "起始月", "From month", Kind::Month, "YYYY-MM"),
        labelled("si_to", "截止月（仍在缴纳可不填）", "To month (empty if still insured)", Kind::Month, "YYYY-MM"),
        labelled("si_base", "月缴费基数（元）", "Monthly base (CNY)", Kind::Number, ""),
    ]
}

/// Additional points and deductions.
pub fn additional(lang: Lang) -> Vec<Field> {
    vec![
        field(lang, "spouse_hukou", "配偶为本市户籍", "Spouse has Shanghai hukou", Kind::Check, ""),
        field(lang, "spouse_married_on", "结婚日期", "Married on", Kind::Date, DATE),
        field(lang, "award", "表彰奖励", "Award", Kind::Select(AWARDS), ""),
        field(lang, "tax", "近三年年均纳税（元）", "Average annual tax (CNY)", Kind::Number, ""),
        field(lang, "hires", "年均聘用本市户籍人数", "Shanghai residents hired (average)", Kind::Number, ""),
        field(lang, "lingang_since", "在临港新片区工作居住起始日", "In Lin-gang since", Kind::Date, DATE),
        field(lang, "remote_years", "远郊重点区域工作居住年数", "Years in a remote key area", Kind::Number, ""),
        field(lang, "public_years", "特定公共服务领域工作年数", "Years in public service", Kind::Number, ""),
        field(lang, "startup", "创业人才", "Startup talent", Kind::Check, ""),
        field(lang, "intermediary", "创新创业中介服务人才", "Intermediary talent", Kind::Check, ""),
        field(lang, "false_materials", "提供虚假材料日期（逗号分隔）", "False materials dates", Kind::Text, DATES),
        field(lang, "detentions", "行政拘留日期", "Detention dates", Kind::Text, DATES),
        field(lang, "crimes", "一般刑事犯罪日期", "Criminal record dates", Kind::Text, DATES),
        field(lang, "serious_crimes", "严重刑事犯罪日期", "Serious crime dates", Kind::Text, DATES),
        field(lang, "family_planning", "违反计划生育政策记录", "Family-planning violation", Kind::Check, ""),
    ]
}

/// The applicant's personal details on the application form.
pub fn personal(lang: Lang) -> Vec<Field> {
    vec![
        field(lang, "name", "姓名", "Name", Kind::Text, ""),
        field(lang, "permit_number", "居住证号码", "Residence permit number", Kind::Text, ""),
        field(lang, "permit_valid_until", "居住证签注有效期至", "Permit endorsed until", Kind::Date, DATE),
        field(lang, "mobile", "手机号码", "Mobile", Kind::Tel, ""),
        field(lang, "address", "居住地址", "Address", Kind::Text, ""),
    ]
}

/// One co-resident family member.
pub fn family_row(lang: Lang, row: usize) -> Vec<Field> {
    let n = row + 1;
    let labelled = |name: &str, zh: &str, en: &str, kind| {
        field(lang, &format!("{name}_{row}"), &format!("成员 {n} {zh}"), &format!("Member {n}: {en}"), kind, "")
    };
    vec![
        labelled("family_relation", "关系", "relation", Kind::Select(RELATIONS)),
        labelled("family_name", "姓名", "name", Kind::Text),
        labelled("family_id", "身份证号码", "ID number", Kind::Text),
    ]
}

/// The employment the application is made through.
pub fn employment(lang: Lang) -> Vec<Field> {
    vec![
        field(lang, "post", "工作岗位", "Post", Kind::Text, ""),
        field(lang, "contract_from", "劳动合同起始日", "Contract from", Kind::Date, DATE),
        field(
            lang,
            "contract_to",
            "劳动合同截止日（无固定期限不填）",
            "Contract to (empty if open-ended)",
            Kind::Date,
            DATE,
        ),
    ]
}

/// One section of a form: its title, and its fields in groups laid out as grids (one group
/// per insurance period or family member, so that a row on screen is one of them).
pub struct Section {
    pub title: &'static str,
    pub groups: Vec<Vec<Field>>,
}

impl Section {
    pub fn fields(&self) -> impl Iterator<Item = &Field> {
        self.groups.iter().flatten()
    }
}

/// The application form's sections.
pub fn application_sections(lang: Lang, insurance_rows: usize) -> Vec<Section> {
    let section = |title, groups| Section { title, groups };
    vec![
        section(t(lang, "申请人基本信息", "About you"), vec![personal(lang)]),
        section(
            t(lang, "同住家庭成员（配偶、子女）", "Co-resident family (spouse, children)"),
            (0..FAMILY_ROWS).map(|row| family_row(lang, row)).collect(),
        ),
        section(t(lang, "就业信息", "Employment"), vec![employment(lang)]),
        section(t(lang, "教育背景与职称技能", "Education, title and skill"), vec![education(lang, true)]),
        section(
            t(lang, "本市职工社保缴费记录（按月份段填写）", "Shanghai employee insurance, as month ranges"),
            (0..insurance_rows).map(|row| insurance_row(lang, row)).collect(),
        ),
        section(t(lang, "加分与减分", "Additional points and deductions"), vec![additional(lang)]),
    ]
}

/// The facts as the district centre's reviewer verifies them: the application form, and for
/// each insurance range whether it was back-paid and whether another unit than the
/// contract's paid it (facts only the review records).
pub fn verified_sections(lang: Lang, insurance_rows: usize) -> Vec<Section> {
    let mut sections = application_sections(lang, insurance_rows);
    for section in &mut sections {
        for (row, group) in section.groups.iter_mut().enumerate() {
            if group.iter().any(|spec| spec.name == format!("si_from_{row}")) {
                let n = row + 1;
                group.push(field(
                    lang,
                    &format!("si_backpaid_{row}"),
                    &format!("第 {n} 段为补缴"),
                    &format!("Back-paid ({n})"),
                    Kind::Check,
                    "",
                ));
                group.push(field(
                    lang,
                    &format!("si_otherunit_{row}"),
                    &format!("第 {n} 段非合同单位缴纳"),
                    &format!("Paid by another unit ({n})"),
                    Kind::Check,
                    "",
                ));
            }
        }
    }
    sections
}

/// A field's label, for messages and the review ("居住证号码", "第 2 段起始月").
pub fn label_of(name: &str, lang: Lang) -> String {
    verified_sections(lang, jifen_domain::form::MAX_INSURANCE_ROWS)
        .into_iter()
        .flat_map(|section| section.groups.into_iter().flatten())
        .find(|field| field.name == name)
        .map_or_else(|| name.to_string(), |field| field.label)
}

/// What a form shows besides the values: problems and the employer's comments, by field.
#[derive(Default)]
pub struct Notes<'a> {
    pub problems: BTreeMap<String, String>,
    pub comments: Option<&'a BTreeMap<String, String>>,
}

/// A field as an input, with its problem and the employer's comment under it.
pub fn input(fields: &Fields, notes: &Notes, spec: &Field) -> Markup {
    let name = spec.name.as_str();
    let value = fields.get(name);
    let problem = notes.problems.get(name);
    let comment = notes.comments.and_then(|comments| comments.get(name));
    let extra = html! {
        @if let Some(problem) = problem { span.field-error id=(format!("{name}-error")) { (problem) } }
        @if let Some(comment) = comment { span.field-comment { "💬 " (comment) } }
    };
    match spec.kind {
        Kind::Check => html! {
            label.check { input type="checkbox" name=(name) checked[fields.checked(name)]; (spec.label) }
            (extra)
        },
        Kind::Select(options) => html! {
            label { (spec.label)
                select name=(name) aria-invalid=[problem.map(|_| "true")] {
                    @for (option, zh, en) in options {
                        option value=(option) selected[value == *option] { (if spec.lang == Lang::Zh { *zh } else { *en }) }
                    }
                }
                (extra)
            }
        },
        kind => {
            // Numbers are text with a numeric keyboard, not type=number: Chromium scrolls a
            // number field back into view when it loses focus, so the first click on a button
            // further down the page lands elsewhere (seen in the browser test).
            let (kind, inputmode) = match kind {
                Kind::Date => ("date", None),
                Kind::Month => ("month", None),
                Kind::Number => ("text", Some("numeric")),
                Kind::Tel => ("tel", None),
                _ => ("text", None),
            };
            html! {
                label { (spec.label)
                    input type=(kind) inputmode=[inputmode] name=(name) value=(value) placeholder=(spec.placeholder) aria-invalid=[problem.map(|_| "true")];
                    (extra)
                }
            }
        }
    }
}

/// A field's value as a reader sees it: the option's name, ✓ for a ticked box.
pub fn display(fields: &Fields, spec: &Field) -> String {
    let lang = spec.lang;
    let value = fields.get(&spec.name);
    match spec.kind {
        Kind::Check => {
            if fields.checked(&spec.name) {
                "✓".into()
            } else {
                String::new()
            }
        }
        Kind::Select(options) => options
            .iter()
            .find(|(option, _, _)| *option == value && !value.is_empty())
            .map_or_else(String::new, |(_, zh, en)| if lang == Lang::Zh { zh } else { en }.to_string()),
        _ => value.to_string(),
    }
}
