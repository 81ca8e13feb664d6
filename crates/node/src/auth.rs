//! Users, passwords, API tokens and login sessions.
//!
//! Passwords are hashed with argon2id (they are guessable, so hashing must
//! be slow). Tokens are 256-bit random secrets shown once; only their
//! SHA-256 is stored (they are not guessable, so a fast hash suffices and
//! every request can be checked cheaply). No secret is ever logged.
//!
//! HTTP Basic (TAXII clients) sends the password with every request, and
//! argon2id costs tens of milliseconds by design; so a successful check is
//! remembered for [`PASSWORD_CACHE_TTL`] in a small in-memory cache
//! ([`PasswordCache`]) that holds only a keyed hash (HMAC-SHA-256 under a
//! random per-process key) of the username, the password and the user's
//! stored hash, never the password. A changed password changes the stored
//! hash, so older entries can no longer match; a wrong password never
//! matches an entry; the user record (role, party) is read afresh on every
//! request.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use countersign_core::access::Role;
use countersign_core::ids::{PartyId, Sha256Hex};
use countersign_store::{NewToken, NewUser, TokenKind, User};
use sha2::{Digest, Sha256};

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

/// How long a successful HTTP Basic verification is remembered.
pub const PASSWORD_CACHE_TTL: Duration = Duration::from_secs(5 * 60);
/// The most verifications remembered at once.
pub const PASSWORD_CACHE_ENTRIES: usize = 1024;

/// HMAC-SHA-256 (RFC 2104) of the concatenation of `parts`, for a key of
/// at most 64 bytes (the block size).
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..key.len().min(64)].copy_from_slice(&key[..key.len().min(64)]);
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let mut inner = Sha256::new().chain_update(pad(0x36));
    for part in parts {
        inner.update(part);
    }
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner.finalize())
        .finalize()
        .into()
}

/// Successful password verifications: keyed hashes and when they were
/// made, at most `capacity`, each valid for `ttl` (see the module
/// documentation). Times are passed in, so tests control the clock.
pub struct PasswordCache {
    key: [u8; 32],
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<[u8; 32], Instant>>,
}

impl PasswordCache {
    /// An empty cache with a fresh random key.
    pub fn new(ttl: Duration, capacity: usize) -> Result<Self> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key)
            .map_err(|e| NodeError::internal(format!("no randomness: {e}")))?;
        Ok(PasswordCache {
            key,
            ttl,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        })
    }

    /// The entry's key: every field length-prefixed, so no two different
    /// triples hash the same input.
    fn tag(&self, username: &str, password: &str, stored_hash: &str) -> [u8; 32] {
        let (u, p, h) = (
            username.as_bytes(),
            password.as_bytes(),
            stored_hash.as_bytes(),
        );
        let lens = [u.len(), p.len(), h.len()].map(|n| (n as u64).to_be_bytes());
        hmac_sha256(&self.key, &[&lens[0], u, &lens[1], p, &lens[2], h])
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], Instant>> {
        // The map is valid whatever a panicking holder was doing.
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether this password was verified for this user (with this stored
    /// hash) less than `ttl` before `now`.
    pub fn verified(
        &self,
        username: &str,
        password: &str,
        stored_hash: &str,
        now: Instant,
    ) -> bool {
        let tag = self.tag(username, password, stored_hash);
        let mut entries = self.lock();
        match entries.get(&tag) {
            Some(at) if now.saturating_duration_since(*at) < self.ttl => true,
            Some(_) => {
                entries.remove(&tag);
                false
            }
            None => false,
        }
    }

    /// Remembers a successful verification made at `now`. When full, drops
    /// expired entries, then the oldest.
    pub fn remember(&self, username: &str, password: &str, stored_hash: &str, now: Instant) {
        let tag = self.tag(username, password, stored_hash);
        let mut entries = self.lock();
        if entries.len() >= self.capacity && !entries.contains_key(&tag) {
            entries.retain(|_, at| now.saturating_duration_since(*at) < self.ttl);
            if entries.len() >= self.capacity
                && let Some(oldest) = entries.iter().min_by_key(|(_, at)| **at).map(|(k, _)| *k)
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(tag, now);
    }

    /// How many verifications are remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The process's cache. One for all nodes in the process: the user's
/// stored hash (with its random salt) is part of every entry, so an entry
/// made for one node's user can never match another's.
fn password_cache() -> Result<&'static PasswordCache> {
    static CACHE: OnceLock<PasswordCache> = OnceLock::new();
    if let Some(c) = CACHE.get() {
        return Ok(c);
    }
    let c = PasswordCache::new(PASSWORD_CACHE_TTL, PASSWORD_CACHE_ENTRIES)?;
    Ok(CACHE.get_or_init(|| c))
}

fn viewer_of(user: User) -> Viewer {
    Viewer::User {
        username: user.username,
        party: user.party,
        role: user.role,
    }
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
    /// same argon2id work as known ones; a password verified less than
    /// [`PASSWORD_CACHE_TTL`] ago is not hashed again (see the module
    /// documentation).
    pub async fn authenticate_password(&self, username: &str, password: &str) -> Result<Viewer> {
        let user = self.store().get_user_by_name(username).await?;
        let (cache, now) = (password_cache()?, Instant::now());
        if let Some(u) = &user
            && cache.verified(username, password, &u.password_hash, now)
        {
            return Ok(viewer_of(u.clone()));
        }
        let phc = match &user {
            Some(u) => u.password_hash.clone(),
            None => dummy_hash()?,
        };
        let owned = password.to_owned();
        // argon2id is deliberately slow: keep it off the async threads.
        let ok = tokio::task::spawn_blocking(move || check_password(&owned, &phc))
            .await
            .map_err(|e| NodeError::internal(format!("password check failed: {e}")))?;
        match user {
            Some(u) if ok => {
                cache.remember(username, password, &u.password_hash, now);
                Ok(viewer_of(u))
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, test cases 1 and 2.
    #[test]
    fn hmac_matches_rfc_4231() {
        let case1 = hmac_sha256(&[0x0b; 20], &[b"Hi There"]);
        assert_eq!(
            hex::encode(case1),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // The message split into parts hashes as its concatenation.
        let case2 = hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"]);
        assert_eq!(
            hex::encode(case2),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn only_the_verified_triple_matches_and_only_within_the_ttl() {
        let ttl = Duration::from_secs(300);
        let cache = PasswordCache::new(ttl, 8).expect("cache");
        let t0 = Instant::now();
        cache.remember("ana", "right password", "$argon2id$one", t0);
        assert!(cache.verified("ana", "right password", "$argon2id$one", t0));
        // A wrong password, another user, a changed stored hash: no match.
        assert!(!cache.verified("ana", "wrong password", "$argon2id$one", t0));
        assert!(!cache.verified("bob", "right password", "$argon2id$one", t0));
        assert!(!cache.verified("ana", "right password", "$argon2id$two", t0));
        // Length prefixes: moving bytes between fields does not match.
        assert!(!cache.verified("an", "aright password", "$argon2id$one", t0));
        // Just inside the TTL, then at it: gone, and removed.
        let almost = t0 + ttl - Duration::from_millis(1);
        assert!(cache.verified("ana", "right password", "$argon2id$one", almost));
        assert!(!cache.verified("ana", "right password", "$argon2id$one", t0 + ttl));
        assert!(cache.is_empty());
    }

    #[test]
    fn keys_differ_per_cache_and_hold_no_password() {
        let (a, b) = (
            PasswordCache::new(Duration::from_secs(1), 1).expect("cache"),
            PasswordCache::new(Duration::from_secs(1), 1).expect("cache"),
        );
        let (ta, tb) = (a.tag("u", "p4ssw0rd", "h"), b.tag("u", "p4ssw0rd", "h"));
        assert_ne!(ta, tb, "the key is random per cache");
        assert!(!ta.windows(8).any(|w| w == b"p4ssw0rd"));
    }

    #[test]
    fn bounded_dropping_expired_then_oldest() {
        let ttl = Duration::from_secs(60);
        let cache = PasswordCache::new(ttl, 2).expect("cache");
        let t0 = Instant::now();
        cache.remember("a", "pa", "h", t0);
        cache.remember("b", "pb", "h", t0 + Duration::from_secs(1));
        // Full, nothing expired: the oldest (a) goes.
        cache.remember("c", "pc", "h", t0 + Duration::from_secs(2));
        assert_eq!(cache.len(), 2);
        let t = t0 + Duration::from_secs(3);
        assert!(!cache.verified("a", "pa", "h", t));
        assert!(cache.verified("b", "pb", "h", t));
        assert!(cache.verified("c", "pc", "h", t));
        // Later, both expired: a new entry clears them.
        let later = t0 + ttl + Duration::from_secs(5);
        cache.remember("d", "pd", "h", later);
        assert_eq!(cache.len(), 1);
        assert!(cache.verified("d", "pd", "h", later));
    }
}
