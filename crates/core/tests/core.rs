//! Integration tests of the domain crate.

mod core {
    pub mod envelope;
    pub mod jcs;
    pub mod signed_note_vectors;
}
