//! The REST API under `/v1`: thin handlers that authenticate, parse the
//! wire types, call the node and convert the answer back.

pub mod attachments;
pub mod inbox;
pub mod log;
pub mod meta;
pub mod notifications;
pub mod obligations;
pub mod parties;
pub mod session;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// A JSON document given as text (a signed envelope or entry in its file
/// form), optionally offered as a download.
pub(crate) fn json_text(text: String, download_name: Option<&str>) -> Result<Response, ApiError> {
    let mut response = ([(header::CONTENT_TYPE, "application/json")], text).into_response();
    if let Some(name) = download_name {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, content_disposition(name)?);
    }
    Ok(response)
}

/// `attachment; filename="..."; filename*=UTF-8''...` for any file name.
pub(crate) fn content_disposition(name: &str) -> Result<HeaderValue, ApiError> {
    let ascii: String = name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() || c == ' ') && !matches!(c, '"' | '\\' | '/') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .map_err(|e| ApiError::internal(format!("bad Content-Disposition for {name:?}: {e}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_disposition_escapes_names() {
        let v = super::content_disposition("log \"1\"/é.txt").unwrap();
        assert_eq!(
            v.to_str().unwrap(),
            "attachment; filename=\"log _1___.txt\"; filename*=UTF-8''log%20%221%22%2F%C3%A9.txt"
        );
    }
}
