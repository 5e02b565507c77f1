//! What every response does for privacy: pages and downloads are never stored by browsers
//! or proxies (they may show ID numbers, names and scans), and cookies are `Secure` when the
//! public address is HTTPS.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Middleware: `Cache-Control: no-store` on everything but the static assets, and `Secure`
/// on every cookie set when `secure_cookies`.
pub async fn protect(secure_cookies: bool, request: Request, next: Next) -> Response {
    let is_asset = request.uri().path().starts_with("/assets/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !is_asset {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if secure_cookies {
        let cookies: Vec<HeaderValue> = headers.get_all(header::SET_COOKIE).iter().cloned().collect();
        headers.remove(header::SET_COOKIE);
        for cookie in cookies {
            let secured = cookie.to_str().ok().and_then(|text| {
                let already = text.split(';').any(|part| part.trim().eq_ignore_ascii_case("secure"));
                if already { None } else { HeaderValue::from_str(&format!("{text}; Secure")).ok() }
            });
            headers.append(header::SET_COOKIE, secured.unwrap_or(cookie));
        }
    }
    response
}
