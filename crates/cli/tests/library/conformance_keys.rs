//! Key encodings and the Ed25519 primitive against public vectors: did:key from seeds
//! (w3c-ccg/did-method-key), Multikey pairs (w3c/vc-di-eddsa), and the 128 RFC 8032 / SUPERCOP
//! vectors of ed25519-dalek's TESTVECTORS (signing reproduces the signature byte-exact and
//! `keys::verify_strict` accepts it; a changed message or signature is refused).

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use serde_json::Value;
use skillcert::keys::{self, SecretKey};

const V: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vectors");

fn json(path: &str) -> Value {
    serde_json::from_slice(&crate::common::read_file(format!("{V}/{path}"))).unwrap()
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn did_key_from_seed() {
    let v = json("multikey-did-key/ed25519-x25519.json");
    let mut n = 0;
    for (did, entry) in v.as_object().unwrap() {
        let seed: [u8; 32] = unhex(entry["seed"].as_str().unwrap()).try_into().unwrap();
        let sk = SecretKey::from_seed(&seed);
        let pk = sk.public();
        assert_eq!(&keys::did_key(&pk), did);
        let vm = &entry["verificationKeyPair"];
        let mb = did.strip_prefix("did:key:").unwrap();
        assert_eq!(keys::did_key_vm(&pk), format!("{did}#{mb}"));
        assert_eq!(keys::parse_did_key(did).unwrap(), pk);
        assert_eq!(keys::parse_did_key(&keys::did_key_vm(&pk)).unwrap(), pk);
        if let Some(b58) = vm["publicKeyBase58"].as_str() {
            assert_eq!(bs58::encode(pk.as_bytes()).into_string(), b58, "{did}");
        }
        if let Some(jwk) = vm.get("publicKeyJwk") {
            assert_eq!(&keys::public_jwk(&pk), jwk, "{did}");
            let d = vm["privateKeyJwk"]["d"].as_str().unwrap();
            assert_eq!(B64URL.decode(d).unwrap(), seed);
        }
        n += 1;
    }
    assert_eq!(n, 5);
}

fn check_pair(public_mb: &str, secret_mb: &str) {
    let sk = SecretKey::from_multibase(secret_mb).unwrap();
    let pk = keys::parse_public_multibase(public_mb).unwrap();
    assert_eq!(sk.public(), pk);
    assert_eq!(keys::public_multibase(&pk), public_mb);
    let sig = sk.sign(b"skillcert");
    assert!(keys::verify_strict(&pk, b"skillcert", &sig));
}

#[test]
fn multikey_pairs() {
    let kp = json("vc-di-eddsa/keyPair.json");
    check_pair(
        kp["publicKeyMultibase"].as_str().unwrap(),
        kp["privateKeyMultibase"].as_str().unwrap(),
    );
    let multi = json("vc-di-eddsa/proof-set-chain/multiKeyPairs.json");
    let pairs = multi.as_object().unwrap();
    assert_eq!(pairs.len(), 4);
    for kp in pairs.values() {
        check_pair(
            kp["publicKeyMultibase"].as_str().unwrap(),
            kp["privateKeyMultibase"].as_str().unwrap(),
        );
    }
    // A secret key is not a public key and vice versa.
    let kp = json("vc-di-eddsa/keyPair.json");
    assert!(keys::parse_public_multibase(kp["privateKeyMultibase"].as_str().unwrap()).is_err());
    assert!(SecretKey::from_multibase(kp["publicKeyMultibase"].as_str().unwrap()).is_err());
}

#[test]
fn rfc8032_testvectors() {
    let text = crate::common::read_text(format!("{V}/ed25519-rfc8032/TESTVECTORS"));
    let mut n = 0;
    for (i, line) in text.lines().filter(|l| !l.is_empty()).enumerate() {
        let parts: Vec<&str> = line.split(':').collect();
        assert_eq!(parts.len(), 5, "line {}", i + 1);
        let sk_pk = unhex(parts[0]);
        let pk_bytes = unhex(parts[1]);
        let msg = unhex(parts[2]);
        let sig_msg = unhex(parts[3]);
        let seed: [u8; 32] = sk_pk[..32].try_into().unwrap();
        let sk = SecretKey::from_seed(&seed);
        let pk = sk.public();
        assert_eq!(pk.as_bytes().as_slice(), &pk_bytes[..], "line {}", i + 1);
        assert_eq!(&sk_pk[32..], &pk_bytes[..]);
        let sig = sk.sign(&msg);
        assert_eq!(&sig[..], &sig_msg[..64], "line {}", i + 1);
        assert_eq!(&sig_msg[64..], &msg[..]);
        assert!(keys::verify_strict(&pk, &msg, &sig), "line {}", i + 1);
        // Any change is refused.
        let mut bad = sig;
        bad[i % 64] ^= 0x01;
        assert!(!keys::verify_strict(&pk, &msg, &bad), "line {}", i + 1);
        let mut m2 = msg.clone();
        m2.push(0);
        assert!(!keys::verify_strict(&pk, &m2, &sig), "line {}", i + 1);
        assert!(!keys::verify_strict(&pk, &msg, &sig[..63]));
        n += 1;
    }
    assert_eq!(n, 128);
}
