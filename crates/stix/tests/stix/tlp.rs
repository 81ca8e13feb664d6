//! TLP marking definitions and the most restrictive marking of a bundle.

use countersign_stix::check_bundle;
use countersign_stix::tlp::{self, bundle_max_tlp, tlp_level_of_marking, tlp_marking_id};
use serde_json::json;

use crate::common::*;

#[test]
fn fixed_ids() {
    assert_eq!(
        tlp::TLP2_EXTENSION_ID,
        "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
    );
    let expected = [
        (
            "clear",
            "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        ),
        (
            "green",
            "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        ),
        (
            "amber",
            "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        ),
        (
            "amber+strict",
            "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        ),
        (
            "red",
            "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        ),
    ];
    for (level, id) in expected {
        assert_eq!(tlp_marking_id(level), Some(id));
        assert_eq!(tlp_level_of_marking(id), Some(level));
    }
    assert_eq!(
        tlp::LEVELS,
        ["clear", "green", "amber", "amber+strict", "red"]
    );
}

#[test]
fn tlp1_ids_map_to_tlp2_levels() {
    let expected = [
        (
            "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
            "clear",
        ),
        (
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            "green",
        ),
        (
            "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            "amber",
        ),
        (
            "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
            "red",
        ),
    ];
    for (id, level) in expected {
        assert_eq!(tlp_level_of_marking(id), Some(level), "{id}");
    }
    assert_eq!(tlp_level_of_marking(INDICATOR), None);
}

#[test]
fn max_tlp_of_bundles() {
    let b = check_bundle(&fixture("evidence-bundle.json")).unwrap();
    assert_eq!(bundle_max_tlp(&b), Some("amber"));

    let b = check_bundle(&bundle(vec![identity()])).unwrap();
    assert_eq!(b.max_tlp(), None);

    // Unknown markings do not count; TLP 1.0 WHITE counts as clear.
    let statement = "marking-definition--1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
    let o = with(
        identity(),
        "object_marking_refs",
        json!([statement, tlp::TLP1_WHITE]),
    );
    assert_eq!(
        check_bundle(&bundle(vec![o])).unwrap().max_tlp(),
        Some("clear")
    );

    // The most restrictive wins across objects, granular markings included.
    let green = with(identity(), "object_marking_refs", json!([tlp::TLP2_GREEN]));
    let red_granular = with(
        with(malware(), "description", json!("wiper")),
        "granular_markings",
        json!([{"marking_ref": tlp::TLP2_RED, "selectors": ["description"]}]),
    );
    let b = check_bundle(&bundle(vec![green.clone(), indicator(), red_granular])).unwrap();
    assert_eq!(b.max_tlp(), Some("red"));
    let strict = with(
        malware(),
        "object_marking_refs",
        json!([tlp::TLP2_AMBER_STRICT, tlp::TLP1_AMBER]),
    );
    let b = check_bundle(&bundle(vec![green, strict])).unwrap();
    assert_eq!(b.max_tlp(), Some("amber+strict"));
}
