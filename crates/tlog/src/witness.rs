//! The witness protocol (C2SP tlog-witness v1.0.0) without IO or HTTP: the
//! `add-checkpoint` request body ([`AddCheckpointRequest`]), the `409`
//! size body and the `200` cosignature body, and [`decide`], the checks a
//! witness makes before it cosigns, as a pure function of the request, the
//! log's configuration and the witness's stored state.
//!
//! A node serving `POST <prefix>/add-checkpoint` parses the body, looks up
//! the origin ([`AddCheckpointRequest::origin`]; `404` if unknown), reads its
//! latest (size, root) for that origin, calls [`decide`], and on success
//! stores the accepted size and root and cosigns the checkpoint text, the
//! read, the decision and the write forming one atomic step (tlog-witness
//! v1.0.0 §"add-checkpoint", last paragraph). Refusals carry their HTTP
//! status ([`WitnessRefusal::status`]).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::checkpoint::{Checkpoint, CheckpointError, parse_decimal, parse_hash};
use crate::key::VerifierKey;
use crate::merkle::{self, Hash, VerifyError, empty_root};
use crate::note::{self, MAX_SIGNATURES, NoteError, NoteSignature};

/// The most consistency proof lines a request may carry (tlog-witness
/// v1.0.0 §"add-checkpoint": "The client MUST NOT send more than 63").
pub const MAX_PROOF_LINES: usize = 63;

/// `Content-Type` of the `409 Conflict` body that carries the witness's
/// latest size (tlog-witness v1.0.0 §"add-checkpoint").
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// Why a witness protocol body is malformed. A witness answers these with
/// `400 Bad Request`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessFormatError {
    /// The body does not follow the line format.
    #[error("malformed witness body: {0}")]
    Malformed(&'static str),
    /// The checkpoint is not a well-formed signed note.
    #[error(transparent)]
    Note(#[from] NoteError),
    /// The checkpoint note text is not a well-formed checkpoint.
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
}

/// The body of an `add-checkpoint` request (tlog-witness v1.0.0
/// §"add-checkpoint").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpointRequest {
    /// The size of the checkpoint the client believes the witness last
    /// cosigned (0 if none).
    pub old_size: u64,
    /// Consistency proof from `old_size` to the checkpoint's size (RFC 9162
    /// §2.1.4.1); empty when `old_size` is 0 or equals the checkpoint size.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
}

impl AddCheckpointRequest {
    /// Parses a request body strictly (tlog-witness v1.0.0
    /// §"add-checkpoint"): `old <size>` in decimal without leading zeros
    /// (`0` for zero); at most [`MAX_PROOF_LINES`] lines, each the standard
    /// base64 of a 32-byte hash; a required empty line; then a well-formed
    /// signed note (signed-note v1.0.0) whose text is a checkpoint
    /// (tlog-checkpoint v1.0.0). Every line ends in a newline. Signatures
    /// are not verified here: that is [`decide`]'s job.
    pub fn parse(body: &str) -> Result<Self, WitnessFormatError> {
        let (first, mut rest) = body
            .split_once('\n')
            .ok_or(WitnessFormatError::Malformed("missing old size line"))?;
        let old_size = first.strip_prefix("old ").and_then(parse_decimal).ok_or(
            WitnessFormatError::Malformed(
                "first line must be `old <decimal without leading zeros>`",
            ),
        )?;
        let mut proof = Vec::new();
        loop {
            let (line, tail) = rest.split_once('\n').ok_or(WitnessFormatError::Malformed(
                "missing empty line before the checkpoint",
            ))?;
            rest = tail;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(WitnessFormatError::Malformed(
                    "more than 63 consistency proof lines",
                ));
            }
            proof.push(parse_hash(line).ok_or(WitnessFormatError::Malformed(
                "consistency proof line is not base64 of 32 bytes",
            ))?);
        }
        let (text, _) = note::parse_note(rest)?;
        Checkpoint::parse(&text)?;
        Ok(AddCheckpointRequest {
            old_size,
            proof,
            checkpoint: rest.to_owned(),
        })
    }

    /// [`AddCheckpointRequest::parse`] on raw bytes, which must be UTF-8
    /// (a signed note is UTF-8 text, signed-note v1.0.0 §"Format").
    pub fn parse_bytes(body: &[u8]) -> Result<Self, WitnessFormatError> {
        let body = std::str::from_utf8(body)
            .map_err(|_| WitnessFormatError::Malformed("body is not UTF-8"))?;
        Self::parse(body)
    }

    /// The request body: `old <size>`, one base64 hash per line, an empty
    /// line, the checkpoint note verbatim (tlog-witness v1.0.0
    /// §"add-checkpoint"). For a parsed request this is the parsed body.
    pub fn to_body(&self) -> String {
        let mut s = String::with_capacity(32 + self.proof.len() * 45 + self.checkpoint.len());
        s.push_str("old ");
        s.push_str(&self.old_size.to_string());
        s.push('\n');
        for h in &self.proof {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    /// The checkpoint's origin line, unverified: what a witness looks up to
    /// find the log (and answers `404 Not Found` if it does not know it).
    /// `None` if the checkpoint has no non-empty first line.
    pub fn origin(&self) -> Option<&str> {
        self.checkpoint
            .split_once('\n')
            .map(|(origin, _)| origin)
            .filter(|o| !o.is_empty())
    }
}

/// The body of a `409 Conflict` answer to a stale old size: the witness's
/// latest size in decimal and a newline, sent with `Content-Type:`
/// [`SIZE_CONTENT_TYPE`] (tlog-witness v1.0.0 §"add-checkpoint").
pub fn size_body(size: u64) -> String {
    format!("{size}\n")
}

/// Parses a [`SIZE_CONTENT_TYPE`] body: one decimal without leading zeros
/// and a newline, nothing else (tlog-witness v1.0.0 §"add-checkpoint").
pub fn parse_size_body(body: &str) -> Result<u64, WitnessFormatError> {
    body.strip_suffix('\n')
        .and_then(parse_decimal)
        .ok_or(WitnessFormatError::Malformed(
            "size body must be a decimal without leading zeros and a newline",
        ))
}

/// The body of a `200` answer: one note signature line per cosignature
/// (tlog-witness v1.0.0 §"add-checkpoint").
pub fn cosignature_body(cosignatures: &[NoteSignature]) -> String {
    cosignatures.iter().map(NoteSignature::to_line).collect()
}

/// Parses a `200` answer: one or more note signature lines, each ending in
/// a newline, at most [`MAX_SIGNATURES`] (tlog-witness v1.0.0
/// §"add-checkpoint"; signed-note v1.0.0 §"Format"). The client then checks
/// them against the witness keys it trusts, e.g. with
/// [`crate::cosignature::verify_cosignature`], ignoring unknown keys.
pub fn parse_cosignature_body(body: &str) -> Result<Vec<NoteSignature>, WitnessFormatError> {
    let lines = body
        .strip_suffix('\n')
        .ok_or(WitnessFormatError::Malformed(
            "cosignature body must be newline-terminated signature lines",
        ))?;
    let mut out = Vec::new();
    for line in lines.split('\n') {
        if out.len() == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures.into());
        }
        out.push(NoteSignature::parse_line(line)?);
    }
    Ok(out)
}

/// A log a witness knows: its origin line and the verifier keys whose
/// signatures the witness trusts for it (tlog-witness v1.0.0
/// §"Introduction": "configured with a list of supported log public keys").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownLog {
    pub origin: String,
    pub keys: Vec<VerifierKey>,
}

impl KnownLog {
    /// A log with this origin and these trusted keys.
    pub fn new(origin: impl Into<String>, keys: Vec<VerifierKey>) -> Self {
        KnownLog {
            origin: origin.into(),
            keys,
        }
    }
}

/// Why a witness refuses to cosign, each mapped to the status tlog-witness
/// v1.0.0 §"add-checkpoint" prescribes ([`WitnessRefusal::status`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessRefusal {
    /// `400 Bad Request`: the request or its checkpoint is malformed.
    #[error("bad request: {0}")]
    Malformed(WitnessFormatError),
    /// `400 Bad Request`: "The old size MUST be equal to or lower than the
    /// checkpoint size."
    #[error("old size {old} is larger than the checkpoint size {size}")]
    OldSizeTooLarge { old: u64, size: u64 },
    /// `403 Forbidden`: no signature verifies against a trusted key of the
    /// origin, or a signature by a trusted key fails (signed-note v1.0.0
    /// §"Signatures").
    #[error("no trusted log signature: {0}")]
    Untrusted(NoteError),
    /// `404 Not Found`: the checkpoint's origin is not a known log. Usually
    /// the caller answers this itself after looking up
    /// [`AddCheckpointRequest::origin`]; [`decide`] returns it when the
    /// checkpoint's origin is not `log.origin`.
    #[error("unknown log origin {0:?}")]
    UnknownOrigin(String),
    /// `409 Conflict` with body [`size_body`]`(latest)` and `Content-Type:`
    /// [`SIZE_CONTENT_TYPE`]: the old size is not the size of the latest
    /// checkpoint the witness cosigned for the origin (0 if none).
    #[error("old size {old} is not the latest cosigned size {latest}")]
    StaleOldSize { old: u64, latest: u64 },
    /// `409 Conflict`: the checkpoint has the size of the latest cosigned
    /// one but another root hash. With the stored checkpoint, this
    /// validly signed one proves a split view.
    #[error("checkpoint of size {size} has a root other than the cosigned one")]
    RootConflict { size: u64 },
    /// `422 Unprocessable Entity`: the consistency proof does not verify
    /// (RFC 9162 §2.1.4.2), or is not empty where it must be.
    #[error("consistency proof from size {old} to {size}: {error}")]
    BadProof {
        old: u64,
        size: u64,
        error: VerifyError,
    },
}

impl WitnessRefusal {
    /// The HTTP status code to answer with (tlog-witness v1.0.0
    /// §"add-checkpoint").
    pub fn status(&self) -> u16 {
        match self {
            WitnessRefusal::Malformed(_) | WitnessRefusal::OldSizeTooLarge { .. } => 400,
            WitnessRefusal::Untrusted(_) => 403,
            WitnessRefusal::UnknownOrigin(_) => 404,
            WitnessRefusal::StaleOldSize { .. } | WitnessRefusal::RootConflict { .. } => 409,
            WitnessRefusal::BadProof { .. } => 422,
        }
    }

    /// For a stale old size, the witness's latest size, which the `409`
    /// body carries as [`size_body`] with `Content-Type:`
    /// [`SIZE_CONTENT_TYPE`]. `None` for every other refusal, whose body is
    /// free text.
    pub fn latest_size(&self) -> Option<u64> {
        match self {
            WitnessRefusal::StaleOldSize { latest, .. } => Some(*latest),
            _ => None,
        }
    }

    /// Whether the request carried a checkpoint validly signed by the log
    /// that the witness cannot reconcile with what it cosigned: possible
    /// proof of log misbehaviour that the witness MAY keep (tlog-witness
    /// v1.0.0 §"add-checkpoint").
    pub fn is_possible_misbehaviour(&self) -> bool {
        matches!(
            self,
            WitnessRefusal::RootConflict { .. } | WitnessRefusal::BadProof { .. }
        )
    }
}

impl From<WitnessFormatError> for WitnessRefusal {
    fn from(e: WitnessFormatError) -> Self {
        WitnessRefusal::Malformed(e)
    }
}

/// The witness's checks for one `add-checkpoint` request (tlog-witness
/// v1.0.0 §"add-checkpoint"), in the spec's order, given the log's
/// configuration and `latest`, the (size, root) of the latest checkpoint the
/// witness cosigned for this origin (`None` if it never did):
///
/// 1. the checkpoint is a well-formed signed note with checkpoint text
///    (else `400`), of origin `log.origin` (else `404`);
/// 2. at least one signature verifies against `log.keys`, ignoring unknown
///    keys, and none by a trusted key fails (else `403`);
/// 3. `old_size` ≤ the checkpoint size (else `400`);
/// 4. `old_size` is the latest cosigned size, 0 if none (else `409` with
///    the latest size);
/// 5. the consistency proof from the latest cosigned tree to the checkpoint
///    verifies (RFC 9162 §2.1.4.2); it MUST be empty from size 0 (else
///    `422`);
/// 6. at equal sizes the proof is empty (else `422`) and the roots are
///    identical (else `409`). With nothing cosigned, size 0 has the root of
///    the empty tree (RFC 9162 §2.1.1), so a size-0 checkpoint with another
///    root is refused with `409` too.
///
/// Returns the accepted checkpoint; its [`Checkpoint::to_text`] is exactly
/// the signed note text, which the witness cosigns after storing
/// `(size, root)` in the same atomic step as it read `latest`.
pub fn decide(
    req: &AddCheckpointRequest,
    log: &KnownLog,
    latest: Option<(u64, Hash)>,
) -> Result<Checkpoint, WitnessRefusal> {
    // 1. Well-formed, known origin.
    let (text, _) = note::parse_note(&req.checkpoint).map_err(WitnessFormatError::from)?;
    let cp = Checkpoint::parse(&text).map_err(WitnessFormatError::from)?;
    if req.proof.len() > MAX_PROOF_LINES {
        return Err(WitnessFormatError::Malformed("more than 63 consistency proof lines").into());
    }
    if cp.origin != log.origin {
        return Err(WitnessRefusal::UnknownOrigin(cp.origin));
    }
    // 2. "The witness MUST verify the checkpoint signature against the
    // public key(s) it trusts for the checkpoint origin, and it MUST ignore
    // signatures from unknown keys."
    note::open_note(&req.checkpoint, &log.keys).map_err(WitnessRefusal::Untrusted)?;
    // 3. "The old size MUST be equal to or lower than the checkpoint size."
    let old = req.old_size;
    if old > cp.size {
        return Err(WitnessRefusal::OldSizeTooLarge { old, size: cp.size });
    }
    // 4. "The witness MUST check that the old size matches the size of the
    // latest checkpoint it cosigned for the checkpoint's origin (or zero if
    // it never cosigned a checkpoint for that origin)."
    let (latest_size, latest_root) = latest.unwrap_or((0, empty_root()));
    if old != latest_size {
        return Err(WitnessRefusal::StaleOldSize {
            old,
            latest: latest_size,
        });
    }
    let bad_proof = |error| WitnessRefusal::BadProof {
        old,
        size: cp.size,
        error,
    };
    // 6. "If the old size matches the checkpoint size, the witness MUST
    // check that the root hashes are also identical."
    if old == cp.size {
        if !req.proof.is_empty() {
            return Err(bad_proof(VerifyError::NonEmptyProofForEqualSizes));
        }
        if cp.root != latest_root {
            return Err(WitnessRefusal::RootConflict { size: cp.size });
        }
        return Ok(cp);
    }
    // 5. "The consistency proof lines MUST encode a Merkle Consistency Proof
    // from the old size to the checkpoint size [...]. The proof MUST be
    // empty if the old size is zero."
    merkle::verify_witness_consistency(old, cp.size, &req.proof, &latest_root, &cp.root)
        .map_err(bad_proof)?;
    Ok(cp)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosignature::verify_cosignature;
    use crate::merkle::{MemoryTree, leaf_hash};
    use crate::{CosignerKey, SignerKey};

    const ORIGIN: &str = "example.org/log";

    struct Log {
        key: SignerKey,
        tree: MemoryTree,
    }

    impl Log {
        fn new(leaves: u32) -> Self {
            let mut tree = MemoryTree::new();
            for i in 0..leaves {
                tree.push(leaf_hash(format!("entry {i}").as_bytes()));
            }
            Log {
                key: SignerKey::generate(ORIGIN).unwrap(),
                tree,
            }
        }

        fn known(&self) -> KnownLog {
            KnownLog::new(ORIGIN, vec![self.key.verifier_key()])
        }

        fn root(&self, size: u64) -> Hash {
            self.tree.root_at(size).unwrap()
        }

        fn signed(&self, size: u64) -> String {
            Checkpoint::new(ORIGIN, size, self.root(size))
                .sign(&[&self.key])
                .unwrap()
        }

        /// A well-formed request from `old` to `new`, with the real proof.
        fn request(&self, old: u64, new: u64) -> AddCheckpointRequest {
            AddCheckpointRequest {
                old_size: old,
                proof: self.tree.consistency_proof(old, new).unwrap(),
                checkpoint: self.signed(new),
            }
        }

        fn latest(&self, size: u64) -> Option<(u64, Hash)> {
            Some((size, self.root(size)))
        }
    }

    /// Every request below goes through the wire format first.
    fn wire(req: &AddCheckpointRequest) -> AddCheckpointRequest {
        let body = req.to_body();
        let back = AddCheckpointRequest::parse(&body).unwrap();
        assert_eq!(&back, req);
        assert_eq!(back.to_body(), body);
        back
    }

    fn status(
        req: &AddCheckpointRequest,
        log: &KnownLog,
        latest: Option<(u64, Hash)>,
    ) -> (u16, WitnessRefusal) {
        let e = decide(req, log, latest).unwrap_err();
        (e.status(), e)
    }

    #[test]
    fn spec_example_body_parses_and_roundtrips() {
        // The example request body of tlog-witness v1.0.0 §"add-checkpoint".
        let body = "old 20852014\n\
            PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n\
            jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n\
            5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=\n\
            /6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=\n\
            \n\
            example.com/behind-the-sofa\n\
            20852163\n\
            CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\
            \n\
            \u{2014} example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\
            \u{2014} example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=\n";
        let req = AddCheckpointRequest::parse(body).unwrap();
        assert_eq!(req.old_size, 20852014);
        assert_eq!(req.proof.len(), 4);
        assert_eq!(req.origin(), Some("example.com/behind-the-sofa"));
        assert!(
            req.checkpoint
                .starts_with("example.com/behind-the-sofa\n20852163\n")
        );
        assert_eq!(req.to_body(), body);
    }

    #[test]
    fn parse_is_strict() {
        let log = Log::new(20);
        let good = log.request(7, 13).to_body();
        let cp = log.signed(13);
        let h = B64.encode([7u8; 32]);
        let line = format!("{h}\n");
        let bad = [
            String::new(),
            "old 7".to_owned(),
            good.replacen("old 7", "old 07", 1),
            good.replacen("old 7", "old +7", 1),
            good.replacen("old 7", "old -7", 1),
            good.replacen("old 7", "old  7", 1),
            good.replacen("old 7", "old 7 ", 1),
            good.replacen("old 7", "Old 7", 1),
            good.replacen("old 7", "old\t7", 1),
            good.replacen("old 7\n", "old 7\r\n", 1),
            good.replacen("old 7", "old 18446744073709551616", 1),
            good.replacen("old 7", "old", 1),
            // No empty line: proof lines run into the checkpoint.
            format!("old 0\n{cp}"),
            // Proof lines: not base64, 31 or 33 bytes, non-canonical, unpadded.
            format!("old 7\n!!!!\n\n{cp}"),
            format!("old 7\n{}\n\n{cp}", B64.encode([7u8; 31])),
            format!("old 7\n{}\n\n{cp}", B64.encode([7u8; 33])),
            format!("old 7\n{}\n\n{cp}", &h[..43]),
            format!("old 7\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwd=\n\n{cp}"),
            format!("old 7\n {h}\n\n{cp}"),
            format!("old 7\n{}\n{cp}", line.repeat(64)),
            // The checkpoint: missing, unsigned, not a checkpoint, two empty lines.
            "old 0\n\n".to_owned(),
            format!("old 0\n\n{}", Checkpoint::new(ORIGIN, 1, [0; 32]).to_text()),
            format!(
                "old 0\n\n{}",
                crate::sign_note("hello\n", &[&log.key]).unwrap()
            ),
            format!("old 0\n\n\n{cp}"),
            format!("old 0\n\n{}", cp.trim_end_matches('\n')),
        ];
        for b in &bad {
            assert!(AddCheckpointRequest::parse(b).is_err(), "{b:?}");
        }
        let ok63 = format!("old 7\n{}\n{cp}", line.repeat(MAX_PROOF_LINES));
        assert_eq!(
            AddCheckpointRequest::parse(&ok63).unwrap().proof.len(),
            MAX_PROOF_LINES
        );
        let zero = AddCheckpointRequest::parse(&format!("old 0\n\n{cp}")).unwrap();
        assert_eq!((zero.old_size, zero.proof.len()), (0, 0));
        assert!(AddCheckpointRequest::parse_bytes(b"old 0\n\n\xff\n").is_err());
        assert_eq!(
            AddCheckpointRequest::parse_bytes(good.as_bytes()).unwrap(),
            log.request(7, 13)
        );
    }

    #[test]
    fn size_and_cosignature_bodies() {
        assert_eq!(size_body(0), "0\n");
        assert_eq!(size_body(42), "42\n");
        assert_eq!(parse_size_body("42\n"), Ok(42));
        assert_eq!(parse_size_body("0\n"), Ok(0));
        for bad in ["", "42", "042\n", "42\n\n", " 42\n", "42 \n", "-1\n", "\n"] {
            assert!(parse_size_body(bad).is_err(), "{bad:?}");
        }
        let log = Log::new(3);
        let cp = Checkpoint::new(ORIGIN, 3, log.root(3)).to_text();
        let w1 = CosignerKey::generate("example.org/w1").unwrap();
        let w2 = CosignerKey::generate("example.org/w2").unwrap();
        let sigs = vec![w1.cosign(&cp, 1).unwrap(), w2.cosign(&cp, 2).unwrap()];
        let body = cosignature_body(&sigs);
        let back = parse_cosignature_body(&body).unwrap();
        assert_eq!(back, sigs);
        assert_eq!(verify_cosignature(&w2.verifier_key(), &cp, &back[1]), Ok(2));
        for bad in [
            String::new(),
            "\n".to_owned(),
            body.trim_end().to_owned(),
            format!("{body}\n"),
        ] {
            assert!(parse_cosignature_body(&bad).is_err(), "{bad:?}");
        }
        let many = sigs[0].to_line().repeat(MAX_SIGNATURES + 1);
        assert_eq!(
            parse_cosignature_body(&many),
            Err(WitnessFormatError::Note(NoteError::TooManySignatures))
        );
    }

    #[test]
    fn status_200_accepts_consistent_growth() {
        let log = Log::new(20);
        let known = log.known();
        // First contact: old size 0, empty proof.
        let req = wire(&log.request(0, 8));
        assert_eq!(req.origin(), Some(ORIGIN));
        let cp = decide(&req, &known, None).unwrap();
        assert_eq!((cp.size, cp.root), (8, log.root(8)));
        // The accepted checkpoint's text is exactly the signed text.
        let (text, _) = note::parse_note(&req.checkpoint).unwrap();
        assert_eq!(cp.to_text(), text);
        // Growth with a real proof, for every old size up to the new one.
        for old in 1..20 {
            for new in old + 1..=20 {
                let req = log.request(old, new);
                let cp = decide(&req, &known, log.latest(old)).unwrap();
                assert_eq!(cp.size, new);
            }
        }
        // The same checkpoint again, or the empty tree from nothing.
        let again = wire(&log.request(8, 8));
        assert!(again.proof.is_empty());
        assert!(decide(&again, &known, log.latest(8)).is_ok());
        assert!(decide(&log.request(0, 0), &known, None).is_ok());
        assert!(decide(&log.request(0, 5), &known, log.latest(0)).is_ok());
        // A checkpoint that a second log key and a witness also signed.
        let other = SignerKey::generate(ORIGIN).unwrap();
        let w = CosignerKey::generate("example.org/w1").unwrap();
        let cp = Checkpoint::new(ORIGIN, 13, log.root(13));
        let mut signed = cp.sign(&[&other, &log.key]).unwrap();
        signed.push_str(&w.cosign(&cp.to_text(), 5).unwrap().to_line());
        let req = wire(&AddCheckpointRequest {
            checkpoint: signed,
            ..log.request(8, 13)
        });
        assert_eq!(decide(&req, &known, log.latest(8)), Ok(cp));
    }

    #[test]
    fn status_400_old_size_above_checkpoint_or_malformed() {
        let log = Log::new(20);
        let req = AddCheckpointRequest {
            old_size: 9,
            proof: Vec::new(),
            checkpoint: log.signed(8),
        };
        let (s, e) = status(&wire(&req), &log.known(), log.latest(9));
        assert_eq!(s, 400);
        assert_eq!(e, WitnessRefusal::OldSizeTooLarge { old: 9, size: 8 });
        assert_eq!(e.latest_size(), None);
        // Requests built by hand rather than parsed are checked too.
        for checkpoint in [
            String::new(),
            Checkpoint::new(ORIGIN, 8, log.root(8)).to_text(),
            crate::sign_note("hello\n", &[&log.key]).unwrap(),
        ] {
            let req = AddCheckpointRequest {
                old_size: 0,
                proof: Vec::new(),
                checkpoint,
            };
            let (s, e) = status(&req, &log.known(), None);
            assert_eq!(s, 400, "{e}");
            assert!(matches!(e, WitnessRefusal::Malformed(_)));
        }
        let req = AddCheckpointRequest {
            proof: vec![[0; 32]; MAX_PROOF_LINES + 1],
            ..log.request(8, 13)
        };
        assert_eq!(status(&req, &log.known(), log.latest(8)).0, 400);
        assert_eq!(
            WitnessRefusal::from(AddCheckpointRequest::parse("old 1\n").unwrap_err()).status(),
            400
        );
    }

    #[test]
    fn status_403_without_a_trusted_signature() {
        let log = Log::new(20);
        let known = log.known();
        // Signed by another key of the same name: unknown keys are ignored.
        let impostor = SignerKey::generate(ORIGIN).unwrap();
        let forged = Checkpoint::new(ORIGIN, 13, log.root(13))
            .sign(&[&impostor])
            .unwrap();
        let req = wire(&AddCheckpointRequest {
            checkpoint: forged,
            ..log.request(8, 13)
        });
        let (s, e) = status(&req, &known, log.latest(8));
        assert_eq!(s, 403);
        assert_eq!(e, WitnessRefusal::Untrusted(NoteError::NoVerifiedSignature));
        // Only a witness cosignature: not a log signature.
        let w = CosignerKey::generate("example.org/w1").unwrap();
        let text = Checkpoint::new(ORIGIN, 13, log.root(13)).to_text();
        let cosigned_only = format!("{text}\n{}", w.cosign(&text, 1).unwrap().to_line());
        let req = wire(&AddCheckpointRequest {
            checkpoint: cosigned_only,
            ..log.request(8, 13)
        });
        assert_eq!(status(&req, &known, log.latest(8)).0, 403);
        // A trusted key's signature over other text (size changed after signing).
        let real = log.signed(13);
        let tampered = real.replacen("\n13\n", "\n14\n", 1);
        let req = wire(&AddCheckpointRequest {
            checkpoint: tampered,
            proof: log.tree.consistency_proof(8, 14).unwrap(),
            old_size: 8,
        });
        let (s, e) = status(&req, &known, log.latest(8));
        assert_eq!(s, 403);
        assert!(matches!(
            e,
            WitnessRefusal::Untrusted(NoteError::InvalidSignature { .. })
        ));
        // A log with no trusted keys at all.
        let none = KnownLog::new(ORIGIN, Vec::new());
        assert_eq!(status(&log.request(8, 13), &none, log.latest(8)).0, 403);
    }

    #[test]
    fn status_404_for_another_origin() {
        let log = Log::new(20);
        let other = KnownLog::new("example.org/other", vec![log.key.verifier_key()]);
        let req = wire(&log.request(0, 5));
        let (s, e) = status(&req, &other, None);
        assert_eq!(s, 404);
        assert_eq!(e, WitnessRefusal::UnknownOrigin(ORIGIN.to_owned()));
    }

    #[test]
    fn status_409_stale_old_size_carries_latest() {
        let log = Log::new(20);
        let known = log.known();
        // The client thinks the witness is at 5, it is at 8.
        let req = wire(&log.request(5, 13));
        let (s, e) = status(&req, &known, log.latest(8));
        assert_eq!(s, 409);
        assert_eq!(e, WitnessRefusal::StaleOldSize { old: 5, latest: 8 });
        assert_eq!(e.latest_size(), Some(8));
        assert_eq!(size_body(8), "8\n");
        // The client is ahead of the witness.
        let (s, e) = status(&log.request(10, 13), &known, log.latest(8));
        assert_eq!((s, e.latest_size()), (409, Some(8)));
        // The witness never cosigned this log: its latest size is 0.
        let (s, e) = status(&log.request(5, 13), &known, None);
        assert_eq!((s, e.latest_size()), (409, Some(0)));
        // The client starts from 0 to learn the size.
        let (s, e) = status(&log.request(0, 13), &known, log.latest(8));
        assert_eq!((s, e.latest_size()), (409, Some(8)));
        assert!(!e.is_possible_misbehaviour());
    }

    #[test]
    fn status_409_same_size_other_root() {
        let log = Log::new(20);
        let known = log.known();
        // A fork: the log signs a different tree of the same size.
        let mut fork = MemoryTree::new();
        for i in 0..8u32 {
            fork.push(leaf_hash(format!("forked {i}").as_bytes()));
        }
        let forked = Checkpoint::new(ORIGIN, 8, fork.root())
            .sign(&[&log.key])
            .unwrap();
        let req = wire(&AddCheckpointRequest {
            old_size: 8,
            proof: Vec::new(),
            checkpoint: forked,
        });
        let (s, e) = status(&req, &known, log.latest(8));
        assert_eq!(s, 409);
        assert_eq!(e, WitnessRefusal::RootConflict { size: 8 });
        assert_eq!(e.latest_size(), None);
        assert!(e.is_possible_misbehaviour());
        // Size 0 with a root other than the empty tree's.
        let bogus = Checkpoint::new(ORIGIN, 0, [1; 32])
            .sign(&[&log.key])
            .unwrap();
        let req = wire(&AddCheckpointRequest {
            old_size: 0,
            proof: Vec::new(),
            checkpoint: bogus,
        });
        assert_eq!(status(&req, &known, None).0, 409);
    }

    #[test]
    fn status_422_bad_consistency_proof() {
        let log = Log::new(20);
        let known = log.known();
        let good = log.request(8, 13);
        let mut cases: Vec<AddCheckpointRequest> = Vec::new();
        // Each hash of the proof altered in turn.
        for i in 0..good.proof.len() {
            let mut r = good.clone();
            r.proof[i][0] ^= 1;
            cases.push(r);
        }
        // Too short, too long, empty, for other sizes.
        let mut r = good.clone();
        r.proof.pop();
        cases.push(r);
        let mut r = good.clone();
        r.proof.push([0; 32]);
        cases.push(r);
        cases.push(AddCheckpointRequest {
            proof: Vec::new(),
            ..good.clone()
        });
        cases.push(AddCheckpointRequest {
            proof: log.tree.consistency_proof(7, 13).unwrap(),
            ..good.clone()
        });
        cases.push(AddCheckpointRequest {
            proof: log.tree.consistency_proof(8, 12).unwrap(),
            ..good.clone()
        });
        for (i, req) in cases.iter().enumerate() {
            let (s, e) = status(&wire(req), &known, log.latest(8));
            assert_eq!(s, 422, "case {i}: {e}");
            assert!(e.is_possible_misbehaviour());
        }
        // The log forked after 8: a real proof in the fork does not reach the
        // witness's root at 8.
        let mut fork = MemoryTree::new();
        for i in 0..13u32 {
            fork.push(leaf_hash(format!("forked {i}").as_bytes()));
        }
        let req = wire(&AddCheckpointRequest {
            old_size: 8,
            proof: fork.consistency_proof(8, 13).unwrap(),
            checkpoint: Checkpoint::new(ORIGIN, 13, fork.root())
                .sign(&[&log.key])
                .unwrap(),
        });
        let (s, e) = status(&req, &known, log.latest(8));
        assert_eq!(s, 422);
        assert!(matches!(
            e,
            WitnessRefusal::BadProof {
                old: 8,
                size: 13,
                ..
            }
        ));
        // "The proof MUST be empty if the old size is zero."
        let req = AddCheckpointRequest {
            proof: vec![log.root(5)],
            ..log.request(0, 5)
        };
        assert_eq!(status(&wire(&req), &known, None).0, 422);
        // Equal sizes take an empty proof.
        let req = AddCheckpointRequest {
            proof: vec![log.root(8)],
            ..log.request(8, 8)
        };
        assert_eq!(status(&wire(&req), &known, log.latest(8)).0, 422);
    }
}
