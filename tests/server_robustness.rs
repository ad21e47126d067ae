//! Thousands of random requests (random routes, methods, content types, headers and bodies,
//! including garbage in the QR path): every answer is below 500, every error is JSON (or the
//! HTML verdict page a browser asked for), and the service keeps answering.

mod server_support;

use axum::body::Body;
use axum::http::Request;
use server_support::*;
use skillcert::server::{app, ROUTES};
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
