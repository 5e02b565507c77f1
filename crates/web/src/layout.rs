//! The page shell every HTML page shares: language, viewport, stylesheet, header.

use jifen_domain::Role;
use jifen_rules::Lang;
use maud::{DOCTYPE, Markup, html};

/// A blue rounded square with "120", the standard every holder works towards, as a data URI.
const ICON: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'%3E%3Crect width='32' height='32' rx='6' fill='%231e5ab4'/%3E%3Ctext x='16' y='21' font-size='13' font-family='sans-serif' font-weight='700' fill='white' text-anchor='middle'%3E120%3C/text%3E%3C/svg%3E";

/// Chooses the Chinese or the English text.
pub fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh { zh } else { en }
}

/// A sentence that carries values, in the reader's language: each language's sentence is
/// written whole with named placeholders (`say!(lang, "第 {id} 版", "version {id}", id = 3)`),
/// so that each puts the values where its grammar wants them, instead of fragments glued
/// around the values in one language's order.
macro_rules! say {
    ($lang:expr, $zh:literal, $en:literal $(, $name:ident = $value:expr)* $(,)?) => {
        match $lang {
            jifen_rules::Lang::Zh => format!($zh $(, $name = $value)*),
            jifen_rules::Lang::En => format!($en $(, $name = $value)*),
        }
    };
}
pub(crate) use say;

/// Who is signed in, as the page header shows them (set for each page request by
/// [`crate::session::show_viewer`]).
#[derive(Debug, Clone)]
pub struct Viewer {
    pub name: String,
    pub role: Role,
    pub csrf: String,
}

tokio::task_local! {
    pub static VIEWER: Option<Viewer>;
}

fn viewer() -> Option<Viewer> {
    VIEWER.try_with(Clone::clone).ok().flatten()
}

/// The name of the language switch's button in a form it re-sends.
pub const LANGUAGE_SWITCH: &str = "language_switch";

pub fn layout(lang: Lang, title: &str, body: Markup) -> Markup {
    layout_keeping(lang, title, body, None)
}

/// The page shell; with `keep_form`, the language switch re-sends that form in the other
/// language (a button of the form, so it works without script), so switching keeps what
/// was typed.
pub fn layout_keeping(lang: Lang, title: &str, body: Markup, keep_form: Option<&str>) -> Markup {
    let (other, other_name) = if lang == Lang::Zh { ("en", "English") } else { ("zh", "中文") };
    let viewer = viewer();
    html! {
        (DOCTYPE)
        html lang=(t(lang, "zh-CN", "en")) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href="/assets/app.css";
                // The tab's icon, inline: without it every browser asks for /favicon.ico (a 404).
                link rel="icon" href=(ICON);
            }
            body {
                header {
                    h1 { a href="/" { (t(lang, "上海市居住证积分模拟与规划", "Shanghai residence-permit points: simulator and planner")) } }
                    nav {
                        @match keep_form {
                            Some(form) => button.link type="submit" form=(form) formaction=(format!("?lang={other}")) name=(LANGUAGE_SWITCH) value=(other) lang=(other) { (other_name) },
                            None => a href=(format!("?lang={other}")) lang=(other) { (other_name) },
                        }
                        " · " a href="/home" { (t(lang, "工作台", "Home")) }
                        @match &viewer {
                            Some(viewer) => {
                                " · " span.viewer id="signed-in-as" { (viewer.name) "（" (viewer.role.name(lang)) "）" }
                                " " form.inline method="post" action="/logout" {
                                    input type="hidden" name="csrf" value=(viewer.csrf);
                                    button.link type="submit" { (t(lang, "退出登录", "Sign out")) }
                                }
                            }
                            None => {
                                " · " a href="/login" { (t(lang, "登录", "Sign in")) }
                                " · " a href="/employers/register" { (t(lang, "单位注册", "Employer sign-up")) }
                            }
                        }
                        " · " a href="/api/docs" { "API" }
                    }
                }
                main { (body) }
            }
        }
    }
}
