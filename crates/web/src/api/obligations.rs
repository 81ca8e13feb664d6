//! Reply obligations over REST (issue 5): rating a reply, the rule's
//! proposal, a notification's timeline, the overdue and soon-due lists,
//! scorecards, and the scorecard report as a self-contained HTML file.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use countersign_core::ids::EnvelopeId;
use countersign_core::reply::ReplyQuality;
use countersign_node::obligations::ScorecardQuery;
use countersign_node::{Node, now};

use crate::auth::{AnalystUser, Authed};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery};
use crate::wire::{
    DueListsOut, DueQuery, ErrorOut, RatingIn, RatingOut, RatingProposalOut, ScorecardOut,
    ScorecardParams, ScorecardsOut, TimelineOut,
};

/// The notifier rates a reply to its notification: a signed `rating`
/// envelope to the replier (`refs` = reply, notification), stored,
/// logged and queued for delivery. A later rating of the same reply
/// supersedes the earlier; `close` closes the matter for good. With
/// `accept_proposal` the documented rule's proposal is signed. Analysts
/// and admins of the notifying party.
#[utoipa::path(
    post, path = "/v1/replies/{id}/rating", operation_id = "rate_reply", tag = "obligations",
    params(("id" = String, Path, description = "The reply's envelope id")),
    request_body = RatingIn,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 201, description = "Signed and stored; delivery queued", body = RatingOut),
        (status = 400, description = "Invalid field, not a reply, or an acknowledgement's proposal accepted", body = ErrorOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 403, description = "Viewer role, or not the notifier", body = ErrorOut),
        (status = 404, description = "No such reply, or not visible", body = ErrorOut),
        (status = 422, description = "Unknown fields", body = ErrorOut),
    )
)]
pub async fn rate(
    State(node): State<Node>,
    AnalystUser(auth): AnalystUser,
    ApiPath(id): ApiPath<String>,
    ApiJson(input): ApiJson<RatingIn>,
) -> Result<Response, ApiError> {
    let id = EnvelopeId::parse(&id)?;
    let (quality, reason) = if input.accept_proposal {
        if input.quality.is_some() {
            return Err(invalid("give either quality or accept_proposal, not both"));
        }
        let proposal = node.rating_proposal(&auth.viewer, &id).await?;
        let quality = proposal
            .quality
            .ok_or_else(|| invalid(format!("{}: there is nothing to accept", proposal.reason)))?;
        let reason = input
            .reason
            .filter(|r| !r.trim().is_empty())
            .unwrap_or(proposal.reason);
        (quality, reason)
    } else {
        let quality = input
            .quality
            .as_deref()
            .ok_or_else(|| invalid("quality: give substantive or formal"))?;
        let quality =
            ReplyQuality::parse(quality).map_err(|e| invalid(format!("quality: {}", e.message)))?;
        (quality, input.reason.unwrap_or_default())
    };
    let signed = node
        .rate(&auth.viewer, &id, quality, &reason, input.close)
        .await?;
    let out = RatingOut::from_signed(&signed)?;
    Ok(super::parties::created(
        &format!("/v1/notifications/{}/timeline", out.notification),
        Json(out),
    ))
}

/// What the documented rule proposes for a reply (findings or action
/// taken with content or evidence: substantive; interim, request or
/// refusal without evidence: formal; an acknowledgement needs none).
#[utoipa::path(
    get, path = "/v1/replies/{id}/rating-proposal", operation_id = "get_rating_proposal", tag = "obligations",
    params(("id" = String, Path, description = "The reply's envelope id")),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The proposal", body = RatingProposalOut),
        (status = 400, description = "Not a reply", body = ErrorOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 404, description = "No such reply, or not visible", body = ErrorOut),
    )
)]
pub async fn proposal(
    State(node): State<Node>,
    auth: Authed,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<RatingProposalOut>, ApiError> {
    let id = EnvelopeId::parse(&id)?;
    let p = node.rating_proposal(&auth.viewer, &id).await?;
    Ok(Json(RatingProposalOut::from(&p)))
}

/// A notification's lifecycle per recipient and its events (sent,
/// delivered, replies, ratings), each with its proof state. Visible as
/// the notification is (TLP).
#[utoipa::path(
    get, path = "/v1/notifications/{id}/timeline", operation_id = "get_timeline", tag = "obligations",
    params(("id" = String, Path, description = "The notification's envelope id")),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The timeline", body = TimelineOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
        (status = 404, description = "Unknown or not visible", body = ErrorOut),
    )
)]
pub async fn timeline(
    State(node): State<Node>,
    auth: Authed,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<TimelineOut>, ApiError> {
    let id = EnvelopeId::parse(&id)?;
    let t = node.timeline(&auth.viewer, &id).await?;
    Ok(Json(TimelineOut::from(&t)))
}

/// Overdue and soon-due obligations of the caller's party, both
/// directions (`out`: the counterpart owes us; `in`: we owe it).
#[utoipa::path(
    get, path = "/v1/obligations/due", operation_id = "get_due", tag = "obligations",
    params(DueQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The two lists", body = DueListsOut),
        (status = 400, description = "Bad soon_hours", body = ErrorOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
    )
)]
pub async fn due(
    State(node): State<Node>,
    auth: Authed,
    ApiQuery(query): ApiQuery<DueQuery>,
) -> Result<Json<DueListsOut>, ApiError> {
    let hours = query.soon_hours.unwrap_or(24);
    if !(0..=8760).contains(&hours) {
        return Err(invalid("soon_hours: give a number of hours from 0 to 8760"));
    }
    let lists = node.due_lists(&auth.viewer, hours * 3600).await?;
    Ok(Json(DueListsOut::from(&lists)))
}

async fn cards(
    node: &Node,
    auth: &Authed,
    params: &ScorecardParams,
) -> Result<(ScorecardQuery, Vec<countersign_core::scorecard::Scorecard>), ApiError> {
    let query = params.to_query(now())?;
    let cards = node.scorecards(&auth.viewer, &query).await?;
    Ok((query, cards))
}

/// Scorecards of the caller's party per counterpart and direction over a
/// period (default the last 90 days).
#[utoipa::path(
    get, path = "/v1/scorecards", operation_id = "get_scorecards", tag = "obligations",
    params(ScorecardParams),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The scorecards", body = ScorecardsOut),
        (status = 400, description = "Bad period, counterpart or direction", body = ErrorOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
    )
)]
pub async fn scorecards(
    State(node): State<Node>,
    auth: Authed,
    ApiQuery(params): ApiQuery<ScorecardParams>,
) -> Result<Json<ScorecardsOut>, ApiError> {
    let (query, cards) = cards(&node, &auth, &params).await?;
    Ok(Json(ScorecardsOut {
        period_start: query.period.start.to_string(),
        period_end: query.period.end.to_string(),
        scorecards: cards.iter().map(ScorecardOut::from).collect(),
    }))
}

/// The scorecards as one self-contained HTML file (inline CSS and SVG
/// charts, no script, no external URL), to forward as it is.
#[utoipa::path(
    get, path = "/v1/scorecards/report", operation_id = "get_scorecard_report", tag = "obligations",
    params(ScorecardParams),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The report", content_type = "text/html"),
        (status = 400, description = "Bad period, counterpart or direction", body = ErrorOut),
        (status = 401, description = "Not authenticated", body = ErrorOut),
    )
)]
pub async fn report(
    State(node): State<Node>,
    auth: Authed,
    ApiQuery(params): ApiQuery<ScorecardParams>,
) -> Result<Response, ApiError> {
    let (query, cards) = cards(&node, &auth, &params).await?;
    let parties = match auth.viewer.party() {
        Some(p) => vec![p.to_string()],
        None => node
            .hosted_parties()
            .iter()
            .map(ToString::to_string)
            .collect(),
    };
    let html = crate::report::render_report(&crate::report::ReportInput {
        parties,
        generated: now(),
        period: query.period,
        scorecards: &cards,
        checkpoint: node.log_checkpoint().await.ok(),
    });
    let mut response = html.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(csp) = HeaderValue::from_str(&crate::report::content_security_policy()) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

/// A 400 with the stable code `invalid`.
fn invalid(message: impl Into<String>) -> ApiError {
    countersign_node::NodeError::invalid(message.into()).into()
}
