//! Arbitrary bytes as a credential document: form detection, strict JSON parsing, proof
//! preparation and every verifier check, with a fixed trust list (the W3C vc-di-eddsa vector
//! issuer, so seeds from `testdata/vectors/vc-di-eddsa/eddsa-jcs-2022` reach the signature
//! check) and a fixed clock. Must never panic; whatever comes in ends in exactly one verdict.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillcert_qrimage::parse_bytes;
use skillcert::trust::TrustList;
use skillcert::verify::{UnverifiedCredential, Verifier};
use std::sync::OnceLock;

const TRUST: &str = r#"{"type":"SkillcertTrustList","version":1,"issuers":[{"id":"https://vc.example/issuers/5678","name":"vector","keys":[{"id":"did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2","type":"Multikey","publicKeyMultibase":"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2","validFrom":"2023-01-01T00:00:00Z","validUntil":"2030-01-01T00:00:00Z","compromisedFrom":"2029-01-01T00:00:00Z"}]}]}"#;

fn verifier() -> &'static Verifier {
    static V: OnceLock<Verifier> = OnceLock::new();
    V.get_or_init(|| {
        let trust = TrustList::parse(TRUST.as_bytes()).expect("fixed trust list");
        let at = skillcert::model::parse_time("t", "2026-06-01T00:00:00Z").expect("time");
        Verifier::builder(trust).at_time(at).build().unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let v = verifier();
    let report = match parse_bytes(data) {
        Ok(u) => v.check(u),
        Err(e) => e.into(),
    };
    // The report always serializes (it is what `verify --json` prints).
    let _ = serde_json::to_string(&report).expect("report serializes");
    assert_eq!(
        report.valid,
        report.verdict == skillcert::verify::Verdict::Valid
    );
    // The direct document path too, and the trust list parser on the same bytes.
    if let Ok(u) = UnverifiedCredential::from_document_bytes(data) {
        let _ = u.verify(v);
    }
    let _ = TrustList::parse(data);
});
