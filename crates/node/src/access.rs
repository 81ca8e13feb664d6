//! Who may see and do what: roles within a party, and TLP 2.0 as access
//! control over envelopes.
//!
//! The rule for now (the TAXII issue refines AMBER towards constituencies):
//! the sender and the named recipients always see an envelope; `CLEAR` and
//! `GREEN` ones are also visible to every user of this node (its
//! community); `AMBER`, `AMBER+STRICT` and `RED` to nobody else.

use countersign_core::access::Role;
use countersign_core::ids::PartyId;
use countersign_core::tlp::Tlp;

use crate::error::{NodeError, Result};

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Viewer {
    /// Someone with the data directory: the CLI. Sees everything.
    Operator,
    /// A logged-in user of a party.
    User {
        username: String,
        party: PartyId,
        role: Role,
    },
}

impl Viewer {
    pub fn require(&self, needed: Role) -> Result<()> {
        match self {
            Viewer::Operator => Ok(()),
            Viewer::User { role, .. } if role.allows(needed) => Ok(()),
            Viewer::User { role, .. } => Err(NodeError::forbidden(format!(
                "this needs the {needed} role; you are {role}"
            ))),
        }
    }

    /// The party a user acts for; the operator acts for any.
    pub fn party(&self) -> Option<&PartyId> {
        match self {
            Viewer::Operator => None,
            Viewer::User { party, .. } => Some(party),
        }
    }

    /// Whether this viewer may act as (send for) `party`.
    pub fn may_act_for(&self, party: &PartyId) -> bool {
        self.party().is_none_or(|p| p == party)
    }

    /// TLP as access control: see the module documentation.
    pub fn may_see(&self, tlp: Tlp, from: &PartyId, to: &[PartyId]) -> bool {
        match self {
            Viewer::Operator => true,
            Viewer::User { party, .. } => {
                from == party || to.contains(party) || matches!(tlp, Tlp::Clear | Tlp::Green)
            }
        }
    }
}
