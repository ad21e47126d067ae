//! In-process tests (app(state) + oneshot) of the public routes and their errors. Requests
//! that differ only in their input are tables of cases: input → expected status, error code
//! or body field, with one loop each.

use crate::server_support::*;
use axum::body::Body;
use serde_json::{json, Value};
use skillcert::trust::TrustList;
use skillcert_server::AppState;

const VERIFY: &str = "/api/v1/verify";
const VERIFY_IMAGE: &str = "/api/v1/verify/image";
const JSON: &str = "application/json";
const FORM: &str = "application/x-www-form-urlencoded";

fn doc_text(state: &AppState) -> String {
    serde_json::to_string(&issue(state, "王晓明").document).unwrap()
}

/// `POST path` with content type `ct`.
async fn post(state: &AppState, path: &str, ct: Option<&str>, body: impl Into<Body>) -> Resp {
    send(state, req("POST", path, ct, body)).await
}

/// Asserts that `v` has each `(JSON pointer, value)` of `fields`.
fn assert_fields(v: &Value, fields: &[(&str, Value)]) {
    for (pointer, want) in fields {
        assert_eq!(v.pointer(pointer), Some(want), "{pointer} in {v}");
    }
}

#[tokio::test]
async fn healthz_and_request_ids() {
    let f = fixture();
    let r = send(&f.state, req("GET", "/healthz", None, "")).await;
    assert_eq!(r.status, 200);
    assert_fields(
        &r.json(),
        &[
            ("/status", json!("ok")),
            ("/issuer", json!("did:web:verify.test.example")),
        ],
    );
    assert!(r.headers.get("x-request-id").is_some());
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    let mut q = req("GET", "/healthz", None, "");
    q.headers_mut()
        .insert("x-request-id", "abc-123".parse().unwrap());
    let r = send(&f.state, q).await;
    assert_eq!(r.headers["x-request-id"], "abc-123");
}

#[tokio::test]
async fn verify_document_in_every_body_form() {
    let f = fixture();
    let doc = doc_text(&f.state);
    for (ct, body) in [
        (JSON, doc.clone()),
        (
            "application/json; charset=utf-8",
            json!({"input": doc}).to_string(),
        ),
        ("text/plain", doc.clone()),
    ] {
        let r = post(&f.state, VERIFY, Some(ct), body).await;
        assert_eq!(r.status, 200, "{ct}: {}", r.text());
        let v = r.json();
        assert_eq!(v["verdict"], "valid", "{v}");
        assert_fields(
            &v,
            &[
                ("/valid", json!(true)),
                ("/format", json!("document")),
                ("/holder", json!("王晓明")),
                ("/level", json!("2")),
            ],
        );
        assert!(v["checks"].as_array().unwrap().len() >= 4);
        assert_eq!(r.headers["cache-control"], "no-store");
    }
}

#[tokio::test]
async fn verdicts_of_altered_and_foreign_certificates() {
    let f = fixture();
    let mut altered = issue(&f.state, "王晓明").document;
    altered["credentialSubject"]["result"][0]["value"] = "1".into();
    // Same did:web, another key: the signature does not verify with the trusted key.
    let impostor = fixture();
    let forged = doc_text(&impostor.state);
    // Another issuer altogether.
    let dir = tempfile::tempdir().unwrap();
    let other = skillcert::issuer::Issuer::init(dir.path(), "Other", Some("https://other.example"))
        .unwrap();
    let (_, c) = skillcert::request::IssuanceRequest::from_value(request_json("李娜")).unwrap();
    let foreign = serde_json::to_string(&other.issue_unregistered(&c).unwrap().document).unwrap();
    for (what, body, verdict) in [
        ("altered", altered.to_string(), "bad_signature"),
        ("same did:web, another key", forged, "bad_signature"),
        ("another issuer", foreign, "untrusted_issuer"),
    ] {
        let r = post(&f.state, VERIFY, Some(JSON), body).await;
        assert_eq!(r.status, 200, "{what}");
        assert_eq!(r.json()["verdict"], verdict, "{what}: {}", r.text());
    }
    // The verifier trusts exactly the issuer's own keys.
    let t = TrustList::parse(
        &send(&f.state, req("GET", "/trust.json", None, ""))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(t.issuers.len(), 1);
}

#[tokio::test]
async fn verify_errors_are_json_4xx() {
    let f = fixture();
    // Not a certificate: 422 with the report and an error code.
    let r = post(&f.state, VERIFY, Some("text/plain"), "hello world").await;
    assert_eq!(r.assert_error(422), "malformed");
    assert_eq!(r.json()["verdict"], "malformed");
    let big = vec![b'a'; skillcert_server::api::MAX_VERIFY_BODY + 1];
    let unsupported = "unsupported_media_type";
    // (what, method, path, content type, body) → (status, error code)
    #[rustfmt::skip]
    let cases = [
        ("malformed JSON", "POST", VERIFY, Some(JSON), Vec::from("{\"a\":"), 400, "invalid_json"),
        // Duplicate keys are refused by the strict parser.
        ("duplicate keys", "POST", VERIFY, Some(JSON), Vec::from(r#"{"input":"a","input":"b"}"#), 400, "invalid_json"),
        ("a JSON array", "POST", VERIFY, Some(JSON), Vec::from("[1,2]"), 422, "invalid_request"),
        ("input not a string", "POST", VERIFY, Some(JSON), Vec::from(r#"{"input":5}"#), 422, "invalid_request"),
        ("XML", "POST", VERIFY, Some("application/xml"), Vec::from("x"), 415, unsupported),
        ("multipart", "POST", VERIFY, Some("multipart/form-data"), Vec::from("x"), 415, unsupported),
        ("no content type", "POST", VERIFY, None, Vec::from("x"), 415, unsupported),
        ("blank", "POST", VERIFY, Some("text/plain"), Vec::from("  "), 400, "bad_request"),
        ("not UTF-8", "POST", VERIFY, Some("text/plain"), vec![0xff, 0xfe], 400, "bad_request"),
        ("oversized body", "POST", VERIFY, Some("text/plain"), big, 413, "payload_too_large"),
        ("wrong method", "GET", VERIFY, None, Vec::new(), 405, "method_not_allowed"),
        ("unknown route", "GET", "/nope/../etc", None, Vec::new(), 404, "not_found"),
    ];
    for (what, method, path, ct, body, status, code) in cases {
        let r = send(&f.state, req(method, path, ct, body)).await;
        assert_eq!(r.assert_error(status), code, "{what}");
    }
}

#[tokio::test]
async fn verify_image_routes() {
    let f = fixture();
    let png = blank_png();
    let (photo_ct, photo) = multipart("image", "photo.png", "image/png", &png);
    let (other_ct, other) = multipart("other", "x.txt", "text/plain", b"");
    let big = vec![0u8; skillcert_server::api::MAX_IMAGE_BODY + (128 << 10)];
    let unsupported = "unsupported_media_type";
    // (what, content type, body) → (status, error code)
    #[rustfmt::skip]
    let cases = [
        // A photo with no QR code in it: not a certificate.
        ("a photo without a QR code", photo_ct.as_str(), photo, 422, "malformed"),
        ("a PNG without a QR code", "image/png", png.clone(), 422, "malformed"),
        ("no image field", other_ct.as_str(), other, 400, "bad_request"),
        ("multipart without a boundary", "multipart/form-data", Vec::from("x"), 415, unsupported),
        ("JSON", JSON, Vec::from("{}"), 415, unsupported),
        ("too large", "image/jpeg", big, 413, "payload_too_large"),
    ];
    for (what, ct, body, status, code) in cases {
        let r = post(&f.state, VERIFY_IMAGE, Some(ct), body).await;
        assert_eq!(r.assert_error(status), code, "{what}");
    }
    // Broken multipart: some 4xx, as JSON.
    let broken = "--zz\r\ngarbage";
    let ct = "multipart/form-data; boundary=zz";
    let r = post(&f.state, VERIFY_IMAGE, Some(ct), broken).await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.content_type().starts_with("application/json"));
}

#[tokio::test]
async fn qr_path_garbage_is_a_4xx() {
    let f = fixture();
    for path in [
        "/V/garbage",
        "/V/12345",
        "/V/%FF%FE",
        "/V/%00",
        "/V/..%2F..%2Fetc",
    ] {
        let r = send(&f.state, req("GET", path, None, "")).await;
        assert!(r.status.is_client_error(), "{path}: {}", r.status);
        assert!(r.content_type().starts_with("application/json"), "{path}");
    }
    let long = format!("/V/{}", "1".repeat(9000));
    let r = send(&f.state, req("GET", &long, None, "")).await;
    assert_eq!(r.assert_error(400), "bad_request");
    // A browser gets the red page, still with a 400.
    let mut q = req("GET", "/V/garbage", None, "");
    q.headers_mut()
        .insert("accept", "text/html,application/xhtml+xml".parse().unwrap());
    let r = send(&f.state, q).await;
    assert_eq!(r.status, 400);
    assert!(r.content_type().starts_with("text/html"));
    assert!(r.text().contains("data-verdict=\"malformed\""));
    assert!(r.headers.contains_key("content-security-policy"));
}

#[tokio::test]
async fn home_page_languages_and_policy() {
    let f = fixture();
    let r = send(&f.state, req("GET", "/", None, "")).await;
    assert_eq!(r.status, 200);
    let t = r.text();
    assert!(t.contains("<html lang=\"zh-CN\">"));
    assert!(t.contains("查验职业技能证书"));
    assert!(t.contains("action=\"/verify\"") && t.contains("action=\"/verify/image\""));
    let csp = r.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe"));
    // No script, no external resource.
    assert!(!t.contains("<script"));
    assert!(!t.contains("src=\"http") && !t.contains("href=\"http"));
    // English, asked for by the browser or by the URL, with the switch to Chinese.
    for (path, accept_language) in [("/", Some("en-GB,en;q=0.9,zh;q=0.5")), ("/?lang=en", None)] {
        let mut q = req("GET", path, None, "");
        if let Some(l) = accept_language {
            q.headers_mut()
                .insert("accept-language", l.parse().unwrap());
        }
        let t = send(&f.state, q).await.text();
        let case = format!("{path} {accept_language:?}");
        assert!(t.contains("<html lang=\"en\">"), "{case}");
        assert!(t.contains("Verify a skill certificate"), "{case}");
        assert!(
            t.contains("href=\"/?lang=zh\""),
            "{case}: switch to Chinese"
        );
    }
    // A bad query string still gets the page.
    let r = send(&f.state, req("GET", "/?lang=%FF", None, "")).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn paste_form_shows_the_verdict_page() {
    let f = fixture();
    let doc = doc_text(&f.state);
    let form = format!("lang=en&input={}", urlencode(&doc));
    let r = post(&f.state, "/verify", Some(FORM), form).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    for shown in [
        "data-verdict=\"valid\"",
        "Valid certificate",
        "王晓明",
        "Wang Xiaoming",
        "Technician",             // the level's name in English
        "level 2 of 5",           // the level's place in its framework
        "Test Assessment Centre", // the issuer
    ] {
        assert!(t.contains(shown), "{shown}");
    }
    // Not a certificate: the page says so, with a 400.
    let (photo_ct, photo) = multipart("image", "p.png", "image/png", &blank_png());
    let not_a_certificate = format!("lang=zh&input={}", urlencode("not a certificate"));
    // (path, content type, body) → what the 400 page shows
    for (path, ct, body, shown) in [
        (
            "/verify",
            FORM,
            not_a_certificate.into_bytes(),
            "无法识别的证书",
        ),
        (
            "/verify/image",
            photo_ct.as_str(),
            photo,
            "data-verdict=\"malformed\"",
        ),
    ] {
        let r = post(&f.state, path, Some(ct), body).await;
        assert_eq!(r.status, 400, "{path}");
        assert!(r.text().contains(shown), "{path}: {shown}");
    }
    // (what, content type, body) → (status, error code)
    for (what, ct, body, status, code) in [
        ("JSON", JSON, "{}", 415, "unsupported_media_type"),
        (
            "a form without input",
            FORM,
            "nothing=1",
            400,
            "bad_request",
        ),
    ] {
        let r = post(&f.state, "/verify", Some(ct), body).await;
        assert_eq!(r.assert_error(status), code, "{what}");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn did_document_jwks_and_trust_list() {
    let f = fixture();
    let cfg = f.state.issuer_site().unwrap().issuer().config().clone();
    let r = send(&f.state, req("GET", "/.well-known/did.json", None, "")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type(), "application/did+json");
    assert_fields(
        &r.json(),
        &[
            ("/id", json!(cfg.id)),
            ("/verificationMethod/0/type", json!("Multikey")),
            ("/verificationMethod/0/id", json!(cfg.active_key)),
            ("/verificationMethod/0/controller", json!(cfg.id)),
            (
                "/verificationMethod/0/publicKeyMultibase",
                json!(cfg.keys[0].public_key_multibase),
            ),
            ("/assertionMethod/0", json!(cfg.active_key)),
        ],
    );

    let r = send(&f.state, req("GET", "/.well-known/jwks.json", None, "")).await;
    let pk = skillcert::keys::parse_public_multibase(&cfg.keys[0].public_key_multibase).unwrap();
    assert_fields(
        &r.json()["keys"][0],
        &[
            ("/kty", json!("OKP")),
            ("/crv", json!("Ed25519")),
            ("/kid", json!(cfg.active_key)),
            ("/x", skillcert::keys::public_jwk(&pk)["x"].clone()),
        ],
    );

    // Caching of each document: ETag, max-age and 304.
    for path in [
        "/.well-known/did.json",
        "/.well-known/jwks.json",
        "/trust.json",
    ] {
        let r = send(&f.state, req("GET", path, None, "")).await;
        let etag = r.headers["etag"].to_str().unwrap().to_owned();
        let cache = r.headers["cache-control"].to_str().unwrap();
        assert!(cache.contains("max-age"), "{path}: {cache}");
        let mut q = req("GET", path, None, "");
        q.headers_mut()
            .insert("if-none-match", etag.parse().unwrap());
        let r = send(&f.state, q).await;
        assert_eq!(r.status, 304, "{path}");
        assert!(r.body.is_empty(), "{path}");
    }

    let r = send(&f.state, req("GET", "/trust.json", None, "")).await;
    let t = TrustList::parse(&r.body).unwrap();
    assert_eq!(t.issuers[0].id, cfg.id);

    // A did:key issuer has no did:web document.
    let dir = tempfile::tempdir().unwrap();
    let i = skillcert::issuer::Issuer::init(dir.path(), "Key Issuer", None).unwrap();
    let st =
        skillcert_server::AppState::new(skillcert_server::backend::Backend::open(i).unwrap(), None);
    let r = send(&st, req("GET", "/.well-known/did.json", None, "")).await;
    assert_eq!(r.assert_error(404), "not_found");
}

#[tokio::test]
async fn status_list_route_errors() {
    let f = fixture();
    for p in [
        "/status/abc",
        "/status/-1",
        "/status/99999999999",
        "/status/1e3",
        "/status/%FF",
    ] {
        let r = send(&f.state, req("GET", p, None, "")).await;
        assert!(r.status.is_client_error(), "{p}");
        assert!(r.content_type().starts_with("application/json"), "{p}");
    }
    let r = send(&f.state, req("GET", "/status/4242", None, "")).await;
    assert_eq!(r.assert_error(404), "not_found");
}

#[tokio::test]
async fn metrics_count_routes_and_verdicts_without_payloads() {
    let f = fixture();
    let app = skillcert_server::app(f.state.clone());
    let doc = doc_text(&f.state);
    use tower::ServiceExt;
    for _ in 0..3 {
        let r = app
            .clone()
            .oneshot(req(
                "POST",
                "/api/v1/verify",
                Some("application/json"),
                doc.clone(),
            ))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let _ = app
        .clone()
        .oneshot(req("GET", "/V/SECRETPAYLOAD123", None, ""))
        .await
        .unwrap();
    // Not on the public site; on the metrics listener's router, over the same counters.
    let r = app
        .clone()
        .oneshot(req("GET", "/metrics", None, ""))
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = skillcert_server::metrics::app(f.state.clone())
        .oneshot(req("GET", "/metrics", None, ""))
        .await
        .unwrap();
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = String::from_utf8(
        axum::body::to_bytes(r.into_body(), 1 << 20)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(
        text.contains("skillcert_http_requests_total{route=\"/api/v1/verify\",method=\"POST\",status=\"200\"} 3"),
        "{text}"
    );
    assert!(text.contains("skillcert_verifications_total{verdict=\"valid\"} 3"));
    assert!(text.contains("route=\"/V/{payload}\""));
    assert!(!text.contains("SECRETPAYLOAD"));
    assert!(text.contains("# TYPE skillcert_http_request_duration_seconds histogram"));
    assert!(text.contains("process_resident_memory_bytes"));
}

#[tokio::test]
async fn token_qr_text_and_qr_page() {
    let f = fixture();
    let i = issue(&f.state, "王晓明");
    // (content type, body) → the format the report names
    for (ct, body, format) in [
        ("text/plain", i.token.clone(), "token"),
        (JSON, json!({"input": i.qr_text}).to_string(), "qr"),
    ] {
        let r = post(&f.state, VERIFY, Some(ct), body).await;
        assert_eq!(r.json()["verdict"], "valid", "{format}: {}", r.text());
        assert_eq!(r.json()["format"], format);
    }
    // The QR's URL: JSON for API clients, the page for browsers.
    let path = qr_path(&i);
    let r = send(&f.state, req("GET", &path, None, "")).await;
    assert_eq!(r.status, 200);
    assert_fields(
        &r.json(),
        &[("/verdict", json!("valid")), ("/holder", json!("王晓明"))],
    );
    let mut q = req("GET", &path, None, "");
    q.headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    q.headers_mut()
        .insert("accept-language", "zh-CN,zh;q=0.9".parse().unwrap());
    let r = send(&f.state, q).await;
    assert_eq!(r.status, 200);
    let t = r.text();
    assert!(t.contains("data-verdict=\"valid\"") && t.contains("证书有效"));
    assert!(
        t.contains("二级") || t.contains("技师"),
        "level name in Chinese"
    );
    assert!(
        t.contains("href=\"?lang=en\""),
        "language switch keeps the page"
    );
    assert!(!t.contains("<script"));
    // A QR payload with one digit changed is not valid.
    let mut tampered = path.clone().into_bytes();
    let k = tampered.len() - 10;
    tampered[k] = if tampered[k] == b'1' { b'2' } else { b'1' };
    let r = send(
        &f.state,
        req("GET", std::str::from_utf8(&tampered).unwrap(), None, ""),
    )
    .await;
    assert!(
        r.status.is_client_error() || r.json()["verdict"] != "valid",
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn photo_of_a_qr_code_verifies() {
    let f = fixture();
    let i = issue(&f.state, "王晓明");
    let png = skillcert_qrimage::render::to_png(&i.qr_text, 6).unwrap();
    let (ct, body) = multipart("image", "photo.png", "image/png", &png);
    // The API, with the photo as a form's file or as the body.
    for (what, ct, body) in [
        ("multipart", ct.as_str(), body.clone()),
        ("image/png", "image/png", png.clone()),
    ] {
        let r = post(&f.state, VERIFY_IMAGE, Some(ct), body).await;
        assert_eq!(r.status, 200, "{what}: {}", r.text());
        assert_fields(
            &r.json(),
            &[("/verdict", json!("valid")), ("/format", json!("qr"))],
        );
    }
    // The upload form of the home page.
    let r = post(&f.state, "/verify/image", Some(&ct), body).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("data-verdict=\"valid\""));
}
