//! The tlog-witness v1.0.0 wire format: `AddCheckpointRequest::parse_bytes`,
//! `decide` against the fixture log, and the 409 size and 200 cosignature
//! bodies. Properties: every body formats back to the same bytes; a parsed
//! request is never refused as malformed; an accepted checkpoint is the
//! signed text, at least as large as the old size, which must be the
//! witness's latest; only a stale old size carries a size body.

#![no_main]

use countersign_tlog::cosignature::verify_cosignature;
use countersign_tlog::parse_note;
use countersign_tlog::witness::{
    AddCheckpointRequest, WitnessRefusal, cosignature_body, decide, parse_cosignature_body,
    parse_size_body, size_body,
};
use countersign_tlog_fuzz::{fixtures, root_at};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let f = fixtures();
    if let Ok(req) = AddCheckpointRequest::parse_bytes(data) {
        let body = req.to_body();
        assert_eq!(
            body.as_bytes(),
            data,
            "parse -> to_body changed the request"
        );
        assert_eq!(AddCheckpointRequest::parse(&body).as_ref(), Ok(&req));
        assert!(req.origin().is_some());
        let real = root_at(req.old_size).map(|r| (req.old_size, r));
        for latest in [None, real, Some((req.old_size, [0; 32]))] {
            match decide(&req, &f.known, latest) {
                Ok(cp) => {
                    let (text, _) = parse_note(&req.checkpoint).expect("accepted note parses");
                    assert_eq!(cp.to_text(), text);
                    assert!(req.old_size <= cp.size);
                    assert_eq!(req.old_size, latest.map_or(0, |l| l.0));
                    let sig = f.witness.cosign(&text, 1).expect("accepted text cosigns");
                    assert_eq!(
                        verify_cosignature(&f.witness.verifier_key(), &text, &sig),
                        Ok(1)
                    );
                }
                Err(e) => {
                    assert!(
                        !matches!(e, WitnessRefusal::Malformed(_)),
                        "parsed request refused as malformed: {e}"
                    );
                    assert!(matches!(e.status(), 400 | 403 | 404 | 409 | 422));
                    assert_eq!(
                        e.latest_size().is_some(),
                        matches!(e, WitnessRefusal::StaleOldSize { .. })
                    );
                }
            }
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(n) = parse_size_body(s) {
            assert_eq!(size_body(n), s);
        }
        if let Ok(sigs) = parse_cosignature_body(s) {
            assert!(!sigs.is_empty());
            assert_eq!(cosignature_body(&sigs), s);
        }
    }
});
