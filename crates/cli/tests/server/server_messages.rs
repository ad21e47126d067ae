//! What the employer reads: the admin API's `public_reason` (revoke, suspend) reaches the
//! `verify` answer's `message_zh` / `message_en` with the date of the change, the internal
//! `reason` never does, and the verification page shows the message with the checks folded.

use crate::server_support::*;
use serde_json::json;

async fn verify(f: &Fixture, doc: &serde_json::Value) -> serde_json::Value {
    let body = doc.to_string();
    send(
        &f.state,
        req("POST", "/api/v1/verify", Some("application/json"), body),
    )
    .await
    .json()
}

#[tokio::test]
async fn a_published_reason_and_the_date_reach_the_answer_and_the_internal_one_does_not() {
    let f = fixture();
    let new = |holder: &str| {
        admin(
            "POST",
            "/api/v1/admin/certificates",
            Some(request_json(holder)),
        )
    };
    let a = send(&f.state, new("甲")).await.json();
    let b = send(&f.state, new("乙")).await.json();
    let (ida, idb) = (
        a["credential_id"].as_str().unwrap(),
        b["credential_id"].as_str().unwrap(),
    );

    let valid = verify(&f, &a["document"]).await;
    assert!(
        valid["message_en"]
            .as_str()
            .unwrap()
            .starts_with("Genuine and in force"),
        "{valid}"
    );
    assert!(
        valid["message_zh"]
            .as_str()
            .unwrap()
            .starts_with("证书真实有效"),
        "{valid}"
    );

    let revoke =
        json!({"reason": "internal case 17", "public_reason": "考核舞弊 assessment fraud"});
    let r = send(
        &f.state,
        admin(
            "POST",
            &format!("/api/v1/admin/certificates/{ida}/revoke"),
            Some(revoke),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let events = r.json()["history"].clone();
    assert_eq!(
        events.as_array().unwrap().last().unwrap()["public_reason"],
        "考核舞弊 assessment fraud"
    );
    let v = verify(&f, &a["document"]).await;
    assert_eq!(v["verdict"], "revoked");
    let today_en = skillcert::verify::date_en(&chrono::Utc::now());
    let today_zh = skillcert::verify::date_zh(&chrono::Utc::now());
    let en = v["message_en"].as_str().unwrap();
    let zh = v["message_zh"].as_str().unwrap();
    assert!(
        en.starts_with(&format!("Revoked by the issuer on {today_en}")),
        "{en}"
    );
    assert!(
        en.ends_with("The issuer's note: 考核舞弊 assessment fraud"),
        "{en}"
    );
    assert!(
        zh.starts_with(&format!("该证书已于 {today_zh} 被发证机构撤销")),
        "{zh}"
    );
    assert!(!v.to_string().contains("internal case 17"), "{v}");

    // Suspension without a published reason: the date, no note.
    let r = send(
        &f.state,
        admin(
            "POST",
            &format!("/api/v1/admin/certificates/{idb}/suspend"),
            Some(json!({"reason": "review"})),
        ),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = verify(&f, &b["document"]).await;
    let en = v["message_en"].as_str().unwrap();
    assert!(
        en.starts_with(&format!("Suspended by the issuer on {today_en}")),
        "{en}"
    );
    assert!(!en.contains("note"), "{en}");

    // A reinstatement publishes nothing; public_reason there is an unknown field.
    let r = send(
        &f.state,
        admin(
            "POST",
            &format!("/api/v1/admin/certificates/{idb}/reinstate"),
            Some(json!({"public_reason": "x"})),
        ),
    )
    .await;
    assert_eq!(r.assert_error(422), "invalid_request");
    // Checked like the reason: no control characters, at most 500 characters.
    let long = "x".repeat(501);
    for bad in [
        json!({"reason": "r", "public_reason": long}),
        json!({"reason": "r", "public_reason": "a\u{0007}b"}),
        json!({"reason": "r", "public_reason": 5}),
    ] {
        let c = send(&f.state, new("丙")).await.json();
        let id = c["credential_id"].as_str().unwrap();
        let r = send(
            &f.state,
            admin(
                "POST",
                &format!("/api/v1/admin/certificates/{id}/revoke"),
                Some(bad.clone()),
            ),
        )
        .await;
        let m = r.json()["message"].as_str().unwrap_or_default().to_owned();
        assert_eq!(r.status.as_u16(), 422, "{bad}: {}", r.text());
        assert!(m.contains("public_reason"), "{bad}: {m}");
    }
}

#[tokio::test]
async fn the_page_shows_the_message_and_folds_the_checks() {
    let f = fixture();
    let issued = issue(&f.state, "王晓明");
    f.state
        .issuer_site()
        .unwrap()
        .change(
            &issued.claims.id,
            skillcert_server::backend::Change::Revoke,
            ("internal", Some("考核舞弊")),
            "test",
        )
        .unwrap();
    let path = qr_path(&issued);
    let mut r = req("GET", &format!("{path}?lang=zh"), None, "");
    r.headers_mut()
        .insert("accept", "text/html".parse().unwrap());
    let page = send(&f.state, r).await.text();
    let message = page.find("id=\"message\"").expect("the message");
    let details = page.find("<details>").expect("folded checks");
    assert!(message < details);
    assert!(page[message..details].contains("被发证机构撤销"), "{page}");
    assert!(
        page[message..details].contains("发证机构说明：考核舞弊"),
        "{page}"
    );
    // The bit text of the checks is only inside the details.
    let bit = page.find("revocation bit").expect("the check's reason");
    assert!(bit > details);
    assert!(
        !page.contains("internal"),
        "the internal reason is not shown"
    );
    assert!(!page.contains("<script"), "no JavaScript");
}
