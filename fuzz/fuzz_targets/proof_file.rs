//! tlog-proof files (c2sp.org/tlog-proof@v1): `TlogProof::parse` on arbitrary
//! text, then `verify` against the fixture log. Properties: a parsed proof
//! formats back to the same text; a proof that verifies really includes the
//! leaf in the checkpoint's tree.

#![no_main]

use countersign_tlog::TlogProof;
use countersign_tlog::merkle::verify_inclusion;
use countersign_tlog_fuzz::{LOG_NAME, fixtures};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let f = fixtures();
    let Ok(p) = TlogProof::parse(text) else {
        return;
    };
    assert_eq!(p.to_text(), text, "parse -> to_text changed the proof");
    assert_eq!(TlogProof::parse(&p.to_text()).as_ref(), Ok(&p));
    let leaf = f.tree.leaf_hash(p.index).unwrap_or([0; 32]);
    if let Ok((cp, opened)) = p.verify(&leaf, Some(LOG_NAME), &f.verifiers) {
        assert_eq!(cp.origin, LOG_NAME);
        assert!(!opened.verified.is_empty());
        assert!(p.index < cp.size);
        assert_eq!(
            verify_inclusion(p.index, cp.size, &leaf, &p.proof, &cp.root),
            Ok(())
        );
    }
});
