//! Tests of the parent module.

use super::*;
use crate::keys::{did_key_vm, public_multibase, SecretKey};
use crate::model::parse_time;

fn mb(seed: u8) -> String {
    public_multibase(&SecretKey::from_seed(&[seed; 32]).public())
}

fn list(issuers: &[(&str, &[(&str, String)])]) -> String {
    let issuers: Vec<serde_json::Value> = issuers
        .iter()
        .map(|(id, keys)| {
            let keys: Vec<serde_json::Value> = keys
                .iter()
                .map(|(kid, mb)| {
                    serde_json::json!({"id": kid, "type": "Multikey",
                        "publicKeyMultibase": mb, "validFrom": null,
                        "validUntil": null, "compromisedFrom": null})
                })
                .collect();
            serde_json::json!({"id": id, "name": "n", "keys": keys})
        })
        .collect();
    serde_json::json!({"type": "SkillcertTrustList", "version": 1, "issuers": issuers}).to_string()
}

#[test]
fn finding_8_trust_list_refuses_one_key_under_two_issuers() {
    let ok = list(&[
        ("did:web:a.example", &[("did:web:a.example#k1", mb(1))]),
        ("did:web:b.example", &[("did:web:b.example#k1", mb(2))]),
    ]);
    TrustList::parse(ok.as_bytes()).unwrap();
    let shared = list(&[
        ("did:web:a.example", &[("did:web:a.example#k1", mb(1))]),
        ("did:web:b.example", &[("did:web:b.example#k1", mb(1))]),
    ]);
    let e = TrustList::parse(shared.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("did:web:b.example#k1"), "{e}");
    assert!(
        e.contains("already a key of issuer did:web:a.example"),
        "{e}"
    );
    // The same key twice under one issuer (two ids) is that issuer's business.
    let twice = list(&[(
        "did:web:a.example",
        &[
            ("did:web:a.example#k1", mb(1)),
            ("did:web:a.example#k2", mb(1)),
        ],
    )]);
    TrustList::parse(twice.as_bytes()).unwrap();
}

#[test]
fn finding_8_trust_list_refuses_key_ids_of_another_did() {
    for kid in [
        "did:web:b.example#k1",
        "did:web:a.example.evil#k1",
        "did:web:a.example",
        "did:web:a.example#",
        "k1",
    ] {
        let l = list(&[("did:web:a.example", &[(kid, mb(1))])]);
        let e = TrustList::parse(l.as_bytes()).unwrap_err().to_string();
        assert!(
            e.contains("issuer did:web:a.example") && e.contains(kid),
            "{kid}: {e}"
        );
    }
    // A did:key id naming exactly the listed key is the key itself: accepted (the W3C
    // vectors sign as an https issuer with such a key) ...
    let k = SecretKey::from_seed(&[1; 32]).public();
    let l = list(&[("https://vc.example/issuers/1", &[(&did_key_vm(&k), mb(1))])]);
    TrustList::parse(l.as_bytes()).unwrap();
    // ... but not one naming another key.
    let l = list(&[("https://vc.example/issuers/1", &[(&did_key_vm(&k), mb(2))])]);
    assert!(TrustList::parse(l.as_bytes()).is_err());
}

fn key_compromised_at(c: &str, grace: Option<u32>) -> TrustList {
    let mut l = TrustList::parse(
        list(&[("did:web:a.example", &[("did:web:a.example#k1", mb(1))])]).as_bytes(),
    )
    .unwrap();
    l.issuers[0].keys[0].compromised_from = Some(parse_time("c", c).unwrap());
    l.issuers[0].keys[0].compromise_grace_days = grace;
    l
}

#[test]
fn finding_5_backdated_signature_within_compromise_grace_is_refused() {
    let at = |s: &str| Some(parse_time("t", s).unwrap());
    let l = key_compromised_at("2026-06-01T00:00:00Z", None);
    let f = l
        .find_key("did:web:a.example", "did:web:a.example#k1")
        .unwrap();
    // Dated one second before compromisedFrom: the old code accepted it.
    let e = f.check_window(at("2026-05-31T23:59:59Z")).unwrap_err();
    assert!(
        matches!(&e, Untrusted::Compromised(r) if r.contains("grace")),
        "{e}"
    );
    // 29 days before: still inside the 30-day window.
    assert!(f.check_window(at("2026-05-03T00:00:00Z")).is_err());
    // 30 days and one second before: outside the window, accepted.
    f.check_window(at("2026-05-01T23:59:59Z")).unwrap();
    // The window is the key's own when given; 0 turns it off.
    let l = key_compromised_at("2026-06-01T00:00:00Z", Some(0));
    let f = l
        .find_key("did:web:a.example", "did:web:a.example#k1")
        .unwrap();
    f.check_window(at("2026-05-31T23:59:59Z")).unwrap();
    let l = key_compromised_at("2026-06-01T00:00:00Z", Some(90));
    let f = l
        .find_key("did:web:a.example", "did:web:a.example#k1")
        .unwrap();
    assert!(f.check_window(at("2026-03-15T00:00:00Z")).is_err());
    // The member round-trips, and is left out when absent.
    let text = l.to_json_pretty();
    assert!(text.contains("\"compromiseGraceDays\": 90"), "{text}");
    assert_eq!(TrustList::parse(text.as_bytes()).unwrap(), l);
    assert!(!TrustList::empty().to_json_pretty().contains("Grace"));
}

#[test]
fn finding_6_status_origins() {
    assert_eq!(
        url_origin("HTTPS://Status.Example.CN:443/status/1").as_deref(),
        Some("https://status.example.cn")
    );
    assert_eq!(
        url_origin("http://127.0.0.1:8080/x").as_deref(),
        Some("http://127.0.0.1:8080")
    );
    for bad in [
        "https://verify.example.cn@evil.example/status/1",
        "ftp://verify.example.cn/1",
        "file:///etc/passwd",
        "/status/1",
    ] {
        assert_eq!(url_origin(bad), None, "{bad}");
    }
    let mut t = TrustList::empty();
    t.issuers.push(TrustedIssuer {
        id: "did:web:localhost%3A8443:a".into(),
        name: String::new(),
        keys: vec![],
        status_origins: vec!["https://status.example.cn".into()],
    });
    let id = "did:web:localhost%3A8443:a";
    assert_eq!(
        t.status_origins(id),
        ["https://localhost:8443", "https://status.example.cn"]
    );
    assert!(t
        .check_status_url(id, "https://status.example.cn/1")
        .is_ok());
    let e = t
        .check_status_url(id, "https://evil.example/1")
        .unwrap_err();
    assert!(e.to_string().contains("is not allowed for issuer"), "{e}");
    // Other issuers get only their own origin.
    assert!(t
        .check_status_url("did:web:other.cn", "https://status.example.cn/1")
        .is_err());
    assert!(t
        .check_status_url("did:web:other.cn", "https://other.cn/status/1")
        .is_ok());
    // statusOrigins must hold origins.
    let mut v: serde_json::Value = serde_json::from_str(&t.to_json_pretty()).unwrap();
    assert_eq!(
        v["issuers"][0]["statusOrigins"][0],
        "https://status.example.cn"
    );
    v["issuers"][0]["statusOrigins"] = serde_json::json!(["https://x.cn/path"]);
    let e = TrustList::parse(v.to_string().as_bytes()).unwrap_err();
    assert!(e.to_string().contains("statusOrigins"), "{e}");
}
