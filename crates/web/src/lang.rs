//! The reader's language: `?lang=` (remembered in a cookie), then the cookie, then
//! Accept-Language; Chinese by default.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use jifen_rules::Lang;
use std::convert::Infallible;

/// The language chosen for this request.
#[derive(Debug, Clone, Copy)]
pub struct Chosen {
    pub lang: Lang,
}

pub const COOKIE: &str = "jifen_lang";

fn from_query(query: Option<&str>) -> Option<Lang> {
    query?.split('&').find_map(|pair| pair.strip_prefix("lang=")).and_then(Lang::parse)
}

fn from_cookie(headers: &HeaderMap) -> Option<Lang> {
    crate::session::cookie(headers, COOKIE).as_deref().and_then(Lang::parse)
}

fn from_accept_language(headers: &HeaderMap) -> Option<Lang> {
    let value = headers.get(header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    value.split(',').find_map(|part| Lang::parse(part.split(';').next().unwrap_or("").trim()))
}

pub fn choose(query: Option<&str>, headers: &HeaderMap) -> Chosen {
    let lang = from_query(query).or_else(|| from_cookie(headers)).or_else(|| from_accept_language(headers));
    Chosen { lang: lang.unwrap_or_default() }
}

impl<S: Send + Sync> FromRequestParts<S> for Chosen {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(choose(parts.uri.query(), &parts.headers))
    }
}

/// Middleware: a `?lang=` choice is remembered in a cookie, on every page.
pub async fn remember(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let chosen = from_query(request.uri().query());
    let mut response = next.run(request).await;
    if let Some(lang) = chosen {
        let cookie = format!("{COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.code());
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), value.parse().unwrap());
        }
        map
    }

    #[test]
    fn query_then_cookie_then_accept_language_then_chinese() {
        let none = HeaderMap::new();
        assert_eq!(choose(None, &none).lang, Lang::Zh);
        assert_eq!(choose(Some("lang=en"), &none).lang, Lang::En);
        assert_eq!(choose(Some("x=1&lang=en"), &none).lang, Lang::En);
        let cookie = headers(&[(header::COOKIE, "a=b; jifen_lang=en")]);
        assert_eq!(choose(None, &cookie).lang, Lang::En);
        assert_eq!(choose(Some("lang=zh"), &cookie).lang, Lang::Zh);
        let accept = headers(&[(header::ACCEPT_LANGUAGE, "en-US,en;q=0.9")]);
        assert_eq!(choose(None, &accept).lang, Lang::En);
        let both = headers(&[(header::ACCEPT_LANGUAGE, "en-US"), (header::COOKIE, "jifen_lang=zh")]);
        assert_eq!(choose(None, &both).lang, Lang::Zh);
    }
}
