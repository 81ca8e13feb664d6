//! Who may see and do what: roles within a party, and TLP 2.0 as access
//! control over envelopes and the TAXII objects that come from them.
//!
//! The rule (one place; the SQL of the store backends writes the same rule
//! for listings, and the access-matrix test in `countersign-web` checks
//! every read endpoint against [`Viewer::may_see`]):
//!
//! | TLP | who sees it besides the operator |
//! |---|---|
//! | `CLEAR`, `GREEN` | every user of this node (its community) |
//! | `AMBER` | the sender (owner) and the named recipients |
//! | `AMBER+STRICT` | the sender (owner) and the named recipients |
//! | `RED` | the sender (owner) and the named recipients |
//!
//! A party is one organisation, so "the recipient organisation" of
//! `AMBER+STRICT` is the recipient party's users, and `RED`'s "named
//! recipients" are the parties named in `to`. Every role (viewer, analyst,
//! admin) of a party sees what its party may see; roles decide what a
//! user may *do*.
//!
//! `AMBER` is deliberately kept to the recipient organisation rather than
//! widened to the recipient's constituency. TLP 2.0 lets a recipient share
//! `AMBER` with its clients *on a need-to-know basis*: that is the
//! recipient's judgement, made case by case, not something a node can
//! infer. A party's constituency in the directory says which networks it
//! is responsible for (routing), not which organisations it trusts, and a
//! constituency overlap would silently widen every `AMBER` notification to
//! parties the sender never chose. The recipient shares onward by
//! forwarding; that is where `AMBER` and `AMBER+STRICT` differ (a forward
//! of `AMBER+STRICT` outside the organisation must be refused).

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
