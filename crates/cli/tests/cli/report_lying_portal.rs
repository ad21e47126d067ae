//! Finding 7: `skillcert report --to` against a portal that lies, a tiny HTTP/1.1 server on
//! loopback answering each bundle with a canned signed receipt. A receipt that does not
//! acknowledge the bundle just sent is refused and nothing is stored (`report
//! --verify-receipts` afterwards claims nothing matched); a receipt that acknowledges nothing
//! ends the run with an error after one bundle instead of looping. An honest receipt from the
//! same server is stored, so the refusals are the checks', not the server's.

use assert_cmd::Command;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use skillcert::keys::{self, SecretKey};
use skillcert::reporting::Item;
use skillcert_store::issuer_db::IssuerDb;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn skillcert(data: &Path) -> Command {
    let mut c = Command::cargo_bin("skillcert").unwrap();
    c.arg("--data-dir")
        .arg(data)
        .env_remove("SKILLCERT_DATA_DIR")
        .timeout(Duration::from_secs(60));
    c
}

/// Runs; (exit code, stdout, stderr). A run killed by the timeout has no exit code: -1.
fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        err,
    )
}

/// An issuer with two certificates to report.
fn issuer(data: &Path) {
    let (code, _, err) = run(skillcert(data).args([
        "init",
        "--name",
        "CNC Centre",
        "--base-url",
        "https://cnc.example.cn",
    ]));
    assert_eq!(code, 0, "{err}");
    for holder in ["王晓明", "李娜"] {
        let (code, _, err) = run(skillcert(data)
            .args(["issue", "--holder", holder, "--program", "数控车工"])
            .args(["--program-code", "6-18-01-01", "--level", "3", "--out"])
            .arg(data.join("out")));
        assert_eq!(code, 0, "{err}");
    }
}

/// The portal: answers every `POST` with `receipt(bundle)`, counting the bundles.
struct Portal {
    url: String,
    bundles: Arc<AtomicUsize>,
}

fn portal(receipt: fn(&Value) -> Value) -> Portal {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let bundles = Arc::new(AtomicUsize::new(0));
    let count = bundles.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let Some(body) = read_request(&mut s) else {
                continue;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let answer = serde_json::from_slice::<Value>(&body)
                .map(|b| receipt(&b).to_string())
                .unwrap_or_default();
            let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{answer}",
                answer.len()
            );
        }
    });
    Portal { url, bundles }
}

/// The body of one HTTP/1.1 request (by its content-length).
fn read_request(s: &mut std::net::TcpStream) -> Option<Vec<u8>> {
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))?
        .trim()
        .parse()
        .ok()?;
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf[head_end..head_end + len].to_vec())
}

/// A receipt signed by the portal's `did:key`.
fn signed_receipt(issuer: &str, bundle: &str, received: &str, items: Value) -> Value {
    let key = SecretKey::from_seed(&[42; 32]);
    let receipt = json!({
        "type": "SkillcertReportReceipt", "version": 1,
        "portal": keys::did_key(&key.public()), "issuer": issuer, "bundle": bundle,
        "received": received, "items": items,
    });
    let vm = keys::did_key_vm(&key.public());
    let at = received.parse().unwrap();
    skillcert::proof::sign(&receipt, &key, &vm, &at).unwrap()
}

/// What a bundle holds, as an honest receipt names it.
fn acknowledged(bundle: &Value) -> Value {
    let items: Vec<Item> = serde_json::from_value(bundle["items"].clone()).unwrap();
    items
        .iter()
        .map(|i| json!({"item": i.key(), "digest": i.digest()}))
        .collect()
}

fn digest_of(bundle: &Value) -> String {
    hex::encode(Sha256::digest(
        skillcert::jcs::canonicalize(bundle).unwrap(),
    ))
}

fn now() -> String {
    skillcert::model::format_time(&skillcert::issuer::now_secs())
}

/// The reproduced lie: bundle 000…, another issuer, dated 1999, the genuine items.
fn lying(bundle: &Value) -> Value {
    let zero = "0".repeat(64);
    let items = acknowledged(bundle);
    signed_receipt(
        "did:web:somebody.else",
        &zero,
        "1999-01-01T00:00:00Z",
        items,
    )
}

/// Correctly signed, for the right bundle, issuer and time, acknowledging nothing.
fn empty(bundle: &Value) -> Value {
    let issuer = bundle["issuer"].as_str().unwrap_or_default();
    signed_receipt(issuer, &digest_of(bundle), &now(), json!([]))
}

fn honest(bundle: &Value) -> Value {
    let issuer = bundle["issuer"].as_str().unwrap_or_default();
    signed_receipt(issuer, &digest_of(bundle), &now(), acknowledged(bundle))
}

/// `report --verify-receipts`: (exit code, stdout).
fn verify_receipts(data: &Path) -> (i32, String) {
    let (code, out, _) = run(skillcert(data).args(["report", "--verify-receipts"]));
    (code, out)
}

#[test]
fn finding_7_a_lying_receipt_is_refused_and_nothing_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("cnc");
    issuer(&data);
    let p = portal(lying);
    let (code, out, err) = run(skillcert(&data).args(["report", "--to", &p.url]));
    assert_eq!(code, 1, "refused: {out}{err}");
    assert!(
        err.contains("receipt bundle") && err.contains(&"0".repeat(64)),
        "the error says what did not match: {err}"
    );
    assert!(err.contains("not stored"), "{err}");
    assert_eq!(p.bundles.load(Ordering::SeqCst), 1);
    let reg = IssuerDb::open(&data).unwrap();
    assert!(reg.acknowledged(&p.url).unwrap().is_empty());
    assert_eq!(reg.portal_key(&p.url).unwrap(), None, "no key pinned");
    assert_eq!(reg.unreported(&p.url, 10).unwrap().len(), 2);
    let (code, out) = verify_receipts(&data);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("every one matches"), "{out}");
    assert!(out.contains("No receipt is stored"), "{out}");
}

#[test]
fn finding_7_an_empty_signed_receipt_ends_the_run_promptly() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("cnc");
    issuer(&data);
    let p = portal(empty);
    let started = Instant::now();
    let (code, out, err) = run(skillcert(&data).args(["report", "--to", &p.url]));
    assert_eq!(code, 1, "an error, not a loop: {out}{err}");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    assert!(err.contains("acknowledges none of the 2"), "{err}");
    assert_eq!(p.bundles.load(Ordering::SeqCst), 1, "one bundle, no loop");
    let reg = IssuerDb::open(&data).unwrap();
    assert!(reg.acknowledged(&p.url).unwrap().is_empty());
}

#[test]
fn an_honest_receipt_from_the_same_server_is_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("cnc");
    issuer(&data);
    let p = portal(honest);
    let (code, out, err) = run(skillcert(&data).args(["report", "--to", &p.url]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Reported 2 item(s) in 1 bundle(s)"), "{out}");
    let (code, out, err) = run(skillcert(&data).args(["report", "--to", &p.url]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("acknowledged everything"), "{out}");
    assert_eq!(p.bundles.load(Ordering::SeqCst), 1);
    let (code, out) = verify_receipts(&data);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1 receipt(s) naming 2 item(s) checked: every one matches"),
        "{out}"
    );
}
