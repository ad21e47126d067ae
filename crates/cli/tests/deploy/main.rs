//! The deployment of `deploy/skillcert-deploy.sh` (PostgreSQL primary and streaming replica,
//! two issuer and two portal `serve` instances, HAProxy checking `/readyz`), driven from
//! outside as an operator would: with the register's primary stopped, the portal's queries
//! through HAProxy keep answering from the replica and HAProxy keeps the portals in rotation,
//! while a report is refused with 503 and Retry-After and nothing of it is stored; once the
//! primary is started again, the same bundle is taken without restarting any portal, and the
//! replica, caught up, answers the query for it.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test code: a failed unwrap is a failed run; helpers are not an API"
)]
#![forbid(unsafe_code)]

use serde_json::Value;
use skillcert::issuer::Issuer;
use skillcert_store::issuer_db::IssuerDb;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/skillcert-deploy.sh")
}

/// A free port on 127.0.0.1 now (the deployment binds it a moment later).
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// One deployment in a temporary work dir on ports of its own; stopped when dropped.
struct Deployment {
    work: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
    out: HashMap<String, String>,
    portal_ports: [u16; 2],
}

impl Deployment {
    fn start() -> Deployment {
        let work = tempfile::Builder::new()
            .prefix("skillcert-deploy-test")
            .tempdir_in("/tmp")
            .unwrap();
        let p: Vec<u16> = (0..9).map(|_| free_port()).collect();
        let env = vec![
            ("SKILLCERT_DEPLOY_DIR", work.path().display().to_string()),
            (
                "SKILLCERT_BIN",
                assert_cmd::cargo::cargo_bin("skillcert")
                    .display()
                    .to_string(),
            ),
            ("PG_PRIMARY_PORT", p[0].to_string()),
            ("PG_REPLICA_PORT", p[1].to_string()),
            ("ISSUER_PORTS", format!("{} {}", p[2], p[3])),
            ("PORTAL_PORTS", format!("{} {}", p[4], p[5])),
            ("ISSUER_LB_PORT", p[6].to_string()),
            ("PORTAL_LB_PORT", p[7].to_string()),
            ("STATS_PORT", p[8].to_string()),
        ];
        let mut d = Deployment {
            work,
            env,
            out: HashMap::new(),
            portal_ports: [p[4], p[5]],
        };
        let out = d.run(&["start"]);
        d.out = out
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        d
    }

    /// Runs the script with `args`; its stdout. Panics with its output when it fails.
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("bash")
            .arg(script())
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env_remove("SKILLCERT_DATA_DIR")
            .env_remove("SKILLCERT_DATABASE")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "deploy {args:?}: {text}{}\nlogs: {}",
            String::from_utf8_lossy(&out.stderr),
            self.logs()
        );
        text
    }

    /// The serve instances' logs, for a failure's message.
    fn logs(&self) -> String {
        let dir = self.work.path().join("logs");
        let mut s = String::new();
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(15).collect();
            s.push_str(&format!("\n== {}\n", e.path().display()));
            s.extend(tail.into_iter().rev().map(|l| format!("{l}\n")));
        }
        s
    }

    fn get(&self, key: &str) -> &str {
        self.out
            .get(key)
            .unwrap_or_else(|| panic!("deploy start printed no {key}: {:?}", self.out))
    }

    fn issuer_dir(&self) -> PathBuf {
        PathBuf::from(self.get("issuer_data_dir"))
    }

    /// The issuer's database URL, when its instances run on PostgreSQL (else SQLite in the
    /// data dir).
    fn issuer_database(&self) -> Option<&str> {
        self.out.get("issuer_database").map(String::as_str)
    }

    /// `skillcert` on the issuer's data dir (and database); its stdout.
    fn issuer_cmd(&self, args: &[&str]) -> String {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("skillcert"));
        c.arg("--data-dir").arg(self.issuer_dir());
        if let Some(url) = self.issuer_database() {
            c.args(["--database", url]);
        }
        let out = c
            .args(args)
            .env_remove("SKILLCERT_DATA_DIR")
            .env_remove("SKILLCERT_DATABASE")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "skillcert {args:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    }
}

impl Drop for Deployment {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .arg("stop")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// `GET /api/v1/query` at `base`: (status, body).
fn query(base: &str, number: &str, name: &str) -> (u16, Value) {
    let mut r = agent()
        .get(format!("{base}/api/v1/query"))
        .query("number", number)
        .query("name", name)
        .call()
        .unwrap();
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_string().unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// Issues one certificate to `name` on the issuer's data dir: its number.
fn issue(d: &Deployment, name: &str) -> String {
    let out = d.issuer_cmd(&[
        "--json",
        "issue",
        "--holder",
        name,
        "--program",
        "数控铣工 CNC Milling Operator",
        "--program-code",
        "6-18-01-01",
        "--framework",
        "cn-nvq",
        "--level",
        "2",
        "--valid-years",
        "5",
        "--formats",
        "token",
        "--out",
        &d.issuer_dir().join("out").display().to_string(),
    ]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    v["number"].as_str().unwrap().to_owned()
}

/// A signed bundle of what the issuer has not reported to `portal` (as `skillcert report`
/// makes it).
fn bundle(d: &Deployment, portal: &str) -> String {
    let issuer = Issuer::open(&d.issuer_dir()).unwrap();
    let items = IssuerDb::open_with(&d.issuer_dir(), d.issuer_database())
        .unwrap()
        .unreported(portal, 1000)
        .unwrap();
    assert_eq!(items.len(), 1, "one certificate unreported");
    let id = issuer.config().id.clone();
    skillcert::reporting::sign_bundle(&issuer, &id, &items, skillcert::model::now_secs())
        .unwrap()
        .to_string()
}

/// POSTs a bundle: (status, Retry-After, body).
fn post(portal: &str, bundle: &str) -> (u16, Option<String>, Value) {
    let mut r = agent()
        .post(format!("{portal}/api/v1/register/bundles"))
        .header("content-type", "application/json")
        .send(bundle)
        .unwrap();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap_or_default().to_owned());
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_string().unwrap();
    (
        status,
        retry,
        serde_json::from_str(&body).unwrap_or(Value::Null),
    )
}

/// Rows the register database at `url` holds of the certificate `number`.
fn rows(url: &str, number: &str) -> i64 {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.query_one(
        "SELECT COUNT(*) FROM register_items WHERE number = $1",
        &[&number],
    )
    .unwrap()
    .get(0)
}

#[test]
#[ignore = "needs postgresql and haproxy: scripts/test.sh installs them and runs the ignored tests"]
fn queries_survive_the_primary_and_ingestion_resumes_when_it_returns() {
    let d = Deployment::start();
    let portal = d.get("portal_url").to_owned();
    let (primary, replica) = (d.get("register_database"), d.get("register_replica"));
    let first = issue(&d, "王晓明");
    d.issuer_cmd(&["report", "--to", &portal]);
    let (status, body) = query(&portal, &first, "王晓明");
    assert_eq!(status, 200, "{body}");
    // A second certificate, its bundle signed while the issuer's database is at hand.
    let second = issue(&d, "李娜");
    let sent = bundle(&d, &portal);

    d.run(&["primary", "stop"]);
    // Both portal instances, and HAProxy in front of them, answer from the replica.
    for base in [
        portal.clone(),
        format!("http://127.0.0.1:{}", d.portal_ports[0]),
        format!("http://127.0.0.1:{}", d.portal_ports[1]),
    ] {
        let (status, body) = query(&base, &first, "王晓明");
        assert_eq!(status, 200, "{base}: {body}");
        assert_eq!(body["found"].as_array().map(Vec::len), Some(1), "{body}");
        let ready = agent().get(format!("{base}/readyz")).call().unwrap();
        assert_eq!(ready.status().as_u16(), 200, "{base}: kept in rotation");
    }
    for _ in 0..2 {
        let (status, retry, body) = post(&portal, &sent);
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["error"], "unavailable", "{body}");
        assert_eq!(retry.as_deref(), Some("30"));
        let message = body["message"].as_str().unwrap_or_default();
        assert!(
            !message.contains("127.0.0.1") && !message.contains("postgres"),
            "{message}"
        );
    }

    d.run(&["primary", "start"]);
    assert_eq!(
        rows(primary, &second),
        0,
        "nothing of the refused bundle was stored"
    );
    let (status, _, receipt) = post(&portal, &sent);
    assert_eq!(status, 200, "taken again without a restart: {receipt}");
    // `report` takes its receipt too (the item is held: nothing is stored twice).
    d.issuer_cmd(&["report", "--to", &portal]);
    assert_eq!(rows(primary, &second), 1);
    // The replica catches up and answers the query for it.
    let deadline = Instant::now() + Duration::from_secs(15);
    let found = loop {
        let (status, body) = query(&portal, &second, "李娜");
        if status == 200 || Instant::now() > deadline {
            break (status, body);
        }
        std::thread::sleep(Duration::from_secs(1));
    };
    assert_eq!(found.0, 200, "{}", found.1);
    let mut c = postgres::Client::connect(replica, postgres::NoTls).unwrap();
    let standby: bool = c
        .query_one("SELECT pg_is_in_recovery()", &[])
        .unwrap()
        .get(0);
    assert!(standby, "the replica URL is a standby");
    assert_eq!(rows(replica, &second), 1);
}
