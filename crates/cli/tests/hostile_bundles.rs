//! Hostile bundles (issue 27, finding 3): `POST /api/v1/register/bundles` is open to anyone,
//! and a bundle is up to 4 MiB of JSON. Before the fix, every request built its whole JSON tree
//! before any signature check: 32 at once took a portal to 3.7 GB. Now a request takes one of
//! `BUNDLE_PERMITS` before its body is read, and a bundle whose signer no trust list names is
//! refused after one scan of its bytes. The worst case is a bundle that names a real issuer's
//! key (public knowledge) with a forged signature and the densest JSON (millions of tiny
//! values): this test sends [`HOSTILE`] of those at once and measures the portal's peak with a
//! counting allocator.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#[path = "server/server_support.rs"]
mod server_support;

use peak_alloc::PeakAlloc;
use server_support::Loopback;
use skillcert::authority::{Authority, Grant};
use skillcert::issuer::{now_secs, Issuer};
use skillcert_online::trust_feed::TrustFeed;
use skillcert_server::portal::{Portal, PortalRegister, BUNDLE_PERMITS};
use skillcert_server::AppState;
use skillcert_store::register::Register;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

#[global_allocator]
static PEAK: PeakAlloc = PeakAlloc;

/// Hostile uploads in flight at once.
const HOSTILE: usize = 32;
/// Ceiling on the portal's extra memory while they run: `BUNDLE_PERMITS` (2) bundles' bodies
/// and trees (`MAX_BUNDLE_VALUES` values), with room. Before the fix: every request built its
/// tree at once (~115 MiB each for the issue's bundles, 3.7 GB for 32; 220 MiB each for two
/// million zeros).
const MEMORY_CEILING: usize = 128 << 20;

/// A portal keeping a register, with one accredited issuer; its URL, the issuer's id and key.
fn portal(dir: &std::path::Path) -> (AppState, String, String) {
    let issuer = Issuer::init(&dir.join("i"), "CNC", Some("https://cnc.example.cn")).unwrap();
    let mut a = Authority::init(&dir.join("a"), "HRSS", None, "t").unwrap();
    let grant = Grant {
        from: Some(now_secs() - chrono::Duration::days(1)),
        ..Grant::default()
    };
    a.accredit(&issuer.trust_list(), &grant, "t").unwrap();
    let list = dir.join("scheme.json");
    std::fs::write(&list, a.publish(now_secs(), 7, "t").unwrap().to_string()).unwrap();
    let feed = TrustFeed::new(list.to_str().unwrap(), Some(a.anchor()));
    let register = Register::open(&dir.join("p"), None).unwrap();
    let portal = Portal::new(vec![feed], "http://portal.example", None)
        .unwrap()
        .with_register(PortalRegister::new(
            register,
            skillcert::keys::SecretKey::generate(),
        ));
    let id = issuer.config().id.clone();
    let key = issuer.config().active_key.clone();
    (AppState::portal(portal), id, key)
}

/// Just under 4 MiB: a bundle naming `issuer`'s `key`, with a forged proof, whose items are
/// `values` JSON values (zeros, then strings to fill the size): the most tree per byte the
/// value bound lets through, or (with more values than it allows) the densest JSON there is.
fn hostile_bundle(issuer: &str, key: &str, values: usize) -> Vec<u8> {
    let head = format!(
        r#"{{"type":"SkillcertReportBundle","version":1,"issuer":"{issuer}","created":"2026-12-07T00:00:00Z","proof":{{"type":"DataIntegrityProof","cryptosuite":"eddsa-jcs-2022","verificationMethod":"{key}","proofPurpose":"assertionMethod","proofValue":"z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKKFBs9WaPj4Rk5Qf3H"}},"items":["#
    );
    let mut b = head.into_bytes();
    let room = (4 << 20) - 64 - b.len();
    let per = (room / values).max(2);
    for i in 0..values {
        if i > 0 {
            b.push(b',');
        }
        if per > 3 {
            b.push(b'"');
            b.extend(std::iter::repeat_n(b'a', per - 3));
            b.push(b'"');
        } else {
            b.push(b'0');
        }
    }
    b.extend_from_slice(b"]}");
    b
}

fn post(addr: std::net::SocketAddr, body: &[u8]) -> u16 {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let head = format!(
        "POST /api/v1/register/bundles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    // A refused request may be answered and closed before the whole body is sent.
    let _ = s.write_all(body);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf)
        .get(9..12)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}

#[test]
fn finding_3_concurrent_hostile_bundles_stay_under_a_memory_ceiling() {
    let dir = tempfile::tempdir().unwrap();
    let (state, issuer, key) = portal(dir.path());
    let srv = Loopback::start(state);
    let addr = srv.addr;
    let values = skillcert::reporting::MAX_BUNDLE_VALUES - 1_000;
    let body = std::sync::Arc::new(hostile_bundle(&issuer, &key, values));
    assert!(body.len() <= skillcert::reporting::MAX_BUNDLE);
    // Denser JSON, or an unknown signer, is refused after one scan, whatever the size.
    let dense = hostile_bundle(&issuer, &key, 2_000_000);
    let stranger = hostile_bundle(
        "did:web:nobody.example",
        "did:web:nobody.example#key-1",
        1000,
    );
    PEAK.reset_peak_usage();
    let before = PEAK.current_usage();
    assert_eq!(post(addr, &dense), 400);
    assert_eq!(post(addr, &stranger), 403);
    let scan_peak = PEAK.peak_usage().saturating_sub(before);
    PEAK.reset_peak_usage();
    let before = PEAK.current_usage();
    let t = Instant::now();
    let uploads: Vec<_> = (0..HOSTILE)
        .map(|_| {
            let body = body.clone();
            std::thread::spawn(move || post(addr, &body))
        })
        .collect();
    let statuses: Vec<u16> = uploads.into_iter().map(|u| u.join().unwrap()).collect();
    let peak = PEAK.peak_usage().saturating_sub(before);
    let mut counts = std::collections::BTreeMap::new();
    for s in &statuses {
        *counts.entry(*s).or_insert(0) += 1;
    }
    println!(
        "{HOSTILE} hostile 4 MiB bundles of {values} values at once ({BUNDLE_PERMITS} permits): answers {counts:?} \
         in {:?}; portal peak {} MiB (ceiling {} MiB); an unknown signer's bundle: peak {} KiB",
        t.elapsed(),
        peak >> 20,
        MEMORY_CEILING >> 20,
        scan_peak >> 10
    );
    // Every one is answered: refused (a bad signature or not a bundle), busy, or timed out.
    for s in &statuses {
        assert!(matches!(s, 400 | 403 | 408 | 503), "{statuses:?}");
    }
    assert!(peak < MEMORY_CEILING, "peak {} MiB", peak >> 20);
    // The body as read (the chunks, the joined bytes, the server's buffers), nothing for its
    // values.
    assert!(
        scan_peak < 3 * skillcert::reporting::MAX_BUNDLE,
        "the scan of an unknown signer's bundle: {scan_peak} bytes"
    );
    srv.stop();
}
