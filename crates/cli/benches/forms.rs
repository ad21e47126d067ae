//! Speed of the token and QR forms of the reference certificate, next to the raw Ed25519
//! verify rate of the same run: `cargo bench --bench forms -- --warm-up-time 1 --measurement-time 3`.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc; // as in the binary

use chrono::{DateTime, Utc};
use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use ed25519_dalek::{Signature, Signer, SigningKey};
use skillcert::issuer::{now_secs, Issuer};
use skillcert::model::{reference::reference_claims, StatusRef};
use skillcert::verify::{
    StatusBit, StatusLookupError, StatusSource, UnverifiedCredential, Verdict, Verifier,
};
use skillcert_qrimage::{read, render};
use std::sync::Arc;

struct Clear;
impl StatusSource for Clear {
    fn status(
        &self,
        _: &StatusRef,
        _: &str,
        _: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        Ok(StatusBit {
            set: false,
            stale: false,
            source: "bench".into(),
            change: None,
        })
    }
}

fn forms(c: &mut Criterion) {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/reference/reference-certificate.json"
    ))
    .unwrap();
    let claims = reference_claims(&bytes).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::init(
        dir.path(),
        &claims.issuer.name,
        claims.issuer.url.as_deref(),
    )
    .unwrap();
    let issued = issuer.sign_all(claims.clone(), now_secs()).unwrap();
    // 64 different certificates, for the batch path.
    let many: Vec<_> = (0..64)
        .map(|_| {
            let mut c = claims.clone();
            c.id = uuid::Uuid::new_v4();
            issuer.sign_all(c, now_secs()).unwrap()
        })
        .collect();
    let verifier = Verifier::builder(issuer.trust_list())
        .status_source(Arc::new(Clear))
        .build()
        .unwrap();
    let png = render::to_png(&issued.qr_text, 8).unwrap();

    let mut g = c.benchmark_group("forms");
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify_token", |b| {
        b.iter(|| {
            let u = UnverifiedCredential::from_token(black_box(&issued.token)).unwrap();
            assert_eq!(verifier.check(u).verdict, Verdict::Valid);
        })
    });
    g.throughput(Throughput::Elements(many.len() as u64));
    g.bench_function("verify_token_check_many_64", |b| {
        b.iter(|| {
            let us: Vec<_> = many
                .iter()
                .map(|i| UnverifiedCredential::from_token(black_box(&i.token)).unwrap())
                .collect();
            let reports = verifier.check_many(&us);
            assert!(reports.iter().all(|r| r.verdict == Verdict::Valid));
        })
    });
    g.bench_function("verify_qr_text_check_many_64", |b| {
        b.iter(|| {
            let us: Vec<_> = many
                .iter()
                .map(|i| UnverifiedCredential::from_qr_text(black_box(&i.qr_text)).unwrap())
                .collect();
            let reports = verifier.check_many(&us);
            assert!(reports.iter().all(|r| r.verdict == Verdict::Valid));
        })
    });
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify_qr_text", |b| {
        b.iter(|| {
            let u = UnverifiedCredential::from_qr_text(black_box(&issued.qr_text)).unwrap();
            assert_eq!(verifier.check(u).verdict, Verdict::Valid);
        })
    });
    g.bench_function("encode_qr_png", |b| {
        b.iter(|| render::to_png(black_box(&issued.qr_text), 8).unwrap())
    });
    g.bench_function("decode_qr_png", |b| {
        b.iter(|| read::parse_image(black_box(&png)).unwrap())
    });
    let key = SigningKey::from_bytes(&[7; 32]);
    let vk = key.verifying_key();
    let msg = [0x5au8; 64];
    let sig: Signature = key.sign(&msg);
    g.bench_function("ed25519_dalek_verify_strict", |b| {
        b.iter(|| vk.verify_strict(black_box(&msg), black_box(&sig)).unwrap())
    });
    // The batch path's raw rate: 64 different messages, pre-checks included.
    let msgs: Vec<[u8; 64]> = (0..64u8).map(|i| [i; 64]).collect();
    let sigs: Vec<[u8; 64]> = msgs.iter().map(|m| key.sign(m).to_bytes()).collect();
    let checks: Vec<_> = msgs
        .iter()
        .zip(&sigs)
        .map(|(m, s)| skillcert::keys::SignatureCheck {
            key: &vk,
            message: m,
            signature: s,
        })
        .collect();
    g.throughput(Throughput::Elements(64));
    g.bench_function("keys_verify_many_64", |b| {
        b.iter(|| {
            assert!(skillcert::keys::verify_many(black_box(&checks))
                .iter()
                .all(|b| *b))
        })
    });
    g.finish();
}

criterion_group!(benches, forms);
criterion_main!(benches);
