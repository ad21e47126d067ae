//! Bitstring Status List v1.0 vectors (`testdata/vectors/bitstring-status-list`) with the
//! expectations of `testdata/vectors/README.md`, decoding caps, and status list credential
//! checks (trust, purpose, URL, issuer, freshness).

use chrono::{Duration, Utc};
use flate2::write::GzEncoder;
use serde_json::Value;
use skillcert::issuer::Issuer;
use skillcert::model::{StatusPurpose, StatusRef};
use skillcert::status::bitstring::{Bitstring, MAX_LIST_BYTES, MIN_LIST_BITS};
use skillcert::status::credential::{build_signed, list_url};
use skillcert::status::{CheckedList, StatusError, StatusListCredential};
use std::io::Write;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/vectors/bitstring-status-list"
);

fn read(p: &str) -> Vec<u8> {
    std::fs::read(format!("{DIR}/{p}")).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn json(p: &str) -> Value {
    serde_json::from_slice(&read(p)).unwrap()
}

/// A list as if its proof had verified, to test the entry checks on unsigned vectors.
fn as_trusted(list: StatusListCredential) -> CheckedList {
    CheckedList {
        list,
        proof: Ok("test-key".into()),
        source: "vector".into(),
    }
}

fn entries(doc: &Value) -> Vec<StatusRef> {
    match &doc["credentialStatus"] {
        Value::Array(a) => a
            .iter()
            .map(|e| StatusRef::from_json("credentialStatus", e).unwrap())
            .collect(),
        e => vec![StatusRef::from_json("credentialStatus", e).unwrap()],
    }
}

#[test]
fn transcribed_samples_bit_order_and_length() {
    let v = json("transcribed-encodedList-samples.json");
    let samples = v["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 5);
    for s in samples {
        let enc = s["encodedList"].as_str().unwrap();
        let bits = s["bitLength"].as_u64().unwrap() as usize;
        let msb: Vec<usize> = s["setIndicesMsbFirst"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        let any = Bitstring::decode_any_length(enc).unwrap();
        assert_eq!(any.len(), bits, "{enc}");
        assert_eq!(
            any.as_bytes().len() as u64,
            s["uncompressedBytes"].as_u64().unwrap()
        );
        // MSB-first: index 0 is the left-most bit.
        assert_eq!(any.ones(), msb, "{enc}");
        if let Some(hex) = s["uncompressedHex"].as_str() {
            assert_eq!(hex::encode(&any.as_bytes()[..1]), hex);
        }
        let strict = Bitstring::decode(enc);
        if bits >= MIN_LIST_BITS {
            assert_eq!(strict.unwrap().ones(), msb);
        } else {
            // The 100 000-bit lists and the 8-bit samples: STATUS_LIST_LENGTH_ERROR.
            let e = strict.unwrap_err();
            assert!(matches!(e, StatusError::Length(_)), "{e}");
            assert!(e.to_string().contains("STATUS_LIST_LENGTH_ERROR"));
        }
    }
    // The two traps by value: 0x48 → 1,4 and 0x12 → 3,6 (not the LSB-first reading).
    let a = Bitstring::decode_any_length("uH4sIAAAAAAAAA_MAAC8mBaoBAAAA").unwrap();
    assert_eq!(a.ones(), vec![1, 4]);
    let b = Bitstring::decode_any_length("uH4sIAAAAAAAAAxMCAMWeuyEBAAAA").unwrap();
    assert_eq!(b.ones(), vec![3, 6]);
    // The "50Kth revoked" list has bit 50007 set under the normative order, but is too short.
    let c = Bitstring::decode_any_length(
        "uH4sIAAAAAAAAA-3OMQ0AAAgDsOHfNB72EJJWQRMAAAAAAIDWXAcAAAAAAIDHFrc4zDzUMAAA",
    )
    .unwrap();
    assert_eq!(c.ones(), vec![50007]);
}

#[test]
fn spec_examples_not_revoked() {
    for f in [
        "spec-examples/example-bitstring-status-list-credential.json",
        "spec-examples/example-status-list-credential.json",
    ] {
        let l = StatusListCredential::parse(&read(f)).unwrap();
        assert_eq!(l.bits.len(), 131_072, "{f}");
        assert!(l.bits.ones().is_empty());
        assert_eq!(l.purposes, vec!["revocation".to_owned()]);
        // Unsigned: it can never count as a trusted list.
        let trust = skillcert::trust::TrustList::empty();
        let checked = CheckedList::new(l.clone(), &trust, f.into());
        assert!(checked.proof.is_err());
        let e = &entries(&json("spec-examples/example-revocable-credential.json"))[0];
        assert!(checked.status(e, "did:example:12345", Utc::now()).is_err());
        // As if trusted: index 94567 is 0.
        let t = as_trusted(l);
        let bit = t.status(e, "did:example:12345", Utc::now()).unwrap();
        assert!(!bit.set);
        assert!(!bit.stale, "no validUntil: no freshness limit");
    }
    // Revocation + suspension entries: each checked against the list of its purpose.
    let doc = json("spec-examples/example-credential-with-revocation-and-suspension-entries.json");
    let es = entries(&doc);
    assert_eq!(es.len(), 2);
    assert_eq!(
        (es[0].purpose, es[0].index),
        (StatusPurpose::Revocation, 94567)
    );
    assert_eq!(
        (es[1].purpose, es[1].index),
        (StatusPurpose::Suspension, 23452)
    );
    let rev = as_trusted(
        StatusListCredential::parse(&read(
            "spec-examples/example-bitstring-status-list-credential.json",
        ))
        .unwrap(),
    );
    // The list at status/3 is a revocation list: it cannot answer the suspension entry
    // (whose statusListCredential is status/4 anyway).
    assert!(
        !rev.status(&es[0], "did:example:12345", Utc::now())
            .unwrap()
            .set
    );
    let e = rev
        .status(&es[1], "did:example:12345", Utc::now())
        .unwrap_err();
    assert!(e.to_string().contains("not the entry's"), "{e}");
    let mut wrong_purpose = es[0].clone();
    wrong_purpose.purpose = StatusPurpose::Suspension;
    let e = rev
        .status(&wrong_purpose, "did:example:12345", Utc::now())
        .unwrap_err();
    assert!(e.to_string().contains("purpose"), "{e}");
    let e = rev
        .status(&es[0], "did:example:other", Utc::now())
        .unwrap_err();
    assert!(
        e.to_string().contains("not by the certificate's issuer"),
        "{e}"
    );
}

#[test]
fn spruceid_index_3_revoked_index_1_not() {
    let l = StatusListCredential::parse(&read("spruceid-ssi/local-status-list-credential.jsonld"))
        .unwrap();
    assert_eq!(l.bits.len(), 131_072);
    assert_eq!(l.bits.ones(), vec![3]);
    // Its JsonWebSignature2020 proof is not eddsa-jcs-2022: never trusted by us.
    assert!(l.proof.is_err());
    let t = as_trusted(l);
    for (f, revoked) in [
        ("spruceid-ssi/status_list_revocable_1.jsonld", false),
        ("spruceid-ssi/status_list_revocable_3.jsonld", true),
    ] {
        let mut e = entries(&json(f)).remove(0);
        // The entries point at a local test server URL; match it to the list's id.
        e.list_url = t.list.id.clone();
        // It names no issuer: it never counts for a certificate.
        assert!(t
            .status(&e, "", Utc::now())
            .unwrap_err()
            .to_string()
            .contains("issuer"));
        let mut t2 = t.clone();
        t2.list.issuer = "did:example:12345".into();
        assert_eq!(
            t2.status(&e, "did:example:12345", Utc::now()).unwrap().set,
            revoked,
            "{f}"
        );
    }
}

#[test]
fn onedtech_list_index_23_and_integer_index_rejected() {
    let l = StatusListCredential::parse(&read("1edtech-validator/testlist")).unwrap();
    // MSB-first: 23 (an LSB-first decoder would say 16).
    assert_eq!(l.bits.ones(), vec![23]);
    let doc = json("1edtech-validator/credential-status-revoked.json");
    // Decision: statusListIndex must be a string (the spec's type); the integer 23 is refused
    // with an error naming the field, so the credential is malformed rather than guessed at.
    let e = StatusRef::from_json("credentialStatus", &doc["credentialStatus"]).unwrap_err();
    assert!(e.to_string().contains("statusListIndex"), "{e}");
    // With the index as the spec's string form, the entry is revoked against this list.
    let mut entry = doc["credentialStatus"].clone();
    entry["statusListIndex"] = Value::String("23".into());
    let mut e = StatusRef::from_json("credentialStatus", &entry).unwrap();
    e.list_url = l.id.clone();
    let t = as_trusted(l);
    assert!(
        t.status(&e, "https://1edtech.edu/issuers/565049", Utc::now())
            .unwrap()
            .set
    );
}

fn gzip_u(data: &[u8]) -> String {
    use base64::Engine;
    let mut gz = GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(data).unwrap();
    format!(
        "u{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(gz.finish().unwrap())
    )
}

#[test]
fn gzip_bomb_refused() {
    // 64 MiB of zeros compresses to about 64 KiB: refused after MAX_LIST_BYTES + 1 bytes.
    let bomb = gzip_u(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 200_000);
    let e = Bitstring::decode(&bomb).unwrap_err();
    assert!(e.to_string().contains("inflates to more than"), "{e}");
    // Exactly at the cap is fine.
    assert_eq!(
        Bitstring::decode(&gzip_u(&vec![0u8; MAX_LIST_BYTES]))
            .unwrap()
            .len(),
        MAX_LIST_BYTES * 8
    );
    // Truncated GZIP, bad base64, missing prefix, not GZIP.
    let good = Bitstring::zeros(MIN_LIST_BITS).encode();
    for bad in [
        &good[..good.len() - 6],
        "uH4sI%%%",
        &good[1..],
        "uAAAAAAAAAAAAAAA",
    ] {
        assert!(Bitstring::decode(bad).is_err(), "{bad}");
    }
}

fn issuer() -> (tempfile::TempDir, Issuer) {
    let d = tempfile::tempdir().unwrap();
    let i = Issuer::init(d.path(), "List Issuer", Some("https://lists.example.cn")).unwrap();
    (d, i)
}

#[test]
fn signed_list_checks() {
    let (_d, iss) = issuer();
    let now = skillcert::issuer::now_secs();
    let mut bits = Bitstring::zeros(MIN_LIST_BITS);
    bits.set(42, true);
    let doc = build_signed(&iss, 7, StatusPurpose::Revocation, &bits, now).unwrap();
    let bytes = serde_json::to_vec(&doc).unwrap();
    let l = StatusListCredential::parse(&bytes).unwrap();
    assert_eq!(l.id, list_url("https://lists.example.cn", 7));
    assert_eq!(l.valid_until.unwrap() - now, Duration::hours(24));
    let trust = iss.trust_list();
    let c = CheckedList::new(l.clone(), &trust, "mem".into());
    assert!(c.proof.is_ok());
    let entry = |index, purpose| StatusRef {
        purpose,
        list_url: l.id.clone(),
        index,
    };
    let issuer_id = &iss.config().id;
    assert!(
        c.status(&entry(42, StatusPurpose::Revocation), issuer_id, now)
            .unwrap()
            .set
    );
    assert!(
        !c.status(&entry(41, StatusPurpose::Revocation), issuer_id, now)
            .unwrap()
            .set
    );
    assert!(c
        .status(&entry(42, StatusPurpose::Suspension), issuer_id, now)
        .is_err());
    assert!(c
        .status(
            &entry(MIN_LIST_BITS as u32, StatusPurpose::Revocation),
            issuer_id,
            now
        )
        .is_err());
    // Stale past validUntil; not yet valid before validFrom.
    let later = now + Duration::hours(25);
    assert!(
        c.status(&entry(42, StatusPurpose::Revocation), issuer_id, later)
            .unwrap()
            .stale
    );
    assert!(c
        .status(
            &entry(42, StatusPurpose::Revocation),
            issuer_id,
            now - Duration::hours(1)
        )
        .is_err());
    // Another issuer's trust list: not trusted.
    let (_d2, other) = issuer();
    let c2 = CheckedList::new(l.clone(), &other.trust_list(), "mem".into());
    assert!(c2.proof.is_err());
    // Tampered bits (hiding the revocation): the signature fails.
    let mut t = doc.clone();
    t["credentialSubject"]["encodedList"] = Value::String(Bitstring::zeros(MIN_LIST_BITS).encode());
    let tl = StatusListCredential::from_value(&t).unwrap();
    let e = CheckedList::new(tl, &trust, "mem".into())
        .proof
        .unwrap_err();
    assert!(e.to_string().contains("does not verify"), "{e}");
}

#[test]
fn malformed_list_credentials_name_the_field() {
    let (_d, iss) = issuer();
    let doc = build_signed(
        &iss,
        1,
        StatusPurpose::Suspension,
        &Bitstring::zeros(MIN_LIST_BITS),
        Utc::now(),
    )
    .unwrap();
    type Edit = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "type",
            Box::new(|v| v["type"] = Value::String("VerifiableCredential".into())),
        ),
        ("id", Box::new(|v| v["id"] = Value::Null)),
        ("issuer", Box::new(|v| v["issuer"] = Value::from(5))),
        (
            "validUntil",
            Box::new(|v| v["validUntil"] = Value::from("tomorrow")),
        ),
        (
            "credentialSubject.type",
            Box::new(|v| v["credentialSubject"]["type"] = Value::from("X")),
        ),
        (
            "statusPurpose",
            Box::new(|v| v["credentialSubject"]["statusPurpose"] = Value::from(1)),
        ),
        (
            "encodedList",
            Box::new(|v| v["credentialSubject"]["encodedList"] = Value::from("zzz")),
        ),
        (
            "credentialSubject",
            Box::new(|v| v["credentialSubject"] = Value::from(true)),
        ),
    ];
    for (name, f) in cases {
        let mut v = doc.clone();
        f(&mut v);
        let e = StatusListCredential::from_value(&v).unwrap_err();
        assert!(e.to_string().contains(name), "{name}: {e}");
    }
    assert!(StatusListCredential::parse(b"not json").is_err());
    assert!(StatusListCredential::parse(b"[]").is_err());
    assert!(StatusListCredential::parse(&vec![b' '; 3 << 20]).is_err());
}

proptest::proptest! {
    // A failure is reported in the test's output, never written into the source tree.
    #![proptest_config(proptest::test_runner::Config {
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    })]
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
        let _ = StatusListCredential::parse(&data);
        if let Ok(s) = std::str::from_utf8(&data) {
            let _ = Bitstring::decode_any_length(s);
        }
    }
}
