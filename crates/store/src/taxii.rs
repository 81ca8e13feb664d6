//! What the TAXII 2.1 server needs from storage: object versions filed in
//! collections, the status resources of POST requests, and the queue of
//! notifications whose evidence is still to be filed.
//!
//! The backend keeps one row per object version and collection, with the
//! TAXII `date_added` it assigns: microseconds since the Unix epoch, unique
//! and strictly increasing across all collections (a later insert never
//! gets a smaller or equal value, even after deletions or a clock step
//! back), so that paging by `date_added` (TAXII 2.1 §3.4.1 `added_after`,
//! and our `next`) is exact. It applies the TLP visibility rule the node
//! states in `countersign_node::access` (see [`TaxiiQuery::visible_to`]);
//! it does not parse STIX.

use async_trait::async_trait;
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::tlp::Tlp;

use crate::Result;

/// Microseconds since the epoch as a TAXII timestamp: UTC, six fraction
/// digits, `Z` (`2026-11-22T09:30:00.123456Z`).
pub fn taxii_time(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string())
        .unwrap_or_else(|| "1970-01-01T00:00:00.000000Z".to_owned())
}

/// One object version to file in a collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTaxiiObject {
    /// The collection id (a UUID, as text).
    pub collection: String,
    pub stix_id: String,
    pub stix_type: String,
    pub spec_version: String,
    /// The STIX version (`modified`, else `created`) as written and as
    /// nanoseconds since the epoch; `None` (objects with neither, e.g.
    /// SCOs): the version is the `date_added` the backend assigns.
    pub version: Option<(String, i64)>,
    /// The party the object belongs to: the client's party for a POST,
    /// the sender for a notification's evidence.
    pub owner: PartyId,
    pub tlp: Tlp,
    /// The notification whose evidence this is; its recipients may see it.
    pub envelope: Option<EnvelopeId>,
    /// The object, compact JSON.
    pub json: String,
}

/// What became of one object of [`TaxiiStore::taxii_add`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaxiiAdded {
    /// Filed with this `date_added` (µs) and version (ns).
    Added { date_added_us: i64, version_ns: i64 },
    /// The same version from the same source was filed already: nothing
    /// written (TAXII POST is idempotent for a version).
    Existing { date_added_us: i64, version_ns: i64 },
}

/// A stored object version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTaxiiObject {
    /// The row's key, for deletion.
    pub seq: i64,
    pub date_added_us: i64,
    pub stix_id: String,
    pub spec_version: String,
    /// The version text (as the object writes it, or the `date_added`
    /// in TAXII form when the object has none).
    pub version: String,
    pub version_ns: i64,
    pub owner: PartyId,
    pub tlp: Tlp,
    pub envelope: Option<EnvelopeId>,
    /// The object JSON, when the query asked for it.
    pub json: Option<String>,
}

/// `match[version]` values (TAXII 2.1 §3.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionMatch {
    Last,
    First,
    All,
    /// The version at this instant (nanoseconds since the epoch).
    At(i64),
}

/// Which object versions to read. Every set field must match; within a
/// list any value may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxiiQuery {
    pub collection: String,
    /// TLP access control: only versions this party may see, i.e. it owns
    /// them, is a recipient of the notification they came with, or they
    /// are TLP:CLEAR or TLP:GREEN. `None`: everything (the operator).
    pub visible_to: Option<PartyId>,
    /// Only versions with `date_added` strictly after this (µs).
    pub added_after_us: Option<i64>,
    /// The pagination position (from `next`): strictly after this (µs).
    pub after_us: Option<i64>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    /// Empty: all versions.
    pub versions: Vec<VersionMatch>,
    /// Empty: any spec version.
    pub spec_versions: Vec<String>,
    /// At most this many (at least 1).
    pub limit: u32,
    /// Whether to return the objects' JSON.
    pub with_json: bool,
}

/// One page of versions, oldest `date_added` first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxiiPage {
    pub items: Vec<StoredTaxiiObject>,
    /// More versions match after the last item.
    pub more: bool,
}

/// A stored status resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxiiStatusRecord {
    pub id: String,
    /// Only this party may read it.
    pub owner: PartyId,
    /// The status, as the node serialised it.
    pub json: String,
}

/// Makes the status resource of a POST from what became of its objects.
pub type StatusFn = Box<dyn FnOnce(&[TaxiiAdded]) -> Result<TaxiiStatusRecord> + Send>;

/// TAXII storage. Same contract as [`crate::Store`]: every method is atomic.
#[async_trait]
pub trait TaxiiStore: Send + Sync {
    /// Files object versions in one transaction; the result is in the
    /// order of `objects`. When given, `status` is called with that result
    /// and the status resource it returns is stored in the same
    /// transaction (one commit, one fsync, per POST).
    async fn taxii_add(
        &self,
        objects: &[NewTaxiiObject],
        status: Option<StatusFn>,
    ) -> Result<Vec<TaxiiAdded>>;
    /// Versions matching `query`, oldest `date_added` first.
    async fn taxii_query(&self, query: &TaxiiQuery) -> Result<TaxiiPage>;
    /// Removes versions by [`StoredTaxiiObject::seq`]; returns how many.
    async fn taxii_delete(&self, seqs: &[i64]) -> Result<u64>;
    async fn taxii_put_status(&self, status: &TaxiiStatusRecord) -> Result<()>;
    async fn taxii_get_status(&self, id: &str) -> Result<Option<TaxiiStatusRecord>>;
    /// Up to `limit` notification envelopes whose evidence is not filed
    /// yet (every stored notification is queued in the transaction that
    /// stores it).
    async fn taxii_evidence_pending(&self, limit: u32) -> Result<Vec<EnvelopeId>>;
    /// Files a notification's evidence objects and takes it off the
    /// queue, in one transaction.
    async fn taxii_add_evidence(
        &self,
        envelope: &EnvelopeId,
        objects: &[NewTaxiiObject],
    ) -> Result<()>;
}
