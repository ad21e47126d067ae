//! Our own format vectors (`tests/vectors/`): regenerating them from the fixed test key gives
//! identical files; every `valid_*` verifies and decodes to the claims in its JSON; every
//! `fail_<verdict>_*` gives that verdict; the QR signature checks with a bare Ed25519 verify
//! over `"skillcert-qr-v1\0" ‖ body`, with the body recovered by an independent digit decoder.

use crate::common;

use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::Value;
use skillcert::model::{parse_time, Claims};
use skillcert::qr::vectors::{generate, VERIFY_AT};
use skillcert_qrimage::parse_bytes;

/// The reference certificate the vectors are made from.
fn reference_json() -> Vec<u8> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/reference/reference-certificate.json"
    );
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
use skillcert::trust::TrustList;
use skillcert::verify::{Verdict, Verifier};
use std::collections::BTreeSet;
use std::sync::Arc;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");

#[test]
fn regenerating_gives_identical_files() {
    let files = generate(&reference_json());
    let mut names = BTreeSet::new();
    for (name, bytes) in &files {
        let on_disk = std::fs::read(format!("{DIR}/{name}"))
            .unwrap_or_else(|e| panic!("{name}: {e} (run `cargo run --example gen_vectors`)"));
        assert!(
            on_disk == *bytes,
            "{name} differs: run `cargo run --example gen_vectors`"
        );
        names.insert(name.clone());
    }
    for entry in crate::common::read_dir(DIR) {
        let name = entry.unwrap().file_name().into_string().unwrap();
        assert!(
            name == "README.md" || names.contains(&name),
            "stray file {name}"
        );
    }
}

fn verifier() -> Verifier {
    let trust = TrustList::load(std::path::Path::new(&format!("{DIR}/trust.json"))).unwrap();
    Verifier::builder(trust)
        .at_time(parse_time("t", VERIFY_AT).unwrap())
        .status_source(Arc::new(common::FixedStatus(false)))
        .build()
        .unwrap()
}

fn expected(name: &str) -> Verdict {
    if name.starts_with("valid_") {
        return Verdict::Valid;
    }
    let rest = name.strip_prefix("fail_").unwrap();
    Verdict::ALL
        .into_iter()
        .filter(|v| rest.starts_with(&format!("{}_", v.as_str())))
        .max_by_key(|v| v.as_str().len())
        .unwrap_or_else(|| panic!("{name}: no verdict in the name"))
}

#[test]
fn every_vector_gives_the_verdict_its_name_says() {
    let v = verifier();
    let mut n = 0;
    for (name, bytes) in generate(&reference_json()) {
        if !name.ends_with(".txt") {
            continue;
        }
        let report = match parse_bytes(&bytes) {
            Ok(u) => v.check(u),
            Err(e) => e.into(),
        };
        assert_eq!(
            report.verdict,
            expected(&name),
            "{name}: {:?}",
            report.failure_reasons()
        );
        n += 1;
    }
    assert!(n >= 20);
}

/// An outsider's decoder of the digits (`docs/FORMAT.md` §3): 29 digits per 12 bytes.
fn digits_to_bytes(d: &str) -> Vec<u8> {
    const TAIL: [usize; 12] = [0, 3, 5, 8, 10, 13, 15, 17, 20, 22, 25, 27];
    let (full, rest) = (d.len() / 29, d.len() % 29);
    let tail = TAIL.iter().position(|x| *x == rest).unwrap();
    let mut out = vec![];
    let mut pos = 0;
    for n in std::iter::repeat_n(12, full).chain((tail > 0).then_some(tail)) {
        let w = if n == 12 { 29 } else { TAIL[n] };
        let v: u128 = d[pos..pos + w].parse().unwrap();
        out.extend_from_slice(&v.to_be_bytes()[16 - n..]);
        pos += w;
    }
    out
}

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn valid_vectors_match_their_description_and_any_ed25519_verifies() {
    for stem in ["reference", "minimal_did_key", "explicit_forms"] {
        let desc: Value = serde_json::from_slice(&crate::common::read_file(format!(
            "{DIR}/valid_{stem}.json"
        )))
        .unwrap();
        let qr = crate::common::read_text(format!("{DIR}/valid_{stem}_qr.txt"));
        let digits = &qr.trim()[qr.find("/V/").unwrap() + 3..];
        let payload = digits_to_bytes(digits);
        let (body, sig) = payload.split_at(payload.len() - 64);
        assert_eq!(body, unhex(desc["body_hex"].as_str().unwrap()), "{stem}");
        let mut msg = b"skillcert-qr-v1\0".to_vec();
        msg.extend_from_slice(body);
        assert_eq!(msg, unhex(desc["signed_message_hex"].as_str().unwrap()));
        let pk: [u8; 32] = unhex(desc["public_key_hex"].as_str().unwrap())
            .try_into()
            .unwrap();
        let pk = VerifyingKey::from_bytes(&pk).unwrap();
        let sig = Signature::from_bytes(&sig.try_into().unwrap());
        assert!(pk.verify_strict(&msg, &sig).is_ok(), "{stem}");

        let claims = Claims::from_document(&desc["claims"]).unwrap();
        for form in ["qr", "token"] {
            let text = crate::common::read_file(format!("{DIR}/valid_{stem}_{form}.txt"));
            let u = parse_bytes(&text).unwrap();
            assert_eq!(u.claims(), Some(&claims), "{stem} {form}");
            assert_eq!(u.key_id(), desc["key_id"], "{stem} {form}");
        }
    }
}
