//! Users' roles within their party.

use crate::vocab::vocabulary;

vocabulary! {
    /// What a user may do. Each role includes the ones before it.
    pub enum Role ("role") {
        /// Reads what the party may see.
        Viewer => "viewer",
        /// Also files notifications, replies and rates.
        Analyst => "analyst",
        /// Also manages parties, users and tokens.
        Admin => "admin",
    }
}

impl Role {
    /// Whether this role includes `needed`.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}
