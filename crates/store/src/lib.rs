//! # skillcert-store
//!
//! What skillcert keeps in a database, on top of the core:
//!
//! - [`registry`]: the issuer's database of every certificate it issued and every status
//!   change (embedded SQLite in the data dir), which also serves its status lists;
//! - [`register`]: the portal's register of what accredited issuers reported to it (SQLite, or
//!   PostgreSQL with feature `postgres`), and the national-style query over it.
//!
//! Both keep their schema versioned in code and their history append-only.
#![forbid(unsafe_code)]
// Reports are returned by value on the cold path; boxing them buys nothing measurable.
#![allow(clippy::result_large_err)]

pub mod issuer_db;
pub mod register;
