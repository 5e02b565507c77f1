//! The printable application form (《上海市居住证积分申请表》): what the employer prints, has
//! signed and stamps, and carries to the district centre with the materials. Always in
//! Chinese, as the official form is.

use crate::Reason;
use crate::error::ServiceError;
use crate::process::ApplicationView;
use crate::{Actor, Service};
use jifen_domain::application::{CheckedForm, check};
use jifen_domain::labels;
use jifen_ids::{ResidentIdNumber, Sex};
use jifen_pdf::{Block, Column, Document, SealBox};
use jifen_rules::{Context, Lang};
use jifen_store::ApplicationId;

const PLEDGE: &str = "本人承诺：以上所填信息及所提供的申请材料均真实、有效。如有虚假，本人愿承担相应法律责任，\
并同意按规定记入诚信记录（人才黑名单）。";

impl Service {
    /// The application form as a PDF, in a state where it may be printed.
    pub async fn application_pdf(&self, actor: &Actor, id: ApplicationId) -> Result<Vec<u8>, ServiceError> {
        let view = self.view(actor, id).await?;
        if !view.printable {
            return Err(ServiceError::refused(
                Reason::NotPrintable,
                "申请经单位审核通过后方可打印",
                "The form can be printed once the employer has approved it",
            ));
        }
        let as_of = self.scoring_date(&view.application);
        let id_number = ResidentIdNumber::parse(&view.applicant.id_number)
            .map_err(|e| ServiceError::Internal(format!("stored ID number: {e}")))?;
        // The form was checked when it was submitted and has not changed since.
        let form = check(&view.application.fields, &id_number, as_of, self.book()).map_err(ServiceError::Invalid)?;
        render(self.application_document(&view, &form)?).await
    }

    fn application_document(&self, view: &ApplicationView, form: &CheckedForm) -> Result<Document, ServiceError> {
        let application = &view.application;
        let evaluation = self
            .book()
            .evaluate(&form.profile, &Context::on(self.scoring_date(application)))
            .map_err(|e| ServiceError::Internal(e.to_string()))?;
        let result = evaluation.to_result(Lang::Zh);
        let sex = match form.id_number.sex() {
            Sex::Male => "男",
            Sex::Female => "女",
        };
        let contract = format!(
            "{} 至 {}",
            form.contract_from,
            form.contract_to.map_or_else(|| "无固定期限".to_string(), |date| date.to_string())
        );
        // A field printed under the label it has on the form (jifen_domain::labels).
        let field = |name: &str, value: String| (labels::label(name, Lang::Zh).unwrap_or_else(|| name.into()), value);
        let pair = |label: &str, value: String| (label.to_string(), value);
        let family = if form.family.is_empty() {
            Block::Paragraph("无同住家庭成员。".into())
        } else {
            Block::Table {
                columns: family_columns(),
                rows: form
                    .family
                    .iter()
                    .map(|member| {
                        vec![
                            member.relation.name(Lang::Zh).to_string(),
                            member.name.clone(),
                            member.id_number.as_ref().map_or_else(String::new, |id| id.as_str().to_string()),
                        ]
                    })
                    .collect(),
            }
        };
        let mut items: Vec<Vec<String>> = result
            .items
            .iter()
            .filter(|item| item.points != 0)
            .map(|item| {
                let points =
                    if item.counted { item.points.to_string() } else { format!("{}（不计入）", item.points) };
                vec![item.id.name(Lang::Zh).to_string(), points, item.explanation.to_string()]
            })
            .collect();
        let verdict = if result.reaches_standard { "达到标准分值" } else { "未达到标准分值" };
        items.push(vec!["合计".into(), result.total.to_string(), format!("标准分值 {}，{verdict}", result.standard)]);
        let materials = view
            .checklist
            .iter()
            .enumerate()
            .map(|(index, (material, status))| {
                let uploaded = view.uploads.iter().find(|u| u.material == material.id);
                let standing = match (uploaded, status) {
                    (Some(upload), _) => format!("已上传：{}", upload.filename),
                    (None, jifen_domain::materials::MaterialStatus::AtCounter) => "盖章后带到窗口".to_string(),
                    (None, _) => "待提交".to_string(),
                };
                vec![(index + 1).to_string(), material.title.get(Lang::Zh).to_string(), standing]
            })
            .collect();
        let state = self.workflow.state_title(&application.state, Lang::Zh).unwrap_or(&application.state);
        Ok(Document {
            title: "上海市居住证积分申请表".into(),
            subtitle: Some(format!(
                "申请编号 {} · 受理区：{} · 状态：{state} · 打印日期 {}",
                application.id,
                application.district.name(Lang::Zh),
                self.clock.today()
            )),
            blocks: vec![
                Block::Heading("一、申请人基本信息".into()),
                Block::Fields(vec![
                    field("name", form.name.clone()),
                    pair("性别", sex.into()),
                    field("id_number", form.id_number.as_str().to_string()),
                    field("birth_date", form.id_number.birth_date().to_string()),
                    field("permit_number", form.permit_number.clone()),
                    field("mobile", form.mobile.clone()),
                    field("address", form.address.clone()),
                ]),
                Block::Heading("二、同住家庭成员".into()),
                family,
                Block::Heading("三、就业信息".into()),
                Block::Fields(vec![
                    pair("用人单位", view.employer.name.clone()),
                    pair("统一社会信用代码", view.employer.credit_code.clone()),
                    pair("单位注册区", view.employer.district.name(Lang::Zh).into()),
                    field("post", form.post.clone()),
                    pair("劳动合同期限", contract),
                ]),
                Block::Heading(format!("四、申报积分指标（规则版本 {}，计分日 {}）", result.rule_set.id, result.as_of)),
                Block::Table { columns: columns(&[("指标", 2), ("分值", 1), ("说明", 6)]), rows: items },
                Block::Heading("五、申请材料清单".into()),
                Block::Table {
                    columns: columns(&[("序号", 1), ("材料", 6), ("提交情况", 4)]), rows: materials
                },
                Block::Heading("六、承诺".into()),
                Block::Paragraph(PLEDGE.into()),
                Block::SealBoxes(vec![
                    SealBox { label: "申请人签名".into(), note: "年    月    日".into() },
                    SealBox {
                        label: "用人单位意见（盖章）".into(), note: "经办人：        年    月    日".into()
                    },
                ]),
            ],
            footer: Some(format!("上海市居住证积分申请 · 申请编号 {}", application.id)),
        })
    }
}

/// Renders a document away from the request threads (laying out a page takes milliseconds).
pub(crate) async fn render(document: Document) -> Result<Vec<u8>, ServiceError> {
    tokio::task::spawn_blocking(move || jifen_pdf::render(&document))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

/// The columns of a table of co-resident family members, headed as the form's fields are.
pub(crate) fn family_columns() -> Vec<Column> {
    let column = |base: &'static str| labels::column_label(base, Lang::Zh).unwrap_or(base);
    columns(&[(column("family_relation"), 1), (column("family_name"), 2), (column("family_id"), 3)])
}

pub(crate) fn columns(spec: &[(&str, u16)]) -> Vec<Column> {
    spec.iter().map(|(title, weight)| Column { title: (*title).to_string(), weight: *weight }).collect()
}
