//! Tests of the certificate model, and claims other modules' tests build on.

use super::*;

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
            id_hash: Some(hash_national_id("330602199001011234", &id_salt(&id))),
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
    let a = hash_national_id(" 33060219900101123x ", "s1");
    assert_eq!(a, hash_national_id("33060219900101123X", "s1"));
    assert_ne!(a, hash_national_id("33060219900101123X", "s2"));
}
