//! Schema migrations: the SQL files in `migrations/`, applied in order.
//!
//! Each migration runs in its own `BEGIN IMMEDIATE` transaction together
//! with the `PRAGMA user_version` update that records it, so a database is
//! always at exactly one known version. The version is re-read inside the
//! transaction, so two processes opening a new file at once apply each
//! migration once. A database at a version above [`SCHEMA_VERSION`] was
//! written by a newer countersign and is refused rather than misread.

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
];

/// A step of a migration that SQL cannot do (SQLite has no SHA-256).
type RustStep = fn(&Connection) -> rusqlite::Result<()>;

/// Rust steps, run in the migration's transaction right after its SQL:
/// (version, step).
const RUST_STEPS: &[(u32, RustStep)] = &[(6, crate::taxii::fill_id_hashes)];

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
    for m in MIGRATIONS {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| fail("cannot start a migration".into(), e))?;
        // Another process may have migrated since the check above.
        if read_version(&tx)? >= m.version {
            continue;
        }
        let label = format!("{:04}_{}", m.version, m.name);
        tx.execute_batch(m.sql)
            .map_err(|e| fail(format!("migration {label} failed"), e))?;
        for (_, step) in RUST_STEPS.iter().filter(|(v, _)| *v == m.version) {
            step(&tx).map_err(|e| fail(format!("migration {label} failed"), e))?;
        }
        tx.pragma_update(None, "user_version", m.version)
            .map_err(|e| fail(format!("cannot record migration {label}"), e))?;
        tx.commit()
            .map_err(|e| fail(format!("cannot commit migration {label}"), e))?;
        tracing::info!(database = %location, migration = %label, "applied migration");
    }
    Ok(())
}
