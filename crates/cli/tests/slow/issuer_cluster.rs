//! One issuer, two `serve` processes on one PostgreSQL database behind HAProxy (issue 29):
//! 2,000 issuances through the load balancer, each with its own `Idempotency-Key` and retried
//! with it until answered, while one instance is killed with SIGKILL and started again. Every
//! issuance is recorded once (no loss, no duplicate), every number and status index is used
//! once, both instances serve the same status list bytes (and ETag), and a revocation through
//! one instance is seen by a verification through the other at once.

use serde_json::{json, Value};
use skillcert_store::issuer_db::IssuerDb;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ISSUANCES: usize = 2000;
const CLIENTS: usize = 8;
/// Issuances answered before the instance is killed.
const KILL_AFTER: usize = 600;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `skillcert --data-dir DATA --database URL …`.
fn sk(data: &Path, database: &str) -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("skillcert"));
    c.arg("--data-dir")
        .arg(data)
        .args(["--database", database])
        .env_remove("SKILLCERT_DATA_DIR")
        .env("SKILLCERT_LOG", "warn");
    c
}

/// A child process killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// An issuer instance on `port`; its startup line (JSON).
fn instance(data: &Path, database: &str, port: u16, public: &str) -> (Proc, Value) {
    let mut child = sk(data, database)
        .args(["--json", "serve", "--addr", &format!("127.0.0.1:{port}")])
        .args(["--base-url", public])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    (Proc(child), v)
}

/// HAProxy on `front` before `backends`, checking `/readyz` every 200 ms.
fn haproxy(dir: &Path, front: u16, backends: &[u16]) -> Proc {
    let mut cfg = format!(
        "global\n  maxconn 512\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n  \
         timeout server 30s\n  retries 2\n  option redispatch\nfrontend issuer\n  bind 127.0.0.1:{front}\n  \
         default_backend serve\nbackend serve\n  balance roundrobin\n  option httpchk GET /readyz\n  \
         http-check expect status 200\n"
    );
    for (i, p) in backends.iter().enumerate() {
        cfg += &format!("  server s{i} 127.0.0.1:{p} check inter 200ms fall 2 rise 2\n");
    }
    let path = dir.join("haproxy.cfg");
    std::fs::write(&path, cfg).unwrap();
    let child = Command::new("haproxy")
        .arg("-f")
        .arg(&path)
        .arg("-db")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("haproxy: scripts/test.sh installs it");
    Proc(child)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// Waits until `url` answers 200.
fn wait_ready(url: &str) {
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until {
        if let Ok(r) = agent().get(url).call() {
            if r.status() == 200 {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{url} never became ready");
}

/// Issues certificate `i` through `front` with key `k-i`, retrying with the same key until
/// answered 201; the answer and how many attempts it took.
fn issue_until_answered(front: &str, token: &str, i: usize) -> (Value, usize) {
    let body = json!({
        "holder": {"name": format!("工人{i}")},
        "program": {"name": "焊工 Welder", "code": "6-25-04-08"},
        "level": {"framework": "cn-nvq", "value": "3"}
    })
    .to_string();
    let until = Instant::now() + Duration::from_secs(120);
    for attempt in 1.. {
        assert!(Instant::now() < until, "issuance {i} never answered");
        let r = agent()
            .post(&format!("{front}/api/v1/admin/certificates"))
            .header("authorization", &format!("Bearer {token}"))
            .header("idempotency-key", &format!("k-{i}"))
            .header("content-type", "application/json")
            .send(&body);
        if let Ok(mut r) = r {
            let status = r.status().as_u16();
            let text = r.body_mut().read_to_string().unwrap_or_default();
            if status == 201 {
                return (serde_json::from_str(&text).unwrap(), attempt);
            }
            // A refusal of the request itself is a failure of the test, not a retry.
            assert!(
                matches!(status, 409 | 500..=599),
                "issuance {i}: {status} {text}"
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    unreachable!()
}

/// The bytes and ETag of status list `n` from one instance.
fn status_list(base: &str, n: u64) -> (String, String) {
    let mut r = agent().get(&format!("{base}/status/{n}")).call().unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    (r.body_mut().read_to_string().unwrap(), etag)
}

fn verdict(base: &str, token: &str) -> String {
    let mut r = agent()
        .post(&format!("{base}/api/v1/verify"))
        .header("content-type", "text/plain")
        .send(token)
        .unwrap();
    let v: Value = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    v["verdict"]
        .as_str()
        .unwrap_or_else(|| panic!("no verdict: {v}"))
        .to_owned()
}

#[test]
#[ignore = "needs PostgreSQL and HAProxy: scripts/test.sh installs them and runs the ignored tests"]
fn two_instances_behind_haproxy_lose_and_duplicate_nothing_when_one_is_killed() {
    let server = std::env::var("SKILLCERT_TEST_POSTGRES")
        .expect("SKILLCERT_TEST_POSTGRES is not set: run the tests with scripts/test.sh");
    let database = crate::fresh_database(&server);
    let dir = tempfile::tempdir().unwrap();
    let data: PathBuf = dir.path().join("issuer");
    let (front_port, pa, pb) = (free_port(), free_port(), free_port());
    let front = format!("http://127.0.0.1:{front_port}");
    let out = sk(&data, &database)
        .args(["init", "--name", "Cluster Centre", "--base-url", &front])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    // The first instance makes the admin token; the second reads its hash from the data dir.
    let (a, started) = instance(&data, &database, pa, &front);
    let token = started["admin_token"].as_str().unwrap().to_owned();
    let (b, _) = instance(&data, &database, pb, &front);
    let a = Arc::new(Mutex::new(a));
    let _b = b;
    let _lb = haproxy(dir.path(), front_port, &[pa, pb]);
    wait_ready(&format!("{front}/readyz"));

    let answered = Arc::new(AtomicUsize::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (front, token) = (front.clone(), token.clone());
            let (answered, next) = (answered.clone(), next.clone());
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= ISSUANCES {
                        return mine;
                    }
                    let (v, attempts) = issue_until_answered(&front, &token, i);
                    answered.fetch_add(1, Ordering::SeqCst);
                    mine.push((i, v, attempts));
                }
            })
        })
        .collect();
    // Kill instance A in the middle of the run, then start it again on its port.
    while answered.load(Ordering::SeqCst) < KILL_AFTER {
        std::thread::sleep(Duration::from_millis(20));
    }
    {
        let mut a = a.lock().unwrap();
        a.0.kill().unwrap(); // SIGKILL
        a.0.wait().unwrap();
        std::thread::sleep(Duration::from_millis(500));
        *a = instance(&data, &database, pa, &front).0;
    }
    let results: Vec<(usize, Value, usize)> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    assert_eq!(results.len(), ISSUANCES);
    let retried = results.iter().filter(|r| r.2 > 1).count();
    eprintln!("{retried} issuances needed a retry");

    // Each key answered with its own certificate; the database holds exactly those.
    let ids: HashSet<String> = results
        .iter()
        .map(|(_, v, _)| v["credential_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), ISSUANCES, "one certificate per idempotency key");
    let db = IssuerDb::open_postgres(&data, &database).unwrap();
    let recorded: HashSet<String> = db.ids().unwrap().into_iter().collect();
    assert_eq!(recorded, ids, "nothing lost, nothing extra");
    assert!(
        db.pending().unwrap().is_empty(),
        "every recorded certificate signed"
    );
    let n = ISSUANCES as u64;
    assert_eq!(db.usage().unwrap(), (n, n, n), "status entries and numbers");
    let numbers: HashSet<String> = ids
        .iter()
        .map(|id| db.get(id).unwrap().number.unwrap())
        .collect();
    assert_eq!(numbers.len(), ISSUANCES, "every number used once");
    assert!(db.check_consistency().unwrap().is_empty());

    // Both instances serve the same lists, byte for byte.
    let (base_a, base_b) = (
        format!("http://127.0.0.1:{pa}"),
        format!("http://127.0.0.1:{pb}"),
    );
    for list in db.lists().unwrap() {
        assert_eq!(
            status_list(&base_a, list.number),
            status_list(&base_b, list.number)
        );
    }
    // A revocation through A is seen by a verification through B at once.
    let by_index: HashMap<usize, &Value> = results.iter().map(|(i, v, _)| (*i, v)).collect();
    let victim = by_index[&7];
    let token7 = victim["token"].as_str().unwrap();
    assert_eq!(verdict(&base_b, token7), "valid");
    let id = victim["credential_id"].as_str().unwrap();
    let r = agent()
        .post(&format!("{base_a}/api/v1/admin/certificates/{id}/revoke"))
        .header("authorization", &format!("Bearer {token}"))
        .header("content-type", "application/json")
        .send(json!({"reason": "issued in error"}).to_string())
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(verdict(&base_b, token7), "revoked");
    let (list, _) = db.get(id).unwrap().revocation;
    assert_eq!(status_list(&base_a, list), status_list(&base_b, list));

    // A key rotated in the shared data dir is taken up by both within seconds (CONFIG_POLL):
    // both publish it, and what either issues next is signed with it.
    let out = sk(&data, &database)
        .args(["--json", "key", "rotate"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let rotated: Value = serde_json::from_slice(&out.stdout).unwrap();
    let new_key = rotated["active_key"].as_str().unwrap();
    for base in [&base_a, &base_b] {
        let until = Instant::now() + Duration::from_secs(15);
        loop {
            let mut r = agent()
                .get(&format!("{base}/.well-known/did.json"))
                .call()
                .unwrap();
            if r.body_mut().read_to_string().unwrap().contains(new_key) {
                break;
            }
            assert!(Instant::now() < until, "{base} never published {new_key}");
            std::thread::sleep(Duration::from_millis(200));
        }
        let r = agent()
            .post(&format!("{base}/api/v1/admin/certificates"))
            .header("authorization", &format!("Bearer {token}"))
            .header("content-type", "application/json")
            .send(
                json!({"holder": {"name": "新钥"}, "program": {"name": "焊工"},
                         "level": {"framework": "cn-nvq", "value": "2"}})
                .to_string(),
            );
        let v: Value =
            serde_json::from_str(&r.unwrap().body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(
            v["document"]["proof"][0]["verificationMethod"].as_str(),
            Some(new_key),
            "{v}"
        );
    }
}
