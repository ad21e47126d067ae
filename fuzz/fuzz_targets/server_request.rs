//! Any request to the HTTP service gets an answer below 500 with a JSON error body (or the HTML
//! verdict page), never a panic: the first bytes pick the route, method and content type, the
//! rest is the path suffix and body.
#![no_main]

use axum::body::Body;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;
use skillcert_server::{app, backend::Backend, AppState, ROUTES};
use std::sync::OnceLock;
use tower::ServiceExt;

fn state() -> &'static (AppState, tokio::runtime::Runtime) {
    static S: OnceLock<(AppState, tokio::runtime::Runtime)> = OnceLock::new();
    S.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("skillcert-fuzz-server-{}", std::process::id()));
        let issuer = skillcert::issuer::Issuer::init(&dir, "Fuzz Centre", Some("https://fuzz.example"))
            .or_else(|_| skillcert::issuer::Issuer::open(&dir))
            .unwrap();
        let hash = skillcert_server::admin::token_hash("sca_fuzz");
        let st = AppState::new(Backend::open(issuer).unwrap(), Some(hash));
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        (st, rt)
    })
}

const CTS: [&str; 6] = [
    "application/json",
    "text/plain",
    "multipart/form-data; boundary=b",
    "application/x-www-form-urlencoded",
    "image/png",
    "application/octet-stream",
];

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let (st, rt) = state();
    let (m, template) = ROUTES[data[0] as usize % ROUTES.len()];
    let ct = CTS[data[1] as usize % CTS.len()];
    let split = 3 + (data[2] as usize).min(data.len() - 3);
    let piece: String = data[3..split]
        .iter()
        .map(|b| format!("%{b:02X}"))
        .collect();
    let uri = template
        .replace("{payload}", &format!("X{piece}"))
        .replace("{list}", &format!("1{piece}"))
        .replace("{id}", &format!("i{piece}"));
    let mut b = Request::builder().method(m).uri(uri).header("content-type", ct);
    if data[1] & 0x80 != 0 {
        b = b.header("authorization", "Bearer sca_fuzz");
    }
    let req = b.body(Body::from(data[split..].to_vec())).unwrap();
    let resp = rt.block_on(app(st.clone()).oneshot(req)).unwrap();
    assert!(resp.status().as_u16() < 500, "{}", resp.status());
});
