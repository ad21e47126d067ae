//! Finding 8: a trust-list export proves possession of the keys it lists.

use super::*;
use crate::issuer::Issuer;
use crate::keys::SecretKey;
use crate::signer::KeySigner;
use crate::trust::TrustedKey;
use std::path::Path;

fn cnc(dir: &Path) -> Issuer {
    Issuer::init(dir, "CNC Centre", Some("https://cnc.example.cn")).unwrap()
}

fn signed(issuer: &Issuer) -> Value {
    let signers: [&dyn Signer; 1] = [issuer];
    sign_export(&issuer.trust_list(), &signers, &crate::model::now_secs()).unwrap()
}

fn check(raw: &Value, accredited: &[TrustedIssuer]) -> Result<(), PossessionError> {
    let list = TrustList::from_value(raw.clone()).unwrap();
    verify_export(raw, &list, accredited)
}

fn rogue_key(issuer_id: &str, seed: u8) -> (SecretKey, TrustedKey) {
    let key = SecretKey::from_seed(&[seed; 32]);
    let k = TrustedKey {
        id: format!("{issuer_id}#key-9"),
        key_type: "Multikey".into(),
        public_key_multibase: crate::keys::public_multibase(&key.public()),
        valid_from: None,
        valid_until: None,
        compromised_from: None,
        compromise_grace_days: None,
    };
    (key, k)
}

#[test]
fn a_genuine_export_proves_its_key() {
    let d = tempfile::tempdir().unwrap();
    let issuer = cnc(d.path());
    let raw = signed(&issuer);
    assert!(raw["proof"].is_object(), "one key, one proof: {raw}");
    assert_eq!(raw["proof"]["cryptosuite"], "eddsa-jcs-2022");
    assert_eq!(
        raw["proof"]["verificationMethod"],
        issuer.config().active_key.as_str()
    );
    check(&raw, &[]).unwrap();
}

#[test]
fn finding_8_an_unsigned_file_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let raw = serde_json::to_value(cnc(d.path()).trust_list()).unwrap();
    let e = check(&raw, &[]).unwrap_err();
    assert_eq!(e, PossessionError::Unsigned);
    assert!(e.to_string().contains("not signed"), "{e}");
}

#[test]
fn finding_8_a_key_nobody_proved_is_refused_naming_issuer_and_key() {
    let d = tempfile::tempdir().unwrap();
    let issuer = cnc(d.path());
    let id = issuer.config().id.clone();
    // The CNC centre's genuine export with a rogue key added beside its own proof.
    let mut raw = signed(&issuer);
    let (_, k) = rogue_key(&id, 9);
    raw["issuers"][0]["keys"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::to_value(&k).unwrap());
    let e = check(&raw, &[]).unwrap_err();
    assert!(matches!(e, PossessionError::BadSignature { .. }), "{e}");
    // The same list signed by the CNC key: the rogue key is still nobody's proven key.
    let mut list = issuer.trust_list();
    list.issuers[0].keys.push(k.clone());
    let signers: [&dyn Signer; 1] = [&issuer];
    let raw = sign_export(&list, &signers, &crate::model::now_secs()).unwrap();
    let e = check(&raw, &[]).unwrap_err();
    assert_eq!(
        e,
        PossessionError::Unproven {
            issuer: id.clone(),
            key: k.id.clone(),
        }
    );
    assert!(
        e.to_string().contains(&id) && e.to_string().contains(&k.id),
        "{e}"
    );
    // Re-signed by the rogue alone (it cannot sign as the CNC key): the CNC key is unproven.
    let mut list = issuer.trust_list();
    list.issuers[0].keys.push(k.clone());
    let (rogue, _) = rogue_key(&id, 9);
    let vm = k.id.clone();
    let signer = KeySigner::new(&rogue, &vm);
    let signers: [&dyn Signer; 1] = [&signer];
    let raw = sign_export(&list, &signers, &crate::model::now_secs()).unwrap();
    let e = check(&raw, &[]).unwrap_err();
    assert_eq!(
        e,
        PossessionError::Unproven {
            issuer: id.clone(),
            key: issuer.config().active_key.clone(),
        }
    );
    // Someone else's id with only an unproven key, signed by the CNC key for good measure.
    let mut list = issuer.trust_list();
    list.issuers[0].keys = vec![k.clone()];
    let signers: [&dyn Signer; 1] = [&issuer];
    let raw = sign_export(&list, &signers, &crate::model::now_secs()).unwrap();
    let e = check(&raw, &[]).unwrap_err();
    assert!(
        matches!(&e, PossessionError::UnknownSigner { key, .. } if *key == issuer.config().active_key),
        "{e}"
    );
    let e = e.to_string();
    assert!(e.contains("not a key the trust list names"), "{e}");
}

#[test]
fn finding_8_a_file_altered_after_signing_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let issuer = cnc(d.path());
    let mut raw = signed(&issuer);
    raw["issuers"][0]["name"] = "Somebody Else".into();
    let e = check(&raw, &[]).unwrap_err();
    assert!(
        matches!(&e, PossessionError::BadSignature { field, key } if field == "proof" && *key == issuer.config().active_key),
        "{e}"
    );
    assert!(e.to_string().contains("altered"), "{e}");
    // A proof of the wrong suite, or not an object, is refused too.
    let mut raw = signed(&issuer);
    raw["proof"]["cryptosuite"] = "eddsa-rdfc-2022".into();
    assert!(check(&raw, &[]).is_err());
    let mut raw = signed(&issuer);
    raw["proof"] = Value::Array(Vec::new());
    assert!(matches!(
        check(&raw, &[]),
        Err(PossessionError::Malformed(_))
    ));
}

#[test]
fn every_key_of_a_proof_set_is_proven_and_each_proof_must_verify() {
    let d = tempfile::tempdir().unwrap();
    let issuer = cnc(d.path());
    let id = issuer.config().id.clone();
    let (second, k) = rogue_key(&id, 4);
    let mut list = issuer.trust_list();
    list.issuers[0].keys.push(k.clone());
    let s2 = KeySigner::new(&second, &k.id);
    let signers: [&dyn Signer; 2] = [&issuer, &s2];
    let raw = sign_export(&list, &signers, &crate::model::now_secs()).unwrap();
    assert_eq!(raw["proof"].as_array().map(Vec::len), Some(2));
    check(&raw, &[]).unwrap();
    let mut bad = raw.clone();
    bad["proof"][1]["proofValue"] = raw["proof"][0]["proofValue"].clone();
    let e = check(&bad, &[]).unwrap_err();
    assert!(
        matches!(&e, PossessionError::BadSignature { field, .. } if field == "proof[1]"),
        "{e}"
    );
}

#[test]
fn after_a_rotation_the_retired_key_already_accredited_needs_no_new_proof() {
    let (a_dir, i_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut issuer = cnc(i_dir.path());
    let mut a = Authority::init(a_dir.path(), "HRSS", None, "t").unwrap();
    let g = Grant::default();
    // Before the first accreditation, the rotated export's retired key is proven by nobody.
    let first = signed(&issuer);
    issuer.rotate_key().unwrap();
    let rotated = signed(&issuer);
    let e = a.accredit_export(&rotated, &g, "t").unwrap_err();
    assert!(
        matches!(&e, AuthorityError::Possession(PossessionError::Unproven { key, .. }) if key.ends_with("#key-1")),
        "{e}"
    );
    assert!(a.register().is_empty(), "nothing accredited");
    a.accredit_export(&first, &g, "t").unwrap();
    a.accredit_export(&rotated, &g, "t").unwrap();
    assert_eq!(a.register()[0].keys.len(), 2);
    assert!(a.register()[0].keys[0].valid_until.is_some());
    // A key already accredited under another public key is not "already accredited".
    let mut swapped = issuer.trust_list();
    let (_, k) = rogue_key(&issuer.config().id, 3);
    swapped.issuers[0].keys[0].public_key_multibase = k.public_key_multibase;
    let signers: [&dyn Signer; 1] = [&issuer];
    let raw = sign_export(&swapped, &signers, &crate::model::now_secs()).unwrap();
    let e = a.accredit_export(&raw, &g, "t").unwrap_err();
    assert!(
        matches!(
            &e,
            AuthorityError::Possession(PossessionError::Unproven { .. })
        ),
        "{e}"
    );
    // A file that only repeats accredited keys still needs a proof by one of them.
    let mut unsigned = rotated.clone();
    unsigned.as_object_mut().unwrap().remove("proof");
    assert!(a.accredit_export(&unsigned, &g, "t").is_err());
}
