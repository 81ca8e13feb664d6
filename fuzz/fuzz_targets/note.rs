//! Signed notes (signed-note v1.0.0): `parse_note` and `open_note` on
//! arbitrary text. Properties: a parsed note formats back to the same bytes;
//! a note that opens also parses, to the same text; any valid note text
//! signs and opens back.

#![no_main]

use countersign_tlog::note::{self, MAX_SIGNATURES};
use countersign_tlog::{open_note, parse_note, sign_note};
use countersign_tlog_fuzz::fixtures;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(msg) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixtures();
    let parsed = parse_note(msg);
    let opened = open_note(msg, &f.verifiers);
    match &parsed {
        Ok((text, sigs)) => {
            note::check_text(text).expect("parsed text is valid note text");
            assert!(!sigs.is_empty() && sigs.len() <= MAX_SIGNATURES);
            let mut again = format!("{text}\n");
            for sig in sigs {
                again.push_str(&sig.to_line());
            }
            assert_eq!(again, msg, "parse -> format changed the note");
            assert_eq!(
                parse_note(&again).as_ref(),
                Ok(&(text.clone(), sigs.clone()))
            );
            if let Ok(o) = &opened {
                assert_eq!(&o.text, text);
                assert!(!o.verified.is_empty());
                for (name, id) in &o.verified {
                    assert!(
                        f.verifiers
                            .iter()
                            .any(|v| v.name() == name && v.key_id() == *id)
                    );
                    assert!(sigs.iter().any(|s| &s.name == name && s.key_id == *id));
                }
                for u in &o.unverified {
                    assert!(sigs.contains(u));
                    assert!(
                        !f.verifiers
                            .iter()
                            .any(|v| v.name() == u.name && v.key_id() == u.key_id)
                    );
                }
            }
        }
        Err(_) => assert!(opened.is_err(), "a note that does not parse opened"),
    }
    if note::check_text(msg).is_ok() {
        let signed = sign_note(msg, &[&f.log]).expect("valid text signs");
        let o = open_note(&signed, &f.verifiers).expect("own signature opens");
        assert_eq!(o.text, msg);
        assert_eq!(o.verified, vec![(f.log.name().to_owned(), f.log.key_id())]);
    }
});
