//! Arbitrary bytes as a report bundle (what a portal's `POST /api/v1/register/bundles`
//! receives) and as a receipt (what `skillcert report` receives): strict parsing, the proof,
//! the trust list look-up and every record's scope check. Must never panic; whatever comes in
//! is accepted only when signed by a key the fixed trust list names.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillcert::reporting::{verify_bundle, verify_receipt};
use skillcert::trust::{TrustList, TrustStore};
use std::sync::OnceLock;

const TRUST: &str = r#"{"type":"SkillcertTrustList","version":1,"issuers":[{"id":"did:web:fuzz.example.cn","name":"Fuzz","keys":[{"id":"did:web:fuzz.example.cn#key-1","type":"Multikey","publicKeyMultibase":"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2","validFrom":"2023-01-01T00:00:00Z","validUntil":null,"compromisedFrom":null}],"scope":{"programs":["6-18-01-01"]}}]}"#;

fn trust() -> &'static TrustStore {
    static T: OnceLock<TrustStore> = OnceLock::new();
    T.get_or_init(|| TrustList::parse(TRUST.as_bytes()).expect("fixed list").into())
}

fuzz_target!(|data: &[u8]| {
    let at = skillcert::model::parse_time("t", "2026-12-02T00:00:00Z").expect("time");
    if let Ok(b) = verify_bundle(data, trust(), at) {
        // Accepted: signed by the listed key (the fuzzer cannot forge Ed25519).
        assert_eq!(b.issuer, "did:web:fuzz.example.cn");
    }
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = verify_receipt(&v, None);
    }
});
