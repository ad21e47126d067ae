//! Credential core speed: signing the reference certificate (claims → signed document) and
//! verifying it (bytes → report `valid`), next to raw Ed25519 sign / verify_strict of a 64-byte
//! message (the message `eddsa-jcs-2022` signs), so the JSON/JCS/SHA-256 overhead is visible.
//!
//! `cargo bench --bench core -- --warm-up-time 1 --measurement-time 3`

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc; // as in the binary

use chrono::{DateTime, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ed25519_dalek::{Signer, SigningKey};
use skillcert::keys::{self, SecretKey};
use skillcert::model::{reference::reference_claims, StatusRef};
use skillcert::proof;
use skillcert::trust::TrustList;
use skillcert::verify::{
    StatusBit, StatusLookupError, StatusSource, UnverifiedCredential, Verdict, Verifier,
};
use std::sync::Arc;

const VM: &str = "did:web:verify.skills.example.cn#key-1";
const SEED: [u8; 32] = [0x5c; 32];

/// Every status bit clear and fresh, so the reference certificate's two entries pass.
struct AllClear;
impl StatusSource for AllClear {
    fn status(
        &self,
        e: &StatusRef,
        _: &str,
        _: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        Ok(StatusBit {
            set: false,
            stale: false,
            source: e.list_url.clone(),
            change: None,
        })
    }
}

fn bench(c: &mut Criterion) {
    let json = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/reference/reference-certificate.json"
    ))
    .expect("testdata/ in the repository");
    let claims = reference_claims(&json).unwrap();
    let key = SecretKey::from_seed(&SEED);
    let created = claims.valid_from;

    c.bench_function("sign reference (claims -> signed document)", |b| {
        b.iter(|| proof::sign(&black_box(&claims).to_document(), &key, VM, &created).unwrap())
    });

    let doc = proof::sign(&claims.to_document(), &key, VM, &created).unwrap();
    let bytes = serde_json::to_vec(&doc).unwrap();
    let trust = format!(
        r#"{{"type":"SkillcertTrustList","version":1,"issuers":[{{"id":"did:web:verify.skills.example.cn","name":"ref","keys":[{{"id":"{VM}","type":"Multikey","publicKeyMultibase":"{}","validFrom":null,"validUntil":null,"compromisedFrom":null}}]}}]}}"#,
        keys::public_multibase(&key.public())
    );
    let verifier = Verifier::builder(TrustList::parse(trust.as_bytes()).unwrap())
        .status_source(Arc::new(AllClear))
        .at_time(created + chrono::Duration::days(1))
        .build()
        .unwrap();
    let check = |b: &[u8]| {
        verifier
            .check(UnverifiedCredential::from_document_bytes(b).unwrap())
            .verdict
    };
    assert_eq!(check(&bytes), Verdict::Valid);
    c.bench_function("verify reference (bytes -> report valid)", |b| {
        b.iter(|| assert_eq!(check(black_box(&bytes)), Verdict::Valid))
    });

    let sk = SigningKey::from_bytes(&SEED);
    let pk = sk.verifying_key();
    let msg = [0xa5u8; 64];
    let sig = sk.sign(&msg);
    c.bench_function("ed25519-dalek sign 64 B", |b| {
        b.iter(|| sk.sign(black_box(&msg)))
    });
    c.bench_function("ed25519-dalek verify_strict 64 B", |b| {
        b.iter(|| pk.verify_strict(black_box(&msg), &sig).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
