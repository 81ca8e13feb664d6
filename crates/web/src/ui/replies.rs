//! The answer side of a notification page: the reply form (an analyst of
//! a recipient), the rate form on each reply (an analyst of the notifier,
//! pre-filled with the documented rule's proposal,
//! `countersign_core::reply::propose_rating`), the obligations table per
//! recipient (stage, deadlines met, late or overdue) and the timeline of
//! every event with its proof state (signed, receipt verified, in the log,
//! witnessed by N cosigners). Kept apart from `notifications.rs`, which
//! renders the page these sections sit on.

use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use countersign_core::access::Role;
use countersign_core::ids::EnvelopeId;
use countersign_core::reply::{Reply, ReplyKind, ReplyQuality, propose_rating};
use countersign_node::Node;
use countersign_node::notify::NotificationDetail;
use countersign_node::obligations::{ProofState, Timeline, TimelineEvent, TimelineEventKind};
use maud::{Markup, html};
use serde::Deserialize;

use super::notifications::detail_view;
use super::time;
use crate::auth::UiSession;
use crate::error::{ApiError, ApiPath};

// ---------------------------------------------------------------------------
// Replying.

/// The values and errors of the forms on a notification page, kept to show
/// them again after a failed post (nothing was written then).
#[derive(Debug, Clone, Default)]
pub(super) struct PageForms {
    reply: ReplyForm,
    reply_error: Option<ApiError>,
    /// The rate form of one reply that failed.
    rate: Option<(EnvelopeId, RateForm, ApiError)>,
}

impl PageForms {
    pub(super) fn error(&self) -> Option<&ApiError> {
        self.reply_error
            .as_ref()
            .or(self.rate.as_ref().map(|(_, _, e)| e))
    }
}

/// What the reply form sent.
#[derive(Debug, Clone, Default)]
struct ReplyForm {
    csrf: String,
    kind: String,
    text: String,
    reason: String,
    /// The uploaded STIX bundle file: its name and bytes.
    evidence: Option<(String, Vec<u8>)>,
}

impl ReplyForm {
    async fn read(mut multipart: Multipart) -> Result<ReplyForm, ApiError> {
        let mut form = ReplyForm::default();
        while let Some(field) = multipart.next_field().await? {
            let name = field.name().unwrap_or_default().to_owned();
            if name == "evidence" {
                form.evidence = super::file_field(field).await?;
                continue;
            }
            let value = field.text().await?;
            match name.as_str() {
                "csrf" => form.csrf = value,
                "kind" => form.kind = value,
                "text" => form.text = value,
                "reason" => form.reason = value,
                other => {
                    return Err(ApiError::invalid(format!("unknown form field {other:?}")));
                }
            }
        }
        Ok(form)
    }

    /// The domain reply; the node checks the rest (reason for declined,
    /// the bundle as STIX 2.1).
    fn to_reply(&self) -> Result<Reply, ApiError> {
        let kind = ReplyKind::parse(self.kind.trim()).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("kind: {}", e.message),
            )
        })?;
        let evidence = match &self.evidence {
            None => None,
            Some((name, bytes)) => Some(serde_json::from_slice(bytes).map_err(|e| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_stix",
                    format!("evidence file {name:?} is not JSON ({e}); choose a STIX 2.1 bundle"),
                )
            })?),
        };
        let reason = Some(self.reason.trim().to_owned()).filter(|r| !r.is_empty());
        Ok(Reply {
            kind,
            text: self.text.trim().to_owned(),
            reason,
            evidence,
        })
    }
}

/// Whether the page offers the reply form: an analyst of a recipient.
pub(super) fn may_reply(session: &UiSession, d: &NotificationDetail) -> bool {
    session.viewer.require(Role::Analyst).is_ok()
        && session
            .viewer
            .party()
            .is_some_and(|p| d.envelope.envelope().to.contains(p))
}

pub(super) fn reply_form(id: &str, session: &UiSession, forms: &PageForms) -> Markup {
    let f = &forms.reply;
    html! {
        form.reply method="post" action={ "/notifications/" (id) "/reply" }
            enctype="multipart/form-data" aria-labelledby="reply-form" {
            h3 id="reply-form" { "Reply" }
            @if let Some(e) = &forms.reply_error {
                p.error role="alert" {
                    (e.public_message())
                    @if f.evidence.is_some() { " Choose the evidence file again before sending." }
                }
            }
            input type="hidden" name="csrf" value=(session.csrf);
            @if let Some(p) = session.viewer.party() { p { "Sent as " strong { (p.as_str()) } ", signed with its key, to the notifier." } }
            div.field {
                label for="reply-kind" { "Kind" }
                select id="reply-kind" name="kind" required {
                    option value="" { "choose…" }
                    @for k in ReplyKind::ALL {
                        option value=(k.as_str()) selected[f.kind == k.as_str()] { (k.as_str()) }
                    }
                }
            }
            div.field {
                label for="reply-text" { "Text" }
                textarea id="reply-text" name="text" rows="5" { (f.text) }
            }
            div.field {
                label for="reply-reason" { "Reason (required when declining)" }
                input id="reply-reason" name="reason" type="text" maxlength="2000" value=(f.reason);
            }
            div.field {
                label for="reply-evidence" { "Evidence: a STIX 2.1 bundle file (JSON)" }
                input id="reply-evidence" name="evidence" type="file" accept=".json,application/json,application/stix+json";
            }
            div.actions { button type="submit" { "Sign and send the reply" } }
        }
    }
}

/// `POST /notifications/{id}/reply`: signs and sends a reply, then shows
/// the notification again.
pub async fn reply(
    State(node): State<Node>,
    session: UiSession,
    headers: HeaderMap,
    path: Result<ApiPath<String>, ApiError>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    if let Err(e) = session.viewer.require(Role::Analyst) {
        return super::error_page(Some(&session), &e.into());
    }
    let id = match path.and_then(|ApiPath(id)| EnvelopeId::parse(&id).map_err(ApiError::from)) {
        Ok(id) => id,
        Err(e) => return super::error_page(Some(&session), &e),
    };
    let form = match multipart {
        Ok(m) => ReplyForm::read(m).await,
        Err(e) => Err(e.into()),
    };
    let form = match form {
        Ok(f) => f,
        Err(e) => return super::error_page(Some(&session), &e),
    };
    if let Err(e) = session.check_form(&headers, &form.csrf) {
        return super::error_page(Some(&session), &e);
    }
    let result = match form.to_reply() {
        Ok(r) => node
            .reply(&session.viewer, &id, None, r)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/notifications/{id}#replies")).into_response(),
        Err(e) if matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => {
            super::error_page(Some(&session), &e)
        }
        Err(e) => {
            let forms = PageForms {
                reply: form,
                reply_error: Some(e.clone()),
                rate: None,
            };
            // Not visible (or gone): say so, as the page would.
            detail_view(&node, &session, &id, &forms)
                .await
                .unwrap_or_else(|_| super::error_page(Some(&session), &e))
        }
    }
}

// ---------------------------------------------------------------------------
// Lifecycle and timeline.

/// Per recipient: the stage, and each deadline met, late, overdue or open.
pub(super) fn lifecycle_table(t: &Timeline) -> Markup {
    let flag = |done: Option<countersign_core::time::Timestamp>, late: bool, overdue: bool| {
        html! {
            @if overdue { span.badge.overdue { "overdue" } }
            @else if let Some(at) = done {
                (time(at)) @if late { " " span.badge.late { "late" } }
            } @else { span.muted { "open" } }
        }
    };
    html! {
        section aria-labelledby="lifecycle-h" {
            h2 id="lifecycle-h" { "Obligations" }
            table #lifecycle {
                thead { tr {
                    th scope="col" { "Recipient" } th scope="col" { "Stage" }
                    th scope="col" { "Delivered" } th scope="col" { "Acknowledged" }
                    th scope="col" { "Answered" } th scope="col" { "Rating" }
                } }
                tbody {
                    @for r in &t.recipients {
                        @let l = &r.lifecycle;
                        tr data-recipient=(r.party.as_str()) data-stage=(l.stage.as_str()) {
                            th scope="row" { (r.party.as_str()) }
                            td {
                                (super::dashboard::stage_badge(l.stage))
                                @if l.delivery_failed { " " span.badge.overdue { "delivery failed" } }
                            }
                            td { (flag(l.delivered_at, false, false)) }
                            td { (flag(l.acknowledged_at, l.ack_late, l.overdue_ack)) }
                            td { (flag(l.answered_at, l.answer_late, l.overdue_reply)) }
                            td {
                                @match l.quality() {
                                    Some(q) => { span class={ "badge q-badge-" (q.as_str()) } { (q.as_str()) } }
                                    None => { span.muted { "none" } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn proof_badges(p: &ProofState) -> Markup {
    html! {
        span.proofs {
            @if p.signed { span.badge.proof.proof-signed title="the signature verifies against the sender's key in the directory" { "signed" } }
            @else { span.badge.proof-bad.proof-signed title="the signature does not verify against the directory now" { "signature not verified" } }
            @match p.receipt_verified {
                Some(true) => { span.badge.proof.proof-receipt title="a verified receipt is held for every recipient" { "receipt verified" } }
                Some(false) => { span.badge.proof-missing title="no verified receipt yet" { "no receipt yet" } }
                None => {}
            }
            @match p.log_index {
                Some(i) => { span.badge.proof.proof-logged title="the envelope's leaf index in this node's transparency log" { "in log #" (i) } }
                None => { span.badge.proof-missing { "not in the log yet" } }
            }
            @if p.witnessed > 0 {
                span.badge.proof.proof-witnessed data-witnessed=(p.witnessed) title="peers' witnesses that cosigned a checkpoint covering this leaf" {
                    "witnessed by " (p.witnessed) @if p.witnessed == 1 { " cosigner" } @else { " cosigners" }
                }
            } @else {
                span.badge.proof-missing data-witnessed="0" { "not witnessed yet" }
            }
        }
    }
}

fn event_text(e: &TimelineEvent) -> Markup {
    html! {
        @match &e.kind {
            TimelineEventKind::Sent => { "Sent by " (e.from.as_str()) }
            TimelineEventKind::Delivered { to } => { "Delivered to " (to.as_str()) ", receipt signed by " (e.from.as_str()) }
            TimelineEventKind::Reply { kind } => { "Reply (" (kind.as_str()) ") from " (e.from.as_str()) }
            TimelineEventKind::Rating { quality, close, supersedes, .. } => {
                "Rated " span class={ "badge q-badge-" (quality.as_str()) } { (quality.as_str()) } " by " (e.from.as_str())
                @if *close { " " span.badge.stage.stage-closed { "closed" } }
                @if supersedes.is_some() { " " span.muted { "(replaces an earlier rating)" } }
            }
        }
    }
}

fn event_kind(k: &TimelineEventKind) -> &'static str {
    match k {
        TimelineEventKind::Sent => "sent",
        TimelineEventKind::Delivered { .. } => "delivered",
        TimelineEventKind::Reply { .. } => "reply",
        TimelineEventKind::Rating { .. } => "rating",
    }
}

pub(super) fn timeline_section(t: &Timeline) -> Markup {
    html! {
        section id="timeline" aria-labelledby="timeline-h" {
            h2 id="timeline-h" { "Timeline" }
            ol.timeline {
                @for e in &t.events {
                    li data-kind=(event_kind(&e.kind)) data-envelope=(e.envelope.to_string()) {
                        (time(e.at)) " " span.what { (event_text(e)) }
                        (proof_badges(&e.proof))
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Rating.

/// The newest rating of a reply, from the timeline.
pub(super) fn current_rating(t: &Timeline, reply: &EnvelopeId) -> Option<ReplyQuality> {
    t.events.iter().rev().find_map(|e| match &e.kind {
        TimelineEventKind::Rating {
            quality, reply: r, ..
        } if r == reply => Some(*quality),
        _ => None,
    })
}

/// Whether the page offers rate forms: an analyst of the notifier.
pub(super) fn may_rate(session: &UiSession, d: &NotificationDetail) -> bool {
    session.viewer.require(Role::Analyst).is_ok()
        && session
            .viewer
            .party()
            .is_some_and(|p| *p == d.envelope.envelope().from)
}

/// What a rate form sent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub quality: String,
    #[serde(default)]
    pub reason: String,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub close: Option<String>,
}

pub(super) fn rate_form(
    notification: &str,
    reply_id: &EnvelopeId,
    reply: &Reply,
    session: &UiSession,
    forms: &PageForms,
) -> Markup {
    let proposal = propose_rating(reply);
    // An acknowledgement needs no rating.
    let Some(proposed) = proposal.quality else {
        return html! {};
    };
    let failed = forms.rate.as_ref().filter(|(r, _, _)| r == reply_id);
    let (quality, reason, close) = match failed {
        Some((_, f, _)) => (f.quality.clone(), f.reason.clone(), f.close.is_some()),
        None => (proposed.as_str().to_owned(), proposal.reason.clone(), false),
    };
    let rid = reply_id.to_string();
    html! {
        form.rate method="post" action={ "/notifications/" (notification) "/replies/" (rid) "/rating" }
            aria-label="Rate this reply" {
            @if let Some((_, _, e)) = failed { p.error role="alert" { (e.public_message()) } }
            input type="hidden" name="csrf" value=(session.csrf);
            p.rule {
                "The rule proposes " strong { (proposed.as_str()) } ": " (proposal.reason) "."
            }
            div.field {
                label for={ "quality-" (rid) } { "Rating" }
                select id={ "quality-" (rid) } name="quality" {
                    @for q in ReplyQuality::ALL {
                        option value=(q.as_str()) selected[quality == q.as_str()] { (q.as_str()) }
                    }
                }
            }
            div.field {
                label for={ "reason-" (rid) } { "Reason" }
                input id={ "reason-" (rid) } name="reason" type="text" required maxlength="2000" value=(reason);
            }
            div.check {
                input id={ "close-" (rid) } name="close" type="checkbox" value="1" checked[close];
                label for={ "close-" (rid) } { "Close the matter with this rating (final)" }
            }
            div.actions { button type="submit" { "Sign the rating" } }
        }
    }
}

/// `POST /notifications/{id}/replies/{reply}/rating`: the notifier rates
/// a reply to this notification, then sees the notification again.
pub async fn rate(
    State(node): State<Node>,
    session: UiSession,
    headers: HeaderMap,
    path: Result<ApiPath<(String, String)>, ApiError>,
    form: Result<Form<RateForm>, FormRejection>,
) -> Response {
    if let Err(e) = session.viewer.require(Role::Analyst) {
        return super::error_page(Some(&session), &e.into());
    }
    let ids = path.and_then(|ApiPath((n, r))| {
        Ok((
            EnvelopeId::parse(&n).map_err(ApiError::from)?,
            EnvelopeId::parse(&r).map_err(ApiError::from)?,
        ))
    });
    let (id, reply_id) = match ids {
        Ok(ids) => ids,
        Err(e) => return super::error_page(Some(&session), &e),
    };
    let form = match form {
        Ok(Form(f)) => f,
        Err(e) => {
            let e = ApiError::invalid(e.body_text());
            return super::error_page(Some(&session), &e);
        }
    };
    if let Err(e) = session.check_form(&headers, &form.csrf) {
        return super::error_page(Some(&session), &e);
    }
    let result = async {
        // The reply must answer this notification (the path says so).
        let d = node.get_notification(&session.viewer, &id).await?;
        if !d.replies.iter().any(|r| r.envelope.id() == reply_id) {
            return Err(ApiError::not_found(format!(
                "{reply_id} is not a reply to this notification"
            )));
        }
        let quality = ReplyQuality::parse(form.quality.trim()).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                format!("rating: {}", e.message),
            )
        })?;
        node.rate(
            &session.viewer,
            &reply_id,
            quality,
            form.reason.trim(),
            form.close.is_some(),
        )
        .await
        .map_err(ApiError::from)
    }
    .await;
    match result {
        Ok(_) => Redirect::to(&format!("/notifications/{id}#replies")).into_response(),
        // Not the notifier, or nothing to rate here: there is no form to
        // show again.
        Err(e) if matches!(e.status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND) => {
            super::error_page(Some(&session), &e)
        }
        Err(e) => {
            let forms = PageForms {
                rate: Some((reply_id, form, e.clone())),
                ..PageForms::default()
            };
            detail_view(&node, &session, &id, &forms)
                .await
                .unwrap_or_else(|_| super::error_page(Some(&session), &e))
        }
    }
}
