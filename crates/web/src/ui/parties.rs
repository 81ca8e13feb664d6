//! The directory page.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use countersign_node::Node;
use maud::html;

use crate::auth::UiSession;

/// `GET /parties`.
pub async fn list(State(node): State<Node>, session: UiSession) -> Response {
    let parties = match node.list_parties().await {
        Ok(p) => p,
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
                    }
                }
            }
        }
    };
    super::page(StatusCode::OK, "Parties", Some(&session), content)
}
