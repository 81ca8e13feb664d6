//! The web UI: server-rendered HTML (maud, which escapes every value) with
//! one embedded style sheet and no script.
//!
//! Pages: `/login`, `/` (notifications with filters), `/dashboard`
//! (overdue and soon-due lists, scorecards with SVG charts),
//! `/notifications/new` (file one, with a STIX bundle and an attachment),
//! `/notifications/{id}` (detail with evidence tables, the timeline with
//! proof states, the reply form for recipients and the rate form for the
//! notifier), `/parties`, `/log`. Every page is sent with a
//! strict Content-Security-Policy (no script at all, styles from this
//! origin only) and every form carries the session's CSRF token (see
//! [`crate::auth`]). Downloads link to the REST API, which accepts the
//! session cookie.

pub mod dashboard;
pub mod log;
pub mod login;
pub mod notifications;
pub mod parties;
pub mod replies;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use countersign_core::evidence::Sufficiency;
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_node::access::Viewer;
use maud::{DOCTYPE, Markup, html};

use crate::auth::UiSession;
use crate::error::ApiError;

/// The style sheet, embedded.
pub const STYLE_CSS: &str = include_str!("assets/style.css");

/// `GET /assets/style.css`.
pub async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        STYLE_CSS,
    )
        .into_response()
}

/// A whole page with the security headers every page gets.
pub fn page(
    status: StatusCode,
    title: &str,
    session: Option<&UiSession>,
    content: Markup,
) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · countersign" }
                link rel="stylesheet" href="/assets/style.css";
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    a.brand href="/" { "countersign" }
                    @if let Some(s) = session {
                        nav aria-label="Main" {
                            a href="/dashboard" { "Dashboard" }
                            a href="/" { "Notifications" }
                            a href="/notifications/new" { "File a notification" }
                            a href="/parties" { "Parties" }
                            a href="/log" { "Log" }
                        }
                        div.who {
                            (who(&s.viewer))
                            form method="post" action="/logout" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                button type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main id="main" { (content) }
                footer {
                    "countersign " (env!("CARGO_PKG_VERSION")) " · "
                    a href="/v1/openapi.json" { "REST API (OpenAPI)" }
                }
            }
        }
    };
    let mut response = (status, markup.into_string()).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn who(viewer: &Viewer) -> Markup {
    match viewer {
        Viewer::User {
            username,
            party,
            role,
        } => html! {
            span { (username) " · " (party.as_str()) " · " (role.as_str()) }
        },
        _ => html! { span { "operator" } },
    }
}

/// An error as a page.
pub fn error_page(session: Option<&UiSession>, err: &ApiError) -> Response {
    err.log();
    let title = err.status.canonical_reason().unwrap_or("Error").to_owned();
    page(
        err.status,
        &title,
        session,
        html! {
            h1 { (title) }
            p.error role="alert" { (err.public_message()) }
            p { a href="/" { "Back to the notifications" } }
        },
    )
}

/// The evidence sufficiency badge; `none` is shown as a warning.
pub fn sufficiency_badge(s: Sufficiency) -> Markup {
    html! {
        span class={ "badge suff suff-" (s.as_str()) } title=(s.explanation()) { (s.label()) }
    }
}

pub fn tlp_badge(tlp: Tlp) -> Markup {
    html! {
        span class={ "badge tlp tlp-" (tlp.as_str().replace('+', "-")) } { (tlp.label()) }
    }
}

pub fn severity_badge(s: countersign_core::notification::Severity) -> Markup {
    html! { span class={ "sev sev-" (s.as_str()) } { (s.as_str()) } }
}

/// A time for people, with the exact value in `datetime`.
pub fn time(t: Timestamp) -> Markup {
    html! {
        time datetime=(t.to_string()) { (t.datetime().format("%Y-%m-%d %H:%M UTC")) }
    }
}

/// A deadline, marked when it has passed.
pub fn deadline(t: Timestamp) -> Markup {
    let passed = t.datetime() < Utc::now();
    html! {
        (time(t))
        @if passed { " " span.passed { "passed" } }
    }
}

/// Percent-encodes a query component.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `a=1&b=2` from the non-empty pairs.
pub fn query_string<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    pairs
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Human-readable byte counts.
/// A multipart file field as (file name, bytes), or `None` when no file
/// was chosen (browsers send an empty part for an empty file input).
pub async fn file_field(
    field: axum::extract::multipart::Field<'_>,
) -> Result<Option<(String, Vec<u8>)>, axum::extract::multipart::MultipartError> {
    let name = field.file_name().unwrap_or_default().to_owned();
    let bytes = field.bytes().await?;
    Ok((!bytes.is_empty()).then(|| (name, bytes.to_vec())))
}

pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(encode("a b&c/é"), "a%20b%26c%2F%C3%A9");
        assert_eq!(
            query_string([("q", "x y"), ("tlp", ""), ("cursor", "ab")]),
            "q=x%20y&cursor=ab"
        );
        assert_eq!(bytes(10), "10 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(3 * 1024 * 1024), "3.0 MiB");
    }

    #[test]
    fn the_unsubstantiated_badge_is_a_warning() {
        let html = sufficiency_badge(Sufficiency::None).into_string();
        assert!(html.contains("suff-none"), "{html}");
        assert!(html.contains("unsubstantiated"), "{html}");
    }
}
