//! End to end over loopback with a real HTTP client (ureq): the in-process server, and the
//! `skillcert serve` binary itself (demo issuer, admin token shown once and stored as a 0600
//! hash, logs without secrets, graceful shutdown on SIGTERM).

use crate::server_support::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

struct Got {
    status: u16,
    ct: String,
    body: String,
}

fn get(a: &ureq::Agent, url: &str) -> Got {
    let mut r = a.get(url).call().unwrap();
    finish(&mut r)
}

fn post(a: &ureq::Agent, url: &str, ct: &str, auth: Option<&str>, body: &[u8]) -> Got {
    let mut b = a.post(url).header("content-type", ct);
    if let Some(t) = auth {
        b = b.header("authorization", &format!("Bearer {t}"));
    }
    let mut r = b.send(body).unwrap();
    finish(&mut r)
}

fn finish(r: &mut ureq::http::Response<ureq::Body>) -> Got {
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = r
        .body_mut()
        .with_config()
        .limit(16 << 20)
        .read_to_string()
        .unwrap();
    Got { status, ct, body }
}

fn json(g: &Got) -> serde_json::Value {
    serde_json::from_str(&g.body).unwrap_or_else(|e| panic!("{e}: {}", g.body))
}

#[test]
fn in_process_server_over_loopback() {
    let f = fixture();
    let doc = serde_json::to_vec(&issue(&f.state, "王晓明").document).unwrap();
    let srv = Loopback::start(f.state.clone());
    let base = srv.base();

    let a = agent();
    let g = get(&a, &format!("{base}/healthz"));
    assert_eq!(g.status, 200);
    let g = post(
        &a,
        &format!("{base}/api/v1/verify"),
        "application/json",
        None,
        &doc,
    );
    assert_eq!(g.status, 200);
    assert_eq!(json(&g)["verdict"], "valid");
    // Admin: 401 without a token, 201 with it.
    let body = request_json("李娜").to_string();
    let g = post(
        &a,
        &format!("{base}/api/v1/admin/certificates"),
        "application/json",
        None,
        body.as_bytes(),
    );
    assert_eq!(g.status, 401);
    assert!(g.ct.starts_with("application/json"));
    let g = post(
        &a,
        &format!("{base}/api/v1/admin/certificates"),
        "application/json",
        Some(TOKEN),
        body.as_bytes(),
    );
    assert_eq!(g.status, 201, "{}", g.body);
    let issued = json(&g);
    let g = post(
        &a,
        &format!("{base}/api/v1/verify"),
        "application/json",
        None,
        issued["document"].to_string().as_bytes(),
    );
    assert_eq!(json(&g)["verdict"], "valid");
    // Bad requests over the wire.
    let g = post(
        &a,
        &format!("{base}/api/v1/verify"),
        "application/json",
        None,
        b"{oops",
    );
    assert_eq!(g.status, 400);
    assert_eq!(json(&g)["error"], "invalid_json");
    let g = post(
        &a,
        &format!("{base}/api/v1/verify"),
        "text/plain",
        None,
        &vec![b'x'; 300 << 10],
    );
    assert_eq!(g.status, 413);
    assert_eq!(json(&g)["error"], "payload_too_large");
    let g = get(&a, &format!("{base}/V/%E0%A4%A"));
    assert!(g.status >= 400 && g.status < 500, "{}", g.status);

    // Many clients at once.
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (base, doc) = (base.clone(), doc.clone());
            std::thread::spawn(move || {
                let a = agent();
                for _ in 0..25 {
                    let g = post(
                        &a,
                        &format!("{base}/api/v1/verify"),
                        "application/json",
                        None,
                        &doc,
                    );
                    assert_eq!(g.status, 200);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // Metrics: not on the public site, on their own listener.
    let g = get(&a, &format!("{base}/metrics"));
    assert_eq!(g.status, 404);
    let metrics = srv.start_metrics(f.state.clone());
    let m = get(&a, &format!("{metrics}/metrics")).body;
    assert!(
        m.contains("skillcert_verifications_total{verdict=\"valid\"} 202"),
        "{m}"
    );

    // Graceful shutdown.
    srv.stop();
}

struct Served {
    child: Child,
    first: serde_json::Value,
    stderr: std::path::PathBuf,
}

fn start(dir: &std::path::Path, extra: &[&str]) -> Served {
    let stderr = dir.join(format!("stderr-{}.log", rand_suffix()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_skillcert"))
        .args(["--json", "--data-dir"])
        .arg(dir.join("data"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .env("SKILLCERT_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let first: serde_json::Value =
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
    Served {
        child,
        first,
        stderr,
    }
}

fn rand_suffix() -> u128 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed) as u128
}

fn stop(mut s: Served) -> String {
    let st = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let t = Instant::now();
    loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "no graceful exit on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::fs::read_to_string(&s.stderr).unwrap()
}

#[test]
fn serve_binary_demo_issuer_token_and_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let s = start(tmp.path(), &["--metrics-addr", "127.0.0.1:0"]);
    let url = s.first["url"].as_str().unwrap().to_owned();
    let token = s.first["admin_token"].as_str().unwrap().to_owned();
    // Metrics only on their own listener.
    let metrics_url = s.first["metrics_url"].as_str().unwrap().to_owned();
    assert_ne!(metrics_url, format!("{url}/metrics"));
    let g = get(&agent(), &metrics_url);
    assert_eq!(g.status, 200);
    assert!(g.body.contains("skillcert_uptime_seconds"), "{}", g.body);
    assert_eq!(get(&agent(), &format!("{url}/metrics")).status, 404);
    assert!(token.len() >= 40, "{token}");
    assert_eq!(
        s.first["public_url"], url,
        "the demo issuer's public URL is the serve address"
    );
    let demo = s.first["demo"].as_array().unwrap();
    assert!(demo.len() >= 3);

    // Only the token's SHA-256 is kept, mode 0600.
    let hash_file = tmp.path().join("data/admin-token.sha256");
    let stored = std::fs::read_to_string(&hash_file).unwrap();
    assert!(!stored.contains(&token));
    assert_eq!(
        stored.trim(),
        hex::encode(skillcert_server::admin::token_hash(&token))
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&hash_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    let a = agent();
    // The demo certificates verify against this server.
    let doc_path = demo[0]["files"]["document"].as_str().unwrap();
    let doc = std::fs::read(doc_path).unwrap();
    let g = post(
        &a,
        &format!("{url}/api/v1/verify"),
        "application/json",
        None,
        &doc,
    );
    assert_eq!(json(&g)["verdict"], demo[0]["state"], "{}", g.body);
    let did = json(&get(&a, &format!("{url}/.well-known/did.json")));
    assert_eq!(did["id"], s.first["issuer"]);
    // The admin API takes the printed token.
    let body = request_json("李娜").to_string();
    let g = post(
        &a,
        &format!("{url}/api/v1/admin/certificates"),
        "application/json",
        Some(&token),
        body.as_bytes(),
    );
    assert_eq!(g.status, 201, "{}", g.body);
    let issued = json(&g);
    // The online ID check, right, wrong and malformed: the ID number reaches no log line.
    let cert = issued["credential_id"]
        .as_str()
        .unwrap_or_else(|| panic!("{issued}"));
    for (body, want) in [
        (
            serde_json::json!({"certificate": cert, "id_number": "330602199001011231"}),
            200,
        ),
        (
            serde_json::json!({"certificate": cert, "id_number": "330602199001011248"}),
            200,
        ),
        (
            serde_json::json!({"certificate": cert, "id_number": 330602199001011231u64}),
            400,
        ),
    ] {
        let g = post(
            &a,
            &format!("{url}/api/v1/holder-check"),
            "application/json",
            None,
            body.to_string().as_bytes(),
        );
        assert_eq!(g.status, want, "{}", g.body);
    }
    let g = post(
        &a,
        &format!("{url}/api/v1/admin/certificates"),
        "application/json",
        Some("sca_wrong"),
        body.as_bytes(),
    );
    assert_eq!(g.status, 401);
    let _ = get(&a, &format!("{url}/V/SECRETQRPAYLOAD0123456789"));

    let logs = stop(s);
    assert!(
        logs.contains("/api/v1/admin/certificates"),
        "request logs name the route: {logs}"
    );
    assert!(!logs.contains(&token), "the admin token is never logged");
    assert!(logs.contains("/api/v1/holder-check"), "{logs}");
    for id in ["330602199001011231", "330602199001011248", "19900101"] {
        assert!(!logs.contains(id), "an ID number in the logs: {logs}");
    }
    assert!(
        !logs.contains("SECRETQRPAYLOAD"),
        "QR payloads are never logged"
    );
    assert!(logs.contains("shutting down"));

    // Second start: same issuer, no new demo, no token shown; the old token still works.
    let s = start(tmp.path(), &[]);
    assert!(s.first["admin_token"].is_null());
    assert!(s.first["metrics_url"].is_null());
    assert_eq!(s.first["demo"].as_array().unwrap().len(), 0);
    let url = s.first["url"].as_str().unwrap().to_owned();
    let g = post(
        &a,
        &format!("{url}/api/v1/admin/certificates"),
        "application/json",
        Some(&token),
        body.as_bytes(),
    );
    assert_eq!(g.status, 201);
    stop(s);

    // A new token replaces the old one.
    let s = start(tmp.path(), &["--new-admin-token"]);
    let new = s.first["admin_token"].as_str().unwrap().to_owned();
    assert_ne!(new, token);
    let url = s.first["url"].as_str().unwrap().to_owned();
    let g = post(
        &a,
        &format!("{url}/api/v1/admin/certificates"),
        "application/json",
        Some(&token),
        body.as_bytes(),
    );
    assert_eq!(g.status, 401);
    let g = post(
        &a,
        &format!("{url}/api/v1/admin/certificates"),
        "application/json",
        Some(&new),
        body.as_bytes(),
    );
    assert_eq!(g.status, 201);
    stop(s);
}

#[test]
fn slow_client_gets_a_json_408_and_the_server_keeps_serving() {
    use std::io::{Read, Write};
    let f = fixture();
    let state = f.state.clone().with_limits(skillcert_server::Limits {
        request_timeout: Duration::from_millis(500),
        concurrency: 64,
        ..Default::default()
    });
    let srv = Loopback::start(state);
    let addr = srv.addr;
    // Announce 1000 bytes, send 10, then stall.
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /api/v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n0123456789"
    )
    .unwrap();
    let t = Instant::now();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(
        text.contains("application/json") && text.contains("\"error\":\"timeout\""),
        "{text}"
    );
    assert!(t.elapsed() < Duration::from_secs(5));
    let g = get(&agent(), &format!("http://{addr}/healthz"));
    assert_eq!(g.status, 200);
    srv.stop();
}

#[test]
fn slow_or_silent_header_senders_are_cut_off() {
    use std::io::{Read, Write};
    let f = fixture();
    let state = f.state.clone().with_limits(skillcert_server::Limits {
        header_read_timeout: Duration::from_millis(700),
        ..Default::default()
    });
    let srv = Loopback::start(state);
    let addr = srv.addr;
    // Closed by the server: read returns 0 (or an error), within a few header timeouts.
    let cut_off = |s: &mut std::net::TcpStream| {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let t = Instant::now();
        let mut buf = vec![0u8; 4096];
        let mut seen = Vec::new();
        loop {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        String::from_utf8_lossy(&seen).into_owned()
    };
    // Slowloris: a request line and one header, then nothing more.
    let mut slow = std::net::TcpStream::connect(addr).unwrap();
    write!(slow, "GET /healthz HTTP/1.1\r\nHost: x\r\n").unwrap();
    let said = cut_off(&mut slow);
    assert!(!said.contains("200 OK"), "{said}");
    // A connection that never sends a byte.
    let mut silent = std::net::TcpStream::connect(addr).unwrap();
    cut_off(&mut silent);
    // The server keeps serving, and a normal request on a fresh connection is answered.
    let g = get(&agent(), &format!("http://{addr}/healthz"));
    assert_eq!(g.status, 200);
    srv.stop();
}

/// Reads what the server sends until it closes the connection; fails the test if it keeps
/// the connection open for 10 s instead.
fn read_all(s: &mut std::net::TcpStream) -> String {
    use std::io::{ErrorKind, Read};
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 8192];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => panic!(
                "the server kept the connection open: {}",
                String::from_utf8_lossy(&seen)
            ),
            Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// Finding 8: an admin batch request without the token gets its 401 before its body is sent
/// (it announces 5 MB, over the 4 MiB batch limit, and sends one byte), not a 413 after reading
/// 4 MiB nor a timeout; and the connection is closed rather than drained.
#[test]
fn finding_8_admin_auth_before_body() {
    use std::io::Write;
    let f = fixture();
    let srv = Loopback::start(f.state.clone());
    for auth in ["", "Authorization: Bearer sca_wrong\r\n"] {
        let mut s = std::net::TcpStream::connect(srv.addr).unwrap();
        write!(
            s,
            "POST /api/v1/admin/certificates/batch HTTP/1.1\r\nHost: x\r\n{auth}\
             Content-Type: application/json\r\nContent-Length: 5000000\r\n\r\n["
        )
        .unwrap();
        // The rest of the body is never sent: the answer must come anyway.
        let text = read_all(&mut s);
        assert!(text.starts_with("HTTP/1.1 401"), "{text}");
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let head = head.to_ascii_lowercase();
        assert!(head.contains("content-type: application/json"), "{head}");
        assert!(head.contains("connection: close"), "{head}");
        assert!(head.contains("www-authenticate: bearer"), "{head}");
        let v: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(v["error"], "unauthorized");
    }
    // With the token the same route reads bodies as before.
    let g = post(
        &agent(),
        &format!("{}/api/v1/admin/certificates/batch", srv.base()),
        "application/json",
        Some(TOKEN),
        serde_json::json!([request_json("李娜")])
            .to_string()
            .as_bytes(),
    );
    assert_eq!(g.status, 200, "{}", g.body);
    srv.stop();
}
