//! The register's throughput: ingest N records (bundles of 1,000, each verified against the
//! scheme's trust list and stored with a signed receipt, as `POST /api/v1/register/bundles`
//! does) and answer 2,000 number+name queries; prints records/s and query p50/p99.
//!
//! `cargo run --release --example bench_register -- [N] [postgres://…]` (default N 100000,
//! SQLite in a temp dir; with a URL, that PostgreSQL database).
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark tool: a failed unwrap is a failed run"
)]

use skillcert::authority::{Authority, Grant};
use skillcert::issuer::{now_secs, Issuer};
use skillcert::keys::SecretKey;
use skillcert::reporting::{sign_bundle, verify_bundle, Item, ReportedCertificate, StatusEntry};
use skillcert::signer::KeySigner;
use skillcert::trust::{TrustSource, TrustStore};
use skillcert_store::register::Register;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let db = args.get(2).cloned();
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::init(
        &dir.path().join("i"),
        "Bench Centre",
        Some("https://bench.example.cn"),
    )
    .unwrap();
    let mut a = Authority::init(&dir.path().join("a"), "HRSS", None, "bench").unwrap();
    let grant = Grant {
        from: Some(now_secs() - chrono::Duration::days(1)),
        ..Grant::default()
    };
    a.accredit(&issuer.trust_list(), &grant, "bench").unwrap();
    let bytes = serde_json::to_vec(&a.publish(now_secs(), 7, "bench").unwrap()).unwrap();
    let trust: TrustStore = TrustSource::anchored(&bytes, &a.anchor(), "bench")
        .unwrap()
        .into();
    // Numbers of the issuer's own space (`SC-…`, its default numbering), unique per run.
    let run = uuid::Uuid::new_v4()
        .simple()
        .to_string()
        .to_ascii_uppercase();
    let key = issuer.config().active_key.clone();
    let record = |i: usize| {
        Item::Certificate(Box::new(ReportedCertificate {
            credential_id: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
            number: Some(format!("SC-{}-{i:07}", &run[..8])),
            holder_name: format!("持证人{i}"),
            holder_id: Some(format!("E{i:09}")),
            holder_id_nonce: Some(hex::encode([i as u8; 16])),
            holder_id_mac: None,
            holder_id_hash: None,
            program: "数控铣工 CNC Milling Operator".into(),
            program_code: Some("6-18-01-01".into()),
            framework: "cn-nvq".into(),
            level: "3".into(),
            issued: now_secs(),
            valid_from: now_secs(),
            valid_until: Some(now_secs() + chrono::Duration::days(1826)),
            signing_key: key.clone(),
            document_sha256: hex::encode([7u8; 32]),
            status: vec![StatusEntry {
                purpose: "revocation".into(),
                list: "https://bench.example.cn/status/1".into(),
                index: i as u64,
            }],
        }))
    };
    let t = Instant::now();
    let bundles: Vec<Vec<u8>> = (0..n.div_ceil(1000))
        .map(|b| {
            let items: Vec<Item> = (b * 1000..((b + 1) * 1000).min(n)).map(record).collect();
            serde_json::to_vec(
                &sign_bundle(&issuer, &issuer.config().id, &items, now_secs()).unwrap(),
            )
            .unwrap()
        })
        .collect();
    eprintln!(
        "made {} bundles in {:.1} s",
        bundles.len(),
        t.elapsed().as_secs_f64()
    );
    let reg = Register::open(&dir.path().join("p"), db.as_deref()).unwrap();
    let pk = SecretKey::generate();
    let vm = skillcert::keys::did_key_vm(&pk.public());
    let portal = KeySigner::new(&pk, &vm);
    let t = Instant::now();
    for b in &bundles {
        let v = verify_bundle(b, &trust, now_secs()).unwrap();
        reg.ingest(&v, &portal, now_secs()).unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    let mut lat = Vec::with_capacity(2000);
    for q in 0..2000 {
        let i = (q * 7919) % n;
        let t = Instant::now();
        let found = reg
            .query(
                &format!("SC-{}-{i:07}", &run[..8]),
                &format!("持证人{i}"),
                None,
                &|issuer, number| trust.owns_number(issuer, number, now_secs()),
            )
            .unwrap();
        lat.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(found.len(), 1);
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    println!(
        "backend {}: ingested {n} records in {secs:.1} s = {:.0} records/s; 2000 queries: p50 {:.2} ms, p99 {:.2} ms",
        reg.backend(),
        n as f64 / secs,
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100]
    );
}
