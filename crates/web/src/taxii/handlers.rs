//! The TAXII handlers: authenticate, parse, call the node, write the
//! TAXII JSON. The wire shapes (TAXII 2.1 §4, §5) are built here from the
//! node's domain values.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use countersign_node::Node;
use countersign_node::access::Viewer;
use countersign_node::taxii::{Collection, ObjectFilter, ObjectPage, STIX_MEDIA_TYPE};
use countersign_store::taxii_time;
use serde::Serialize;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::taxii::params::{self, Allowed};
use crate::taxii::{API_ROOT, MAX_CONTENT_LENGTH, TAXII_CONTENT_TYPE, TaxiiError};

type Result<T, E = TaxiiError> = std::result::Result<T, E>;

/// An authenticated TAXII client: HTTP Basic or a bearer token.
pub struct TaxiiUser(pub Viewer);

impl FromRequestParts<Node> for TaxiiUser {
    type Rejection = TaxiiError;

    async fn from_request_parts(parts: &mut Parts, node: &Node) -> Result<Self> {
        let unauthenticated = |m: &str| TaxiiError(ApiError::unauthenticated(m));
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthenticated(
                "authentication required: HTTP Basic with your countersign username and \
                 password, or Authorization: Bearer <API token>",
            ));
        };
        let text = value.to_str().unwrap_or_default().trim();
        let (scheme, rest) = text.split_once(' ').unwrap_or((text, ""));
        let rest = rest.trim();
        if scheme.eq_ignore_ascii_case("bearer") && !rest.is_empty() {
            return Ok(TaxiiUser(node.authenticate(rest).await?));
        }
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            if let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
                return Ok(TaxiiUser(node.authenticate_password(user, password).await?));
            }
            return Err(unauthenticated(
                "malformed Basic credentials: send base64 of username:password",
            ));
        }
        Err(unauthenticated(
            "the Authorization header must be Basic or Bearer",
        ))
    }
}

fn query(uri: &Uri) -> Result<Vec<(String, String)>> {
    Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|Query(q)| q)
        .map_err(|e| TaxiiError::bad_request(format!("malformed query string: {e}")))
}

fn filter(uri: &Uri, allowed: Allowed) -> Result<ObjectFilter> {
    params::parse(&query(uri)?, allowed)
}

/// A TAXII JSON answer.
fn taxii_text(status: StatusCode, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, TAXII_CONTENT_TYPE)], text).into_response()
}

fn taxii_json<T: Serialize>(status: StatusCode, value: &T) -> Result<Response> {
    let text = serde_json::to_string(value)
        .map_err(|e| TaxiiError(ApiError::internal(format!("cannot serialise: {e}"))))?;
    Ok(taxii_text(status, text))
}

const FIRST: HeaderName = HeaderName::from_static("x-taxii-date-added-first");
const LAST: HeaderName = HeaderName::from_static("x-taxii-date-added-last");

/// Adds `X-TAXII-Date-Added-First`/`-Last` (see the module documentation).
fn with_date_headers(mut response: Response, page: &ObjectPage, f: &ObjectFilter) -> Response {
    let empty = f.added_after_us.unwrap_or(0);
    let first = page.items.first().map_or(empty, |o| o.date_added_us);
    let last = page.items.last().map_or(empty, |o| o.date_added_us);
    for (name, us) in [(FIRST, first), (LAST, last)] {
        if let Ok(v) = HeaderValue::from_str(&taxii_time(us)) {
            response.headers_mut().insert(name, v);
        }
    }
    response
}

/// `"more": …, "next": …` of a page: `next` whenever `more`.
fn paging(page: &ObjectPage) -> String {
    match page.items.last() {
        Some(last) if page.more => format!(
            "\"more\":true,\"next\":\"{}\"",
            params::next_token(last.date_added_us)
        ),
        _ => "\"more\":false".to_owned(),
    }
}

/// An envelope (§3.7) of the page's objects, written without re-parsing
/// the stored JSON.
fn envelope(page: &ObjectPage) -> Response {
    let size: usize = page
        .items
        .iter()
        .map(|o| o.json.as_ref().map_or(0, String::len) + 1)
        .sum();
    let mut text = String::with_capacity(size + 64);
    text.push('{');
    text.push_str(&paging(page));
    text.push_str(",\"objects\":[");
    for (i, o) in page.items.iter().enumerate() {
        if i > 0 {
            text.push(',');
        }
        text.push_str(o.json.as_deref().unwrap_or("{}"));
    }
    text.push_str("]}");
    taxii_text(StatusCode::OK, text)
}

pub async fn discovery(_user: TaxiiUser) -> Result<Response> {
    taxii_json(
        StatusCode::OK,
        &json!({
            "title": "countersign TAXII 2.1",
            "description": "STIX 2.1 evidence of countersign notifications, one collection per TLP level, visible under TLP as access control.",
            "default": API_ROOT,
            "api_roots": [API_ROOT],
        }),
    )
}

pub async fn api_root(_user: TaxiiUser) -> Result<Response> {
    taxii_json(
        StatusCode::OK,
        &json!({
            "title": "countersign evidence",
            "description": "Notification evidence and objects shared by this node's parties.",
            "versions": [TAXII_CONTENT_TYPE],
            "max_content_length": MAX_CONTENT_LENGTH,
        }),
    )
}

fn collection_out(c: &Collection) -> Value {
    json!({
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "alias": format!("tlp-{}", c.tlp.as_str().replace('+', "-")),
        "can_read": c.can_read,
        "can_write": c.can_write,
        "media_types": [STIX_MEDIA_TYPE],
    })
}

pub async fn collections(
    State(node): State<Node>,
    TaxiiUser(viewer): TaxiiUser,
) -> Result<Response> {
    let list: Vec<Value> = node
        .taxii_collections(&viewer)?
        .iter()
        .map(collection_out)
        .collect();
    taxii_json(StatusCode::OK, &json!({ "collections": list }))
}

pub async fn collection(
    State(node): State<Node>,
    TaxiiUser(viewer): TaxiiUser,
    Path(id): Path<String>,
) -> Result<Response> {
    taxii_json(
        StatusCode::OK,
        &collection_out(&node.taxii_collection(&viewer, &id)?),
    )
}

pub async fn status(
    State(node): State<Node>,
    TaxiiUser(viewer): TaxiiUser,
    Path(id): Path<String>,
) -> Result<Response> {
    let status = node.taxii_status(&viewer, &id).await?;
    taxii_json(StatusCode::OK, &status)
}

pub async fn objects(
    State(node): State<Node>,
    TaxiiUser(viewer): TaxiiUser,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response> {
    let f = filter(&uri, params::OBJECTS)?;
    let page = node.taxii_objects(&viewer, &id, f.clone(), true).await?;
    Ok(with_date_headers(envelope(&page), &page, &f))
}

pub async fn manifest(
    State(node): State<Node>,
    TaxiiUser(viewer): TaxiiUser,
    Path(id): Path<String>,
    uri: Uri,
) -> Result<Response> {
    let f = filter(&uri, params::OBJECTS)?;
    let page = node.taxii_objects(&viewer, &id, f.clone(), false).await?;
    let entries: Vec<Value> = page
        .items
        .iter()
        .map(|o| {
            json!({
                "id": o.stix_id,
                "date_added": taxii_time(o.date_added_us),
                "version": o.version,
                "media_type": STIX_MEDIA_TYPE,
            })
        })
        .collect();
    let text = format!(
        "{{{},\"objects\":{}}}",
        paging(&page),
        serde_json::to_string(&entries).unwrap_or_else(|_| "[]".to_owned())
    );
    Ok(with_date_headers(
        taxii_text(StatusCode::OK, text),
        &page,
        &f,
    ))
}

pub async fn add_objects(
    State(node): State<Node>,
    TaxiiUser(viewer): TaxiiUser,
    Path(id): Path<String>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    // The collection and the role first: a client that may not write
    // learns nothing about its input.
    viewer.require(countersign_core::access::Role::Analyst)?;
    node.taxii_collection(&viewer, &id)?;
    let body = body.map_err(ApiError::from)?;
    let mut value: Value = serde_json::from_slice(&body)
        .map_err(|e| TaxiiError::bad_request(format!("the body is not JSON: {e}")))?;
    let objects = value
        .get_mut("objects")
        .and_then(Value::as_array_mut)
        .map(std::mem::take)
        .ok_or_else(|| {
            TaxiiError::bad_request(
                "the body must be a TAXII envelope: {\"objects\": [ ...STIX objects... ]}",
            )
        })?;
    let posted = node.taxii_add(&viewer, &id, objects).await?;
    Ok(taxii_text(StatusCode::ACCEPTED, posted.json))
}

pub async fn object(
    State(node): State<Node>,
    TaxiiUser(viewer): TaxiiUser,
    Path((id, object_id)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response> {
    let f = filter(&uri, params::OBJECT)?;
    let page = node
        .taxii_object(&viewer, &id, &object_id, f.clone(), false)
        .await?;
    Ok(with_date_headers(envelope(&page), &page, &f))
}

pub async fn delete_object(
    State(node): State<Node>,
    TaxiiUser(viewer): TaxiiUser,
    Path((id, object_id)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response> {
    let f = filter(&uri, params::DELETE)?;
    node.taxii_delete(&viewer, &id, &object_id, f).await?;
    Ok(taxii_text(StatusCode::OK, String::new()))
}

pub async fn versions(
    State(node): State<Node>,
    TaxiiUser(viewer): TaxiiUser,
    Path((id, object_id)): Path<(String, String)>,
    uri: Uri,
) -> Result<Response> {
    let f = filter(&uri, params::VERSIONS)?;
    let page = node
        .taxii_object(&viewer, &id, &object_id, f.clone(), true)
        .await?;
    let versions: Vec<&str> = page.items.iter().map(|o| o.version.as_str()).collect();
    let text = format!(
        "{{{},\"versions\":{}}}",
        paging(&page),
        serde_json::to_string(&versions).unwrap_or_else(|_| "[]".to_owned())
    );
    Ok(with_date_headers(
        taxii_text(StatusCode::OK, text),
        &page,
        &f,
    ))
}
