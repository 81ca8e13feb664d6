//! Cosignatures (tlog-cosignature v1.0.1): `NoteSignature::parse_line` on
//! every line of the input, and cosignature verification of the input as a
//! cosigned checkpoint note. Properties: a parsed line formats back to the
//! same line; a verified cosignature's time is its first 8 bytes and at most
//! 2^63 - 1; `verify_cosignatures` and `open_note` agree on the witness key;
//! any valid text cosigns and verifies back.

#![no_main]

use countersign_tlog::cosignature::{MAX_TIMESTAMP, verify_cosignature, verify_cosignatures};
use countersign_tlog::note::{self, NoteSignature};
use countersign_tlog::{open_note, parse_note};
use countersign_tlog_fuzz::fixtures;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixtures();
    let w = f.witness.verifier_key();
    for line in msg.split('\n') {
        if let Ok(sig) = NoteSignature::parse_line(line) {
            let again = sig.to_line();
            assert_eq!(
                again.strip_suffix('\n'),
                Some(line),
                "parse_line -> to_line changed the line"
            );
            assert_eq!(NoteSignature::parse_line(line).as_ref(), Ok(&sig));
        }
    }
    if let Ok((text, sigs)) = parse_note(msg) {
        for sig in &sigs {
            if let Ok(time) = verify_cosignature(&w, &text, sig) {
                assert!(time <= MAX_TIMESTAMP);
                assert_eq!(sig.signature[..8], time.to_be_bytes());
                assert_eq!((sig.name.as_str(), sig.key_id), (w.name(), w.key_id()));
            }
            // A log (0x01) key never verifies a cosignature.
            assert!(verify_cosignature(&f.log.verifier_key(), &text, sig).is_err());
        }
    }
    let witnessed = verify_cosignatures(msg, std::slice::from_ref(&w));
    let opened = open_note(msg, std::slice::from_ref(&w));
    match &witnessed {
        Ok(v) if !v.is_empty() => {
            assert!(opened.is_ok(), "cosignature verified but note did not open")
        }
        _ => assert!(
            opened.is_err(),
            "note opened with the witness key but no cosignature verified"
        ),
    }
    if note::check_text(msg).is_ok() {
        let time = data.len() as u64;
        let sig = f.witness.cosign(msg, time).expect("valid text cosigns");
        assert_eq!(verify_cosignature(&w, msg, &sig), Ok(time));
    }
});
