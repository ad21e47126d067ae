//! The register's storage: one [`Db`] trait, implemented over SQLite and PostgreSQL with the
//! same schema ([`MIGRATIONS`], versioned in code, applied in order inside a transaction).

use serde_json::Value;
use skillcert::reporting::Item;

/// The schema, one entry per version: (SQLite, PostgreSQL). Items are append-only.
pub const MIGRATIONS: &[(&str, &str)] = &[(SQLITE_V1, PG_V1), (V2, V2)];

/// Version 2: a number belongs to one certificate per issuer (the first reported under it),
/// the query reads only those; existing rows are kept and the first by arrival owns.
const V2: &str = "
CREATE TABLE register_numbers (
    number      TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    credential  TEXT NOT NULL,
    PRIMARY KEY (number, issuer)
);
INSERT INTO register_numbers (number, issuer, credential)
    SELECT number, issuer, credential FROM register_items
    WHERE kind = 'certificate' AND number IS NOT NULL ORDER BY seq
    ON CONFLICT DO NOTHING;
";

/// The query's rows: a number's certificate rows whose certificate owns the number under its
/// issuer, latest [`MAX_ROWS_PER_NUMBER`] by arrival.
pub(super) const BY_NUMBER_WHERE: &str = "number = {P} AND kind = 'certificate' AND credential = \
    (SELECT n.credential FROM register_numbers n \
     WHERE n.number = register_items.number AND n.issuer = register_items.issuer) \
    ORDER BY seq DESC LIMIT 100";

/// Most rows the query reads for one number (corrections of one certificate per issuer).
pub const MAX_ROWS_PER_NUMBER: usize = 100;

/// Why a bundle was refused by the database (nothing of it stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Item `i` is a status change of a certificate the issuer never reported.
    Orphan(usize),
    /// Item `i` names a number its issuer already gave another certificate.
    NumberTaken(usize),
}

/// Version 1's tables, the same on both databases but for the type of the arrival counter.
macro_rules! v1_tables {
    ($seq:literal) => {
        concat!(
            "
CREATE TABLE register_items (
    seq         ",
            $seq,
            ",
    issuer      TEXT NOT NULL,
    item        TEXT NOT NULL,
    digest      TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('certificate', 'status')),
    credential  TEXT NOT NULL,
    number      TEXT,
    body        TEXT NOT NULL,
    bundle      TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (issuer, item, digest)
);
CREATE INDEX register_items_by_number ON register_items(number);
CREATE INDEX register_items_by_credential ON register_items(issuer, credential, kind);
CREATE TABLE register_receipts (
    bundle      TEXT NOT NULL,
    portal      TEXT NOT NULL,
    issuer      TEXT NOT NULL,
    json        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (bundle, portal)
);
"
        )
    };
}

/// Version 1 on SQLite: the tables, and triggers that refuse updates and deletes of items.
const SQLITE_V1: &str = concat!(
    v1_tables!("INTEGER PRIMARY KEY AUTOINCREMENT"),
    "CREATE TRIGGER register_items_no_update BEFORE UPDATE ON register_items
    BEGIN SELECT RAISE(ABORT, 'register items are append-only'); END;
CREATE TRIGGER register_items_no_delete BEFORE DELETE ON register_items
    BEGIN SELECT RAISE(ABORT, 'register items are append-only'); END;
"
);

/// Version 1 on PostgreSQL: the tables, and a trigger that refuses updates and deletes.
const PG_V1: &str = concat!(
    v1_tables!("BIGSERIAL PRIMARY KEY"),
    "CREATE FUNCTION register_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'register items are append-only'; END $$ LANGUAGE plpgsql;
CREATE TRIGGER register_items_append_only BEFORE UPDATE OR DELETE ON register_items
    FOR EACH ROW EXECUTE FUNCTION register_append_only();
"
);

/// A database failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// Bad configuration (the database URL).
    #[error("{0}")]
    Config(String),
    /// The database answered with an error (details for the log, not for clients).
    #[error("register database: {0}")]
    Backend(String),
    /// The database cannot be reached or used now (down, restarting, connection lost,
    /// read-only where a primary was expected): try again later. Details for the log only.
    #[error("register database unavailable: {0}")]
    Unavailable(String),
    /// The schema is newer than this build.
    #[error("register schema version {0} is newer than this skillcert knows")]
    TooNew(i64),
}

/// One item as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    /// Its key (`certificate:<id>`, `status:<seq>`).
    pub item: String,
    /// Its digest.
    pub digest: String,
    /// `certificate` or `status`.
    pub kind: &'static str,
    /// The certificate it is about.
    pub credential: String,
    /// The certificate number (records only).
    pub number: Option<String>,
    /// Its JSON.
    pub body: String,
}

impl StoredItem {
    /// The row of `item` reported by `_issuer`: its digest as sent, its body as stored (a
    /// record's holder ID replaced by its keyed hash under `key`, the nonce dropped).
    pub fn of(_issuer: &str, item: &Item, key: &skillcert::keys::IdKey) -> StoredItem {
        StoredItem::with_digest(item, key, None)
    }

    /// [`StoredItem::of`] with the item's digest when the caller has it already (the
    /// receipt's), else computed.
    pub(super) fn with_digest(
        item: &Item,
        key: &skillcert::keys::IdKey,
        digest: Option<String>,
    ) -> StoredItem {
        let (kind, number) = match item {
            Item::Certificate(r) => ("certificate", r.number.clone()),
            Item::Status(_) => ("status", None),
        };
        let stored = match item {
            Item::Certificate(r) => Item::Certificate(Box::new(r.to_stored(key))),
            Item::Status(s) => Item::Status(s.clone()),
        };
        StoredItem {
            item: item.key(),
            digest: digest.unwrap_or_else(|| item.digest()),
            kind,
            credential: item.credential_id().to_owned(),
            number,
            body: serde_json::to_string(&stored).unwrap_or_default(),
        }
    }
}

/// One stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Order of arrival.
    pub seq: i64,
    /// Issuer.
    pub issuer: String,
    /// Item key.
    pub item: String,
    /// Item digest.
    pub digest: String,
    /// `certificate` or `status`.
    pub kind: String,
    /// Certificate.
    pub credential: String,
    /// Number.
    pub number: Option<String>,
    /// JSON.
    pub body: String,
    /// Digest of the bundle it came in.
    pub bundle: String,
    /// When.
    pub received_at: String,
}

/// What the register needs of a database.
pub trait Db: Send + Sync {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// The receipt `portal` (its DID: instances sharing a key are one portal) stored for a
    /// bundle digest.
    fn receipt_for(&self, bundle: &str, portal: &str) -> Result<Option<Value>, DbError>;
    /// In one transaction: every item not yet held, and the receipt; returns the receipt
    /// stored for the bundle (this one, or one stored first by a concurrent ingestion).
    /// `Ok(Err(_))`: refused ([`Refused`]); nothing stored.
    #[allow(clippy::too_many_arguments, reason = "one row's columns")]
    fn ingest(
        &self,
        issuer: &str,
        bundle: &str,
        portal: &str,
        items: &[StoredItem],
        receipt: &Value,
        at: &str,
    ) -> Result<Result<Value, Refused>, DbError>;
    /// Certificate rows with this number that own it under their issuer, in order of arrival
    /// (the latest [`MAX_ROWS_PER_NUMBER`]).
    fn by_number(&self, number: &str) -> Result<Vec<Row>, DbError>;
    /// Bodies of the status changes of a certificate, in order of arrival.
    fn changes(&self, issuer: &str, credential: &str) -> Result<Vec<String>, DbError>;
    /// When the first record of a certificate arrived.
    fn first_received(&self, issuer: &str, credential: &str) -> Result<Option<String>, DbError>;
    /// Every row in order; returns how many.
    fn export(&self, each: &mut dyn FnMut(&Row) -> Result<(), DbError>) -> Result<u64, DbError>;
    /// Rows held.
    fn count(&self) -> Result<u64, DbError>;
    /// Certificate rows that carry a keyed ID hash (`holderIdMac`).
    fn keyed(&self) -> Result<u64, DbError>;
}

#[cfg(feature = "postgres")]
/// The certificates a bundle's status changes are about that the bundle does not record
/// before them: the ones [`first_orphan`] asks the database about, each once, in order.
pub(super) fn asked_credentials(items: &[StoredItem]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    let mut asked = Vec::new();
    for it in items {
        if it.kind == "certificate" {
            seen.insert(it.credential.as_str());
        } else if seen.insert(it.credential.as_str()) {
            asked.push(it.credential.as_str());
        }
    }
    asked
}

#[cfg(feature = "postgres")]
/// The numbers a bundle claims, each with the certificate of the first item that carries it
/// (the one that owns it if nobody did before), sorted by number: concurrent ingestions that
/// claim the same numbers take their locks in the same order.
pub(super) fn claims(items: &[StoredItem]) -> Vec<(&str, &str)> {
    let mut first = std::collections::HashMap::new();
    for it in items {
        if let Some(n) = it.number.as_deref() {
            first.entry(n).or_insert(it.credential.as_str());
        }
    }
    let mut out: Vec<(&str, &str)> = first.into_iter().collect();
    out.sort_unstable();
    out
}

#[cfg(feature = "postgres")]
/// The first item whose number another certificate of the issuer owns, given the owner of
/// each number the bundle claims (after its claims were recorded): what checking item by
/// item finds.
pub(super) fn first_taken(
    items: &[StoredItem],
    owners: &std::collections::HashMap<String, String>,
) -> Result<Option<usize>, DbError> {
    for (i, it) in items.iter().enumerate() {
        let Some(n) = it.number.as_deref() else {
            continue;
        };
        match owners.get(n) {
            Some(owner) if *owner == it.credential => {}
            Some(_) => return Ok(Some(i)),
            None => {
                return Err(DbError::Backend(format!(
                    "items[{i}]: number recorded but not found in the same transaction"
                )))
            }
        }
    }
    Ok(None)
}

/// Which items of a bundle are status changes of certificates neither held (`held`) nor
/// recorded earlier in the bundle: the first such index.
pub(super) fn first_orphan(
    items: &[StoredItem],
    mut held: impl FnMut(&str) -> Result<bool, DbError>,
) -> Result<Option<usize>, DbError> {
    let mut seen = std::collections::HashSet::new();
    for (i, it) in items.iter().enumerate() {
        if it.kind == "certificate" {
            seen.insert(it.credential.as_str());
        } else if !seen.contains(it.credential.as_str()) && !held(&it.credential)? {
            return Ok(Some(i));
        }
    }
    Ok(None)
}
