//! Shared set-up of the forms tests: the reference certificate issued by a did:web issuer.
#![allow(dead_code)]

use chrono::{DateTime, Utc};
use skillcert::issuer::{now_secs, Issued, Issuer};
use skillcert::model::{reference::reference_claims, StatusRef};
use skillcert::verify::{StatusBit, StatusLookupError, StatusSource, Verifier};
use std::sync::Arc;

pub use crate::files::{read_dir, read_file, read_text};

/// Status source answering every entry with the same bit.
pub struct FixedStatus(pub bool);

impl StatusSource for FixedStatus {
    fn status(
        &self,
        _: &StatusRef,
        _: &str,
        _: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        Ok(StatusBit {
            set: self.0,
            stale: false,
            source: "test list".into(),
            change: None,
        })
    }
}

/// An issuer like the reference certificate's, and the reference certificate in all forms.
pub fn reference() -> (tempfile::TempDir, Issuer, Issued) {
    let bytes = read_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/reference/reference-certificate.json"
    ));
    let claims = reference_claims(&bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::init(
        dir.path(),
        &claims.issuer.name,
        claims.issuer.url.as_deref(),
    )
    .unwrap();
    assert_eq!(issuer.profile(), claims.issuer);
    let issued = issuer.sign_all(claims, now_secs()).unwrap();
    (dir, issuer, issued)
}

/// A verifier trusting `issuer`, with every status bit `set`.
pub fn verifier(issuer: &Issuer, set: bool) -> Verifier {
    Verifier::builder(issuer.trust_list())
        .status_source(Arc::new(FixedStatus(set)))
        .build()
        .unwrap()
}
