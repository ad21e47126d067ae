//! The issuer's database: every certificate ever issued and every status change, in embedded
//! SQLite (`registry.sqlite` in the data dir, WAL mode, `synchronous = FULL`) or, with feature
//! `postgres`, in a PostgreSQL database that several processes share
//! ([`IssuerDb::open_postgres`]: several `serve` instances and batch runs at once). The schema
//! is versioned in [`migrations`]; the queries are written once over both (`sql`).
//!
//! # Several processes
//!
//! Every write (recording, signing, status changes, idempotency keys, list caching) runs in a
//! transaction that first takes the database's writers' lock (SQLite `BEGIN IMMEDIATE`; on
//! PostgreSQL the row lock of the change counter), so numbers, status indices and lists are
//! allocated by one writer at a time, whichever process it is. Readers that cache compare
//! [`IssuerDb::change_stamp`], which moves with every committed write of any process.
//!
//! # Issuing and crashes
//!
//! [`IssuerDb::issue`] records the certificate (state `pending`, with its claims and its two
//! status entries) in one transaction *before* anything is signed or written, then signs, then
//! records the document's SHA-256 (state `issued`). So no certificate file can exist that the
//! registry does not know. A crash between record and sign leaves a `pending` row: its status
//! indices stay reserved forever, it shows up in [`IssuerDb::pending`], and
//! [`IssuerDb::complete`] re-signs it from the recorded claims (same key and time give the
//! same bytes: Ed25519 is deterministic). `issue-batch` completes pending rows of its roster on
//! the next run.
//!
//! # Status
//!
//! Each certificate gets one revocation and one suspension entry, at indices drawn at random
//! (OS randomness) from the current list of that purpose, never reused; a new list starts when
//! one is full. Changes ([`IssuerDb::revoke`], [`IssuerDb::suspend`], [`IssuerDb::reinstate`])
//! set or clear the bit and append an event (action, reason, time, actor) in one
//! transaction. Events cannot be updated or deleted (SQL triggers).
//!
//! # Serving lists
//!
//! [`IssuerDb::status_list_credential`] gives the signed credential of list `n` (served at
//! `GET /status/{n}`), cached in the database and re-signed when a bit changed, the signing
//! key changed, or less than half of its freshness limit is left.

mod group;
pub mod idempotency;
mod input;
pub mod migrations;
mod queries;
mod records;
mod reports;
mod sql;
mod status;
mod status_source;

use skillcert::issuer::{Issued, Issuer, IssuerError};
use skillcert::model::Claims;
use skillcert::request::CheckedRequest;
use skillcert::status::StatusError;
use sql::{Handle, Sql};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use group::{HolderIdText, NewCertificate, Signed, ToSign};
pub use input::{check_reason, normalize_id, parse_id, ReasonError};
pub use records::{CertStatus, CertificateRecord, Event, ListInfo, RecordState};
pub use reports::{ReceiptCheck, Reported};
pub use status::StatusAction;
pub use status_source::IssuerDbStatusSource;

/// File name of the issuer's database in the data dir.
pub const REGISTRY_FILE: &str = "registry.sqlite";
/// How long a write waits for another connection's lock before failing.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// Longest reason text accepted for a status change.
pub const MAX_REASON_CHARS: usize = 500;

/// Errors of the issuer's database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssuerDbError {
    /// SQLite failed.
    #[error("issuer's database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL failed (or could not be reached).
    #[cfg(feature = "postgres")]
    #[error("issuer's database: {0}")]
    Postgres(#[from] postgres::Error),
    /// No certificate with this id.
    #[error("{0}: no such certificate in the issuer's database")]
    NotFound(String),
    /// Not a certificate id.
    #[error("{0:?}: not a certificate id or number (expected urn:uuid:<uuid>, a bare UUID, or a certificate number)")]
    BadId(String),
    /// The certificate is revoked; revocation is final.
    #[error("{0} is revoked; revocation is final")]
    Revoked(String),
    /// `reinstate` of a certificate that is not suspended.
    #[error("{0} is not suspended")]
    NotSuspended(String),
    /// `suspend` of a certificate that is already suspended.
    #[error("{0} is already suspended")]
    AlreadySuspended(String),
    /// A bad argument; names it.
    #[error("{0}")]
    Invalid(String),
    /// No status list with this number.
    #[error("no status list {0}")]
    NoSuchList(u64),
    /// The database does not hold what it must.
    #[error("issuer's database is inconsistent: {0}")]
    Corrupt(String),
    /// The issuer failed (claims, signing).
    #[error(transparent)]
    Issuer(#[from] IssuerError),
    /// A status list could not be built.
    #[error(transparent)]
    Status(#[from] StatusError),
    /// The data dir could not be used.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

impl IssuerDbError {
    /// Whether this is the database being unavailable (down, unreachable, locked past the
    /// busy timeout, refusing writes), not a refusal of the request: worth retrying later or
    /// through another instance.
    pub fn is_outage(&self) -> bool {
        match self {
            IssuerDbError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked
                    | rusqlite::ErrorCode::ReadOnly
                    | rusqlite::ErrorCode::DiskFull
                    | rusqlite::ErrorCode::CannotOpen
            ),
            #[cfg(feature = "postgres")]
            IssuerDbError::Postgres(e) => sql::pg::is_outage(e),
            _ => false,
        }
    }
}

/// Options of [`IssuerDb::issue_with`].
#[derive(Debug, Clone, Default)]
pub struct IssueOptions<'a> {
    /// Who issues (recorded in the event). Default `registry`.
    pub actor: Option<&'a str>,
    /// A stable key of the roster row (for resumable batches); unique.
    pub batch_key: Option<&'a str>,
    /// What the printed certificate carries besides the claims (JSON of
    /// [`skillcert::request::PrintExtras`]).
    pub print: Option<&'a str>,
    /// The holder's ID number, normalised (recorded with its keyed hash; never public).
    pub holder_id: Option<&'a str>,
}

/// The issuer's database of a data dir. Safe to share between threads; several processes may
/// open the same one (SQLite: one connection behind a mutex, file locking, busy timeout 10 s;
/// PostgreSQL: a few connections per process, the writers' lock shared by all).
#[derive(Debug)]
pub struct IssuerDb {
    store: Store,
    path: PathBuf,
}

/// Where the rows live.
#[derive(Debug)]
enum Store {
    Sqlite(Mutex<rusqlite::Connection>),
    #[cfg(feature = "postgres")]
    Postgres(sql::pg::PgPool),
}

/// Recorded claims, or `None` when the text is not a certificate.
fn parse_claims_text(text: &str) -> Option<Claims> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    Claims::from_document(&v).ok()
}

/// Fails when the issuer's holder-ID secret is gone while certificates carry hashes keyed
/// with it: a new secret (made on first use) would make every ID check answer "no match".
fn refuse_lost_id_secret(conn: &mut dyn Sql, data_dir: &Path) -> Result<(), IssuerDbError> {
    let secret = data_dir.join(skillcert::issuer::ID_KEY_FILE);
    if secret.exists() {
        return Ok(());
    }
    let keyed: i64 = sql::one_value(
        conn,
        "SELECT COUNT(*) FROM certificates WHERE holder_id_mac IS NOT NULL",
        &[],
    )?;
    if keyed == 0 {
        return Ok(());
    }
    Err(IssuerDbError::Corrupt(format!(
        "{} is missing while {keyed} certificate(s) carry ID hashes keyed with it: restore it from \
         the data dir's backup (a new secret would make every ID check fail)",
        secret.display()
    )))
}

impl IssuerDb {
    /// Opens (creating if needed) `registry.sqlite` in `data_dir` and migrates it.
    pub fn open(data_dir: &Path) -> Result<IssuerDb, IssuerDbError> {
        let io = |path: &Path| {
            let path = path.display().to_string();
            move |source| IssuerDbError::Io { path, source }
        };
        skillcert::private_fs::create_dir_all(data_dir).map_err(io(data_dir))?;
        let path = data_dir.join(REGISTRY_FILE);
        // Holder names are personal data: the file is created owner-only before SQLite opens
        // it (SQLite gives the WAL and shared-memory files the database file's mode).
        skillcert::private_fs::create_empty(&path).map_err(io(&path))?;
        let mut conn = rusqlite::Connection::open(&path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::migrate(&mut conn)?;
        let db = IssuerDb {
            store: Store::Sqlite(Mutex::new(conn)),
            path,
        };
        refuse_lost_id_secret(&mut db.lock()?, data_dir)?;
        Ok(db)
    }

    /// Opens the issuer's database of `data_dir` in the PostgreSQL database at `url`
    /// (`postgres://user@host:port/name`), migrating it under an advisory lock (processes
    /// starting together migrate once). The data dir keeps the issuer's keys and settings; every
    /// process of the issuer must use the same data dir contents and the same database.
    #[cfg(feature = "postgres")]
    pub fn open_postgres(data_dir: &Path, url: &str) -> Result<IssuerDb, IssuerDbError> {
        let pool = sql::pg::PgPool::open(url)?;
        migrations::migrate_postgres(pool.take()?.client())?;
        let db = IssuerDb {
            store: Store::Postgres(pool),
            path: data_dir.to_path_buf(),
        };
        refuse_lost_id_secret(&mut db.lock()?, data_dir)?;
        Ok(db)
    }

    /// [`IssuerDb::open_postgres`] when `database` names one, else [`IssuerDb::open`] (the
    /// embedded SQLite database in the data dir).
    pub fn open_with(data_dir: &Path, database: Option<&str>) -> Result<IssuerDb, IssuerDbError> {
        match database {
            None => IssuerDb::open(data_dir),
            #[cfg(feature = "postgres")]
            Some(url) => IssuerDb::open_postgres(data_dir, url),
            #[cfg(not(feature = "postgres"))]
            Some(_) => Err(IssuerDbError::Invalid(
                "--database: this build has no PostgreSQL support (feature `postgres`)".into(),
            )),
        }
    }

    /// Which database holds the rows: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.store {
            Store::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            Store::Postgres(_) => "postgres",
        }
    }

    /// Proves that the issuer's database file takes writes now (the readiness probe): opens it afresh
    /// (never creating it: an issuer's database file removed or moved away fails), commits its heartbeat
    /// row in a `BEGIN IMMEDIATE` transaction, waiting at most `wait` for another writer's
    /// lock. Fails on a missing, locked, read-only or full database. Does not take this
    /// registry's own connection, so a slow probe holds up nothing else.
    pub fn write_probe(&self, wait: std::time::Duration) -> Result<(), IssuerDbError> {
        use rusqlite::OpenFlags;
        #[cfg(feature = "postgres")]
        if let Store::Postgres(pool) = &self.store {
            return sql::pg::write_probe(pool.url(), wait);
        }
        let mut conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(wait)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO heartbeat (id, at) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET at = excluded.at",
            [skillcert::model::format_time(&skillcert::issuer::now_secs())],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The database file (SQLite), or the data dir (PostgreSQL).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A connection: SQLite's one, or a free one of the PostgreSQL pool (connecting it when
    /// needed).
    fn lock(&self) -> Result<Handle<'_>, IssuerDbError> {
        match &self.store {
            // A panic while holding the lock leaves SQLite consistent (transactions roll back).
            Store::Sqlite(c) => Ok(Handle::Sqlite(c.lock().unwrap_or_else(|p| p.into_inner()))),
            #[cfg(feature = "postgres")]
            Store::Postgres(pool) => Ok(Handle::Postgres(pool.take()?)),
        }
    }

    /// Issues a certificate: records it (pending, with its status entries), signs it, records
    /// the document hash. Actor `registry`.
    pub fn issue(&self, issuer: &Issuer, req: &CheckedRequest) -> Result<Issued, IssuerDbError> {
        self.issue_with(issuer, req, &IssueOptions::default())
    }

    /// [`IssuerDb::issue`] with an actor and a batch row key.
    pub fn issue_with(
        &self,
        issuer: &Issuer,
        req: &CheckedRequest,
        opts: &IssueOptions<'_>,
    ) -> Result<Issued, IssuerDbError> {
        let now = skillcert::issuer::now_secs();
        let mut claims = issuer.claims_for(req, now)?;
        queries::record(&mut self.lock()?, issuer, &mut claims, now, opts)?;
        let issued = issuer.sign_all_for(claims, opts.holder_id, now)?;
        let id = issued.claims.id_urn();
        queries::mark_signed(&mut self.lock()?, &id, &issued.document, issuer, None)?;
        Ok(issued)
    }

    /// Signs a recorded certificate again from its recorded claims: finishes a `pending` one
    /// (after a crash), or regenerates the files of an `issued` one. With the same key the
    /// result is byte-identical; after a key rotation it is signed now with the active key and
    /// the new hash is recorded.
    pub fn complete(&self, issuer: &Issuer, id: &str) -> Result<Issued, IssuerDbError> {
        let t = self.to_sign(issuer, id)?;
        let holder_id = t.holder_id.as_ref().map(|h| h.0.as_str());
        let issued = issuer.sign_all_for(t.claims, holder_id, t.at)?;
        let id = issued.claims.id_urn();
        queries::mark_signed(
            &mut self.lock()?,
            &id,
            &issued.document,
            issuer,
            t.note.as_deref(),
        )?;
        Ok(issued)
    }

    /// Ids of certificates recorded but not known to be signed (crash between record and sign).
    pub fn pending(&self) -> Result<Vec<String>, IssuerDbError> {
        queries::ids_where(&mut self.lock()?, "state = 'pending'")
    }

    /// Every certificate id, in issue order.
    pub fn ids(&self) -> Result<Vec<String>, IssuerDbError> {
        queries::ids_where(&mut self.lock()?, "1 = 1")
    }

    /// The certificate issued for a roster row key, if any.
    pub fn find_batch_key(&self, key: &str) -> Result<Option<CertificateRecord>, IssuerDbError> {
        queries::find_batch_key(&mut self.lock()?, key)
    }

    /// The issuer's database id of a certificate given by id (`urn:uuid:…` or bare UUID) or by number
    /// (case-insensitive).
    pub fn resolve(&self, id_or_number: &str) -> Result<String, IssuerDbError> {
        let s = id_or_number.trim();
        if parse_id(s).is_some() {
            return normalize_id(s);
        }
        let number = s.to_ascii_uppercase();
        if !skillcert::model::number::is_number_shape(&number) {
            return Err(IssuerDbError::BadId(s.chars().take(80).collect()));
        }
        queries::id_of_number(&mut self.lock()?, &number)?
            .ok_or_else(|| IssuerDbError::NotFound(number))
    }

    /// The certificate `id` (`urn:uuid:…` or bare UUID) or number.
    pub fn get(&self, id: &str) -> Result<CertificateRecord, IssuerDbError> {
        let id = self.resolve(id)?;
        queries::get(&mut self.lock()?, &id)
    }

    /// The claims recorded for certificate `id`; `None` when the issuer's database never recorded it
    /// (an id that is not a UUID cannot be recorded either). Verification asks this through
    /// [`IssuerDbStatusSource`], which keeps the answer while the issuer's database is unchanged.
    pub fn recorded_claims(&self, id: &str) -> Result<Option<Claims>, IssuerDbError> {
        self.recorded_text(id)?
            .map(|(id, text)| queries::parse_claims(&id, &text))
            .transpose()
    }

    /// The normalized id and recorded claims text of certificate `id`, read with one cached
    /// statement (parsed, where needed, after the connection's lock is released).
    fn recorded_text(&self, id: &str) -> Result<Option<(String, String)>, IssuerDbError> {
        let Ok(id) = normalize_id(id) else {
            return Ok(None);
        };
        let text = queries::claims_json_of(&mut self.lock()?, &id)?;
        Ok(text.map(|t| (id, t)))
    }

    /// Whether `national_id` is the ID the holder of certificate `id_or_number` was issued
    /// under: compared with the keyed hash the issuer's database recorded, or, for a certificate issued
    /// before those existed, with the legacy salted hash its claims carry. An unknown
    /// certificate, a certificate without an ID and a different ID are all `false`, after the
    /// same work (one keyed hash and one SHA-256).
    pub fn holder_check(
        &self,
        issuer: &Issuer,
        id_or_number: &str,
        national_id: &str,
    ) -> Result<bool, IssuerDbError> {
        let given = skillcert::model::normalise_holder_id(national_id);
        let key = issuer.id_key()?;
        let found = match self.resolve(id_or_number) {
            Ok(id) => queries::id_check_of(&mut self.lock()?, &id)?,
            Err(IssuerDbError::NotFound(_) | IssuerDbError::BadId(_)) => None,
            Err(e) => return Err(e),
        };
        let (mac, claims) = match found {
            Some((mac, text)) => (mac, parse_claims_text(&text)),
            None => (None, None),
        };
        let uuid = claims.as_ref().map_or(uuid::Uuid::nil(), |c| c.id);
        let by_key = key.matches(&uuid, &given, mac.as_deref().unwrap_or(""));
        // Always one SHA-256, bound or not, so that the answer takes the same work.
        let fallback = skillcert::model::IdBinding::legacy("", &uuid);
        let binding = claims.as_ref().and_then(|c| c.holder.id_binding.as_ref());
        let legacy = binding.unwrap_or(&fallback).matches(&given) & binding.is_some();
        Ok((mac.is_some() & by_key) | (mac.is_none() & legacy))
    }

    /// Every event of certificate `id`, oldest first.
    pub fn history(&self, id: &str) -> Result<Vec<Event>, IssuerDbError> {
        let id = self.resolve(id)?;
        let mut conn = self.lock()?;
        queries::get(&mut conn, &id)?;
        queries::history(&mut conn, &id)
    }

    /// Checks the issuer's database's invariants; returns the problems found (empty = consistent):
    /// SQLite integrity, two status entries per certificate matching its columns, list usage
    /// counts, status bits equal to the replay of the events, hashes of issued certificates.
    pub fn check_consistency(&self) -> Result<Vec<String>, IssuerDbError> {
        queries::check_consistency(&mut self.lock()?)
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
#[cfg(feature = "postgres")]
mod tests_pg;
