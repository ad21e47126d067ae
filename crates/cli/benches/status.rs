//! Status list benchmarks: a status check against a cached list, building and signing a full
//! 131,072-entry list, and parsing + verifying one.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc; // as in the binary

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use skillcert::issuer::Issuer;
use skillcert::model::{StatusPurpose, StatusRef};
use skillcert::status::credential::build_signed;
use skillcert::status::{Bitstring, CheckedList, StatusListCredential, MIN_LIST_BITS};
use skillcert::verify::StatusSource;
use skillcert_online::HttpStatusSource;
use std::sync::Arc;

fn list_with_revocations(n: usize) -> Bitstring {
    let mut b = Bitstring::zeros(MIN_LIST_BITS);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b.set((x % MIN_LIST_BITS as u64) as usize, true);
    }
    b
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let issuer =
        Issuer::init(dir.path(), "Bench Centre", Some("https://bench.example.cn")).unwrap();
    // 1% of entries set: a realistic revocation list.
    let bits = list_with_revocations(MIN_LIST_BITS / 100);
    let now = skillcert::issuer::now_secs();

    c.bench_function("build_and_sign_131072_entry_list", |b| {
        b.iter(|| {
            build_signed(&issuer, 1, StatusPurpose::Revocation, black_box(&bits), now).unwrap()
        })
    });

    let doc = build_signed(&issuer, 1, StatusPurpose::Revocation, &bits, now).unwrap();
    let bytes = serde_json::to_vec(&doc).unwrap();
    let trust = issuer.trust_list();
    c.bench_function("parse_and_verify_131072_entry_list", |b| {
        b.iter(|| {
            let l = StatusListCredential::parse(black_box(&bytes)).unwrap();
            CheckedList::new(l, &trust, "bench".into())
        })
    });

    let source = HttpStatusSource::new(Arc::new(trust.clone()), None);
    let list = StatusListCredential::parse(&bytes).unwrap();
    let url = list.id.clone();
    source.preload(CheckedList::new(list, &trust, url.clone()));
    let issuer_id = issuer.config().id.clone();
    let mut i = 0u32;
    c.bench_function("status_check_cached_list", |b| {
        b.iter(|| {
            i = (i + 7919) % MIN_LIST_BITS as u32;
            let entry = StatusRef {
                purpose: StatusPurpose::Revocation,
                list_url: url.clone(),
                index: i,
            };
            source.status(black_box(&entry), &issuer_id, now).unwrap()
        })
    });
}

criterion_group!(status, benches);
criterion_main!(status);
