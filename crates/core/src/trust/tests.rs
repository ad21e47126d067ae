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
    let now = parse_time("now", "2027-01-01T00:00:00Z").unwrap();
    let at = |s: &str| SigningTime::document(Some(parse_time("t", s).unwrap()), None);
    let l = key_compromised_at("2026-06-01T00:00:00Z", None);
    let f = l
        .find_key("did:web:a.example", "did:web:a.example#k1")
        .unwrap();
    // Dated one second before compromisedFrom: the old code accepted it.
    let e = f
        .check_window(&at("2026-05-31T23:59:59Z"), now)
        .unwrap_err();
    assert!(
        matches!(&e, Untrusted::Compromised(r) if r.contains("grace")),
        "{e}"
    );
    // 29 days before: still inside the 30-day window.
    assert!(f.check_window(&at("2026-05-03T00:00:00Z"), now).is_err());
    // 30 days and one second before: outside the window, accepted.
    f.check_window(&at("2026-05-01T23:59:59Z"), now).unwrap();
    // The window is the key's own when given; 0 turns it off.
    let l = key_compromised_at("2026-06-01T00:00:00Z", Some(0));
    let f = l
        .find_key("did:web:a.example", "did:web:a.example#k1")
        .unwrap();
    f.check_window(&at("2026-05-31T23:59:59Z"), now).unwrap();
    let l = key_compromised_at("2026-06-01T00:00:00Z", Some(90));
    let f = l
        .find_key("did:web:a.example", "did:web:a.example#k1")
        .unwrap();
    assert!(f.check_window(&at("2026-03-15T00:00:00Z"), now).is_err());
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
        ..TrustedIssuer::default()
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

fn t(s: &str) -> DateTime<Utc> {
    parse_time("t", s).unwrap()
}

/// One key of `did:web:a.example` with this window.
fn windowed(from: Option<&str>, until: Option<&str>, compromised: Option<&str>) -> TrustList {
    let mut l = TrustList::parse(
        list(&[("did:web:a.example", &[("did:web:a.example#k1", mb(1))])]).as_bytes(),
    )
    .unwrap();
    let k = &mut l.issuers[0].keys[0];
    k.valid_from = from.map(t);
    k.valid_until = until.map(t);
    k.compromised_from = compromised.map(t);
    l
}

#[test]
fn signing_time_is_the_first_claim_present_in_the_rule_order() {
    let (a, b, c) = (
        Some(t("2026-01-01T00:00:00Z")),
        Some(t("2026-02-01T00:00:00Z")),
        Some(t("2026-03-01T00:00:00Z")),
    );
    let tok = |i, n, v| {
        let s = SigningTime::token(i, n, v);
        (s.time(), s.source())
    };
    assert_eq!(tok(a, b, c), (a, Some(TimeSource::TokenIat)));
    assert_eq!(tok(None, b, c), (b, Some(TimeSource::TokenNbf)));
    assert_eq!(tok(None, None, c), (c, Some(TimeSource::ValidFrom)));
    assert_eq!(tok(None, None, None), (None, None));
    let doc = SigningTime::document(a, c);
    assert_eq!(
        (doc.time(), doc.source()),
        (a, Some(TimeSource::ProofCreated))
    );
    let doc = SigningTime::document(None, c);
    assert_eq!((doc.time(), doc.source()), (c, Some(TimeSource::ValidFrom)));
    let qr = SigningTime::qr(t("2026-01-01T00:00:00Z"), t("2026-03-01T00:00:00Z"));
    assert_eq!(qr.source(), Some(TimeSource::QrSigningTime));
    assert_eq!(SigningTime::document(None, None), SigningTime::unknown());
}

#[test]
fn key_window_reasons_name_the_rule_and_the_time_source() {
    let now = t("2027-01-01T00:00:00Z");
    let l = windowed(
        Some("2026-01-01T00:00:00Z"),
        Some("2026-07-01T00:00:00Z"),
        None,
    );
    let f = l
        .find_key("did:web:a.example", "did:web:a.example#k1")
        .unwrap();
    let nbf = |s| SigningTime::token(None, Some(t(s)), None);
    // Inside the window by the fallback (nbf): valid, where it used to be refused.
    f.check_window(&nbf("2026-03-01T00:00:00Z"), now).unwrap();
    let e = f
        .check_window(&nbf("2025-12-31T23:59:59Z"), now)
        .unwrap_err();
    assert_eq!(
        e,
        Untrusted::OutsideWindow(
            "key did:web:a.example#k1 was not yet valid at signing time 2025-12-31T23:59:59Z \
             from the token's nbf: the trust list gives it validFrom 2026-01-01T00:00:00Z"
                .into()
        )
    );
    let created = SigningTime::document(Some(t("2026-07-01T00:00:00Z")), None);
    let e = f.check_window(&created, now).unwrap_err().to_string();
    assert_eq!(
        e,
        "key did:web:a.example#k1 was retired at 2026-07-01T00:00:00Z (its validUntil in the \
         trust list), before signing time 2026-07-01T00:00:00Z from the proof's created"
    );
    // No time at all: judged at the check time, and the reason says so.
    f.check_window(&SigningTime::unknown(), t("2026-03-01T00:00:00Z"))
        .unwrap();
    let e = f
        .check_window(&SigningTime::unknown(), now)
        .unwrap_err()
        .to_string();
    assert!(e.contains("retired at 2026-07-01T00:00:00Z"), "{e}");
    assert!(
        e.contains("before the check time 2027-01-01T00:00:00Z (the signing time is unknown"),
        "{e}"
    );
    // A key without a window accepts any time, and none.
    let open = windowed(None, None, None);
    let f = open.find_key("did:web:a.example", "#k1").unwrap();
    f.check_window(&SigningTime::unknown(), now).unwrap();
    f.check_window(&nbf("1990-01-01T00:00:00Z"), now).unwrap();
}

#[test]
fn compromise_rules_hold_with_fallback_times_and_without_any_time() {
    let now = t("2026-09-01T00:00:00Z");
    let l = windowed(
        Some("2026-01-01T00:00:00Z"),
        None,
        Some("2026-06-01T00:00:00Z"),
    );
    let f = l.find_key("did:web:a.example", "#k1").unwrap();
    // A thief's nbf or validFrom is judged like an iat: after, or in the grace window, refused.
    for s in [
        SigningTime::token(None, Some(t("2026-06-02T00:00:00Z")), None),
        SigningTime::token(None, None, Some(t("2026-06-02T00:00:00Z"))),
        SigningTime::document(None, Some(t("2026-06-02T00:00:00Z"))),
    ] {
        let e = f.check_window(&s, now).unwrap_err();
        assert!(
            matches!(&e, Untrusted::Compromised(r) if r.contains("is not before that")),
            "{e}"
        );
    }
    let e = f
        .check_window(
            &SigningTime::token(None, Some(t("2026-05-20T00:00:00Z")), None),
            now,
        )
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(
            "signing time 2026-05-20T00:00:00Z from the token's nbf falls in the 30-day grace"
        ),
        "{e}"
    );
    // Leaving every time out does not help: judged now, after compromisedFrom.
    let e = f
        .check_window(&SigningTime::unknown(), now)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("compromised from 2026-06-01T00:00:00Z, and the check time"),
        "{e}"
    );
    // An old iat with a validFrom after the compromise: judged at the later validFrom.
    let mixed = SigningTime::token(
        Some(t("2026-02-01T00:00:00Z")),
        Some(t("2026-06-02T00:00:00Z")),
        Some(t("2026-06-02T00:00:00Z")),
    );
    let e = f.check_window(&mixed, now).unwrap_err().to_string();
    assert!(
        e.contains(
            "the credential's validFrom 2026-06-02T00:00:00Z (after its signing time \
                    2026-02-01T00:00:00Z from the token's iat) is not before that"
        ),
        "{e}"
    );
    // Genuinely old: accepted.
    let old = SigningTime::token(
        Some(t("2026-02-01T00:00:00Z")),
        None,
        Some(t("2026-02-01T00:00:00Z")),
    );
    f.check_window(&old, now).unwrap();
}

#[test]
fn finding_1_national_number_spaces_never_overlap_and_prefixes_are_checked() {
    let entry = |id: &str, numbers: &[&str]| TrustedIssuer {
        id: id.into(),
        numbers: numbers.iter().map(|n| n.to_string()).collect(),
        ..TrustedIssuer::default()
    };
    let mut t = TrustList::empty();
    t.issuers
        .push(entry("did:web:cnc", &["S000133060200", "SC-"]));
    t.issuers
        .push(entry("did:web:weld", &["S000133070100", "SC-"]));
    t.check().unwrap();
    // The general form is the issuer's own (always shown with it): two may write SC-.
    t.issuers.push(entry("did:web:rogue", &["S000133060200"]));
    let e = t.check().unwrap_err().to_string();
    assert!(
        e.contains("overlaps the number space of issuer did:web:cnc"),
        "{e}"
    );
    t.issuers.pop();
    t.issuers.push(entry("did:web:rogue", &["S00013306"]));
    assert!(
        t.check().is_err(),
        "a shorter prefix covering another body's space"
    );
    t.issuers.pop();
    t.issuers.push(entry("did:web:rogue", &["=HYPERLINK("]));
    assert!(t
        .check()
        .unwrap_err()
        .to_string()
        .contains("not a number prefix"));
}
