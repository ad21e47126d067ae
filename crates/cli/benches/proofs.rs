//! Signing and verifying the reference certificate with the default proof set
//! (`eddsa-jcs-2022` + `eddsa-rdfc-2022`) against `eddsa-jcs-2022` alone, and the RDFC-1.0
//! canonicalization of the document by itself, so the cost of the second proof is visible.
//!
//! `cargo bench --bench proofs -- --warm-up-time 1 --measurement-time 3`

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc; // as in the binary

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use skillcert::keys::{self, SecretKey};
use skillcert::model::reference::reference_claims;
use skillcert::proof::{self, Cryptosuite};
use skillcert::rdfc;
use skillcert::signer::KeySigner;

const VM: &str = "did:web:verify.skills.example.cn#key-1";

fn bench(c: &mut Criterion) {
    let json = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/reference/reference-certificate.json"
    ))
    .expect("testdata/ in the repository");
    let claims = reference_claims(&json).unwrap();
    let key = SecretKey::from_seed(&[0x5c; 32]);
    let signer = KeySigner::new(&key, VM);
    let created = claims.valid_from;
    let unsigned = claims.to_document();
    let public = key.public();

    let sets: [(&str, &[Cryptosuite]); 2] = [
        ("jcs only", &[Cryptosuite::EddsaJcs2022]),
        ("jcs + rdfc", &Cryptosuite::ALL),
    ];
    for (name, suites) in sets {
        c.bench_function(&format!("sign + verify, {name}"), |b| {
            b.iter(|| {
                let doc =
                    proof::sign_with(black_box(&unsigned), &signer, &created, suites).unwrap();
                let set = proof::prepare_set(&doc).unwrap();
                assert!(set
                    .iter()
                    .all(|p| keys::verify_strict(&public, &p.message, &p.signature)));
            })
        });
    }
    c.bench_function("RDFC-1.0 canonical N-Quads of the document", |b| {
        b.iter(|| rdfc::canonicalize(black_box(&unsigned)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
