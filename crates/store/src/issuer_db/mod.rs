//! The issuer's database: every certificate ever issued and every status change, in embedded
//! SQLite (`registry.sqlite` in the data dir, WAL mode, `synchronous = FULL`, schema versioned
//! in [`migrations`]).
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
pub mod migrations;
mod queries;
mod reports;
mod status_source;

use rusqlite::Connection;
use serde::Serialize;
use skillcert::issuer::{Issued, Issuer, IssuerError};
use skillcert::model::{Claims, StatusPurpose};
use skillcert::request::CheckedRequest;
use skillcert::status::{Bitstring, StatusError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

pub use group::{HolderIdText, NewCertificate, Signed, ToSign};
pub use reports::{ReceiptCheck, Reported};
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

/// Where a certificate is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertStatus {
    /// Neither revoked nor suspended.
    Active,
    /// Suspended (may be reinstated).
    Suspended,
    /// Revoked (final).
    Revoked,
}

/// Whether the certificate has been signed yet (see the module docs on crashes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// Recorded, not (known to be) signed.
    Pending,
    /// Signed; the document hash is recorded.
    Issued,
}

/// One certificate as the issuer's database knows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateRecord {
    /// `urn:uuid:…`.
    pub id: String,
    /// Holder display name.
    pub holder_name: String,
    /// Program name.
    pub program: String,
    /// Program code.
    pub program_code: Option<String>,
    /// Level framework id.
    pub framework: String,
    /// Level value.
    pub level: String,
    /// Issue time (RFC 3339).
    pub issued_at: String,
    /// Verification method of the signing key.
    pub key_id: String,
    /// Revocation list number and index.
    pub revocation: (u64, u32),
    /// Suspension list number and index.
    pub suspension: (u64, u32),
    /// Pending or issued.
    pub state: RecordState,
    /// SHA-256 (hex) of the JCS form of the signed document.
    pub document_sha256: Option<String>,
    /// Current status.
    pub status: CertStatus,
    /// The roster row key, for certificates issued by `issue-batch`.
    pub batch_key: Option<String>,
    /// The certificate number (none for certificates recorded before numbers existed).
    pub number: Option<String>,
}

/// One event of a certificate's history.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// Sequence number (global, increasing).
    pub seq: i64,
    /// `issue`, `sign`, `revoke`, `suspend`, `reinstate`.
    pub action: String,
    /// Why.
    pub reason: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// Who (`cli:alice`, `api:…`).
    pub actor: String,
    /// The reason published with a revocation or suspension (shown to whoever verifies).
    pub public_reason: Option<String>,
}

/// One status list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ListInfo {
    /// List number (the `{n}` of `/status/{n}`).
    pub number: u64,
    /// Its purpose.
    pub purpose: StatusPurpose,
    /// Entries.
    pub size: u64,
    /// Entries allocated.
    pub used: u64,
    /// Bumped on every bit change.
    pub version: u64,
}

/// A status change ([`IssuerDb::change_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusAction {
    /// Revoke (final).
    Revoke,
    /// Suspend (may be lifted).
    Suspend,
    /// Lift a suspension.
    Reinstate,
}

impl StatusAction {
    /// The event's action word: `revoke`, `suspend`, `reinstate`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusAction::Revoke => "revoke",
            StatusAction::Suspend => "suspend",
            StatusAction::Reinstate => "reinstate",
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

/// The issuer's database in a data dir. Safe to share between threads (one connection behind a mutex);
/// several processes may open the same registry (SQLite locking, busy timeout 10 s).
#[derive(Debug)]
pub struct IssuerDb {
    conn: Mutex<Connection>,
    path: PathBuf,
}

/// Recorded claims, or `None` when the text is not a certificate.
fn parse_claims_text(text: &str) -> Option<Claims> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    Claims::from_document(&v).ok()
}

/// Parses a certificate id as people give it (command line, admin API path):
/// `urn:uuid:<uuid>` or the bare UUID, hyphenated, in either case. The one id parser of the
/// front ends; [`normalize_id`] is it for the issuer's database's keys.
pub fn parse_id(id: &str) -> Option<uuid::Uuid> {
    let bare = id.strip_prefix("urn:uuid:").unwrap_or(id);
    uuid::Uuid::parse_str(bare)
        .ok()
        .filter(|_| bare.len() == 36)
}

/// Normalises a certificate id ([`parse_id`], surrounding spaces ignored) to its database key
/// `urn:uuid:<lower-case>`.
pub fn normalize_id(id: &str) -> Result<String, IssuerDbError> {
    parse_id(id.trim())
        .map(|u| format!("urn:uuid:{}", u.hyphenated()))
        .ok_or_else(|| IssuerDbError::BadId(id.chars().take(80).collect()))
}

/// Why a status-change reason was refused ([`check_reason`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasonError {
    /// Empty or absent where a reason is required.
    Missing,
    /// Too long or with control characters (names the field).
    Invalid(skillcert::model::ModelError),
}

/// Checks the reason of a status change, for every front end: trimmed and NFC-normalised, at
/// most [`MAX_REASON_CHARS`] characters, no control characters; empty or absent is `None`,
/// or [`ReasonError::Missing`] when `required`. `field` names it in messages (`--reason` on
/// the command line, `reason` in the API).
pub fn check_reason(
    field: &str,
    reason: Option<&str>,
    required: bool,
) -> Result<Option<String>, ReasonError> {
    match reason.map(str::trim) {
        None | Some("") if required => Err(ReasonError::Missing),
        None | Some("") => Ok(None),
        Some(r) => skillcert::model::normalize_text(field, r, MAX_REASON_CHARS)
            .map(Some)
            .map_err(ReasonError::Invalid),
    }
}

/// [`check_reason`] as the issuer's database's own methods (the command line) report it.
fn cli_reason(reason: Option<&str>, required: bool) -> Result<Option<String>, IssuerDbError> {
    check_reason("--reason", reason, required).map_err(|e| match e {
        ReasonError::Missing => IssuerDbError::Invalid("--reason: a reason is required".into()),
        ReasonError::Invalid(e) => IssuerDbError::Invalid(e.to_string()),
    })
}

/// Fails when the issuer's holder-ID secret is gone while certificates carry hashes keyed
/// with it: a new secret (made on first use) would make every ID check answer "no match".
fn refuse_lost_id_secret(conn: &Connection, data_dir: &Path) -> Result<(), IssuerDbError> {
    let secret = data_dir.join(skillcert::issuer::ID_KEY_FILE);
    if secret.exists() {
        return Ok(());
    }
    let keyed: i64 = conn.query_row(
        "SELECT COUNT(*) FROM certificates WHERE holder_id_mac IS NOT NULL",
        [],
        |r| r.get(0),
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
        let mut conn = Connection::open(&path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::migrate(&mut conn)?;
        refuse_lost_id_secret(&conn, data_dir)?;
        Ok(IssuerDb {
            conn: Mutex::new(conn),
            path,
        })
    }

    /// Proves that the issuer's database file takes writes now (the readiness probe): opens it afresh
    /// (never creating it: an issuer's database file removed or moved away fails), commits its heartbeat
    /// row in a `BEGIN IMMEDIATE` transaction, waiting at most `wait` for another writer's
    /// lock. Fails on a missing, locked, read-only or full database. Does not take this
    /// registry's own connection, so a slow probe holds up nothing else.
    pub fn write_probe(&self, wait: std::time::Duration) -> Result<(), IssuerDbError> {
        use rusqlite::OpenFlags;
        let mut conn = Connection::open_with_flags(
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

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back).
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
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
        {
            let mut conn = self.lock();
            queries::record(&mut conn, issuer, &mut claims, now, opts)?;
        }
        let issued = issuer.sign_all_for(claims, opts.holder_id, now)?;
        let id = issued.claims.id_urn();
        queries::mark_signed(&self.lock(), &id, &issued.document, issuer, None)?;
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
            &self.lock(),
            &id,
            &issued.document,
            issuer,
            t.note.as_deref(),
        )?;
        Ok(issued)
    }

    /// Ids of certificates recorded but not known to be signed (crash between record and sign).
    pub fn pending(&self) -> Result<Vec<String>, IssuerDbError> {
        queries::ids_where(&self.lock(), "state = 'pending'")
    }

    /// Every certificate id, in issue order.
    pub fn ids(&self) -> Result<Vec<String>, IssuerDbError> {
        queries::ids_where(&self.lock(), "1")
    }

    /// The certificate issued for a roster row key, if any.
    pub fn find_batch_key(&self, key: &str) -> Result<Option<CertificateRecord>, IssuerDbError> {
        queries::find_batch_key(&self.lock(), key)
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
        queries::id_of_number(&self.lock(), &number)?.ok_or_else(|| IssuerDbError::NotFound(number))
    }

    /// The certificate `id` (`urn:uuid:…` or bare UUID) or number.
    pub fn get(&self, id: &str) -> Result<CertificateRecord, IssuerDbError> {
        let id = self.resolve(id)?;
        queries::get(&self.lock(), &id)
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
        let text = queries::claims_json_of(&self.lock(), &id)?;
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
            Ok(id) => queries::id_check_of(&self.lock(), &id)?,
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
        let conn = self.lock();
        queries::get(&conn, &id)?;
        queries::history(&conn, &id)
    }

    /// Revokes `id` (final). A reason is required.
    pub fn revoke(
        &self,
        id: &str,
        reason: &str,
        actor: &str,
    ) -> Result<CertificateRecord, IssuerDbError> {
        self.change_status(id, StatusAction::Revoke, Some(reason), None, actor)
    }

    /// Suspends `id`. Refused for a revoked or already suspended certificate.
    pub fn suspend(
        &self,
        id: &str,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<CertificateRecord, IssuerDbError> {
        self.change_status(id, StatusAction::Suspend, reason, None, actor)
    }

    /// Lifts a suspension of `id`. Refused for a revoked, unknown or not suspended certificate.
    pub fn reinstate(
        &self,
        id: &str,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<CertificateRecord, IssuerDbError> {
        self.change_status(id, StatusAction::Reinstate, reason, None, actor)
    }

    /// Applies a status change of `id`: `reason` is internal (required to revoke), and
    /// `public_reason` (revoke and suspend only) is shown to whoever verifies the certificate.
    /// Both are checked as [`check_reason`] does.
    pub fn change_status(
        &self,
        id: &str,
        action: StatusAction,
        reason: Option<&str>,
        public_reason: Option<&str>,
        actor: &str,
    ) -> Result<CertificateRecord, IssuerDbError> {
        let reason = cli_reason(reason, action == StatusAction::Revoke)?;
        let public_reason =
            check_reason("--public-reason", public_reason, false).map_err(|e| match e {
                ReasonError::Missing => IssuerDbError::Invalid("--public-reason: empty".into()),
                ReasonError::Invalid(e) => IssuerDbError::Invalid(e.to_string()),
            })?;
        if public_reason.is_some() && action == StatusAction::Reinstate {
            return Err(IssuerDbError::Invalid(
                "--public-reason: only a revocation or a suspension publishes a reason".into(),
            ));
        }
        let id = self.resolve(id)?;
        let actor = skillcert::model::normalize_text("actor", actor, 200)
            .map_err(|e| IssuerDbError::Invalid(e.to_string()))?;
        let mut conn = self.lock();
        queries::change(
            &mut conn,
            &id,
            action.as_str(),
            (reason.as_deref(), public_reason.as_deref()),
            &actor,
        )?;
        queries::get(&conn, &id)
    }

    /// When the status bit at `(list, idx)` was last set, and the reason published with it;
    /// `None` when the bit is clear or no event set it.
    pub fn last_change(
        &self,
        list: u64,
        idx: u32,
    ) -> Result<Option<(String, Option<String>)>, IssuerDbError> {
        queries::last_change(&self.lock(), list, idx)
    }

    /// Every status list.
    pub fn lists(&self) -> Result<Vec<ListInfo>, IssuerDbError> {
        queries::lists(&self.lock())
    }

    /// A value that differs whenever the issuer's database may have changed since it was last taken:
    /// commits by other connections or processes (`PRAGMA data_version`) and rows changed
    /// through this one. Readers that cache (the server's status checks) compare stamps.
    pub fn change_stamp(&self) -> Result<(i64, u64), IssuerDbError> {
        let conn = self.lock();
        let version: i64 = conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        Ok((version, conn.total_changes()))
    }

    /// The purpose and bits of list `list`.
    pub fn list_status_bits(&self, list: u64) -> Result<(StatusPurpose, Bitstring), IssuerDbError> {
        queries::list_bits(&self.lock(), list)
    }

    /// The signed status list credential of list `list_number` (what `GET /status/{n}` serves
    /// and `status export` writes). Cached; re-signed when a bit changed, the key changed, or
    /// less than half of the freshness limit is left.
    pub fn status_list_credential(
        &self,
        issuer: &Issuer,
        list_number: u64,
    ) -> Result<serde_json::Value, IssuerDbError> {
        queries::list_credential(&self.lock(), issuer, list_number)
    }

    /// Checks the issuer's database's invariants; returns the problems found (empty = consistent):
    /// SQLite integrity, two status entries per certificate matching its columns, list usage
    /// counts, status bits equal to the replay of the events, hashes of issued certificates.
    pub fn check_consistency(&self) -> Result<Vec<String>, IssuerDbError> {
        queries::check_consistency(&self.lock())
    }
}

#[cfg(test)]
mod tests;
