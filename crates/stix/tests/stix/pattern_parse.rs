//! Pattern grammar (STIX 2.1 §9, `STIXPattern.g4`): patterns accepted and
//! rejected, error positions, precedence, limits, and printing that reads
//! back to the same tree.

use countersign_stix::pattern::ast::{
    Comparison, ComparisonExpr, Constant, ObjectPath, ObservationExpr, Operator, PathStep,
    Qualifier, Seconds,
};
use countersign_stix::pattern::{Limits, Pattern, PatternErrorKind};
use countersign_stix::timestamp::Timestamp;
use proptest::prelude::*;

/// The example patterns of STIX 2.1 §9 (and its indicator examples).
pub const SPEC_EXAMPLES: &[&str] = &[
    r"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    r"[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']",
    r"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' AND file:mime_type = 'application/x-pdf']",
    r"[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    r"([file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4'] FOLLOWEDBY [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) WITHIN 300 SECONDS",
    r"[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']",
    r"[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']",
    r"[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']",
    r"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    r"[file:mime_type = 'image/bmp' AND file:magic_number_hex = h'ffd8']",
    r"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
    r"[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 1800 SECONDS",
    r"[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
    r"[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
    r"[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
    r"[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']",
    r"[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']",
    r"[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
    r"[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
    r"[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
    r"[network-traffic:dst_ref.value ISSUBSET '2001:0db8:dead:beef:0000:0000:0000:0000/64']",
    r"([file:name = 'foo.dll'] AND [windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\foo\\bar']) OR [process:name = 'fooproc' OR process:name = 'procfoo']",
    r"[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a69faa']",
    r"[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
    r"[domain-name:value = 'example.com'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    r"[file:size IN (1024, 2048, 4096)]",
    r"[file:name LIKE 'wininit.%']",
    r"[ipv4-addr:value ISSUBSET '198.51.100.0/24']",
    r"[ipv4-addr:value ISSUPERSET '198.51.100.7']",
    r"[file:created >= t'2016-01-01T00:00:00.000Z' AND file:created < t'2017-01-01T00:00:00Z']",
    r"[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
    r"[process:pid = 1234 AND process:is_hidden = true]",
    r"[EXISTS windows-registry-key:values]",
    r"[file:name NOT = 'notepad.exe']",
    r"[file:name NOT LIKE 'svchost%' AND file:name NOT IN ('a.exe', 'b.exe')]",
    r"[network-traffic:src_port = 80 OR network-traffic:dst_port = 443] REPEATS 3 TIMES",
    r"[a:b = 'x'] WITHIN 1.5 SECONDS",
];

fn parse(s: &str) -> ObservationExpr {
    match Pattern::parse(s) {
        Ok(p) => p.ast().clone(),
        Err(e) => panic!("{s}: {e}"),
    }
}

#[test]
fn accepts_every_spec_example() {
    let failures: Vec<String> = SPEC_EXAMPLES
        .iter()
        .filter_map(|s| Pattern::parse(s).err().map(|e| format!("{s}: {e}")))
        .collect();
    assert!(failures.is_empty(), "rejected:\n{}", failures.join("\n"));
}

#[test]
fn spec_examples_print_and_read_back() {
    for s in SPEC_EXAMPLES {
        let p = Pattern::parse(s).unwrap();
        let printed = p.to_string();
        let again = Pattern::parse(&printed).unwrap_or_else(|e| panic!("{printed}: {e}"));
        assert_eq!(p.ast(), again.ast(), "{s}\n{printed}");
    }
}

#[test]
fn accepts_other_grammar_forms() {
    for s in [
        "[a:b == 1]",
        "[a:b <> 1]",
        "[a:b=1]",
        "[ a:b = -1 ]",
        "[a:b = +1]",
        "[a:b = .5]",
        "[a:b = -0.5]",
        "[a:b = 0]",
        "[a:b IN ()]",
        "[a:b NOT IN ('x')]",
        "[a:'b c'.'d-e'[0][*][-1] = 'x']",
        "[a:b = h'']",
        "[a:b = h'DEADbeef']",
        "[a:b = b'AAEC']",
        "[a:b = b'AA==']",
        "[a:b = 'it\\'s \\\\ here']",
        "[a:b = 'ünïcödé ✓']",
        "[x-custom-type_1:_under_score = 1]",
        "[a:b = t'2016-12-31T23:59:60Z']",
        "[a:b = t'2016-01-01T00:00:00.123456789Z']",
        "/* lead */ [a:b = 1] // trail",
        "[a:b = 1]\u{3000}AND\u{00a0}[a:c = 2]",
        "(([a:b = 1]))",
        "[(((a:b = 1)))]",
        "[a:b = 1] REPEATS 2 TIMES WITHIN 5 SECONDS START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'",
        "[a:b = 1] WITHIN +5 SECONDS",
        "[NOT EXISTS a:b]",
        "[a:b NOT MATCHES 'x' AND a:c NOT ISSUBSET '10.0.0.0/8' AND a:d NOT ISSUPERSET '10.0.0.1']",
        "[a:b NOT > 1 AND a:b NOT <= 2.5]",
    ] {
        if let Err(e) = Pattern::parse(s) {
            panic!("{s}: {e}");
        }
    }
}

/// (pattern, expected kind, 1-based character of the error)
const REJECTED: &[(&str, PatternErrorKind, usize)] = &[
    ("", PatternErrorKind::Syntax, 1),
    ("   ", PatternErrorKind::Syntax, 4),
    ("a:b = 1", PatternErrorKind::Syntax, 1),
    ("[a:b = 1", PatternErrorKind::Syntax, 9),
    ("[a:b = 1]]", PatternErrorKind::Syntax, 10),
    ("[]", PatternErrorKind::Syntax, 2),
    ("[a = 1]", PatternErrorKind::Syntax, 4),
    ("[a: = 1]", PatternErrorKind::Syntax, 5),
    ("[a:b]", PatternErrorKind::Syntax, 5),
    ("[a:b = ]", PatternErrorKind::Syntax, 8),
    ("[a:b == = 1]", PatternErrorKind::Syntax, 9),
    ("[a:b-c = 1]", PatternErrorKind::Syntax, 4),
    ("[a:b.c-d = 1]", PatternErrorKind::Syntax, 6),
    ("[a:b.AND = 1]", PatternErrorKind::Syntax, 6),
    ("[a:b = \"x\"]", PatternErrorKind::Syntax, 8),
    ("[a:b = 'x]", PatternErrorKind::Syntax, 8),
    (
        "[a:b = 'C:\\Windows']",
        PatternErrorKind::InvalidLiteral,
        11,
    ),
    ("[a:b = 01]", PatternErrorKind::InvalidLiteral, 8),
    ("[a:b = 1.]", PatternErrorKind::InvalidLiteral, 8),
    (
        "[a:b = 99999999999999999999]",
        PatternErrorKind::InvalidLiteral,
        8,
    ),
    (
        "[a:b = t'2016-13-01T00:00:00Z']",
        PatternErrorKind::InvalidLiteral,
        8,
    ),
    (
        "[a:b = t'2016-01-01 00:00:00Z']",
        PatternErrorKind::InvalidLiteral,
        8,
    ),
    (
        "[a:b = t'2016-01-01T00:00:00+01:00']",
        PatternErrorKind::InvalidLiteral,
        8,
    ),
    ("[a:b = h'abc']", PatternErrorKind::InvalidLiteral, 8),
    ("[a:b = h'zz']", PatternErrorKind::InvalidLiteral, 8),
    ("[a:b = b'AAE']", PatternErrorKind::InvalidLiteral, 8),
    ("[a:b = b'']", PatternErrorKind::InvalidLiteral, 8),
    ("[a:b > true]", PatternErrorKind::Syntax, 8),
    ("[a:b = TRUE]", PatternErrorKind::Syntax, 8),
    ("[a:b and a:c]", PatternErrorKind::Syntax, 6),
    ("[a:b = 1] and [a:c = 1]", PatternErrorKind::Syntax, 11),
    ("[a:b = 1] AND", PatternErrorKind::Syntax, 14),
    ("[a:b = 1] WITHIN 5", PatternErrorKind::Syntax, 19),
    (
        "[a:b = 1] WITHIN 0 SECONDS",
        PatternErrorKind::InvalidQualifier,
        18,
    ),
    ("[a:b = 1] WITHIN -5 SECONDS", PatternErrorKind::Syntax, 18),
    (
        "[a:b = 1] REPEATS 0 TIMES",
        PatternErrorKind::InvalidQualifier,
        19,
    ),
    ("[a:b = 1] REPEATS 1.5 TIMES", PatternErrorKind::Syntax, 19),
    (
        "[a:b = 1] START '2016-01-01T00:00:00Z' STOP '2016-01-02T00:00:00Z'",
        PatternErrorKind::Syntax,
        17,
    ),
    (
        "[a:b = 1] START t'2016-01-01T00:00:00Z'",
        PatternErrorKind::Syntax,
        40,
    ),
    ("[a:b IN ('x', 1)]", PatternErrorKind::MixedSet, 9),
    ("[a:b IN 'x']", PatternErrorKind::Syntax, 9),
    ("[a:b LIKE 5]", PatternErrorKind::Syntax, 11),
    ("[a:b MATCHES '(a']", PatternErrorKind::InvalidRegex, 14),
    (
        "[a:b MATCHES '(?=a)b']",
        PatternErrorKind::UnsupportedRegex,
        14,
    ),
    (
        "[a:b MATCHES '(a)\\\\1']",
        PatternErrorKind::UnsupportedRegex,
        14,
    ),
    (
        "[a:b MATCHES 'a++']",
        PatternErrorKind::UnsupportedRegex,
        14,
    ),
    (
        "[a:b ISSUBSET 'not-a-net']",
        PatternErrorKind::InvalidNetwork,
        15,
    ),
    (
        "[a:b ISSUPERSET '10.0.0.0/33']",
        PatternErrorKind::InvalidNetwork,
        17,
    ),
    ("[a:b[x] = 1]", PatternErrorKind::Syntax, 6),
    ("[a:b[1 = 1]", PatternErrorKind::Syntax, 8),
    ("[EXISTS a:b = 1]", PatternErrorKind::Syntax, 13),
    ("[a:b LAST 5]", PatternErrorKind::Syntax, 6),
    ("[a:b = 1] /* open", PatternErrorKind::Syntax, 11),
    ("[a:b = 1] FOLLOWEDBY", PatternErrorKind::Syntax, 21),
    ("[a:b = 1] # x", PatternErrorKind::Syntax, 11),
];

#[test]
fn rejects_with_kind_and_position() {
    let mut failures = Vec::new();
    for &(s, kind, column) in REJECTED {
        match Pattern::parse(s) {
            Ok(p) => failures.push(format!("{s:?}: accepted as {p}")),
            Err(e) => {
                if e.kind() != kind || e.column() != column {
                    failures.push(format!(
                        "{s:?}: got {:?} at {} ({e}), want {kind:?} at {column}",
                        e.kind(),
                        e.column()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn error_messages_say_what_was_expected() {
    let e = Pattern::parse("[a:b = 1").unwrap_err();
    assert_eq!(
        e.to_string(),
        "expected AND, OR or ']', found the end of the pattern (at character 9)"
    );
    let e = Pattern::parse("[a:b-c = 1]").unwrap_err();
    assert!(e.message().contains("quote it as 'b-c'"), "{e}");
    let e = Pattern::parse("[a:b MATCHES '(?<=x)y']").unwrap_err();
    assert!(e.message().contains("look-behind"), "{e}");
    assert!(e.message().contains("linear-time"), "{e}");
    let e = Pattern::parse("[a:b = 'C:\\Windows']").unwrap_err();
    assert!(e.message().contains("only \\' and \\\\"), "{e}");
}

fn obs_leaf(v: i64) -> ObservationExpr {
    ObservationExpr::Observation(test(v))
}

fn test(v: i64) -> ComparisonExpr {
    ComparisonExpr::Test(Comparison {
        path: ObjectPath {
            object_type: "a".into(),
            property: "b".into(),
            steps: vec![],
        },
        negated: false,
        op: Operator::Eq(Constant::Int(v)),
    })
}

#[test]
fn observation_operator_precedence() {
    use ObservationExpr::{And, FollowedBy, Or};
    // AND binds tighter than OR, OR tighter than FOLLOWEDBY.
    assert_eq!(
        parse("[a:b = 1] OR [a:b = 2] AND [a:b = 3]"),
        Or(vec![obs_leaf(1), And(vec![obs_leaf(2), obs_leaf(3)])])
    );
    assert_eq!(
        parse("[a:b = 1] FOLLOWEDBY [a:b = 2] OR [a:b = 3]"),
        FollowedBy(vec![obs_leaf(1), Or(vec![obs_leaf(2), obs_leaf(3)])])
    );
    assert_eq!(
        parse("[a:b = 1] AND [a:b = 2] FOLLOWEDBY [a:b = 3] AND [a:b = 4]"),
        FollowedBy(vec![
            And(vec![obs_leaf(1), obs_leaf(2)]),
            And(vec![obs_leaf(3), obs_leaf(4)])
        ])
    );
    // Chains stay flat; parentheses make nesting.
    assert_eq!(
        parse("[a:b = 1] OR [a:b = 2] OR [a:b = 3]"),
        Or(vec![obs_leaf(1), obs_leaf(2), obs_leaf(3)])
    );
    assert_eq!(
        parse("[a:b = 1] OR ([a:b = 2] OR [a:b = 3])"),
        Or(vec![obs_leaf(1), Or(vec![obs_leaf(2), obs_leaf(3)])])
    );
    // A qualifier applies to the expression just before it.
    assert_eq!(
        parse("[a:b = 1] AND [a:b = 2] REPEATS 2 TIMES"),
        And(vec![
            obs_leaf(1),
            ObservationExpr::Qualified(Box::new(obs_leaf(2)), Qualifier::Repeats(2))
        ])
    );
    assert_eq!(
        parse("([a:b = 1] AND [a:b = 2]) WITHIN 10 SECONDS"),
        ObservationExpr::Qualified(
            Box::new(And(vec![obs_leaf(1), obs_leaf(2)])),
            Qualifier::Within(Seconds::Int(10))
        )
    );
}

#[test]
fn comparison_operator_precedence() {
    use ComparisonExpr::{And, Or};
    assert_eq!(
        parse("[a:b = 1 OR a:b = 2 AND a:b = 3]"),
        ObservationExpr::Observation(Or(vec![test(1), And(vec![test(2), test(3)])]))
    );
    assert_eq!(
        parse("[(a:b = 1 OR a:b = 2) AND a:b = 3]"),
        ObservationExpr::Observation(And(vec![Or(vec![test(1), test(2)]), test(3)]))
    );
}

#[test]
fn paths_and_constants_are_read() {
    let p = parse(r"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]");
    let ObservationExpr::Observation(ComparisonExpr::Test(c)) = p else {
        panic!("{p:?}")
    };
    assert_eq!(c.path.object_type, "file");
    assert_eq!(c.path.property, "extensions");
    assert_eq!(
        c.path.steps,
        vec![
            PathStep::Key("windows-pebinary-ext".into()),
            PathStep::Key("sections".into()),
            PathStep::AnyIndex,
            PathStep::Key("entropy".into()),
        ]
    );
    assert_eq!(c.op, Operator::Gt(Constant::Float(7.0)));

    let p = parse(r"[a:b = 'it\'s \\']");
    let ObservationExpr::Observation(ComparisonExpr::Test(c)) = p else {
        panic!()
    };
    assert_eq!(c.op, Operator::Eq(Constant::Str("it's \\".into())));

    let p = parse("[a:b IN (h'00ff', b'AP8=')]");
    let ObservationExpr::Observation(ComparisonExpr::Test(c)) = p else {
        panic!()
    };
    assert_eq!(
        c.op,
        Operator::In(vec![
            Constant::Hex(vec![0, 255]),
            Constant::Binary(vec![0, 255])
        ])
    );
}

#[test]
fn nesting_depth_is_limited() {
    let deep_obs = format!("{}[a:b = 1]{}", "(".repeat(200), ")".repeat(200));
    assert_eq!(
        Pattern::parse(&deep_obs).unwrap_err().kind(),
        PatternErrorKind::TooDeep
    );
    let deep_cmp = format!("[{}a:b = 1{}]", "(".repeat(200), ")".repeat(200));
    assert_eq!(
        Pattern::parse(&deep_cmp).unwrap_err().kind(),
        PatternErrorKind::TooDeep
    );
    let many_qualifiers = format!("[a:b = 1]{}", " WITHIN 5 SECONDS".repeat(200));
    assert_eq!(
        Pattern::parse(&many_qualifiers).unwrap_err().kind(),
        PatternErrorKind::TooDeep
    );
    // Within the limit is fine; the limit is configurable.
    let ok = format!("{}[a:b = 1]{}", "(".repeat(30), ")".repeat(30));
    Pattern::parse(&ok).unwrap();
    let limits = Limits::default().with_max_depth(10);
    assert!(Pattern::parse_with(&ok, &limits).is_err());
    // Hostile nesting far beyond the stack's reach is an error, not a crash.
    let hostile = "(".repeat(1_000_000);
    assert!(Pattern::parse_with(&hostile, &Limits::default().with_max_len(2_000_000)).is_err());
}

#[test]
fn long_flat_chains_are_fine() {
    let ors: Vec<String> = (0..4000)
        .map(|i| format!("file:hashes.MD5 = '{i:032x}'"))
        .collect();
    let p = Pattern::parse(&format!("[{}]", ors.join(" OR "))).unwrap();
    assert_eq!(p.observation_expressions(), 1);
    let printed = p.to_string();
    assert_eq!(Pattern::parse(&printed).unwrap(), p);
}

#[test]
fn length_and_binding_size_are_limited() {
    let long = format!("[a:b = '{}']", "x".repeat(300 * 1024));
    assert_eq!(
        Pattern::parse(&long).unwrap_err().kind(),
        PatternErrorKind::TooLong
    );
    let e = Pattern::parse("[a:b = 1] REPEATS 1000000 TIMES").unwrap_err();
    assert_eq!(e.kind(), PatternErrorKind::TooManyObservations);
    assert_eq!(e.column(), 11);
    let e = Pattern::parse("([a:b = 1] REPEATS 100 TIMES) REPEATS 100 TIMES").unwrap_err();
    assert_eq!(e.kind(), PatternErrorKind::TooManyObservations);
    let ands = vec!["[a:b = 1]"; 1001].join(" AND ");
    assert_eq!(
        Pattern::parse(&ands).unwrap_err().kind(),
        PatternErrorKind::TooManyObservations
    );
    let ors = vec!["[a:b = 1]"; 2000].join(" OR ");
    Pattern::parse(&ors).unwrap();
    Pattern::parse("[a:b = 1] REPEATS 18446744073709551615 TIMES").unwrap_err();
    Pattern::parse("[a:b = 1] REPEATS 18446744073709551616 TIMES").unwrap_err();
}

#[test]
fn validate_rejects_what_cannot_match() {
    for s in SPEC_EXAMPLES {
        if let Err(e) = Pattern::validate(s) {
            panic!("{s}: {e}");
        }
    }
    let cases = [
        (
            "[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x']",
            PatternErrorKind::Unsatisfiable,
        ),
        (
            "[(ipv4-addr:value = '1.2.3.4' OR file:name = 'a') AND domain-name:value = 'x']",
            PatternErrorKind::Unsatisfiable,
        ),
        (
            "[a:b = 1] START t'2020-01-02T00:00:00Z' STOP t'2020-01-01T00:00:00Z'",
            PatternErrorKind::Unsatisfiable,
        ),
        (
            "[a:b = 1] WITHIN 5 SECONDS WITHIN 9 SECONDS",
            PatternErrorKind::DuplicateQualifier,
        ),
        (
            "[a:b = 1] REPEATS 2 TIMES WITHIN 5 SECONDS REPEATS 3 TIMES",
            PatternErrorKind::DuplicateQualifier,
        ),
    ];
    for (s, kind) in cases {
        assert!(Pattern::parse(s).is_ok(), "{s} parses");
        assert_eq!(Pattern::validate(s).unwrap_err().kind(), kind, "{s}");
    }
    // An OR across types, and AND with one type in common, can match.
    Pattern::validate("[(ipv4-addr:value = '1.2.3.4' OR file:name = 'a') AND file:size = 1]")
        .unwrap();
    Pattern::validate("[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x']").unwrap();
}

// Round trip: print(ast) parses back to ast.

fn ident() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,6}"
}

fn property() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => ident(),
        1 => "[ -~]{1,8}",
        1 => Just("AND".to_owned()),
        1 => Just("x-y".to_owned()),
    ]
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (
        1970u32..2100,
        1u32..13,
        1u32..29,
        0u32..24,
        0u32..60,
        0u32..60,
        prop::option::of("[0-9]{1,9}"),
    )
        .prop_map(|(y, mo, d, h, mi, s, frac)| {
            let f = frac.map(|f| format!(".{f}")).unwrap_or_default();
            Timestamp::parse(&format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{f}Z")).unwrap()
        })
}

fn constant() -> impl Strategy<Value = Constant> {
    prop_oneof![
        any::<String>().prop_map(Constant::Str),
        any::<i64>().prop_map(Constant::Int),
        (-1e12f64..1e12).prop_map(Constant::Float),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Constant::Float),
        any::<bool>().prop_map(Constant::Bool),
        timestamp().prop_map(Constant::Timestamp),
        prop::collection::vec(any::<u8>(), 0..6).prop_map(Constant::Hex),
        prop::collection::vec(any::<u8>(), 1..7).prop_map(Constant::Binary),
    ]
}

fn object_path() -> impl Strategy<Value = ObjectPath> {
    let step = prop_oneof![
        property().prop_map(PathStep::Key),
        (-3i64..10).prop_map(PathStep::Index),
        Just(PathStep::AnyIndex),
    ];
    (
        "[a-z][a-z0-9-]{0,8}".prop_filter("not a boolean", |t| t != "true" && t != "false"),
        property(),
        prop::collection::vec(step, 0..3),
    )
        .prop_map(|(object_type, property, steps)| ObjectPath {
            object_type,
            property,
            steps,
        })
}

fn regex_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("^a.*b$".to_owned()),
        Just("\\d+".to_owned()),
        Just("it's".to_owned()),
        "[a-z]{0,5}",
    ]
}

fn comparison() -> impl Strategy<Value = Comparison> {
    let op = prop_oneof![
        constant().prop_map(Operator::Eq),
        constant().prop_map(Operator::Ne),
        constant()
            .prop_filter("orderable", |c| !matches!(c, Constant::Bool(_)))
            .prop_map(Operator::Lt),
        constant()
            .prop_filter("orderable", |c| !matches!(c, Constant::Bool(_)))
            .prop_map(Operator::Ge),
        prop::collection::vec(any::<i64>().prop_map(Constant::Int), 0..4).prop_map(Operator::In),
        prop::collection::vec(any::<String>().prop_map(Constant::Str), 1..4).prop_map(Operator::In),
        any::<String>().prop_map(Operator::Like),
        regex_text().prop_map(Operator::Matches),
        Just(Operator::IsSubset("10.0.0.0/8".into())),
        Just(Operator::IsSuperset("2001:db8::1".into())),
        Just(Operator::Exists),
    ];
    (object_path(), any::<bool>(), op).prop_map(|(path, negated, op)| Comparison {
        path,
        negated,
        op,
    })
}

fn comparison_expr() -> impl Strategy<Value = ComparisonExpr> {
    comparison()
        .prop_map(ComparisonExpr::Test)
        .prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(ComparisonExpr::And),
                prop::collection::vec(inner, 2..4).prop_map(ComparisonExpr::Or),
            ]
        })
}

fn qualifier() -> impl Strategy<Value = Qualifier> {
    prop_oneof![
        (1u64..100_000).prop_map(|n| Qualifier::Within(Seconds::Int(n))),
        (0.001f64..1e6).prop_map(|f| Qualifier::Within(Seconds::Float(f))),
        (1u64..5).prop_map(Qualifier::Repeats),
        (timestamp(), timestamp()).prop_map(|(start, stop)| Qualifier::StartStop { start, stop }),
    ]
}

fn observation_expr() -> impl Strategy<Value = ObservationExpr> {
    comparison_expr()
        .prop_map(ObservationExpr::Observation)
        .prop_recursive(3, 10, 3, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::And),
                prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::Or),
                prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::FollowedBy),
                (inner, qualifier()).prop_map(|(e, q)| ObservationExpr::Qualified(Box::new(e), q)),
            ]
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn printed_patterns_parse_back_to_the_same_tree(ast in observation_expr()) {
        let text = ast.to_string();
        let parsed = Pattern::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
        prop_assert_eq!(parsed.ast(), &ast, "{}", text);
        // And from_ast compiles the same tree.
        prop_assert!(Pattern::from_ast(ast).is_ok());
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,80}") {
        let _ = Pattern::parse(&s);
    }

    #[test]
    fn pattern_like_text_never_panics(s in "[\\[\\]()a-z:.'=<>!*0-9 ANDORT-]{0,60}") {
        let _ = Pattern::parse(&s);
    }
}
