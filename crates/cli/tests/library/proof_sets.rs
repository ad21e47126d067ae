//! Proof sets: an issued document carries an `eddsa-jcs-2022` and an `eddsa-rdfc-2022` proof
//! by default, the verifier checks and names both; a change to any byte of either proof, two
//! proofs over different versions of the document, or a proof of an unknown cryptosuite is
//! never `valid`; the issuer can keep one suite only. Hostile RDFC input fails fast.

use crate::common::{reference, verifier};
use serde_json::{json, Value};
use skillcert::issuer::{now_secs, Issuer};
use skillcert::proof::{self, Cryptosuite};
use skillcert::rdfc::{self, RdfcError};
use skillcert::verify::{CheckName, Outcome, UnverifiedCredential, Verdict, Verifier};
use std::time::{Duration, Instant};

fn verdict(doc: &[u8], v: &Verifier) -> Verdict {
    match UnverifiedCredential::from_document_bytes(doc) {
        Ok(u) => v.check(u).verdict,
        Err(_) => Verdict::Malformed,
    }
}

#[test]
fn issued_documents_carry_both_proofs_and_both_are_checked() {
    let (_d, issuer, issued) = reference();
    let proofs = issued.document["proof"].as_array().unwrap();
    let suites: Vec<&str> = proofs
        .iter()
        .map(|p| p["cryptosuite"].as_str().unwrap())
        .collect();
    assert_eq!(suites, ["eddsa-jcs-2022", "eddsa-rdfc-2022"]);
    assert!(proofs[0].get("@context").is_some() && proofs[1].get("@context").is_none());
    let u = UnverifiedCredential::from_document(&issued.document).unwrap();
    assert_eq!(u.cryptosuites(), Cryptosuite::ALL);
    let report = verifier(&issuer, false).check(u);
    assert_eq!(report.verdict, Verdict::Valid, "{:?}", report.checks);
    let sig = report
        .checks
        .iter()
        .find(|c| c.name == CheckName::Signature)
        .unwrap();
    assert_eq!(sig.outcome, Outcome::Pass);
    assert!(
        sig.reason.contains("eddsa-jcs-2022, eddsa-rdfc-2022"),
        "{}",
        sig.reason
    );
}

/// The byte ranges of each proof object in the serialized document.
fn proof_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let text = std::str::from_utf8(bytes).unwrap();
    let start = text.find("\"proof\":[").unwrap() + "\"proof\":[".len();
    let mut spans = Vec::new();
    let (mut depth, mut open) = (0, 0);
    for (i, c) in text[start..].char_indices() {
        match c {
            '{' => {
                if depth == 0 {
                    open = start + i;
                }
                depth += 1;
            }
            '}' => {
                depth -= 1;
                if depth == 0 {
                    spans.push((open, start + i + 1));
                }
            }
            ']' if depth == 0 => break,
            _ => {}
        }
    }
    spans
}

#[test]
fn a_change_to_any_byte_of_either_proof_is_never_valid() {
    let (_d, issuer, issued) = reference();
    let v = verifier(&issuer, false);
    let bytes = serde_json::to_vec(&issued.document).unwrap();
    assert_eq!(verdict(&bytes, &v), Verdict::Valid);
    let spans = proof_spans(&bytes);
    assert_eq!(spans.len(), 2);
    let mut checked = 0;
    for (a, b) in spans {
        for i in a..b {
            let mut m = bytes.clone();
            m[i] ^= 0x01;
            let got = verdict(&m, &v);
            assert_ne!(got, Verdict::Valid, "byte {i} ({:?})", bytes[i] as char);
            checked += 1;
        }
    }
    assert!(checked > 400, "{checked}");
}

#[test]
fn proofs_over_different_versions_of_the_document_are_never_valid() {
    let (_d, issuer, issued) = reference();
    let v = verifier(&issuer, false);
    let mut unsecured = issued.document.clone();
    unsecured.as_object_mut().unwrap().remove("proof");
    let mut other = unsecured.clone();
    other["name"] = json!(format!("{} (changed)", other["name"].as_str().unwrap()));
    let now = now_secs();
    let jcs = proof::create_proof(Cryptosuite::EddsaJcs2022, &unsecured, &issuer, &now).unwrap();
    let rdfc = proof::create_proof(Cryptosuite::EddsaRdfc2022, &other, &issuer, &now).unwrap();
    for base in [&unsecured, &other] {
        let mut doc = base.clone();
        doc["proof"] = json!([jcs, rdfc]);
        let bytes = serde_json::to_vec(&doc).unwrap();
        let u = UnverifiedCredential::from_document_bytes(&bytes).unwrap();
        let report = v.check(u);
        assert_eq!(report.verdict, Verdict::BadSignature, "{:?}", report.checks);
    }
}

#[test]
fn an_unknown_cryptosuite_next_to_good_proofs_is_refused() {
    let (_d, issuer, issued) = reference();
    let mut doc = issued.document.clone();
    let mut extra = doc["proof"][1].clone();
    extra["cryptosuite"] = json!("ecdsa-rdfc-2019");
    doc["proof"].as_array_mut().unwrap().push(extra);
    let e = UnverifiedCredential::from_document(&doc).unwrap_err();
    assert!(e.to_string().contains("proof[2].cryptosuite"), "{e}");
    let bytes = serde_json::to_vec(&doc).unwrap();
    assert_eq!(
        verdict(&bytes, &verifier(&issuer, false)),
        Verdict::Malformed
    );
}

#[test]
fn the_issuer_can_keep_one_cryptosuite() {
    let (dir, _issuer, issued) = reference();
    for suite in ["eddsa-rdfc-2022", "eddsa-jcs-2022"] {
        let path = dir.path().join("config.json");
        let mut config: Value = serde_json::from_slice(&crate::common::read_file(&path)).unwrap();
        config["proofs"] = json!([suite]);
        std::fs::write(&path, serde_json::to_vec(&config).unwrap()).unwrap();
        let issuer = Issuer::open(dir.path()).unwrap();
        let again = issuer.sign_all(issued.claims.clone(), now_secs()).unwrap();
        let proofs = again.document["proof"].as_array().unwrap();
        assert_eq!(proofs.len(), 1);
        assert_eq!(proofs[0]["cryptosuite"], suite);
        let bytes = serde_json::to_vec(&again.document).unwrap();
        assert_eq!(verdict(&bytes, &verifier(&issuer, false)), Verdict::Valid);
    }
    let path = dir.path().join("config.json");
    let mut config: Value = serde_json::from_slice(&crate::common::read_file(&path)).unwrap();
    config["proofs"] = json!(["eddsa-2022"]);
    std::fs::write(&path, serde_json::to_vec(&config).unwrap()).unwrap();
    let issuer = Issuer::open(dir.path()).unwrap();
    let e = issuer
        .sign_all(issued.claims.clone(), now_secs())
        .unwrap_err();
    assert!(e.to_string().contains("eddsa-2022"), "{e}");
}

#[test]
fn an_unknown_context_or_an_undefined_term_is_refused_by_name() {
    let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/ctx"],
                     "type": ["VerifiableCredential"], "issuer": "did:example:1"});
    let e = rdfc::canonicalize(&doc).unwrap_err();
    assert!(
        matches!(e, RdfcError::UnknownContext(ref u) if u == "https://evil.example/ctx"),
        "{e}"
    );
    let doc = json!({"@context": ["https://www.w3.org/ns/credentials/v2"],
                     "type": ["VerifiableCredential"], "issuer": "did:example:1", "unsigned": "x"});
    let e = rdfc::canonicalize(&doc).unwrap_err();
    assert!(e.to_string().contains("$.unsigned"), "{e}");
}

/// A clique of blank nodes that all look alike: RDFC-1.0's Hash N-Degree Quads is exponential
/// on it. The call limit (or the blank node limit) stops it with an error, quickly.
#[test]
fn adversarial_blank_node_graphs_fail_fast() {
    for n in [8usize, 12, 40, 200] {
        let nodes: Vec<Value> = (0..n)
            .map(|i| {
                let links: Vec<Value> = (0..n)
                    .filter(|j| *j != i)
                    .map(|j| json!({"@id": format!("_:n{j}")}))
                    .collect();
                json!({"@id": format!("_:n{i}"), "https://example.com/p": links})
            })
            .collect();
        let doc = json!({"@graph": nodes});
        let t = Instant::now();
        let r = rdfc::canonicalize(&doc);
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "n={n}: {:?}",
            t.elapsed()
        );
        if n >= 12 {
            assert!(r.is_err(), "n={n}");
        }
        // Issue 27, finding 9: beyond 12 look-alikes it is refused before RDFC-1.0 starts
        // (one pass over the statements), so a hostile document costs little.
        if n > skillcert::rdfc::alike::MAX_ALIKE {
            let e = r.unwrap_err().to_string();
            assert!(
                e.contains("look alike") || e.contains("RDF statements"),
                "n={n}: {e}"
            );
        }
    }
}
