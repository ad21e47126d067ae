//! Scheme trust lists and an independent implementation (issue 14): a list signed by
//! `tests/tooling/trust_list.py` (Python `cryptography` + `rfc8785`, written from the format
//! alone) is honoured, scopes included; a list our authority publishes verifies there, and
//! the same list altered by one character does not.

use crate::tooling;
use serde_json::{json, Value};
use skillcert::authority::{Authority, Grant};
use skillcert::issuer::Issuer;
use skillcert::trust::{Scope, TrustAnchor, TrustSource};
use skillcert::verify::{Verdict, Verifier};
use std::sync::Arc;

const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";

fn py(cmd: &str, req: &Value) -> Value {
    tooling::ok("python3", "trust_list.py", &[cmd], req)
}

fn verify(store: TrustSource, text: &str) -> skillcert::verify::Report {
    let v = Verifier::builder(store)
        .status_source(Arc::new(crate::common::FixedStatus(false)))
        .build()
        .unwrap();
    skillcert_qrimage::verify_bytes(&v, text.as_bytes())
        .map_or_else(|r| r.into_report(), |v| v.into_report())
}

#[test]
#[ignore = "needs Python cryptography and rfc8785: scripts/test.sh installs it and runs the ignored tests"]
fn a_list_signed_by_python_is_honoured_with_its_scope() {
    let (_dir, issuer, issued) = crate::common::reference();
    let mb = py("public", &json!({"seed_hex": SEED}))["public_key_multibase"]
        .as_str()
        .unwrap()
        .to_owned();
    let did = format!("did:key:{mb}");
    let now = chrono::Utc::now();
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut entry = serde_json::to_value(&issuer.trust_list().issuers[0]).unwrap();
    entry["scope"] =
        json!({"frameworks": ["cn-nvq"], "programs": ["6-18-01-01"], "levels": ["2", "3"]});
    entry["accreditedFrom"] = json!("2026-01-01T00:00:00Z");
    entry["accreditedUntil"] = Value::Null;
    entry["suspendedFrom"] = Value::Null;
    let unsigned = json!({
        "type": "SkillcertTrustList", "version": 1,
        "authority": {"id": did, "name": "浙江省职业技能鉴定指导中心"},
        "validFrom": fmt(now - chrono::Duration::hours(1)),
        "validUntil": fmt(now + chrono::Duration::days(7)),
        "issuers": [entry],
        "extension": {"by": "another tool: unknown members are signed too"}
    });
    let signed = py(
        "sign",
        &json!({"list": unsigned, "seed_hex": SEED, "verification_method": format!("{did}#{mb}"),
                "created": fmt(now)}),
    );
    let anchor: TrustAnchor = did.parse().unwrap();
    let bytes = serde_json::to_vec(&signed).unwrap();
    let src = TrustSource::anchored(&bytes, &anchor, "python.json").unwrap();
    assert!(src.is_signed(), "{:?}", src.standing());
    // The reference certificate (program 6-18-01-01, level 2) in all three forms.
    for text in [
        issued.document.to_string(),
        issued.token.clone(),
        issued.qr_text.clone(),
    ] {
        let r = verify(src.clone(), &text);
        assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.failure_reasons());
        assert_eq!(r.accredited_by.as_ref().unwrap().authority, did);
    }
    // Narrowed to level 3 by the same independent signer: the level-2 certificate is out.
    let mut narrowed = unsigned_of(&signed);
    narrowed["issuers"][0]["scope"]["levels"] = json!(["3"]);
    let resigned = py(
        "sign",
        &json!({"list": narrowed, "seed_hex": SEED, "verification_method": format!("{did}#{mb}"),
                "created": fmt(now)}),
    );
    let src = TrustSource::anchored(&serde_json::to_vec(&resigned).unwrap(), &anchor, "p").unwrap();
    let r = verify(src, &issued.token);
    assert_eq!(r.verdict, Verdict::UntrustedIssuer);
    assert_eq!(r.failure_reasons(), ["not accredited for level 2"]);
    // The member another tool added is covered by the signature.
    let mut altered = signed.clone();
    altered["extension"]["by"] = json!("someone else");
    let src = TrustSource::anchored(&serde_json::to_vec(&altered).unwrap(), &anchor, "p").unwrap();
    assert!(!src.is_signed());
}

fn unsigned_of(signed: &Value) -> Value {
    let mut v = signed.clone();
    v.as_object_mut().unwrap().remove("proof");
    v
}

#[test]
#[ignore = "needs Python cryptography and rfc8785: scripts/test.sh installs it and runs the ignored tests"]
fn a_list_we_publish_verifies_in_python() {
    let a_dir = tempfile::tempdir().unwrap();
    let i_dir = tempfile::tempdir().unwrap();
    let mut a = Authority::init(a_dir.path(), "IIW Authorisation Board", None, "t").unwrap();
    let issuer = Issuer::init(i_dir.path(), "焊接研究所", Some("https://weld.example.cn")).unwrap();
    let grant = Grant {
        scope: Scope {
            frameworks: Some(vec!["iiw".into()]),
            ..Scope::default()
        },
        ..Grant::default()
    };
    a.accredit(&issuer.trust_list(), &grant, "t").unwrap();
    let signed = a.publish(chrono::Utc::now(), 7, "t").unwrap();
    let mb = a.config().public_key_multibase.clone();
    let answer = py(
        "verify",
        &json!({"list": signed, "public_key_multibase": mb}),
    );
    assert_eq!(answer["verified"], json!(true), "{answer}");
    let mut altered = signed.clone();
    altered["issuers"][0]["name"] = json!("焊接研究所 ");
    let answer = py(
        "verify",
        &json!({"list": altered, "public_key_multibase": mb}),
    );
    assert_eq!(answer["verified"], json!(false), "{answer}");
}
