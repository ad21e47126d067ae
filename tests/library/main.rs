//! The library's own tests, in one test binary: conformance against the shared vectors
//! (`../shared/vectors`) and our format vectors (`tests/vectors/`), the three forms, QR
//! images, JSON Schemas, and the hostile trust-list cases. Helpers in `common`.

#![forbid(unsafe_code)]

mod common;
mod conformance_eddsa;
mod conformance_jcs;
mod conformance_keys;
mod conformance_vcdm;
mod forms_equivalence;
mod hostile_trust;
mod qr_images;
mod qr_roundtrip;
mod qr_vectors;
mod qr_zbar;
mod schemas;
mod status_vectors;
mod token_vectors;
