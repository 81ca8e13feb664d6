//! The transparency-log page: what this node's log has published, the
//! keys to check it with, the cosignatures peers' witnesses gave it, and
//! any split view its witness has caught.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use countersign_node::Node;
use maud::html;

use crate::auth::UiSession;

/// Most cosignatures listed (one per witness and checkpoint accumulate).
const SHOWN: usize = 50;

/// `GET /log`.
pub async fn show(State(node): State<Node>, session: UiSession) -> Response {
    let checkpoint = match node.log_checkpoint().await {
        Ok(c) => c,
        Err(e) => return super::error_page(Some(&session), &e.into()),
    };
    let split_views = match node.split_views().await {
        Ok(v) => v,
        Err(e) => return super::error_page(Some(&session), &e.into()),
    };
    let cosignatures = match node.cosignatures().await {
        Ok(c) => c,
        Err(e) => return super::error_page(Some(&session), &e.into()),
    };
    let parsed = countersign_tlog::Checkpoint::open(&checkpoint, &[node.log_vkey()]).ok();
    let content = html! {
        h1 { "Transparency log" }
        p {
            "Every envelope this node sends or receives, and every receipt, is a leaf of this log. "
            "Anyone can fetch the checkpoint and tiles below without an account and check them offline with "
            code { "countersign verify" } " and the log key."
        }
        @if !split_views.is_empty() {
            section.alert role="alert" {
                h2 { "Split views caught: " (split_views.len()) }
                p { "Two signed checkpoints of one log that cannot both be true. Each pair is transferable proof that the log showed two histories." }
                @for v in &split_views {
                    details {
                        summary { code { (v.origin) } " — " (v.kind.as_str()) " — recorded " (super::time(v.recorded)) }
                        h3 { "Checkpoint held" }
                        pre { (v.held) }
                        h3 { "Conflicting checkpoint" }
                        pre { (v.conflicting) }
                    }
                }
            }
        } @else {
            p { "No split view caught: every checkpoint this node's witness received was consistent with the last one it cosigned." }
        }
        dl {
            dt { "Origin" } dd { code { (node.log_origin()) } }
            @if let Some((cp, _)) = &parsed {
                dt { "Size" } dd { (cp.size) " entries" }
            }
            dt { "Log key" } dd { code.wrap { (node.log_vkey().to_string()) } }
            dt { "Witness key" } dd { code.wrap { (node.witness_vkey().to_string()) } }
        }
        h2 { "Latest checkpoint" }
        pre { (checkpoint) }
        p { a href="/log/checkpoint" { "/log/checkpoint" } " · tiles under " code { "/log/tile/" } }
        h2 { "Cosignatures" }
        @if cosignatures.is_empty() {
            p { "No peer witness has cosigned a checkpoint of this log yet." }
        } @else {
            p {
                (cosignatures.len()) " cosignatures; the newest " (cosignatures.len().min(SHOWN)) " are shown. "
                "Each witness checked the checkpoint consistent with every earlier one it cosigned."
            }
            table {
                caption.visually-hidden { "Cosignatures of this log's checkpoints" }
                thead {
                    tr {
                        th scope="col" { "Witness" }
                        th scope="col" { "Size" }
                        th scope="col" { "Cosigned" }
                    }
                }
                tbody {
                    @for c in cosignatures.iter().take(SHOWN) {
                        tr {
                            td { code { (c.witness) } }
                            td { (c.size) }
                            td {
                                @match i64::try_from(c.time).ok().and_then(|t| chrono::DateTime::from_timestamp(t, 0)) {
                                    Some(t) => (super::time(countersign_core::time::Timestamp::from_datetime(t))),
                                    None => (c.time),
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    super::page(StatusCode::OK, "Transparency log", Some(&session), content)
}
