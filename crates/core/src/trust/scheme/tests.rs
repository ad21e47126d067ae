use super::*;
use crate::keys::SecretKey;
use crate::signer::KeySigner;
use crate::trust::{TrustSource, TrustedKey};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn authority_key() -> (SecretKey, TrustAnchor) {
    let k = SecretKey::from_seed(&[9; 32]);
    let a = TrustAnchor::new(&keys::did_key_vm(&k.public()), k.public());
    (k, a)
}

fn issuer_entry(seed: u8) -> TrustedIssuer {
    let k = SecretKey::from_seed(&[seed; 32]);
    TrustedIssuer {
        id: format!("did:web:issuer{seed}.example.cn"),
        name: format!("Issuer {seed}"),
        keys: vec![TrustedKey {
            id: format!("did:web:issuer{seed}.example.cn#key-1"),
            key_type: "Multikey".into(),
            public_key_multibase: keys::public_multibase(&k.public()),
            valid_from: None,
            valid_until: None,
            compromised_from: None,
            compromise_grace_days: None,
        }],
        scope: Some(Scope {
            frameworks: Some(vec!["cn-nvq".into()]),
            programs: Some(vec!["6-18-01-01".into()]),
            levels: None,
        }),
        accredited_from: Some(t("2026-01-01T00:00:00Z")),
        ..TrustedIssuer::default()
    }
}

fn signed_list(key: &SecretKey, anchor: &TrustAnchor) -> Value {
    let mut list = TrustList::empty();
    list.authority = Some(TrustListAuthority {
        id: anchor.did().into(),
        name: "浙江省职业技能鉴定指导中心".into(),
    });
    list.valid_from = Some(t("2026-12-01T00:00:00Z"));
    list.valid_until = Some(t("2026-12-08T00:00:00Z"));
    list.issuers = vec![issuer_entry(1)];
    let signer = KeySigner::new(key, anchor.verification_method());
    list.sign(&signer, &t("2026-12-01T00:00:00Z")).unwrap()
}

#[test]
fn anchors_parse_and_print_both_forms() {
    let (k, a) = authority_key();
    let did = keys::did_key(&k.public());
    assert_eq!(TrustAnchor::parse(&did).unwrap(), a);
    assert_eq!(TrustAnchor::parse(a.verification_method()).unwrap(), a);
    assert_eq!(a.to_string(), did);
    let mb = keys::public_multibase(&k.public());
    let web = TrustAnchor::parse(&format!("did:web:hrss.example.cn#key-1={mb}")).unwrap();
    assert_eq!(web.did(), "did:web:hrss.example.cn");
    assert_eq!(
        web.to_string(),
        format!("did:web:hrss.example.cn#key-1={mb}")
    );
    for bad in [
        "",
        "z6Mk",
        "did:web:x.cn",
        "did:web:x.cn=z6Mk",
        &format!("did:web:x.cn={mb}"),
        &format!("{did}#z6MkOther"),
    ] {
        let e = TrustAnchor::parse(bad).unwrap_err().to_string();
        assert!(e.contains("trust anchor"), "{bad}: {e}");
    }
}

#[test]
fn a_signed_list_verifies_only_with_its_anchor_and_unaltered() {
    let (k, a) = authority_key();
    let v = signed_list(&k, &a);
    let bytes = serde_json::to_vec(&v).unwrap();
    let s = TrustSource::anchored(&bytes, &a, "list.json").unwrap();
    assert!(s.is_signed(), "{:?}", s.standing());
    // The published JSON writes the open-ended members as null.
    assert!(v["issuers"][0]["accreditedUntil"].is_null());
    assert!(v["issuers"][0]
        .as_object()
        .unwrap()
        .contains_key("suspendedFrom"));
    assert!(v.get("@context").is_none() && v["proof"].get("@context").is_none());
    // Another anchor.
    let other = SecretKey::from_seed(&[10; 32]);
    let b = TrustAnchor::new(&keys::did_key_vm(&other.public()), other.public());
    let s = TrustSource::anchored(&bytes, &b, "list.json").unwrap();
    let crate::trust::Standing::Refused(_, why) = s.standing() else {
        panic!("{:?}", s.standing())
    };
    assert!(matches!(why, ListNotInForce::OtherSigner { .. }), "{why}");
    assert!(why.to_string().contains("not by the trust anchor"), "{why}");
    // Altered: a scope widened after signing.
    let mut w = v.clone();
    w["issuers"][0]["scope"]["programs"] = serde_json::json!(["6-25-04-08", "6-18-01-01"]);
    let s = TrustSource::anchored(&serde_json::to_vec(&w).unwrap(), &a, "x").unwrap();
    assert!(matches!(
        s.standing(),
        crate::trust::Standing::Refused(_, ListNotInForce::BadSignature(_))
    ));
    // Unsigned.
    let mut u = v.clone();
    u.as_object_mut().unwrap().remove("proof");
    let s = TrustSource::anchored(&serde_json::to_vec(&u).unwrap(), &a, "x").unwrap();
    assert!(matches!(
        s.standing(),
        crate::trust::Standing::Refused(_, ListNotInForce::NotSigned)
    ));
    // Freshness is judged at each check.
    let s = TrustSource::anchored(&bytes, &a, "x").unwrap();
    assert!(s.in_force(t("2026-12-03T00:00:00Z")).is_ok());
    let stale = s.in_force(t("2026-12-09T00:00:00Z")).unwrap_err();
    assert!(matches!(stale, ListNotInForce::Stale(_)), "{stale}");
    assert!(stale.to_string().contains("freshness"), "{stale}");
    let early = s.in_force(t("2026-11-30T00:00:00Z")).unwrap_err();
    assert!(matches!(early, ListNotInForce::NotYetValid(_)), "{early}");
    assert!(early.to_string().contains("not valid before"), "{early}");
}

#[test]
fn scope_and_window_rules() {
    let e = issuer_entry(1);
    let when = SigningTime::document(Some(t("2026-06-01T00:00:00Z")), None);
    let now = t("2026-12-02T00:00:00Z");
    let facts = |fw: &str, prog: Option<&str>, level: &str| ScopeFacts {
        frameworks: vec![fw.into()],
        program: prog.map(Into::into),
        levels: vec![level.into()],
    };
    assert!(e
        .check_accreditation(&facts("cn-nvq", Some("6-18-01-01"), "3"), &when, now)
        .is_ok());
    let err = |f: &ScopeFacts, w: &SigningTime, e: &TrustedIssuer| {
        e.check_accreditation(f, w, now).unwrap_err().to_string()
    };
    let ok_facts = facts("cn-nvq", Some("6-18-01-01"), "3");
    assert_eq!(
        err(&facts("iiw", Some("6-18-01-01"), "3"), &when, &e),
        "not accredited for framework iiw"
    );
    assert_eq!(
        err(&facts("cn-nvq", Some("6-25-04-08"), "3"), &when, &e),
        "not accredited for program 6-25-04-08"
    );
    assert!(err(&facts("cn-nvq", None, "3"), &when, &e).contains("no program code"));
    let mut lv = e.clone();
    lv.scope.as_mut().unwrap().levels = Some(vec!["4".into(), "5".into()]);
    assert_eq!(err(&ok_facts, &when, &lv), "not accredited for level 3");
    let mut none = e.clone();
    none.scope.as_mut().unwrap().levels = Some(vec![]);
    assert_eq!(err(&ok_facts, &when, &none), "not accredited for level 3");
    // Window.
    let early = SigningTime::document(Some(t("2025-12-31T23:59:59Z")), None);
    assert!(err(&ok_facts, &early, &e).contains("not yet accredited"));
    let mut ended = e.clone();
    ended.accredited_until = Some(t("2026-06-01T00:00:00Z"));
    assert!(err(&ok_facts, &when, &ended).contains("ended"));
    let mut susp = e.clone();
    susp.suspended_from = Some(t("2026-05-01T00:00:00Z"));
    assert!(err(&ok_facts, &when, &susp).contains("suspended"));
    susp.suspended_from = Some(t("2026-07-01T00:00:00Z"));
    assert!(susp.check_accreditation(&ok_facts, &when, now).is_ok());
    // A certificate dated before the suspension but taking effect after it is refused.
    let postdated = SigningTime::document(
        Some(t("2026-06-01T00:00:00Z")),
        Some(t("2026-08-01T00:00:00Z")),
    );
    assert!(err(&ok_facts, &postdated, &susp).contains("validFrom"));
    // No scope, no window: everything.
    let plain = TrustedIssuer {
        scope: None,
        accredited_from: None,
        ..e
    };
    assert!(plain
        .check_accreditation(&facts("x", None, "9"), &early, now)
        .is_ok());
}

#[test]
fn facts_of_documents_strip_our_framework_prefix_only() {
    let doc = serde_json::json!({"credentialSubject": {
    "achievement": {"humanCode": "6-18-01-01"},
    "result": [
        {"resultDescription": "urn:skillcert:framework:cn-nvq", "value": "3"},
        {"resultDescription": "https://other.example/levels", "value": "B"}
    ]}});
    let f = ScopeFacts::of_document(&doc);
    assert_eq!(f.frameworks, ["cn-nvq", "https://other.example/levels"]);
    assert_eq!(f.levels, ["3", "B"]);
    assert_eq!(f.program.as_deref(), Some("6-18-01-01"));
    assert_eq!(
        ScopeFacts::of_document(&serde_json::json!({})),
        ScopeFacts::default()
    );
}

#[test]
fn malformed_scheme_members_are_refused_naming_the_member() {
    let (k, a) = authority_key();
    let mut v = signed_list(&k, &a);
    v["issuers"][0]["scope"]["programs"] = serde_json::json!("6-18-01-01");
    let e = TrustSource::anchored(&serde_json::to_vec(&v).unwrap(), &a, "x").unwrap_err();
    assert!(e.to_string().contains("issuers[0].scope.programs"), "{e}");
    let mut v = signed_list(&k, &a);
    v["validUntil"] = serde_json::json!("next week");
    let e = TrustSource::anchored(&serde_json::to_vec(&v).unwrap(), &a, "x").unwrap_err();
    assert!(e.to_string().contains("validUntil"), "{e}");
    let mut v = signed_list(&k, &a);
    v["validUntil"] = serde_json::json!("2026-11-01T00:00:00Z");
    let e = TrustSource::anchored(&serde_json::to_vec(&v).unwrap(), &a, "x").unwrap_err();
    assert!(e.to_string().contains("before validFrom"), "{e}");
    for bad in [
        &b"{"[..],
        b"[]",
        b"{\"type\":\"SkillcertTrustList\",\"version\":1}",
    ] {
        assert!(TrustSource::anchored(bad, &a, "x").is_err());
    }
    // Too large.
    let big = vec![b' '; crate::trust::MAX_TRUST_LIST + 1];
    assert!(TrustSource::anchored(&big, &a, "x").is_err());
}
