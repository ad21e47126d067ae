//! Schema migrations, versioned in code, one list per database. SQLite: `PRAGMA user_version`
//! holds the number of [`MIGRATIONS`] applied; [`migrate`] applies the missing ones, each in its
//! own transaction. PostgreSQL: table `issuer_schema` holds the versions of
//! [`PG_MIGRATIONS`] applied; [`migrate_postgres`] applies the missing ones in one transaction
//! under an advisory lock, so that instances starting together migrate once. Both refuse a
//! database written by a newer skillcert. The PostgreSQL list started at SQLite's version 6
//! (its first entry is that schema), so the two lists number differently; a change to the
//! schema appends an entry to both.

use super::IssuerDbError;
use rusqlite::Connection;

/// Every migration, in order. Never edit one that has shipped: append a new one.
pub const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6];

/// Version 1: lists, certificates, status entries, append-only events, list credential cache.
const V1: &str = r#"
CREATE TABLE lists (
    number      INTEGER PRIMARY KEY,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
    size        INTEGER NOT NULL CHECK (size > 0),
    used        INTEGER NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= size),
    version     INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL
);
CREATE TABLE certificates (
    id                TEXT    PRIMARY KEY,
    holder_name       TEXT    NOT NULL,
    program           TEXT    NOT NULL,
    program_code      TEXT,
    framework         TEXT    NOT NULL,
    level             TEXT    NOT NULL,
    issued_at         TEXT    NOT NULL,
    key_id            TEXT    NOT NULL,
    revocation_list   INTEGER NOT NULL REFERENCES lists(number),
    revocation_index  INTEGER NOT NULL,
    suspension_list   INTEGER NOT NULL REFERENCES lists(number),
    suspension_index  INTEGER NOT NULL,
    state             TEXT    NOT NULL CHECK (state IN ('pending', 'issued')),
    document_sha256   TEXT,
    batch_key         TEXT    UNIQUE,
    claims_json       TEXT    NOT NULL,
    CHECK (state = 'pending' OR document_sha256 IS NOT NULL)
);
CREATE TABLE status_entries (
    list        INTEGER NOT NULL REFERENCES lists(number),
    idx         INTEGER NOT NULL CHECK (idx >= 0),
    certificate TEXT    NOT NULL REFERENCES certificates(id),
    purpose     TEXT    NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
    is_set      INTEGER NOT NULL DEFAULT 0 CHECK (is_set IN (0, 1)),
    PRIMARY KEY (list, idx)
) WITHOUT ROWID;
CREATE UNIQUE INDEX status_entries_by_certificate ON status_entries(certificate, purpose);
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    certificate TEXT    NOT NULL REFERENCES certificates(id),
    action      TEXT    NOT NULL CHECK (action IN ('issue', 'sign', 'revoke', 'suspend', 'reinstate')),
    reason      TEXT,
    at          TEXT    NOT NULL,
    actor       TEXT    NOT NULL
);
CREATE INDEX events_by_certificate ON events(certificate, seq);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TABLE list_cache (
    list        INTEGER PRIMARY KEY REFERENCES lists(number),
    version     INTEGER NOT NULL,
    key_id      TEXT    NOT NULL,
    valid_until TEXT    NOT NULL,
    json        TEXT    NOT NULL
);
"#;

/// Version 2: the first answer to each admin `Idempotency-Key` (see `super::idempotency`), and
/// the heartbeat row the readiness probe writes.
const V2: &str = r#"
CREATE TABLE idempotency_keys (
    key             TEXT    PRIMARY KEY,
    request_sha256  TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    status          INTEGER CHECK (status IS NULL OR (status >= 100 AND status <= 599)),
    response        TEXT,
    answered_at     TEXT,
    CHECK ((status IS NULL) = (response IS NULL))
);
CREATE TABLE heartbeat (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    at  TEXT    NOT NULL
);
"#;

/// Version 3: certificate numbers, and what the printed certificate carries besides the claims
/// (`print_json`: ID type and the ID number as the issuer prints it, 工种, photo file). Each series (the number without its serial) has a counter
/// that only goes up, advanced in the transaction that records the certificate, so a serial is
/// never used twice, even by a certificate left `pending` by a crash; the unique index is the
/// backstop. Certificates recorded before numbers existed have none.
const V3: &str = r#"
ALTER TABLE certificates ADD COLUMN number TEXT;
ALTER TABLE certificates ADD COLUMN print_json TEXT;
CREATE UNIQUE INDEX certificates_by_number ON certificates(number);
CREATE TABLE number_series (
    series       TEXT    PRIMARY KEY,
    next_serial  INTEGER NOT NULL CHECK (next_serial >= 1)
);
"#;

/// Version 4: the reason an issuer chose to publish with a revocation or suspension (shown on
/// the verification page; `reason` stays internal). Added by ALTER, so the append-only
/// triggers of `events` are untouched.
const V4: &str = r#"
ALTER TABLE events ADD COLUMN public_reason TEXT;
"#;

/// Version 5: reporting to registers (`skillcert report`): portals' pinned keys, their receipts, and
/// which items each receipt acknowledged.
const V5: &str = r#"
CREATE TABLE report_portals (
    portal      TEXT PRIMARY KEY,
    portal_key  TEXT NOT NULL
);
CREATE TABLE report_receipts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    portal      TEXT NOT NULL,
    bundle      TEXT NOT NULL,
    received_at TEXT NOT NULL,
    json        TEXT NOT NULL
);
CREATE TABLE report_acks (
    portal  TEXT NOT NULL,
    item    TEXT NOT NULL,
    digest  TEXT NOT NULL,
    receipt INTEGER NOT NULL REFERENCES report_receipts(id),
    PRIMARY KEY (portal, item, digest)
) WITHOUT ROWID;
CREATE INDEX report_acks_by_item ON report_acks(portal, item);
"#;

/// Version 6: the holder's ID number as the issuer recorded it (normalised; for reports to the
/// register and the holder's copy), and its keyed hash (HMAC with `keys/holder-id.secret`,
/// what the online ID check compares). Neither ever leaves the issuer except in a signed report
/// to an accredited register. Certificates recorded before have neither (their claims may carry
/// the legacy unkeyed hash, which the online check still reads).
const V6: &str = r#"
ALTER TABLE certificates ADD COLUMN holder_id TEXT;
ALTER TABLE certificates ADD COLUMN holder_id_mac TEXT;
"#;

/// Every PostgreSQL migration, in order. Never edit one that has shipped: append a new one.
pub const PG_MIGRATIONS: &[&str] = &[PG_V1];

/// PostgreSQL version 1: SQLite's schema at its version 6, with BIGINT integers (what SQLite's
/// INTEGER holds), an insertion counter on certificates (`seq`, SQLite's `rowid`), triggers
/// keeping events append-only, and the change counter (`issuer_changes`: every write
/// transaction advances it first, which also makes it the writers' lock).
const PG_V1: &str = r#"
CREATE TABLE lists (
    number      BIGINT  PRIMARY KEY,
    purpose     TEXT    NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
    size        BIGINT  NOT NULL CHECK (size > 0),
    used        BIGINT  NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= size),
    version     BIGINT  NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL
);
CREATE TABLE certificates (
    seq               BIGSERIAL UNIQUE,
    id                TEXT    PRIMARY KEY,
    holder_name       TEXT    NOT NULL,
    program           TEXT    NOT NULL,
    program_code      TEXT,
    framework         TEXT    NOT NULL,
    level             TEXT    NOT NULL,
    issued_at         TEXT    NOT NULL,
    key_id            TEXT    NOT NULL,
    revocation_list   BIGINT  NOT NULL REFERENCES lists(number),
    revocation_index  BIGINT  NOT NULL,
    suspension_list   BIGINT  NOT NULL REFERENCES lists(number),
    suspension_index  BIGINT  NOT NULL,
    state             TEXT    NOT NULL CHECK (state IN ('pending', 'issued')),
    document_sha256   TEXT,
    batch_key         TEXT    UNIQUE,
    claims_json       TEXT    NOT NULL,
    number            TEXT    UNIQUE,
    print_json        TEXT,
    holder_id         TEXT,
    holder_id_mac     TEXT,
    CHECK (state = 'pending' OR document_sha256 IS NOT NULL)
);
CREATE TABLE status_entries (
    list        BIGINT  NOT NULL REFERENCES lists(number),
    idx         BIGINT  NOT NULL CHECK (idx >= 0),
    certificate TEXT    NOT NULL REFERENCES certificates(id),
    purpose     TEXT    NOT NULL CHECK (purpose IN ('revocation', 'suspension')),
    is_set      BIGINT  NOT NULL DEFAULT 0 CHECK (is_set IN (0, 1)),
    PRIMARY KEY (list, idx)
);
CREATE UNIQUE INDEX status_entries_by_certificate ON status_entries(certificate, purpose);
CREATE TABLE events (
    seq           BIGSERIAL PRIMARY KEY,
    certificate   TEXT    NOT NULL REFERENCES certificates(id),
    action        TEXT    NOT NULL CHECK (action IN ('issue', 'sign', 'revoke', 'suspend', 'reinstate')),
    reason        TEXT,
    at            TEXT    NOT NULL,
    actor         TEXT    NOT NULL,
    public_reason TEXT
);
CREATE INDEX events_by_certificate ON events(certificate, seq);
CREATE FUNCTION issuer_events_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'events are append-only'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION issuer_events_append_only();
CREATE TABLE list_cache (
    list        BIGINT  PRIMARY KEY REFERENCES lists(number),
    version     BIGINT  NOT NULL,
    key_id      TEXT    NOT NULL,
    valid_until TEXT    NOT NULL,
    json        TEXT    NOT NULL
);
CREATE TABLE idempotency_keys (
    key             TEXT    PRIMARY KEY,
    request_sha256  TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    status          BIGINT  CHECK (status IS NULL OR (status >= 100 AND status <= 599)),
    response        TEXT,
    answered_at     TEXT,
    CHECK ((status IS NULL) = (response IS NULL))
);
CREATE TABLE heartbeat (
    id  BIGINT  PRIMARY KEY CHECK (id = 1),
    at  TEXT    NOT NULL
);
CREATE TABLE number_series (
    series       TEXT    PRIMARY KEY,
    next_serial  BIGINT  NOT NULL CHECK (next_serial >= 1)
);
CREATE TABLE report_portals (
    portal      TEXT PRIMARY KEY,
    portal_key  TEXT NOT NULL
);
CREATE TABLE report_receipts (
    id          BIGSERIAL PRIMARY KEY,
    portal      TEXT NOT NULL,
    bundle      TEXT NOT NULL,
    received_at TEXT NOT NULL,
    json        TEXT NOT NULL
);
CREATE TABLE report_acks (
    portal  TEXT   NOT NULL,
    item    TEXT   NOT NULL,
    digest  TEXT   NOT NULL,
    receipt BIGINT NOT NULL REFERENCES report_receipts(id),
    PRIMARY KEY (portal, item, digest)
);
CREATE INDEX report_acks_by_item ON report_acks(portal, item);
CREATE TABLE issuer_changes (
    id  BIGINT PRIMARY KEY CHECK (id = 1),
    n   BIGINT NOT NULL
);
INSERT INTO issuer_changes (id, n) VALUES (1, 0);
"#;

/// Advisory lock id of the issuer's database's migrations on PostgreSQL.
#[cfg(feature = "postgres")]
const PG_MIGRATION_LOCK: i64 = 0x736b_696c_6c69;

/// Applies the missing PostgreSQL migrations in one transaction under an advisory lock;
/// returns the schema version.
#[cfg(feature = "postgres")]
pub fn migrate_postgres(client: &mut postgres::Client) -> Result<u32, IssuerDbError> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PG_MIGRATION_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS issuer_schema (version BIGINT PRIMARY KEY)")?;
    let current: i64 = tx
        .query_one("SELECT COALESCE(MAX(version), 0) FROM issuer_schema", &[])?
        .get(0);
    let latest = PG_MIGRATIONS.len() as i64;
    if current > latest {
        return Err(IssuerDbError::Corrupt(format!(
            "issuer's database schema version {current} is newer than this skillcert knows ({latest})"
        )));
    }
    for (i, sql) in PG_MIGRATIONS.iter().enumerate().skip(current as usize) {
        tx.batch_execute(sql)?;
        tx.execute(
            "INSERT INTO issuer_schema (version) VALUES ($1)",
            &[&(i as i64 + 1)],
        )?;
    }
    tx.commit()?;
    Ok(latest as u32)
}

/// Applies the missing migrations; returns the schema version.
pub fn migrate(conn: &mut Connection) -> Result<u32, IssuerDbError> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let latest = MIGRATIONS.len() as u32;
    if current > latest {
        return Err(IssuerDbError::Corrupt(format!(
            "issuer's database schema version {current} is newer than this skillcert knows ({latest})"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as u32 + 1)?;
        tx.commit()?;
    }
    Ok(latest)
}
