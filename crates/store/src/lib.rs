//! # skillcert-store
//!
//! What skillcert keeps in a database, on top of the core:
//!
//! - [`issuer_db`]: the issuer's database of every certificate it issued and every status
//!   change (embedded SQLite in the data dir, or PostgreSQL shared by several processes with
//!   feature `postgres`), which also serves its status lists;
//! - [`register`]: the portal's register of what accredited issuers reported to it (SQLite, or
//!   PostgreSQL with feature `postgres`), and the national-style query over it.
//!
//! Both keep their schema versioned in code and their history append-only.
//!
//! ## Example
//!
//! An issuer and its database in one data dir: a certificate issued through the database is
//! recorded with its status entries, found again by its ID, and revoked:
//!
//! ```
//! use skillcert::issuer::Issuer;
//! use skillcert::request::IssuanceRequest;
//! use skillcert_store::issuer_db::{CertStatus, IssuerDb};
//!
//! let dir = tempfile::tempdir()?;
//! let issuer = Issuer::init(dir.path(), "Test Centre", Some("https://v.example.cn"))?;
//! let db = IssuerDb::open(dir.path())?;
//! let (_, request) = IssuanceRequest::parse(
//!     r#"{"holder": {"name": "王晓明"}, "program": {"name": "Welder"},
//!          "level": {"framework": "cn-nvq", "value": "3"}}"#
//!         .as_bytes(),
//! )?;
//! let issued = db.issue(&issuer, &request)?;
//! assert_eq!(issued.claims.status.len(), 2, "a revocation and a suspension entry");
//!
//! let id = issued.claims.id_urn();
//! let record = db.get(&id)?;
//! assert_eq!((record.holder_name.as_str(), record.status), ("王晓明", CertStatus::Active));
//! db.revoke(&id, "issued in error", "cli:admin")?;
//! assert_eq!(db.get(&id)?.status, CertStatus::Revoked);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
// Reports are returned by value on the cold path; boxing them buys nothing measurable.
#![allow(clippy::result_large_err)]

pub mod issuer_db;
pub mod register;
#[cfg(test)]
#[cfg(feature = "postgres")]
mod test_pg;
