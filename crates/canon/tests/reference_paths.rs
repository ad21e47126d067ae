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
