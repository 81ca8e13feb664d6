//! Pattern matching (STIX 2.1 §9.5–§9.7): each comparison operator, the
//! observation operators and qualifiers, `number_observed`, references,
//! observations from a bundle, the many-pattern matcher, and resource
//! bounds.

use countersign_stix::check_bundle;
use countersign_stix::pattern::{Limits, Matcher, Observation, Pattern};
use countersign_stix::timestamp::Timestamp;
use serde_json::{Value, json};

use super::common;

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

/// An observation seen `count` times between `first` and `last`.
pub fn obs(id: usize, first: &str, last: &str, count: u64, objects: Vec<Value>) -> Observation {
    let mut o = Observation::new(
        format!("observed-data--00000000-0000-4000-8000-{id:012}"),
        ts(first),
        ts(last),
        count,
    );
    for v in objects {
        o = o.with_object(v);
    }
    o
}

/// One observation, at minute `minute` of 2020-01-01, of an ipv4 address.
fn ip_at(id: usize, minute: u32, ip: &str) -> Observation {
    let t = format!("2020-01-01T00:{minute:02}:00Z");
    obs(
        id,
        &t,
        &t,
        1,
        vec![json!({"type": "ipv4-addr", "id": format!("ipv4-addr--{id}"), "value": ip})],
    )
}

fn rich() -> Observation {
    let t = "2020-01-01T00:00:00Z";
    obs(1, t, t, 1, vec![
        json!({
            "type": "file", "id": "file--1", "name": "foo.dll", "size": 1024,
            "hashes": {"MD5": "cead3f77f6cda6ec00f57d76c9a69faa", "SHA-256": "aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f"},
            "created": "2014-01-13T07:03:17Z",
            "magic_number_hex": "ffd8",
            "parent_directory_ref": "directory--1",
            "extensions": {"windows-pebinary-ext": {"sections": [{"entropy": 2.0}, {"entropy": 7.5}]}},
            "x_list": ["a", "b"], "x_flag": true, "x_float": 2.5, "x_null": null,
            "x_unicode": "d\u{0323}\u{0307}", "x_latin": "\u{e9}t\u{e9}"
        }),
        json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "198.51.100.7"}),
        json!({"type": "ipv6-addr", "id": "ipv6-addr--1", "value": "2001:db8:dead:beef::1"}),
        json!({"type": "network-traffic", "id": "network-traffic--1", "src_ref": "ipv4-addr--1",
               "dst_ref": "ipv6-addr--1", "src_port": 80, "protocols": ["ipv4", "tcp"]}),
        json!({"type": "artifact", "id": "artifact--1", "mime_type": "application/vnd.tcpdump.pcap",
               "payload_bin": "1MOyoQIABAA="}),
        json!({"type": "email-message", "id": "email-message--1", "is_multipart": false,
               "from_ref": "email-addr--1", "to_refs": ["email-addr--2", "email-addr--3", "email-addr--missing"],
               "subject": "Conference Info\nsecond line"}),
        json!({"type": "domain-name", "id": "domain-name--1", "value": "www.5z8.info",
               "resolves_to_refs": ["ipv4-addr--1"]}),
        json!({"type": "x-usb-device", "id": "x-usb-device--1", "usbdrive": {"serial_number": "575833314133343231313937"}}),
    ])
    .with_linked(json!({"type": "directory", "id": "directory--1", "path": "C:\\Windows\\System32"}))
    .with_linked(json!({"type": "email-addr", "id": "email-addr--1", "value": "jdoe@example.com"}))
    .with_linked(json!({"type": "email-addr", "id": "email-addr--2", "value": "a@example.org"}))
    .with_linked(json!({"type": "email-addr", "id": "email-addr--3", "value": "b@example.org"}))
}

/// (pattern, whether it matches `rich()`)
const COMPARISONS: &[(&str, bool)] = &[
    // = and != on strings, numbers, booleans
    ("[file:name = 'foo.dll']", true),
    ("[file:name = 'FOO.DLL']", false),
    ("[file:name != 'foo.dll']", false),
    ("[file:name != 'bar.dll']", true),
    ("[file:name NOT = 'foo.dll']", false),
    ("[file:name NOT != 'foo.dll']", true),
    ("[file:size = 1024]", true),
    ("[file:size = 1024.0]", true),
    ("[file:size = '1024']", false),
    ("[file:size != '1024']", true),
    ("[file:x_float = 2.5]", true),
    ("[file:x_flag = true]", true),
    ("[file:x_flag = false]", false),
    ("[file:x_flag = 1]", false),
    ("[file:x_null = 'x']", false),
    ("[file:missing = 'x']", false),
    ("[file:missing != 'x']", false),
    ("[file:missing NOT = 'x']", false),
    ("[directory:path = 'C:\\\\Windows\\\\System32']", false),
    // ordering
    ("[file:size > 1000]", true),
    ("[file:size > 1024]", false),
    ("[file:size >= 1024]", true),
    ("[file:size < 1024.5]", true),
    ("[file:size <= 1023]", false),
    ("[file:size NOT > 2000]", true),
    ("[file:name > 'a']", true),
    ("[file:name < 'g']", true),
    ("[file:name < 5]", false),
    ("[file:name NOT < 5]", false),
    ("[file:x_flag > 0]", false),
    // timestamps compare as instants
    ("[file:created = t'2014-01-13T07:03:17Z']", true),
    ("[file:created = t'2014-01-13T07:03:17.000Z']", true),
    ("[file:created > t'2014-01-13T07:03:16.999999Z']", true),
    ("[file:created < t'2014-01-13T07:03:17Z']", false),
    ("[file:created = '2014-01-13T07:03:17.000Z']", false),
    // paths: quoted names, nested keys, lists, references
    (
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
        true,
    ),
    (
        "[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a69faa']",
        true,
    ),
    (
        "[file:hashes.md5 = 'cead3f77f6cda6ec00f57d76c9a69faa']",
        false,
    ),
    (
        "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
        true,
    ),
    (
        "[file:extensions.'windows-pebinary-ext'.sections[0].entropy > 7.0]",
        false,
    ),
    (
        "[file:extensions.'windows-pebinary-ext'.sections[1].entropy > 7.0]",
        true,
    ),
    (
        "[file:extensions.'windows-pebinary-ext'.sections[2].entropy > 0]",
        false,
    ),
    (
        "[file:extensions.'windows-pebinary-ext'.sections[-1].entropy > 0]",
        false,
    ),
    ("[file:x_list[*] = 'b']", true),
    ("[file:x_list[0] = 'b']", false),
    ("[file:x_list = 'a']", false),
    ("[file:x_list != 'a']", true),
    ("[file:name[*] = 'f']", false),
    (
        "[file:parent_directory_ref.path = 'C:\\\\Windows\\\\System32']",
        true,
    ),
    ("[network-traffic:src_ref.value = '198.51.100.7']", true),
    (
        "[network-traffic:src_ref.type = 'ipv4-addr' AND network-traffic:src_ref.value = '198.51.100.7']",
        true,
    ),
    (
        "[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
        true,
    ),
    ("[network-traffic:protocols[*] = 'tcp']", true),
    (
        "[email-message:from_ref.value = 'jdoe@example.com' AND email-message:subject LIKE 'Conference%']",
        true,
    ),
    ("[email-message:to_refs[*].value = 'b@example.org']", true),
    ("[email-message:to_refs[1].value = 'b@example.org']", true),
    ("[email-message:to_refs[0].value = 'b@example.org']", false),
    ("[email-message:to_refs.value = 'b@example.org']", false),
    (
        "[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.7']",
        true,
    ),
    (
        "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
        true,
    ),
    // linked objects are reached only through references
    ("[directory:path = 'C:\\\\Windows\\\\System32']", false),
    ("[email-addr:value = 'jdoe@example.com']", false),
    // AND holds for one object; OR for any
    ("[file:name = 'foo.dll' AND file:size = 1024]", true),
    ("[file:name = 'foo.dll' AND file:size = 1]", false),
    ("[file:name = 'foo.dll' OR file:size = 1]", true),
    (
        "[file:name = 'x' OR ipv4-addr:value = '198.51.100.7']",
        true,
    ),
    (
        "[file:name = 'foo.dll' AND ipv4-addr:value = '198.51.100.7']",
        false,
    ),
    (
        "[(file:name = 'x' OR file:size = 1024) AND file:created = t'2014-01-13T07:03:17Z']",
        true,
    ),
    // IN
    ("[file:size IN (1, 1024, 4096)]", true),
    ("[file:size IN (1.5, 1024.0)]", true),
    ("[file:size IN ('1024')]", false),
    ("[file:size NOT IN (1, 2)]", true),
    ("[file:size NOT IN (1024)]", false),
    ("[file:name IN ()]", false),
    ("[file:name NOT IN ()]", true),
    ("[file:created IN (t'2014-01-13T07:03:17.000Z')]", true),
    // LIKE: anchored, % and _, everything else literal
    ("[file:name LIKE 'foo%']", true),
    ("[file:name LIKE '%.dll']", true),
    ("[file:name LIKE 'f_o.dll']", true),
    ("[file:name LIKE 'f_.dll']", false),
    ("[file:name LIKE 'foo']", false),
    ("[file:name LIKE 'oo%']", false),
    ("[file:name LIKE 'foo.d.l']", false),
    ("[file:name LIKE '%']", true),
    ("[file:name NOT LIKE 'bar%']", true),
    ("[file:name LIKE '(foo)%']", false),
    ("[file:name LIKE 'foo[.]dll']", false),
    ("[email-message:subject LIKE 'Conference%line']", true),
    ("[file:x_latin LIKE '_t_']", true),
    // MATCHES: unanchored search, linear-time engine
    ("[file:name MATCHES 'oo\\\\.d']", true),
    ("[file:name MATCHES '^foo\\\\.dll$']", true),
    ("[file:name MATCHES '^oo']", false),
    ("[file:name NOT MATCHES '^bar']", true),
    ("[file:size MATCHES '1024']", false),
    ("[file:size NOT MATCHES '1024']", true),
    ("[email-message:subject MATCHES '^second']", false),
    ("[email-message:subject MATCHES '(?m)^second']", true),
    ("[file:x_unicode MATCHES '^d\u{0323}\u{0307}$']", true),
    // bytes: _hex and _bin properties, h'' and b'' constants
    (
        "[artifact:payload_bin MATCHES '\\\\xd4\\\\xc3\\\\xb2\\\\xa1\\\\x02\\\\x00\\\\x04\\\\x00']",
        true,
    ),
    ("[artifact:payload_bin MATCHES '^\\\\xd4\\\\xc3']", true),
    ("[artifact:payload_bin MATCHES '^\\\\xc3']", false),
    ("[artifact:payload_bin = h'd4c3b2a102000400']", true),
    ("[artifact:payload_bin = b'1MOyoQIABAA=']", true),
    ("[artifact:payload_bin = h'd4c3']", false),
    ("[artifact:payload_bin > h'd4c3']", true),
    ("[artifact:payload_bin < h'd4']", false),
    ("[file:magic_number_hex = h'ffd8']", true),
    ("[file:magic_number_hex = h'FFD8']", true),
    ("[file:magic_number_hex = b'/9g=']", true),
    ("[file:magic_number_hex = 'ffd8']", false),
    ("[file:magic_number_hex = '\u{ff}\u{d8}']", true),
    ("[file:name = h'666f6f2e646c6c']", true),
    ("[file:x_latin = h'e974e9']", true),
    ("[file:x_unicode = h'64']", false),
    // ISSUBSET / ISSUPERSET, IPv4 and IPv6
    ("[ipv4-addr:value ISSUBSET '198.51.100.0/24']", true),
    ("[ipv4-addr:value ISSUBSET '198.51.100.7/32']", true),
    ("[ipv4-addr:value ISSUBSET '198.51.101.0/24']", false),
    ("[ipv4-addr:value ISSUBSET '0.0.0.0/0']", true),
    ("[ipv4-addr:value NOT ISSUBSET '10.0.0.0/8']", true),
    ("[ipv4-addr:value ISSUPERSET '198.51.100.7']", true),
    ("[ipv4-addr:value ISSUPERSET '198.51.100.0/24']", false),
    ("[ipv6-addr:value ISSUBSET '2001:db8::/32']", true),
    ("[ipv6-addr:value ISSUBSET '198.51.100.0/24']", false),
    ("[file:name ISSUBSET '198.51.100.0/24']", false),
    // EXISTS
    ("[EXISTS file:hashes.MD5]", true),
    ("[EXISTS file:hashes.'SHA-1']", false),
    ("[NOT EXISTS file:hashes.'SHA-1']", true),
    ("[NOT EXISTS file:name]", false),
    ("[EXISTS file:x_null]", true),
    ("[EXISTS network-traffic:src_ref.value]", true),
    ("[NOT EXISTS process:name]", false),
    // types the observation does not hold
    ("[process:name = 'foo.dll']", false),
    ("[process:name != 'foo.dll']", false),
];

#[test]
fn comparison_operators() {
    let observations = [rich()];
    let mut failures = Vec::new();
    for &(s, want) in COMPARISONS {
        let p = Pattern::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        let got = p.matches(&observations).is_some();
        if got != want {
            failures.push(format!("{s}: got {got}, want {want}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_matcher_agrees_with_single_patterns() {
    let observations = [rich()];
    let patterns: Vec<Pattern> = COMPARISONS
        .iter()
        .map(|(s, _)| Pattern::parse(s).unwrap())
        .collect();
    let matcher = Matcher::from_patterns(patterns);
    let want: Vec<usize> = COMPARISONS
        .iter()
        .enumerate()
        .filter(|(_, (_, m))| *m)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(matcher.match_observation(&observations[0]), want);
    let all: Vec<usize> = matcher
        .match_all(&observations)
        .into_iter()
        .map(|h| h.pattern)
        .collect();
    assert_eq!(all, want);
}

/// A pattern, observations as (minute, ip), and the observations it binds
/// (None: no match).
type OperatorCase = (&'static str, Vec<(u32, &'static str)>, Option<Vec<usize>>);

fn operator_cases() -> Vec<OperatorCase> {
    vec![
        // AND: both, by different observations
        (
            "[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']",
            vec![(0, "10.0.0.2"), (1, "10.0.0.1")],
            Some(vec![0, 1]),
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']",
            vec![(0, "10.0.0.1")],
            None,
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value LIKE '10.%']",
            vec![(0, "10.0.0.1")],
            None,
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value LIKE '10.%']",
            vec![(0, "10.0.0.1"), (5, "10.0.0.1")],
            Some(vec![0, 1]),
        ),
        // OR
        (
            "[ipv4-addr:value = '10.0.0.1'] OR [ipv4-addr:value = '10.0.0.2']",
            vec![(0, "10.0.0.3"), (1, "10.0.0.2")],
            Some(vec![1]),
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] OR [ipv4-addr:value = '10.0.0.2']",
            vec![(0, "10.0.0.3")],
            None,
        ),
        // FOLLOWEDBY: order by time, not by position
        (
            "[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']",
            vec![(5, "10.0.0.2"), (1, "10.0.0.1")],
            Some(vec![0, 1]),
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']",
            vec![(1, "10.0.0.2"), (5, "10.0.0.1")],
            None,
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']",
            vec![(3, "10.0.0.2"), (3, "10.0.0.1")],
            Some(vec![0, 1]),
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.3']",
            vec![
                (1, "10.0.0.1"),
                (2, "10.0.0.3"),
                (3, "10.0.0.2"),
                (4, "10.0.0.3"),
            ],
            Some(vec![0, 2, 3]),
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.3']",
            vec![(1, "10.0.0.1"), (2, "10.0.0.3"), (3, "10.0.0.2")],
            None,
        ),
        // WITHIN on the span of all matched observations
        (
            "([ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']) WITHIN 300 SECONDS",
            vec![(0, "10.0.0.1"), (10, "10.0.0.2"), (14, "10.0.0.1")],
            Some(vec![1, 2]),
        ),
        (
            "([ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']) WITHIN 300 SECONDS",
            vec![(0, "10.0.0.1"), (10, "10.0.0.2")],
            None,
        ),
        (
            "([ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']) WITHIN 600 SECONDS",
            vec![(0, "10.0.0.1"), (10, "10.0.0.2")],
            Some(vec![0, 1]),
        ),
        (
            "([ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']) WITHIN 120.5 SECONDS",
            vec![(0, "10.0.0.1"), (2, "10.0.0.2"), (3, "10.0.0.1")],
            Some(vec![0, 1]),
        ),
        (
            "([ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']) WITHIN 60 SECONDS",
            vec![(0, "10.0.0.1"), (2, "10.0.0.2"), (3, "10.0.0.1")],
            None,
        ),
        // REPEATS: distinct observations
        (
            "[ipv4-addr:value = '10.0.0.1'] REPEATS 3 TIMES",
            vec![
                (0, "10.0.0.1"),
                (1, "10.0.0.2"),
                (2, "10.0.0.1"),
                (3, "10.0.0.1"),
            ],
            Some(vec![0, 2, 3]),
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] REPEATS 3 TIMES",
            vec![(0, "10.0.0.1"), (1, "10.0.0.2"), (2, "10.0.0.1")],
            None,
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] REPEATS 2 TIMES WITHIN 60 SECONDS",
            vec![
                (0, "10.0.0.1"),
                (2, "10.0.0.1"),
                (4, "10.0.0.1"),
                (5, "10.0.0.1"),
            ],
            Some(vec![2, 3]),
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] REPEATS 2 TIMES WITHIN 60 SECONDS",
            vec![(0, "10.0.0.1"), (2, "10.0.0.1"), (4, "10.0.0.1")],
            None,
        ),
        (
            "([ipv4-addr:value = '10.0.0.1'] OR [ipv4-addr:value = '10.0.0.2']) REPEATS 3 TIMES",
            vec![(0, "10.0.0.1"), (1, "10.0.0.2"), (2, "10.0.0.1")],
            Some(vec![0, 1, 2]),
        ),
        (
            "([ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']) REPEATS 2 TIMES",
            vec![(0, "10.0.0.1"), (1, "10.0.0.2"), (2, "10.0.0.1")],
            None,
        ),
        (
            "([ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']) REPEATS 2 TIMES",
            vec![
                (0, "10.0.0.1"),
                (1, "10.0.0.2"),
                (2, "10.0.0.1"),
                (3, "10.0.0.2"),
            ],
            Some(vec![0, 1, 2, 3]),
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] REPEATS 2 TIMES AND [ipv4-addr:value LIKE '10.0.0.%']",
            vec![(0, "10.0.0.1"), (1, "10.0.0.1")],
            None,
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] REPEATS 2 TIMES AND [ipv4-addr:value LIKE '10.0.0.%']",
            vec![(0, "10.0.0.1"), (1, "10.0.0.1"), (2, "10.0.0.9")],
            Some(vec![0, 1, 2]),
        ),
        // START/STOP: start inclusive, stop exclusive
        (
            "[ipv4-addr:value = '10.0.0.1'] START t'2020-01-01T00:05:00Z' STOP t'2020-01-01T00:10:00Z'",
            vec![(4, "10.0.0.1"), (10, "10.0.0.1")],
            None,
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] START t'2020-01-01T00:05:00Z' STOP t'2020-01-01T00:10:00Z'",
            vec![(4, "10.0.0.1"), (5, "10.0.0.1")],
            Some(vec![1]),
        ),
        (
            "([ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']) START t'2020-01-01T00:05:00Z' STOP t'2020-01-01T00:10:00Z'",
            vec![(4, "10.0.0.1"), (6, "10.0.0.2"), (9, "10.0.0.1")],
            Some(vec![1, 2]),
        ),
        (
            "[ipv4-addr:value = '10.0.0.1'] START t'2020-01-01T00:10:00Z' STOP t'2020-01-01T00:05:00Z'",
            vec![(7, "10.0.0.1")],
            None,
        ),
        // Qualifiers bind to the expression just before them.
        (
            "[ipv4-addr:value = '10.0.0.9'] AND [ipv4-addr:value = '10.0.0.1'] REPEATS 2 TIMES",
            vec![(0, "10.0.0.9"), (1, "10.0.0.1"), (2, "10.0.0.1")],
            Some(vec![0, 1, 2]),
        ),
        (
            "([ipv4-addr:value = '10.0.0.9'] AND [ipv4-addr:value = '10.0.0.1']) REPEATS 2 TIMES",
            vec![(0, "10.0.0.9"), (1, "10.0.0.1"), (2, "10.0.0.1")],
            None,
        ),
    ]
}

#[test]
fn observation_operators_and_qualifiers() {
    let mut failures = Vec::new();
    for (s, data, want) in operator_cases() {
        let observations: Vec<Observation> = data
            .iter()
            .enumerate()
            .map(|(i, (m, ip))| ip_at(i, *m, ip))
            .collect();
        let p = Pattern::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        let got = p.matches(&observations).map(|m| m.observations().to_vec());
        let matcher_got = Matcher::from_patterns([p.clone()])
            .match_all(&observations)
            .into_iter()
            .next()
            .map(|h| h.found.observations().to_vec());
        if got.is_some() != want.is_some() || matcher_got.is_some() != want.is_some() {
            failures.push(format!(
                "{s} on {data:?}: got {got:?} (matcher {matcher_got:?}), want {want:?}"
            ));
        } else if let (Some(g), Some(w)) = (&got, &want) {
            // Any valid binding is acceptable, but for these cases the
            // first one found in observation order is the one listed.
            if g != w {
                failures.push(format!("{s} on {data:?}: bound {g:?}, expected {w:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn time_spans_are_ranges_of_possible_times() {
    let at = |id, first: &str, last: &str, ip: &str| {
        obs(
            id,
            first,
            last,
            1,
            vec![json!({"type": "ipv4-addr", "id": format!("ipv4-addr--{id}"), "value": ip})],
        )
    };
    // Overlapping spans can be placed in either order.
    let observations = [
        at(
            0,
            "2020-01-01T00:00:00Z",
            "2020-01-01T01:00:00Z",
            "10.0.0.2",
        ),
        at(
            1,
            "2020-01-01T00:30:00Z",
            "2020-01-01T00:40:00Z",
            "10.0.0.1",
        ),
    ];
    let fb =
        Pattern::parse("[ipv4-addr:value = '10.0.0.1'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']")
            .unwrap();
    assert!(fb.matches(&observations).is_some());
    let fb_rev =
        Pattern::parse("[ipv4-addr:value = '10.0.0.2'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.1']")
            .unwrap();
    assert!(fb_rev.matches(&observations).is_some());
    // WITHIN: a window of the given width meets every span.
    let w = Pattern::parse(
        "([ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']) WITHIN 1 SECONDS",
    )
    .unwrap();
    assert!(w.matches(&observations).is_some());
    let apart = [
        at(
            0,
            "2020-01-01T00:00:00Z",
            "2020-01-01T00:10:00Z",
            "10.0.0.2",
        ),
        at(
            1,
            "2020-01-01T00:10:02Z",
            "2020-01-01T00:20:00Z",
            "10.0.0.1",
        ),
    ];
    assert!(w.matches(&apart).is_none());
    let touching = [
        at(
            0,
            "2020-01-01T00:00:00Z",
            "2020-01-01T00:10:00Z",
            "10.0.0.2",
        ),
        at(
            1,
            "2020-01-01T00:10:01Z",
            "2020-01-01T00:20:00Z",
            "10.0.0.1",
        ),
    ];
    assert!(w.matches(&touching).is_some());
    // START/STOP: a span that meets [start, stop) is in.
    let ss = Pattern::parse(
        "[ipv4-addr:value = '10.0.0.2'] START t'2020-01-01T00:05:00Z' STOP t'2020-01-01T00:06:00Z'",
    )
    .unwrap();
    assert!(ss.matches(&apart).is_some());
    let ends_at_start = [at(
        0,
        "2020-01-01T00:00:00Z",
        "2020-01-01T00:05:00Z",
        "10.0.0.2",
    )];
    assert!(ss.matches(&ends_at_start).is_some());
    let starts_at_stop = [at(
        0,
        "2020-01-01T00:06:00Z",
        "2020-01-01T00:07:00Z",
        "10.0.0.2",
    )];
    assert!(ss.matches(&starts_at_stop).is_none());
}

#[test]
fn number_observed_counts_as_that_many_observations() {
    let t = "2020-01-01T00:00:00Z";
    let three = [obs(
        0,
        t,
        t,
        3,
        vec![json!({"type": "ipv4-addr", "id": "ipv4-addr--0", "value": "10.0.0.1"})],
    )];
    let m = Pattern::parse("[ipv4-addr:value = '10.0.0.1'] REPEATS 3 TIMES")
        .unwrap()
        .matches(&three)
        .unwrap();
    assert_eq!(m.observations(), &[0]);
    assert_eq!(m.bindings(), &[(0, 0), (0, 0), (0, 0)]);
    assert!(
        Pattern::parse("[ipv4-addr:value = '10.0.0.1'] REPEATS 4 TIMES")
            .unwrap()
            .matches(&three)
            .is_none()
    );
    assert!(
        Pattern::parse("[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.1']")
            .unwrap()
            .matches(&three)
            .is_some()
    );
    let one = [obs(
        0,
        t,
        t,
        1,
        vec![json!({"type": "ipv4-addr", "id": "ipv4-addr--0", "value": "10.0.0.1"})],
    )];
    assert!(
        Pattern::parse("[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.1']")
            .unwrap()
            .matches(&one)
            .is_none()
    );
    // A large count is counted, not enumerated.
    let many = [obs(
        0,
        t,
        t,
        u64::MAX,
        vec![json!({"type": "ipv4-addr", "id": "ipv4-addr--0", "value": "10.0.0.1"})],
    )];
    assert!(
        Pattern::parse("[ipv4-addr:value = '10.0.0.1'] REPEATS 1000 TIMES")
            .unwrap()
            .matches(&many)
            .is_some()
    );
}

#[test]
fn bindings_name_the_observation_expressions() {
    let observations = [ip_at(0, 1, "10.0.0.2"), ip_at(1, 2, "10.0.0.1")];
    let p = Pattern::parse("[ipv4-addr:value = '10.0.0.1'] AND [ipv4-addr:value = '10.0.0.2']")
        .unwrap();
    let m = p.matches(&observations).unwrap();
    assert_eq!(m.bindings(), &[(0, 1), (1, 0)]);
    assert_eq!(
        m.observation_ids(&observations),
        vec![
            "observed-data--00000000-0000-4000-8000-000000000000",
            "observed-data--00000000-0000-4000-8000-000000000001"
        ]
    );
}

#[test]
fn catastrophic_backtracking_patterns_finish() {
    let mut value = "a".repeat(50_000);
    value.push('b');
    let t = "2020-01-01T00:00:00Z";
    let observations = [obs(
        0,
        t,
        t,
        1,
        vec![json!({"type": "x-text", "id": "x-text--0", "value": value})],
    )];
    for (s, want) in [
        ("[x-text:value MATCHES '(a+)+$']", false),
        ("[x-text:value MATCHES '^(a+)+$']", false),
        ("[x-text:value MATCHES '(a|aa)+$']", false),
        ("[x-text:value MATCHES '(a*)*b$']", true),
        ("[x-text:value MATCHES '^(a|a?)+b$']", true),
        ("[x-text:value LIKE '%a%a%a%a%a%a%c']", false),
    ] {
        let p = Pattern::parse(s).unwrap();
        assert_eq!(p.matches(&observations).is_some(), want, "{s}");
    }
}

#[test]
fn search_budget_is_enforced() {
    // 60 observations that match both operands: 30 + 31 disjoint ones are
    // needed, so every way of choosing the first 30 fails.
    let observations: Vec<Observation> = (0..60)
        .map(|i| ip_at(i, (i % 60) as u32, "10.0.0.1"))
        .collect();
    let text = "[ipv4-addr:value = '10.0.0.1'] REPEATS 30 TIMES AND [ipv4-addr:value LIKE '10.%'] REPEATS 31 TIMES";
    let p = Pattern::parse_with(text, &Limits::default().with_search_steps(10_000)).unwrap();
    let e = p.try_matches(&observations).unwrap_err();
    assert_eq!(e.steps, 10_000);
    assert!(p.matches(&observations).is_none());
}

#[test]
fn hopeless_searches_fail_fast() {
    // The right operand is earlier than every left candidate: no binding of
    // the left side is tried in full.
    let mut observations: Vec<Observation> =
        (1..60).map(|i| ip_at(i, i as u32, "10.0.0.1")).collect();
    observations.push(ip_at(0, 0, "10.0.0.2"));
    let limits = Limits::default().with_search_steps(10_000);
    for text in [
        "[ipv4-addr:value = '10.0.0.1'] REPEATS 10 TIMES FOLLOWEDBY [ipv4-addr:value = '10.0.0.2']",
        "[ipv4-addr:value = '10.0.0.1'] REPEATS 10 TIMES AND [ipv4-addr:value = '10.0.0.3']",
        "[ipv4-addr:value = '10.0.0.1'] REPEATS 61 TIMES",
        "([ipv4-addr:value = '10.0.0.1'] REPEATS 10 TIMES) WITHIN 5 SECONDS",
    ] {
        let p = Pattern::parse_with(text, &limits).unwrap();
        assert_eq!(p.try_matches(&observations), Ok(None), "{text}");
    }
}

#[test]
fn large_bindings_do_not_exhaust_the_stack() {
    let observations: Vec<Observation> = (0..1000)
        .map(|i| ip_at(i, (i % 60) as u32, "10.0.0.1"))
        .collect();
    let p = Pattern::parse("[ipv4-addr:value = '10.0.0.1'] REPEATS 1000 TIMES").unwrap();
    assert_eq!(p.matches(&observations).unwrap().observations().len(), 1000);
    let p = Pattern::parse("[ipv4-addr:value = '10.0.0.1'] REPEATS 1000 TIMES WITHIN 3600 SECONDS")
        .unwrap();
    assert!(p.matches(&observations).is_some());
}

#[test]
fn observations_from_a_bundle() {
    let traffic = "network-traffic--a3f6d3f7-3d5b-5f4b-8c6a-2b2a7a1b9c01";
    let bundle = common::bundle(vec![
        json!({
            "type": "observed-data", "spec_version": "2.1",
            "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
            "created": "2024-01-03T00:00:00.000Z", "modified": "2024-01-03T00:00:00.000Z",
            "first_observed": "2024-01-03T10:00:00Z", "last_observed": "2024-01-03T10:05:00Z",
            "number_observed": 2,
            "object_refs": [common::IPV4, traffic]
        }),
        common::ipv4(),
        json!({"type": "domain-name", "spec_version": "2.1", "id": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5", "value": "example.com"}),
        json!({
            "type": "network-traffic", "spec_version": "2.1", "id": traffic,
            "src_ref": common::IPV4, "dst_ref": "domain-name--3c10e93f-798e-5a26-a0c1-08156efab7f5",
            "protocols": ["tcp"], "dst_port": 443
        }),
        common::identity(),
    ]);
    let bundle = check_bundle(&bundle).unwrap();
    let observations = Observation::from_bundle(&bundle);
    assert_eq!(observations.len(), 1);
    let o = &observations[0];
    assert_eq!(o.number_observed(), 2);
    assert_eq!(o.objects().count(), 2);
    assert_eq!(o.all_objects().count(), 3);
    for (s, want) in [
        ("[ipv4-addr:value = '198.51.100.7']", true),
        (
            "[network-traffic:dst_ref.value = 'example.com' AND network-traffic:dst_port = 443]",
            true,
        ),
        ("[domain-name:value = 'example.com']", false),
        ("[identity:name = 'CERT-Example']", false),
        ("[ipv4-addr:value = '198.51.100.7'] REPEATS 2 TIMES", true),
        (
            "[ipv4-addr:value = '198.51.100.7'] START t'2024-01-03T10:04:00Z' STOP t'2024-01-03T11:00:00Z'",
            true,
        ),
        (
            "[ipv4-addr:value = '198.51.100.7'] START t'2024-01-03T10:05:00.001Z' STOP t'2024-01-03T11:00:00Z'",
            false,
        ),
    ] {
        assert_eq!(
            Pattern::parse(s).unwrap().matches(&observations).is_some(),
            want,
            "{s}"
        );
    }
    // Unchecked JSON objects give the same observation.
    let objects = check_bundle(&common::fixture("evidence-bundle.json"))
        .unwrap()
        .to_value()["objects"]
        .as_array()
        .unwrap()
        .clone();
    let from_json = Observation::from_objects(&objects).unwrap();
    let from_checked =
        Observation::from_bundle(&check_bundle(&common::fixture("evidence-bundle.json")).unwrap());
    assert_eq!(from_json, from_checked);
}

#[test]
fn embedded_objects_dictionary_is_read() {
    let od = json!({
        "type": "observed-data", "id": "observed-data--1",
        "first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:00:00Z",
        "number_observed": 1,
        "objects": {
            "0": {"type": "ipv4-addr", "value": "10.0.0.1"},
            "1": {"type": "network-traffic", "src_ref": "0", "protocols": ["tcp"]}
        }
    });
    let o = Observation::from_observed_data(&od, &|_| None).unwrap();
    let p = Pattern::parse("[network-traffic:src_ref.value = '10.0.0.1']").unwrap();
    assert!(p.matches(&[o]).is_some());
    let bad = json!({"type": "observed-data", "id": "observed-data--2", "first_observed": "x"});
    let e = Observation::from_observed_data(&bad, &|_| None).unwrap_err();
    assert!(e.to_string().contains("first_observed"), "{e}");
}

#[test]
fn matcher_indexes_equality_and_scans_the_rest() {
    let mut patterns: Vec<Pattern> = (0..100)
        .map(|i| {
            Pattern::parse(&format!(
                "[ipv4-addr:value = '203.0.{}.{}']",
                i / 10,
                i % 10
            ))
            .unwrap()
        })
        .collect();
    patterns.push(Pattern::parse("[ipv4-addr:value ISSUBSET '203.0.9.0/24']").unwrap());
    patterns.push(Pattern::parse("[ipv4-addr:value = '203.0.1.1'] REPEATS 2 TIMES").unwrap());
    patterns.push(
        Pattern::parse("[domain-name:value = 'x' OR ipv4-addr:value = '203.0.0.5']").unwrap(),
    );
    patterns.push(
        Pattern::parse(
            "[ipv4-addr:value = '203.0.0.5'] FOLLOWEDBY [ipv4-addr:value = '203.0.1.1']",
        )
        .unwrap(),
    );
    let matcher = Matcher::from_patterns(patterns.clone());
    assert_eq!(matcher.len(), 104);
    let observations: Vec<Observation> = [
        (0, "203.0.0.5"),
        (1, "203.0.9.9"),
        (2, "203.0.1.1"),
        (3, "198.51.100.1"),
        (4, "203.0.1.1"),
    ]
    .iter()
    .map(|&(m, ip)| ip_at(m as usize, m, ip))
    .collect();
    assert_eq!(matcher.match_observation(&observations[0]), vec![5, 102]);
    assert_eq!(matcher.match_observation(&observations[1]), vec![99, 100]);
    assert_eq!(
        matcher.match_observation(&observations[3]),
        Vec::<usize>::new()
    );
    let all: Vec<(usize, Vec<usize>)> = matcher
        .match_all(&observations)
        .into_iter()
        .map(|h| (h.pattern, h.found.observations().to_vec()))
        .collect();
    let single: Vec<(usize, Vec<usize>)> = patterns
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.matches(&observations)
                .map(|m| (i, m.observations().to_vec()))
        })
        .collect();
    assert_eq!(all, single);
    assert!(all.contains(&(101, vec![2, 4])));
    assert!(all.contains(&(103, vec![0, 2])));
}

#[test]
fn many_objects_in_one_observation() {
    let mut objects: Vec<Value> = (0..40)
        .map(|i| json!({"type": "ipv4-addr", "id": format!("ipv4-addr--{i}"), "value": format!("10.0.0.{i}")}))
        .collect();
    let traffic: Vec<Value> = (0..40)
        .map(|i| json!({"type": "network-traffic", "id": format!("network-traffic--{i}"), "src_ref": format!("ipv4-addr--{i}"), "protocols": ["tcp"]}))
        .collect();
    let refs: Vec<String> = traffic
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    objects.extend(traffic);
    objects.push(json!({"type": "observed-data", "id": "observed-data--1",
        "first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:00:00Z",
        "number_observed": 1, "object_refs": refs}));
    let observations = Observation::from_objects(&objects).unwrap();
    assert_eq!(observations[0].objects().count(), 40);
    assert_eq!(observations[0].all_objects().count(), 80);
    for (s, want) in [
        ("[network-traffic:src_ref.value = '10.0.0.39']", true),
        ("[network-traffic:src_ref.value = '10.0.0.40']", false),
        ("[ipv4-addr:value = '10.0.0.3']", false),
    ] {
        assert_eq!(
            Pattern::parse(s).unwrap().matches(&observations).is_some(),
            want,
            "{s}"
        );
    }
}
