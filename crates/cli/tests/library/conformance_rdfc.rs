//! `eddsa-rdfc-2022` conformance: the W3C vc-di-eddsa vectors (both sets, top level and
//! `employ/`) and the Open Badges 3.0 linked-data-proof vector reproduced byte-exact step by
//! step (canonical N-Quads of document and proof configuration, hashes, signature, proofValue,
//! signed document), the 1EdTech validator's `simple.json` verified, and the bundled contexts
//! byte-equal to the vector copies.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};
use skillcert::keys::{self, SecretKey};
use skillcert::proof::{self, Cryptosuite};
use skillcert::signer::KeySigner;
use skillcert::{jcs, rdfc};

const VEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vectors");

fn read(name: &str) -> String {
    crate::common::read_text(format!("{VEC}/{name}"))
}
fn json(name: &str) -> Value {
    jcs::parse_strict(read(name).as_bytes(), 1 << 20).unwrap()
}
fn sha(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn w3c_key() -> SecretKey {
    let kp = json("vc-di-eddsa/keyPair.json");
    SecretKey::from_multibase(kp["privateKeyMultibase"].as_str().unwrap()).unwrap()
}

/// Every step of one vc-di-eddsa RDFC vector folder, from `input`.
fn w3c_vector(dir: &str, input: &str) {
    let f = |n: &str| format!("vc-di-eddsa/eddsa-rdfc-2022/{dir}{n}");
    let unsigned = json(&format!("vc-di-eddsa/{input}"));
    let canon = rdfc::canonicalize(&unsigned).unwrap();
    assert_eq!(
        canon,
        read(&f("canonDocDataInt.txt")),
        "{dir} canonical document"
    );
    assert_eq!(
        sha(&canon),
        read(&f("docHashDataInt.txt")).trim(),
        "{dir} doc hash"
    );

    let config = json(&f("proofConfigDataInt.json"));
    let vm = config["verificationMethod"].as_str().unwrap();
    let created: DateTime<Utc> = config["created"].as_str().unwrap().parse().unwrap();
    let ours = proof::proof_config_for(Cryptosuite::EddsaRdfc2022, &unsigned, vm, &created);
    assert_eq!(ours, config, "{dir} proof configuration");
    let pcanon = rdfc::canonicalize(&config).unwrap();
    assert_eq!(
        pcanon,
        read(&f("proofCanonDataInt.txt")),
        "{dir} proof canon"
    );
    assert_eq!(sha(&pcanon), read(&f("proofHashDataInt.txt")).trim());

    let combined = Cryptosuite::EddsaRdfc2022
        .hash_data(&config, &unsigned)
        .unwrap();
    assert_eq!(
        hex::encode(combined),
        read(&f("combinedHashDataInt.txt")).trim()
    );
    let key = w3c_key();
    let sig = key.sign(&combined);
    assert_eq!(
        hex::encode(sig),
        read(&f("sigHexDataInt.txt")).trim(),
        "{dir} signature"
    );
    let pv = format!("z{}", bs58::encode(sig).into_string());
    assert_eq!(pv, read(&f("sigBTC58DataInt.txt")).trim());

    let signer = KeySigner::new(&key, vm);
    let signed =
        proof::sign_with(&unsigned, &signer, &created, &[Cryptosuite::EddsaRdfc2022]).unwrap();
    assert_eq!(
        signed,
        json(&f("signedDataInt.json")),
        "{dir} signed document"
    );

    let prepared = proof::prepare(&json(&f("signedDataInt.json"))).unwrap();
    assert_eq!(prepared.cryptosuite, Cryptosuite::EddsaRdfc2022);
    assert_eq!(prepared.message, combined);
    assert!(keys::verify_strict(
        &key.public(),
        &prepared.message,
        &prepared.signature
    ));
}

#[test]
fn w3c_alumni_vector_is_reproduced_byte_exact() {
    w3c_vector("", "unsigned.json");
}

#[test]
fn w3c_employment_vector_is_reproduced_byte_exact() {
    w3c_vector("employ/", "employmentAuth.json");
}

#[test]
fn open_badges_vector_is_reproduced_byte_exact() {
    let d = "open-badges-3.0/ldp-test-vector";
    let exp = json(&format!("{d}/keys-and-expected.json"));
    let e = &exp["expected"];
    let unsigned = json(&format!("{d}/unsigned-credential.json"));
    let signed_expected = json(&format!("{d}/signed-credential.json"));
    let canon = rdfc::canonicalize(&unsigned).unwrap();
    assert_eq!(canon, read(&format!("{d}/document-canon.txt")));
    assert_eq!(sha(&canon), e["documentHashHex"].as_str().unwrap());

    let vm = exp["verificationMethod"].as_str().unwrap();
    let created: DateTime<Utc> = signed_expected["proof"]["created"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let config = proof::proof_config_for(Cryptosuite::EddsaRdfc2022, &unsigned, vm, &created);
    let pcanon = rdfc::canonicalize(&config).unwrap();
    assert_eq!(pcanon, read(&format!("{d}/proof-canon.txt")));
    assert_eq!(sha(&pcanon), e["proofHashHex"].as_str().unwrap());

    let combined = Cryptosuite::EddsaRdfc2022
        .hash_data(&config, &unsigned)
        .unwrap();
    assert_eq!(hex::encode(combined), e["hashDataHex"].as_str().unwrap());
    let seed: [u8; 32] = hex::decode(&exp["privateKeyHex"].as_str().unwrap()[..64])
        .unwrap()
        .try_into()
        .unwrap();
    let key = SecretKey::from_seed(&seed);
    assert_eq!(
        hex::encode(key.public().as_bytes()),
        exp["publicKeyHex"].as_str().unwrap()
    );
    let signer = KeySigner::new(&key, vm);
    let signed =
        proof::sign_with(&unsigned, &signer, &created, &[Cryptosuite::EddsaRdfc2022]).unwrap();
    assert_eq!(signed["proof"]["proofValue"], e["proofValue"]);
    let sig = bs58::decode(&e["proofValue"].as_str().unwrap()[1..])
        .into_vec()
        .unwrap();
    assert_eq!(hex::encode(sig), e["signatureHex"].as_str().unwrap());
    assert_eq!(signed, signed_expected);
}

#[test]
fn the_1edtech_validator_simple_credential_verifies() {
    let doc = json("open-badges-3.0/1edtech-validator/simple.json");
    let p = proof::prepare(&doc).unwrap();
    assert_eq!(p.cryptosuite, Cryptosuite::EddsaRdfc2022);
    // The key is the Multikey in the verification method's fragment.
    let mb = p.verification_method.split_once('#').unwrap().1;
    let public = keys::parse_did_key(&format!("did:key:{mb}")).unwrap();
    assert!(keys::verify_strict(&public, &p.message, &p.signature));
    // A change to the credential breaks it.
    let mut altered = doc.clone();
    altered["name"] = "Teamwork Badge!".into();
    let p = proof::prepare(&altered).unwrap();
    assert!(!keys::verify_strict(&public, &p.message, &p.signature));
}

#[test]
fn bundled_contexts_equal_the_vector_copies_byte_for_byte() {
    let copies = [
        (
            "https://www.w3.org/ns/credentials/v2",
            "vc-data-model-2.0/contexts/credentials/v2",
        ),
        (
            "https://www.w3.org/ns/credentials/examples/v2",
            "vc-data-model-2.0/contexts/credentials/examples/v2",
        ),
        (
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            "open-badges-3.0/context-3.0.3.json",
        ),
    ];
    for (url, path) in copies {
        let bundled = rdfc::contexts::BUNDLED
            .iter()
            .find(|(u, _)| *u == url)
            .unwrap()
            .1;
        assert_eq!(bundled, read(path), "{url}");
    }
}
