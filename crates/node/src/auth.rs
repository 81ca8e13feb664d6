//! Users, passwords, API tokens and login sessions.
//!
//! Passwords are hashed with argon2id (they are guessable, so hashing must
//! be slow). Tokens are 256-bit random secrets shown once; only their
//! SHA-256 is stored (they are not guessable, so a fast hash suffices and
//! every request can be checked cheaply). No secret is ever logged.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use countersign_core::access::Role;
use countersign_core::ids::{PartyId, Sha256Hex};
use countersign_store::{NewToken, NewUser, TokenKind, User};

use crate::access::Viewer;
use crate::error::{NodeError, NodeErrorKind, Result};
use crate::{Node, now};

/// How long a UI login lasts.
pub const SESSION_HOURS: i64 = 12;
/// Prefix of API tokens, so that leaked ones are easy to find in logs and repos.
pub const API_TOKEN_PREFIX: &str = "cs_";

/// `bytes` random bytes as lowercase hex.
pub fn random_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // Without an OS random source no secret can be made safely.
    if getrandom::fill(&mut buf).is_err() {
        panic!("the operating system's random number generator failed");
    }
    hex::encode(buf)
}

fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| NodeError::internal(format!("no randomness: {e}")))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| NodeError::internal(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| NodeError::internal(format!("cannot hash password: {e}")))
}

fn check_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// A real argon2id hash of nothing in particular, computed once.
fn dummy_hash() -> Result<String> {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h.clone());
    }
    let h = hash_password(&random_secret(16))?;
    Ok(DUMMY.get_or_init(|| h).clone())
}

fn unauthenticated() -> NodeError {
    NodeError::new(NodeErrorKind::Unauthenticated, "wrong username or password")
}

impl Node {
    pub async fn create_user(
        &self,
        username: &str,
        party: &PartyId,
        role: Role,
        password: &str,
    ) -> Result<User> {
        let name_ok = (3..=100).contains(&username.len())
            && username
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"@._-".contains(&b));
        if !name_ok {
            return Err(NodeError::invalid(
                "username must be 3-100 characters: letters, digits, @ . _ -",
            ));
        }
        if password.chars().count() < 10 {
            return Err(NodeError::invalid(
                "password must be at least 10 characters",
            ));
        }
        if self
            .store()
            .get_party(party)
            .await?
            .is_none_or(|p| !p.local)
        {
            return Err(NodeError::invalid(format!(
                "users belong to a party hosted by this node; {party} is not one"
            )));
        }
        let user = NewUser {
            username: username.to_owned(),
            party: party.clone(),
            role,
            password_hash: hash_password(password)?,
            created: now(),
        };
        Ok(self.store().create_user(&user).await?)
    }

    /// Checks a password and opens a session; returns the session secret.
    pub async fn login(&self, username: &str, password: &str) -> Result<(String, User)> {
        let user = self.store().get_user_by_name(username).await?;
        // Hash even for unknown users so timing does not reveal who exists.
        let phc = match &user {
            Some(u) => u.password_hash.clone(),
            None => dummy_hash()?,
        };
        let ok = check_password(password, &phc);
        let user = match user {
            Some(u) if ok => u,
            _ => return Err(unauthenticated()),
        };
        let secret = random_secret(32);
        let created = now();
        self.store()
            .create_token(&NewToken {
                hash: Sha256Hex::digest(secret.as_bytes()),
                user_id: user.id,
                kind: TokenKind::Session,
                label: "web login".to_owned(),
                created,
                expires: Some(created.plus_hours(SESSION_HOURS)),
            })
            .await?;
        Ok((secret, user))
    }

    /// Creates an API token for a user; the secret is returned once.
    pub async fn create_api_token(&self, username: &str, label: &str) -> Result<String> {
        let user = self
            .store()
            .get_user_by_name(username)
            .await?
            .ok_or_else(|| NodeError::not_found(format!("no user {username}")))?;
        let secret = format!("{API_TOKEN_PREFIX}{}", random_secret(32));
        self.store()
            .create_token(&NewToken {
                hash: Sha256Hex::digest(secret.as_bytes()),
                user_id: user.id,
                kind: TokenKind::Api,
                label: label.to_owned(),
                created: now(),
                expires: None,
            })
            .await?;
        Ok(secret)
    }

    /// The viewer a bearer token or session secret stands for.
    pub async fn authenticate(&self, secret: &str) -> Result<Viewer> {
        let found = self
            .store()
            .user_for_token(&Sha256Hex::digest(secret.as_bytes()), now())
            .await?;
        match found {
            Some((user, _)) => Ok(Viewer::User {
                username: user.username,
                party: user.party,
                role: user.role,
            }),
            None => Err(NodeError::new(
                NodeErrorKind::Unauthenticated,
                "the token is unknown or expired; log in again or create a new token",
            )),
        }
    }

    /// The viewer a username and password stand for (HTTP Basic, for
    /// TAXII clients), without opening a session. Unknown users cost the
    /// same argon2id work as known ones.
    pub async fn authenticate_password(&self, username: &str, password: &str) -> Result<Viewer> {
        let user = self.store().get_user_by_name(username).await?;
        let phc = match &user {
            Some(u) => u.password_hash.clone(),
            None => dummy_hash()?,
        };
        let password = password.to_owned();
        // argon2id is deliberately slow: keep it off the async threads.
        let ok = tokio::task::spawn_blocking(move || check_password(&password, &phc))
            .await
            .map_err(|e| NodeError::internal(format!("password check failed: {e}")))?;
        match user {
            Some(u) if ok => Ok(Viewer::User {
                username: u.username,
                party: u.party,
                role: u.role,
            }),
            _ => Err(unauthenticated()),
        }
    }

    pub async fn logout(&self, secret: &str) -> Result<()> {
        Ok(self
            .store()
            .delete_token(&Sha256Hex::digest(secret.as_bytes()))
            .await?)
    }
}
