//! The directory page, with each peer party's reachability from the
//! signed ping and pong checks (docs/federation.md, "Communication
//! checks").

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use countersign_core::ids::PartyId;
use countersign_core::time::Timestamp;
use countersign_node::Node;
use countersign_store::PingStats;
use maud::{Markup, html};

use crate::auth::UiSession;

/// `GET /parties`.
pub async fn list(State(node): State<Node>, session: UiSession) -> Response {
    let parties = match node.list_parties().await {
        Ok(p) => p,
        Err(e) => return super::error_page(Some(&session), &e.into()),
    };
    let stats: std::collections::BTreeMap<PartyId, PingStats> = match node.ping_stats(None).await {
        Ok(s) => s.into_iter().map(|s| (s.party.clone(), s)).collect(),
        Err(e) => return super::error_page(Some(&session), &e.into()),
    };
    let content = html! {
        h1 { "Parties" }
        p { (parties.len()) " in the directory. Hosted parties sign with keys held by this node." }
        table {
            caption.visually-hidden { "Parties in the directory" }
            thead {
                tr {
                    th scope="col" { "Id" }
                    th scope="col" { "Name" }
                    th scope="col" { "Kind" }
                    th scope="col" { "Country" }
                    th scope="col" { "Hosted here" }
                    th scope="col" { "Keys" }
                    th scope="col" { "Constituency" }
                    th scope="col" { "Signed entry" }
                    th scope="col" { "Last successful ping" }
                    th scope="col" { "Round trip" }
                    th scope="col" { "Failed pings" }
                }
            }
            tbody {
                @for p in &parties {
                    tr {
                        th scope="row" { code { (p.party.id.as_str()) } }
                        td { (p.party.name) }
                        td { (p.party.kind.as_str()) }
                        td { (p.party.country.map(|c| c.to_string()).unwrap_or_default()) }
                        td { @if p.local { "yes" } @else { "no" } }
                        td {
                            ul.plain {
                                @for k in &p.party.keys {
                                    li {
                                        code.wrap { (k.vkey) }
                                        " from " (super::time(k.valid_from))
                                        @if let Some(u) = k.valid_until { " until " (super::time(u)) }
                                    }
                                }
                            }
                        }
                        td { (p.party.constituency.summary()) }
                        td {
                            @if p.local || p.signed_entry.is_some() {
                                a href={ "/v1/parties/" (p.party.id.as_str()) "/entry" } { "download" }
                            } @else {
                                "added by hand"
                            }
                        }
                        (reachability(p.local, stats.get(&p.party.id)))
                    }
                }
            }
        }
    };
    super::page(StatusCode::OK, "Parties", Some(&session), content)
}

fn micros(us: i64) -> Option<Timestamp> {
    chrono::DateTime::from_timestamp_micros(us).map(Timestamp::from_datetime)
}

/// The three reachability cells of a party's row.
fn reachability(local: bool, stats: Option<&PingStats>) -> Markup {
    let Some(s) = stats.filter(|s| s.last_attempt_us.is_some()) else {
        let note = if local {
            "hosted here"
        } else {
            "not pinged yet"
        };
        return html! { td { (note) } td {} td {} };
    };
    html! {
        td {
            @match s.last_success_us.and_then(micros) {
                Some(t) => (super::time(t)),
                None => "never",
            }
        }
        td { @if let Some(ms) = s.last_rtt_ms { (ms) " ms" } }
        td {
            @if s.consecutive_failures > 0 {
                strong { (s.consecutive_failures) " in a row" }
                " (" (s.failures) " of " (s.failures + s.successes) ")"
            } @else {
                (s.failures) " of " (s.failures + s.successes)
            }
            @if let Some(e) = s.last_error.as_deref().filter(|_| s.consecutive_failures > 0) {
                br; small { "last error: " (e) }
            }
        }
    }
}
