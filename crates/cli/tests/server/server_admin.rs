//! The admin API: bearer-token check on every route, issuing one and a batch, status changes
//! and look-ups, and their errors.

use crate::server_support::*;
use axum::body::Body;
use axum::http::Request;
use serde_json::json;

const ID: &str = "urn:uuid:00000000-0000-4000-8000-000000000000";

fn admin_routes() -> Vec<(&'static str, String)> {
    vec![
        ("POST", "/api/v1/admin/certificates".into()),
        ("POST", "/api/v1/admin/certificates/batch".into()),
        ("GET", format!("/api/v1/admin/certificates/{ID}")),
        ("GET", format!("/api/v1/admin/certificates/{ID}/pdf")),
        ("POST", format!("/api/v1/admin/certificates/{ID}/revoke")),
        ("POST", format!("/api/v1/admin/certificates/{ID}/suspend")),
        ("POST", format!("/api/v1/admin/certificates/{ID}/reinstate")),
    ]
}

#[tokio::test]
async fn every_admin_route_needs_the_token() {
    let f = fixture();
    let body = request_json("王晓明").to_string();
    for (m, uri) in admin_routes() {
        for auth in [
            None,
            Some("Bearer wrong-token".to_owned()),
            Some(format!("Basic {TOKEN}")),
            Some(format!("Bearer {TOKEN}x")),
            Some("Bearer ".to_owned()),
            Some(format!("Bearer {}", "a".repeat(10_000))),
        ] {
            let mut b = Request::builder()
                .method(m)
                .uri(&uri)
                .header("content-type", "application/json");
            if let Some(a) = &auth {
                b = b.header("authorization", a);
            }
            let r = send(&f.state, b.body(Body::from(body.clone())).unwrap()).await;
            assert_eq!(r.assert_error(401), "unauthorized", "{m} {uri} {auth:?}");
            assert!(r.headers["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer"));
            assert!(!r.text().contains(TOKEN));
        }
    }
    // A service started without an admin token refuses everything.
    let dir = tempfile::tempdir().unwrap();
    let i = skillcert::issuer::Issuer::init(dir.path(), "No Admin", None).unwrap();
    let st =
        skillcert_server::AppState::new(skillcert_server::backend::Backend::open(i).unwrap(), None);
    let r = send(
        &st,
        admin(
            "POST",
            "/api/v1/admin/certificates",
            Some(request_json("x")),
        ),
    )
    .await;
    assert_eq!(r.assert_error(401), "unauthorized");
}

#[tokio::test]
async fn issue_one_and_verify_it() {
    let f = fixture();
    let r = send(
        &f.state,
        admin(
            "POST",
            "/api/v1/admin/certificates",
            Some(request_json("王晓明")),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    let id = v["credential_id"].as_str().unwrap();
    assert!(id.starts_with("urn:uuid:"));
    assert_eq!(v["document"]["id"], id);
    let r = send(
        &f.state,
        req(
            "POST",
            "/api/v1/verify",
            Some("application/json"),
            v["document"].to_string(),
        ),
    )
    .await;
    assert_eq!(r.json()["verdict"], "valid");
    assert_eq!(r.json()["credential_id"], id);
}

#[tokio::test]
async fn issue_errors() {
    let f = fixture();
    let mut bad = request_json("王晓明");
    bad["level"]["value"] = "9".into();
    let r = send(
        &f.state,
        admin("POST", "/api/v1/admin/certificates", Some(bad)),
    )
    .await;
    assert_eq!(r.assert_error(422), "invalid_request");
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("level.value"));
    let mut extra = request_json("王晓明");
    extra["surprise"] = 1.into();
    let r = send(
        &f.state,
        admin("POST", "/api/v1/admin/certificates", Some(extra)),
    )
    .await;
    assert_eq!(r.assert_error(422), "invalid_request");
    // Malformed JSON, wrong type, too large.
    let mk = |ct: &str, body: Vec<u8>| {
        Request::builder()
            .method("POST")
            .uri("/api/v1/admin/certificates")
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", ct)
            .body(Body::from(body))
            .unwrap()
    };
    let r = send(&f.state, mk("application/json", b"{\"holder\":".to_vec())).await;
    assert_eq!(r.assert_error(400), "invalid_json");
    let r = send(&f.state, mk("text/plain", b"{}".to_vec())).await;
    assert_eq!(r.assert_error(415), "unsupported_media_type");
    let r = send(&f.state, mk("application/json", vec![b' '; 70 << 10])).await;
    assert_eq!(r.assert_error(413), "payload_too_large");
}

#[tokio::test]
async fn batch_issue() {
    let f = fixture();
    let batch = json!([request_json("一"), request_json("二"), request_json("三")]);
    let r = send(
        &f.state,
        admin("POST", "/api/v1/admin/certificates/batch", Some(batch)),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["issued"], 3);
    assert_eq!(v["failed"], 0);
    let ids: std::collections::HashSet<_> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["credential_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    // One bad request: nothing issued, the error names its index and field.
    let mut bad = request_json("二");
    bad["program"]["name"] = "".into();
    let r = send(
        &f.state,
        admin(
            "POST",
            "/api/v1/admin/certificates/batch",
            Some(json!([request_json("一"), bad])),
        ),
    )
    .await;
    assert_eq!(r.assert_error(422), "invalid_request");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("[1].program.name"),
        "{}",
        r.text()
    );
    for body in [
        json!([]),
        json!({"a": 1}),
        json!(vec![request_json("x"); 1001]),
    ] {
        let r = send(
            &f.state,
            admin("POST", "/api/v1/admin/certificates/batch", Some(body)),
        )
        .await;
        assert_eq!(r.assert_error(422), "invalid_request");
    }
}

#[tokio::test]
async fn status_change_and_lookup_errors() {
    let f = fixture();
    for bad in ["nope", "urn:uuid:xyz", "00000000000040008000000000000000"] {
        let r = send(
            &f.state,
            admin(
                "POST",
                &format!("/api/v1/admin/certificates/{bad}/revoke"),
                Some(json!({"reason": "x"})),
            ),
        )
        .await;
        assert_eq!(r.assert_error(400), "bad_request", "{bad}");
        // The look-up also takes certificate numbers: a word or a run of digits could be one.
        let r = send(
            &f.state,
            admin("GET", &format!("/api/v1/admin/certificates/{bad}"), None),
        )
        .await;
        if bad.contains(':') {
            assert_eq!(r.assert_error(400), "bad_request", "{bad}");
        } else {
            assert_eq!(r.assert_error(404), "not_found", "{bad}");
        }
    }
    let uri = format!("/api/v1/admin/certificates/{ID}/revoke");
    // The reason is required for revoke and suspend.
    let r = send(&f.state, admin("POST", &uri, Some(json!({})))).await;
    assert_eq!(r.assert_error(422), "invalid_request");
    let r = send(&f.state, admin("POST", &uri, None)).await;
    assert!(r.status.is_client_error());
    let r = send(&f.state, admin("POST", &uri, Some(json!({"reason": 5})))).await;
    assert_eq!(r.assert_error(422), "invalid_request");
    let r = send(
        &f.state,
        admin("POST", &uri, Some(json!({"reason": "x", "who": "me"}))),
    )
    .await;
    assert_eq!(r.assert_error(422), "invalid_request");
    let r = send(
        &f.state,
        admin("POST", &uri, Some(json!({"reason": "r".repeat(600)}))),
    )
    .await;
    assert_eq!(r.assert_error(422), "invalid_request");
}

async fn verdict_of(f: &Fixture, doc: &serde_json::Value) -> String {
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
    r.json()["verdict"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn revoke_suspend_reinstate_and_history() {
    let f = fixture();
    let mk = |holder: &str| {
        admin(
            "POST",
            "/api/v1/admin/certificates",
            Some(request_json(holder)),
        )
    };
    let a = send(&f.state, mk("甲")).await.json();
    let b = send(&f.state, mk("乙")).await.json();
    let (ida, idb) = (
        a["credential_id"].as_str().unwrap(),
        b["credential_id"].as_str().unwrap(),
    );
    assert_eq!(verdict_of(&f, &a["document"]).await, "valid");

    // Suspend, then reinstate.
    let r = send(
        &f.state,
        admin(
            "POST",
            &format!("/api/v1/admin/certificates/{ida}/suspend"),
            Some(json!({"reason": "under review"})),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["certificate"]["status"], "suspended");
    assert_eq!(verdict_of(&f, &a["document"]).await, "suspended");
    let r = send(
        &f.state,
        admin(
            "POST",
            &format!("/api/v1/admin/certificates/{ida}/suspend"),
            Some(json!({"reason": "again"})),
        ),
    )
    .await;
    assert_eq!(r.assert_error(409), "conflict");
    let r = send(
        &f.state,
        admin(
            "POST",
            &format!("/api/v1/admin/certificates/{ida}/reinstate"),
            None,
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(verdict_of(&f, &a["document"]).await, "valid");
    let r = send(
        &f.state,
        admin(
            "POST",
            &format!("/api/v1/admin/certificates/{ida}/reinstate"),
            Some(json!({})),
        ),
    )
    .await;
    assert_eq!(r.assert_error(409), "conflict");

    // Revoke (bare UUID accepted): final.
    let bare = idb.strip_prefix("urn:uuid:").unwrap();
    let r = send(
        &f.state,
        admin(
            "POST",
            &format!("/api/v1/admin/certificates/{bare}/revoke"),
            Some(json!({"reason": "fraudulent assessment"})),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(verdict_of(&f, &b["document"]).await, "revoked");
    // The token and QR forms say the same.
    for form in [&b["token"], &b["qr_text"]] {
        let r = send(
            &f.state,
            req(
                "POST",
                "/api/v1/verify",
                Some("text/plain"),
                form.as_str().unwrap().to_owned(),
            ),
        )
        .await;
        assert_eq!(r.json()["verdict"], "revoked", "{}", r.text());
    }
    for what in ["revoke", "suspend", "reinstate"] {
        let r = send(
            &f.state,
            admin(
                "POST",
                &format!("/api/v1/admin/certificates/{idb}/{what}"),
                Some(json!({"reason": "x"})),
            ),
        )
        .await;
        assert_eq!(r.assert_error(409), "conflict", "{what} after revoke");
    }

    // Look-up with history: who, when, why.
    let r = send(
        &f.state,
        admin("GET", &format!("/api/v1/admin/certificates/{ida}"), None),
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["certificate"]["id"], ida);
    assert_eq!(v["certificate"]["status"], "active");
    let actions: Vec<&str> = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.ends_with(&["suspend", "reinstate"]), "{actions:?}");
    let susp = v["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "suspend")
        .unwrap();
    assert_eq!(susp["reason"], "under review");
    assert!(susp["actor"].as_str().unwrap().starts_with("admin-token:"));
    assert!(!v.to_string().contains(TOKEN));

    // Unknown certificate: 404.
    let r = send(
        &f.state,
        admin("GET", &format!("/api/v1/admin/certificates/{ID}"), None),
    )
    .await;
    assert_eq!(r.assert_error(404), "not_found");
    let r = send(
        &f.state,
        admin(
            "POST",
            &format!("/api/v1/admin/certificates/{ID}/revoke"),
            Some(json!({"reason": "x"})),
        ),
    )
    .await;
    assert_eq!(r.assert_error(404), "not_found");
}

#[tokio::test]
async fn status_lists_are_served_signed_and_cacheable() {
    let f = fixture();
    let a = send(
        &f.state,
        admin(
            "POST",
            "/api/v1/admin/certificates",
            Some(request_json("甲")),
        ),
    )
    .await
    .json();
    let lists = f.state.issuer_site().unwrap().registry().lists().unwrap();
    assert!(lists.len() >= 2);
    let rev = lists
        .iter()
        .find(|l| l.purpose == skillcert::model::StatusPurpose::Revocation)
        .unwrap()
        .number;
    let r = send(&f.state, req("GET", &format!("/status/{rev}"), None, "")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.content_type(), "application/vc+json");
    let cc = r.headers["cache-control"].to_str().unwrap().to_owned();
    assert!(
        cc.starts_with("public, max-age=")
            && cc
                .trim_start_matches("public, max-age=")
                .parse::<u64>()
                .unwrap()
                <= 300
    );
    let etag = r.headers["etag"].to_str().unwrap().to_owned();
    let cred = r.json();
    assert!(cred["type"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t == "BitstringStatusListCredential"));
    assert_eq!(cred["proof"]["cryptosuite"], "eddsa-jcs-2022");
    // `.json` suffix is the same list.
    let r2 = send(
        &f.state,
        req("GET", &format!("/status/{rev}.json"), None, ""),
    )
    .await;
    assert_eq!(r2.json(), cred);
    // Unchanged: 304. After a revocation: a new list, a new ETag.
    let mut q = req("GET", &format!("/status/{rev}"), None, "");
    q.headers_mut()
        .insert("if-none-match", etag.parse().unwrap());
    let r304 = send(&f.state, q).await;
    assert_eq!(r304.status, 304);
    // The 304 renews the client's copy: it carries the ETag and the lifetime again.
    assert_eq!(r304.headers["etag"].to_str().unwrap(), etag);
    assert_eq!(r304.headers["cache-control"].to_str().unwrap(), cc);
    // A weak validator of the same tag matches too (RFC 9110 weak comparison).
    let mut q = req("GET", &format!("/status/{rev}"), None, "");
    q.headers_mut()
        .insert("if-none-match", format!("\"x\", W/{etag}").parse().unwrap());
    assert_eq!(send(&f.state, q).await.status, 304);
    let id = a["credential_id"].as_str().unwrap();
    send(
        &f.state,
        admin(
            "POST",
            &format!("/api/v1/admin/certificates/{id}/revoke"),
            Some(json!({"reason": "x"})),
        ),
    )
    .await;
    let mut q = req("GET", &format!("/status/{rev}"), None, "");
    q.headers_mut()
        .insert("if-none-match", etag.parse().unwrap());
    let r = send(&f.state, q).await;
    assert_eq!(r.status, 200);
    assert_ne!(r.headers["etag"].to_str().unwrap(), etag);
    // The served list, checked offline by the CLI's file source, says revoked.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("list.json");
    std::fs::write(&p, &r.body).unwrap();
    let trust = f.state.issuer_site().unwrap().issuer().trust_list();
    let src = skillcert::status::source::FileStatusSource::load(&trust, &[p]).unwrap();
    let v = skillcert::verify::Verifier::builder(trust)
        .status_source(std::sync::Arc::new(src))
        .build()
        .unwrap();
    let u = skillcert_qrimage::parse_bytes(a["document"].to_string().as_bytes()).unwrap();
    let report = v.check(u);
    assert_eq!(
        report.verdict,
        skillcert::verify::Verdict::Revoked,
        "{:?}",
        report.checks
    );
}

#[tokio::test]
async fn key_rotated_by_the_cli_is_picked_up_without_restart() {
    let f = fixture();
    let before = issue(&f.state, "王一");
    let vm = |i: &skillcert::issuer::Issued| i.document["proof"][0]["verificationMethod"].clone();
    assert!(matches!(
        f.state.issuer_site().unwrap().reload_if_changed(),
        Ok(false)
    ));

    // `skillcert key rotate` in another process: another Issuer over the same data dir.
    let mut cli = skillcert::issuer::Issuer::open(f.dir.path()).unwrap();
    let new_key = cli.rotate_key().unwrap();
    assert_ne!(vm(&before), json!(new_key));
    assert!(matches!(
        f.state.issuer_site().unwrap().reload_if_changed(),
        Ok(true)
    ));
    assert!(matches!(
        f.state.issuer_site().unwrap().reload_if_changed(),
        Ok(false)
    ));

    // New certificates are signed with the new key, and did.json asserts it.
    let after = issue(&f.state, "王二");
    assert_eq!(vm(&after), json!(new_key));
    let d = send(&f.state, req("GET", "/.well-known/did.json", None, ""))
        .await
        .json();
    assert_eq!(d["verificationMethod"].as_array().unwrap().len(), 2);
    assert!(d["assertionMethod"]
        .as_array()
        .unwrap()
        .contains(&json!(new_key)));
    // Both verify: the old key's signatures made before the rotation stay valid.
    assert_eq!(verdict_of(&f, &before.document).await, "valid");
    assert_eq!(verdict_of(&f, &after.document).await, "valid");

    // A config that cannot be read keeps the previous issuer in use.
    std::fs::write(f.dir.path().join("config.json.new"), "{not json").unwrap();
    std::fs::rename(
        f.dir.path().join("config.json.new"),
        f.dir.path().join("config.json"),
    )
    .unwrap();
    assert!(f.state.issuer_site().unwrap().reload_if_changed().is_err());
    assert_eq!(verdict_of(&f, &after.document).await, "valid");
}

/// A request body that records whether anything read it (and never ends).
struct Tripwire(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl hyper::body::Body for Tripwire {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Self::Data>, Self::Error>>> {
        self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        std::task::Poll::Ready(Some(Ok(hyper::body::Frame::data(axum::body::Bytes::from(
            vec![b' '; 64 << 10],
        )))))
    }
}

/// Finding 8: an admin request without a good token is refused (401, `Connection: close`)
/// before anything reads its body; a batch body over the limit gets the 401, not a 413.
#[tokio::test]
async fn finding_8_admin_auth_before_body() {
    let f = fixture();
    for (m, uri) in admin_routes() {
        for auth in [None, Some("Bearer sca_wrong")] {
            let read = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let mut b = Request::builder()
                .method(m)
                .uri(&uri)
                .header("content-type", "application/json")
                .header("content-length", "5000000");
            if let Some(a) = auth {
                b = b.header("authorization", a);
            }
            let r = send(&f.state, b.body(Body::new(Tripwire(read.clone()))).unwrap()).await;
            assert_eq!(r.assert_error(401), "unauthorized", "{m} {uri}");
            assert_eq!(r.headers["connection"], "close", "{m} {uri}");
            assert!(
                !read.load(std::sync::atomic::Ordering::SeqCst),
                "{m} {uri}: the body was read before the token was checked"
            );
        }
    }
    // With the token, the body is read (and an oversized batch is a 413).
    let read = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let r = send(
        &f.state,
        Request::builder()
            .method("POST")
            .uri("/api/v1/admin/certificates/batch")
            .header("authorization", format!("Bearer {TOKEN}"))
            .header("content-type", "application/json")
            .body(Body::new(Tripwire(read.clone())))
            .unwrap(),
    )
    .await;
    assert_eq!(r.assert_error(413), "payload_too_large");
    assert!(read.load(std::sync::atomic::Ordering::SeqCst));
}

#[tokio::test]
#[ignore = "needs pdftotext (poppler-utils): scripts/test.sh installs it and runs the ignored tests"]
async fn the_printed_certificate_by_id_and_by_number() {
    let f = fixture();
    let r = send(
        &f.state,
        admin(
            "POST",
            "/api/v1/admin/certificates",
            Some(request_json("王晓明")),
        ),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let v = r.json();
    let id = v["credential_id"].as_str().unwrap().to_owned();
    let number = v["document"]["credentialSubject"]["licenseNumber"]
        .as_str()
        .expect("every certificate has a number")
        .to_owned();
    // The look-up finds it by number too (any case).
    let r = send(
        &f.state,
        admin(
            "GET",
            &format!("/api/v1/admin/certificates/{}", number.to_lowercase()),
            None,
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["certificate"]["id"], id.as_str());
    assert_eq!(r.json()["certificate"]["number"], number.as_str());
    let mut pdfs = Vec::new();
    for key in [&id, &number] {
        let r = send(
            &f.state,
            admin(
                "GET",
                &format!("/api/v1/admin/certificates/{key}/pdf"),
                None,
            ),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.headers["content-type"], "application/pdf");
        assert!(r.body.starts_with(b"%PDF-"));
        pdfs.push(r.body);
    }
    // The same page whichever way it was asked for, and it carries the number as text.
    assert_eq!(pdfs[0], pdfs[1]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.pdf");
    std::fs::write(&path, &pdfs[0]).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/test.sh)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&number), "{text}");
    assert!(text.contains("王晓明"), "{text}");
    // Unknown and malformed ids.
    let r = send(
        &f.state,
        admin(
            "GET",
            "/api/v1/admin/certificates/S000133060200263999999/pdf",
            None,
        ),
    )
    .await;
    assert_eq!(r.assert_error(404), "not_found");
    let r = send(
        &f.state,
        admin("GET", "/api/v1/admin/certificates/%E7%8E%8B/pdf", None),
    )
    .await;
    r.assert_error(400);
}
