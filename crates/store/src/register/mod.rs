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

/// A register over one database.
pub struct Register {
    db: Box<dyn Db>,
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
        let db: Box<dyn Db> = match url {
            None => Box::new(sqlite::SqliteDb::open(&dir.join("register.sqlite"))?),
            #[cfg(feature = "postgres")]
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                Box::new(pg::PgDb::open(u)?)
            }
            Some(u) => {
                return Err(DbError::Config(format!(
                    "--database {}: not a postgres:// URL this build can use",
                    u.split('@').next_back().unwrap_or("")
                )))
            }
        };
        let secret = dir.join(REGISTER_ID_KEY_FILE);
        if !secret.exists() {
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
        Ok(Register { db, id_key })
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
        let items: Vec<StoredItem> = bundle
            .items
            .iter()
            .map(|i| StoredItem::of(&bundle.issuer, i, &self.id_key))
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
        &self,
        number: &str,
        owns: &dyn Fn(&str, &str) -> bool,
    ) -> Result<Vec<(db::Row, ReportedCertificate)>, DbError> {
        let mut latest: Vec<(db::Row, ReportedCertificate)> = Vec::new();
        for row in self.db.by_number(number)? {
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
        let mut out: Vec<Found> = Vec::new();
        for (row, record) in self.latest_owned(number, owns)? {
            if norm_name(&record.holder_name) != want {
                continue;
            }
            if id.is_some_and(|i| !record.id_matches(&self.id_key, i)) {
                continue;
            }
            let changes = self
                .db
                .changes(&row.issuer, &record.credential_id)?
                .iter()
                .filter_map(|b| match serde_json::from_str::<Item>(b) {
                    Ok(Item::Status(s)) => Some(s),
                    _ => None,
                })
                .collect();
            let first = self.db.first_received(&row.issuer, &record.credential_id)?;
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
            self.latest_owned(&number, owns)?
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

#[cfg(test)]
mod tests;
