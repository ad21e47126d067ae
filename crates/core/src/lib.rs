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
//! # Where this crate sits
//!
//! This is the core of a workspace whose crate graph is the architecture
//! (`docs/ARCHITECTURE.md`): the certificate model, proofs (the canonical forms come from
//! `skillcert-canon`, re-exported as [`jcs`] and [`rdfc`]), the token and QR *text* codecs,
//! status lists, trust, verification and the issuer's data dir. It never prints or exits and
//! depends on no network, database, image, PDF or async crate. Signing goes through
//! [`signer::Signer`] (the [`issuer::Issuer`] is one). Above it: `skillcert-qrimage` (QR
//! photos and pictures), `skillcert-online` (status lists over HTTP), `skillcert-store` (the
//! issuer's database and the portal's register), `skillcert-print` (PDF pages),
//! `skillcert-server` and the `skillcert` binary (`skillcert-cli`).
//!
//! Feature `openapi` derives OpenAPI schemas (utoipa) for the verification report's types.
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
pub mod input;
pub mod issuer;
pub mod keys;
pub mod model;
pub mod private_fs;
pub mod proof;
pub mod qr;
pub mod reporting;
pub mod request;
pub mod roster;
pub mod signer;
pub mod status;
pub mod token;
pub mod trust;
pub mod vcdm;
pub mod verify;

pub use skillcert_canon::{jcs, rdfc};
