//! Revocation and suspension with W3C Bitstring Status List v1.0.
//!
//! - [`bitstring`]: the GZIP + multibase bitstring, with decoding caps.
//! - [`credential`]: status list credentials (`BitstringStatusListCredential`) signed with
//!   `eddsa-jcs-2022`: build and sign, parse and check against a trust list.
//! - [`source`]: [`crate::verify::StatusSource`] for status list files; with the `http`
//!   feature, `http`: fetching over HTTP with an HTTP cache (`http_cache`).
//!
//! Each list has one purpose (`revocation` or `suspension`) and a number; its credential is
//! served at `{public_url}/status/{number}` and exported as `{number}.json`.

pub mod bitstring;
pub mod credential;
pub mod source;

pub use bitstring::{Bitstring, MIN_LIST_BITS};
pub use credential::{CheckedList, StatusListCredential};
pub use source::FileStatusSource;

/// Why a status list could not be read, built or fetched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StatusError {
    /// The `encodedList` is not multibase base64url GZIP data within the size limits.
    #[error("{0}")]
    Encoding(String),
    /// The list is shorter than the specification's minimum.
    #[error("{0}")]
    Length(String),
    /// A member of the status list credential is missing or wrong; names it.
    #[error("{0}")]
    Field(String),
    /// A file could not be read.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// Signing failed.
    #[error(transparent)]
    Proof(#[from] crate::proof::ProofError),
}
