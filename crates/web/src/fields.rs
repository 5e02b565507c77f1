//! Every form field the pages show, with its kind: one table that the simulator form, the
//! application form and the employer's review (a value and a comment box per field) all
//! render from. Labels come from `jifen_domain::labels`, which the printed form uses too, so
//! a field is named the same everywhere.

use crate::layout::t;
use jifen_domain::application::FAMILY_ROWS;
use jifen_domain::form::Fields;
use jifen_domain::labels;
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

fn field(lang: Lang, name: &str, kind: Kind, placeholder: &'static str) -> Field {
    let label = labels::label(name, lang).unwrap_or_else(|| name.to_string());
    Field { name: name.to_string(), lang, label, kind, placeholder }
}

const DATE: &str = "YYYY-MM-DD";
const DATES: &str = "YYYY-MM-DD, …";

/// The simulator's facts about the person (the application takes them from the account).
pub fn about_you(lang: Lang) -> Vec<Field> {
    vec![
        field(lang, "as_of", Kind::Date, DATE),
        field(lang, "birth_date", Kind::Date, DATE),
        Field {
            label: format!("{}{}", label_of("id_number", lang), t(lang, "（可选）", " (optional)")),
            ..field(lang, "id_number", Kind::Text, "")
        },
    ]
}

/// Education, title and skill; the application also asks whether the diploma is foreign.
pub fn education(lang: Lang, application: bool) -> Vec<Field> {
    let mut fields = vec![
        field(lang, "edu_level", Kind::Select(EDUCATION_LEVELS), ""),
        field(lang, "edu_graduated_on", Kind::Date, DATE),
        field(lang, "edu_degree", Kind::Check, ""),
        field(lang, "edu_part_time", Kind::Check, ""),
        field(lang, "edu_shortage", Kind::Check, ""),
    ];
    if application {
        fields.push(field(lang, "edu_foreign", Kind::Check, ""));
    }
    fields.push(field(lang, "qual", Kind::Select(QUALIFICATIONS), ""));
    fields.push(field(lang, "qual_obtained_on", Kind::Date, DATE));
    fields
}

/// One row of insurance history.
pub fn insurance_row(lang: Lang, row: usize) -> Vec<Field> {
    vec![
        field(lang, &format!("si_from_{row}"), Kind::Month, "YYYY-MM"),
        field(lang, &format!("si_to_{row}"), Kind::Month, "YYYY-MM"),
        field(lang, &format!("si_base_{row}"), Kind::Number, ""),
    ]
}

/// Additional points and deductions.
pub fn additional(lang: Lang) -> Vec<Field> {
    vec![
        field(lang, "spouse_hukou", Kind::Check, ""),
        field(lang, "spouse_married_on", Kind::Date, DATE),
        field(lang, "award", Kind::Select(AWARDS), ""),
        field(lang, "tax", Kind::Number, ""),
        field(lang, "hires", Kind::Number, ""),
        field(lang, "lingang_since", Kind::Date, DATE),
        field(lang, "remote_years", Kind::Number, ""),
        field(lang, "public_years", Kind::Number, ""),
        field(lang, "startup", Kind::Check, ""),
        field(lang, "intermediary", Kind::Check, ""),
        field(lang, "false_materials", Kind::Text, DATES),
        field(lang, "detentions", Kind::Text, DATES),
        field(lang, "crimes", Kind::Text, DATES),
        field(lang, "serious_crimes", Kind::Text, DATES),
        field(lang, "family_planning", Kind::Check, ""),
    ]
}

/// The applicant's personal details on the application form.
pub fn personal(lang: Lang) -> Vec<Field> {
    vec![
        field(lang, "name", Kind::Text, ""),
        field(lang, "permit_number", Kind::Text, ""),
        field(lang, "permit_valid_until", Kind::Date, DATE),
        field(lang, "mobile", Kind::Tel, ""),
        field(lang, "address", Kind::Text, ""),
    ]
}

/// One co-resident family member.
pub fn family_row(lang: Lang, row: usize) -> Vec<Field> {
    vec![
        field(lang, &format!("family_relation_{row}"), Kind::Select(RELATIONS), ""),
        field(lang, &format!("family_name_{row}"), Kind::Text, ""),
        field(lang, &format!("family_id_{row}"), Kind::Text, ""),
    ]
}

/// The employment the application is made through.
pub fn employment(lang: Lang) -> Vec<Field> {
    vec![
        field(lang, "post", Kind::Text, ""),
        field(lang, "contract_from", Kind::Date, DATE),
        field(lang, "contract_to", Kind::Date, DATE),
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
                group.push(field(lang, &format!("si_backpaid_{row}"), Kind::Check, ""));
                group.push(field(lang, &format!("si_otherunit_{row}"), Kind::Check, ""));
            }
        }
    }
    sections
}

/// A field's label, for messages and the review ("居住证号码", "第 2 段起始月").
pub fn label_of(name: &str, lang: Lang) -> String {
    labels::label(name, lang).unwrap_or_else(|| name.to_string())
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
