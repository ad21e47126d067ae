//! Arbitrary bytes as a scheme's trust list: strict parsing, the anchor's proof check,
//! freshness, and verification of a fixed certificate under whatever the list says (scope,
//! accreditation window, keys). Must never panic; a list counts only when the fixed anchor
//! signed it, so a mutated list that still counts must be byte-for-byte a signed one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillcert::keys::{did_key_vm, SecretKey};
use skillcert::trust::{Standing, TrustAnchor, TrustList, TrustSource, TrustStore};
use skillcert::verify::Verifier;
use std::sync::OnceLock;

/// The anchor: the key with seed [7; 32] (the seed corpus is signed with it).
fn anchor() -> &'static TrustAnchor {
    static A: OnceLock<TrustAnchor> = OnceLock::new();
    A.get_or_init(|| {
        let k = SecretKey::from_seed(&[7; 32]);
        TrustAnchor::new(&did_key_vm(&k.public()), k.public())
    })
}

fuzz_target!(|data: &[u8]| {
    let at = skillcert::model::parse_time("t", "2026-12-02T00:00:00Z").expect("time");
    let _ = TrustList::parse(data);
    let Ok(source) = TrustSource::anchored(data, anchor(), "fuzz") else {
        return;
    };
    let _ = source.in_force(at);
    let _ = source.describe();
    if let Standing::Signed(_) = source.standing() {
        // Only the anchor's key can make a list count.
        assert!(data.windows(10).any(|w| w == b"proofValue"));
    }
    let _ = source.list().to_value();
    let store = TrustStore::from(source);
    let _ = store.merged();
    let v = Verifier::builder(store)
        .at_time(at)
        .allow_empty_trust_list()
        .build()
        .expect("allowed");
    // A token whose issuer and key the seed list names (signed by the seed issuer key).
    if let Ok(u) = skillcert_qrimage::parse_bytes(include_bytes!("../seeds/trust_list_token.txt")) {
        let r = v.check(u);
        assert_eq!(r.valid, r.verdict == skillcert::verify::Verdict::Valid);
    }
});
