//! Checkpoints (tlog-checkpoint v1.0.0): `Checkpoint::parse` on arbitrary
//! text and `Checkpoint::open` on arbitrary notes. Properties: a parsed
//! checkpoint formats back to the same text, passes `check`, and signs and
//! opens back to itself; an opened checkpoint's text is its note text.

#![no_main]

use countersign_tlog::Checkpoint;
use countersign_tlog_fuzz::fixtures;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixtures();
    if let Ok(cp) = Checkpoint::parse(text) {
        assert_eq!(cp.to_text(), text, "parse -> to_text changed the text");
        assert_eq!(Checkpoint::parse(&cp.to_text()).as_ref(), Ok(&cp));
        cp.check().expect("a parsed checkpoint passes check");
        let signed = cp.sign(&[&f.log]).expect("a parsed checkpoint signs");
        let (back, _) = Checkpoint::open(&signed, &f.verifiers).expect("own signature opens");
        assert_eq!(back, cp);
    }
    if let Ok((cp, opened)) = Checkpoint::open(text, &f.verifiers) {
        assert_eq!(cp.to_text(), opened.text);
    }
});
