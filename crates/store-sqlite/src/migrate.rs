//! Schema migrations: the SQL files in `migrations/`, applied in order.
//!
//! Each migration runs in its own `BEGIN IMMEDIATE` transaction together
//! with the `PRAGMA user_version` update that records it, so a database is
//! always at exactly one known version. The version is re-read inside the
//! transaction, so two processes opening a new file at once apply each
//! migration once. A database at a version above [`SCHEMA_VERSION`] was
//! written by a newer countersign and is refused rather than misread.
//!
//! Migrations run with foreign key enforcement off, as SQLite's
//! generalised ALTER TABLE procedure asks: a table is rebuilt by copying
//! it, dropping it and renaming the copy, and with enforcement on the drop
//! would first delete every child row (`ON DELETE CASCADE`). Instead every
//! foreign key is checked before each migration commits; one pointing at
//! nothing fails the migration and changes nothing. The caller turns
//! enforcement on afterwards (`lib.rs`).

use countersign_store::{Result, StoreError};
use rusqlite::{Connection, TransactionBehavior};

struct Migration {
    version: u32,
    name: &'static str,
    sql: &'static str,
}

/// Every migration, oldest first. Versions are 1, 2, 3… in order; the file
/// `NNNN_name.sql` holds version `NNNN`. Never edit one that has shipped.
const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "log",
        sql: include_str!("../migrations/0002_log.sql"),
    },
    Migration {
        version: 3,
        name: "taxii",
        sql: include_str!("../migrations/0003_taxii.sql"),
    },
    Migration {
        version: 4,
        name: "federation",
        sql: include_str!("../migrations/0004_federation.sql"),
    },
    Migration {
        version: 5,
        name: "pings",
        sql: include_str!("../migrations/0005_pings.sql"),
    },
    Migration {
        version: 6,
        name: "taxii_compact_index",
        sql: include_str!("../migrations/0006_taxii_compact_index.sql"),
    },
    Migration {
        version: 7,
        name: "integer_envelope_keys",
        sql: include_str!("../migrations/0007_integer_envelope_keys.sql"),
    },
    Migration {
        version: 8,
        name: "compact_envelope_id_index",
        sql: include_str!("../migrations/0008_compact_envelope_id_index.sql"),
    },
    Migration {
        version: 9,
        name: "ascending_notification_indexes",
        sql: include_str!("../migrations/0009_ascending_notification_indexes.sql"),
    },
];

/// A step of a migration that SQL cannot do (SQLite has no SHA-256).
type RustStep = fn(&Connection) -> rusqlite::Result<()>;

/// Rust steps, run in the migration's transaction right after its SQL:
/// (version, step).
const RUST_STEPS: &[(u32, RustStep)] = &[
    (6, crate::taxii::fill_id_hashes),
    (8, crate::store::fill_id_keys),
];

/// A check that the data can be migrated, run in the migration's
/// transaction before its SQL; `Err` says why not, and nothing changes.
type Check = fn(&Connection) -> std::result::Result<(), String>;

/// Checks, run before a migration's SQL: (version, check).
const CHECKS: &[(u32, Check)] = &[(7, check_v7)];

/// Migration 7 keys receipts and deliveries on the integer seq of the
/// envelope they are about (and of the receipt). A row naming an envelope
/// that is not stored could not be carried over: rather than drop a
/// receipt, refuse to migrate and say which. The node never writes such a
/// row (the envelope is stored first, in the same transaction or before).
fn check_v7(conn: &Connection) -> std::result::Result<(), String> {
    const DANGLING: &[(&str, &str)] = &[
        (
            "receipts of envelopes that are not stored",
            "SELECT envelope_id FROM receipts WHERE envelope_id NOT IN (SELECT id FROM envelopes)",
        ),
        (
            "receipts whose receipt envelope is not stored",
            "SELECT receipt_id FROM receipts WHERE receipt_id NOT IN (SELECT id FROM envelopes)",
        ),
        (
            "deliveries of envelopes that are not stored",
            "SELECT envelope_id FROM deliveries WHERE envelope_id NOT IN (SELECT id FROM envelopes)",
        ),
        (
            "deliveries whose receipt envelope is not stored",
            "SELECT receipt_id FROM deliveries \
             WHERE receipt_id IS NOT NULL AND receipt_id NOT IN (SELECT id FROM envelopes)",
        ),
    ];
    for (what, sql) in DANGLING {
        let ids = conn
            .prepare(sql)
            .and_then(|mut stmt| {
                stmt.query_map([], |row| row.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()
            })
            .map_err(|e| format!("cannot check the {what}: {e}"))?;
        if let Some(first) = ids.first() {
            return Err(format!(
                "the database holds {} {what} (the first: {first}); they cannot be keyed on an \
                 envelope, so the database was left at version 6: restore the missing envelopes \
                 from a backup, or remove those rows, and open it again",
                ids.len()
            ));
        }
    }
    Ok(())
}

/// The schema version this code writes: that of the last migration.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

// The versions must be exactly 1..=n in order; checked when compiling.
const _: () = {
    let mut i = 0;
    while i < MIGRATIONS.len() {
        assert!(MIGRATIONS[i].version as usize == i + 1);
        i += 1;
    }
};

fn user_version(conn: &Connection) -> rusqlite::Result<u32> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings the database at `location` up to [`SCHEMA_VERSION`].
pub(crate) fn migrate(conn: &mut Connection, location: &str) -> Result<()> {
    let fail = |what: String, e: rusqlite::Error| {
        StoreError::backend(format!("{what} on the database {location}: {e}"))
    };
    let read_version = |conn: &Connection| {
        let current =
            user_version(conn).map_err(|e| fail("cannot read the schema version".into(), e))?;
        if current > SCHEMA_VERSION {
            return Err(StoreError::backend(format!(
                "the database {location} has schema version {current}, but this countersign \
                 knows versions up to {SCHEMA_VERSION}: it was written by a newer countersign; \
                 upgrade countersign (or restore a backup) instead of opening it with this one"
            )));
        }
        Ok(current)
    };
    // Up to date: no write lock needed.
    if read_version(conn)? == SCHEMA_VERSION {
        return Ok(());
    }
    conn.pragma_update(None, "foreign_keys", "OFF")
        .map_err(|e| fail("cannot turn foreign key enforcement off".into(), e))?;
    for m in MIGRATIONS {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| fail("cannot start a migration".into(), e))?;
        // Another process may have migrated since the check above.
        if read_version(&tx)? >= m.version {
            continue;
        }
        let label = format!("{:04}_{}", m.version, m.name);
        for (_, check) in CHECKS.iter().filter(|(v, _)| *v == m.version) {
            check(&tx).map_err(|why| {
                StoreError::backend(format!(
                    "migration {label} cannot run on the database {location}: {why}"
                ))
            })?;
        }
        tx.execute_batch(m.sql)
            .map_err(|e| fail(format!("migration {label} failed"), e))?;
        for (_, step) in RUST_STEPS.iter().filter(|(v, _)| *v == m.version) {
            step(&tx).map_err(|e| fail(format!("migration {label} failed"), e))?;
        }
        let dangling: i64 = tx
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .map_err(|e| fail(format!("cannot check foreign keys after {label}"), e))?;
        if dangling > 0 {
            return Err(StoreError::backend(format!(
                "migration {label} cannot run on the database {location}: it would leave \
                 {dangling} rows whose foreign key names no row; nothing was changed"
            )));
        }
        tx.pragma_update(None, "user_version", m.version)
            .map_err(|e| fail(format!("cannot record migration {label}"), e))?;
        tx.commit()
            .map_err(|e| fail(format!("cannot commit migration {label}"), e))?;
        tracing::info!(database = %location, migration = %label, "applied migration");
    }
    Ok(())
}
