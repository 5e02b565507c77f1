//! The page shell every HTML page shares: language, viewport, stylesheet, header.

use jifen_rules::Lang;
use maud::{DOCTYPE, Markup, html};

/// Chooses the Chinese or the English text.
pub fn t(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    if lang == Lang::Zh { zh } else { en }
}

pub fn layout(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(t(lang, "zh-CN", "en")) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href="/assets/app.css";
            }
            body {
                header {
                    h1 { a href="/" { (t(lang, "上海市居住证积分模拟与规划", "Shanghai residence-permit points: simulator and planner")) } }
                    nav {
                        @if lang == Lang::Zh { a href="?lang=en" { "English" } } @else { a href="?lang=zh" { "中文" } }
                        " · " a href="/home" { (t(lang, "工作台", "Home")) }
                        " · " a href="/login" { (t(lang, "登录", "Sign in")) }
                        " · " a href="/employers/register" { (t(lang, "单位注册", "Employer sign-up")) }
                        " · " a href="/api/docs" { "API" }
                    }
                }
                main { (body) }
            }
        }
    }
}
