//! The verifier's secure defaults and their named opt-outs.

use skillcert::issuer::Issuer;
use skillcert::trust::TrustList;
use skillcert::verify::{UnverifiedCredential, Verdict, Verifier, VerifierError};

fn issuer() -> (tempfile::TempDir, Issuer) {
    let dir = tempfile::tempdir().unwrap();
    let i = Issuer::init(dir.path(), "Test Centre", Some("https://v.example.cn")).unwrap();
    (dir, i)
}

#[test]
fn build_refuses_an_empty_trust_list_unless_asked() {
    let e = Verifier::builder(TrustList::empty()).build().unwrap_err();
    assert_eq!(e, VerifierError::EmptyTrustList);
    assert!(e.to_string().contains("allow_empty_trust_list"), "{e}");
    // An issuer that lists no key is as empty.
    let (_d, i) = issuer();
    let mut t = i.trust_list();
    t.issuers[0].keys.clear();
    assert!(Verifier::builder(t.clone()).build().is_err());
    assert!(Verifier::builder(t)
        .allow_empty_trust_list()
        .build()
        .is_ok());
    assert!(Verifier::builder(i.trust_list()).build().is_ok());
}

#[test]
fn no_trust_at_all_is_untrusted_issuer() {
    let (_d, i) = issuer();
    let (_, req) = skillcert::request::IssuanceRequest::parse(
        br#"{"holder": {"name": "Wang"}, "program": {"name": "CNC", "code": "6-18-01-01"},
             "level": {"framework": "cn-nvq", "value": "2"}}"#,
    )
    .unwrap();
    let issued = i.issue_unregistered(&req).unwrap();
    let v = Verifier::builder(TrustList::empty())
        .allow_empty_trust_list()
        .build()
        .unwrap();
    let u = UnverifiedCredential::from_document(&issued.document).unwrap();
    assert_eq!(v.check(u).verdict, Verdict::UntrustedIssuer);
}
