//! Writes the seed corpus of the cargo-fuzz targets in `fuzz/`: a handful of
//! valid inputs per target, made with the fuzz fixtures' own keys and tree
//! (`fuzz/src/lib.rs`; the names, seeds and leaves below must match it) so
//! that unmutated seeds reach the success paths of verification.
//!
//! ```sh
//! cargo run -p countersign-tlog --example fuzz_seeds -- fuzz/corpus
//! ```
//!
//! The output is deterministic apart from the one fresh key used as an
//! "unknown signer"; rerunning it rewrites the same file names.

use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

use countersign_tlog::merkle::{Hash, MemoryTree, empty_root, leaf_hash};
use countersign_tlog::note::NoteSignature;
use countersign_tlog::tile::{Bundle, Tile, encode_bundle, read_tile};
use countersign_tlog::witness::{self, AddCheckpointRequest};
use countersign_tlog::{Checkpoint, CosignerKey, SignerKey, TlogProof, sign_note};

const LOG_NAME: &str = "fuzz.example/log";
const LOG_SEED: [u8; 32] = [0x4c; 32];
const WITNESS_NAME: &str = "fuzz.example/witness";
const WITNESS_SEED: [u8; 32] = [0x57; 32];
const TREE_SIZE: u64 = 100;

type Result<T> = std::result::Result<T, Box<dyn Error>>;

struct Seeds {
    log: SignerKey,
    witness: CosignerKey,
    tree: MemoryTree,
}

impl Seeds {
    fn root(&self, size: u64) -> Result<Hash> {
        Ok(self.tree.root_at(size)?)
    }

    fn checkpoint(&self, size: u64) -> Result<Checkpoint> {
        Ok(Checkpoint::new(LOG_NAME, size, self.root(size)?))
    }

    /// A checkpoint signed by the log and cosigned by the witness.
    fn cosigned(&self, size: u64, time: u64) -> Result<String> {
        let cp = self.checkpoint(size)?;
        let mut signed = cp.sign(&[&self.log])?;
        signed.push_str(&self.witness.cosign(&cp.to_text(), time)?.to_line());
        Ok(signed)
    }

    fn proof_file(&self, index: u64, size: u64, extra: Option<&[u8]>) -> Result<String> {
        Ok(TlogProof {
            extra: extra.map(<[u8]>::to_vec),
            index,
            proof: self.tree.inclusion_proof(index, size)?,
            checkpoint: self.cosigned(size, 1_700_000_000)?,
        }
        .to_text())
    }

    fn request(&self, old: u64, new: u64) -> Result<String> {
        Ok(AddCheckpointRequest {
            old_size: old,
            proof: self.tree.consistency_proof(old, new)?,
            checkpoint: self.checkpoint(new)?.sign(&[&self.log])?,
        }
        .to_body())
    }
}

fn write(dir: &Path, target: &str, name: &str, data: impl AsRef<[u8]>) -> Result<()> {
    let d = dir.join(target);
    fs::create_dir_all(&d)?;
    fs::write(d.join(name), data)?;
    Ok(())
}

fn main() -> Result<()> {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("fuzz/corpus"), PathBuf::from);
    let mut tree = MemoryTree::new();
    for i in 0..TREE_SIZE {
        tree.push(leaf_hash(format!("fuzz entry {i}").as_bytes()));
    }
    let s = Seeds {
        log: SignerKey::from_seed(LOG_NAME, LOG_SEED)?,
        witness: CosignerKey::from_seed(WITNESS_NAME, WITNESS_SEED)?,
        tree,
    };
    let stranger = SignerKey::generate("fuzz.example/stranger")?;

    // note
    write(&dir, "note", "hello", sign_note("hello\n", &[&s.log])?)?;
    write(
        &dir,
        "note",
        "blank-lines-in-text",
        sign_note("first\n\nthird\n", &[&s.log])?,
    )?;
    write(
        &dir,
        "note",
        "envelope",
        sign_note(
            "countersign/envelope/v1\n9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",
            &[&s.log, &stranger],
        )?,
    )?;
    write(&dir, "note", "cosigned-checkpoint", s.cosigned(37, 1)?)?;
    write(
        &dir,
        "note",
        "unknown-signer-only",
        sign_note("x\n", &[&stranger])?,
    )?;

    // checkpoint
    write(&dir, "checkpoint", "empty-tree", s.checkpoint(0)?.to_text())?;
    write(&dir, "checkpoint", "size-100", s.checkpoint(100)?.to_text())?;
    let mut ext = s.checkpoint(37)?;
    ext.extensions = vec!["extension one".to_owned(), "\u{2014} two".to_owned()];
    write(&dir, "checkpoint", "extensions", ext.to_text())?;
    write(
        &dir,
        "checkpoint",
        "max-size",
        Checkpoint::new("example.com/behind-the-sofa", u64::MAX, [0xff; 32]).to_text(),
    )?;
    write(
        &dir,
        "checkpoint",
        "signed",
        s.checkpoint(64)?.sign(&[&s.log])?,
    )?;

    // cosignature
    write(
        &dir,
        "cosignature",
        "cosigned",
        s.cosigned(37, 1_700_000_000)?,
    )?;
    write(&dir, "cosignature", "time-zero", s.cosigned(1, 0)?)?;
    let cp = s.checkpoint(99)?;
    let max = s
        .witness
        .cosign(&cp.to_text(), countersign_tlog::cosignature::MAX_TIMESTAMP)?;
    write(
        &dir,
        "cosignature",
        "witness-only-max-time",
        format!("{}\n{}", cp.to_text(), max.to_line()),
    )?;
    let short = NoteSignature {
        name: WITNESS_NAME.to_owned(),
        key_id: s.witness.key_id(),
        signature: vec![0; 64],
    };
    write(
        &dir,
        "cosignature",
        "short-signature",
        format!("{}\n{}", cp.to_text(), short.to_line()),
    )?;

    // proof_file
    write(
        &dir,
        "proof_file",
        "first-of-one",
        s.proof_file(0, 1, None)?,
    )?;
    write(
        &dir,
        "proof_file",
        "37-of-100",
        s.proof_file(37, 100, None)?,
    )?;
    write(
        &dir,
        "proof_file",
        "last-of-64",
        s.proof_file(63, 64, None)?,
    )?;
    write(
        &dir,
        "proof_file",
        "with-extra",
        s.proof_file(5, 13, Some(b"receipt context"))?,
    )?;

    // witness_request: requests, then the 409 and 200 bodies.
    write(&dir, "witness_request", "from-zero", s.request(0, 10)?)?;
    write(&dir, "witness_request", "10-to-37", s.request(10, 37)?)?;
    write(&dir, "witness_request", "37-to-100", s.request(37, 100)?)?;
    write(&dir, "witness_request", "same-size", s.request(64, 64)?)?;
    write(&dir, "witness_request", "size-body", witness::size_body(37))?;
    let text = s.checkpoint(37)?.to_text();
    write(
        &dir,
        "witness_request",
        "cosignature-body",
        witness::cosignature_body(&[s.witness.cosign(&text, 1_700_000_000)?]),
    )?;

    // tile: "<path>\n<data>"
    let mut big = MemoryTree::new();
    for i in 0..(256u64 * 3 + 7) {
        big.push(leaf_hash(&i.to_be_bytes()));
    }
    let full = Tile {
        level: 0,
        index: 1,
        width: 256,
    };
    let partial = Tile {
        level: 1,
        index: 0,
        width: 3,
    };
    for (name, t) in [("full-level0", full), ("partial-level1", partial)] {
        let mut data = format!("{}\n", t.path()).into_bytes();
        data.extend(read_tile(&t, &big)?);
        write(&dir, "tile", name, data)?;
    }
    let bundle = Bundle {
        index: 1_234_067,
        width: 3,
    };
    let mut data = format!("{}\n", bundle.path()).into_bytes();
    data.extend(encode_bundle(&[&b"entry one"[..], b"", b"entry three"])?);
    write(&dir, "tile", "partial-bundle", data)?;
    let mut data = b"tile/entries/000\n".to_vec();
    data.extend(encode_bundle(&vec![b"e".to_vec(); 256])?);
    write(&dir, "tile", "full-bundle", data)?;
    let mut data = b"tile/63/x018/x446/x744/x073/x709/x551/615.p/255\n".to_vec();
    data.extend(empty_root());
    write(&dir, "tile", "deep-path", data)?;

    println!("seed corpus written to {}", dir.display());
    Ok(())
}
