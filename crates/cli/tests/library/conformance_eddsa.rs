//! `eddsa-jcs-2022` conformance against the W3C vc-di-eddsa test vectors
//! (`testdata/vectors/vc-di-eddsa/eddsa-jcs-2022`), reproduced byte-exact step by step, a
//! document signed by an independent implementation verified through our own verifier with a
//! hand-written trust list, and a property: no single-byte change of a signed reference
//! certificate is ever `valid`, and none panics.

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use skillcert::keys::{self, SecretKey};
use skillcert::model::{self, StatusRef};
use skillcert::trust::TrustList;
use skillcert::verify::{
    CheckName, Outcome, StatusBit, StatusLookupError, StatusSource, UnverifiedCredential, Verdict,
    Verifier,
};
use skillcert::{jcs, proof};
use std::sync::Arc;

const DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/vectors/vc-di-eddsa"
);

fn read(name: &str) -> String {
    crate::common::read_text(format!("{DIR}/{name}"))
}
fn json(name: &str) -> Value {
    jcs::parse_strict(read(name).as_bytes(), 1 << 20).unwrap()
}
fn hex(b: &[u8]) -> String {
    hex::encode(b)
}

fn vector_key() -> SecretKey {
    let kp = json("keyPair.json");
    let sk = SecretKey::from_multibase(kp["privateKeyMultibase"].as_str().unwrap()).unwrap();
    assert_eq!(
        keys::public_multibase(&sk.public()),
        kp["publicKeyMultibase"].as_str().unwrap()
    );
    sk
}

#[test]
fn reproduces_every_intermediate_value_byte_exact() {
    let unsigned = json("unsigned.json");
    let config = json("eddsa-jcs-2022/proofConfigJCS.json");
    let created: DateTime<Utc> =
        model::parse_time("created", config["created"].as_str().unwrap()).unwrap();
    let vm = config["verificationMethod"].as_str().unwrap();

    // Our proof configuration is the vector's.
    let ours = proof::proof_config(&unsigned, vm, &created);
    assert_eq!(ours, config);

    let proof_canon = jcs::canonicalize(&ours).unwrap();
    assert_eq!(
        proof_canon,
        read("eddsa-jcs-2022/proofCanonJCS.txt").as_bytes()
    );
    let proof_hash: [u8; 32] = Sha256::digest(&proof_canon).into();
    assert_eq!(
        hex(&proof_hash),
        read("eddsa-jcs-2022/proofHashJCS.txt").trim()
    );

    let doc_canon = jcs::canonicalize(&unsigned).unwrap();
    assert_eq!(doc_canon, read("eddsa-jcs-2022/canonDocJCS.txt").as_bytes());
    let doc_hash: [u8; 32] = Sha256::digest(&doc_canon).into();
    assert_eq!(hex(&doc_hash), read("eddsa-jcs-2022/docHashJCS.txt").trim());

    let combined = [proof_hash, doc_hash].concat();
    assert_eq!(
        hex(&combined),
        read("eddsa-jcs-2022/combinedHashJCS.txt").trim()
    );

    let sig = vector_key().sign(&combined);
    assert_eq!(hex(&sig), read("eddsa-jcs-2022/sigHexJCS.txt").trim());
    let b58 = format!("z{}", bs58::encode(sig).into_string());
    assert_eq!(b58, read("eddsa-jcs-2022/sigBTC58JCS.txt").trim());

    // The whole signed document: same JSON, same member order, same pretty text.
    let signed = proof::sign(&unsigned, &vector_key(), vm, &created).unwrap();
    let expected_text = read("eddsa-jcs-2022/signedJCS.json");
    assert_eq!(signed, json("eddsa-jcs-2022/signedJCS.json"));
    assert_eq!(
        serde_json::to_string_pretty(&signed).unwrap(),
        expected_text.trim_end()
    );

    // And the verifier's half computes the same message from the signed document.
    let prepared = proof::prepare(&signed).unwrap();
    assert_eq!(prepared.message.as_slice(), combined.as_slice());
    assert_eq!(prepared.signature, sig);
    assert_eq!(prepared.created, Some(created));
}

/// A trust list written by hand, as another tool would, naming the vector's issuer.
const VECTOR_TRUST_LIST: &str = r#"{
  "type": "SkillcertTrustList",
  "version": 1,
  "issuers": [
    {
      "id": "https://vc.example/issuers/5678",
      "name": "W3C vc-di-eddsa test vector issuer",
      "keys": [
        {
          "id": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
          "type": "Multikey",
          "publicKeyMultibase": "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
          "validFrom": "2023-01-01T00:00:00Z",
          "validUntil": null,
          "compromisedFrom": null
        }
      ]
    }
  ]
}"#;

/// The outcome of the check named `name`.
fn outcome(r: &skillcert::verify::Report, name: CheckName) -> Outcome {
    r.checks.iter().find(|c| c.name == name).unwrap().outcome
}

/// The W3C vector is an `AlumniCredential`, not a skill certificate: since issue 10 (finding 7)
/// its verdict is `malformed` with the `certificate` check failing, and the interoperability
/// this test is about shows in every other check: its signature verifies.
#[test]
fn independently_signed_document_verifies() {
    let trust = TrustList::parse(VECTOR_TRUST_LIST.as_bytes()).unwrap();
    let verifier = Verifier::builder(trust).build().unwrap();
    let signed = json("eddsa-jcs-2022/signedJCS.json");
    let u = UnverifiedCredential::from_document(&signed).unwrap();
    assert_eq!(u.issuer_id(), "https://vc.example/issuers/5678");
    let report = verifier.check(u);
    assert_eq!(report.verdict, Verdict::Malformed, "{:?}", report.checks);
    let failed: Vec<CheckName> = report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .map(|c| c.name)
        .collect();
    assert_eq!(failed, [CheckName::Certificate], "{:?}", report.checks);
    assert_eq!(outcome(&report, CheckName::Signature), Outcome::Pass);
    assert_eq!(
        report.summary.valid_from.as_deref(),
        Some("2023-01-01T00:00:00Z")
    );

    // Same document, one claim changed: bad signature.
    let mut altered = signed.clone();
    altered["credentialSubject"]["alumniOf"] = "Another School".into();
    let report = verifier.check(UnverifiedCredential::from_document(&altered).unwrap());
    assert_eq!(outcome(&report, CheckName::Signature), Outcome::Fail);
    assert_ne!(report.verdict, Verdict::Valid);

    // A list that does not name the issuer: untrusted.
    let other = TrustList::parse(
        VECTOR_TRUST_LIST
            .replace("issuers/5678", "issuers/9999")
            .as_bytes(),
    )
    .unwrap();
    let report = Verifier::builder(other)
        .build()
        .unwrap()
        .check(UnverifiedCredential::from_document(&signed).unwrap());
    assert_eq!(outcome(&report, CheckName::Issuer), Outcome::Fail);
    assert_ne!(report.verdict, Verdict::Valid);
}

/// Every status bit is clear and fresh: isolates the signature and parsing checks.
struct AllClear;
impl StatusSource for AllClear {
    fn status(
        &self,
        e: &StatusRef,
        _: &str,
        _: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        Ok(StatusBit {
            set: false,
            stale: false,
            source: e.list_url.clone(),
            change: None,
        })
    }
}

const TEST_SEED: [u8; 32] = [0x5c; 32];
const VM: &str = "did:web:verify.skills.example.cn#key-1";

fn signed_reference() -> (Vec<u8>, Verifier) {
    let json = crate::common::read_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/reference/reference-certificate.json"
    ));
    let claims = model::reference::reference_claims(&json).unwrap();
    let key = SecretKey::from_seed(&TEST_SEED);
    let created = claims.valid_from;
    let doc = proof::sign(&claims.to_document(), &key, VM, &created).unwrap();
    let trust = format!(
        r#"{{"type":"SkillcertTrustList","version":1,"issuers":[{{"id":"did:web:verify.skills.example.cn","name":"ref","keys":[{{"id":"{VM}","type":"Multikey","publicKeyMultibase":"{}","validFrom":null,"validUntil":null,"compromisedFrom":null}}]}}]}}"#,
        keys::public_multibase(&key.public())
    );
    let verifier = Verifier::builder(TrustList::parse(trust.as_bytes()).unwrap())
        .status_source(Arc::new(AllClear))
        .at_time(created + chrono::Duration::days(1))
        .build()
        .unwrap();
    (serde_json::to_vec(&doc).unwrap(), verifier)
}

fn verdict_of(bytes: &[u8], verifier: &Verifier) -> Verdict {
    match UnverifiedCredential::from_document_bytes(bytes) {
        Ok(u) => verifier.check(u).verdict,
        Err(_) => Verdict::Malformed,
    }
}

#[test]
fn unaltered_reference_is_valid() {
    let (bytes, verifier) = signed_reference();
    assert_eq!(verdict_of(&bytes, &verifier), Verdict::Valid);
}

proptest! {
    // A failure is reported in the test's output, never written into the source tree.
    #![proptest_config(ProptestConfig {
        cases: 1024,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]
    #[test]
    fn any_single_byte_change_is_never_valid(pos in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let (mut bytes, verifier) = signed_reference();
        let i = pos.index(bytes.len());
        bytes[i] ^= flip;
        let v = verdict_of(&bytes, &verifier);
        prop_assert_ne!(v, Verdict::Valid, "byte {} ^ {:#x}", i, flip);
    }
}
