//! Who is asking: bearer tokens, the session cookie, and CSRF defences.
//!
//! A request authenticates with `Authorization: Bearer <secret>` (an API
//! token or a session secret) or with the `cs_session` cookie the login
//! sets; both are checked by `Node::authenticate`. A bearer header, when
//! present, is the only credential looked at.
//!
//! # CSRF
//!
//! The session cookie is `HttpOnly; SameSite=Strict; Path=/`, so browsers
//! do not send it with requests started by other sites. On top of that,
//! every state-changing request authenticated by the cookie is refused when
//! `Sec-Fetch-Site` says `cross-site` or an `Origin` header names another
//! host than `Host` ([`check_same_origin`]), and every web UI form carries
//! a per-session token ([`csrf_token`]: a hash of the session secret, so
//! nothing is stored and it cannot be computed without the cookie) that
//! the handler compares. Bearer-authenticated requests need none of this:
//! browsers never add that header on their own.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use countersign_core::access::Role;
use countersign_node::Node;
use countersign_node::access::Viewer;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The name of the login cookie.
pub const SESSION_COOKIE: &str = "cs_session";

/// The credential a request came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Bearer(String),
    Cookie(String),
}

impl Credential {
    pub fn secret(&self) -> &str {
        match self {
            Credential::Bearer(s) | Credential::Cookie(s) => s,
        }
    }
}

/// An authenticated API request: any route but the public ones takes it.
#[derive(Debug, Clone)]
pub struct Authed {
    pub viewer: Viewer,
    pub credential: Credential,
}

impl FromRequestParts<Node> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, node: &Node) -> Result<Self, ApiError> {
        let credential = credential(&parts.headers)?.ok_or_else(|| {
            ApiError::unauthenticated(
                "authentication required: send Authorization: Bearer <token>, or log in with POST /v1/session",
            )
        })?;
        if matches!(credential, Credential::Cookie(_)) && !parts.method.is_safe() {
            check_same_origin(&parts.headers)?;
        }
        let viewer = node.authenticate(credential.secret()).await?;
        Ok(Authed { viewer, credential })
    }
}

/// An authenticated API request by an admin: the role is checked before
/// the body is read, so a caller without it learns nothing about its input.
#[derive(Debug, Clone)]
pub struct AdminUser(pub Authed);

/// An authenticated API request by an analyst or admin; see [`AdminUser`].
#[derive(Debug, Clone)]
pub struct AnalystUser(pub Authed);

async fn with_role(parts: &mut Parts, node: &Node, role: Role) -> Result<Authed, ApiError> {
    let authed = Authed::from_request_parts(parts, node).await?;
    authed.viewer.require(role)?;
    Ok(authed)
}

impl FromRequestParts<Node> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, node: &Node) -> Result<Self, ApiError> {
        with_role(parts, node, Role::Admin).await.map(AdminUser)
    }
}

impl FromRequestParts<Node> for AnalystUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, node: &Node) -> Result<Self, ApiError> {
        with_role(parts, node, Role::Analyst).await.map(AnalystUser)
    }
}

/// The bearer token, else the session cookie, else nothing. A malformed
/// `Authorization` header is an error rather than ignored.
pub fn credential(headers: &HeaderMap) -> Result<Option<Credential>, ApiError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let text = value.to_str().unwrap_or_default();
        let token = text
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty());
        return match token {
            Some(t) => Ok(Some(Credential::Bearer(t.to_owned()))),
            None => Err(ApiError::unauthenticated(
                "the Authorization header must be `Bearer <token>`",
            )),
        };
    }
    Ok(session_cookie(headers).map(Credential::Cookie))
}

/// The value of the `cs_session` cookie, if sent.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == SESSION_COOKIE && !value.is_empty())
        .map(|(_, value)| value.trim_matches('"').to_owned())
}

/// `Set-Cookie` for a new session.
pub fn session_cookie_header(secret: &str, max_age_seconds: u64) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_seconds}"
    ))
    .map_err(|e| ApiError::internal(format!("session secret is not a header value: {e}")))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie_header() -> HeaderValue {
    HeaderValue::from_static("cs_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// Refuses a browser request that another site started: see the module
/// documentation. Requests without `Origin` and `Sec-Fetch-Site` (older
/// browsers, programs) pass; the SameSite cookie still protects them.
pub fn check_same_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let refuse = || ApiError::forbidden("cross-site request refused");
    if headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cross-site"))
    {
        return Err(refuse());
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin_host = origin
        .to_str()
        .ok()
        .and_then(|o| o.split_once("://"))
        .map(|(_, host)| host.trim_end_matches('/'));
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    match (origin_host, host) {
        (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
        _ => Err(refuse()),
    }
}

/// The CSRF token of a session: derived from its secret, so it needs no
/// storage and only the holder of the cookie can know it.
pub fn csrf_token(session_secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"countersign/csrf/v1\n");
    h.update(session_secret.as_bytes());
    hex::encode(h.finalize())
}

/// Compares without stopping at the first difference.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A logged-in web UI user; without a valid session cookie the request is
/// redirected to the login page.
#[derive(Debug, Clone)]
pub struct UiSession {
    pub viewer: Viewer,
    pub secret: String,
    /// The token every form of this session carries.
    pub csrf: String,
}

impl UiSession {
    /// Checks a submitted form's CSRF token and the request's origin.
    pub fn check_form(&self, headers: &HeaderMap, token: &str) -> Result<(), ApiError> {
        check_same_origin(headers)?;
        if same_token(token, &self.csrf) {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "the form's security token does not match your session; reload the page and try again",
            ))
        }
    }
}

impl FromRequestParts<Node> for UiSession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, node: &Node) -> Result<Self, Response> {
        let to_login = || {
            let mut r = Redirect::to("/login").into_response();
            r.headers_mut()
                .insert(header::SET_COOKIE, clear_cookie_header());
            r
        };
        let Some(secret) = session_cookie(&parts.headers) else {
            return Err(Redirect::to("/login").into_response());
        };
        match node.authenticate(&secret).await {
            Ok(viewer) => Ok(UiSession {
                viewer,
                csrf: csrf_token(&secret),
                secret,
            }),
            Err(e) if e.kind == countersign_node::NodeErrorKind::Unauthenticated => Err(to_login()),
            Err(e) => Err(crate::ui::error_page(None, &ApiError::from(e))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn credentials() {
        let h = headers(&[
            ("authorization", "Bearer abc"),
            ("cookie", "cs_session=zzz"),
        ]);
        assert_eq!(
            credential(&h).unwrap(),
            Some(Credential::Bearer("abc".into()))
        );
        let h = headers(&[("cookie", "a=1; cs_session=zzz; b=2")]);
        assert_eq!(
            credential(&h).unwrap(),
            Some(Credential::Cookie("zzz".into()))
        );
        assert!(credential(&headers(&[("authorization", "Basic abc")])).is_err());
        assert_eq!(credential(&headers(&[])).unwrap(), None);
    }

    #[test]
    fn origins() {
        assert!(check_same_origin(&headers(&[])).is_ok());
        let same = headers(&[
            ("origin", "http://127.0.0.1:8080"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(check_same_origin(&same).is_ok());
        let other = headers(&[
            ("origin", "https://evil.example"),
            ("host", "127.0.0.1:8080"),
        ]);
        assert!(check_same_origin(&other).is_err());
        assert!(check_same_origin(&headers(&[("origin", "null"), ("host", "x")])).is_err());
        assert!(check_same_origin(&headers(&[("sec-fetch-site", "cross-site")])).is_err());
    }

    #[test]
    fn csrf_tokens() {
        let t = csrf_token("secret");
        assert!(same_token(&t, &csrf_token("secret")));
        assert!(!same_token(&t, &csrf_token("other")));
        assert!(!same_token(&t, ""));
    }
}
