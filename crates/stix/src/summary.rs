//! Counting the evidence in a checked bundle by kind.
//!
//! `countersign-core` turns an [`EvidenceSummary`] into an
//! evidence-sufficiency level; this module only counts. Only top-level
//! objects are counted: cyber-observables embedded in the deprecated
//! `objects` property of observed-data (§4.14) are not.

use serde::{Deserialize, Serialize};

use crate::bundle::Bundle;
use crate::objects::{self, CLAIM_TYPES, ObjectCategory};

/// How many objects of each kind of evidence a bundle holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EvidenceSummary {
    /// `indicator` SDOs (§4.7).
    pub indicators: usize,
    /// `observed-data` SDOs (§4.14).
    pub observed_data: usize,
    /// `sighting` SROs (§5.2).
    pub sightings: usize,
    /// Spec-defined cyber-observables (§6) other than `artifact`.
    pub observables: usize,
    /// `artifact` SCOs (§6.1): captured content such as samples or pcaps.
    pub artifacts: usize,
    /// SDOs that state claims: report, note, opinion, attack-pattern,
    /// campaign, threat-actor, intrusion-set, malware, tool, infrastructure,
    /// vulnerability, incident, grouping, course-of-action,
    /// malware-analysis, location.
    pub claims: usize,
    /// `identity` SDOs (§4.5).
    pub identities: usize,
    /// `relationship` SROs (§5.1).
    pub relationships: usize,
    /// Everything else: meta objects and custom types.
    pub other: usize,
}

impl EvidenceSummary {
    /// Counts the objects of a checked bundle.
    pub fn of(bundle: &Bundle) -> Self {
        let mut s = EvidenceSummary::default();
        for o in bundle.objects() {
            let t = o.object_type();
            let slot = match t {
                "indicator" => &mut s.indicators,
                "observed-data" => &mut s.observed_data,
                "sighting" => &mut s.sightings,
                "artifact" => &mut s.artifacts,
                "identity" => &mut s.identities,
                "relationship" => &mut s.relationships,
                _ if CLAIM_TYPES.contains(&t) => &mut s.claims,
                _ if objects::category_of(t) == ObjectCategory::Sco => &mut s.observables,
                _ => &mut s.other,
            };
            *slot += 1;
        }
        s
    }

    /// The total number of objects counted.
    pub fn total(&self) -> usize {
        self.indicators
            + self.observed_data
            + self.sightings
            + self.observables
            + self.artifacts
            + self.claims
            + self.identities
            + self.relationships
            + self.other
    }
}

impl Bundle {
    /// See [`EvidenceSummary::of`].
    pub fn summary(&self) -> EvidenceSummary {
        EvidenceSummary::of(self)
    }
}
