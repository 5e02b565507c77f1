//! The district centre's official documents, issued by workflow moves (`action.document`):
//! the counter's receipt (收件凭证), the one correction notice (补正材料一次性告知书) and the
//! personnel-file transfer letter (调档函). Each is made from the move that issued it (its
//! date, the counter's marks, the deadline, where the file is held), so a re-print is the
//! same document. Always in Chinese, as the official documents are; every sentence is whole,
//! with its values filled in, here in one place.

use crate::centre::{CounterLine, CounterMark};
use crate::error::ServiceError;
use crate::printing::{columns, render};
use crate::{Actor, Service};
use jifen_domain::clock;
use jifen_domain::workflow::DocumentKind;
use jifen_domain::workflow::states;
use jifen_pdf::{Block, Document, SealBox};
use jifen_rules::Lang;
use jifen_store::ApplicationEvent;
use jifen_store::prelude::*;

impl Service {
    /// The last move that issued a document of `kind`.
    pub(crate) fn issuing_event<'e>(
        &self,
        events: &'e [ApplicationEvent],
        kind: DocumentKind,
    ) -> Option<&'e ApplicationEvent> {
        events.iter().rev().find(|event| {
            self.workflow.actions.iter().any(|action| action.id == event.action && action.document == Some(kind))
        })
    }

    /// A document the application was issued, as a PDF, for anyone who may see the
    /// application; one not issued does not exist.
    pub async fn document_pdf(
        &self,
        actor: &Actor,
        id: ApplicationId,
        kind: DocumentKind,
    ) -> Result<Vec<u8>, ServiceError> {
        let view = self.view(actor, id).await?;
        let event = self.issuing_event(&view.events, kind).ok_or(ServiceError::NotFound)?;
        let document = match kind {
            DocumentKind::Receipt => self.receipt(&view, event)?,
            DocumentKind::Correction => self.correction_notice(&view, event)?,
            DocumentKind::Transfer => transfer_letter(&view, event),
            DocumentKind::NotAccepted => self.not_accepted_notice(&view, event)?,
        };
        render(document).await
    }

    fn counter_table(&self, lines: &[CounterLine], wanted: impl Fn(CounterMark) -> bool) -> Block {
        let rows = lines
            .iter()
            .filter(|line| wanted(line.mark))
            .enumerate()
            .map(|(index, line)| {
                let material = self.materials.material(&line.material);
                let title = material.map_or(line.material.as_str(), |m| m.title.get(Lang::Zh));
                let kept = line.mark == CounterMark::Original && material.is_some_and(|m| m.original_kept);
                let remark = match (kept, line.reason.is_empty()) {
                    (true, true) => "原件由本中心留存，凭本凭证签收领回".to_string(),
                    (true, false) => format!("原件由本中心留存，凭本凭证签收领回；{}", line.reason),
                    (false, _) => line.reason.clone(),
                };
                vec![(index + 1).to_string(), title.to_string(), line.mark.name(Lang::Zh).to_string(), remark]
            })
            .collect();
        Block::Table { columns: columns(&[("序号", 1), ("材料", 6), ("核对结果", 2), ("说明", 4)]), rows }
    }

    fn receipt(&self, view: &crate::ApplicationView, event: &ApplicationEvent) -> Result<Document, ServiceError> {
        let application = &view.application;
        let lines: Vec<CounterLine> = event_part(event, "counter")?;
        let accepted_on = clock::shanghai_datetime(event.at).date();
        // The centre's steps after acceptance, each at its working-day clock.
        let review_days: u32 = [states::ACCEPTED, states::FILE_REQUESTED, states::IN_REVIEW, states::REVIEWED]
            .iter()
            .filter_map(|state| self.workflow.state(state).and_then(|s| s.sla_working_days))
            .sum();
        let by = self
            .calendar()
            .add_working_days(accepted_on, review_days)
            .map_or_else(|_| format!("受理之日起 {review_days} 个工作日内"), |date| format!("{date} 前"));
        let centre = format!("{}人才服务中心", application.district.name(Lang::Zh));
        Ok(Document {
            title: "上海市居住证积分申请 收件凭证".into(),
            subtitle: Some(format!("编号 {} · 受理日期 {accepted_on}", serial(application, "SJ", accepted_on))),
            blocks: vec![
                Block::Fields(vec![
                    ("申请人".into(), view.applicant.name.clone()),
                    ("身份证号码".into(), crate::mask_id_number(&view.applicant.id_number)),
                    ("用人单位".into(), view.employer.name.clone()),
                    ("受理机构".into(), centre.clone()),
                    ("申请编号".into(), application.id.to_string()),
                    ("经办人".into(), event.actor_name.clone().unwrap_or_default()),
                ]),
                Block::Heading("收到的材料".into()),
                self.counter_table(&lines, CounterMark::received),
                Block::Heading("下一步".into()),
                Block::Paragraph(format!(
                    "本中心已受理上述申请材料，将调取申请人的人事档案，并逐项核查社会保险、个人所得税、学历学位、\
                     职称技能及违法犯罪记录等情况，预计于 {by}作出审核决定，结果以短信通知申请人和用人单位经办人。"
                )),
                Block::Paragraph(format!(
                    "办理进度可随时登录居住证积分系统查看；如有疑问，请凭本凭证编号咨询{centre}受理窗口。本中心留存的\
                     原件，凭本凭证签收领回。"
                )),
                Block::SealBoxes(vec![
                    SealBox { label: format!("{centre}（受理专用章）"), note: format!("{accepted_on}") },
                    SealBox { label: "用人单位经办人签收".into(), note: "年    月    日".into() },
                ]),
            ],
            footer: Some(format!("收件凭证 · 申请编号 {}", application.id)),
        })
    }

    fn correction_notice(
        &self,
        view: &crate::ApplicationView,
        event: &ApplicationEvent,
    ) -> Result<Document, ServiceError> {
        let application = &view.application;
        let lines: Vec<CounterLine> = event_part(event, "counter")?;
        let deadline: String = event_part(event, "deadline")?;
        let issued_on = clock::shanghai_datetime(event.at).date();
        let days = self.workflow.state(states::CORRECTION).and_then(|s| s.deadline_working_days).unwrap_or_default();
        let centre = format!("{}人才服务中心", application.district.name(Lang::Zh));
        Ok(Document {
            title: "上海市居住证积分申请 补正材料一次性告知书".into(),
            subtitle: Some(format!("编号 {} · 告知日期 {issued_on}", serial(application, "BZ", issued_on))),
            blocks: vec![
                Block::Paragraph(format!("{}：", view.employer.name)),
                Block::Paragraph(format!(
                    "经核对，贵单位为 {}（身份证号码 {}）提交的居住证积分申请（申请编号 {}）材料尚不齐全或不符合要求。\
                     现将需要补正的全部内容一次性告知如下：",
                    view.applicant.name,
                    crate::mask_id_number(&view.applicant.id_number),
                    application.id
                )),
                self.counter_table(&lines, |mark| !mark.received()),
                Block::Paragraph(format!(
                    "请于 {deadline} 前（{days} 个工作日内）一次补齐上述材料，送达本中心受理窗口，或登录系统上传后\
                     点击“材料已补齐”。补正期间，本中心的受理时限暂停计算；逾期未补齐的，本次申请不予受理。"
                )),
                Block::Paragraph(format!(
                    "本告知书所列以外的材料，本中心不再要求补充。如有疑问，请咨询{centre}受理窗口。"
                )),
                Block::SealBoxes(vec![SealBox {
                    label: format!("{centre}（受理专用章）"),
                    note: format!("经办人：{}    {issued_on}", event.actor_name.clone().unwrap_or_default()),
                }]),
            ],
            footer: Some(format!("补正材料一次性告知书 · 申请编号 {}", application.id)),
        })
    }

    fn not_accepted_notice(
        &self,
        view: &crate::ApplicationView,
        event: &ApplicationEvent,
    ) -> Result<Document, ServiceError> {
        let application = &view.application;
        let deadline: String = event_part(event, "deadline")?;
        let issued_on = clock::shanghai_datetime(event.at).date();
        let centre = format!("{}人才服务中心", application.district.name(Lang::Zh));
        let asked = self.issuing_event(&view.events, DocumentKind::Correction);
        let lines: Vec<CounterLine> = match asked {
            Some(asked) => event_part(asked, "counter")?,
            None => Vec::new(),
        };
        let asked_on = asked.map(|e| clock::shanghai_datetime(e.at).date().to_string()).unwrap_or_default();
        Ok(Document {
            title: "上海市居住证积分申请 不予受理告知书".into(),
            subtitle: Some(format!("编号 {} · {issued_on}", serial(application, "BY", issued_on))),
            blocks: vec![
                Block::Paragraph(format!("{}：", view.employer.name)),
                Block::Paragraph(format!(
                    "贵单位为 {}（身份证号码 {}）提交的居住证积分申请（申请编号 {}），本中心已于 {asked_on} 一次性告知\
                     需补正的材料，补正期限 {deadline} 届满仍未补齐。本次申请不予受理。",
                    view.applicant.name,
                    crate::mask_id_number(&view.applicant.id_number),
                    application.id
                )),
                Block::Heading("未补齐的材料".into()),
                self.counter_table(&lines, |mark| !mark.received()),
                Block::Paragraph(format!(
                    "申请人符合条件的，可在材料齐全后由用人单位重新提出申请。如有疑问，请咨询{centre}受理窗口。"
                )),
                Block::SealBoxes(vec![SealBox {
                    label: format!("{centre}（受理专用章）"),
                    note: issued_on.to_string(),
                }]),
            ],
            footer: Some(format!("不予受理告知书 · 申请编号 {}", application.id)),
        })
    }
}

fn transfer_letter(view: &crate::ApplicationView, event: &ApplicationEvent) -> Document {
    let application = &view.application;
    let issued_on = clock::shanghai_datetime(event.at).date();
    let centre = format!("{}人才服务中心", application.district.name(Lang::Zh));
    Document {
        title: "调档函".into(),
        subtitle: Some(format!("编号 {} · {issued_on}", serial(application, "DD", issued_on))),
        blocks: vec![
            Block::Paragraph(format!("{}：", event.comment)),
            Block::Paragraph(format!(
                "兹有 {}（身份证号码 {}），现由 {} 为其申请上海市居住证积分。根据《上海市居住证积分管理办法》的规定，\
                 本中心需查阅其人事档案，核实其学历、工作经历等情况。请贵单位予以协助，将其人事档案（或档案材料\
                 复印件加盖公章）寄送或转递至本中心，并告知本中心经办人。",
                view.applicant.name, view.applicant.id_number, view.employer.name
            )),
            Block::Paragraph(format!(
                "档案查阅后即按规定退回。联系方式：{centre}积分审核科，经办人 {}。",
                event.actor_name.clone().unwrap_or_default()
            )),
            Block::SealBoxes(vec![SealBox { label: format!("{centre}（盖章）"), note: issued_on.to_string() }]),
        ],
        footer: Some(format!("调档函 · 申请编号 {}", application.id)),
    }
}

/// A document's serial number: its kind's letters, the district, the date and the
/// application, e.g. `SJ-XUHUI-20261130-000042`.
fn serial(application: &jifen_store::Application, letters: &str, on: chrono::NaiveDate) -> String {
    format!(
        "{letters}-{}-{}-{:06}",
        application.district.as_str().to_ascii_uppercase(),
        on.format("%Y%m%d"),
        application.id
    )
}

/// A part of a move's event details, as the move recorded it.
fn event_part<T: serde::de::DeserializeOwned>(event: &ApplicationEvent, key: &str) -> Result<T, ServiceError> {
    let value = event.details.get(key).cloned().unwrap_or_default();
    serde_json::from_value(value).map_err(|e| ServiceError::Internal(format!("event {} lacks {key}: {e}", event.id)))
}
