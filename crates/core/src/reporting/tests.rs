use super::*;
use crate::authority::{Authority, Grant};
use crate::issuer::Issuer;
use crate::keys::SecretKey;
use crate::signer::KeySigner;
use crate::trust::{Scope, TrustSource};

struct World {
    _dirs: Vec<tempfile::TempDir>,
    issuer: Issuer,
    trust: TrustStore,
}

fn world(programs: &[&str]) -> World {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let issuer = Issuer::init(dirs[0].path(), "CNC", Some("https://cnc.example.cn")).unwrap();
    let mut a = Authority::init(dirs[1].path(), "HRSS", None, "t").unwrap();
    let grant = Grant {
        scope: Scope {
            programs: Some(programs.iter().map(|p| p.to_string()).collect()),
            ..Scope::default()
        },
        from: Some(crate::model::now_secs() - chrono::Duration::days(1)),
        until: None,
        numbers: None,
    };
    a.accredit(&issuer.trust_list(), &grant, "t").unwrap();
    let now = crate::model::now_secs();
    let bytes = serde_json::to_vec(&a.publish(now, 7, "t").unwrap()).unwrap();
    let trust = TrustSource::anchored(&bytes, &a.anchor(), "x")
        .unwrap()
        .into();
    World {
        _dirs: dirs,
        issuer,
        trust,
    }
}

fn record(w: &World, code: &str) -> Item {
    let (_d, _i, issued) = {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/reference/reference-certificate.json"
        );
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut c = crate::model::reference::reference_claims(&bytes).unwrap();
        c.issuer = w.issuer.profile();
        c.program.code = Some(code.into());
        c.number = None;
        let now = crate::model::now_secs();
        c.valid_from = now;
        ((), (), w.issuer.sign_all(c, now).unwrap())
    };
    let doc = serde_json::to_vec(&issued.document).unwrap();
    Item::Certificate(Box::new(ReportedCertificate::of_claims(
        &issued.claims,
        crate::model::now_secs(),
        &w.issuer.config().active_key,
        &hex::encode(Sha256::digest(&doc)),
        Some(("330602199001011231", [7; 16])),
    )))
}

fn bundle(w: &World, items: &[Item]) -> Vec<u8> {
    let v = sign_bundle(
        &w.issuer,
        &w.issuer.config().id,
        items,
        crate::model::now_secs(),
    )
    .unwrap();
    serde_json::to_vec(&v).unwrap()
}

#[test]
fn bundles_verify_and_receipts_name_what_was_received() {
    let w = world(&["6-18-01-01"]);
    let rec = record(&w, "6-18-01-01");
    let status = Item::Status(ReportedStatusChange {
        credential_id: rec.credential_id().into(),
        change: "revoke".into(),
        at: crate::model::now_secs(),
        seq: 3,
    });
    let now = crate::model::now_secs();
    let b = verify_bundle(&bundle(&w, &[rec.clone(), status.clone()]), &w.trust, now).unwrap();
    assert_eq!(b.items.len(), 2);
    assert_eq!(b.items[1].key(), "status:3");
    // The portal's receipt verifies, pinned or not; another key or an edit does not.
    let pk = SecretKey::from_seed(&[5; 32]);
    let vm = crate::keys::did_key_vm(&pk.public());
    let receipt = sign_receipt(&KeySigner::new(&pk, &vm), &b, now).unwrap();
    let r = verify_receipt(&receipt, None).unwrap();
    assert_eq!(r.items[0].digest, rec.digest());
    assert_eq!(r.bundle, b.digest);
    let did = crate::keys::did_key(&pk.public());
    assert!(verify_receipt(&receipt, Some(&did)).is_ok());
    assert!(verify_receipt(&receipt, Some("did:key:z6MkOther")).is_err());
    let mut edited = receipt.clone();
    edited["items"][0]["digest"] = "00".repeat(32).into();
    assert!(matches!(
        verify_receipt(&edited, None),
        Err(ReportError::Untrusted(_))
    ));
}

#[test]
fn foreign_keys_scope_and_tampering_are_refused_with_the_item() {
    let w = world(&["6-18-01-01"]);
    let now = crate::model::now_secs();
    // Out of scope.
    let e = verify_bundle(&bundle(&w, &[record(&w, "6-25-04-08")]), &w.trust, now).unwrap_err();
    assert!(
        matches!(&e, ReportError::OutOfScope(m) if m.contains("items[0]") && m.contains("6-25-04-08")),
        "{e}"
    );
    // Tampered after signing.
    let mut v: Value = serde_json::from_slice(&bundle(&w, &[record(&w, "6-18-01-01")])).unwrap();
    v["items"][0]["holderName"] = "李四".into();
    let e = verify_bundle(&serde_json::to_vec(&v).unwrap(), &w.trust, now).unwrap_err();
    assert!(
        matches!(&e, ReportError::Untrusted(m) if m.contains("does not verify")),
        "{e}"
    );
    // Signed by a key the list does not name for the issuer.
    let rogue = SecretKey::from_seed(&[6; 32]);
    let vm = format!("{}#key-9", w.issuer.config().id);
    let items = [record(&w, "6-18-01-01")];
    let v = sign_bundle(
        &KeySigner::new(&rogue, &vm),
        &w.issuer.config().id,
        &items,
        now,
    )
    .unwrap();
    let e = verify_bundle(&serde_json::to_vec(&v).unwrap(), &w.trust, now).unwrap_err();
    assert!(matches!(&e, ReportError::Untrusted(_)), "{e}");
    // Shapes.
    for bad in [&b"{}"[..], b"[", b"{\"type\":\"SkillcertReportBundle\",\"version\":1,\"issuer\":\"x\",\"created\":\"2026-01-01T00:00:00Z\",\"items\":[]}"] {
        assert!(matches!(verify_bundle(bad, &w.trust, now), Err(ReportError::Malformed(_))));
    }
}

#[test]
fn id_numbers_match_only_their_keyed_hash() {
    let w = world(&["6-18-01-01"]);
    let Item::Certificate(r) = record(&w, "6-18-01-01") else {
        unreachable!()
    };
    let (key, other) = (
        crate::keys::IdKey::from_bytes([1; 32]),
        crate::keys::IdKey::from_bytes([2; 32]),
    );
    let stored = r.to_stored(&key);
    assert!(stored.holder_id.is_none() && stored.holder_id_nonce.is_none());
    assert!(stored.id_matches(&key, "330602199001011231"));
    assert!(stored.id_matches(&key, " 330602 19900101 1231 "));
    assert!(!stored.id_matches(&key, "33060219900101124X"));
    assert!(!stored.id_matches(&other, "330602199001011231"));
    // Nothing of the ID in what anyone may see.
    let public = serde_json::to_string(&stored.to_public()).unwrap();
    assert!(!public.contains("holderId"), "{public}");
    // A legacy record (unkeyed hash salted with the UUID) still matches.
    let mut legacy = stored.to_public();
    let u = legacy.credential_uuid().unwrap();
    legacy.holder_id_hash = Some(hex::encode(
        crate::model::IdBinding::legacy("330602199001011231", &u).hash,
    ));
    assert!(legacy.id_matches(&key, "330602199001011231"));
    assert!(!legacy.id_matches(&key, "33060219900101124X"));
}

#[test]
fn finding_1_a_record_outside_the_senders_number_space_is_refused() {
    let w = world(&["6-18-01-01"]);
    let now = crate::model::now_secs();
    // The issuer's space is what its export claims: `SC-` (the default numbering).
    let mut rec = record(&w, "6-18-01-01");
    if let Item::Certificate(r) = &mut rec {
        r.number = Some("SC-2026-000001".into());
    }
    verify_bundle(&bundle(&w, &[rec.clone()]), &w.trust, now).unwrap();
    // Another body's national number (organisation 0001, Zhejiang, site 060200): refused.
    if let Item::Certificate(r) = &mut rec {
        r.number = Some("S000133060200263000002".into());
    }
    let err = verify_bundle(&bundle(&w, &[rec]), &w.trust, now).unwrap_err();
    assert!(matches!(err, ReportError::OutOfScope(_)), "{err}");
    assert!(
        err.to_string().contains("outside the number space"),
        "{err}"
    );
}
