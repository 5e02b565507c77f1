//! The sample document the render tests and the render benchmark share: an application
//! form whose points table runs on to a second page.

use jifen_pdf::{Block, Column, Document, SealBox};

pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(label, value)| ((*label).to_owned(), (*value).to_owned())).collect()
}

/// An application form whose points table runs on to a second page.
pub fn application_form() -> Document {
    let indicators = ["教育背景", "专业技术职称", "在沪工作年限", "缴纳社会保险", "重点领域加分", "投资纳税"];
    let rows = (1..=20)
        .map(|n| {
            let indicator = indicators[n % indicators.len()];
            vec![
                n.to_string(),
                indicator.to_owned(),
                format!("第 {n} 项：{indicator}，依据《上海市居住证积分管理办法》第十条核定，材料齐全。"),
                format!("{}", (n * 7) % 30),
            ]
        })
        .collect();
    Document {
        title: "上海市居住证积分申请表".to_owned(),
        subtitle: Some("申请编号 12 · 打印日期 2026-11-26".to_owned()),
        blocks: vec![
            Block::Heading("一、申请人基本信息".to_owned()),
            Block::Fields(pairs(&[
                ("姓名", "张伟明"),
                ("性别", "男"),
                ("公民身份号码", "310101198803150012"),
                ("出生日期", "1988-03-15"),
                ("现居住地址", "上海市浦东新区张江镇碧波路 690 号 3 幢 1202 室（近张江高科地铁站），邮政编码 201203"),
                ("联系电话", "13800138000"),
                ("职业资格", ""),
                ("用人单位", "上海积分信息科技有限公司"),
            ])),
            Block::Heading("二、积分指标明细".to_owned()),
            Block::Table {
                columns: vec![
                    Column { title: "序号".to_owned(), weight: 1 },
                    Column { title: "指标".to_owned(), weight: 3 },
                    Column { title: "说明".to_owned(), weight: 8 },
                    Column { title: "分值".to_owned(), weight: 1 },
                ],
                rows,
            },
            Block::Paragraph(
                "本人承诺：以上所填内容及提交的材料真实有效，如有虚假，愿意承担相应的法律责任。\n申请人签名后生效。"
                    .to_owned(),
            ),
            Block::SealBoxes(vec![
                SealBox { label: "申请人签名".to_owned(), note: "年    月    日".to_owned() },
                SealBox { label: "用人单位意见（盖章）".to_owned(), note: "年    月    日".to_owned() },
                SealBox { label: "受理部门意见（盖章）".to_owned(), note: "年    月    日".to_owned() },
            ]),
        ],
        footer: Some("上海市人力资源和社会保障局监制".to_owned()),
    }
}
