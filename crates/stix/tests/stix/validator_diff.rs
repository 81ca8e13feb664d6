//! Differential test against the OASIS reference validator, stix2-validator
//! 3.2.0, run from the interop virtual environment named by
//! `COUNTERSIGN_INTEROP_VENV` (skipped with a notice when unset).
//!
//! The corpus is generated here: one valid, property-rich object of each of
//! the 42 spec-defined types, and mutations of each (every required property
//! dropped in turn, a forbidden common property added, a bad timestamp, a
//! bad identifier, `spec_version` "2.2", a property of the wrong JSON type,
//! a null, a reserved property name, a malformed custom property name, a
//! custom `_bin` property that is not base64) plus type-specific ones (a
//! reference to the wrong type of object, a value outside a closed
//! enumeration, a digest of the wrong length, a malformed address, a bad
//! pattern, a granular-marking selector that selects nothing, ...). Each
//! case is a bundle of one object, checked by both; both must agree on
//! valid/invalid (errors only: warnings do not count). Every disagreement
//! is reported at once.
//!
//! Where we deliberately differ, the case is listed in [`DEPARTURES`] with
//! the reason, and checked to still differ in the listed direction, so that
//! a fixed reference (or a regression of ours) shows up here.
//!
//! With `COUNTERSIGN_STIX_CORPUS_DIR` set, the corpus is also written there,
//! one `NNN-type-mutation.json` bundle per case (the rstix evaluation reads
//! it).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;

use countersign_stix::check_bundle;
use serde_json::{Value, json};

const T: &str = "2024-01-01T00:00:00.000Z";
const T2: &str = "2024-02-01T00:00:00.000Z";
const IDENTITY: &str = "identity--311b2d2d-f010-4473-83ec-1edf84858f4c";
const MALWARE: &str = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b";
const INDICATOR: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
const OBSERVED: &str = "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf";
const LOCATION: &str = "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64";
const RELATIONSHIP: &str = "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad";
const AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";
const IPV4: &str = "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db";
const IPV6: &str = "ipv6-addr--1e61d36c-a16c-53b7-a80f-2a00161c96b1";
const MAC: &str = "mac-addr--65cfcf98-8a6e-5a1b-8f61-379ac4f92d00";
const DOMAIN: &str = "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5";
const FILE: &str = "file--66156fad-2a0d-5237-bba4-ba1912887cfe";
const DIRECTORY: &str = "directory--93c0a9b0-520d-545d-9094-1a08ddf46b05";
const ARTIFACT: &str = "artifact--6f437177-6e48-5cf8-9d9e-872a2bddd641";
const SOFTWARE: &str = "software--a1827f6d-ca53-5605-9e93-4316cd22a00a";
const USER: &str = "user-account--0d5b424b-93b8-5cd8-ac36-306e1789d63c";
const EMAIL: &str = "email-addr--2d77a846-6264-5d51-b586-e43822ea1ea3";
const AS: &str = "autonomous-system--f720c34b-98ae-597f-ade5-27ef187c7c8b";
const PROCESS: &str = "process--f52a906a-0dfc-40bd-92f1-e7778ead38a9";
const EXT_DEF: &str = "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e";
const MD5: &str = "a9993e364706816aba3e25717850c26c";
const SHA256: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

fn id(t: &str, n: u32) -> String {
    format!("{t}--{n:08x}-1111-4222-8333-444455556666")
}

/// An SDO, SRO or meta object with the common properties set.
fn sdo(t: &str, n: u32, props: Value) -> Value {
    let mut o = json!({
        "type": t, "spec_version": "2.1", "id": id(t, n),
        "created": T, "modified": T2, "created_by_ref": IDENTITY,
        "object_marking_refs": [AMBER], "confidence": 80, "labels": ["evidence"],
        "external_references": [{"source_name": "cert-example", "url": "https://cert.example/r/1",
                                  "hashes": {"SHA-256": SHA256}}],
        "x_cert_example_case": "CASE-1"
    });
    merge(&mut o, props);
    o
}

fn sco(t: &str, n: u32, props: Value) -> Value {
    let mut o = json!({"type": t, "spec_version": "2.1", "id": id(t, n),
                       "object_marking_refs": [AMBER]});
    merge(&mut o, props);
    o
}

fn merge(o: &mut Value, props: Value) {
    let (Value::Object(m), Value::Object(p)) = (o, props) else {
        unreachable!()
    };
    for (k, v) in p {
        if v.is_null() {
            m.remove(&k);
        } else {
            m.insert(k, v);
        }
    }
}

fn set(o: &Value, key: &str, v: Value) -> Value {
    let mut o = o.clone();
    merge(&mut o, json!({ key: v }));
    o
}

/// One spec-defined type: a valid object, its unconditionally required
/// properties, and its type-specific broken variants.
struct Entry {
    object: Value,
    required: &'static [&'static str],
    specific: Vec<(&'static str, Value)>,
}

fn entries() -> Vec<Entry> {
    let kcp = json!([{"kill_chain_name": "mitre-attack", "phase_name": "command-and-control"}]);
    let mut v = Vec::new();
    let mut e =
        |object: Value, required: &'static [&'static str], specific: Vec<(&'static str, Value)>| {
            v.push(Entry {
                object,
                required,
                specific,
            });
        };

    // §4 SDOs.
    let o = sdo(
        "attack-pattern",
        1,
        json!({"name": "Spearphishing", "aliases": ["T1566"], "kill_chain_phases": kcp}),
    );
    e(
        o.clone(),
        &["name"],
        vec![(
            "kill_chain_not_list",
            set(
                &o,
                "kill_chain_phases",
                json!({"kill_chain_name": "x", "phase_name": "y"}),
            ),
        )],
    );
    let o = sdo(
        "campaign",
        2,
        json!({"name": "Op Example", "first_seen": "2024-01-01T00:00:00Z", "last_seen": "2024-01-10T00:00:00Z", "objective": "espionage"}),
    );
    e(
        o.clone(),
        &["name"],
        vec![(
            "last_before_first",
            set(&o, "last_seen", json!("2023-12-01T00:00:00Z")),
        )],
    );
    let o = sdo(
        "course-of-action",
        3,
        json!({"name": "Block", "description": "Block the address"}),
    );
    e(o.clone(), &["name"], vec![]);
    let o = sdo(
        "grouping",
        4,
        json!({"name": "Case", "context": "suspicious-activity", "object_refs": [INDICATOR, IPV4]}),
    );
    e(
        o.clone(),
        &["context", "object_refs"],
        vec![("empty_object_refs", set(&o, "object_refs", json!([])))],
    );
    let o = sdo(
        "identity",
        5,
        json!({"name": "CERT-Example", "identity_class": "organization", "sectors": ["government-national"], "roles": ["cert"], "contact_information": "cert@example.org"}),
    );
    e(
        o.clone(),
        &["name"],
        vec![("sectors_not_list", set(&o, "sectors", json!("government")))],
    );
    let o = sdo(
        "incident",
        6,
        json!({"name": "Intrusion at ministry", "kill_chain_phases": kcp}),
    );
    e(o.clone(), &["name"], vec![]);
    let o = sdo(
        "indicator",
        7,
        json!({"name": "C2", "indicator_types": ["malicious-activity"],
        "pattern": "[ipv4-addr:value = '198.51.100.7'] FOLLOWEDBY [domain-name:value = 'c2.example.com'] WITHIN 600 SECONDS",
        "pattern_type": "stix", "pattern_version": "2.1", "valid_from": "2024-01-01T00:00:00Z", "valid_until": "2025-01-01T00:00:00Z",
        "kill_chain_phases": kcp}),
    );
    e(
        o.clone(),
        &["pattern", "pattern_type", "valid_from"],
        vec![
            (
                "bad_pattern",
                set(&o, "pattern", json!("[ipv4-addr:value = ")),
            ),
            (
                "bad_pattern_operator",
                set(&o, "pattern", json!("[ipv4-addr:value === '1.2.3.4']")),
            ),
            (
                "valid_until_not_after",
                set(&o, "valid_until", json!("2024-01-01T00:00:00Z")),
            ),
        ],
    );
    let o = sdo(
        "infrastructure",
        8,
        json!({"name": "C2 server", "infrastructure_types": ["command-and-control"], "first_seen": "2024-01-01T00:00:00Z"}),
    );
    e(o.clone(), &["name"], vec![]);
    let o = sdo(
        "intrusion-set",
        9,
        json!({"name": "APT-Example", "goals": ["steal"], "resource_level": "government", "primary_motivation": "organizational-gain", "secondary_motivations": ["ideology"]}),
    );
    e(o.clone(), &["name"], vec![]);
    let o = sdo(
        "location",
        10,
        json!({"name": "Tallinn", "latitude": 59.437, "longitude": 24.7536, "precision": 1000.0, "region": "northern-europe", "country": "EE"}),
    );
    e(
        o.clone(),
        &[],
        vec![
            ("latitude_out_of_range", set(&o, "latitude", json!(91.0))),
            (
                "no_place",
                set(
                    &set(
                        &set(&set(&o, "latitude", Value::Null), "longitude", Value::Null),
                        "region",
                        Value::Null,
                    ),
                    "country",
                    Value::Null,
                ),
            ),
        ],
    );
    let o = sdo(
        "malware",
        11,
        json!({"name": "EXAMPLEDOOR", "is_family": true, "malware_types": ["backdoor"],
        "architecture_execution_envs": ["x86-64"], "implementation_languages": ["go"], "capabilities": ["communicates-with-c2"],
        "sample_refs": [FILE], "operating_system_refs": [SOFTWARE]}),
    );
    e(
        o.clone(),
        &["is_family"],
        vec![
            ("family_without_name", set(&o, "name", Value::Null)),
            ("is_family_string", set(&o, "is_family", json!("yes"))),
        ],
    );
    let o = sdo(
        "malware-analysis",
        12,
        json!({"product": "sandbox", "version": "1.0", "result": "malicious",
        "analysis_sco_refs": [FILE], "sample_ref": FILE, "submitted": "2024-01-01T00:00:00Z"}),
    );
    e(
        o.clone(),
        &["product"],
        vec![(
            "no_result",
            set(
                &set(&o, "result", Value::Null),
                "analysis_sco_refs",
                Value::Null,
            ),
        )],
    );
    let o = sdo(
        "note",
        13,
        json!({"abstract": "Seen", "content": "Seen from 198.51.100.7", "authors": ["analyst"], "object_refs": [INDICATOR]}),
    );
    e(
        o.clone(),
        &["content", "object_refs"],
        vec![
            ("bad_lang", set(&o, "lang", json!("english!"))),
            (
                "lang_outside_their_list",
                set(&o, "lang", json!("en-GB-oxendict")),
            ),
        ],
    );
    let o = sdo(
        "observed-data",
        14,
        json!({"first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T01:00:00Z",
        "number_observed": 3, "object_refs": [IPV4, DOMAIN]}),
    );
    e(
        o.clone(),
        &["first_observed", "last_observed", "number_observed"],
        vec![
            ("number_observed_zero", set(&o, "number_observed", json!(0))),
            (
                "number_observed_too_big",
                set(&o, "number_observed", json!(1_000_000_000)),
            ),
            (
                "last_before_first",
                set(&o, "last_observed", json!("2023-01-01T00:00:00Z")),
            ),
            (
                "objects_and_object_refs",
                set(
                    &o,
                    "objects",
                    json!({"0": {"type": "ipv4-addr", "value": "198.51.100.7"}}),
                ),
            ),
        ],
    );
    let o = sdo(
        "opinion",
        15,
        json!({"opinion": "agree", "explanation": "Confirmed", "authors": ["analyst"], "object_refs": [INDICATOR]}),
    );
    e(
        o.clone(),
        &["opinion", "object_refs"],
        vec![("bad_enum", set(&o, "opinion", json!("maybe")))],
    );
    let o = sdo(
        "report",
        16,
        json!({"name": "Report", "report_types": ["threat-report"], "published": "2024-01-02T00:00:00Z", "object_refs": [INDICATOR, MALWARE]}),
    );
    e(
        o.clone(),
        &["name", "published", "object_refs"],
        vec![(
            "published_date_only",
            set(&o, "published", json!("2024-01-02")),
        )],
    );
    let o = sdo(
        "threat-actor",
        17,
        json!({"name": "Actor", "threat_actor_types": ["nation-state"], "roles": ["agent"],
        "sophistication": "advanced", "resource_level": "government", "primary_motivation": "dominance", "personal_motivations": ["revenge"]}),
    );
    e(o.clone(), &["name"], vec![]);
    let o = sdo(
        "tool",
        18,
        json!({"name": "nmap", "tool_types": ["information-gathering"], "tool_version": "7.94", "kill_chain_phases": kcp}),
    );
    e(
        o.clone(),
        &["name"],
        vec![("tool_version_number", set(&o, "tool_version", json!(7)))],
    );
    let o = sdo(
        "vulnerability",
        19,
        json!({"name": "CVE-2024-0001", "external_references": [{"source_name": "cve", "external_id": "CVE-2024-0001"}]}),
    );
    e(
        o.clone(),
        &["name"],
        vec![(
            "external_reference_without_id",
            set(
                &o,
                "external_references",
                json!([{"source_name": "cert-example"}]),
            ),
        )],
    );

    // §5 SROs.
    let o = sdo(
        "relationship",
        20,
        json!({"relationship_type": "indicates", "source_ref": INDICATOR, "target_ref": MALWARE,
        "start_time": "2024-01-01T00:00:00Z", "stop_time": "2024-02-01T00:00:00Z"}),
    );
    e(
        o.clone(),
        &["relationship_type", "source_ref", "target_ref"],
        vec![
            ("bad_ref_target", set(&o, "source_ref", json!(RELATIONSHIP))),
            (
                "relationship_type_uppercase",
                set(&o, "relationship_type", json!("Indicates")),
            ),
        ],
    );
    let o = sdo(
        "sighting",
        21,
        json!({"sighting_of_ref": INDICATOR, "observed_data_refs": [OBSERVED], "where_sighted_refs": [IDENTITY, LOCATION],
        "first_seen": "2024-01-01T00:00:00Z", "last_seen": "2024-01-02T00:00:00Z", "count": 2, "summary": false}),
    );
    e(
        o.clone(),
        &["sighting_of_ref"],
        vec![
            (
                "bad_ref_target",
                set(&o, "where_sighted_refs", json!([MALWARE])),
            ),
            (
                "bad_ref_target_observed",
                set(&o, "observed_data_refs", json!([INDICATOR])),
            ),
            ("count_negative", set(&o, "count", json!(-1))),
        ],
    );

    // §6 SCOs.
    let o = sco(
        "artifact",
        30,
        json!({"mime_type": "application/zip", "payload_bin": "UEsDBA==", "hashes": {"MD5": MD5},
        "encryption_algorithm": "mime-type-indicated", "decryption_key": "infected"}),
    );
    e(
        set(&o, "mime_type", Value::Null),
        &[],
        vec![
            (
                "bad_enum",
                set(
                    &set(&o, "mime_type", Value::Null),
                    "encryption_algorithm",
                    json!("rot13"),
                ),
            ),
            (
                "bad_binary",
                set(
                    &set(&o, "mime_type", Value::Null),
                    "payload_bin",
                    json!("not base64!"),
                ),
            ),
            (
                "payload_and_url",
                set(
                    &set(&o, "mime_type", Value::Null),
                    "url",
                    json!("https://example.com/a.zip"),
                ),
            ),
        ],
    );
    let o = sco(
        "autonomous-system",
        31,
        json!({"number": 64496, "name": "Example", "rir": "RIPE"}),
    );
    e(
        o.clone(),
        &["number"],
        vec![("number_string", set(&o, "number", json!("AS64496")))],
    );
    let o = sco(
        "directory",
        32,
        json!({"path": "C:\\Windows", "ctime": "2024-01-01T00:00:00Z", "contains_refs": [FILE]}),
    );
    e(
        o.clone(),
        &["path"],
        vec![(
            "bad_timestamp_sco",
            set(&o, "ctime", json!("2024-01-01 00:00:00")),
        )],
    );
    let o = sco(
        "domain-name",
        33,
        json!({"value": "c2.example.com", "resolves_to_refs": [IPV4, IPV6]}),
    );
    e(o.clone(), &["value"], vec![]);
    let o = sco(
        "email-addr",
        34,
        json!({"value": "a@example.com", "display_name": "A", "belongs_to_ref": USER}),
    );
    e(o.clone(), &["value"], vec![]);
    let o = sco(
        "email-message",
        35,
        json!({"is_multipart": true, "from_ref": EMAIL, "to_refs": [EMAIL], "subject": "Invoice",
        "date": "2024-01-01T00:00:00Z", "received_lines": ["from mx.example.com"], "additional_header_fields": {"X-Mailer": "x"},
        "body_multipart": [{"content_type": "text/plain", "body": "hello"}, {"content_type": "application/zip", "body_raw_ref": ARTIFACT}]}),
    );
    e(
        o.clone(),
        &["is_multipart"],
        vec![
            ("multipart_with_body", set(&o, "body", json!("hello"))),
            (
                "header_field_number",
                set(&o, "additional_header_fields", json!({"X-Mailer": 5})),
            ),
            (
                "header_field_list_of_one",
                set(&o, "additional_header_fields", json!({"X-Mailer": ["x"]})),
            ),
        ],
    );
    let o = sco(
        "file",
        36,
        json!({"name": "invoice.exe", "size": 1024, "hashes": {"SHA-256": SHA256, "MD5": MD5},
        "magic_number_hex": "4D5A", "parent_directory_ref": DIRECTORY, "content_ref": ARTIFACT,
        "extensions": {"windows-pebinary-ext": {"pe_type": "exe", "number_of_sections": 4, "sections": [{"name": ".text", "entropy": 6.1}]},
                       "archive-ext": {"contains_refs": [FILE]}}}),
    );
    e(
        o.clone(),
        &[],
        vec![
            ("bad_hash", set(&o, "hashes", json!({"SHA-256": "abc"}))),
            ("bad_hash_key", set(&o, "hashes", json!({"s": MD5}))),
            ("bad_hex", set(&o, "magic_number_hex", json!("4D5"))),
            ("size_negative", set(&o, "size", json!(-1))),
            (
                "bad_extension_key",
                set(&o, "extensions", json!({"pebinary": {"pe_type": "exe"}})),
            ),
            (
                "extension_definition_without_type",
                set(&o, "extensions", json!({ EXT_DEF: {"x_field": 1} })),
            ),
            (
                "no_name_or_hashes",
                set(&set(&o, "name", Value::Null), "hashes", Value::Null),
            ),
        ],
    );
    let o = sco(
        "ipv4-addr",
        37,
        json!({"value": "198.51.100.0/24", "resolves_to_refs": [MAC], "belongs_to_refs": [AS]}),
    );
    e(
        o.clone(),
        &["value"],
        vec![
            ("bad_address", set(&o, "value", json!("300.1.1.1"))),
            ("bad_prefix", set(&o, "value", json!("198.51.100.0/33"))),
        ],
    );
    let o = sco("ipv6-addr", 38, json!({"value": "2001:db8::1"}));
    e(
        o.clone(),
        &["value"],
        vec![("bad_address", set(&o, "value", json!("2001:db8::zz")))],
    );
    let o = sco("mac-addr", 39, json!({"value": "00:00:5e:00:53:01"}));
    e(
        o.clone(),
        &["value"],
        vec![("bad_address", set(&o, "value", json!("00:00:5E:00:53:01")))],
    );
    let o = sco("mutex", 40, json!({"name": "Global\\example"}));
    e(o.clone(), &["name"], vec![]);
    let o = sco(
        "network-traffic",
        41,
        json!({"src_ref": IPV4, "dst_ref": DOMAIN, "src_port": 49152, "dst_port": 443,
        "protocols": ["ipv4", "tcp", "tls"], "start": "2024-01-01T00:00:00Z", "is_active": true, "src_byte_count": 100,
        "extensions": {"socket-ext": {"address_family": "AF_INET", "socket_type": "SOCK_STREAM"},
                       "tcp-ext": {"src_flags_hex": "02"}}}),
    );
    e(
        o.clone(),
        &["protocols"],
        vec![
            ("port_out_of_range", set(&o, "dst_port", json!(70000))),
            (
                "bad_enum",
                set(
                    &o,
                    "extensions",
                    json!({"socket-ext": {"address_family": "AF_UNIX"}}),
                ),
            ),
            (
                "active_with_end",
                set(&o, "end", json!("2024-01-02T00:00:00Z")),
            ),
            (
                "no_endpoint",
                set(&set(&o, "src_ref", Value::Null), "dst_ref", Value::Null),
            ),
        ],
    );
    let o = sco(
        "process",
        42,
        json!({"pid": 1234, "command_line": "invoice.exe -q", "created_time": "2024-01-01T00:00:00Z",
        "image_ref": FILE, "environment_variables": {"PATH": "C:\\Windows"},
        "extensions": {"windows-process-ext": {"aslr_enabled": true, "integrity_level": "high"}}}),
    );
    e(
        o.clone(),
        &[],
        vec![
            (
                "bad_enum",
                set(
                    &o,
                    "extensions",
                    json!({"windows-process-ext": {"integrity_level": "root"}}),
                ),
            ),
            (
                "uuid_v5",
                set(&o, "id", json!(PROCESS.replace("-40bd-", "-50bd-"))),
            ),
        ],
    );
    let o = sco(
        "software",
        43,
        json!({"name": "Word", "vendor": "Microsoft", "version": "2019",
        "cpe": "cpe:2.3:a:microsoft:word:2019:*:*:*:*:*:*:*", "languages": ["eng", "fra"]}),
    );
    e(
        o.clone(),
        &["name"],
        vec![
            (
                "cpe_22_uri",
                set(&o, "cpe", json!("cpe:/a:microsoft:word:2019")),
            ),
            (
                "cpe_ten_components",
                set(
                    &o,
                    "cpe",
                    json!("cpe:2.3:a:microsoft:word:2019:*:*:*:*:*:*"),
                ),
            ),
            (
                "cpe_space",
                set(
                    &o,
                    "cpe",
                    json!("cpe:2.3:a:micro soft:word:2019:*:*:*:*:*:*:*"),
                ),
            ),
            (
                "bad_software_language",
                set(&o, "languages", json!(["english!"])),
            ),
            (
                "software_language_two_letters",
                set(&o, "languages", json!(["en", "fr-CA"])),
            ),
        ],
    );
    let o = sco(
        "url",
        44,
        json!({"value": "https://c2.example.com/gate.php"}),
    );
    e(o.clone(), &["value"], vec![]);
    let o = sco(
        "user-account",
        45,
        json!({"user_id": "1001", "account_login": "jdoe", "account_type": "unix",
        "is_privileged": false, "account_created": "2020-01-01T00:00:00Z",
        "extensions": {"unix-account-ext": {"gid": 1001, "groups": ["users"], "home_dir": "/home/jdoe", "shell": "/bin/bash"}}}),
    );
    e(
        o.clone(),
        &[],
        vec![(
            "is_privileged_string",
            set(&o, "is_privileged", json!("no")),
        )],
    );
    let o = sco(
        "windows-registry-key",
        46,
        json!({"key": "HKEY_LOCAL_MACHINE\\Software\\Example",
        "values": [{"name": "Run", "data": "invoice.exe", "data_type": "REG_SZ"}], "modified_time": "2024-01-01T00:00:00Z",
        "number_of_subkeys": 0}),
    );
    e(
        o.clone(),
        &[],
        vec![(
            "bad_enum",
            set(
                &o,
                "values",
                json!([{"name": "Run", "data_type": "REG_STRING"}]),
            ),
        )],
    );
    let o = sco(
        "x509-certificate",
        47,
        json!({"is_self_signed": false, "serial_number": "01:02", "issuer": "CN=Example CA",
        "subject": "CN=c2.example.com", "hashes": {"SHA-256": SHA256}, "validity_not_before": "2024-01-01T00:00:00Z",
        "validity_not_after": "2025-01-01T00:00:00Z", "subject_public_key_exponent": 65537,
        "x509_v3_extensions": {"basic_constraints": "CA:FALSE", "private_key_usage_period_not_before": "2024-01-01T00:00:00Z"}}),
    );
    e(
        o.clone(),
        &[],
        vec![("bad_hash", set(&o, "hashes", json!({"MD5": "zz"})))],
    );

    // §7 meta objects.
    let o = sdo(
        "language-content",
        50,
        json!({"object_ref": INDICATOR, "object_modified": T2,
        "contents": {"de": {"name": "Kommandoserver"}, "fr": {"name": "Serveur de commande"}}}),
    );
    e(
        o.clone(),
        &["object_ref", "contents"],
        vec![
            (
                "bad_contents_key",
                set(&o, "contents", json!({"de": {"Name": "x"}})),
            ),
            (
                "bad_contents_language",
                set(&o, "contents", json!({"de_DE": {"name": "x"}})),
            ),
        ],
    );
    let o = json!({"type": "marking-definition", "spec_version": "2.1", "id": id("marking-definition", 51),
        "created": T, "created_by_ref": IDENTITY, "name": "Copyright",
        "definition_type": "statement", "definition": {"statement": "Copyright 2024 CERT-Example"}});
    e(
        o.clone(),
        &[],
        vec![(
            "marks_itself",
            set(
                &o,
                "object_marking_refs",
                json!([id("marking-definition", 51)]),
            ),
        )],
    );
    let o = sdo(
        "extension-definition",
        52,
        json!({"name": "x-cert-example-case", "description": "Case numbers",
        "schema": "https://cert.example/schema.json", "version": "1.0.0", "extension_types": ["property-extension"],
        "confidence": null, "x_cert_example_case": null}),
    );
    e(
        o.clone(),
        &[
            "created_by_ref",
            "name",
            "schema",
            "version",
            "extension_types",
        ],
        vec![("bad_enum", set(&o, "extension_types", json!(["new-thing"])))],
    );
    v
}

/// A case: its name (`type/mutation`) and its one object.
struct Case {
    name: String,
    object: Value,
}

fn corpus() -> Vec<Case> {
    let mut cases = Vec::new();
    for entry in entries() {
        let o = &entry.object;
        let t = o["type"].as_str().unwrap().to_owned();
        let is_sco = o.get("created").is_none();
        let mut add = |m: &str, object: Value| {
            cases.push(Case {
                name: format!("{t}/{m}"),
                object,
            })
        };
        add("valid", o.clone());
        for p in entry.required {
            add(&format!("drop_{p}"), set(o, p, Value::Null));
        }
        if is_sco {
            add("forbidden_created", set(o, "created", json!(T)));
        } else if t == "marking-definition" {
            add("forbidden_modified", set(o, "modified", json!(T)));
        } else {
            add("forbidden_defanged", set(o, "defanged", json!(false)));
        }
        if !is_sco {
            add(
                "bad_timestamp",
                set(o, "created", json!("2024-01-01T00:00:00.000")),
            );
            add(
                "timestamp_seconds_only",
                set(o, "created", json!("2024-01-01T00:00:00Z")),
            );
            add(
                "created_by_not_identity",
                set(o, "created_by_ref", json!(MALWARE)),
            );
        }
        if t != "marking-definition" && !is_sco {
            add(
                "modified_before_created",
                set(o, "modified", json!("2023-01-01T00:00:00.000Z")),
            );
        }
        add("bad_id", set(o, "id", json!(format!("{t}--not-a-uuid"))));
        add("spec_version_2_2", set(o, "spec_version", json!("2.2")));
        add(
            "marking_ref_not_marking",
            set(o, "object_marking_refs", json!([IDENTITY])),
        );
        add("reserved_property", set(o, "severity", json!("high")));
        add("bad_custom_name", set(o, "X_Bad", json!(1)));
        add("short_custom_name", set(o, "xy", json!(1)));
        add("null_custom", o.clone().tap_null("x_null"));
        add("bad_custom_bin", set(o, "x_blob_bin", json!("abc")));
        add("empty_custom_list", set(o, "x_list", json!([])));
        add(
            "bad_selector",
            set(
                o,
                "granular_markings",
                json!([{"marking_ref": AMBER, "selectors": ["no_such_property"]}]),
            ),
        );
        add(
            "granular_ref_and_lang",
            set(
                o,
                "granular_markings",
                json!([{"marking_ref": AMBER, "lang": "en", "selectors": ["id"]}]),
            ),
        );
        add("empty_extensions", set(o, "extensions", json!({})));
        for (m, object) in entry.specific {
            add(m, object);
        }
    }
    cases
}

/// `set` removes a key given null; this puts a literal null back.
trait TapNull {
    fn tap_null(self, key: &str) -> Value;
}

impl TapNull for Value {
    fn tap_null(mut self, key: &str) -> Value {
        if let Some(m) = self.as_object_mut() {
            m.insert(key.to_owned(), Value::Null);
        }
        self
    }
}

/// Which types a departure applies to.
enum Types {
    All,
    Only(&'static [&'static str]),
    AllBut(&'static [&'static str]),
}

/// How the reference differs on a departing case.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Differs {
    /// It accepts what we refuse.
    Accepts,
    /// It raises an exception instead of answering; we refuse the input.
    Crashes,
    /// It refuses what we accept: a value the spec allows that its closed
    /// lists or its parser do not (the one kind of case we accept).
    Refuses,
}

/// A deliberate difference: the cases `type/mutation` where the reference
/// does not refuse what we refuse (or refuses what the spec allows), and
/// why.
struct Departure {
    mutation: &'static str,
    types: Types,
    differs: Differs,
    reason: &'static str,
}

const MARKING: &[&str] = &["marking-definition"];

/// Where we follow the specification and stix2-validator 3.2.0 does not.
const DEPARTURES: &[Departure] = &[
    Departure {
        mutation: "forbidden_created",
        types: Types::All,
        differs: Differs::Accepts,
        reason: "§3.2: created is not a property of SCOs; the OASIS schemas let any well-named property through",
    },
    Departure {
        mutation: "forbidden_defanged",
        types: Types::All,
        differs: Differs::Accepts,
        reason: "§3.2: defanged is a property of SCOs only",
    },
    Departure {
        mutation: "forbidden_modified",
        types: Types::All,
        differs: Differs::Accepts,
        reason: "§7.2.1: marking definitions are never versioned and have no modified",
    },
    Departure {
        mutation: "created_by_not_identity",
        types: Types::All,
        differs: Differs::Accepts,
        reason: "§3.2: created_by_ref must refer to an identity; the schemas check only the identifier form",
    },
    Departure {
        mutation: "marking_ref_not_marking",
        types: Types::AllBut(MARKING),
        differs: Differs::Accepts,
        reason: "§3.2: object_marking_refs must refer to marking definitions; the schemas check only the form",
    },
    Departure {
        mutation: "granular_ref_and_lang",
        types: Types::All,
        differs: Differs::Accepts,
        reason: "§7.2.3: a granular marking has lang or marking_ref, never both; the schema allows both",
    },
    Departure {
        mutation: "drop_created_by_ref",
        types: Types::Only(&["extension-definition"]),
        differs: Differs::Accepts,
        reason: "§7.3: created_by_ref is required on extension definitions; the schema does not require it",
    },
    Departure {
        mutation: "timestamp_seconds_only",
        types: Types::Only(MARKING),
        differs: Differs::Accepts,
        reason: "§3.2: created is precise to the millisecond on every object; the marking-definition schema \
                 does not include the common rules",
    },
    Departure {
        mutation: "reserved_property",
        types: Types::Only(MARKING),
        differs: Differs::Accepts,
        reason: "§3.1 reserved names and §11.1 property names apply to every object; the marking-definition \
                 schema does not include the common rules",
    },
    Departure {
        mutation: "bad_custom_name",
        types: Types::Only(MARKING),
        differs: Differs::Accepts,
        reason: "as reserved_property",
    },
    Departure {
        mutation: "short_custom_name",
        types: Types::Only(MARKING),
        differs: Differs::Accepts,
        reason: "as reserved_property",
    },
    Departure {
        mutation: "null_custom",
        types: Types::Only(MARKING),
        differs: Differs::Accepts,
        reason: "§3: no property is null; not checked on marking definitions by the reference",
    },
    Departure {
        mutation: "bad_custom_bin",
        types: Types::Only(MARKING),
        differs: Differs::Accepts,
        reason: "§2.3: _bin properties hold base64; not checked on marking definitions by the reference",
    },
    Departure {
        mutation: "empty_custom_list",
        types: Types::Only(MARKING),
        differs: Differs::Accepts,
        reason: "§3: lists are not empty; not checked on marking definitions by the reference",
    },
    Departure {
        mutation: "software_language_two_letters",
        types: Types::Only(&["software"]),
        differs: Differs::Refuses,
        reason: "§6.14: software languages are RFC 5646 tags; it takes only ISO 639-2 three-letter codes (the STIX 2.0 rule)",
    },
    Departure {
        mutation: "lang_outside_their_list",
        types: Types::Only(&["note"]),
        differs: Differs::Refuses,
        reason: "§3.2: lang is any RFC 5646 tag; it takes only the 232 tags of its own list",
    },
    Departure {
        mutation: "bad_id",
        types: Types::Only(&[
            "artifact",
            "email-message",
            "process",
            "user-account",
            "windows-registry-key",
            "x509-certificate",
        ]),
        differs: Differs::Crashes,
        reason: "its UUID-version check parses the id before the schema refuses it (ValueError)",
    },
    Departure {
        mutation: "kill_chain_not_list",
        types: Types::All,
        differs: Differs::Crashes,
        reason: "its kill-chain naming check indexes a dictionary as a list (TypeError)",
    },
    Departure {
        mutation: "objects_and_object_refs",
        types: Types::All,
        differs: Differs::Crashes,
        reason: "its deprecated-objects check expects an id on every embedded observable (KeyError)",
    },
];

fn departure(name: &str) -> Option<&'static Departure> {
    let (t, m) = name.split_once('/')?;
    DEPARTURES.iter().find(|d| {
        d.mutation == m
            && match d.types {
                Types::All => true,
                Types::Only(list) => list.contains(&t),
                Types::AllBut(list) => !list.contains(&t),
            }
    })
}

fn bundle_of(object: &Value) -> Value {
    json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [object]})
}

fn interop_python() -> Option<PathBuf> {
    match std::env::var_os("COUNTERSIGN_INTEROP_VENV") {
        Some(venv) => Some(PathBuf::from(venv).join("bin").join("python")),
        None => {
            eprintln!(
                "SKIPPED validator differential test: set COUNTERSIGN_INTEROP_VENV to a venv with \
                 stix2-validator 3.2.0 (./test.sh does)"
            );
            None
        }
    }
}

#[test]
fn corpus_covers_every_type_and_valid_objects_are_valid_here() {
    let cases = corpus();
    let mut types: Vec<&str> = cases
        .iter()
        .filter(|c| c.name.ends_with("/valid"))
        .map(|c| c.object["type"].as_str().unwrap())
        .collect();
    types.sort_unstable();
    types.dedup();
    assert_eq!(types.len(), 19 + 2 + 18 + 3);
    let mut bad = String::new();
    for c in &cases {
        let ours = check_bundle(&bundle_of(&c.object));
        let accepted_here = c.name.ends_with("/valid")
            || departure(&c.name).is_some_and(|d| d.differs == Differs::Refuses);
        if accepted_here {
            if let Err(e) = ours {
                let _ = writeln!(bad, "{}: {e}", c.name);
            }
        } else if ours.is_ok() {
            let _ = writeln!(bad, "{}: accepted", c.name);
        }
    }
    assert!(bad.is_empty(), "{bad}");
    if let Some(dir) = std::env::var_os("COUNTERSIGN_STIX_CORPUS_DIR") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (i, c) in cases.iter().enumerate() {
            let file = dir.join(format!("{i:03}-{}.json", c.name.replace('/', "-")));
            std::fs::write(file, serde_json::to_vec(&bundle_of(&c.object)).unwrap()).unwrap();
        }
    }
}

#[test]
fn agrees_with_stix2_validator_on_valid_and_invalid() {
    let Some(python) = interop_python() else {
        return;
    };
    let cases = corpus();
    let input: Vec<Value> = cases
        .iter()
        .map(|c| json!({"name": c.name, "bundle": bundle_of(&c.object)}))
        .collect();
    let dir =
        std::env::temp_dir().join(format!("countersign-validator-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("cases.json");
    std::fs::write(&path, serde_json::to_vec(&input).unwrap()).unwrap();
    let script = format!(
        "{}/tests/stix/validator_diff.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let out = Command::new(&python)
        .arg(&script)
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "validator_diff.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(results.len(), cases.len());

    let mut report = String::new();
    let (mut agree, mut departed) = (0, 0);
    for (c, r) in cases.iter().zip(&results) {
        assert_eq!(r["name"], c.name.as_str());
        let ours = check_bundle(&bundle_of(&c.object));
        let ours_valid = ours.is_ok();
        let theirs = r["valid"].as_bool();
        let why_ours = match &ours {
            Ok(_) => "valid".to_owned(),
            Err(e) => e
                .errors
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(" | "),
        };
        let why_theirs = r["errors"].as_array().map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(|s| s.chars().take(160).collect::<String>())
                .collect::<Vec<_>>()
                .join(" | ")
        });
        match (departure(&c.name), theirs) {
            (Some(d), theirs) => {
                // Still departs in the listed way?
                let still = match d.differs {
                    Differs::Accepts => !ours_valid && theirs == Some(true),
                    Differs::Crashes => !ours_valid && theirs.is_none(),
                    Differs::Refuses => ours_valid && theirs == Some(false),
                };
                if still {
                    departed += 1;
                } else {
                    let _ = writeln!(
                        report,
                        "{}: listed as a departure ({}) but ours valid={ours_valid}, stix2-validator valid={theirs:?}",
                        c.name, d.reason
                    );
                }
            }
            (None, Some(t)) if t == ours_valid => agree += 1,
            (None, Some(t)) => {
                let _ = writeln!(
                    report,
                    "{}: ours valid={ours_valid} ({why_ours}); stix2-validator valid={t} ({})",
                    c.name,
                    why_theirs.unwrap_or_default()
                );
            }
            (_, None) => {
                let _ = writeln!(
                    report,
                    "{}: stix2-validator crashed ({}); ours valid={ours_valid}",
                    c.name,
                    why_theirs.unwrap_or_default()
                );
            }
        }
    }
    eprintln!(
        "validator differential: {} cases, {agree} agree, {departed} listed departures",
        cases.len()
    );
    assert!(
        report.is_empty(),
        "disagreements with stix2-validator 3.2.0:\n{report}"
    );
}
