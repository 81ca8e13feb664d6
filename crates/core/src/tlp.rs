//! Traffic Light Protocol 2.0 (FIRST, 2022).
//!
//! The level of an envelope decides who may see it; `countersign-node`
//! enforces it as access control. Ordering follows restriction: `Clear` <
//! `Green` < `Amber` < `AmberStrict` < `Red`.

use crate::vocab::vocabulary;

vocabulary! {
    /// A TLP 2.0 label.
    pub enum Tlp ("TLP 2.0 level") {
        /// Disclosure is not limited.
        Clear => "clear",
        /// The community, not public channels.
        Green => "green",
        /// The recipient organisation and its clients on a need-to-know basis.
        Amber => "amber",
        /// The recipient organisation only.
        AmberStrict => "amber+strict",
        /// The named recipients only.
        Red => "red",
    }
}

impl Tlp {
    /// The label as FIRST writes it, e.g. `TLP:AMBER+STRICT`.
    pub fn label(self) -> String {
        format!("TLP:{}", self.as_str().to_ascii_uppercase())
    }

    /// Parses `amber`, `AMBER`, `TLP:AMBER` and the TLP 1.0 `white`.
    pub fn parse_label(text: &str) -> Result<Self, crate::CoreError> {
        let t = text.trim();
        let t = t
            .strip_prefix("TLP:")
            .or_else(|| t.strip_prefix("tlp:"))
            .unwrap_or(t);
        if t.eq_ignore_ascii_case("white") {
            return Ok(Tlp::Clear);
        }
        Tlp::parse(t)
    }

    /// The STIX 2.1 marking-definition id of this level.
    pub fn stix_marking_id(self) -> &'static str {
        countersign_stix::tlp::tlp_marking_id(self.as_str()).unwrap_or_default()
    }
}
