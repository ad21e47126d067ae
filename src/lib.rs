//! # skillcert
//!
//! Issue and verify vocational skill certificates as W3C Verifiable Credentials 2.0 that are
//! also Open Badges 3.0 `OpenBadgeCredential`s, signed with Ed25519 (`eddsa-jcs-2022` and
//! `eddsa-rdfc-2022` Data Integrity proofs).
//!
//! Untrusted input becomes an [`verify::UnverifiedCredential`]; only a [`verify::Verifier`]
//! turns it into a [`verify::VerifiedCredential`], and every check ends in one
//! [`verify::Verdict`].
//!
//! # Features
//!
//! The core (no feature) holds the certificate model, canonical JSON and proofs, the token and
//! QR *text* codecs, status lists, trust, verification and the issuer's data dir, and depends on
//! no network, database, image or async crate. Signing goes through [`signer::Signer`] (the
//! [`issuer::Issuer`] is one). The default build adds:
//!
//! - `registry`: the issuer's SQLite registry (`registry`), also a status source;
//! - `http`: fetching status lists over HTTP(S) (`status::http`);
//! - `images`: QR images, read from photos and rendered (`qr::read`, `qr::render`);
//! - `pdf`: printed certificates, one A4 PDF page each (`pdf`; implies `images`);
//! - `server`: the HTTP service (`server`; implies `registry`, `images`);
//! - `cli`: the command line and the `skillcert` binary (`cli`; implies all of the above).
//!
//! The module graph has no cycle and points one way (model ← proofs ← verification ← forms ←
//! issuer ← status ← registry ← server ← cli); `tests/architecture.rs` checks it.
//! `examples/verify_core.rs` verifies with the core alone (`--no-default-features`), as does
//! this example:
//!
//! ```
//! use skillcert::{issuer::Issuer, request::IssuanceRequest, verify::{UnverifiedCredential, Verifier, Verdict}};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let issuer = Issuer::init(dir.path(), "Demo Assessment Centre", Some("https://verify.example.cn")).unwrap();
//! let (_, req) = IssuanceRequest::parse(r#"{
//!     "holder": {"name": "王晓明", "name_latin": "Wang Xiaoming"},
//!     "program": {"name": "数控铣工 CNC Milling Operator", "code": "6-18-01-01"},
//!     "level": {"framework": "cn-nvq", "value": "2"}
//! }"#.as_bytes()).unwrap();
//! let issued = issuer.issue_unregistered(&req).unwrap();
//!
//! let bytes = serde_json::to_vec(&issued.document).unwrap();
//! let verifier = Verifier::builder(issuer.trust_list()).build().unwrap();
//! let verified = UnverifiedCredential::from_document_bytes(&bytes).unwrap().verify(&verifier).unwrap();
//! let report = verified.report();
//! assert_eq!(report.verdict, Verdict::Valid);
//! assert_eq!(report.summary.holder.as_deref(), Some("王晓明"));
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Reports are returned by value on the cold path; boxing them buys nothing measurable.
#![allow(clippy::result_large_err)]

pub mod authority;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "server")]
pub mod html;
pub mod input;
pub mod issuer;
pub mod jcs;
pub mod keys;
pub mod model;
#[cfg(feature = "pdf")]
pub mod pdf;
#[cfg(feature = "pdf")]
pub mod printing;
pub mod private_fs;
pub mod proof;
pub mod qr;
pub mod rdfc;
#[cfg(feature = "registry")]
pub mod register;
#[cfg(feature = "registry")]
pub mod registry;
pub mod reporting;
pub mod request;
#[cfg(feature = "server")]
pub mod roster;
#[cfg(feature = "server")]
pub mod server;
pub mod signer;
pub mod status;
pub mod token;
pub mod trust;
pub mod vcdm;
pub mod verify;
