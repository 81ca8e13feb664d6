//! Transparency-log primitives for countersign: C2SP signed notes and their
//! Ed25519 keys ([`SignerKey`], [`VerifierKey`], [`sign_note`], [`open_note`]),
//! RFC 9162 Merkle tree hashing with inclusion and consistency proofs
//! ([`merkle`]), C2SP checkpoints ([`Checkpoint`]), witness cosignatures
//! ([`CosignerKey`]), tlog-tiles paths, tiles and entry bundles ([`tile`]),
//! tlog-proof files ([`proof_file`]), and the tlog-witness wire format and
//! cosigning decision ([`witness`]). Everything here is pure computation over
//! bytes and strings: the crate knows nothing of IO, HTTP or SQL, and storage
//! reaches it only through the [`merkle::HashReader`] trait.

pub mod checkpoint;
pub mod cosignature;
pub mod key;
pub mod merkle;
pub mod note;
pub mod proof_file;
pub mod tile;
pub mod witness;

pub use checkpoint::{Checkpoint, CheckpointError};
pub use cosignature::{CosignatureError, CosignerKey};
pub use key::{KeyError, KeyType, SignerKey, VerifierKey};
pub use merkle::Hash;
pub use note::{NoteError, NoteSignature, OpenedNote, open_note, parse_note, sign_note};
pub use proof_file::{ProofFileError, TlogProof};
pub use witness::{AddCheckpointRequest, KnownLog, WitnessFormatError, WitnessRefusal};
