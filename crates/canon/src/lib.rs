//! # skillcert-canon
//!
//! The canonical forms a skillcert signature is made over, each a pure function of its input:
//!
//! - [`jcs`]: the JSON Canonicalization Scheme (RFC 8785), for `eddsa-jcs-2022` and the
//!   token's and QR's signed bytes;
//! - [`rdfc`]: JSON-LD expansion of the credential vocabularies we bundle and RDF Dataset
//!   Canonicalization (RDFC-1.0), for `eddsa-rdfc-2022`, with limits on untrusted input.
//!
//! ```
//! let v: serde_json::Value = serde_json::from_str(r#"{"b": 1e3, "a": "\u00e9"}"#).unwrap();
//! assert_eq!(skillcert_canon::jcs::canonicalize(&v).unwrap(), r#"{"a":"é","b":1000}"#.as_bytes());
//! ```
#![forbid(unsafe_code)]

pub mod jcs;
pub mod rdfc;
