//! What the employer sign-up looks like, and a clerk's confirmation of a rejection.

use super::*;

pub(crate) fn employer_form(lang: Lang, csrf: &str, form: &EmployerForm, problems: &[Problem]) -> Markup {
    let problem = |name: &str| problems.iter().find(|p| p.field == name).map(|p| p.message(lang).to_string());
    let field = |name: &str, label: &str, value: &str, kind: &str| {
        let error = problem(name);
        html! {
            label { (label) input name=(name) type=(kind) value=(value) required aria-invalid=[error.as_ref().map(|_| "true")];
                @if let Some(error) = error { span.field-error { (error) } } }
        }
    };
    let error = (!problems.is_empty()).then(|| match lang {
        Lang::Zh => format!("有 {} 处需要修改，见各栏下方的说明。", problems.len()),
        Lang::En => format!("{} field(s) to fix; see the notes under them.", problems.len()),
    });
    html! {
        h2 { (t(lang, "用人单位注册", "Employer sign-up")) }
        p { (t(lang, "注册后由单位注册地所在区的人才服务中心受理人员审核；审核通过后单位经办人方可登录办理。",
               "A clerk of the district centre where the employer is registered verifies the sign-up; its HR agent can sign in after that.")) }
        @if let Some(error) = error { div.error role="alert" { (error) } }
        form method="post" action="/employers/register" novalidate {
            input type="hidden" name="csrf" value=(csrf);
            fieldset { div.grid {
                (field("name", t(lang, "单位名称", "Employer name"), &form.name, "text"))
                (field("credit_code", t(lang, "统一社会信用代码", "Unified social credit code"), &form.credit_code, "text"))
                label { (t(lang, "注册地所在区", "Registration district"))
                    select name="district" required aria-invalid=[problem("district").map(|_| "true")] {
                        option value="" selected[form.district.is_empty()] { (t(lang, "请选择", "Choose")) }
                        @for district in District::ALL {
                            option value=(district.as_str()) selected[form.district == district.as_str()] { (district.name(lang)) }
                        }
                    }
                }
                (field("contact_name", t(lang, "联系人", "Contact name"), &form.contact_name, "text"))
                (field("contact_phone", t(lang, "联系电话（手机）", "Contact mobile"), &form.contact_phone, "tel"))
                (field("username", t(lang, "经办人用户名", "HR agent username"), &form.username, "text"))
                label { (t(lang, "经办人密码（至少 10 位，含字母和数字）", "HR agent password (10+ characters, letters and digits)"))
                    input name="password" type="password" autocomplete="new-password" required;
                    @if let Some(error) = problem("password") { span.field-error { (error) } } }
            } }
            button type="submit" { (t(lang, "提交注册", "Sign up")) }
        }
    }
}

/// The confirmation of an employer's rejection: the consequences, and the reason to give.
pub(crate) fn reject_form(lang: Lang, employer: &jifen_store::Employer, problem: Option<&str>, csrf: &str) -> Markup {
    html! {
        h2 { (t(lang, "不予通过单位注册", "Reject an employer's sign-up")) }
        div.error role="alert" {
            p { strong { (employer.name) } " · " (employer.credit_code) }
            p { (t(lang, "不予通过后，该单位的经办人账号将停用，单位须重新注册。理由会通过短信告知单位联系人 ",
                "Once rejected, the employer's agent accounts are closed and it must sign up again. The reason goes by SMS to its contact "))
                (employer.contact_name) "（" (employer.contact_phone) "）。" }
        }
        form method="post" action=(format!("/employers/{}/decision", employer.id)) {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="decision" value="reject";
            input type="hidden" name="confirmed" value="yes";
            label { (t(lang, "不予通过的理由（必填）", "Reason (required)"))
                textarea name="reason" rows="3" required maxlength=(MAX_REASON_CHARS) aria-invalid=[problem.map(|_| "true")] {}
                @if let Some(problem) = problem { span.field-error id="reason-error" { (problem) } }
            }
            div.actions {
                button.danger type="submit" { (t(lang, "确认不予通过", "Reject this sign-up")) }
                a.button.secondary href="/home" { (t(lang, "返回，不做处理", "Go back; decide nothing")) }
            }
        }
    }
}
