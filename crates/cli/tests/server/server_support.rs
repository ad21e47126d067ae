//! Shared set-up of the server tests: an issuer in a temp dir, the app state, an admin token,
//! and a one-shot request helper.
#![allow(dead_code)]

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use skillcert::issuer::{Issued, Issuer};
use skillcert::request::IssuanceRequest;
use skillcert_server::admin::token_hash;
use skillcert_server::backend::Backend;
use skillcert_server::{app, AppState};
use tower::ServiceExt;

/// The admin token of the test states.
pub const TOKEN: &str = "sca_test-token-not-secret-0123456789";

/// A test issuer's data dir and the state over it.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub state: AppState,
}

/// A did:web issuer with an issuer's database in a fresh temp dir.
pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    Issuer::init(
        dir.path(),
        "Test Assessment Centre",
        Some("https://verify.test.example"),
    )
    .unwrap();
    let backend = Backend::open(Issuer::open(dir.path()).unwrap()).unwrap();
    let state = AppState::new(backend, Some(token_hash(TOKEN)));
    Fixture { dir, state }
}

/// A sample issuance request.
pub fn request_json(holder: &str) -> serde_json::Value {
    serde_json::json!({
        "holder": {"name": holder, "name_latin": "Wang Xiaoming", "national_id": "330602199001011231"},
        "program": {"name": "数控铣工 CNC Milling Operator", "code": "6-18-01-01"},
        "level": {"framework": "cn-nvq", "value": "2"}
    })
}

/// Issues one certificate through the backend.
pub fn issue(state: &AppState, holder: &str) -> Issued {
    let (_, checked) = IssuanceRequest::from_value(request_json(holder)).unwrap();
    state.issuer_site().unwrap().issue(&checked).unwrap()
}

/// The response of one request.
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: not JSON: {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    /// Asserts a JSON error with this status and returns its code.
    pub fn assert_error(&self, status: u16) -> String {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert!(
            self.content_type().starts_with("application/json"),
            "{}",
            self.content_type()
        );
        let v = self.json();
        assert!(v["message"].is_string(), "{v}");
        v["error"].as_str().unwrap().to_owned()
    }
}

/// Sends one request to a fresh router over `state`.
pub async fn send(state: &AppState, req: Request<Body>) -> Resp {
    let resp = app(state.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap()
        .to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

/// A request builder shortcut.
pub fn req(method: &str, uri: &str, ct: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(ct) = ct {
        b = b.header("content-type", ct);
    }
    b.body(body.into()).unwrap()
}

/// An admin request with the test token.
pub fn admin(method: &str, uri: &str, body: Option<serde_json::Value>) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("Bearer {TOKEN}"));
    let body = match body {
        Some(v) => {
            b = b.header("content-type", "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    b.body(body).unwrap()
}

/// A multipart/form-data body with one file field.
pub fn multipart(field: &str, filename: &str, ct: &str, data: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----skillcert-test-boundary-7f3a";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: {ct}\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A small PNG with no QR code in it.
pub fn blank_png() -> Vec<u8> {
    let img = image::GrayImage::from_pixel(64, 64, image::Luma([255u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// Verification pages of real certificates for the browser test: (name, path, verdict, words
/// the banner shows), in Chinese and English: valid, revoked, suspended, expired and
/// untrusted_issuer. (`status_unknown` needs an issuer's database that cannot be read: see
/// [`break_status_lists`].)
pub fn browser_pages(state: &AppState) -> Vec<(String, String, &'static str, &'static str)> {
    use skillcert_server::backend::Change;
    let valid = issue(state, "王晓明");
    let revoked = issue(state, "赵强");
    let suspended = issue(state, "孙丽");
    for (c, what, public) in [
        (&revoked, Change::Revoke, "考核舞弊 assessment fraud"),
        (&suspended, Change::Suspend, "复核中 under review"),
    ] {
        state
            .issuer_site()
            .unwrap()
            .change(&c.claims.id, what, ("test", Some(public)), "test")
            .unwrap();
    }
    let mut old = request_json("刘芳");
    old["valid_from"] = "2019-03-01T00:00:00Z".into();
    old["valid_years"] = 3.into();
    let (_, checked) = IssuanceRequest::from_value(old).unwrap();
    let expired = state.issuer_site().unwrap().issue(&checked).unwrap();
    // Another issuer, unknown to this site.
    let other_dir = tempfile::tempdir().unwrap();
    let other = Issuer::init(
        other_dir.path(),
        "Other Centre",
        Some("https://other.example"),
    )
    .unwrap();
    let (_, checked) = IssuanceRequest::from_value(request_json("周杰")).unwrap();
    let untrusted = other.issue_unregistered(&checked).unwrap();
    let mut pages = Vec::new();
    for (name, i, verdict, zh, en) in [
        ("valid", &valid, "valid", "证书有效", "Valid certificate"),
        (
            "revoked",
            &revoked,
            "revoked",
            "证书已撤销",
            "Certificate revoked",
        ),
        (
            "suspended",
            &suspended,
            "suspended",
            "证书已暂停",
            "Certificate suspended",
        ),
        (
            "expired",
            &expired,
            "expired",
            "证书已过期",
            "Certificate expired",
        ),
        (
            "untrusted_issuer",
            &untrusted,
            "untrusted_issuer",
            "发证机构不受信任",
            "Not from a trusted issuer",
        ),
    ] {
        pages.push((
            format!("{name}-zh"),
            format!("{}?lang=zh", qr_path(i)),
            verdict,
            zh,
        ));
        pages.push((
            format!("{name}-en"),
            format!("{}?lang=en", qr_path(i)),
            verdict,
            en,
        ));
    }
    pages
}

/// Makes the issuer's database's status lists unreadable (its `status_entries` table renamed), so that
/// every status check of this issuer answers `status_unknown`.
pub fn break_status_lists(dir: &std::path::Path) {
    let c = rusqlite::Connection::open(dir.join("registry.sqlite")).unwrap();
    c.execute_batch("ALTER TABLE status_entries RENAME TO status_entries_unreadable")
        .unwrap();
}

/// The path of a certificate's verification page (`/V/{payload}` of its QR text).
pub fn qr_path(i: &Issued) -> String {
    let (_, digits) = skillcert::qr::split_qr_text(&i.qr_text).unwrap();
    format!("/V/{digits}")
}

/// `serve(state)` on a free loopback port in a runtime of its own.
pub struct Loopback {
    rt: tokio::runtime::Runtime,
    pub addr: std::net::SocketAddr,
    tx: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Loopback {
    pub fn start(state: AppState) -> Loopback {
        Loopback::start_on(std::net::TcpListener::bind("127.0.0.1:0").unwrap(), state)
    }

    /// Serves on a listener bound beforehand (an issuer whose base URL names its port).
    pub fn start_on(listener: std::net::TcpListener, state: AppState) -> Loopback {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        listener.set_nonblocking(true).unwrap();
        let listener = {
            let _g = rt.enter();
            tokio::net::TcpListener::from_std(listener).unwrap()
        };
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = rt.spawn(skillcert_server::serve(listener, state, async {
            let _ = rx.await;
        }));
        Loopback {
            rt,
            addr,
            tx,
            server,
        }
    }

    /// Also serves the metrics listener (`serve --metrics-addr`) over `state` on a free
    /// loopback port, until the runtime ends; its `http://127.0.0.1:PORT`.
    pub fn start_metrics(&self, state: AppState) -> String {
        let listener = self
            .rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        self.rt.spawn(skillcert_server::metrics::serve_metrics(
            listener,
            state,
            std::future::pending(),
        ));
        format!("http://{addr}")
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Graceful shutdown; fails the test unless the server stops cleanly within 10 s.
    pub fn stop(self) {
        self.tx.send(()).unwrap();
        let server = self.server;
        self.rt
            .block_on(async {
                tokio::time::timeout(std::time::Duration::from_secs(10), server).await
            })
            .expect("shut down in time")
            .unwrap()
            .unwrap();
    }
}
