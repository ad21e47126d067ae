//! Tests of the certificate model, and claims other modules' tests build on.

use super::*;
use serde_json::json;

pub(crate) fn sample() -> Claims {
    let id = Uuid::parse_str("0b7f6f5e-2c1d-4e8a-9f3b-5a6c7d8e9f01").unwrap();
    Claims {
        id,
        issuer: IssuerProfile {
            id: "did:web:verify.skills.example.cn".into(),
            name: "绍兴市职业技能鉴定指导中心 Shaoxing Vocational Skills Assessment Center".into(),
            url: Some("https://verify.skills.example.cn".into()),
        },
        holder: Holder {
            name: "王晓明".into(),
            name_latin: Some("Wang Xiaoming".into()),
            id_binding: Some(IdBinding::legacy("330602199001011231", &id)),
        },
        program: Program {
            name: "数控铣工 CNC Milling Operator".into(),
            code: Some("6-18-01-01".into()),
        },
        level: Level {
            framework: Framework::CnNvq,
            value: "2".into(),
        },
        valid_from: parse_time("validFrom", "2026-10-12T00:00:00Z").unwrap(),
        valid_until: Some(parse_time("validUntil", "2031-10-11T23:59:59Z").unwrap()),
        status: vec![StatusRef {
            purpose: StatusPurpose::Revocation,
            list_url: "https://verify.skills.example.cn/status/1".into(),
            index: 94567,
        }],
        number: Some("S000133060200262000042".into()),
    }
}

#[test]
fn document_round_trip() {
    let c = sample();
    c.validate().unwrap();
    let doc = c.to_document();
    assert_eq!(Claims::from_document(&doc).unwrap(), c);
}

#[test]
fn the_number_is_the_subjects_license_number() {
    let mut c = sample();
    let doc = c.to_document();
    assert_eq!(
        doc["credentialSubject"]["licenseNumber"],
        "S000133060200262000042"
    );
    c.number = None;
    let doc = c.to_document();
    assert!(doc["credentialSubject"].get("licenseNumber").is_none());
    assert_eq!(Claims::from_document(&doc).unwrap(), c);
    let mut bad = sample().to_document();
    bad["credentialSubject"]["licenseNumber"] = json!("S000133060200263000042");
    let e = Claims::from_document(&bad).unwrap_err().to_string();
    assert!(
        e.starts_with("credentialSubject.licenseNumber: level digit 3"),
        "{e}"
    );
    bad["credentialSubject"]["licenseNumber"] = json!(42);
    let e = Claims::from_document(&bad).unwrap_err().to_string();
    assert_eq!(e, "credentialSubject.licenseNumber: must be a string");
}

#[test]
fn any_extra_member_is_refused() {
    let mut doc = sample().to_document();
    doc["credentialSubject"]["extra"] = json!(1);
    assert!(Claims::from_document(&doc).is_err());
}

#[test]
fn wrong_types_name_the_field() {
    let mut doc = sample().to_document();
    doc["validFrom"] = json!(5);
    assert_eq!(
        Claims::from_document(&doc).unwrap_err().to_string(),
        "validFrom: missing or not a string"
    );
}

#[test]
fn national_id_hash_is_salted_and_normalised() {
    let a = hash_national_id(" 330602199001011231 ", "s1");
    assert_eq!(a, hash_national_id("330602199001011231", "s1"));
    assert_ne!(a, hash_national_id("330602199001011231", "s2"));
}

#[test]
fn id_bindings_carry_their_own_salt_and_hide_in_debug() {
    let id = Uuid::from_u128(42);
    let legacy = IdBinding::legacy("330602199001011231", &id);
    assert!(legacy.is_legacy(&id));
    assert_eq!(hex::encode(legacy.salt), id.simple().to_string());
    let copy = IdBinding::random("330602199001011231");
    assert!(!copy.is_legacy(&id));
    assert_ne!(copy.salt, IdBinding::random("330602199001011231").salt);
    assert!(copy.matches(" 330602199001011231 ") && !copy.matches("33060219900101124X"));
    assert_eq!(format!("{copy:?}"), "IdBinding(redacted)");
    // A holder's copy reads back with its own salt.
    let mut c = sample();
    c.holder.id_binding = Some(copy.clone());
    let back = Claims::from_document(&c.to_document()).unwrap();
    assert_eq!(back.holder.id_binding, Some(copy));
}

/// Every way of changing a document by one step: each leaf replaced, each member removed, a
/// member added to each object, an element added to and removed from each array.
fn one_step_changes(v: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    match v {
        Value::Object(m) => {
            let mut added = m.clone();
            added.insert("zz".into(), Value::Null);
            out.push(Value::Object(added));
            for (k, inner) in m {
                let mut removed = m.clone();
                removed.shift_remove(k);
                out.push(Value::Object(removed));
                for changed in one_step_changes(inner) {
                    let mut m2 = m.clone();
                    m2.insert(k.clone(), changed);
                    out.push(Value::Object(m2));
                }
            }
        }
        Value::Array(a) => {
            let mut longer = a.clone();
            longer.push(Value::Null);
            out.push(Value::Array(longer));
            if !a.is_empty() {
                out.push(Value::Array(a[1..].to_vec()));
            }
            for (i, inner) in a.iter().enumerate() {
                for changed in one_step_changes(inner) {
                    let mut a2 = a.clone();
                    a2[i] = changed;
                    out.push(Value::Array(a2));
                }
            }
        }
        Value::String(s) => {
            out.push(Value::String(format!("{s}x")));
            out.push(Value::String(s.chars().skip(1).collect()));
            out.push(Value::Null);
        }
        Value::Bool(b) => out.push(Value::Bool(!b)),
        Value::Number(_) | Value::Null => out.push(Value::String("0".into())),
    }
    out
}

#[test]
fn matches_document_is_building_and_comparing() {
    let mut variants = vec![sample()];
    let mut bare = sample();
    bare.holder.name_latin = None;
    bare.holder.id_binding = None;
    bare.program.code = None;
    bare.issuer.url = None;
    bare.valid_until = None;
    bare.status.clear();
    bare.number = None;
    variants.push(bare);
    for c in &variants {
        let doc = c.to_document();
        let o = doc.as_object().unwrap();
        assert!(c.matches_document(o));
        let mut with_proof = o.clone();
        with_proof.insert("proof".into(), json!({"type": "DataIntegrityProof"}));
        assert!(c.matches_document(&with_proof));
        let changes = one_step_changes(&doc);
        assert!(changes.len() > 200, "{} changes", changes.len());
        for changed in changes {
            let same = changed == doc;
            let m = changed.as_object().unwrap();
            let mut m = m.clone();
            m.shift_remove("proof");
            assert_eq!(c.matches_document(&m), same, "{changed}");
        }
    }
}

#[test]
fn at_finds_what_pointer_finds() {
    let doc = sample().to_document();
    for path in [
        "/id",
        "/issuer/url",
        "/credentialSubject/identifier",
        "/credentialSubject/result/0/value",
        "/credentialSubject/result/1/value",
        "/credentialSubject/achievement/humanCode",
        "/nothing/here",
        "/id/more",
    ] {
        assert_eq!(at(&doc, path), doc.pointer(path), "{path}");
    }
}

#[test]
fn document_json_is_the_document_written_out() {
    let mut bare = sample();
    bare.holder = Holder {
        name: "A \"quoted\" name \\ with\ttab".into(),
        name_latin: None,
        id_binding: None,
    };
    for c in [sample(), bare] {
        assert_eq!(
            c.document_json(),
            serde_json::to_string(&c.to_document()).unwrap()
        );
    }
}
