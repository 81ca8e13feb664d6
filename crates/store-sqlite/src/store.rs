//! The [`Store`] trait on SQLite: one transaction per method, bound
//! parameters only.

use async_trait::async_trait;
use countersign_core::envelope::EnvelopeType;
use countersign_core::ids::{EnvelopeId, PartyId, Sha256Hex};
use countersign_core::time::Timestamp;
use countersign_store::{
    NewEnvelope, NewToken, NewUser, NotificationFilter, NotificationRow, Page, PageRequest, Result,
    Store, StoreError, StoreErrorKind, StoredEnvelope, StoredParty, TokenKind, User,
};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::SqliteStore;
use crate::cursor::Cursor;
use crate::rows::{
    ENVELOPE_COLUMNS, NOTIFICATION_COLUMNS, PARTY_COLUMNS, TOKEN_USER_SELECT, USER_COLUMNS,
    Violation, category_class, db, duplicate_or, envelope_from_row, instant, notification_from_row,
    parse, party_from_row, tlp_rank, token_user_from_row, user_from_row, violation,
};

/// The largest page `list_notifications` returns.
pub const MAX_PAGE: u32 = 500;

/// A write transaction. `IMMEDIATE` takes the write lock at the start, so
/// waiting on another process happens under the busy timeout instead of
/// failing at the first write with `SQLITE_BUSY`.
pub(crate) fn write(conn: &mut Connection) -> Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(db("cannot start a transaction"))
}

/// A read transaction, so that multi-statement reads see one snapshot.
pub(crate) fn read(conn: &mut Connection) -> Result<Transaction<'_>> {
    conn.transaction_with_behavior(TransactionBehavior::Deferred)
        .map_err(db("cannot start a transaction"))
}

pub(crate) fn commit(tx: Transaction<'_>) -> Result<()> {
    tx.commit().map_err(db("cannot commit"))
}

fn bad_request(message: String) -> StoreError {
    StoreError::new(StoreErrorKind::BadRequest, message)
}

/// The recipients of the envelope with storage key `seq`, in order.
fn recipients(conn: &Connection, seq: i64) -> Result<Vec<PartyId>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT party FROM envelope_recipients WHERE envelope_seq = ?1 ORDER BY position",
        )
        .map_err(db("cannot read recipients"))?;
    let texts = stmt
        .query_map([seq], |row| row.get::<_, String>(0))
        .map_err(db("cannot read recipients"))?
        .collect::<rusqlite::Result<Vec<String>>>()
        .map_err(db("cannot read recipients"))?;
    texts
        .iter()
        .map(|t| parse("recipient", t, PartyId::parse))
        .collect()
}

/// The index key of an envelope id (`envelopes.id_key`, migration 8): its
/// first 8 bytes, big-endian, as SQLite's signed integer. The id is a
/// SHA-256, so the key is as evenly spread as the id, in a fifth of the
/// index. It only finds candidates: every lookup also compares the id.
pub(crate) fn id_key(id: &EnvelopeId) -> i64 {
    let mut first = [0u8; 8];
    first.copy_from_slice(&id.bytes()[..8]);
    i64::from_be_bytes(first)
}

/// Migration 8's Rust step: fills `id_key` of the rows copied over from
/// the version 7 table.
pub(crate) fn fill_id_keys(conn: &Connection) -> rusqlite::Result<()> {
    let rows = conn
        .prepare("SELECT seq, id FROM envelopes")?
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut update = conn.prepare("UPDATE envelopes SET id_key = ?1 WHERE seq = ?2")?;
    for (seq, text) in rows {
        let id = EnvelopeId::parse(&text).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
        })?;
        update.execute(params![id_key(&id), seq])?;
    }
    Ok(())
}

/// The storage key (`envelopes.seq`) of a stored envelope.
pub(crate) fn envelope_seq(conn: &Connection, id: &EnvelopeId) -> Result<Option<i64>> {
    conn.prepare_cached("SELECT seq FROM envelopes WHERE id_key = ?1 AND id = ?2")
        .and_then(|mut stmt| {
            stmt.query_row(params![id_key(id), id.to_string()], |row| row.get(0))
                .optional()
        })
        .map_err(db("cannot read the envelope"))
}

/// Whether the refs of envelopes of this type are indexed (`envelope_refs`,
/// migration 7): the types whose refs are queried, replies (of a
/// notification) and ratings (of a reply).
pub(crate) fn refs_indexed(kind: EnvelopeType) -> bool {
    matches!(kind, EnvelopeType::Reply | EnvelopeType::Rating)
}

/// Checks that a notification row describes its envelope: the header
/// fields it repeats must agree, or listings would lie about what was
/// signed.
fn check_notification(new: &NewEnvelope, n: &NotificationRow) -> Result<()> {
    let e = new.envelope.envelope();
    let id = new.envelope.id();
    let mismatch = |field: &str| {
        bad_request(format!(
            "the notification row of envelope {id} does not match the envelope: its {field} differs"
        ))
    };
    if e.kind != EnvelopeType::Notification {
        return Err(bad_request(format!(
            "envelope {id} is a {}, so it cannot have a notification row",
            e.kind
        )));
    }
    if n.id != id {
        return Err(mismatch("id"));
    }
    if n.from != e.from {
        return Err(mismatch("sender"));
    }
    if n.to != e.to {
        return Err(mismatch("recipient list"));
    }
    if n.created != e.created {
        return Err(mismatch("creation time"));
    }
    if n.tlp != e.tlp {
        return Err(mismatch("TLP"));
    }
    if n.direction != new.direction {
        return Err(mismatch("direction"));
    }
    Ok(())
}

/// Inserts an envelope inside a write transaction the caller commits (the
/// group writer's, `group.rs`), and returns its storage key (`seq`).
///
/// Every row written here is keyed on the new, largest `seq`, so each
/// lands at the end of its table; only the compact `id_key` index of
/// `envelopes` takes a random page. Ids are unique because this looks the
/// id up first, in the same transaction (the index is not unique).
pub(crate) fn insert_envelope_in(tx: &Connection, new: &NewEnvelope) -> Result<i64> {
    if let Some(n) = &new.notification {
        check_notification(new, n)?;
    }
    let signed = &new.envelope;
    let e = signed.envelope();
    let key = id_key(&signed.id());
    if envelope_seq(tx, &signed.id())?.is_some() {
        return Err(StoreError::new(
            StoreErrorKind::Duplicate,
            format!("envelope {} is stored already", signed.id()),
        ));
    }
    let id = signed.id().to_string();
    // The file form, compact; `SignedEnvelope::from_json` reads it back.
    let json = signed
        .to_json_string()
        .map_err(|err| bad_request(format!("cannot serialise envelope {id}: {err}")))?;
    let (created_s, created_ns) = instant(e.created);

    tx.prepare_cached(
        "INSERT INTO envelopes (id, type, from_party, created, created_s, created_ns, tlp, \
         direction, stored, json, id_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            id,
            e.kind.as_str(),
            e.from.as_str(),
            e.created.to_string(),
            created_s,
            created_ns,
            e.tlp.as_str(),
            new.direction.as_str(),
            new.stored.to_string(),
            json,
            key,
        ])
    })
    .map_err(db("cannot store the envelope"))?;
    let seq = tx.last_insert_rowid();
    {
        // The deliveries_queue trigger queues the outbox rows from these.
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO envelope_recipients (envelope_seq, party, position) \
                 VALUES (?1, ?2, ?3)",
            )
            .map_err(db("cannot store recipients"))?;
        for (position, party) in e.to.iter().enumerate() {
            let position = i64::try_from(position)
                .map_err(|_| bad_request(format!("envelope {id} has too many recipients")))?;
            stmt.execute(params![seq, party.as_str(), position])
                .map_err(db("cannot store recipients"))?;
        }
    }
    if refs_indexed(e.kind) {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO envelope_refs (envelope_seq, position, ref) VALUES (?1, ?2, ?3)",
            )
            .map_err(db("cannot store references"))?;
        for (position, r) in e.refs.iter().enumerate() {
            let position = i64::try_from(position)
                .map_err(|_| bad_request(format!("envelope {id} has too many references")))?;
            stmt.execute(params![seq, position, r.to_string()])
                .map_err(db("cannot store references"))?;
        }
    }
    if let Some(n) = &new.notification {
        tx.prepare_cached(
            "INSERT INTO notifications (seq, id, from_party, created, created_s, created_ns, \
             title, title_folded, category, category_class, severity, tlp, tlp_rank, \
             sufficiency, ack_by, reply_by, attachments, direction) VALUES (?1, ?2, ?3, ?4, ?5, \
             ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
        )
        .and_then(|mut stmt| {
            stmt.execute(params![
                seq,
                id,
                n.from.as_str(),
                n.created.to_string(),
                created_s,
                created_ns,
                n.title,
                n.title.to_lowercase(),
                n.category,
                category_class(&n.category),
                n.severity.as_str(),
                n.tlp.as_str(),
                tlp_rank(n.tlp),
                n.sufficiency.as_str(),
                n.ack_by.to_string(),
                n.reply_by.to_string(),
                i64::from(n.attachments),
                n.direction.as_str(),
            ])
        })
        .map_err(db("cannot store the notification row"))?;
    }
    // Queued for a log leaf in the same transaction: a stored envelope is
    // never left without one (the sequencer drains this queue).
    tx.prepare_cached("INSERT INTO log_pending (envelope_seq) VALUES (?1)")
        .and_then(|mut stmt| stmt.execute([seq]))
        .map_err(db("cannot queue the envelope for the log"))?;
    Ok(seq)
}

/// Appends ` AND <clause>` with its values to a query being built. Clauses
/// are fixed text with `?` placeholders; values are only ever bound.
struct Query {
    sql: String,
    args: Vec<Value>,
}

impl Query {
    fn and(&mut self, clause: &str, args: impl IntoIterator<Item = Value>) {
        self.sql.push_str(" AND ");
        self.sql.push_str(clause);
        self.args.extend(args);
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn list_notifications(
    conn: &mut Connection,
    filter: &NotificationFilter,
    page: &PageRequest,
) -> Result<Page<NotificationRow>> {
    let after = page.cursor.as_deref().map(Cursor::decode).transpose()?;
    let limit = page.limit.clamp(1, MAX_PAGE);

    let mut q = Query {
        sql: format!("SELECT {NOTIFICATION_COLUMNS} FROM notifications WHERE 1 = 1"),
        args: Vec::new(),
    };
    const IS_RECIPIENT: &str = "EXISTS (SELECT 1 FROM envelope_recipients r \
         WHERE r.envelope_seq = notifications.seq AND r.party = ?)";
    if let Some(from) = &filter.from {
        q.and("from_party = ?", [text(from.as_str())]);
    }
    if let Some(to) = &filter.to {
        q.and(IS_RECIPIENT, [text(to.as_str())]);
    }
    if let Some(party) = &filter.party {
        q.and(
            &format!("(from_party = ? OR {IS_RECIPIENT})"),
            [text(party.as_str()), text(party.as_str())],
        );
    }
    if let Some(category) = &filter.category {
        if category.contains('/') {
            q.and("category = ?", [text(category)]);
        } else {
            q.and("category_class = ?", [text(category)]);
        }
    }
    if let Some(severity) = filter.severity {
        q.and("severity = ?", [text(severity.as_str())]);
    }
    if let Some(sufficiency) = filter.sufficiency {
        q.and("sufficiency = ?", [text(sufficiency.as_str())]);
    }
    if let Some(max) = filter.max_tlp {
        q.and("tlp_rank <= ?", [Value::Integer(tlp_rank(max))]);
    }
    if let Some(since) = filter.since {
        let (s, ns) = instant(since);
        q.and(
            "(created_s, created_ns) >= (?, ?)",
            [Value::Integer(s), Value::Integer(ns)],
        );
    }
    if let Some(until) = filter.until {
        let (s, ns) = instant(until);
        q.and(
            "(created_s, created_ns) < (?, ?)",
            [Value::Integer(s), Value::Integer(ns)],
        );
    }
    if let Some(viewer) = &filter.visible_to {
        // TLP access control: TLP:CLEAR and TLP:GREEN (rank 0 and 1) are
        // for everyone; the rest for the sender and the recipients only.
        q.and(
            &format!("(tlp_rank <= 1 OR from_party = ? OR {IS_RECIPIENT})"),
            [text(viewer.as_str()), text(viewer.as_str())],
        );
    }
    if let Some(needle) = &filter.text {
        q.and("instr(title_folded, ?) > 0", [text(&needle.to_lowercase())]);
    }
    if let Some(c) = after {
        q.and(
            "(created_s, created_ns, id) < (?, ?, ?)",
            [
                Value::Integer(c.seconds),
                Value::Integer(i64::from(c.nanos)),
                text(&c.id.to_string()),
            ],
        );
    }
    // One row more than asked tells whether there is a next page.
    q.sql
        .push_str(" ORDER BY created_s DESC, created_ns DESC, id DESC LIMIT ?");
    q.args.push(Value::Integer(i64::from(limit) + 1));

    let tx = read(conn)?;
    let mut found = Vec::new();
    {
        let mut stmt = tx
            .prepare(&q.sql)
            .map_err(db("cannot list notifications"))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(q.args.iter()))
            .map_err(db("cannot list notifications"))?;
        while let Some(row) = rows.next().map_err(db("cannot list notifications"))? {
            found.push(notification_from_row(row)?);
        }
    }
    let limit = limit as usize;
    let more = found.len() > limit;
    found.truncate(limit);
    let next_cursor = match found.last() {
        Some(last) if more => Some(
            Cursor {
                seconds: last.seconds,
                nanos: last.nanos,
                id: last.row.id,
            }
            .encode(),
        ),
        _ => None,
    };
    let mut items = Vec::with_capacity(found.len());
    for found in found {
        let mut n = found.row;
        n.to = recipients(&tx, found.seq)?;
        items.push(n);
    }
    commit(tx)?;
    Ok(Page { items, next_cursor })
}

fn get_notification(conn: &mut Connection, id: &EnvelopeId) -> Result<Option<NotificationRow>> {
    let tx = read(conn)?;
    // By the envelope's seq: `notifications` has no index on its id.
    let found = tx
        .query_row(
            &format!(
                "SELECT {NOTIFICATION_COLUMNS} FROM notifications \
                 WHERE seq = (SELECT seq FROM envelopes WHERE id_key = ?1 AND id = ?2)"
            ),
            params![id_key(id), id.to_string()],
            |row| Ok(notification_from_row(row)),
        )
        .optional()
        .map_err(db("cannot read the notification"))?
        .transpose()?;
    let Some(found) = found else {
        return Ok(None);
    };
    let mut n = found.row;
    n.to = recipients(&tx, found.seq)?;
    commit(tx)?;
    Ok(Some(n))
}

fn put_party(conn: &mut Connection, stored: &StoredParty, replace: bool) -> Result<()> {
    let id = stored.party.id.as_str();
    let json = serde_json::to_string(&stored.party)
        .map_err(|e| bad_request(format!("cannot serialise party {id}: {e}")))?;
    let sql = if replace {
        "INSERT INTO parties (id, json, local, signed_entry, updated) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (id) DO UPDATE SET json = excluded.json, local = excluded.local, \
         signed_entry = excluded.signed_entry, updated = excluded.updated"
    } else {
        "INSERT INTO parties (id, json, local, signed_entry, updated) VALUES (?1, ?2, ?3, ?4, ?5)"
    };
    let tx = write(conn)?;
    tx.execute(
        sql,
        params![
            id,
            json,
            stored.local,
            stored.signed_entry,
            stored.updated.to_string()
        ],
    )
    .map_err(duplicate_or(
        || format!("party {id} exists already"),
        "cannot store the party",
    ))?;
    commit(tx)
}

fn create_user(conn: &mut Connection, user: &NewUser) -> Result<User> {
    let tx = write(conn)?;
    tx.execute(
        "INSERT INTO users (username, party, role, password_hash, created) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            user.username,
            user.party.as_str(),
            user.role.as_str(),
            user.password_hash,
            user.created.to_string()
        ],
    )
    .map_err(duplicate_or(
        || format!("user {:?} exists already", user.username),
        "cannot store the user",
    ))?;
    let id = tx.last_insert_rowid();
    commit(tx)?;
    Ok(User {
        id,
        username: user.username.clone(),
        party: user.party.clone(),
        role: user.role,
        password_hash: user.password_hash.clone(),
        created: user.created,
    })
}

fn create_token(conn: &mut Connection, token: &NewToken) -> Result<()> {
    let tx = write(conn)?;
    tx.execute(
        "INSERT INTO tokens (hash, user_id, kind, label, created, expires) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            token.hash.to_string(),
            token.user_id,
            token.kind.as_str(),
            token.label,
            token.created.to_string(),
            token.expires.map(|t| t.to_string()),
        ],
    )
    .map_err(|e| match violation(&e) {
        // The hash is of a 256-bit random secret: a clash is a reused secret.
        Some(Violation::Unique) => StoreError::new(
            StoreErrorKind::Duplicate,
            format!("a token with hash {} exists already", token.hash),
        ),
        Some(Violation::ForeignKey) => StoreError::new(
            StoreErrorKind::NotFound,
            format!("user {} does not exist", token.user_id),
        ),
        None => db("cannot store the token")(e),
    })?;
    commit(tx)
}

fn user_for_token(
    conn: &mut Connection,
    hash: &Sha256Hex,
    now: Timestamp,
) -> Result<Option<(User, TokenKind)>> {
    let tx = read(conn)?;
    let found = tx
        .query_row(
            &format!("{TOKEN_USER_SELECT} WHERE t.hash = ?1"),
            [hash.to_string()],
            |row| Ok(token_user_from_row(row)),
        )
        .optional()
        .map_err(db("cannot read the token"))?
        .transpose()?;
    commit(tx)?;
    Ok(found.and_then(|(user, kind, expires)| match expires {
        Some(expires) if expires <= now => None,
        _ => Some((user, kind)),
    }))
}

#[async_trait]
impl Store for SqliteStore {
    async fn put_party(&self, party: &StoredParty, replace: bool) -> Result<()> {
        let party = party.clone();
        self.call(move |c| put_party(c, &party, replace)).await
    }

    async fn get_party(&self, id: &PartyId) -> Result<Option<StoredParty>> {
        let id = id.to_string();
        self.call_read(move |c| {
            c.query_row(
                &format!("SELECT {PARTY_COLUMNS} FROM parties WHERE id = ?1"),
                [id],
                |row| Ok(party_from_row(row)),
            )
            .optional()
            .map_err(db("cannot read the party"))?
            .transpose()
        })
        .await
    }

    async fn list_parties(&self) -> Result<Vec<StoredParty>> {
        self.call_read(|c| {
            let mut stmt = c
                .prepare(&format!("SELECT {PARTY_COLUMNS} FROM parties ORDER BY id"))
                .map_err(db("cannot list parties"))?;
            let mut rows = stmt.query([]).map_err(db("cannot list parties"))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(db("cannot list parties"))? {
                out.push(party_from_row(row)?);
            }
            Ok(out)
        })
        .await
    }

    async fn insert_envelope(&self, envelope: &NewEnvelope) -> Result<()> {
        let envelope = envelope.clone();
        self.writer
            .write(move |c| insert_envelope_in(c, &envelope).map(|_| ()))
            .await
    }

    async fn get_envelope(&self, id: &EnvelopeId) -> Result<Option<StoredEnvelope>> {
        let (key, id) = (id_key(id), id.to_string());
        self.call_read(move |c| {
            c.query_row(
                &format!("SELECT {ENVELOPE_COLUMNS} FROM envelopes WHERE id_key = ?1 AND id = ?2"),
                params![key, id],
                |row| Ok(envelope_from_row(row)),
            )
            .optional()
            .map_err(db("cannot read the envelope"))?
            .transpose()
        })
        .await
    }

    async fn list_notifications(
        &self,
        filter: &NotificationFilter,
        page: &PageRequest,
    ) -> Result<Page<NotificationRow>> {
        let (filter, page) = (filter.clone(), page.clone());
        self.call(move |c| list_notifications(c, &filter, &page))
            .await
    }

    async fn get_notification(&self, id: &EnvelopeId) -> Result<Option<NotificationRow>> {
        let id = *id;
        self.call_read(move |c| get_notification(c, &id)).await
    }

    async fn create_user(&self, user: &NewUser) -> Result<User> {
        let user = user.clone();
        self.call(move |c| create_user(c, &user)).await
    }

    async fn get_user_by_name(&self, username: &str) -> Result<Option<User>> {
        let username = username.to_owned();
        self.call(move |c| {
            c.query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?1"),
                [username],
                |row| Ok(user_from_row(row)),
            )
            .optional()
            .map_err(db("cannot read the user"))?
            .transpose()
        })
        .await
    }

    async fn list_users(&self) -> Result<Vec<User>> {
        self.call(|c| {
            let mut stmt = c
                .prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))
                .map_err(db("cannot list users"))?;
            let mut rows = stmt.query([]).map_err(db("cannot list users"))?;
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(db("cannot list users"))? {
                out.push(user_from_row(row)?);
            }
            Ok(out)
        })
        .await
    }

    async fn create_token(&self, token: &NewToken) -> Result<()> {
        let token = token.clone();
        self.call(move |c| create_token(c, &token)).await
    }

    async fn user_for_token(
        &self,
        token_hash: &Sha256Hex,
        now: Timestamp,
    ) -> Result<Option<(User, TokenKind)>> {
        let hash = *token_hash;
        self.call_read(move |c| user_for_token(c, &hash, now)).await
    }

    async fn delete_token(&self, token_hash: &Sha256Hex) -> Result<()> {
        let hash = *token_hash;
        self.call(move |c| {
            let tx = write(c)?;
            let deleted = tx
                .execute("DELETE FROM tokens WHERE hash = ?1", [hash.to_string()])
                .map_err(db("cannot delete the token"))?;
            commit(tx)?;
            if deleted == 0 {
                return Err(StoreError::new(
                    StoreErrorKind::NotFound,
                    format!("no token has hash {hash}"),
                ));
            }
            Ok(())
        })
        .await
    }

    fn taxii(&self) -> Option<&dyn countersign_store::TaxiiStore> {
        Some(self)
    }

    fn federation(&self) -> Option<&dyn countersign_store::FederationStore> {
        Some(self)
    }

    fn obligations(&self) -> Option<&dyn countersign_store::ObligationStore> {
        Some(self)
    }
}
