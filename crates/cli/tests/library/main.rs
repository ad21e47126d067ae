//! The library's own tests, in one test binary: conformance against the shared vectors
//! (`testdata/vectors`) and our format vectors (`tests/vectors/`), the three forms, QR
//! images, JSON Schemas, the hostile trust-list cases, the verifier's secure defaults, and the
//! module graph of `src/` (`architecture`). Helpers in `common`.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#![forbid(unsafe_code)]

mod common;
mod conformance_eddsa;
mod conformance_jcs;
mod conformance_keys;
mod conformance_rdfc;
mod conformance_vcdm;
#[path = "../support/files.rs"]
mod files;
mod forms_equivalence;
mod hostile_trust;
mod interop_di;
mod interop_digitalbazaar;
mod interop_jose;
mod interop_jsonld;
mod interop_scheme;
mod pdf_print;
mod privacy;
mod privacy_scan;
mod proof_sets;
mod qr_images;
mod qr_photos;
mod qr_roundtrip;
mod qr_vectors;
mod qr_zbar;
mod rdfc_display;
mod schemas;
mod schemes;
mod speccheck;
mod status_vectors;
mod token_vectors;
mod tooling;
mod verifier_defaults;
