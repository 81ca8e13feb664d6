//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! annotations and the wire types' schemas.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;
use crate::wire;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "countersign",
        description = "The REST API of a countersign node: parties, notifications with STIX 2.1 evidence and attachments, signed envelopes. Every error is `{\"error\": {\"code\", \"message\"}}`. Authenticate with `Authorization: Bearer <token>` (an API token or a session secret) or the `cs_session` cookie set by `POST /v1/session`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        api::meta::health,
        api::meta::openapi,
        api::meta::keys,
        api::meta::me,
        api::log::checkpoint,
        api::log::tile,
        api::log::add_checkpoint,
        api::inbox::deliver,
        api::inbox::deliver_batch,
        api::session::login,
        api::session::logout,
        api::parties::list,
        api::parties::get,
        api::parties::add,
        api::parties::import,
        api::parties::entry,
        api::notifications::create,
        api::notifications::list,
        api::notifications::get,
        api::notifications::envelope,
        api::notifications::receipt,
        api::notifications::reply,
        api::attachments::upload,
        api::attachments::upload_post,
        api::attachments::download,
        api::obligations::rate,
        api::obligations::proposal,
        api::obligations::timeline,
        api::obligations::due,
        api::obligations::scorecards,
        api::obligations::report,
    ),
    components(schemas(wire::ErrorOut, wire::ErrorBody)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "meta", description = "Health, this document, public keys"),
        (name = "session", description = "Login sessions and the current user"),
        (name = "parties", description = "The directory of parties and signed directory entries"),
        (name = "notifications", description = "Notifications with evidence, under TLP"),
        (name = "obligations", description = "Reply obligations: ratings, timelines, overdue lists, scorecards and the report"),
        (name = "attachments", description = "Content-addressed files that travel with notifications"),
        (name = "federation", description = "Node to node: the inbox where peers deliver signed envelopes, answered with receipts"),
        (name = "log", description = "The transparency log (C2SP tlog-tiles) and the witness (tlog-witness), public"),
    )
)]
pub struct ApiDoc;

/// Adds the two ways to authenticate.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token (`cs_...`) or a session secret"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "The web UI's login cookie",
            ))),
        );
    }
}

/// The OpenAPI document, pretty JSON (generated once).
pub fn openapi_json() -> String {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        ApiDoc::openapi().to_pretty_json().unwrap_or_else(|e| {
            format!("{{\"error\": \"cannot serialise the OpenAPI document: {e}\"}}")
        })
    })
    .clone()
}
