//! The fast paths give the bytes of the reference ones: every JSON-LD document of the public
//! vectors (`testdata/vectors`, each with its `proof` removed, as a verifier hashes it) turned
//! into N-Quads with the processed contexts kept per thread and afresh, and canonicalized with
//! the first-degree labels issued here and by `rdf-canon` alone, in a table over the files,
//! twice (the second pass with every context already kept, in another order). A document one
//! way refuses is refused the other way with the same error.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test"
)]

use serde_json::Value;
use skillcert_canon::{jcs, rdfc};
use std::path::{Path, PathBuf};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vectors");

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json" || x == "jsonld") {
            out.push(p);
        }
    }
}

/// Every vector that is a JSON object, without its `proof`; and each proof of it as a proof
/// configuration (without `proofValue`, with the document's `@context`).
fn documents() -> Vec<(String, Value)> {
    let mut files = Vec::new();
    json_files(Path::new(VECTORS), &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let Ok(Value::Object(mut doc)) = jcs::parse_strict(&text, jcs::DEFAULT_MAX_JSON) else {
            continue;
        };
        let name = f.strip_prefix(VECTORS).unwrap().display().to_string();
        let proofs = match doc.remove("proof") {
            Some(Value::Array(a)) => a,
            Some(p) => vec![p],
            None => Vec::new(),
        };
        for (i, p) in proofs.into_iter().enumerate() {
            if let Value::Object(mut p) = p {
                p.remove("proofValue");
                if let Some(c) = doc.get("@context") {
                    p.insert("@context".into(), c.clone());
                }
                out.push((format!("{name} proof {i}"), Value::Object(p)));
            }
        }
        out.push((name, Value::Object(doc)));
    }
    out
}

fn compare(name: &str, doc: &Value) -> bool {
    let (fast, slow) = (rdfc::to_nquads(doc), rdfc::reference::to_nquads(doc));
    assert_eq!(
        fast, slow,
        "{name}: N-Quads, kept contexts against fresh ones"
    );
    let (fast, slow) = (rdfc::canonicalize(doc), rdfc::reference::canonicalize(doc));
    assert_eq!(
        fast, slow,
        "{name}: canonical N-Quads, fast against reference"
    );
    fast.is_ok()
}

#[test]
fn every_vector_gives_the_same_nquads_both_ways() {
    let docs = documents();
    let mut canonical = 0;
    for (name, doc) in &docs {
        canonical += usize::from(compare(name, doc));
    }
    for (name, doc) in docs.iter().rev() {
        compare(&format!("{name} (again)"), doc);
    }
    // Most vectors are credentials over the bundled contexts: they must have been compared as
    // N-Quads, not only as the same error.
    assert!(
        canonical >= 40,
        "only {canonical} of {} canonicalized",
        docs.len()
    );
}

/// `canonicalize_without` of a secured document: the bytes (or the error) of the reference
/// path on a copy without the member.
fn compare_without(name: &str, secured: &serde_json::Map<String, Value>, member: &str) -> bool {
    let mut copy = secured.clone();
    copy.shift_remove(member);
    let (fast, slow) = (
        rdfc::canonicalize_without(secured, member),
        rdfc::reference::canonicalize(&Value::Object(copy)),
    );
    assert_eq!(fast, slow, "{name}: read without {member}, against a copy");
    fast.is_ok()
}

#[test]
fn a_document_read_without_its_proof_gives_the_bytes_of_a_copy_without_it() {
    let mut files = Vec::new();
    json_files(Path::new(VECTORS), &mut files);
    files.sort();
    let mut canonical = 0;
    for f in &files {
        let text = std::fs::read(f).unwrap();
        let Ok(Value::Object(doc)) = jcs::parse_strict(&text, jcs::DEFAULT_MAX_JSON) else {
            continue;
        };
        let name = f.strip_prefix(VECTORS).unwrap().display().to_string();
        if doc.contains_key("proof") {
            canonical += usize::from(compare_without(&name, &doc, "proof"));
        }
        // A member that is not there: the document itself.
        compare_without(&name, &doc, "notThere");
    }
    // The vectors signed with RDFC (nine): compared as bytes, not only as the same error.
    assert!(canonical >= 9, "only {canonical} canonicalized");
}

/// The member read as absent is absent everywhere expansion looks, not only as a property: a
/// `proof` that an inline context makes an alias of `@type` (whose values would choose
/// type-scoped contexts) or of `@value`, or that is the object's only other member.
#[test]
fn a_member_read_as_absent_is_not_seen_as_a_keyword_alias() {
    let cases = [
        serde_json::json!({
            "@context": [{"proof": "@type", "@vocab": "https://example.com/#"}],
            "id": "https://example.com/1", "name": "x", "proof": "https://example.com/T"
        }),
        serde_json::json!({
            "@context": {"proof": "@value", "name": "https://example.com/#name"},
            "name": "x", "proof": "y"
        }),
        serde_json::json!({
            "@context": {"@vocab": "https://example.com/#"},
            "a": {"@context": {"b": {"@id": "https://example.com/#b", "@context": {"@propagate": false}}},
                  "b": {"c": {"proof": 1, "@id": "https://example.com/2"}}},
            "proof": {"anything": true}
        }),
    ];
    for (i, doc) in cases.iter().enumerate() {
        let Value::Object(o) = doc else {
            unreachable!()
        };
        compare_without(&format!("case {i}"), o, "proof");
    }
}
