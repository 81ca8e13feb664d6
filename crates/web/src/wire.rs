//! Wire types: the JSON shapes of the REST API, apart from the domain
//! types, with explicit conversions both ways.
//!
//! Output types (`*Out`) are built from node and domain values with `From`;
//! input types (`*In`, [`ListQuery`]) are parsed into domain values by
//! methods that return a [`NodeError`] naming the bad field. Input is
//! lenient where people type it (vocabulary in any case, categories as a
//! bare RSIT type, times as dates or RFC 3339 with any offset) and strict
//! about unknown fields, so a misspelt field is an error rather than
//! silently ignored. Closed vocabularies are plain strings on the wire;
//! their allowed values are generated into the OpenAPI schemas from the
//! domain enums.

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::openapi::schema::{ArrayBuilder, Object, ObjectBuilder, Type};
use utoipa::{IntoParams, ToSchema};

use countersign_core::access::Role;
use countersign_core::country::Country;
use countersign_core::envelope::AttachmentRef;
use countersign_core::evidence::Sufficiency;
use countersign_core::ids::{PartyId, Sha256Hex};
use countersign_core::net::NetworkScope;
use countersign_core::notification::{
    DEFAULT_ACK_HOURS, DEFAULT_REPLY_HOURS, Notification, ObservedWindow, RequestedAction, Severity,
};
use countersign_core::party::{Contact, Party, PartyKey, PartyKind};
use countersign_core::sector::Sector;
use countersign_core::taxonomy::{Category, RSIT};
use countersign_core::time::Timestamp;
use countersign_core::tlp::Tlp;
use countersign_node::access::Viewer;
use countersign_node::notify::{AttachmentInput, FillDeadlines, NotificationDetail, NotifyRequest};
use countersign_node::parties::ImportOutcome;
use countersign_node::{NodeError, now};
use countersign_stix::EvidenceSummary;
use countersign_store::{
    NotificationFilter, NotificationRow, Page, PageRequest, PingStats, StoredParty,
};

/// The largest page a listing returns.
pub const MAX_PAGE: u32 = 500;
/// The page size when none is asked for.
pub const DEFAULT_PAGE: u32 = 50;

// ---------------------------------------------------------------------------
// Schemas of closed vocabularies, generated from the domain enums.

fn vocabulary(values: impl IntoIterator<Item = &'static str>, what: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.into_iter().collect::<Vec<_>>()))
        .description(Some(what))
        .build()
}

fn severity_schema() -> Object {
    vocabulary(Severity::ALL.iter().map(|v| v.as_str()), "Severity.")
}

fn tlp_schema() -> Object {
    vocabulary(
        Tlp::ALL.iter().map(|v| v.as_str()),
        "TLP 2.0 level. On input `TLP:AMBER`, `AMBER` and the TLP 1.0 `white` are accepted too.",
    )
}

fn sufficiency_schema() -> Object {
    vocabulary(
        Sufficiency::ALL.iter().map(|v| v.as_str()),
        "Evidence sufficiency level, weakest first.",
    )
}

fn role_schema() -> Object {
    vocabulary(
        Role::ALL.iter().map(|v| v.as_str()),
        "Role within the party.",
    )
}

fn party_kind_schema() -> Object {
    vocabulary(PartyKind::ALL.iter().map(|v| v.as_str()), "Kind of party.")
}

fn category_schema() -> Object {
    let all: Vec<String> = Category::all().map(|c| c.to_string()).collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(all))
        .description(Some("RSIT category, `class/type`."))
        .build()
}

fn sectors_schema() -> ArrayBuilder {
    ArrayBuilder::new().items(vocabulary(
        Sector::ALL.iter().map(|v| v.as_str()),
        "Sector from the US critical-infrastructure or the NIS2 list.",
    ))
}

fn actions_schema() -> ArrayBuilder {
    ArrayBuilder::new().items(vocabulary(
        RequestedAction::ALL.iter().map(|v| v.as_str()),
        "What the recipient is asked to do.",
    ))
}

// ---------------------------------------------------------------------------
// Errors, health, keys, users.

/// Every error: `{"error": {"code", "message"}}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorOut {
    pub error: ErrorBody,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code: `invalid`, `malformed_json`,
    /// `invalid_stix`, `bad_signature`, `key_not_valid`, `not_found`,
    /// `duplicate`, `too_large`, `unsupported_media_type`,
    /// `unauthenticated`, `forbidden`, `method_not_allowed`, `internal`;
    /// from the inbox also `unknown_sender`, `not_recipient`,
    /// `attachment_mismatch`.
    pub code: String,
    /// For the person who sent the request.
    pub message: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthOut {
    /// Always `ok` when the node answers.
    pub status: String,
    pub version: String,
}

/// The public verifier keys of a party this node hosts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartyKeysOut {
    pub party: String,
    /// C2SP verifier keys, `name+keyid+base64`.
    pub vkeys: Vec<String>,
}

impl From<&Party> for PartyKeysOut {
    fn from(p: &Party) -> Self {
        PartyKeysOut {
            party: p.id.to_string(),
            vkeys: p.keys.iter().map(|k| k.vkey.clone()).collect(),
        }
    }
}

/// Who is logged in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserOut {
    pub username: String,
    pub party: String,
    #[schema(schema_with = role_schema)]
    pub role: String,
}

impl UserOut {
    /// The user a viewer stands for; `None` for the operator, who has no
    /// user (it never comes through HTTP).
    pub fn of(viewer: &Viewer) -> Option<Self> {
        match viewer {
            Viewer::User {
                username,
                party,
                role,
            } => Some(UserOut {
                username: username.clone(),
                party: party.to_string(),
                role: role.as_str().to_owned(),
            }),
            _ => None,
        }
    }
}

impl From<&countersign_store::User> for UserOut {
    fn from(u: &countersign_store::User) -> Self {
        UserOut {
            username: u.username.clone(),
            party: u.party.to_string(),
            role: u.role.as_str().to_owned(),
        }
    }
}

/// A login with username and password.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginIn {
    pub username: String,
    pub password: String,
}

/// An opened session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionOut {
    pub user: UserOut,
    /// The session secret, also set as the `cs_session` cookie. Programs
    /// may send it as `Authorization: Bearer`; it expires after
    /// `expires_in` seconds.
    pub token: String,
    pub expires_in: u64,
}

// ---------------------------------------------------------------------------
// Parties.

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyKeyWire {
    /// C2SP verifier key, named after the party.
    pub vkey: String,
    /// Signatures made from this time on are accepted (RFC 3339).
    #[schema(format = DateTime)]
    pub valid_from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub valid_until: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactWire {
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Reachable around the clock.
    #[serde(default)]
    pub always_on: bool,
}

/// A directory entry as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartyOut {
    pub id: String,
    pub name: String,
    /// ISO 3166-1 alpha-2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[schema(schema_with = party_kind_schema)]
    pub kind: String,
    pub keys: Vec<PartyKeyWire>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub contacts: Vec<ContactWire>,
    /// Networks the party answers for: IPs, CIDR prefixes, `AS64500`, domains.
    pub constituency: Vec<String>,
    #[schema(schema_with = sectors_schema)]
    pub sectors: Vec<String>,
    /// The verifier key of the transparency log of the party's node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_vkey: Option<String>,
    /// The cosigning key of the witness of the party's node.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness_vkey: Option<String>,
    /// Hosted by this node (it holds the private key).
    pub local: bool,
    #[schema(format = DateTime)]
    pub updated: String,
    /// Communication checks with the party (signed ping and pong), once
    /// there has been one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reachability: Option<ReachabilityOut>,
}

/// A peer party's reachability from signed ping and pong
/// (docs/federation.md, "Communication checks").
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReachabilityOut {
    /// When this node last pinged the party.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub last_attempt: Option<String>,
    /// When a verified pong last came back.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub last_success: Option<String>,
    /// Round-trip time of the last verified pong, in milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_rtt_ms: Option<u64>,
    /// Failed pings since the last success.
    pub consecutive_failures: u64,
    pub successes: u64,
    pub failures: u64,
    /// Why the last failed ping failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// When the party last pinged this node (a verified ping).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
    pub last_pinged: Option<String>,
}

/// RFC 3339 of Unix microseconds (the store's clock for pings).
pub fn micros_text(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| Timestamp::from_datetime(t).to_string())
        .unwrap_or_else(|| us.to_string())
}

impl From<&PingStats> for ReachabilityOut {
    fn from(s: &PingStats) -> Self {
        ReachabilityOut {
            last_attempt: s.last_attempt_us.map(micros_text),
            last_success: s.last_success_us.map(micros_text),
            last_rtt_ms: s.last_rtt_ms,
            consecutive_failures: s.consecutive_failures,
            successes: s.successes,
            failures: s.failures,
            last_error: s.last_error.clone(),
            last_pinged: s.last_pinged_us.map(micros_text),
        }
    }
}

impl PartyOut {
    /// The party with its reachability, if there has been a ping.
    pub fn with_reachability(mut self, stats: Option<&PingStats>) -> Self {
        self.reachability = stats.map(ReachabilityOut::from);
        self
    }
}

impl From<&StoredParty> for PartyOut {
    fn from(s: &StoredParty) -> Self {
        let p = &s.party;
        PartyOut {
            id: p.id.to_string(),
            name: p.name.clone(),
            country: p.country.map(|c| c.to_string()),
            kind: p.kind.as_str().to_owned(),
            keys: p
                .keys
                .iter()
                .map(|k| PartyKeyWire {
                    vkey: k.vkey.clone(),
                    valid_from: k.valid_from.to_string(),
                    valid_until: k.valid_until.map(|t| t.to_string()),
                })
                .collect(),
            endpoint: p.endpoint.clone(),
            contacts: p
                .contacts
                .iter()
                .map(|c| ContactWire {
                    name: c.name.clone(),
                    role: c.role.clone(),
                    email: c.email.clone(),
                    phone: c.phone.clone(),
                    always_on: c.always_on,
                })
                .collect(),
            constituency: scope_items(&p.constituency),
            sectors: p.sectors.iter().map(|s| s.as_str().to_owned()).collect(),
            log_vkey: p.log_vkey.clone(),
            witness_vkey: p.witness_vkey.clone(),
            local: s.local,
            updated: s.updated.to_string(),
            reachability: None,
        }
    }
}

/// A party added by hand (its keys obtained by other means).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartyIn {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub country: Option<String>,
    #[schema(schema_with = party_kind_schema)]
    pub kind: String,
    pub keys: Vec<PartyKeyWire>,
    #[serde(default)]
    pub endpoint: Option<String>,
    #[serde(default)]
    pub contacts: Vec<ContactWire>,
    /// IPs, CIDR prefixes, `AS64500`, domains.
    #[serde(default)]
    pub constituency: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = sectors_schema)]
    pub sectors: Vec<String>,
    /// The verifier key of the transparency log of the party's node.
    #[serde(default)]
    pub log_vkey: Option<String>,
    /// The cosigning key of the witness of the party's node.
    #[serde(default)]
    pub witness_vkey: Option<String>,
}

impl PartyIn {
    pub fn into_party(self) -> Result<Party, NodeError> {
        let keys = self
            .keys
            .into_iter()
            .map(|k| {
                Ok(PartyKey {
                    vkey: k.vkey,
                    valid_from: field("valid_from", Timestamp::parse_lenient(&k.valid_from))?,
                    valid_until: k
                        .valid_until
                        .map(|t| field("valid_until", Timestamp::parse_lenient(&t)))
                        .transpose()?,
                })
            })
            .collect::<Result<Vec<_>, NodeError>>()?;
        Ok(Party {
            id: field("id", PartyId::parse(&self.id))?,
            name: self.name,
            country: self
                .country
                .map(|c| field("country", Country::parse(&c)))
                .transpose()?,
            kind: field("kind", PartyKind::parse(&self.kind))?,
            keys,
            endpoint: self.endpoint,
            contacts: self
                .contacts
                .into_iter()
                .map(|c| Contact {
                    name: c.name,
                    role: c.role,
                    email: c.email,
                    phone: c.phone,
                    always_on: c.always_on,
                })
                .collect(),
            constituency: parse_scope("constituency", &self.constituency)?,
            sectors: parse_all("sectors", &self.sectors, Sector::parse)?,
            log_vkey: self.log_vkey,
            witness_vkey: self.witness_vkey,
        })
    }
}

/// What importing a signed directory entry did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportOut {
    /// `added`, `updated` or `unchanged`.
    pub outcome: String,
    pub party: PartyOut,
}

impl ImportOut {
    pub fn new(outcome: &ImportOutcome, party: &StoredParty) -> Self {
        let outcome = match outcome {
            ImportOutcome::Added(_) => "added",
            ImportOutcome::Updated(_) => "updated",
            ImportOutcome::Unchanged(_) => "unchanged",
        };
        ImportOut {
            outcome: outcome.to_owned(),
            party: party.into(),
        }
    }
}

// ---------------------------------------------------------------------------
// Notifications, out.

/// The evidence sufficiency of a notification, with the words to show.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SufficiencyOut {
    #[schema(schema_with = sufficiency_schema)]
    pub level: String,
    /// E.g. `unsubstantiated`.
    pub label: String,
    pub explanation: String,
}

impl From<Sufficiency> for SufficiencyOut {
    fn from(s: Sufficiency) -> Self {
        SufficiencyOut {
            level: s.as_str().to_owned(),
            label: s.label().to_owned(),
            explanation: s.explanation().to_owned(),
        }
    }
}

/// A notification as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationSummaryOut {
    /// The envelope id: SHA-256 of its RFC 8785 form.
    pub id: String,
    pub from: String,
    pub to: Vec<String>,
    #[schema(format = DateTime)]
    pub created: String,
    pub title: String,
    #[schema(schema_with = category_schema)]
    pub category: String,
    #[schema(schema_with = severity_schema)]
    pub severity: String,
    #[schema(schema_with = tlp_schema)]
    pub tlp: String,
    pub sufficiency: SufficiencyOut,
    /// Acknowledgement deadline.
    #[schema(format = DateTime)]
    pub ack_by: String,
    /// Substantive-reply deadline.
    #[schema(format = DateTime)]
    pub reply_by: String,
    pub attachment_count: u32,
    /// `sent` or `received`, seen from this node.
    pub direction: String,
}

impl From<&NotificationRow> for NotificationSummaryOut {
    fn from(r: &NotificationRow) -> Self {
        NotificationSummaryOut {
            id: r.id.to_string(),
            from: r.from.to_string(),
            to: r.to.iter().map(ToString::to_string).collect(),
            created: r.created.to_string(),
            title: r.title.clone(),
            category: r.category.clone(),
            severity: r.severity.as_str().to_owned(),
            tlp: r.tlp.as_str().to_owned(),
            sufficiency: r.sufficiency.into(),
            ack_by: r.ack_by.to_string(),
            reply_by: r.reply_by.to_string(),
            attachment_count: r.attachments,
            direction: r.direction.as_str().to_owned(),
        }
    }
}

/// One page of notifications, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageOut {
    pub items: Vec<NotificationSummaryOut>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl From<&Page<NotificationRow>> for PageOut {
    fn from(p: &Page<NotificationRow>) -> Self {
        PageOut {
            items: p.items.iter().map(Into::into).collect(),
            next_cursor: p.next_cursor.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservedWindowWire {
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
}

/// A file that travels with a notification, addressed by SHA-256.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentOut {
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
    pub name: String,
    /// Where to download it.
    pub href: String,
}

impl AttachmentOut {
    pub fn new(notification: &str, a: &AttachmentRef) -> Self {
        AttachmentOut {
            sha256: a.sha256.to_string(),
            size: a.size,
            media_type: a.media_type.clone(),
            name: a.name.clone(),
            href: format!("/v1/notifications/{notification}/attachments/{}", a.sha256),
        }
    }
}

/// How many STIX objects of each kind of evidence the bundle holds.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvidenceSummaryOut {
    pub indicators: u64,
    pub observed_data: u64,
    pub sightings: u64,
    pub observables: u64,
    pub artifacts: u64,
    pub claims: u64,
    pub identities: u64,
    pub relationships: u64,
    pub other: u64,
}

impl From<&EvidenceSummary> for EvidenceSummaryOut {
    fn from(e: &EvidenceSummary) -> Self {
        let n = |v: usize| v as u64;
        EvidenceSummaryOut {
            indicators: n(e.indicators),
            observed_data: n(e.observed_data),
            sightings: n(e.sightings),
            observables: n(e.observables),
            artifacts: n(e.artifacts),
            claims: n(e.claims),
            identities: n(e.identities),
            relationships: n(e.relationships),
            other: n(e.other),
        }
    }
}

/// The signed envelope in its file form, as `countersign verify` reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignedEnvelopeOut {
    /// `{v, type, from, to[], created, refs[], tlp, body, attachments[]}`.
    #[schema(value_type = Object)]
    pub envelope: Value,
    /// C2SP signed note over `countersign/envelope/v1\n<id>\n`.
    pub signature: String,
}

/// A notification with its body, evidence, attachments and signed envelope.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationOut {
    #[serde(flatten)]
    pub header: NotificationSummaryOut,
    /// The narrative.
    pub summary: String,
    #[schema(schema_with = sectors_schema)]
    pub sectors: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<ObservedWindowWire>,
    /// Where the activity came from.
    pub origin: Vec<String>,
    /// What it hit.
    pub targets: Vec<String>,
    #[schema(schema_with = actions_schema)]
    pub requested_actions: Vec<String>,
    /// The STIX 2.1 bundle, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub evidence: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_summary: Option<EvidenceSummaryOut>,
    pub attachments: Vec<AttachmentOut>,
    /// Envelopes this one refers to.
    pub refs: Vec<String>,
    pub envelope: SignedEnvelopeOut,
    /// Per recipient: delivery state and receipt.
    pub recipients: Vec<RecipientOut>,
    /// Replies sent and received, oldest first.
    pub replies: Vec<ReplyOut>,
}

/// A reply to a notification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplyOut {
    pub id: String,
    pub from: String,
    pub created: String,
    /// `sent` by this node or `received` from the replying party's node.
    pub direction: String,
    /// acknowledgement, request-for-information, interim, findings,
    /// action-taken or declined.
    pub kind: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub evidence: Option<Value>,
}

impl From<&countersign_node::reply::ReplyView> for ReplyOut {
    fn from(r: &countersign_node::reply::ReplyView) -> Self {
        let env = r.envelope.envelope();
        ReplyOut {
            id: r.envelope.id().to_string(),
            from: env.from.to_string(),
            created: env.created.to_string(),
            direction: r.direction.as_str().to_owned(),
            kind: r.reply.kind.as_str().to_owned(),
            text: r.reply.text.clone(),
            reason: r.reply.reason.clone(),
            evidence: r.reply.evidence.clone(),
        }
    }
}

/// A reply to file: from a recipient of the notification to its sender.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyIn {
    /// acknowledgement, request-for-information, interim, findings,
    /// action-taken or declined.
    pub kind: String,
    #[serde(default)]
    pub text: String,
    /// Required for `declined`.
    #[serde(default)]
    pub reason: Option<String>,
    /// A STIX 2.1 bundle.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub evidence: Option<Value>,
    /// The replying party (default: the caller's).
    #[serde(default)]
    pub from: Option<String>,
}

impl ReplyIn {
    pub fn into_domain(
        self,
    ) -> Result<(Option<PartyId>, countersign_core::reply::Reply), NodeError> {
        let kind = countersign_core::reply::ReplyKind::parse(&self.kind.to_lowercase())
            .map_err(|e| NodeError::invalid(format!("kind: {}", e.message)))?;
        let from = self
            .from
            .map(|p| PartyId::parse(&p))
            .transpose()
            .map_err(|e| NodeError::invalid(format!("from: {}", e.message)))?;
        Ok((
            from,
            countersign_core::reply::Reply {
                kind,
                text: self.text,
                reason: self.reason,
                evidence: self.evidence,
            },
        ))
    }
}

/// Where a notification stands with one recipient.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecipientOut {
    pub party: String,
    /// `queued`, `delivered` (a verified receipt is held) or `failed`;
    /// absent when this node has no delivery or receipt for that party.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The receipt envelope's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<String>,
    /// Where to download the receipt (for `countersign verify`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_href: Option<String>,
}

impl RecipientOut {
    pub fn new(notification: &str, r: &countersign_node::notify::RecipientStatus) -> Self {
        RecipientOut {
            party: r.party.to_string(),
            state: r.state.map(|s| s.as_str().to_owned()),
            attempts: r.attempts,
            last_error: r.last_error.clone(),
            receipt: r.receipt.map(|id| id.to_string()),
            receipt_href: r
                .receipt
                .map(|_| format!("/v1/notifications/{notification}/receipts/{}", r.party)),
        }
    }
}

impl From<&NotificationDetail> for NotificationOut {
    fn from(d: &NotificationDetail) -> Self {
        let n = &d.checked.notification;
        let env = d.envelope.envelope();
        let id = d.envelope.id().to_string();
        // The envelope as signed; re-serialising a checked envelope cannot
        // fail, and if it did the client would still get every other field.
        let envelope_json = env.to_value().unwrap_or_else(|e| {
            tracing::error!(id = %id, error = %e, "cannot serialise a stored envelope");
            Value::Null
        });
        NotificationOut {
            header: (&d.row).into(),
            summary: n.summary.clone(),
            sectors: n.sectors.iter().map(|s| s.as_str().to_owned()).collect(),
            observed: n.observed.as_ref().map(|w| ObservedWindowWire {
                start: w.start.to_string(),
                end: w.end.to_string(),
            }),
            origin: scope_items(&n.origin),
            targets: scope_items(&n.targets),
            requested_actions: n
                .requested_actions
                .iter()
                .map(|a| a.as_str().to_owned())
                .collect(),
            evidence: n.evidence.clone(),
            evidence_summary: d.checked.evidence.as_ref().map(Into::into),
            attachments: env
                .attachments
                .iter()
                .map(|a| AttachmentOut::new(&id, a))
                .collect(),
            refs: env.refs.iter().map(ToString::to_string).collect(),
            envelope: SignedEnvelopeOut {
                envelope: envelope_json,
                signature: d.envelope.signature().to_owned(),
            },
            recipients: d
                .recipients
                .iter()
                .map(|r| RecipientOut::new(&id, r))
                .collect(),
            replies: d.replies.iter().map(Into::into).collect(),
        }
    }
}

// ---------------------------------------------------------------------------
// Notifications, in.

/// An attachment uploaded before (`PUT /v1/attachments`), named here.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentIn {
    pub sha256: String,
    /// File name shown to the recipient (no path separators).
    pub name: String,
    /// E.g. `application/vnd.tcpdump.pcap`.
    pub media_type: String,
}

/// A notification to file.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationIn {
    /// The sending party; defaults to the user's own party.
    #[serde(default)]
    pub from: Option<String>,
    /// Recipient party ids; each must be in the directory.
    pub to: Vec<String>,
    pub title: String,
    /// The narrative: what happened, what is asked.
    #[serde(default)]
    pub summary: Option<String>,
    /// RSIT `class/type`, or a type that belongs to one class only (`ddos`).
    #[schema(example = "availability/ddos")]
    pub category: String,
    #[serde(default)]
    #[schema(schema_with = sectors_schema)]
    pub sectors: Vec<String>,
    #[schema(schema_with = severity_schema)]
    pub severity: String,
    #[schema(schema_with = tlp_schema)]
    pub tlp: String,
    /// Acknowledgement deadline; defaults to the node's deadline policy
    /// (NIS2: 24 hours after sending; 4 hours for protected sectors).
    #[serde(default)]
    #[schema(format = DateTime)]
    pub ack_by: Option<String>,
    /// Substantive-reply deadline; defaults to the node's deadline policy
    /// (NIS2: 72 hours after sending; 24 hours for protected sectors).
    #[serde(default)]
    #[schema(format = DateTime)]
    pub reply_by: Option<String>,
    #[serde(default)]
    pub observed: Option<ObservedWindowWire>,
    /// Where the activity came from: IPs, CIDR prefixes, `AS64500`, domains.
    #[serde(default)]
    pub origin: Vec<String>,
    /// What it hit, in the same forms.
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    #[schema(schema_with = actions_schema)]
    pub requested_actions: Vec<String>,
    /// A STIX 2.1 bundle.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub evidence: Option<Value>,
    /// Blobs uploaded before, by SHA-256.
    #[serde(default)]
    pub attachments: Vec<AttachmentIn>,
}

impl NotificationIn {
    /// The node request this input stands for. `default_from` is the
    /// sender when none is named (the user's party). Extra attachments
    /// given as bytes (the web form's upload) are appended.
    pub fn into_request(
        self,
        default_from: &PartyId,
        uploads: Vec<AttachmentInput>,
    ) -> Result<NotifyRequest, NodeError> {
        let from = match self.from.as_deref().map(str::trim) {
            Some(f) if !f.is_empty() => field("from", PartyId::parse(f))?,
            _ => default_from.clone(),
        };
        let to = parse_all("to", &self.to, |t| PartyId::parse(t.trim()))?;
        let category = field("category", Category::parse_lenient(&self.category))?;
        // Deadlines not named are filled by the node from its policy at
        // the exact send time (`FillDeadlines`); the values here only
        // stand in until then.
        let sent = now();
        let fill_deadlines = FillDeadlines {
            ack_by: non_empty(self.ack_by.as_deref()).is_none(),
            reply_by: non_empty(self.reply_by.as_deref()).is_none(),
        };
        let ack_by = match non_empty(self.ack_by.as_deref()) {
            Some(t) => field("ack_by", parse_time(t, DayEdge::Start))?,
            None => sent.plus_hours(DEFAULT_ACK_HOURS),
        };
        let reply_by = match non_empty(self.reply_by.as_deref()) {
            Some(t) => field("reply_by", parse_time(t, DayEdge::Start))?,
            None => sent.plus_hours(DEFAULT_REPLY_HOURS),
        };
        let observed = self
            .observed
            .map(|w| {
                Ok::<_, NodeError>(ObservedWindow {
                    start: field("observed.start", parse_time(&w.start, DayEdge::Start))?,
                    end: field("observed.end", parse_time(&w.end, DayEdge::Start))?,
                })
            })
            .transpose()?;
        let mut attachments = self
            .attachments
            .into_iter()
            .map(|a| {
                Ok(AttachmentInput::Stored {
                    name: a.name,
                    media_type: a.media_type,
                    sha256: field("attachments.sha256", Sha256Hex::parse(&a.sha256))?,
                })
            })
            .collect::<Result<Vec<_>, NodeError>>()?;
        attachments.extend(uploads);
        let notification = Notification {
            title: self.title,
            summary: self.summary.unwrap_or_default(),
            category,
            sectors: parse_all("sectors", &self.sectors, Sector::parse)?,
            observed,
            origin: parse_scope("origin", &self.origin)?,
            targets: parse_scope("targets", &self.targets)?,
            requested_actions: parse_all(
                "requested_actions",
                &self.requested_actions,
                RequestedAction::parse,
            )?,
            severity: field("severity", Severity::parse(&self.severity))?,
            ack_by,
            reply_by,
            evidence: self.evidence,
        };
        Ok(NotifyRequest {
            from,
            to,
            tlp: field("tlp", Tlp::parse_label(&self.tlp))?,
            refs: vec![],
            notification,
            attachments,
            fill_deadlines,
        })
    }
}

/// Raw bytes in a request or response body (documentation only).
#[derive(Debug, Clone, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(pub Vec<u8>);

/// An attachment stored by `PUT /v1/attachments`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UploadOut {
    pub sha256: String,
    pub size: u64,
}

// ---------------------------------------------------------------------------
// Listing filters.

/// Filters and paging of `GET /v1/notifications`. Empty values count as
/// absent, so a web form's "any" choice can send them.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Sent by this party.
    pub from: Option<String>,
    /// Addressed to this party.
    pub to: Option<String>,
    /// Sent by or addressed to this party.
    pub party: Option<String>,
    /// RSIT class (`intrusions`), `class/type`, or a type unique to one class.
    pub category: Option<String>,
    #[param(schema_with = severity_schema)]
    pub severity: Option<String>,
    #[param(schema_with = sufficiency_schema)]
    pub sufficiency: Option<String>,
    /// At most this restrictive.
    #[param(schema_with = tlp_schema)]
    pub tlp: Option<String>,
    /// Created at or after (RFC 3339, or a date meaning its start).
    pub since: Option<String>,
    /// Created before (RFC 3339, or a date meaning through its end).
    pub until: Option<String>,
    /// Case-insensitive text in the title.
    pub q: Option<String>,
    /// Page size, 1 to 500; 50 by default.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListQuery {
    pub fn to_filter(&self) -> Result<(NotificationFilter, PageRequest), NodeError> {
        let party = |name: &str, v: &Option<String>| {
            non_empty(v.as_deref())
                .map(|p| field(name, PartyId::parse(p)))
                .transpose()
        };
        let filter = NotificationFilter {
            from: party("from", &self.from)?,
            to: party("to", &self.to)?,
            party: party("party", &self.party)?,
            category: non_empty(self.category.as_deref())
                .map(category_filter)
                .transpose()?,
            severity: non_empty(self.severity.as_deref())
                .map(|s| field("severity", Severity::parse(s)))
                .transpose()?,
            sufficiency: non_empty(self.sufficiency.as_deref())
                .map(|s| field("sufficiency", Sufficiency::parse(s)))
                .transpose()?,
            max_tlp: non_empty(self.tlp.as_deref())
                .map(|s| field("tlp", Tlp::parse_label(s)))
                .transpose()?,
            since: non_empty(self.since.as_deref())
                .map(|s| field("since", parse_time(s, DayEdge::Start)))
                .transpose()?,
            until: non_empty(self.until.as_deref())
                .map(|s| field("until", parse_time(s, DayEdge::NextDay)))
                .transpose()?,
            text: non_empty(self.q.as_deref()).map(str::to_owned),
            visible_to: None,
        };
        let limit = self.limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(NodeError::invalid(format!(
                "limit must be 1-{MAX_PAGE}, not {limit}"
            )));
        }
        let page = PageRequest {
            limit,
            cursor: non_empty(self.cursor.as_deref()).map(str::to_owned),
        };
        Ok((filter, page))
    }
}

/// A category filter: an RSIT class, or a category in any accepted form.
fn category_filter(text: &str) -> Result<String, NodeError> {
    let wanted = text.trim().to_ascii_lowercase();
    if RSIT.iter().any(|(class, _)| *class == wanted) {
        return Ok(wanted);
    }
    field("category", Category::parse_lenient(text)).map(|c| c.to_string())
}

// ---------------------------------------------------------------------------
// Helpers.

/// Puts the field name in front of a domain error.
fn field<T>(name: &str, r: Result<T, countersign_core::CoreError>) -> Result<T, NodeError> {
    r.map_err(|e| e.context(name).into())
}

fn parse_all<T>(
    name: &str,
    items: &[String],
    parse: impl Fn(&str) -> Result<T, countersign_core::CoreError>,
) -> Result<Vec<T>, NodeError> {
    items.iter().map(|i| field(name, parse(i))).collect()
}

fn parse_scope(name: &str, items: &[String]) -> Result<NetworkScope, NodeError> {
    let mut scope = NetworkScope::default();
    for item in items.iter().filter(|i| !i.trim().is_empty()) {
        field(name, scope.push_text(item))?;
    }
    Ok(scope)
}

/// A network scope as the list of strings `push_text` reads.
pub fn scope_items(scope: &NetworkScope) -> Vec<String> {
    scope
        .ips
        .iter()
        .map(ToString::to_string)
        .chain(scope.prefixes.iter().map(ToString::to_string))
        .chain(scope.asns.iter().map(|a| format!("AS{a}")))
        .chain(scope.domains.iter().cloned())
        .collect()
}

fn non_empty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// Which instant a bare date stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayEdge {
    /// Its first instant (for "since" and deadlines).
    Start,
    /// The first instant of the next day (for exclusive "until").
    NextDay,
}

/// A time typed by a person: RFC 3339 with any offset, a browser's
/// `datetime-local` value (`2026-11-22T09:30`, read as UTC), or a date.
pub fn parse_time(text: &str, edge: DayEdge) -> Result<Timestamp, countersign_core::CoreError> {
    let t = text.trim();
    if let Ok(ts) = Timestamp::parse_lenient(t) {
        return Ok(ts);
    }
    for format in ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(local) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(Timestamp::from_datetime(Utc.from_utc_datetime(&local)));
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        let day = match edge {
            DayEdge::Start => Some(day),
            DayEdge::NextDay => day.succ_opt(),
        };
        if let Some(midnight) = day.and_then(|d| d.and_hms_opt(0, 0, 0)) {
            return Ok(Timestamp::from_datetime(Utc.from_utc_datetime(&midnight)));
        }
    }
    Err(countersign_core::CoreError::invalid(format!(
        "{text:?} is not a time; write RFC 3339 like 2026-11-22T09:30:00Z, or a date like 2026-11-22"
    )))
}

// ---- Reply obligations (issue 5): ratings, timelines, due lists, scorecards.

/// A rating to sign: a quality and a reason, or the rule's proposal.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RatingIn {
    /// `substantive` or `formal`; required unless `accept_proposal`.
    #[serde(default)]
    pub quality: Option<String>,
    /// Why; required unless `accept_proposal` (then the rule's reason is
    /// used when none is given).
    #[serde(default)]
    pub reason: Option<String>,
    /// Close the matter with this rating (cannot be undone).
    #[serde(default)]
    pub close: bool,
    /// Sign what the documented rule proposes (refused for an
    /// acknowledgement, which needs no rating).
    #[serde(default)]
    pub accept_proposal: bool,
}

/// A signed rating.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatingOut {
    pub id: String,
    pub reply: String,
    pub notification: String,
    /// `substantive` or `formal`.
    pub quality: String,
    pub reason: String,
    pub close: bool,
    pub envelope: SignedEnvelopeOut,
}

impl RatingOut {
    pub fn from_signed(
        signed: &countersign_core::envelope::SignedEnvelope,
    ) -> Result<Self, NodeError> {
        let env = signed.envelope();
        let rating: countersign_core::reply::Rating =
            countersign_core::reply::Rating::deserialize(&env.body)
                .map_err(|e| NodeError::internal(format!("a rating does not parse: {e}")))?;
        Ok(RatingOut {
            id: signed.id().to_string(),
            reply: rating.reply.to_string(),
            notification: env.refs.get(1).map(ToString::to_string).unwrap_or_default(),
            quality: rating.quality.as_str().to_owned(),
            reason: rating.reason,
            close: rating.close,
            envelope: SignedEnvelopeOut {
                envelope: env.to_value()?,
                signature: signed.signature().to_owned(),
            },
        })
    }
}

/// What the documented rule proposes for a reply.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatingProposalOut {
    /// `substantive`, `formal`, or absent: the reply needs no rating.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<String>,
    pub reason: String,
}

impl From<&countersign_core::reply::RatingProposal> for RatingProposalOut {
    fn from(p: &countersign_core::reply::RatingProposal) -> Self {
        RatingProposalOut {
            quality: p.quality.map(|q| q.as_str().to_owned()),
            reason: p.reason.clone(),
        }
    }
}

/// One obligation's derived state (see `countersign_core::lifecycle`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LifecycleOut {
    /// queued, delivered, acknowledged, answered or closed.
    pub stage: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    pub overdue_ack: bool,
    pub overdue_reply: bool,
    pub ack_late: bool,
    pub answer_late: bool,
    pub delivery_failed: bool,
    pub replies: u32,
    /// The best current rating over the replies: substantive, formal, or absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<String>,
}

impl From<&countersign_core::lifecycle::Lifecycle> for LifecycleOut {
    fn from(l: &countersign_core::lifecycle::Lifecycle) -> Self {
        let t = |t: Option<Timestamp>| t.map(|t| t.to_string());
        LifecycleOut {
            stage: l.stage.as_str().to_owned(),
            delivered_at: t(l.delivered_at),
            acknowledged_at: t(l.acknowledged_at),
            answered_at: t(l.answered_at),
            closed_at: t(l.closed_at),
            overdue_ack: l.overdue_ack,
            overdue_reply: l.overdue_reply,
            ack_late: l.ack_late,
            answer_late: l.answer_late,
            delivery_failed: l.delivery_failed,
            replies: l.replies,
            quality: l.quality().map(|q| q.as_str().to_owned()),
        }
    }
}

/// One recipient's lifecycle.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecipientLifecycleOut {
    pub party: String,
    pub lifecycle: LifecycleOut,
}

/// How far an event is proven.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProofStateOut {
    /// The signature verifies against the directory.
    pub signed: bool,
    /// A verified receipt is held (sent) or was given (received); absent
    /// for receipts themselves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_index: Option<u64>,
    /// Peer witnesses that cosigned a checkpoint covering the leaf.
    pub witnessed: u32,
}

/// One event of a notification's timeline.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineEventOut {
    pub at: String,
    /// sent, delivered, reply or rating.
    pub event: String,
    pub envelope: String,
    pub from: String,
    /// delivered: the recipient.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// reply: its kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_kind: Option<String>,
    /// rating: the rated reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<String>,
    /// rating: substantive or formal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality: Option<String>,
    /// rating: it closes the matter.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub close: bool,
    /// rating: the earlier rating of the same reply it replaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    pub proof: ProofStateOut,
}

/// A notification's lifecycle per recipient and its events, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineOut {
    pub notification: String,
    pub from: String,
    pub created: String,
    pub ack_by: String,
    pub reply_by: String,
    /// The final report's date under this node's policy (not signed).
    pub final_by: String,
    /// The notification touches a protected sector.
    pub protected: bool,
    pub recipients: Vec<RecipientLifecycleOut>,
    pub events: Vec<TimelineEventOut>,
}

impl From<&countersign_node::obligations::Timeline> for TimelineOut {
    fn from(t: &countersign_node::obligations::Timeline) -> Self {
        use countersign_node::obligations::TimelineEventKind as K;
        let events = t
            .events
            .iter()
            .map(|e| {
                let mut out = TimelineEventOut {
                    at: e.at.to_string(),
                    event: String::new(),
                    envelope: e.envelope.to_string(),
                    from: e.from.to_string(),
                    to: None,
                    reply_kind: None,
                    reply: None,
                    quality: None,
                    close: false,
                    supersedes: None,
                    proof: ProofStateOut {
                        signed: e.proof.signed,
                        receipt_verified: e.proof.receipt_verified,
                        log_index: e.proof.log_index,
                        witnessed: e.proof.witnessed,
                    },
                };
                match &e.kind {
                    K::Sent => out.event = "sent".into(),
                    K::Delivered { to } => {
                        out.event = "delivered".into();
                        out.to = Some(to.to_string());
                    }
                    K::Reply { kind } => {
                        out.event = "reply".into();
                        out.reply_kind = Some(kind.as_str().to_owned());
                    }
                    K::Rating {
                        quality,
                        close,
                        reply,
                        supersedes,
                    } => {
                        out.event = "rating".into();
                        out.quality = Some(quality.as_str().to_owned());
                        out.close = *close;
                        out.reply = Some(reply.to_string());
                        out.supersedes = supersedes.map(|s| s.to_string());
                    }
                }
                out
            })
            .collect();
        TimelineOut {
            notification: t.notification.to_string(),
            from: t.from.to_string(),
            created: t.created.to_string(),
            ack_by: t.ack_by.to_string(),
            reply_by: t.reply_by.to_string(),
            final_by: t.final_by.to_string(),
            protected: t.protected,
            recipients: t
                .recipients
                .iter()
                .map(|r| RecipientLifecycleOut {
                    party: r.party.to_string(),
                    lifecycle: LifecycleOut::from(&r.lifecycle),
                })
                .collect(),
            events,
        }
    }
}

/// An obligation whose deadline has passed or is near.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueItemOut {
    pub notification: String,
    pub title: String,
    pub from: String,
    pub recipient: String,
    /// `out`: the counterpart owes us; `in`: we owe it.
    pub direction: String,
    /// `ack` or `reply`.
    pub deadline: String,
    pub due: String,
    pub protected: bool,
    pub stage: String,
}

/// The overdue and soon-due lists.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DueListsOut {
    /// Most recently due first.
    pub overdue: Vec<DueItemOut>,
    /// Soonest first.
    pub soon_due: Vec<DueItemOut>,
}

impl From<&countersign_node::obligations::DueLists> for DueListsOut {
    fn from(d: &countersign_node::obligations::DueLists) -> Self {
        let item = |i: &countersign_node::obligations::DueItem| DueItemOut {
            notification: i.notification.to_string(),
            title: i.title.clone(),
            from: i.from.to_string(),
            recipient: i.recipient.to_string(),
            direction: i.direction.as_str().to_owned(),
            deadline: i.which.as_str().to_owned(),
            due: i.due.to_string(),
            protected: i.protected,
            stage: i.stage.as_str().to_owned(),
        };
        DueListsOut {
            overdue: d.overdue.iter().map(item).collect(),
            soon_due: d.soon_due.iter().map(item).collect(),
        }
    }
}

/// `GET /v1/obligations/due` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// Hours ahead that count as soon (default 24, at most 8760).
    pub soon_hours: Option<i64>,
}

/// `GET /v1/scorecards` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ScorecardParams {
    /// `30d`, `12w` or `2026-01-01..2026-03-31` (default `90d`).
    pub period: Option<String>,
    /// One counterpart's party id.
    pub counterpart: Option<String>,
    /// `in` (how we answered them) or `out` (how they answered us).
    pub direction: Option<String>,
}

impl ScorecardParams {
    pub fn to_query(
        &self,
        now: Timestamp,
    ) -> Result<countersign_node::obligations::ScorecardQuery, NodeError> {
        use countersign_core::scorecard::{Direction, Period};
        Ok(countersign_node::obligations::ScorecardQuery {
            period: field(
                "period",
                Period::parse(non_empty(self.period.as_deref()).unwrap_or("90d"), now),
            )?,
            counterpart: non_empty(self.counterpart.as_deref())
                .map(|c| field("counterpart", PartyId::parse(c)))
                .transpose()?,
            direction: non_empty(self.direction.as_deref())
                .map(|d| field("direction", Direction::parse(d)))
                .transpose()?,
        })
    }
}

/// Median and 90th percentile (nearest rank), in seconds.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PercentilesOut {
    pub count: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub median_s: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p90_s: Option<i64>,
}

/// Notifications created in one week and how many are answered by now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeekCountOut {
    pub week_start: String,
    pub sent: u32,
    pub answered: u32,
}

/// One scorecard (see `countersign_core::scorecard` for each figure).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScorecardOut {
    pub party: String,
    pub counterpart: String,
    /// `out` or `in`.
    pub direction: String,
    pub sent: u32,
    pub delivered: u32,
    pub acknowledged: u32,
    pub answered: u32,
    pub substantive: u32,
    pub formal: u32,
    pub unrated: u32,
    pub unanswered: u32,
    pub overdue: u32,
    pub replies: u32,
    pub to_deliver: PercentilesOut,
    pub to_acknowledge: PercentilesOut,
    pub to_answer: PercentilesOut,
    pub weekly: Vec<WeekCountOut>,
}

impl From<&countersign_core::scorecard::Scorecard> for ScorecardOut {
    fn from(c: &countersign_core::scorecard::Scorecard) -> Self {
        let p = |p: &countersign_core::scorecard::Percentiles| PercentilesOut {
            count: p.count,
            median_s: p.median_s,
            p90_s: p.p90_s,
        };
        ScorecardOut {
            party: c.party.to_string(),
            counterpart: c.counterpart.to_string(),
            direction: c.direction.as_str().to_owned(),
            sent: c.sent,
            delivered: c.delivered,
            acknowledged: c.acknowledged,
            answered: c.answered,
            substantive: c.substantive,
            formal: c.formal,
            unrated: c.unrated,
            unanswered: c.unanswered,
            overdue: c.overdue,
            replies: c.replies,
            to_deliver: p(&c.to_deliver),
            to_acknowledge: p(&c.to_acknowledge),
            to_answer: p(&c.to_answer),
            weekly: c
                .weekly
                .iter()
                .map(|w| WeekCountOut {
                    week_start: w.week_start.to_string(),
                    sent: w.sent,
                    answered: w.answered,
                })
                .collect(),
        }
    }
}

/// Scorecards over a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScorecardsOut {
    pub period_start: String,
    pub period_end: String,
    pub scorecards: Vec<ScorecardOut>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_typed_by_people() {
        let p = |t, e| parse_time(t, e).map(|t| t.to_string());
        assert_eq!(
            p("2026-11-22T10:30:00+01:00", DayEdge::Start).unwrap(),
            "2026-11-22T09:30:00Z"
        );
        assert_eq!(
            p("2026-11-22T09:30", DayEdge::Start).unwrap(),
            "2026-11-22T09:30:00Z"
        );
        assert_eq!(
            p("2026-11-22", DayEdge::Start).unwrap(),
            "2026-11-22T00:00:00Z"
        );
        assert_eq!(
            p("2026-11-22", DayEdge::NextDay).unwrap(),
            "2026-11-23T00:00:00Z"
        );
        assert!(p("yesterday", DayEdge::Start).is_err());
    }

    #[test]
    fn list_query_rejects_bad_values_with_the_field_name() {
        let q = ListQuery {
            severity: Some("dire".into()),
            ..Default::default()
        };
        let e = q.to_filter().unwrap_err();
        assert!(e.message.starts_with("severity: "), "{}", e.message);
        let q = ListQuery {
            limit: Some(0),
            ..Default::default()
        };
        assert!(q.to_filter().is_err());
        let q = ListQuery {
            category: Some("Intrusions".into()),
            tlp: Some("TLP:AMBER".into()),
            severity: Some(String::new()),
            ..Default::default()
        };
        let (f, p) = q.to_filter().unwrap();
        assert_eq!(f.category.as_deref(), Some("intrusions"));
        assert_eq!(f.max_tlp, Some(Tlp::Amber));
        assert_eq!(f.severity, None);
        assert_eq!(p.limit, DEFAULT_PAGE);
    }
}
