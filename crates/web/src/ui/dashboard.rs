//! The dashboard (`GET /dashboard`, issue 5): what is overdue and what is
//! due soon, and the scorecards per counterpart and direction over a
//! period chosen with a GET form, with the report's two charts as inline
//! SVG: stacked bars of how the notifications were answered (substantive,
//! formal, unrated, no reply) and a weekly time series per counterpart
//! (sent and answered).
//!
//! The charts are the HTML report's ([`crate::report`]), so the dashboard
//! and the file a ministry receives draw the same figures the same way.
//! They use SVG presentation attributes only: the page's CSP forbids
//! scripts and inline `style` attributes, and needs neither. Every figure
//! is also in the table, so nothing is only in a picture. What is listed
//! comes from the node, which counts only what the viewer's party may see.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use countersign_core::lifecycle::Stage;
use countersign_core::scorecard::{Direction, Percentiles, Period, Scorecard};
use countersign_core::time::Timestamp;
use countersign_node::Node;
use countersign_node::obligations::{DueItem, DueLists, ScorecardQuery};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use super::time;
use crate::auth::UiSession;
use crate::error::ApiError;
use crate::report;

/// "Due soon": a deadline within this many seconds.
pub const SOON_S: i64 = 48 * 3600;
/// The period shown without a choice.
pub const DEFAULT_PERIOD: &str = "90d";
/// Rows of each due list shown unless all are asked for: the dashboard
/// must still show the scorecards below a long backlog.
pub const DUE_ROWS: usize = 10;
/// The periods the selector offers.
const PERIODS: [(&str, &str); 5] = [
    ("7d", "last 7 days"),
    ("30d", "last 30 days"),
    ("90d", "last 90 days"),
    ("182d", "last 6 months"),
    ("365d", "last 12 months"),
];

/// The period selector's fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DashboardQuery {
    /// `30d`, `12w`, … (see [`Period::parse`]); ignored when dates are given.
    #[serde(default)]
    pub period: Option<String>,
    /// First day, `YYYY-MM-DD` (with `until`).
    #[serde(default)]
    pub since: Option<String>,
    /// Last day, included.
    #[serde(default)]
    pub until: Option<String>,
    /// `all`: every due item instead of the first [`DUE_ROWS`] of each list.
    #[serde(default)]
    pub due: Option<String>,
}

impl DashboardQuery {
    /// The period asked for, as of `now`.
    pub fn period(&self, now: Timestamp) -> Result<Period, ApiError> {
        fn given(o: &Option<String>) -> Option<&str> {
            o.as_deref().map(str::trim).filter(|s| !s.is_empty())
        }
        let text = match (given(&self.since), given(&self.until)) {
            (None, None) => given(&self.period).unwrap_or(DEFAULT_PERIOD).to_owned(),
            (Some(a), Some(b)) => format!("{a}..{b}"),
            _ => {
                return Err(ApiError::invalid(
                    "give both the first and the last day of the period, or neither",
                ));
            }
        };
        Period::parse(&text, now).map_err(ApiError::from)
    }

    /// Whether every due item is asked for.
    fn all_due(&self) -> Result<bool, ApiError> {
        match self.due.as_deref().map(str::trim) {
            None | Some("") => Ok(false),
            Some("all") => Ok(true),
            Some(other) => Err(ApiError::invalid(format!(
                "due={other:?}: the only choice is due=all"
            ))),
        }
    }

    /// This page with every due item shown.
    fn all_due_href(&self) -> String {
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        let (period, since, until) = (v(&self.period), v(&self.since), v(&self.until));
        let pairs = [
            ("period", period.as_str()),
            ("since", &since),
            ("until", &until),
            ("due", "all"),
        ];
        format!("/dashboard?{}#due-h", super::query_string(pairs))
    }
}

/// `GET /dashboard`.
pub async fn show(
    State(node): State<Node>,
    session: UiSession,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Response {
    let q = match query {
        Ok(Query(q)) => q,
        Err(e) => return super::error_page(Some(&session), &ApiError::from(e)),
    };
    let now = Timestamp::from_datetime(chrono::Utc::now());
    let period = match q.period(now).and_then(|p| q.all_due().map(|_| p)) {
        Ok(p) => p,
        Err(e) => {
            e.log();
            let content = html! {
                h1 { "Dashboard" }
                (period_form(&q))
                p.error role="alert" { (e.public_message()) }
            };
            return super::page(e.status, "Dashboard", Some(&session), content);
        }
    };
    let due = match node.due_lists(&session.viewer, SOON_S).await {
        Ok(d) => d,
        Err(e) => return super::error_page(Some(&session), &e.into()),
    };
    let query = ScorecardQuery {
        period,
        counterpart: None,
        direction: None,
    };
    let mut cards = match node.scorecards(&session.viewer, &query).await {
        Ok(c) => c,
        Err(e) => return super::error_page(Some(&session), &e.into()),
    };
    cards.sort_by(|a, b| {
        (a.counterpart.as_str(), a.direction.as_str())
            .cmp(&(b.counterpart.as_str(), b.direction.as_str()))
    });
    let content = html! {
        h1 { "Dashboard" }
        (period_form(&q))
        p.muted {
            "Notifications created from " (time(period.start)) " to " (time(period.end))
            ", as of " (time(now)) "."
        }
        p.summary {
            a href="#overdue" { strong { (due.overdue.len()) } " overdue" }
            " (" (due.overdue.iter().filter(|d| d.direction == Direction::Inbound).count()) " we owe, "
            (due.overdue.iter().filter(|d| d.direction == Direction::Outbound).count()) " owed to us) · "
            a href="#soon-due" { strong { (due.soon_due.len()) } " due in the next " (duration(SOON_S)) }
        }
        (due_section(&due, now, &q))
        (scorecard_section(&cards))
    };
    super::page(StatusCode::OK, "Dashboard", Some(&session), content)
}

fn period_form(q: &DashboardQuery) -> Markup {
    let chosen = q.period.as_deref().unwrap_or(DEFAULT_PERIOD);
    let known = PERIODS.iter().any(|(v, _)| *v == chosen);
    html! {
        form.filters.period method="get" action="/dashboard" aria-label="Period" {
            div.field {
                label for="period" { "Period" }
                select id="period" name="period" {
                    @for (value, text) in PERIODS {
                        option value=(value) selected[value == chosen] { (text) }
                    }
                    @if !known { option value=(chosen) selected { (chosen) } }
                }
            }
            div.field {
                label for="since" { "or from" }
                input id="since" name="since" type="date" value=(q.since.clone().unwrap_or_default());
            }
            div.field {
                label for="until" { "to" }
                input id="until" name="until" type="date" value=(q.until.clone().unwrap_or_default());
            }
            div.actions {
                button type="submit" { "Show" }
                " " a href="/dashboard" { "Reset" }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Due lists.

/// "3 d 4 h" for people.
pub fn duration(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    match (d, h) {
        (0, 0) => format!("{m} min"),
        (0, h) => format!("{h} h {m} min"),
        (d, h) => format!("{d} d {h} h"),
    }
}

fn direction_text(d: Direction) -> &'static str {
    match d {
        Direction::Outbound => "they owe us",
        Direction::Inbound => "we owe them",
    }
}

/// The overdue list (`overdue`) or the due-soon list, the first
/// [`DUE_ROWS`] unless all are asked for.
fn due_table(overdue: bool, items: &[DueItem], now: Timestamp, q: &DashboardQuery) -> Markup {
    let (id, caption) = if overdue {
        ("overdue", "Overdue")
    } else {
        ("soon-due", "Due in the next 48 hours")
    };
    let all = q.all_due().unwrap_or(false);
    let shown = if all {
        items
    } else {
        &items[..items.len().min(DUE_ROWS)]
    };
    html! {
        table.list.due id=(id) {
            caption {
                (caption) " (" (items.len()) ")"
                @if shown.len() < items.len() {
                    " · the first " (shown.len()) " · " a href=(q.all_due_href()) { "show all" }
                }
            }
            thead { tr {
                th scope="col" { "Due" }
                th scope="col" { "What" }
                th scope="col" { "Notification" }
                th scope="col" { "From → recipient" }
                th scope="col" { "Who owes" }
                th scope="col" { "Stage" }
            } }
            tbody {
                @for item in shown {
                    // The list says which side of the deadline an item is
                    // (the node judged it at its own "now").
                    @let left = (item.due.datetime() - now.datetime()).num_seconds();
                    tr data-notification=(item.notification.to_string()) data-direction=(item.direction.as_str()) {
                        td {
                            (time(item.due)) br;
                            @if overdue { span.badge.overdue { "overdue by " (duration(left.min(0))) } }
                            @else { span.badge.soon { "in " (duration(left.max(0))) } }
                        }
                        td { (item.which.as_str()) }
                        th scope="row" {
                            a href={ "/notifications/" (item.notification.to_string()) } { (item.title) }
                            @if item.protected { " " span.badge.protected title="touches a protected sector: shorter deadlines" { "protected sector" } }
                        }
                        td { (item.from.as_str()) " → " (item.recipient.as_str()) }
                        td { (direction_text(item.direction)) }
                        td { (stage_badge(item.stage)) }
                    }
                }
            }
        }
    }
}

pub fn stage_badge(stage: Stage) -> Markup {
    html! { span class={ "badge stage stage-" (stage.as_str()) } { (stage.as_str()) } }
}

/// Due soon first (those can still be met), then overdue.
fn due_section(due: &DueLists, now: Timestamp, q: &DashboardQuery) -> Markup {
    html! {
        section aria-labelledby="due-h" {
            h2 id="due-h" { "Deadlines" }
            @if due.soon_due.is_empty() { p.muted id="soon-due" { "Nothing is due in the next " (duration(SOON_S)) "." } }
            @else { (due_table(false, &due.soon_due, now, q)) }
            @if due.overdue.is_empty() { p.muted id="overdue" { "Nothing is overdue." } }
            @else { (due_table(true, &due.overdue, now, q)) }
        }
    }
}

// ---------------------------------------------------------------------------
// Scorecards.

fn percentiles(p: &Percentiles) -> Markup {
    html! {
        @match (p.median_s, p.p90_s) {
            (Some(m), Some(p90)) => { (duration(m)) " / " (duration(p90)) }
            (Some(m), None) => { (duration(m)) }
            _ => { span.muted { "–" } }
        }
    }
}

/// A scorecard column: its `data-metric` key, its heading, its figure.
type Metric = (&'static str, &'static str, fn(&Scorecard) -> u32);

fn scorecard_section(cards: &[Scorecard]) -> Markup {
    let metrics: [Metric; 10] = [
        ("sent", "Sent", |c| c.sent),
        ("delivered", "Delivered", |c| c.delivered),
        ("acknowledged", "Acknowledged", |c| c.acknowledged),
        ("answered", "Answered", |c| c.answered),
        ("substantive", "Substantive", |c| c.substantive),
        ("formal", "Formal", |c| c.formal),
        ("unrated", "Unrated", |c| c.unrated),
        ("unanswered", "Unanswered", |c| c.unanswered),
        ("overdue", "Overdue", |c| c.overdue),
        ("replies", "Replies", |c| c.replies),
    ];
    html! {
        section aria-labelledby="scorecards-h" {
            h2 id="scorecards-h" { "Scorecards" }
            @if cards.is_empty() {
                p.empty id="scorecards" { "No notifications in this period." }
            } @else {
                p.muted {
                    "Out: how the counterpart answered us; in: how we answered them. "
                    "Times are median / 90th percentile."
                }
                div.scroll {
                    table.list.scorecards id="scorecards" {
                        thead { tr {
                            th scope="col" { "Counterpart" }
                            th scope="col" { "Direction" }
                            @for (_, label, _) in &metrics { th scope="col" { (label) } }
                            th scope="col" { "To deliver" }
                            th scope="col" { "To acknowledge" }
                            th scope="col" { "To answer" }
                        } }
                        tbody {
                            @for c in cards {
                                tr data-counterpart=(c.counterpart.as_str()) data-direction=(c.direction.as_str()) {
                                    th scope="row" { (c.counterpart.as_str()) }
                                    td { (c.direction.as_str()) " · " (direction_text(c.direction)) }
                                    @for (key, _, get) in &metrics { td data-metric=(key) { (get(c)) } }
                                    td { (percentiles(&c.to_deliver)) }
                                    td { (percentiles(&c.to_acknowledge)) }
                                    td { (percentiles(&c.to_answer)) }
                                }
                            }
                        }
                    }
                }
                h3 { "How notifications were answered" }
                figure.chart #quality-chart { (PreEscaped(report::quality_bars(cards))) }
                h3 { "Per week, per counterpart" }
                div.charts {
                    @for c in cards.iter().filter(|c| !c.weekly.is_empty()) {
                        figure.chart data-counterpart=(c.counterpart.as_str()) data-direction=(c.direction.as_str()) {
                            (PreEscaped(report::weekly_series(c)))
                            figcaption { (c.counterpart.as_str()) " · " (c.direction.as_str()) ": sent and answered per week" }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_for_people() {
        assert_eq!(duration(59), "0 min");
        assert_eq!(duration(-3 * 3600 - 120), "3 h 2 min");
        assert_eq!(duration(2 * 86_400 + 5 * 3600), "2 d 5 h");
    }
}
