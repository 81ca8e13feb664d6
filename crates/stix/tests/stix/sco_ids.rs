//! Deterministic SCO ids (§2.9). Expected values were computed outside this
//! crate twice: with Python's `uuid.uuid5` over hand-written RFC 8785 strings,
//! and with the OASIS `stix2` 3.0.2 Python library's own id generation.

use countersign_stix::{
    SCO_ID_NAMESPACE, check_bundle, ids::sco_id_contributions, sco_id, sco_id_matches,
};
use serde_json::{Value, json};

use crate::common::fixture;

fn id(t: &str, v: Value) -> String {
    sco_id(t, &v).unwrap_or_else(|| panic!("{t} should have a deterministic id"))
}

#[test]
fn spec_example_ipv4() {
    assert_eq!(
        id(
            "ipv4-addr",
            json!({"type": "ipv4-addr", "spec_version": "2.1", "value": "198.51.100.7"})
        ),
        "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db"
    );
    assert_eq!(
        SCO_ID_NAMESPACE.to_string(),
        "00abedb4-aa42-466c-9c01-fed23315a9b7"
    );
}

#[test]
fn value_types() {
    let cases = [
        (
            "ipv4-addr",
            "203.0.113.9",
            "ipv4-addr--39090fdc-366e-571f-ab5b-d05e2918f88f",
        ),
        (
            "ipv6-addr",
            "2001:db8::7",
            "ipv6-addr--9ed76cd5-ab3b-55a5-b6ec-b55c3efb0be2",
        ),
        (
            "domain-name",
            "example.com",
            "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7",
        ),
        (
            "url",
            "https://example.com/login?x=1",
            "url--e72a4455-17a7-539a-a03f-d044029b526b",
        ),
        (
            "mac-addr",
            "d2:fb:49:24:37:18",
            "mac-addr--757b1725-9903-54f5-a855-1240691d7659",
        ),
    ];
    for (t, value, expected) in cases {
        assert_eq!(id(t, json!({"type": t, "value": value})), expected, "{t}");
    }
}

#[test]
fn only_contributing_properties_count() {
    // display_name does not contribute to an email-addr id.
    assert_eq!(
        id(
            "email-addr",
            json!({"type": "email-addr", "value": "jdoe@example.com", "display_name": "John Doe"})
        ),
        "email-addr--6deb37bd-12b7-54ae-805f-5f7146f3d171"
    );
    assert_eq!(
        id("email-addr", json!({"value": "jdoe@example.com"})),
        "email-addr--6deb37bd-12b7-54ae-805f-5f7146f3d171"
    );
    // Nor does an AS name.
    assert_eq!(
        id(
            "autonomous-system",
            json!({"number": 64496, "name": "Example AS"})
        ),
        "autonomous-system--9ad79ee3-2fde-5015-b0cc-7a96404effca"
    );
    assert_eq!(
        id(
            "user-account",
            json!({"user_id": "1001", "account_login": "jdoe", "account_type": "unix", "display_name": "John"})
        ),
        "user-account--f94d689e-707d-58c3-b803-c720bb6ed096"
    );
    assert_eq!(
        id(
            "software",
            json!({"name": "Word", "cpe": "cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*", "vendor": "Microsoft", "version": "2002"})
        ),
        "software--710b0b41-d4d0-5d6c-a400-fc9254554ffc"
    );
    assert_eq!(
        id(
            "x509-certificate",
            json!({"serial_number": "36:f7:d4:32:f4:ab:70:ea:d3:ce:98:6e:ea:99:93:49:32:0a:b7:06", "subject": "C=US, O=Example"})
        ),
        "x509-certificate--bf86f034-2390-54d7-8426-d08433db3fbe"
    );
}

#[test]
fn escaping_in_values() {
    assert_eq!(
        id("mutex", json!({"name": "Global\\evil"})),
        "mutex--c6896675-cf9f-59e9-855b-f33ff9a092ef"
    );
    assert_eq!(
        id(
            "windows-registry-key",
            json!({"key": "HKEY_LOCAL_MACHINE\\System\\Foo"})
        ),
        "windows-registry-key--6d6b2ee2-57fb-52ec-b1d3-7138294a6b8e"
    );
    assert_eq!(
        id("directory", json!({"path": "C:\\Windows\\System32"})),
        "directory--0a58d0c1-59e6-5afd-8252-dcd3f13e5622"
    );
}

const SHA256: &str = "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f";
const SHA512: &str = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";

#[test]
fn file_hash_preference() {
    // MD5 is preferred over SHA-256, whatever the member order.
    let with_md5 = json!({"name": "evil.exe", "hashes": {"SHA-256": SHA256, "MD5": "d41d8cd98f00b204e9800998ecf8427e"}});
    assert_eq!(
        id("file", with_md5),
        "file--295b5226-53e8-5a55-b974-0e337503ba82"
    );
    let contributions = sco_id_contributions(
        "file",
        &json!({"name": "evil.exe", "size": 3, "hashes": {"SHA-256": SHA256, "MD5": "d41d8cd98f00b204e9800998ecf8427e"}}),
    )
    .unwrap();
    assert_eq!(
        serde_json_canonicalizer::to_string(&contributions).unwrap(),
        r#"{"hashes":{"MD5":"d41d8cd98f00b204e9800998ecf8427e"},"name":"evil.exe"}"#
    );
    // SHA-256 over SHA-512.
    let file = json!({"hashes": {"SHA-512": SHA512, "SHA-256": SHA256}});
    assert_eq!(
        id("file", file),
        "file--02c74237-f6bc-5e2e-bcbe-e9bf3d69ac64"
    );
    // Same JCS name as an artifact holding only that SHA-256 (its url does not contribute).
    let artifact = json!({"url": "https://example.com/sample.bin", "hashes": {"SHA-256": SHA256}});
    assert_eq!(
        id("artifact", artifact),
        "artifact--02c74237-f6bc-5e2e-bcbe-e9bf3d69ac64"
    );
    assert_eq!(
        id("file", json!({"name": "readme.txt"})),
        "file--21acc2f7-a867-5136-80da-25a9c3c28494"
    );
}

#[test]
fn artifact_payload() {
    assert_eq!(
        id(
            "artifact",
            json!({"mime_type": "text/plain", "payload_bin": "aGVsbG8="})
        ),
        "artifact--c31e8e38-8283-504b-9e75-800b29a09186"
    );
}

#[test]
fn network_traffic_and_email_message() {
    let nt = json!({
        "type": "network-traffic",
        "protocols": ["ipv4", "tcp"],
        "src_port": 49152, "dst_port": 443,
        "dst_ref": "ipv4-addr--39090fdc-366e-571f-ab5b-d05e2918f88f",
        "src_ref": "ipv4-addr--12592121-be4c-5a93-a813-5a5af16e50db",
        "is_active": false
    });
    assert_eq!(
        id("network-traffic", nt),
        "network-traffic--f5aed350-16de-573e-94ee-63dbbad1eee0"
    );
    let em = json!({"is_multipart": false, "subject": "Invoice", "body": "hi",
                    "from_ref": "email-addr--6deb37bd-12b7-54ae-805f-5f7146f3d171"});
    assert_eq!(
        id("email-message", em),
        "email-message--5b6a91d4-cc8c-54a4-a048-90d89a52b393"
    );
}

#[test]
fn no_deterministic_id() {
    assert_eq!(sco_id("process", &json!({"pid": 1, "name": "a"})), None);
    assert_eq!(sco_id("file", &json!({"size": 1})), None);
    assert_eq!(sco_id("x-acme-thing", &json!({"value": "a"})), None);
    assert_eq!(sco_id("ipv4-addr", &json!("198.51.100.7")), None);
    assert_eq!(
        sco_id_matches(
            &json!({"type": "process", "id": "process--1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "pid": 1})
        ),
        Ok(())
    );
}

#[test]
fn fixture_scos_carry_their_deterministic_ids() {
    let b = check_bundle(&fixture("evidence-bundle.json")).unwrap();
    let mut n = 0;
    for o in b.objects() {
        if let Some(expected) = sco_id(o.object_type(), &o.to_value()) {
            assert_eq!(o.id(), expected);
            assert_eq!(sco_id_matches(&o.to_value()), Ok(()));
            n += 1;
        }
    }
    assert_eq!(n, 6);
}

#[test]
fn mismatch_reports_expected_id() {
    let v = json!({"type": "domain-name", "id": "domain-name--4a5b6c7d-8e9f-4a0b-8c1d-2e3f4a5b6c7d", "value": "example.com"});
    assert_eq!(
        sco_id_matches(&v),
        Err("domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7".to_owned())
    );
}
