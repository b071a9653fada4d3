//! What the server tells browsers and checks of them: security headers on every answer (a
//! content security policy that forbids scripts and framing, no MIME sniffing, no referrer
//! sent elsewhere, HSTS over TLS), and an Origin (or Referer) check on every state-changing
//! request of the dashboard, login included, so another site cannot post a form to it.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::web::state::ServerState;

/// The content security policy: only this server's own resources, no framing, forms posted
/// only here. Inline styles stay allowed (the pages' bars are widths in `style`); scripts do not.
pub const CSP: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; \
                       frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// HSTS over TLS: a year.
const HSTS: &str = "max-age=31536000";

pub async fn guard(State(state): State<ServerState>, request: Request, next: Next) -> Response {
    let dashboard_write =
        request.method() == Method::POST && !request.uri().path().starts_with("/v1/");
    let mut response = if dashboard_write && !same_origin(request.headers()) {
        (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "请求来自其他网站，已拒绝。Cross-site request refused.",
        )
            .into_response()
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.secure_cookies {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

/// Whether a request comes from a page of this server: its Origin, or failing that its
/// Referer, names the host it was sent to. A request with neither (not a browser: browsers
/// send Origin with every cross-site POST) passes; `Origin: null` does not.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let claimed = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .map(|v| v.to_str().unwrap_or(""));
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (claimed, host) {
        (None, _) => true,
        (Some(url), Some(host)) => authority(url).is_some_and(|a| a.eq_ignore_ascii_case(host)),
        (Some(_), None) => false,
    }
}

/// `host[:port]` of an absolute http(s) URL.
fn authority(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|a| !a.is_empty() && !a.contains('@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_this_servers_pages_may_post() {
        let host = (header::HOST, "127.0.0.1:8443");
        assert!(same_origin(&headers(&[
            host.clone(),
            (header::ORIGIN, "https://127.0.0.1:8443")
        ])));
        assert!(same_origin(&headers(&[
            host.clone(),
            (header::REFERER, "http://127.0.0.1:8443/login?lang=en")
        ])));
        assert!(
            same_origin(&headers(std::slice::from_ref(&host))),
            "not a browser"
        );
        for bad in [
            "https://evil.example",
            "null",
            "https://127.0.0.1:8443.evil.example",
            "https://user@127.0.0.1:8443",
        ] {
            assert!(
                !same_origin(&headers(&[host.clone(), (header::ORIGIN, bad)])),
                "{bad}"
            );
        }
        assert!(!same_origin(&headers(&[
            host.clone(),
            (header::REFERER, "https://evil.example/page")
        ])));
        assert!(!same_origin(&headers(&[(header::ORIGIN, "https://x")])));
    }
}
