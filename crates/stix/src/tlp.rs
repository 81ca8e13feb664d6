//! The Traffic Light Protocol marking definitions of STIX 2.1.
//!
//! TLP 1.0 markings are the four fixed marking definitions of §7.2.1.4
//! (`definition_type: "tlp"`); TLP 2.0 markings are the five fixed marking
//! definitions of the OASIS TLP 2.0 extension
//! ([`TLP2_EXTENSION_ID`]). Both are recognised by id only: the spec forbids
//! other instances of TLP marking definitions.
//!
//! Levels are named by TLP 2.0's lowercase strings, from least to most
//! restrictive: `"clear"`, `"green"`, `"amber"`, `"amber+strict"`, `"red"`
//! ([`LEVELS`]). TLP 1.0 WHITE maps to `"clear"`. The domain TLP type is owned
//! by `countersign-core`, which converts from these strings.

use crate::bundle::Bundle;

/// The TLP 2.0 extension definition (OASIS TLP 2.0 marking extension).
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// TLP:CLEAR (TLP 2.0).
pub const TLP2_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
/// TLP:GREEN (TLP 2.0).
pub const TLP2_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
/// TLP:AMBER (TLP 2.0).
pub const TLP2_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
/// TLP:AMBER+STRICT (TLP 2.0).
pub const TLP2_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
/// TLP:RED (TLP 2.0).
pub const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// TLP:WHITE (TLP 1.0, §7.2.1.4).
pub const TLP1_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
/// TLP:GREEN (TLP 1.0, §7.2.1.4).
pub const TLP1_GREEN: &str = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
/// TLP:AMBER (TLP 1.0, §7.2.1.4).
pub const TLP1_AMBER: &str = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82";
/// TLP:RED (TLP 1.0, §7.2.1.4).
pub const TLP1_RED: &str = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed";

/// The TLP 2.0 level names, least restrictive first.
pub const LEVELS: [&str; 5] = ["clear", "green", "amber", "amber+strict", "red"];

/// (TLP 2.0 level, its marking-definition id), least restrictive first.
const TLP2: [(&str, &str); 5] = [
    ("clear", TLP2_CLEAR),
    ("green", TLP2_GREEN),
    ("amber", TLP2_AMBER),
    ("amber+strict", TLP2_AMBER_STRICT),
    ("red", TLP2_RED),
];

/// (TLP 1.0 level as written in `definition.tlp`, its id).
const TLP1: [(&str, &str); 4] = [
    ("white", TLP1_WHITE),
    ("green", TLP1_GREEN),
    ("amber", TLP1_AMBER),
    ("red", TLP1_RED),
];

/// The TLP 2.0 marking-definition id of a level.
///
/// Accepts the level names of [`LEVELS`] in any case, with or without a
/// `TLP:` prefix, and `white` (TLP 1.0) for `clear`.
pub fn tlp_marking_id(level_name: &str) -> Option<&'static str> {
    let lower = level_name.trim().to_ascii_lowercase();
    let name = lower.strip_prefix("tlp:").unwrap_or(&lower);
    let name = if name == "white" { "clear" } else { name };
    TLP2.iter().find(|(n, _)| *n == name).map(|(_, id)| *id)
}

/// The TLP 2.0 level of a marking-definition id, TLP 2.0 or TLP 1.0 (WHITE
/// as `"clear"`); `None` for any other id.
pub fn tlp_level_of_marking(id: &str) -> Option<&'static str> {
    tlp2_level_of_marking(id)
        .or_else(|| tlp1_level_of_marking(id).map(|l| if l == "white" { "clear" } else { l }))
}

/// The TLP 2.0 level of a TLP 2.0 marking-definition id only.
pub fn tlp2_level_of_marking(id: &str) -> Option<&'static str> {
    TLP2.iter().find(|(_, i)| *i == id).map(|(n, _)| *n)
}

/// The TLP 1.0 level (`"white"`, `"green"`, `"amber"`, `"red"`) of a TLP 1.0
/// marking-definition id only (§7.2.1.4).
pub fn tlp1_level_of_marking(id: &str) -> Option<&'static str> {
    TLP1.iter().find(|(_, i)| *i == id).map(|(n, _)| *n)
}

/// The rank of a TLP 2.0 level name in [`LEVELS`] (0 = clear, 4 = red).
pub fn level_rank(level: &str) -> Option<usize> {
    LEVELS.iter().position(|l| *l == level)
}

/// The most restrictive TLP marking applied to any object of the bundle,
/// through `object_marking_refs` or granular markings; `None` when no object
/// carries a TLP marking.
pub fn bundle_max_tlp(bundle: &Bundle) -> Option<&'static str> {
    bundle
        .objects()
        .iter()
        .flat_map(|o| o.marking_refs())
        .filter_map(tlp_level_of_marking)
        .max_by_key(|l| level_rank(l))
}

impl Bundle {
    /// See [`bundle_max_tlp`].
    pub fn max_tlp(&self) -> Option<&'static str> {
        bundle_max_tlp(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Identifier;

    #[test]
    fn ids_are_well_formed() {
        for (_, id) in TLP2.iter().chain(TLP1.iter()) {
            let parsed = Identifier::parse(id).unwrap();
            assert_eq!(parsed.object_type(), "marking-definition");
        }
        assert!(Identifier::parse(TLP2_EXTENSION_ID).is_ok());
    }

    #[test]
    fn names_and_ids_round_trip() {
        for level in LEVELS {
            let id = tlp_marking_id(level).unwrap();
            assert_eq!(tlp_level_of_marking(id), Some(level));
        }
        assert_eq!(tlp_marking_id("TLP:AMBER+STRICT"), Some(TLP2_AMBER_STRICT));
        assert_eq!(tlp_marking_id("White"), Some(TLP2_CLEAR));
        assert_eq!(tlp_marking_id("amber strict"), None);
        assert_eq!(tlp_level_of_marking(TLP1_WHITE), Some("clear"));
        assert_eq!(tlp_level_of_marking(TLP1_AMBER), Some("amber"));
        assert_eq!(tlp_level_of_marking(TLP1_RED), Some("red"));
        assert_eq!(tlp_level_of_marking(TLP1_GREEN), Some("green"));
        assert_eq!(
            tlp_level_of_marking("marking-definition--00000000-0000-4000-8000-000000000000"),
            None
        );
        assert_eq!(level_rank("amber+strict"), Some(3));
    }
}
