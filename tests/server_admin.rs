//! The admin API: bearer-token check on every route, issuing one and a batch, status changes
//! and look-ups, and their errors.

mod server_support;

use axum::body::Body;
use axum::http::Request;
use serde_json::json;
use server_support::*;

const ID: &str = "urn:uuid:00000000-0000-4000-8000-000000000000";

fn admin_routes() -> Vec<(&'static str, String)> {
    vec![
        ("POST", "/api/v1/admin/certificates".into()),
        ("POST", "/api/v1/admin/certificates/batch".into()),
        ("GET", format!("/api/v1/admin/certificates/{ID}")),
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
    let st = skillcert::server::AppState::new(
        skillcert::server::backend::Backend::open(i).unwrap(),
        None,
    );
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
        let r = send(
            &f.state,
            admin("GET", &format!("/api/v1/admin/certificates/{bad}"), None),
        )
        .await;
        assert_eq!(r.assert_error(400), "bad_request", "{bad}");
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
