//! Thousands of random requests (random routes, methods, content types, headers and bodies,
//! including garbage in the QR path): every answer is below 500, every error is JSON (or the
//! HTML verdict page a browser asked for), and the service keeps answering.

use crate::server_support::*;
use axum::body::Body;
use axum::http::Request;
use serde_json::json;
use skillcert_server::{app, ROUTES};
use tower::ServiceExt;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

const SEGMENT_CHARS: &[u8] = b"ABCXYZabc0123456789-._~%/:$+*";

fn path_piece(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => String::new(),
        1 => "urn:uuid:00000000-0000-4000-8000-000000000000".into(),
        2 => "9".repeat(rng.below(5000)),
        3 => "%FF%00%C3%28".into(),
        4 => "..%2F..%2Fetc%2Fpasswd".into(),
        _ => (0..rng.below(40))
            .map(|_| *rng.pick(SEGMENT_CHARS) as char)
            .collect(),
    }
}

#[tokio::test]
async fn random_requests_never_get_a_5xx() {
    let f = fixture();
    let doc = serde_json::to_vec(&issue(&f.state, "王晓明").document).unwrap();
    let router = app(f.state.clone());
    let mut rng = Rng(0x5eed_cafe_f00d_0001);
    let methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    let cts = [
        None,
        Some("application/json"),
        Some("text/plain"),
        Some("multipart/form-data"),
        Some("multipart/form-data; boundary=xyz"),
        Some("application/x-www-form-urlencoded"),
        Some("image/png"),
        Some("image/jpeg"),
        Some("application/json; charset=\"x"),
        Some("*/*"),
    ];
    let n = 3000;
    let mut counts = std::collections::BTreeMap::new();
    for i in 0..n {
        let (m, template) = *rng.pick(ROUTES);
        let method = if rng.below(4) == 0 {
            *rng.pick(&methods)
        } else {
            m
        };
        let mut uri = template
            .replace("{payload}", &path_piece(&mut rng))
            .replace("{list}", &path_piece(&mut rng))
            .replace("{id}", &path_piece(&mut rng));
        if rng.below(5) == 0 {
            uri.push_str(&format!("/{}", path_piece(&mut rng)));
        }
        if rng.below(5) == 0 {
            uri.push_str("?lang=");
            uri.push_str(&path_piece(&mut rng));
        }
        let uri = uri.replace("//", "/");
        let body: Vec<u8> = match rng.below(7) {
            0 => Vec::new(),
            1 => {
                let n = rng.below(2048);
                rng.bytes(n)
            }
            2 => {
                let mut d = doc.clone();
                let k = rng.below(d.len());
                d[k] ^= 1 << rng.below(8);
                d
            }
            3 => doc[..rng.below(doc.len())].to_vec(),
            4 => format!("{{\"input\":\"{}\"}}", path_piece(&mut rng)).into_bytes(),
            5 => request_json("张伟").to_string().into_bytes(),
            _ => format!("--xyz\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n\r\n{}\r\n--xyz--\r\n", path_piece(&mut rng)).into_bytes(),
        };
        let mut b = Request::builder().method(method);
        match Request::builder().uri(&uri).body(()) {
            Ok(_) => b = b.uri(&uri),
            Err(_) => b = b.uri("/V/invalid-uri-replaced"),
        }
        if let Some(ct) = rng.pick(&cts) {
            b = b.header("content-type", *ct);
        }
        match rng.below(4) {
            0 => b = b.header("authorization", format!("Bearer {TOKEN}")),
            1 => b = b.header("authorization", "Bearer x"),
            _ => {}
        }
        if rng.below(3) == 0 {
            b = b.header("accept", "text/html");
        }
        if rng.below(4) == 0 {
            b = b.header(
                "accept-language",
                String::from_utf8_lossy(&rng.bytes(8))
                    .replace(|c: char| !c.is_ascii_graphic(), "q"),
            );
        }
        let req = b.body(Body::from(body)).unwrap();
        let resp = router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
            .await
            .unwrap();
        assert!(
            status.as_u16() < 500,
            "request {i}: {method} {uri}: {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        if status.is_client_error() && method != "HEAD" {
            if ct.starts_with("application/json") {
                let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                assert!(v["error"].is_string(), "request {i}: {v}");
            } else {
                assert!(
                    ct.starts_with("text/html"),
                    "request {i}: {method} {uri}: {status} {ct}"
                );
                assert!(String::from_utf8_lossy(&bytes).contains("data-verdict="));
            }
        }
        *counts.entry(status.as_u16()).or_insert(0) += 1;
    }
    eprintln!("statuses over {n} random requests: {counts:?}");
    assert!(
        counts.keys().any(|s| *s >= 400),
        "the fuzzing reached error paths"
    );
    // Still serving.
    let r = send(&f.state, req("GET", "/healthz", None, "")).await;
    assert_eq!(r.status, 200);
    let r = send(
        &f.state,
        req("POST", "/api/v1/verify", Some("application/json"), doc),
    )
    .await;
    assert_eq!(r.json()["verdict"], "valid");
}

/// Sends `bytes` on a fresh connection and reads the answer until the server closes it.
fn raw(addr: std::net::SocketAddr, bytes: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    s.write_all(bytes).unwrap();
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 8192];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&seen).into_owned()
}

/// Asserts a raw answer is a JSON error with this status that closes the connection; its code.
fn assert_raw_json_error(text: &str, status: u16) -> String {
    assert!(
        text.starts_with(&format!("HTTP/1.1 {status} ")),
        "{}",
        &text[..text.len().min(300)]
    );
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let head = head.to_ascii_lowercase();
    assert!(head.contains("content-type: application/json"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(
        head.contains(&format!("content-length: {}\r\n", body.len()))
            || head.ends_with(&format!("content-length: {}", body.len())),
        "{head}"
    );
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    v["error"].as_str().unwrap().to_owned()
}

/// Finding 8: hyper's own answer to a request line that is not HTTP is a JSON 400.
#[test]
fn finding_8_http_layer_errors_are_json_400() {
    let f = fixture();
    let srv = Loopback::start(f.state.clone());
    for garbage in [
        &b"\x16\x03\x01 NOT HTTP AT ALL\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nHost: x\r\nno colon in this header\r\n\r\n",
        b"GET /\x7f HTTP/1.1\r\n\r\n",
    ] {
        let text = raw(srv.addr, garbage);
        assert_eq!(assert_raw_json_error(&text, 400), "bad_request");
    }
    // The server keeps serving.
    let text = raw(
        srv.addr,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    srv.stop();
}

/// Finding 8: hyper's own answer to a request target over 64 KiB is a JSON 414.
#[test]
fn finding_8_http_layer_errors_are_json_414() {
    let f = fixture();
    let srv = Loopback::start(f.state.clone());
    let long = format!("GET /V/{} HTTP/1.1\r\nHost: x\r\n\r\n", "A".repeat(70_000));
    let text = raw(srv.addr, long.as_bytes());
    assert_eq!(assert_raw_json_error(&text, 414), "uri_too_long");
    srv.stop();
}

/// Finding 8: hyper's own answer to a request head with too many or too large headers is a
/// JSON 431.
#[test]
fn finding_8_http_layer_errors_are_json_431() {
    let f = fixture();
    let srv = Loopback::start(f.state.clone());
    let mut many = String::from("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    for i in 0..150 {
        many.push_str(&format!("X-Filler-{i}: {i}\r\n"));
    }
    many.push_str("\r\n");
    let text = raw(srv.addr, many.as_bytes());
    assert_eq!(assert_raw_json_error(&text, 431), "headers_too_large");
    srv.stop();
}

/// Finding 8: `/metrics` is not on the public site, with or without the admin token; it is
/// served by the metrics listener's own router (`serve --metrics-addr`).
#[tokio::test]
async fn finding_8_metrics_not_public() {
    let f = fixture();
    let r = send(&f.state, req("GET", "/metrics", None, "")).await;
    assert_eq!(r.assert_error(404), "not_found");
    let r = send(&f.state, admin("GET", "/metrics", None)).await;
    assert_eq!(r.assert_error(404), "not_found");
    assert!(!ROUTES.iter().any(|(_, p)| *p == "/metrics"));
    let r = skillcert_server::metrics::app(f.state.clone())
        .oneshot(req("GET", "/metrics", None, ""))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The metrics router serves nothing else.
    let r = skillcert_server::metrics::app(f.state.clone())
        .oneshot(req("GET", "/healthz", None, ""))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

async fn readyz(state: &skillcert_server::AppState) -> (u16, serde_json::Value) {
    let r = send(state, req("GET", "/readyz", None, "")).await;
    assert!(r.content_type().starts_with("application/json"));
    assert_eq!(r.headers["cache-control"], "no-store");
    (r.status.as_u16(), r.json())
}

/// Finding 8: `/readyz` says not ready (503 JSON with a reason) while the issuer's database cannot
/// take a write (another writer holds its lock; its file was moved away), ready again once it
/// can; `/healthz` stays a liveness probe throughout.
#[tokio::test]
async fn finding_8_readyz_reports_unwritable_registry() {
    let f = fixture();
    let db = f.dir.path().join(skillcert_store::issuer_db::REGISTRY_FILE);
    // Another writer holds the write lock: every issuance would wait, then fail.
    let other = rusqlite::Connection::open(&db).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (status, v) = readyz(&f.state).await;
    assert_eq!(status, 503, "{v}");
    assert_eq!(v["status"], "not_ready");
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("issuer's database not writable"),
        "{v}"
    );
    let r = send(&f.state, req("GET", "/healthz", None, "")).await;
    assert_eq!(r.status, 200);
    other.execute_batch("ROLLBACK").unwrap();
    assert_eq!(readyz(&f.state).await, (200, json!({"status": "ready"})));
    // The issuer's database file is gone from the data dir (a success is reused for a moment: wait it out).
    std::thread::sleep(
        skillcert_server::ready::REUSE_READY + std::time::Duration::from_millis(100),
    );
    let moved = f.dir.path().join("registry.sqlite.moved");
    std::fs::rename(&db, &moved).unwrap();
    let (status, v) = readyz(&f.state).await;
    assert_eq!(status, 503, "{v}");
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("issuer's database not writable"),
        "{v}"
    );
    assert!(!v["reason"]
        .as_str()
        .unwrap()
        .contains(f.dir.path().to_str().unwrap()));
    std::fs::rename(&moved, &db).unwrap();
    assert_eq!(readyz(&f.state).await.0, 200);
}

/// Finding 8: `/readyz` says not ready when the data dir's file system has less free space
/// than required.
#[tokio::test]
async fn finding_8_readyz_reports_low_disk_space() {
    let f = fixture();
    assert_eq!(readyz(&f.state).await.0, 200);
    let state = f.state.clone().with_limits(skillcert_server::Limits {
        min_free_bytes: u64::MAX,
        ..Default::default()
    });
    std::thread::sleep(
        skillcert_server::ready::REUSE_READY + std::time::Duration::from_millis(100),
    );
    let (status, v) = readyz(&state).await;
    assert_eq!(status, 503, "{v}");
    assert_eq!(v["status"], "not_ready");
    assert!(v["reason"].as_str().unwrap().contains("free"), "{v}");
}

fn keyed(uri: &str, key: &str, body: &serde_json::Value) -> Request<Body> {
    let mut r = admin("POST", uri, Some(body.clone()));
    r.headers_mut()
        .insert("idempotency-key", key.parse().unwrap());
    r
}

/// Finding 8: with an `Idempotency-Key`, a retried issuance (one or a batch) gets the first
/// answer byte for byte, marked `Idempotent-Replayed: true`, and issues nothing; the same key
/// with another body is a 422; bad keys are a 400; a refused request stores nothing.
#[tokio::test]
async fn finding_8_idempotency_key_replays_first_answer() {
    let f = fixture();
    let count = || {
        f.state
            .issuer_site()
            .unwrap()
            .registry()
            .ids()
            .unwrap()
            .len()
    };
    let one = "/api/v1/admin/certificates";
    let body = request_json("王晓明");
    let first = send(&f.state, keyed(one, "order-2024-0001", &body)).await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert!(first.headers.get("idempotent-replayed").is_none());
    assert_eq!(count(), 1);
    let again = send(&f.state, keyed(one, "order-2024-0001", &body)).await;
    assert_eq!(again.status, 201);
    assert_eq!(again.body, first.body);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.content_type(), "application/json");
    assert_eq!(count(), 1, "the retry issued nothing");
    // The same key with another body, or on the other route: refused.
    let r = send(
        &f.state,
        keyed(one, "order-2024-0001", &request_json("李娜")),
    )
    .await;
    assert_eq!(r.assert_error(422), "invalid_request");
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("Idempotency-Key"));
    let batch = "/api/v1/admin/certificates/batch";
    let r = send(&f.state, keyed(batch, "order-2024-0001", &body)).await;
    assert_eq!(r.assert_error(422), "invalid_request");
    // Without a key, each request issues.
    let r = send(&f.state, admin("POST", one, Some(body.clone()))).await;
    assert_eq!(r.status, 201);
    assert_eq!(count(), 2);

    // A batch: the same.
    let items = json!([request_json("张伟"), request_json("赵强")]);
    let first = send(&f.state, keyed(batch, "batch-7", &items)).await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(first.json()["issued"], 2);
    assert_eq!(count(), 4);
    let again = send(&f.state, keyed(batch, "batch-7", &items)).await;
    assert_eq!((again.status, &again.body), (first.status, &first.body));
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(count(), 4);

    // Bad keys.
    for bad in ["", &"k".repeat(256)] {
        let r = send(&f.state, keyed(one, bad, &body)).await;
        assert_eq!(r.assert_error(400), "bad_request", "{bad:?}");
    }
    let mut r = keyed(one, "x", &body);
    r.headers_mut().insert(
        "idempotency-key",
        axum::http::HeaderValue::from_bytes(b"caf\xc3\xa9").unwrap(),
    );
    assert_eq!(send(&f.state, r).await.assert_error(400), "bad_request");
    let max = "k".repeat(255);
    assert_eq!(send(&f.state, keyed(one, &max, &body)).await.status, 201);

    // A refused request stores nothing: the key can be used once the request is fixed.
    let mut wrong = request_json("周杰");
    wrong["level"]["value"] = json!("99");
    let r = send(&f.state, keyed(one, "fix-me", &wrong)).await;
    assert_eq!(r.assert_error(422), "invalid_request");
    let r = send(&f.state, keyed(one, "fix-me", &request_json("周杰"))).await;
    assert_eq!(r.status, 201, "{}", r.text());
}

/// Finding 8: a request cut off after its certificates were committed but before its answer
/// was stored (the server killed in between) is completed by the retry: the same
/// certificate, nothing issued twice; and a request whose key is being answered gets a 409.
#[tokio::test]
async fn finding_8_idempotency_key_resumes_after_a_crash() {
    use skillcert_server::idempotency::{self, Issuance, Start};
    let f = fixture();
    let body = request_json("王晓明");
    let text = body.to_string();
    let mut headers = axum::http::HeaderMap::new();
    headers.insert("idempotency-key", "cut-off".parse().unwrap());
    let route = skillcert_server::admin::ROUTE_ONE;
    let certificates = || {
        let backend = f.state.issuer_site().unwrap();
        backend.registry().ids().unwrap().len()
    };
    // The first request: reserved and issued, never answered.
    let Start::Go(Some(claim)) = idempotency::start(&f.state, &headers, route, text.as_bytes())
        .await
        .unwrap()
    else {
        panic!("a new key")
    };
    // While it is being answered, a retry is told to come back.
    let one = "/api/v1/admin/certificates";
    let r = send(&f.state, keyed(one, "cut-off", &body)).await;
    assert_eq!(r.assert_error(409), "conflict");
    let (_, checked) = skillcert::request::IssuanceRequest::from_value(body.clone()).unwrap();
    let Issuance::Done(done) =
        idempotency::issue(f.state.issuer_site().unwrap(), Some(&claim), &[checked]).unwrap()
    else {
        panic!("issued")
    };
    let issued = done.into_iter().next().unwrap().unwrap();
    drop(claim); // the process dies: no answer stored
    assert_eq!(certificates(), 1);
    // The retry: the same certificate, byte for byte, and still one in the issuer's database.
    let r = send(&f.state, keyed(one, "cut-off", &body)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.headers.get("idempotent-replayed").is_none());
    let v = r.json();
    assert_eq!(v["credential_id"], issued.claims.id_urn());
    assert_eq!(v["document"], issued.document);
    assert_eq!(certificates(), 1);
    // From now on, the stored answer.
    let again = send(&f.state, keyed(one, "cut-off", &body)).await;
    assert_eq!(again.body, r.body);
    assert_eq!(again.headers["idempotent-replayed"], "true");
}
