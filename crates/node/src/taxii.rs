//! TAXII 2.1 collections over the node's evidence: what the TAXII server
//! in `countersign-web` serves, without HTTP.
//!
//! # Collections
//!
//! One collection per TLP 2.0 level (fixed ids, [`COLLECTIONS`]): `TLP:CLEAR`,
//! `TLP:GREEN`, `TLP:AMBER`, `TLP:AMBER+STRICT` and `TLP:RED`. Every user of
//! the node sees the five collections; what each shows is filtered per
//! object version by the TLP rule of [`crate::access`]:
//!
//! - `CLEAR`, `GREEN`: every user of this node;
//! - `AMBER`, `AMBER+STRICT`, `RED`: the owner party and, for a
//!   notification's evidence, its named recipients — nobody else.
//!
//! What is in them:
//!
//! - **A notification's evidence.** Each object of the evidence bundle is
//!   filed under the stricter of the notification's TLP and the object's
//!   own TLP marking, owned by the sender and visible to the recipients as
//!   the rule says. Every stored notification is queued for this in the
//!   transaction that stores it (received ones too, once federation stores
//!   them), and the queue is drained before each TAXII read
//!   ([`Node::taxii_sync_evidence`]). Evidence cannot be deleted through
//!   TAXII: it is part of a signed notification.
//! - **Objects POSTed by a client** belong to the client's party. Their TLP
//!   is that of their `object_marking_refs` (the fixed TLP 2.0 or 1.0
//!   marking-definition ids; the strictest if several); an object without
//!   a TLP marking takes the collection's level. An object marked with
//!   another level than the collection's is refused (422), so that a
//!   collection only ever holds its own level. With no recipients, a POSTed
//!   AMBER, AMBER+STRICT or RED object is visible to its own party only.
//!
//! Roles: `viewer` reads, `analyst` and `admin` also write (POST, DELETE of
//! their party's own objects). A POST is all or nothing: every object is
//! checked (`countersign_stix::validate_object`) and if any fails, the
//! request fails with every problem listed and nothing is filed.

use countersign_core::access::Role;
use countersign_core::ids::{EnvelopeId, PartyId};
use countersign_core::tlp::Tlp;
use countersign_store::{
    NewTaxiiObject, StoredTaxiiObject, TaxiiAdded, TaxiiQuery, TaxiiStatusRecord, TaxiiStore,
    VersionMatch,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Node;
use crate::access::Viewer;
use crate::error::{NodeError, NodeErrorKind, Result};

/// The media type of STIX 2.1 objects in manifests.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";
/// The largest page the TAXII server returns, and the default.
pub const MAX_PAGE: u32 = 1000;
/// The most objects one POST may carry.
pub const MAX_POST_OBJECTS: usize = 10_000;

/// The collections: (id, level). Ids are fixed so clients can keep them.
pub const COLLECTIONS: [(&str, Tlp); 5] = [
    ("168597c3-0afe-489d-ad68-e65490a05fd4", Tlp::Clear),
    ("87b472bb-08d2-469f-8904-9e3e02cbd589", Tlp::Green),
    ("74619c39-c5f3-4303-ae92-a0a462eb36ca", Tlp::Amber),
    ("17318e86-aa35-47f8-85ef-c682d309ea8a", Tlp::AmberStrict),
    ("e6e89d7b-1a57-49d2-b49c-d229e123ba97", Tlp::Red),
];

/// A collection as a viewer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    pub id: &'static str,
    pub tlp: Tlp,
    pub title: String,
    pub description: String,
    pub can_read: bool,
    pub can_write: bool,
}

/// The collection of a TLP level.
pub fn collection_of(tlp: Tlp) -> &'static str {
    COLLECTIONS
        .iter()
        .find(|(_, t)| *t == tlp)
        .map(|(id, _)| *id)
        .unwrap_or(COLLECTIONS[4].0)
}

fn describe(id: &'static str, tlp: Tlp, viewer: &Viewer) -> Collection {
    let who = match tlp {
        Tlp::Clear | Tlp::Green => "every user of this node",
        Tlp::Amber | Tlp::AmberStrict | Tlp::Red => {
            "the party that owns each object and the named recipients of the notification it came with"
        }
    };
    let writer = match viewer {
        Viewer::Operator => true,
        Viewer::User { role, .. } => role.allows(Role::Analyst),
    };
    Collection {
        id,
        tlp,
        title: format!("{} evidence", tlp.label()),
        description: format!(
            "STIX 2.1 objects marked {}: notification evidence and objects posted by users. \
             Visible to {who}.",
            tlp.label()
        ),
        can_read: true,
        can_write: writer,
    }
}

/// Filters of a TAXII read (TAXII 2.1 §3.4), already parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectFilter {
    /// `added_after`, µs since the epoch.
    pub added_after_us: Option<i64>,
    /// The position from `next`, µs since the epoch.
    pub next_us: Option<i64>,
    pub limit: Option<u32>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    /// Empty: the endpoint's default.
    pub versions: Vec<VersionMatch>,
    pub spec_versions: Vec<String>,
}

/// One page of object versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPage {
    pub items: Vec<StoredTaxiiObject>,
    pub more: bool,
}

/// A status resource (TAXII 2.1 §4.3.1), as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxiiStatus {
    pub id: String,
    /// Always `complete`: a POST is processed before it is answered.
    pub status: String,
    /// When the request was received, TAXII form.
    pub request_timestamp: String,
    pub total_count: u64,
    pub success_count: u64,
    pub successes: Vec<StatusDetail>,
    pub failure_count: u64,
    pub failures: Vec<StatusDetail>,
    pub pending_count: u64,
    pub pendings: Vec<StatusDetail>,
}

/// A status detail (TAXII 2.1 §4.3.1): absent fields are left out, so
/// the serialised status is the TAXII wire form (statuses stored with
/// `null`s by earlier versions still read).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDetail {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The status of a POST as returned: the resource, and its JSON as stored
/// (the TAXII wire form), so the answer is not serialised twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedStatus {
    pub status: TaxiiStatus,
    pub json: String,
}

/// The TLP of an object's markings: the strictest TLP marking it names.
fn marking_tlp(object: &Value) -> Option<Tlp> {
    object
        .get("object_marking_refs")?
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .filter_map(countersign_stix::tlp::tlp_level_of_marking)
        .filter_map(|level| Tlp::parse(level).ok())
        .max()
}

/// The version of an object: `modified`, else `created` (text and ns).
fn version_of(object: &Value) -> Option<(String, i64)> {
    let text = object
        .get("modified")
        .or_else(|| object.get("created"))?
        .as_str()?;
    let ts = countersign_stix::timestamp::Timestamp::parse(text).ok()?;
    let ns = ts.instant().timestamp_nanos_opt()?;
    Some((text.to_owned(), ns))
}

fn new_object(
    value: &Value,
    collection: &str,
    owner: &PartyId,
    tlp: Tlp,
    envelope: Option<EnvelopeId>,
) -> Option<NewTaxiiObject> {
    let str_of = |p: &str| value.get(p).and_then(Value::as_str).map(str::to_owned);
    Some(NewTaxiiObject {
        collection: collection.to_owned(),
        stix_id: str_of("id")?,
        stix_type: str_of("type")?,
        spec_version: str_of("spec_version").unwrap_or_else(|| "2.1".to_owned()),
        version: version_of(value),
        owner: owner.clone(),
        tlp,
        envelope,
        json: value.to_string(),
    })
}

fn taxii_store(node: &Node) -> Result<&dyn TaxiiStore> {
    node.store()
        .taxii()
        .ok_or_else(|| NodeError::internal("this storage backend has no TAXII storage".to_owned()))
}

impl Node {
    /// The collections, as the viewer may use them.
    pub fn taxii_collections(&self, viewer: &Viewer) -> Result<Vec<Collection>> {
        viewer.require(Role::Viewer)?;
        Ok(COLLECTIONS
            .iter()
            .map(|(id, tlp)| describe(id, *tlp, viewer))
            .collect())
    }

    /// One collection by id.
    pub fn taxii_collection(&self, viewer: &Viewer, id: &str) -> Result<Collection> {
        viewer.require(Role::Viewer)?;
        COLLECTIONS
            .iter()
            .find(|(cid, _)| *cid == id)
            .map(|(cid, tlp)| describe(cid, *tlp, viewer))
            .ok_or_else(|| NodeError::not_found(format!("no collection {id}")))
    }

    /// Files the evidence of every stored notification not filed yet.
    pub async fn taxii_sync_evidence(&self) -> Result<()> {
        let store = taxii_store(self)?;
        loop {
            let pending = store.taxii_evidence_pending(100).await?;
            if pending.is_empty() {
                return Ok(());
            }
            for id in pending {
                let objects = self.evidence_objects(&id).await?;
                store.taxii_add_evidence(&id, &objects).await?;
            }
        }
    }

    async fn evidence_objects(&self, id: &EnvelopeId) -> Result<Vec<NewTaxiiObject>> {
        let Some(stored) = self.store().get_envelope(id).await? else {
            return Ok(Vec::new());
        };
        let env = stored.envelope.envelope();
        let Some(bundle) = env.body.get("evidence") else {
            return Ok(Vec::new());
        };
        let checked = match countersign_stix::check_bundle(bundle) {
            Ok(b) => b,
            Err(e) => {
                // Checked when it was stored: a newer, stricter checker
                // refuses it. Keep the notification, skip its evidence.
                tracing::warn!(envelope = %id, error = %e, "evidence not filed for TAXII");
                return Ok(Vec::new());
            }
        };
        Ok(checked
            .objects()
            .iter()
            .filter_map(|o| {
                let value = o.to_value();
                let tlp = marking_tlp(&value).map_or(env.tlp, |t| t.max(env.tlp));
                new_object(&value, collection_of(tlp), &env.from, tlp, Some(*id))
            })
            .collect())
    }

    /// Object versions of a collection (objects and manifest endpoints).
    /// Default version filter: `last`.
    pub async fn taxii_objects(
        &self,
        viewer: &Viewer,
        collection: &str,
        filter: ObjectFilter,
        with_json: bool,
    ) -> Result<ObjectPage> {
        let c = self.taxii_collection(viewer, collection)?;
        self.taxii_sync_evidence().await?;
        let mut filter = filter;
        if filter.versions.is_empty() {
            filter.versions = vec![VersionMatch::Last];
        }
        self.taxii_query(viewer, c.id, filter, with_json).await
    }

    /// The versions of one object (object GET, versions): not found unless
    /// the viewer may see at least one version of it. Default version
    /// filter: `last` for the object, `all` when `all_versions`.
    pub async fn taxii_object(
        &self,
        viewer: &Viewer,
        collection: &str,
        object_id: &str,
        mut filter: ObjectFilter,
        all_versions: bool,
    ) -> Result<ObjectPage> {
        let c = self.taxii_collection(viewer, collection)?;
        self.taxii_sync_evidence().await?;
        self.require_object(viewer, c.id, object_id).await?;
        filter.ids = vec![object_id.to_owned()];
        filter.types.clear();
        if all_versions || filter.versions.is_empty() {
            filter.versions = vec![if all_versions {
                VersionMatch::All
            } else {
                VersionMatch::Last
            }];
        }
        self.taxii_query(viewer, c.id, filter, !all_versions).await
    }

    async fn require_object(&self, viewer: &Viewer, collection: &str, id: &str) -> Result<()> {
        let probe = ObjectFilter {
            ids: vec![id.to_owned()],
            limit: Some(1),
            ..Default::default()
        };
        let any = self.taxii_query(viewer, collection, probe, false).await?;
        if any.items.is_empty() {
            return Err(NodeError::not_found(format!(
                "no object {id} in collection {collection}"
            )));
        }
        Ok(())
    }

    async fn taxii_query(
        &self,
        viewer: &Viewer,
        collection: &str,
        filter: ObjectFilter,
        with_json: bool,
    ) -> Result<ObjectPage> {
        let query = TaxiiQuery {
            collection: collection.to_owned(),
            visible_to: viewer.party().cloned(),
            added_after_us: filter.added_after_us,
            after_us: filter.next_us,
            ids: filter.ids,
            types: filter.types,
            versions: filter.versions,
            spec_versions: filter.spec_versions,
            limit: filter.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE),
            with_json,
        };
        let page = taxii_store(self)?.taxii_query(&query).await?;
        Ok(ObjectPage {
            items: page.items,
            more: page.more,
        })
    }

    /// Deletes the matching versions of an object (default: all). Only the
    /// owner party's analysts and admins may, and never a notification's
    /// evidence. Returns how many versions went.
    pub async fn taxii_delete(
        &self,
        viewer: &Viewer,
        collection: &str,
        object_id: &str,
        mut filter: ObjectFilter,
    ) -> Result<u64> {
        viewer.require(Role::Analyst)?;
        let c = self.taxii_collection(viewer, collection)?;
        self.taxii_sync_evidence().await?;
        self.require_object(viewer, c.id, object_id).await?;
        filter.ids = vec![object_id.to_owned()];
        if filter.versions.is_empty() {
            filter.versions = vec![VersionMatch::All];
        }
        filter.limit = Some(MAX_PAGE);
        let mut seqs = Vec::new();
        loop {
            let page = self
                .taxii_query(viewer, c.id, filter.clone(), false)
                .await?;
            for item in &page.items {
                if item.envelope.is_some() {
                    return Err(NodeError::forbidden(format!(
                        "{object_id} is evidence of notification {}: it cannot be deleted",
                        item.envelope.map(|e| e.to_string()).unwrap_or_default()
                    )));
                }
                if !viewer.may_act_for(&item.owner) {
                    return Err(NodeError::forbidden(format!(
                        "{object_id} belongs to {}; only its own party may delete it",
                        item.owner
                    )));
                }
                seqs.push(item.seq);
            }
            match page.items.last() {
                Some(last) if page.more => filter.next_us = Some(last.date_added_us),
                _ => break,
            }
        }
        if seqs.is_empty() {
            return Err(NodeError::not_found(format!(
                "no version of {object_id} matches the filter"
            )));
        }
        Ok(taxii_store(self)?.taxii_delete(&seqs).await?)
    }

    /// Checks and files POSTed objects for the viewer's party; all or
    /// nothing (see the module documentation). Returns the stored status.
    pub async fn taxii_add(
        &self,
        viewer: &Viewer,
        collection: &str,
        objects: Vec<Value>,
    ) -> Result<PostedStatus> {
        viewer.require(Role::Analyst)?;
        let c = self.taxii_collection(viewer, collection)?;
        let owner = viewer.party().cloned().ok_or_else(|| {
            NodeError::invalid("objects are posted by a user of a party, not by the operator")
        })?;
        if objects.len() > MAX_POST_OBJECTS {
            return Err(NodeError::new(
                NodeErrorKind::TooLarge,
                format!(
                    "{} objects in one request; the limit is {MAX_POST_OBJECTS}",
                    objects.len()
                ),
            ));
        }
        let request_timestamp =
            countersign_store::taxii_time(chrono::Utc::now().timestamp_micros());
        let (checked, problems) = {
            let (tlp, id, owner) = (c.tlp, c.id, owner.clone());
            tokio::task::spawn_blocking(move || check_posted_parallel(&objects, id, tlp, &owner))
                .await
                .map_err(|e| NodeError::internal(format!("object check failed: {e}")))?
        };
        if !problems.is_empty() {
            let shown = problems.len().min(50);
            let mut message = format!(
                "{} problem(s) in the posted objects; nothing was stored: {}",
                problems.len(),
                problems[..shown].join("; ")
            );
            if shown < problems.len() {
                message.push_str(&format!("; and {} more", problems.len() - shown));
            }
            return Err(NodeError::new(NodeErrorKind::InvalidStix, message));
        }
        let news = checked;
        let status_id = uuid::Uuid::new_v4().to_string();
        let keys: Vec<(String, Option<String>)> = news
            .iter()
            .map(|n| (n.stix_id.clone(), n.version.as_ref().map(|v| v.0.clone())))
            .collect();
        // The status is made (and serialised, once) inside the storing
        // transaction; the slot hands it back.
        let slot = std::sync::Arc::new(std::sync::Mutex::new(None::<PostedStatus>));
        let make = {
            let slot = std::sync::Arc::clone(&slot);
            let status_id = status_id.clone();
            move |added: &[TaxiiAdded]| -> countersign_store::Result<TaxiiStatusRecord> {
                let status = build_status(status_id, request_timestamp, &keys, added);
                let json = serde_json::to_string(&status).map_err(|e| {
                    countersign_store::StoreError::backend(format!(
                        "cannot serialise a status: {e}"
                    ))
                })?;
                let record = TaxiiStatusRecord {
                    id: status.id.clone(),
                    owner,
                    json: json.clone(),
                };
                *slot.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some(PostedStatus { status, json });
                Ok(record)
            }
        };
        taxii_store(self)?
            .taxii_add(&news, Some(Box::new(make)))
            .await?;
        let posted = slot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| NodeError::internal(format!("status {status_id} was not made")))?;
        tracing::info!(status = %status_id, objects = news.len(), collection = c.id, "TAXII objects added");
        Ok(posted)
    }

    /// A status resource of one of the viewer's party's requests.
    pub async fn taxii_status(&self, viewer: &Viewer, id: &str) -> Result<TaxiiStatus> {
        viewer.require(Role::Viewer)?;
        let not_found = || NodeError::not_found(format!("no status {id}"));
        let record = taxii_store(self)?
            .taxii_get_status(id)
            .await?
            .ok_or_else(not_found)?;
        if !viewer.may_act_for(&record.owner) {
            return Err(not_found());
        }
        serde_json::from_str(&record.json)
            .map_err(|e| NodeError::internal(format!("stored status {id} does not parse: {e}")))
    }
}

/// The status resource of a completed POST: every object a success (a
/// version stored before says so in its message).
fn build_status(
    id: String,
    request_timestamp: String,
    keys: &[(String, Option<String>)],
    added: &[TaxiiAdded],
) -> TaxiiStatus {
    let successes: Vec<StatusDetail> = keys
        .iter()
        .zip(added)
        .map(|((stix_id, version), a)| {
            let (us, message) = match a {
                TaxiiAdded::Added { date_added_us, .. } => (*date_added_us, None),
                TaxiiAdded::Existing { date_added_us, .. } => (
                    *date_added_us,
                    Some("this version was stored already".to_owned()),
                ),
            };
            StatusDetail {
                id: stix_id.clone(),
                version: Some(
                    version
                        .clone()
                        .unwrap_or_else(|| countersign_store::taxii_time(us)),
                ),
                message,
            }
        })
        .collect();
    TaxiiStatus {
        id,
        status: "complete".to_owned(),
        request_timestamp,
        total_count: keys.len() as u64,
        success_count: successes.len() as u64,
        successes,
        failure_count: 0,
        failures: Vec::new(),
        pending_count: 0,
        pendings: Vec::new(),
    }
}

/// Checks POSTed objects on both halves at once when there are many (a
/// check is pure CPU work: about 5 µs an object).
fn check_posted_parallel(
    objects: &[Value],
    collection: &'static str,
    tlp: Tlp,
    owner: &PartyId,
) -> (Vec<NewTaxiiObject>, Vec<String>) {
    if objects.len() < 512 {
        return check_posted(objects, 0, collection, tlp, owner);
    }
    let mid = objects.len() / 2;
    let (head, tail) = objects.split_at(mid);
    let ((mut a, mut pa), (b, pb)) = std::thread::scope(|scope| {
        let second = scope.spawn(|| check_posted(tail, mid, collection, tlp, owner));
        let first = check_posted(head, 0, collection, tlp, owner);
        let second = second
            .join()
            .unwrap_or_else(|_| (Vec::new(), vec!["the object check failed".to_owned()]));
        (first, second)
    });
    a.extend(b);
    pa.extend(pb);
    (a, pa)
}

/// Checks POSTed objects (indexes counted from `offset` in messages):
/// the objects to file, and every problem found.
fn check_posted(
    objects: &[Value],
    offset: usize,
    collection: &'static str,
    level: Tlp,
    owner: &PartyId,
) -> (Vec<NewTaxiiObject>, Vec<String>) {
    let mut problems = Vec::new();
    let mut checked = Vec::with_capacity(objects.len());
    for (i, value) in objects.iter().enumerate() {
        let i = i + offset;
        // Only made for a problem: most objects have none.
        let label = || {
            value
                .get("id")
                .and_then(Value::as_str)
                .map_or_else(|| format!("object {i}"), |id| format!("object {i} ({id})"))
        };
        if let Err(e) = countersign_stix::validate_object(value) {
            let label = label();
            for p in &e.errors {
                problems.push(format!("{label}: {}", p.message));
            }
            continue;
        }
        let tlp = marking_tlp(value).unwrap_or(level);
        if tlp != level {
            problems.push(format!(
                "{}: it is marked {} but this is the {} collection; post it to \
                 collection {}",
                label(),
                tlp.label(),
                level.label(),
                collection_of(tlp)
            ));
            continue;
        }
        match new_object(value, collection, owner, tlp, None) {
            Some(new) => checked.push(new),
            None => problems.push(format!("{}: it has no id or type", label())),
        }
    }
    (checked, problems)
}
