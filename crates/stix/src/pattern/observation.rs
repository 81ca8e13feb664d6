//! Observations as patterns see them (STIX 2.1 §4.14, §9.1): an
//! observed-data object's time span and count, and the cyber-observables it
//! references, plus the objects those reach through `_ref`/`_refs`
//! properties.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::bundle::Bundle;
use crate::objects::{ObjectCategory, category_of};
use crate::timestamp::Timestamp;

/// Most objects one observation holds, referenced and reached together; a
/// reference chain past this is cut.
pub const MAX_OBSERVATION_OBJECTS: usize = 10_000;

/// One object of an observation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sco {
    pub(crate) id: String,
    pub(crate) object_type: String,
    pub(crate) value: Value,
}

impl Sco {
    fn from_value(id: Option<&str>, value: Value) -> Sco {
        let id = id
            .map(str::to_owned)
            .or_else(|| value.get("id").and_then(Value::as_str).map(str::to_owned))
            .unwrap_or_default();
        let object_type = value
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Sco {
            id,
            object_type,
            value,
        }
    }
}

/// Why an observed-data object cannot be turned into an [`Observation`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("observed-data {id}: {message}")]
pub struct ObservationError {
    pub id: String,
    pub message: String,
}

/// An observation: when it was seen (`first_observed` to `last_observed`),
/// how many times (`number_observed`, each counting as one observation for
/// `REPEATS` and the observation operators), and the objects seen.
///
/// The objects are those the observed-data references (`object_refs`, or
/// the values of the deprecated `objects` dictionary); comparisons start
/// from them. Objects they reach through `_ref` and `_refs` properties are
/// kept too, so a path such as `network-traffic:dst_ref.value` can follow
/// the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    id: String,
    first_observed: Timestamp,
    last_observed: Timestamp,
    number_observed: u64,
    /// Every object, sorted by id for reference lookups.
    objects: Vec<Arc<Sco>>,
    /// Indices into `objects` of the referenced objects, in reference order.
    roots: Vec<usize>,
}

impl Observation {
    /// An observation with no objects yet. A `number_observed` of 0 is
    /// taken as 1.
    pub fn new(
        id: impl Into<String>,
        first_observed: Timestamp,
        last_observed: Timestamp,
        number_observed: u64,
    ) -> Observation {
        Observation {
            id: id.into(),
            first_observed,
            last_observed,
            number_observed: number_observed.max(1),
            objects: Vec::new(),
            roots: Vec::new(),
        }
    }

    /// Adds an object the observed-data references (its `id` and `type`
    /// are read from the object).
    #[must_use]
    pub fn with_object(mut self, object: Value) -> Observation {
        self.insert(Sco::from_value(None, object), true);
        self
    }

    /// Adds an object reachable only through a reference from another one.
    #[must_use]
    pub fn with_linked(mut self, object: Value) -> Observation {
        self.insert(Sco::from_value(None, object), false);
        self
    }

    fn insert(&mut self, sco: Sco, root: bool) {
        self.insert_arc(Arc::new(sco), root);
    }

    fn insert_arc(&mut self, sco: Arc<Sco>, root: bool) {
        match self
            .objects
            .binary_search_by(|o| o.id.as_str().cmp(&sco.id))
        {
            Ok(i) => {
                if root && !self.roots.contains(&i) {
                    self.roots.push(i);
                }
            }
            Err(i) => {
                self.objects.insert(i, sco);
                for r in &mut self.roots {
                    if *r >= i {
                        *r += 1;
                    }
                }
                if root {
                    self.roots.push(i);
                }
            }
        }
    }

    /// Builds the observations of every `observed-data` in a checked
    /// bundle, in bundle order, resolving references within the bundle.
    /// Observed-data whose times or count cannot be read are skipped (the
    /// checker has already reported them).
    pub fn from_bundle(bundle: &Bundle) -> Vec<Observation> {
        let mut cache: HashMap<String, Arc<Sco>> = HashMap::new();
        bundle
            .of_type("observed-data")
            .filter_map(|od| {
                build(
                    od.properties()
                        .get("id")
                        .and_then(Value::as_str)
                        .unwrap_or(""),
                    &Value::Object(od.properties().clone()),
                    &|id| {
                        bundle
                            .get(id)
                            .map(|o| Value::Object(o.properties().clone()))
                    },
                    &mut cache,
                )
                .ok()
            })
            .collect()
    }

    /// Builds the observations of every `observed-data` among `objects`
    /// (unchecked JSON, such as a TAXII envelope's objects or a bundle's
    /// `objects` array), resolving references among them. The first
    /// observed-data that cannot be read is reported.
    pub fn from_objects(objects: &[Value]) -> Result<Vec<Observation>, ObservationError> {
        let by_id: HashMap<&str, &Value> = objects
            .iter()
            .filter_map(|o| Some((o.get("id")?.as_str()?, o)))
            .collect();
        let mut cache: HashMap<String, Arc<Sco>> = HashMap::new();
        objects
            .iter()
            .filter(|o| o.get("type").and_then(Value::as_str) == Some("observed-data"))
            .map(|od| {
                build(
                    od.get("id").and_then(Value::as_str).unwrap_or(""),
                    od,
                    &|id| by_id.get(id).map(|v| (*v).clone()),
                    &mut cache,
                )
            })
            .collect()
    }

    /// Builds one observation from an observed-data object, looking up the
    /// objects it references with `lookup`.
    pub fn from_observed_data(
        observed_data: &Value,
        lookup: &dyn Fn(&str) -> Option<Value>,
    ) -> Result<Observation, ObservationError> {
        let id = observed_data
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("");
        build(id, observed_data, lookup, &mut HashMap::new())
    }

    /// The observed-data id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The start of the time span.
    pub fn first_observed(&self) -> &Timestamp {
        &self.first_observed
    }

    /// The end of the time span.
    pub fn last_observed(&self) -> &Timestamp {
        &self.last_observed
    }

    /// How many times the objects were seen (at least 1).
    pub fn number_observed(&self) -> u64 {
        self.number_observed
    }

    /// The referenced objects, in reference order.
    pub fn objects(&self) -> impl Iterator<Item = &Value> {
        self.roots.iter().map(|&i| &self.objects[i].value)
    }

    /// The referenced and the reachable objects.
    pub fn all_objects(&self) -> impl Iterator<Item = &Value> {
        self.objects.iter().map(|o| &o.value)
    }

    pub(crate) fn roots(&self) -> impl Iterator<Item = &Sco> {
        self.roots.iter().map(|&i| &*self.objects[i])
    }

    /// The object with this id, referenced or reachable.
    pub(crate) fn find(&self, id: &str) -> Option<&Sco> {
        self.objects
            .binary_search_by(|o| o.id.as_str().cmp(id))
            .ok()
            .map(|i| &*self.objects[i])
    }
}

/// Whether an object of this type can be matched by a pattern: the
/// cyber-observables, spec-defined or custom (patterns do not match SDOs,
/// SROs or meta objects).
fn is_observable(object_type: &str) -> bool {
    matches!(
        category_of(object_type),
        ObjectCategory::Sco | ObjectCategory::Custom
    )
}

/// Every id held by a `_ref` or `_refs` property anywhere inside `value`.
fn collect_refs<'v>(value: &'v Value, out: &mut Vec<&'v str>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k.ends_with("_ref") {
                    if let Some(s) = v.as_str() {
                        out.push(s);
                    }
                } else if k.ends_with("_refs") {
                    if let Some(a) = v.as_array() {
                        out.extend(a.iter().filter_map(Value::as_str));
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                collect_refs(v, out);
            }
        }
        _ => {}
    }
}

fn build(
    id: &str,
    od: &Value,
    lookup: &dyn Fn(&str) -> Option<Value>,
    cache: &mut HashMap<String, Arc<Sco>>,
) -> Result<Observation, ObservationError> {
    let err = |message: String| ObservationError {
        id: id.to_owned(),
        message,
    };
    let time = |name: &str| -> Result<Timestamp, ObservationError> {
        let s = od
            .get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| err(format!("{name} is missing")))?;
        Timestamp::parse(s).map_err(|e| err(format!("{name}: {e}")))
    };
    let first = time("first_observed")?;
    let last = time("last_observed")?;
    let number = od
        .get("number_observed")
        .and_then(Value::as_u64)
        .ok_or_else(|| err("number_observed is missing or not a positive integer".into()))?;
    if number == 0 {
        return Err(err("number_observed must be at least 1".into()));
    }
    let mut list = ObjectList::default();

    // Objects embedded in the deprecated `objects` dictionary: the keys are
    // their ids, and references between them use those keys.
    if let Some(embedded) = od.get("objects").and_then(Value::as_object) {
        for (key, object) in embedded {
            list.push(Arc::new(Sco::from_value(Some(key), object.clone())), true);
        }
        return Ok(list.into_observation(id, first, last, number));
    }

    let mut resolve = |ref_id: &str| -> Option<Arc<Sco>> {
        if let Some(s) = cache.get(ref_id) {
            return Some(Arc::clone(s));
        }
        let value = lookup(ref_id)?;
        let sco = Arc::new(Sco::from_value(Some(ref_id), value));
        cache.insert(ref_id.to_owned(), Arc::clone(&sco));
        Some(sco)
    };
    let refs = od
        .get("object_refs")
        .and_then(Value::as_array)
        .ok_or_else(|| err("object_refs is missing".into()))?;
    let mut pending: Vec<Arc<Sco>> = Vec::new();
    for r in refs.iter().filter_map(Value::as_str) {
        if let Some(sco) = resolve(r)
            && is_observable(&sco.object_type)
            && list.push(Arc::clone(&sco), true)
        {
            pending.push(sco);
        }
    }
    // Follow references from the referenced objects.
    while let Some(sco) = pending.pop() {
        let mut targets = Vec::new();
        collect_refs(&sco.value, &mut targets);
        for t in targets {
            if list.len() >= MAX_OBSERVATION_OBJECTS {
                break;
            }
            if list.contains(t) {
                continue;
            }
            if let Some(target) = resolve(t) {
                list.push(Arc::clone(&target), false);
                pending.push(target);
            }
        }
    }
    Ok(list.into_observation(id, first, last, number))
}

/// Objects gathered for one observation before it is built.
#[derive(Default)]
struct ObjectList {
    objects: Vec<Arc<Sco>>,
    /// For each object, its place among the referenced objects, if it is one.
    root_order: Vec<Option<usize>>,
    /// Id → position, built once the list is long enough to need it.
    seen: HashMap<String, usize>,
    roots: usize,
}

/// Below this many objects, ids are looked up by a scan.
const SCAN_LIMIT: usize = 16;

impl ObjectList {
    fn len(&self) -> usize {
        self.objects.len()
    }

    fn position(&self, id: &str) -> Option<usize> {
        if self.objects.len() <= SCAN_LIMIT {
            self.objects.iter().position(|o| o.id == id)
        } else {
            self.seen.get(id).copied()
        }
    }

    fn contains(&self, id: &str) -> bool {
        self.position(id).is_some()
    }

    /// Adds an object; returns whether it was new.
    fn push(&mut self, sco: Arc<Sco>, root: bool) -> bool {
        if let Some(i) = self.position(&sco.id) {
            if root && self.root_order[i].is_none() {
                self.root_order[i] = Some(self.roots);
                self.roots += 1;
            }
            return false;
        }
        if self.objects.len() == SCAN_LIMIT {
            for (i, o) in self.objects.iter().enumerate() {
                self.seen.insert(o.id.clone(), i);
            }
        }
        if self.objects.len() >= SCAN_LIMIT {
            self.seen.insert(sco.id.clone(), self.objects.len());
        }
        self.objects.push(sco);
        self.root_order.push(root.then(|| {
            self.roots += 1;
            self.roots - 1
        }));
        true
    }

    fn into_observation(
        self,
        id: &str,
        first: Timestamp,
        last: Timestamp,
        number: u64,
    ) -> Observation {
        let mut entries: Vec<(Arc<Sco>, Option<usize>)> =
            self.objects.into_iter().zip(self.root_order).collect();
        entries.sort_by(|a, b| a.0.id.cmp(&b.0.id));
        let mut roots: Vec<(usize, usize)> = entries
            .iter()
            .enumerate()
            .filter_map(|(i, (_, order))| order.map(|o| (o, i)))
            .collect();
        roots.sort_unstable();
        let mut obs = Observation::new(id, first, last, number);
        obs.objects = entries.into_iter().map(|(s, _)| s).collect();
        obs.roots = roots.into_iter().map(|(_, i)| i).collect();
        obs
    }
}
