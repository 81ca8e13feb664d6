//! Checked bundles (§8) and the objects in them.
//!
//! A [`Bundle`] only comes out of the checker ([`crate::check_bundle`] and
//! friends, or deserialising, which runs the checker), so every
//! [`StixObject`] in it has a well-formed `type` and an `id` whose prefix is
//! that type, and passed every check in [`crate::check`].

use serde::{Deserialize, Serialize, ser::SerializeMap};
use serde_json::{Map, Value};

use crate::check::Problem;
use crate::objects::{self, ObjectCategory};
use crate::timestamp::Timestamp;

/// One checked STIX object: its type, id and all its properties as JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct StixObject {
    object_type: String,
    id: String,
    properties: Map<String, Value>,
}

impl StixObject {
    pub(crate) fn new(object_type: String, id: String, properties: Map<String, Value>) -> Self {
        StixObject {
            object_type,
            id,
            properties,
        }
    }

    /// The `type` property.
    pub fn object_type(&self) -> &str {
        &self.object_type
    }

    /// The `id` property.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether this is an SDO, SRO, SCO, meta or custom object.
    pub fn category(&self) -> ObjectCategory {
        objects::category_of(&self.object_type)
    }

    /// A property's value.
    pub fn get(&self, property: &str) -> Option<&Value> {
        self.properties.get(property)
    }

    /// A property's value if it is a string.
    pub fn get_str(&self, property: &str) -> Option<&str> {
        self.properties.get(property).and_then(Value::as_str)
    }

    /// A timestamp-valued property, parsed; `None` if absent or not a timestamp.
    pub fn get_timestamp(&self, property: &str) -> Option<Timestamp> {
        self.get_str(property)
            .and_then(|s| Timestamp::parse(s).ok())
    }

    /// A list-of-strings property (such as `object_refs`); empty if absent.
    pub fn get_str_list(&self, property: &str) -> Vec<&str> {
        self.properties
            .get(property)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// All properties, `type` and `id` included.
    pub fn properties(&self) -> &Map<String, Value> {
        &self.properties
    }

    /// The `name` property, which most SDOs have.
    pub fn name(&self) -> Option<&str> {
        self.get_str("name")
    }

    /// The `modified` timestamp (absent on SCOs and marking definitions).
    pub fn modified(&self) -> Option<Timestamp> {
        self.get_timestamp("modified")
    }

    /// The ids of every marking definition applied to this object: those in
    /// `object_marking_refs` and the `marking_ref` of each granular marking
    /// (§7.2.2, §7.2.3).
    pub fn marking_refs(&self) -> impl Iterator<Item = &str> {
        let object_level = self
            .properties
            .get("object_marking_refs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        let granular = self
            .properties
            .get("granular_markings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|g| g.get("marking_ref").and_then(Value::as_str));
        object_level.chain(granular)
    }

    /// The object as a JSON value.
    pub fn to_value(&self) -> Value {
        Value::Object(self.properties.clone())
    }
}

impl Serialize for StixObject {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.properties.serialize(serializer)
    }
}

/// A checked STIX 2.1 bundle (§8).
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    id: String,
    objects: Vec<StixObject>,
    warnings: Vec<Problem>,
}

impl Bundle {
    pub(crate) fn new(id: String, objects: Vec<StixObject>, warnings: Vec<Problem>) -> Self {
        Bundle {
            id,
            objects,
            warnings,
        }
    }

    /// The bundle's id, `bundle--<uuid>`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Every object, in bundle order.
    pub fn objects(&self) -> &[StixObject] {
        &self.objects
    }

    /// The number of objects.
    pub fn len(&self) -> usize {
        self.objects.len()
    }

    /// Whether the bundle holds no objects.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    /// What the checker found that does not make the bundle invalid.
    pub fn warnings(&self) -> &[Problem] {
        &self.warnings
    }

    /// The objects of one type, in bundle order.
    pub fn of_type<'a>(&'a self, object_type: &'a str) -> impl Iterator<Item = &'a StixObject> {
        self.objects
            .iter()
            .filter(move |o| o.object_type == object_type)
    }

    /// The object with this id; of several versions, the one with the latest
    /// `modified` (§3), else the last in the bundle.
    pub fn get(&self, id: &str) -> Option<&StixObject> {
        let mut best: Option<(&StixObject, Option<Timestamp>)> = None;
        for o in self.objects.iter().filter(|o| o.id == id) {
            let m = o.modified();
            let newer = match &best {
                None => true,
                Some((_, bm)) => m >= *bm,
            };
            if newer {
                best = Some((o, m));
            }
        }
        best.map(|(o, _)| o)
    }

    /// The objects, giving up the bundle.
    pub fn into_objects(self) -> Vec<StixObject> {
        self.objects
    }

    /// The bundle as JSON: `{"type": "bundle", "id": ..., "objects": [...]}`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), Value::String("bundle".into()));
        m.insert("id".into(), Value::String(self.id.clone()));
        if !self.objects.is_empty() {
            m.insert(
                "objects".into(),
                Value::Array(self.objects.iter().map(StixObject::to_value).collect()),
            );
        }
        Value::Object(m)
    }
}

impl Serialize for Bundle {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(None)?;
        m.serialize_entry("type", "bundle")?;
        m.serialize_entry("id", &self.id)?;
        if !self.objects.is_empty() {
            m.serialize_entry("objects", &self.objects)?;
        }
        m.end()
    }
}

/// Deserialising a bundle runs [`crate::check_bundle`] with default options;
/// any problem fails deserialisation with the full list as message.
impl<'de> Deserialize<'de> for Bundle {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        crate::check::check_bundle(&value).map_err(serde::de::Error::custom)
    }
}
