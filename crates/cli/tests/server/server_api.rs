//! In-process tests (app(state) + oneshot) of the public routes and their errors.

use crate::server_support::*;
use skillcert::trust::TrustList;

fn doc_text(state: &skillcert_server::AppState) -> String {
    serde_json::to_string(&issue(state, "王晓明").document).unwrap()
}

#[tokio::test]
async fn healthz_and_request_ids() {
    let f = fixture();
    let r = send(&f.state, req("GET", "/healthz", None, "")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
    assert_eq!(r.json()["issuer"], "did:web:verify.test.example");
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
        ("application/json", doc.clone()),
        (
            "application/json; charset=utf-8",
            serde_json::json!({"input": doc}).to_string(),
        ),
        ("text/plain", doc.clone()),
    ] {
        let r = send(&f.state, req("POST", "/api/v1/verify", Some(ct), body)).await;
        assert_eq!(r.status, 200, "{ct}: {}", r.text());
        let v = r.json();
        assert_eq!(v["verdict"], "valid", "{v}");
        assert_eq!(v["valid"], true);
        assert_eq!(v["format"], "document");
        assert_eq!(v["holder"], "王晓明");
        assert_eq!(v["level"], "2");
        assert!(v["checks"].as_array().unwrap().len() >= 4);
        assert_eq!(r.headers["cache-control"], "no-store");
    }
}

#[tokio::test]
async fn verdicts_of_altered_and_foreign_certificates() {
    let f = fixture();
    let mut doc = issue(&f.state, "王晓明").document;
    doc["credentialSubject"]["result"][0]["value"] = "1".into();
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify",
            Some("application/json"),
            doc.to_string(),
        ),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["verdict"], "bad_signature", "{}", r.text());

    // Same did:web, another key: the signature does not verify with the trusted key.
    let impostor = fixture();
    let forged = doc_text(&impostor.state);
    let r = send(
        &f.state,
        req("POST", "/api/v1/verify", Some("application/json"), forged),
    )
    .await;
    assert_eq!(r.json()["verdict"], "bad_signature");
    // Another issuer altogether.
    let dir = tempfile::tempdir().unwrap();
    let other = skillcert::issuer::Issuer::init(dir.path(), "Other", Some("https://other.example"))
        .unwrap();
    let (_, c) = skillcert::request::IssuanceRequest::from_value(request_json("李娜")).unwrap();
    let foreign = serde_json::to_string(&other.issue_unregistered(&c).unwrap().document).unwrap();
    let r = send(
        &f.state,
        req("POST", "/api/v1/verify", Some("application/json"), foreign),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["verdict"], "untrusted_issuer");
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
    let r = send(
        &f.state,
        req("POST", "/api/v1/verify", Some("text/plain"), "hello world"),
    )
    .await;
    assert_eq!(r.assert_error(422), "malformed");
    assert_eq!(r.json()["verdict"], "malformed");
    // Malformed JSON.
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify",
            Some("application/json"),
            "{\"a\":",
        ),
    )
    .await;
    assert_eq!(r.assert_error(400), "invalid_json");
    // Duplicate keys are refused by the strict parser.
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify",
            Some("application/json"),
            "{\"input\":\"a\",\"input\":\"b\"}",
        ),
    )
    .await;
    assert_eq!(r.assert_error(400), "invalid_json");
    // Wrong JSON shapes.
    let r = send(
        &f.state,
        req("POST", "/api/v1/verify", Some("application/json"), "[1,2]"),
    )
    .await;
    assert_eq!(r.assert_error(422), "invalid_request");
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify",
            Some("application/json"),
            "{\"input\":5}",
        ),
    )
    .await;
    assert_eq!(r.assert_error(422), "invalid_request");
    // Wrong or missing content type.
    for ct in [Some("application/xml"), Some("multipart/form-data"), None] {
        let r = send(&f.state, req("POST", "/api/v1/verify", ct, "x")).await;
        assert_eq!(r.assert_error(415), "unsupported_media_type");
    }
    // Empty, and not UTF-8.
    let r = send(
        &f.state,
        req("POST", "/api/v1/verify", Some("text/plain"), "  "),
    )
    .await;
    assert_eq!(r.assert_error(400), "bad_request");
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify",
            Some("text/plain"),
            vec![0xff, 0xfe],
        ),
    )
    .await;
    assert_eq!(r.assert_error(400), "bad_request");
    // Oversized body: 413.
    let big = vec![b'a'; skillcert_server::api::MAX_VERIFY_BODY + 1];
    let r = send(
        &f.state,
        req("POST", "/api/v1/verify", Some("text/plain"), big),
    )
    .await;
    assert_eq!(r.assert_error(413), "payload_too_large");
    // Wrong method, unknown route.
    let r = send(&f.state, req("GET", "/api/v1/verify", None, "")).await;
    assert_eq!(r.assert_error(405), "method_not_allowed");
    let r = send(&f.state, req("GET", "/nope/../etc", None, "")).await;
    assert_eq!(r.assert_error(404), "not_found");
}

#[tokio::test]
async fn verify_image_routes() {
    let f = fixture();
    let png = blank_png();
    // A photo with no QR code in it: not a certificate.
    let (ct, body) = multipart("image", "photo.png", "image/png", &png);
    let r = send(
        &f.state,
        req("POST", "/api/v1/verify/image", Some(&ct), body),
    )
    .await;
    assert_eq!(r.assert_error(422), "malformed");
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify/image",
            Some("image/png"),
            png.clone(),
        ),
    )
    .await;
    assert_eq!(r.assert_error(422), "malformed");
    // No image field.
    let (ct, body) = multipart("other", "x.txt", "text/plain", b"");
    let r = send(
        &f.state,
        req("POST", "/api/v1/verify/image", Some(&ct), body),
    )
    .await;
    assert_eq!(r.assert_error(400), "bad_request");
    // Multipart without a boundary, wrong type, broken multipart.
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify/image",
            Some("multipart/form-data"),
            "x",
        ),
    )
    .await;
    assert_eq!(r.assert_error(415), "unsupported_media_type");
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify/image",
            Some("application/json"),
            "{}",
        ),
    )
    .await;
    assert_eq!(r.assert_error(415), "unsupported_media_type");
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify/image",
            Some("multipart/form-data; boundary=zz"),
            "--zz\r\ngarbage",
        ),
    )
    .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    assert!(r.content_type().starts_with("application/json"));
    // Too large.
    let big = vec![0u8; skillcert_server::api::MAX_IMAGE_BODY + (128 << 10)];
    let r = send(
        &f.state,
        req("POST", "/api/v1/verify/image", Some("image/jpeg"), big),
    )
    .await;
    assert_eq!(r.assert_error(413), "payload_too_large");
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
    let mut q = req("GET", "/", None, "");
    q.headers_mut().insert(
        "accept-language",
        "en-GB,en;q=0.9,zh;q=0.5".parse().unwrap(),
    );
    let t = send(&f.state, q).await.text();
    assert!(t.contains("<html lang=\"en\">") && t.contains("Verify a skill certificate"));
    assert!(t.contains("href=\"/?lang=zh\""), "switch to Chinese");
    let t = send(&f.state, req("GET", "/?lang=en", None, ""))
        .await
        .text();
    assert!(t.contains("<html lang=\"en\">"));
    // A bad query string still gets the page.
    let r = send(&f.state, req("GET", "/?lang=%FF", None, "")).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn paste_form_shows_the_verdict_page() {
    let f = fixture();
    let doc = doc_text(&f.state);
    let form = format!("lang=en&input={}", urlencode(&doc));
    let r = send(
        &f.state,
        req(
            "POST",
            "/verify",
            Some("application/x-www-form-urlencoded"),
            form,
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = r.text();
    assert!(t.contains("data-verdict=\"valid\""));
    assert!(t.contains("Valid certificate"));
    assert!(t.contains("王晓明") && t.contains("Wang Xiaoming"));
    assert!(t.contains("Technician"), "level name in English");
    assert!(t.contains("level 2 of 5"), "level's place in its framework");
    assert!(t.contains("Test Assessment Centre"));
    let form = format!("lang=zh&input={}", urlencode("not a certificate"));
    let r = send(
        &f.state,
        req(
            "POST",
            "/verify",
            Some("application/x-www-form-urlencoded"),
            form,
        ),
    )
    .await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("无法识别的证书"));
    let r = send(
        &f.state,
        req("POST", "/verify", Some("application/json"), "{}"),
    )
    .await;
    assert_eq!(r.assert_error(415), "unsupported_media_type");
    let r = send(
        &f.state,
        req(
            "POST",
            "/verify",
            Some("application/x-www-form-urlencoded"),
            "nothing=1",
        ),
    )
    .await;
    assert_eq!(r.assert_error(400), "bad_request");
    let (ct, body) = multipart("image", "p.png", "image/png", &blank_png());
    let r = send(&f.state, req("POST", "/verify/image", Some(&ct), body)).await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains("data-verdict=\"malformed\""));
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
    let d = r.json();
    assert_eq!(d["id"], cfg.id);
    let vm = &d["verificationMethod"][0];
    assert_eq!(vm["type"], "Multikey");
    assert_eq!(vm["id"], cfg.active_key);
    assert_eq!(vm["controller"], cfg.id);
    assert_eq!(vm["publicKeyMultibase"], cfg.keys[0].public_key_multibase);
    assert_eq!(d["assertionMethod"][0], cfg.active_key);

    let r = send(&f.state, req("GET", "/.well-known/jwks.json", None, "")).await;
    let k = &r.json()["keys"][0];
    assert_eq!(k["kty"], "OKP");
    assert_eq!(k["crv"], "Ed25519");
    assert_eq!(k["kid"], cfg.active_key);
    let pk = skillcert::keys::parse_public_multibase(&cfg.keys[0].public_key_multibase).unwrap();
    assert_eq!(k["x"], skillcert::keys::public_jwk(&pk)["x"]);

    // Caching: ETag and 304.
    let etag = r.headers["etag"].to_str().unwrap().to_owned();
    assert!(r.headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let mut q = req("GET", "/.well-known/jwks.json", None, "");
    q.headers_mut()
        .insert("if-none-match", etag.parse().unwrap());
    let r = send(&f.state, q).await;
    assert_eq!(r.status, 304);
    assert!(r.body.is_empty());

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
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify",
            Some("text/plain"),
            i.token.clone(),
        ),
    )
    .await;
    assert_eq!(r.json()["verdict"], "valid", "{}", r.text());
    assert_eq!(r.json()["format"], "token");
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify",
            Some("application/json"),
            serde_json::json!({"input": i.qr_text}).to_string(),
        ),
    )
    .await;
    assert_eq!(r.json()["verdict"], "valid", "{}", r.text());
    assert_eq!(r.json()["format"], "qr");
    // The QR's URL: JSON for API clients, the page for browsers.
    let path = qr_path(&i);
    let r = send(&f.state, req("GET", &path, None, "")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["verdict"], "valid");
    assert_eq!(r.json()["holder"], "王晓明");
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
    let r = send(
        &f.state,
        req("POST", "/api/v1/verify/image", Some(&ct), body),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["verdict"], "valid");
    assert_eq!(r.json()["format"], "qr");
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify/image",
            Some("image/png"),
            png.clone(),
        ),
    )
    .await;
    assert_eq!(r.json()["verdict"], "valid");
    // The upload form of the home page.
    let (ct, body) = multipart("image", "photo.png", "image/png", &png);
    let r = send(&f.state, req("POST", "/verify/image", Some(&ct), body)).await;
    assert_eq!(r.status, 200);
    assert!(r.text().contains("data-verdict=\"valid\""));
}
