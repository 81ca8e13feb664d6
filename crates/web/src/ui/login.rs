//! Logging in and out of the web UI.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use countersign_node::{Node, NodeErrorKind};
use maud::{Markup, html};
use serde::Deserialize;

use crate::auth::{self, UiSession};
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

fn login_form(username: &str, error: Option<&str>) -> Markup {
    html! {
        section.login {
            h1 { "Log in" }
            @if let Some(e) = error {
                p.error role="alert" { (e) }
            }
            form method="post" action="/login" {
                label for="username" { "Username" }
                input id="username" name="username" type="text" autocomplete="username" required value=(username);
                label for="password" { "Password" }
                input id="password" name="password" type="password" autocomplete="current-password" required;
                button type="submit" { "Log in" }
            }
        }
    }
}

/// `GET /login`.
pub async fn show() -> Response {
    super::page(StatusCode::OK, "Log in", None, login_form("", None))
}

/// `POST /login`: checks the password, sets the session cookie and goes
/// to the notification list.
pub async fn submit(
    State(node): State<Node>,
    headers: HeaderMap,
    form: Result<Form<LoginForm>, FormRejection>,
) -> Response {
    if let Err(e) = auth::check_same_origin(&headers) {
        return super::error_page(None, &e);
    }
    let Form(form) = match form {
        Ok(f) => f,
        Err(e) => return super::error_page(None, &ApiError::invalid(e.body_text())),
    };
    match node.login(&form.username, &form.password).await {
        Ok((secret, _user)) => {
            match auth::session_cookie_header(&secret, crate::api::session::session_seconds()) {
                Ok(cookie) => {
                    // Land on what is due and overdue: that is what an
                    // analyst opens the tool for.
                    let mut r = Redirect::to("/dashboard").into_response();
                    r.headers_mut().insert(header::SET_COOKIE, cookie);
                    r
                }
                Err(e) => super::error_page(None, &e),
            }
        }
        Err(e) if e.kind == NodeErrorKind::Unauthenticated => super::page(
            StatusCode::UNAUTHORIZED,
            "Log in",
            None,
            login_form(&form.username, Some("Wrong username or password.")),
        ),
        Err(e) => super::error_page(None, &e.into()),
    }
}

/// `POST /logout`.
pub async fn logout(
    State(node): State<Node>,
    session: UiSession,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let token = form.map(|Form(f)| f.csrf).unwrap_or_default();
    if let Err(e) = session.check_form(&headers, &token) {
        return super::error_page(Some(&session), &e);
    }
    if let Err(e) = node.logout(&session.secret).await {
        return super::error_page(Some(&session), &e.into());
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut()
        .insert(header::SET_COOKIE, auth::clear_cookie_header());
    r
}
