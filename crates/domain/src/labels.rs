//! Every form field's label, in both languages: the one name a field has wherever it is
//! shown — the simulator, the application form, the employer's and the centre's review, a
//! problem's message, and the printed application form.

use jifen_rules::Lang;

/// The fields that appear once, by name.
const LABELS: &[(&str, &str, &str)] = &[
    ("as_of", "计分日（申请日期）", "Evaluation date"),
    ("birth_date", "出生日期", "Birth date"),
    ("id_number", "身份证号码", "Resident ID number"),
    ("edu_level", "最高学历", "Highest education"),
    ("edu_graduated_on", "毕业日期", "Graduation date"),
    ("edu_degree", "有学士学位（本科）", "Bachelor's degree awarded"),
    ("edu_part_time", "非全日制", "Part-time study"),
    ("edu_shortage", "紧缺急需专业（大专）", "Shortage major (associate)"),
    ("edu_foreign", "国（境）外学历学位", "Foreign diploma"),
    ("qual", "职称或技能等级", "Title or skill level"),
    ("qual_obtained_on", "取得日期", "Obtained on"),
    ("spouse_hukou", "配偶为本市户籍", "Spouse has Shanghai hukou"),
    ("spouse_married_on", "结婚日期", "Married on"),
    ("award", "表彰奖励", "Award"),
    ("tax", "近三年年均纳税（元）", "Average annual tax (CNY)"),
    ("hires", "年均聘用本市户籍人数", "Shanghai residents hired (average)"),
    ("lingang_since", "在临港新片区工作居住起始日", "In Lin-gang since"),
    ("remote_years", "远郊重点区域工作居住年数", "Years in a remote key area"),
    ("public_years", "特定公共服务领域工作年数", "Years in public service"),
    ("startup", "创业人才", "Startup talent"),
    ("intermediary", "创新创业中介服务人才", "Intermediary talent"),
    ("false_materials", "提供虚假材料日期（逗号分隔）", "False materials dates"),
    ("detentions", "行政拘留日期", "Detention dates"),
    ("crimes", "一般刑事犯罪日期", "Criminal record dates"),
    ("serious_crimes", "严重刑事犯罪日期", "Serious crime dates"),
    ("family_planning", "违反计划生育政策记录", "Family-planning violation"),
    ("name", "姓名", "Name"),
    ("permit_number", "居住证号码", "Residence permit number"),
    ("permit_valid_until", "居住证签注有效期至", "Permit endorsed until"),
    ("mobile", "手机号码", "Mobile"),
    ("address", "居住地址", "Address"),
    ("post", "工作岗位", "Post"),
    ("contract_from", "劳动合同起始日", "Contract from"),
    ("contract_to", "劳动合同截止日（无固定期限不填）", "Contract to (empty if open-ended)"),
];

/// How the fields that repeat by row (`si_from_0`, `family_name_1`) say which row they are.
#[derive(Clone, Copy)]
enum Rows {
    /// An insurance period: "第 2 段起始月", "From month (2)".
    Period,
    /// A family member: "成员 2 姓名", "Member 2: name".
    Member,
}

/// The fields that repeat by row: the name before `_<row>`, the label without the row.
const ROW_LABELS: &[(&str, &str, &str, Rows)] = &[
    ("si_from", "起始月", "From month", Rows::Period),
    ("si_to", "截止月（仍在缴纳可不填）", "To month (empty if still insured)", Rows::Period),
    ("si_base", "月缴费基数（元）", "Monthly base (CNY)", Rows::Period),
    ("si_backpaid", "为补缴", "Back-paid", Rows::Period),
    ("si_otherunit", "非合同单位缴纳", "Paid by another unit", Rows::Period),
    ("family_relation", "关系", "relation", Rows::Member),
    ("family_name", "姓名", "name", Rows::Member),
    ("family_id", "身份证号码", "ID number", Rows::Member),
];

/// A field's label, with its row for a field that repeats; `None` for a name no form has.
pub fn label(name: &str, lang: Lang) -> Option<String> {
    let pick = |zh: &str, en: &str| if lang == Lang::Zh { zh.to_string() } else { en.to_string() };
    if let Some((_, zh, en)) = LABELS.iter().find(|(field, _, _)| *field == name) {
        return Some(pick(zh, en));
    }
    let (base, row) = name.rsplit_once('_')?;
    let n = row.parse::<usize>().ok()? + 1;
    let (_, zh, en, rows) = ROW_LABELS.iter().find(|(field, _, _, _)| *field == base)?;
    Some(match (rows, lang) {
        (Rows::Period, Lang::Zh) => format!("第 {n} 段{zh}"),
        (Rows::Period, Lang::En) => format!("{en} ({n})"),
        (Rows::Member, Lang::Zh) => format!("成员 {n} {zh}"),
        (Rows::Member, Lang::En) => format!("Member {n}: {en}"),
    })
}

/// The label of a field that repeats by row, without the row: a table's column heading
/// (`family_name` → "姓名").
pub fn column_label(base: &str, lang: Lang) -> Option<&'static str> {
    ROW_LABELS
        .iter()
        .find(|(field, _, _, _)| *field == base)
        .map(|(_, zh, en, _)| if lang == Lang::Zh { *zh } else { *en })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_field_has_one_label_in_each_language() {
        assert_eq!(label("permit_number", Lang::Zh).as_deref(), Some("居住证号码"));
        assert_eq!(label("si_from_1", Lang::Zh).as_deref(), Some("第 2 段起始月"));
        assert_eq!(label("si_from_1", Lang::En).as_deref(), Some("From month (2)"));
        assert_eq!(label("family_name_0", Lang::Zh).as_deref(), Some("成员 1 姓名"));
        assert_eq!(label("family_id_2", Lang::En).as_deref(), Some("Member 3: ID number"));
        assert_eq!(column_label("family_relation", Lang::Zh), Some("关系"));
        assert_eq!(label("nonsense", Lang::Zh), None);
        assert_eq!(label("si_from_x", Lang::Zh), None);
        let mut names: Vec<&str> = LABELS.iter().map(|(name, _, _)| *name).collect();
        names.extend(ROW_LABELS.iter().map(|(name, _, _, _)| *name));
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "no field is listed twice");
    }
}
