//! The portal's register: what accredited issuers reported, append-only, and the national-style
//! query over it. Embedded SQLite by default (`DATA_DIR/register.sqlite`), PostgreSQL with
//! `--database postgres://…` (feature `postgres`); one schema, migrations versioned in code
//! ([`db::MIGRATIONS`]), the same tests on both.
//!
//! - [`Register::ingest`]: a bundle checked by [`skillcert::reporting::verify_bundle`] is stored in
//!   one transaction with the receipt the portal signs for it. An item already held (same
//!   issuer, key and digest) is not stored again; a bundle received before gets the receipt it
//!   got then. So a resent or interrupted report is harmless, and several portal processes
//!   may ingest into one PostgreSQL at once (the unique constraints decide).
//! - A status change is accepted only for a certificate the register holds (from an earlier
//!   bundle or earlier in the same bundle); otherwise the whole bundle is refused.
//! - Items are never updated or deleted (triggers refuse it); a correction is a new item.
//! - [`Register::query`]: by certificate number **and** holder name (an ID number, if given,
//!   must match the keyed hash, [`REGISTER_ID_KEY_FILE`]); "no such certificate", "name does not match" and "ID does not
//!   match" are one and the same answer.
//! - A read replica ([`Register::open_with_replica`], PostgreSQL only): the query and the
//!   online ID check read the replica, where a lag of a moment is harmless (the register is
//!   already as late as the issuers' reporting schedule); everything whose answer must be
//!   current reads the primary: ingestion (its receipt lookup, and the orphan and number checks
//!   inside its transaction), the export, counts, and the check of the holder-ID secret at
//!   start. When the replica cannot be reached the reads go to the primary; when the primary
//!   cannot be reached ingestion fails with [`DbError::Unavailable`] and stores nothing, and
//!   the next ingestion reconnects.

mod db;
#[cfg(feature = "postgres")]
mod pg;
mod sqlite;

pub use db::{Db, DbError, Refused, StoredItem, MAX_ROWS_PER_NUMBER, MIGRATIONS};

use chrono::{DateTime, Utc};
use serde::Serialize;
use skillcert::reporting::{
    sign_receipt, Item, ReportedCertificate, ReportedStatusChange, VerifiedBundle,
};
use skillcert::signer::Signer;
use std::path::Path;

/// A register over one database (and, optionally, a read replica of it).
pub struct Register {
    /// The primary: every write, and the reads that must be current.
    db: Box<dyn Db>,
    /// The read replica of the query and the ID check, if any.
    replica: Option<Box<dyn Db>>,
    /// The register's holder-ID secret (`keys/register-id.secret`).
    id_key: skillcert::keys::IdKey,
}

/// The register's holder-ID secret, relative to the portal's data dir. Portal instances that
/// share one PostgreSQL register must share this file too.
pub const REGISTER_ID_KEY_FILE: &str = "keys/register-id.secret";

impl std::fmt::Debug for Register {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Register")
            .field("backend", &self.db.backend())
            .field("replica", &self.replica.is_some())
            .finish()
    }
}

/// Why a bundle was not stored (nothing of it was).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// A status change for a certificate the register does not hold.
    #[error("items[{index}]: status change of {credential}, which this register does not hold (report the certificate first)")]
    UnknownCertificate {
        /// Index of the item.
        index: usize,
        /// The certificate.
        credential: String,
    },
    /// A record under a number its issuer already gave another certificate.
    #[error("items[{index}]: number {number} is already the number of another certificate of this issuer")]
    NumberTaken {
        /// Index of the item.
        index: usize,
        /// The number.
        number: String,
    },
    /// The receipt could not be signed.
    #[error("receipt: {0}")]
    Receipt(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// One certificate the query found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Found {
    /// The issuer that reported it.
    pub issuer: String,
    /// The latest record of it.
    pub record: ReportedCertificate,
    /// Its status changes as reported, oldest first.
    pub changes: Vec<ReportedStatusChange>,
    /// When the register first received it.
    pub first_reported: String,
}

/// Normalises a holder name for comparison: NFC-insensitive enough for what people type:
/// surrounding and repeated white space ignored, Latin letters case-folded.
fn norm_name(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Register {
    /// The register at `url` (`postgres://…`), or in `dir/register.sqlite` when `url` is
    /// `None`. Migrates the schema.
    pub fn open(dir: &Path, url: Option<&str>) -> Result<Register, DbError> {
        Register::open_with_replica(dir, url, None)
    }

    /// The register at `url` whose query and ID check read the hot standby at `read_url`
    /// (both PostgreSQL; see the module's notes for which reads go where). Either may be down
    /// at start, not both: with the primary down, the portal answers from the replica and
    /// refuses ingestion until the primary answers (then migrates it, if it must).
    pub fn open_with_replica(
        dir: &Path,
        url: Option<&str>,
        read_url: Option<&str>,
    ) -> Result<Register, DbError> {
        let (db, replica) = match (url, read_url) {
            (None, None) => (
                Box::new(sqlite::SqliteDb::open(&dir.join("register.sqlite"))?) as Box<dyn Db>,
                None,
            ),
            (None, Some(_)) => {
                return Err(DbError::Config(
                    "a read replica (--read-database) needs the primary's --database".into(),
                ))
            }
            (Some(u), r) => open_pg(u, r)?,
        };
        let secret = dir.join(REGISTER_ID_KEY_FILE);
        if !secret.exists() {
            // The primary's answer (a replica's may be behind); none: could not check.
            let keyed = db.keyed()?;
            if keyed > 0 {
                return Err(DbError::Config(format!(
                    "{} is missing while the register holds {keyed} record(s) with ID hashes \
                     keyed with it: restore it (portal instances sharing a register share it; \
                     a new secret would make every ID check fail)",
                    secret.display()
                )));
            }
        }
        let id_key = skillcert::keys::IdKey::load_or_create(&secret)
            .map_err(|e| DbError::Config(format!("register secret: {e}")))?;
        Ok(Register {
            db,
            replica,
            id_key,
        })
    }

    /// Whether the query and the ID check read a replica.
    pub fn has_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// Runs the reads of `f` on the replica, or on the primary when there is none or it
    /// cannot be reached: on one database for the whole of `f`.
    fn read<T>(&self, f: impl Fn(&dyn Db) -> Result<T, DbError>) -> Result<T, DbError> {
        if let Some(r) = &self.replica {
            match f(r.as_ref()) {
                Err(DbError::Unavailable(_)) => {}
                other => return other,
            }
        }
        f(self.db.as_ref())
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.db.backend()
    }

    /// Stores a verified bundle and returns the portal's receipt for it (the earlier one when
    /// the same bundle came before).
    pub fn ingest(
        &self,
        bundle: &VerifiedBundle,
        portal: &dyn Signer,
        now: DateTime<Utc>,
    ) -> Result<serde_json::Value, IngestError> {
        let did = skillcert::reporting::portal_did(portal);
        if let Some(r) = self.db.receipt_for(&bundle.digest, &did)? {
            return Ok(r);
        }
        let receipt =
            sign_receipt(portal, bundle, now).map_err(|e| IngestError::Receipt(e.to_string()))?;
        // The receipt lists every item's digest in order: computed once, for both.
        let digests = receipt.get("items").and_then(|v| v.as_array());
        let digest = |i: usize, item: &Item| {
            let listed = digests?.get(i)?;
            (listed.get("item")?.as_str()? == item.key())
                .then(|| Some(listed.get("digest")?.as_str()?.to_owned()))?
        };
        let items: Vec<StoredItem> = bundle
            .items
            .iter()
            .enumerate()
            .map(|(n, i)| StoredItem::with_digest(i, &self.id_key, digest(n, i)))
            .collect();
        let stored = self.db.ingest(
            &bundle.issuer,
            &bundle.digest,
            &did,
            &items,
            &receipt,
            &skillcert::model::format_time(&now),
        )?;
        match stored {
            Ok(r) => Ok(r),
            Err(Refused::Orphan(index)) => Err(IngestError::UnknownCertificate {
                index,
                credential: bundle.items[index].credential_id().to_owned(),
            }),
            Err(Refused::NumberTaken(index)) => Err(IngestError::NumberTaken {
                index,
                number: items[index].number.clone().unwrap_or_default(),
            }),
        }
    }

    /// The latest record of each certificate under `number` (a correction replaces the view,
    /// never the stored item) whose issuer `owns(issuer, number)`, with its row.
    fn latest_owned(
        db: &dyn Db,
        number: &str,
        owns: &dyn Fn(&str, &str) -> bool,
    ) -> Result<Vec<(db::Row, ReportedCertificate)>, DbError> {
        let mut latest: Vec<(db::Row, ReportedCertificate)> = Vec::new();
        for row in db.by_number(number)? {
            if !owns(&row.issuer, number) {
                continue;
            }
            let Ok(Item::Certificate(r)) = serde_json::from_str::<Item>(&row.body) else {
                continue;
            };
            latest.retain(|(w, x)| x.credential_id != r.credential_id || w.issuer != row.issuer);
            latest.push((row, *r));
        }
        Ok(latest)
    }

    /// The certificates with this number whose holder name is `name` (and whose keyed ID hash
    /// matches `id`, if given), reported by an issuer that `owns(issuer, number)` (the
    /// portal's trust lists give it the number: [`skillcert::trust::TrustStore::owns_number`]);
    /// the latest records as anyone may see them. Empty for every kind of mismatch alike.
    pub fn query(
        &self,
        number: &str,
        name: &str,
        id: Option<&str>,
        owns: &dyn Fn(&str, &str) -> bool,
    ) -> Result<Vec<Found>, DbError> {
        let number = number.trim();
        if number.is_empty() || number.len() > 64 || name.trim().is_empty() || name.len() > 400 {
            return Ok(Vec::new());
        }
        let want = norm_name(name);
        self.read(|db| self.query_on(db, number, &want, id, owns))
    }

    /// [`Register::query`] on `db`, for the normalised name `want`.
    fn query_on(
        &self,
        db: &dyn Db,
        number: &str,
        want: &str,
        id: Option<&str>,
        owns: &dyn Fn(&str, &str) -> bool,
    ) -> Result<Vec<Found>, DbError> {
        let mut out: Vec<Found> = Vec::new();
        for (row, record) in Register::latest_owned(db, number, owns)? {
            if norm_name(&record.holder_name) != want {
                continue;
            }
            if id.is_some_and(|i| !record.id_matches(&self.id_key, i)) {
                continue;
            }
            let changes = db
                .changes(&row.issuer, &record.credential_id)?
                .iter()
                .filter_map(|b| match serde_json::from_str::<Item>(b) {
                    Ok(Item::Status(s)) => Some(s),
                    _ => None,
                })
                .collect();
            let first = db.first_received(&row.issuer, &record.credential_id)?;
            out.push(Found {
                issuer: row.issuer,
                record: record.to_public(),
                changes,
                first_reported: first.unwrap_or(row.received_at),
            });
        }
        Ok(out)
    }

    /// Whether `national_id` is the ID of a certificate the register holds under `number`
    /// (the latest record of each certificate whose issuer `owns` the number, as for
    /// [`Register::query`]), by the keyed hash. Unknown numbers and certificates reported
    /// without an ID are `false`, after at least one keyed hash.
    pub fn holder_check(
        &self,
        number: &str,
        national_id: &str,
        owns: &dyn Fn(&str, &str) -> bool,
    ) -> Result<bool, DbError> {
        let number = number.trim().to_ascii_uppercase();
        let latest = if number.is_empty() || number.len() > 64 {
            Vec::new()
        } else {
            self.read(|db| Register::latest_owned(db, &number, owns))?
        };
        let mut found = false;
        for (_, r) in &latest {
            found |= r.id_matches(&self.id_key, national_id);
        }
        if latest.is_empty() {
            // The same work as for one record.
            let dummy = ReportedCertificate::placeholder();
            found &= dummy.id_matches(&self.id_key, national_id);
        }
        Ok(found)
    }

    /// Every stored item in order, for the department's systems and its auditors: certificate
    /// records carry the register's keyed ID hash, never an ID or an unkeyed hash of one (a
    /// legacy `holderIdHash` is left out).
    pub fn export(
        &self,
        each: &mut dyn FnMut(&db::Row) -> Result<(), DbError>,
    ) -> Result<u64, DbError> {
        self.db.export(&mut |row| {
            if row.kind != "certificate" {
                return each(row);
            }
            let mut row = row.clone();
            if let Ok(Item::Certificate(mut r)) = serde_json::from_str::<Item>(&row.body) {
                r.holder_id_hash = None;
                r.holder_id = None;
                r.holder_id_nonce = None;
                row.body = serde_json::to_string(&Item::Certificate(r)).unwrap_or_default();
            }
            each(&row)
        })
    }

    /// Items held.
    pub fn count(&self) -> Result<u64, DbError> {
        self.db.count()
    }
}

/// A register's primary and its replica, if any.
type PrimaryAndReplica = (Box<dyn Db>, Option<Box<dyn Db>>);

/// The primary at `url` and the replica at `read_url` (PostgreSQL): each connected now, and
/// either may be down at start when the other answers.
fn open_pg(url: &str, read_url: Option<&str>) -> Result<PrimaryAndReplica, DbError> {
    let postgres = |u: &str, flag: &str| {
        if u.starts_with("postgres://") || u.starts_with("postgresql://") {
            Ok(())
        } else {
            Err(DbError::Config(format!(
                "{flag} {}: not a postgres:// URL this build can use",
                u.split('@').next_back().unwrap_or("")
            )))
        }
    };
    postgres(url, "--database")?;
    if let Some(r) = read_url {
        postgres(r, "--read-database")?;
    }
    #[cfg(feature = "postgres")]
    {
        let primary = pg::PgDb::new(url, pg::Role::Primary)?;
        let Some(r) = read_url else {
            primary.connect_now()?;
            return Ok((Box::new(primary), None));
        };
        let replica = pg::PgDb::new(r, pg::Role::Replica)?;
        // Down is allowed for one of them; any other failure (role, password, schema) is not.
        let answers = |x: Result<(), DbError>| match x {
            Ok(()) => Ok(true),
            Err(DbError::Unavailable(_)) => Ok(false),
            Err(e) => Err(e),
        };
        let (p, r) = (
            answers(primary.connect_now())?,
            answers(replica.connect_now())?,
        );
        if !p && !r {
            return Err(DbError::Unavailable(
                "neither the primary (--database) nor the replica (--read-database) answers".into(),
            ));
        }
        Ok((Box::new(primary), Some(Box::new(replica))))
    }
    #[cfg(not(feature = "postgres"))]
    Err(DbError::Config(
        "this build has no PostgreSQL support".into(),
    ))
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_batch;
#[cfg(test)]
#[cfg(feature = "postgres")]
mod tests_replica;
