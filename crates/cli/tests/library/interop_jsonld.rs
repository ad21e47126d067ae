//! Differential test of our JSON-LD + RDFC-1.0 path against Digital Bazaar's jsonld.js
//! (`jsonld.canonize`, RDFC-1.0, safe mode, the same bundled contexts; `tests/tooling/canon.mjs`)
//! on the shared vectors, the VC 2.0 test-suite inputs, the Open Badges examples, our reference
//! certificate and documents written to exercise each JSON-LD feature we implement. Where
//! jsonld.js gives canonical N-Quads we give the same bytes; where it refuses, so do we; we
//! never accept what it refuses.

use crate::common::reference;
use serde_json::{json, Value};
use skillcert::{jcs, rdfc};
use std::process::Command;

const VEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/vectors");

fn load(rel: &str) -> Value {
    let text = crate::common::read_file(format!("{VEC}/{rel}"));
    let mut v = jcs::parse_strict(&text, 1 << 20).unwrap();
    if let Some(o) = v.as_object_mut() {
        o.remove("proof");
    }
    v
}

fn jsonld_js(docs: &[Value]) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("docs.json");
    std::fs::write(&path, serde_json::to_vec(docs).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tooling/canon.mjs");
    let out = Command::new("node")
        .arg(script)
        .arg(&path)
        .output()
        .expect("node (scripts/test.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Documents that use each feature of the processor (inline contexts, so jsonld.js and we
/// read the same definitions).
fn feature_docs() -> Vec<Value> {
    let ctx = json!({
        "@vocab": "https://ex.example/v#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "list": {"@container": "@list"},
        "names": {"@container": "@language"},
        "data": {"@type": "@json"},
        "link": {"@type": "@id"},
        "kind": {"@type": "@vocab"},
        "when": {"@type": "xsd:dateTime"},
        "set": {"@container": "@set"},
        "g": {"@container": "@graph"},
        "fr": {"@id": "https://ex.example/v#fr", "@language": "fr"},
        "Thing": {"@id": "https://ex.example/v#Thing", "@context": {"inner": "https://ex.example/other#inner"}}
    });
    vec![
        json!({"@context": ctx, "@id": "https://ex.example/s", "list": [1, 2.5, true, "x", {"@id": "https://ex.example/o"}, []], "set": ["a", "a"]}),
        json!({"@context": ctx, "names": {"en": "Welder", "zh-Hans": "焊工", "@none": "plain"}, "fr": "soudeur"}),
        json!({"@context": ctx, "data": {"b": [1, {"z": null, "a": 1.5}], "a": "é"}, "link": "https://ex.example/l", "kind": "Thing", "when": "2024-01-01T00:00:00Z"}),
        json!({"@context": ctx, "@type": "Thing", "inner": {"inner": "nested, type-scoped"}, "n": [-0.0, 1e21, 1.5e-7, 12345678901234567890u64, -3, 0.1]}),
        json!({"@context": ctx, "n": 1e-7}),
        json!({"@context": ctx, "@id": "_:a", "p": {"@id": "_:b", "p": {"@id": "_:a"}}, "q": [{"p": 1}, {"p": 1}]}),
        json!({"@context": ctx, "g": {"@id": "https://ex.example/in-graph", "p": "x"}, "esc": "tab\t nl\n quote\" backslash\\ \u{7f} \u{1F600}"}),
        json!({"@context": ctx, "p": {"@value": "v", "@language": "EN-gb"}, "q": {"@value": "5", "@type": "xsd:integer"}}),
        json!({"@context": ctx, "@graph": [{"@id": "https://ex.example/1", "p": 1}, {"@id": "https://ex.example/2", "p": 2}]}),
        // Refused by both: an undefined term, a relative IRI, an unknown context, a free value.
        json!({"@context": "https://www.w3.org/ns/credentials/v2", "type": "VerifiableCredential", "undefined": 1}),
        json!({"@context": ctx, "@id": "relative/iri", "p": 1}),
        json!({"@context": ["https://www.w3.org/ns/credentials/v2", "https://unknown.example/ctx"], "type": "VerifiableCredential"}),
        json!({"@context": ctx, "@type": "NoSuchPrefix:Thing", "p": 1}),
    ]
}

#[test]
#[ignore = "needs node with jsonld.js (tests/tooling): scripts/test.sh installs it and runs the ignored tests"]
fn our_canonical_n_quads_equal_jsonld_js() {
    let mut docs: Vec<Value> = [
        "vc-di-eddsa/unsigned.json",
        "vc-di-eddsa/employmentAuth.json",
        "vc-di-eddsa/eddsa-rdfc-2022/proofConfigDataInt.json",
        "vc-di-eddsa/eddsa-rdfc-2022/employ/proofConfigDataInt.json",
        "open-badges-3.0/ldp-test-vector/unsigned-credential.json",
        "open-badges-3.0/1edtech-validator/simple.json",
        "bitstring-status-list/1edtech-validator/credential-status-revoked.json",
    ]
    .iter()
    .map(|p| load(p))
    .collect();
    let fixed = docs.len();
    for dir in [
        "open-badges-3.0/examples",
        "vc-data-model-2.0/test-suite-input",
        "vc-data-model-2.0/test-suite-input/names-and-descriptions",
    ] {
        let mut names: Vec<_> = crate::common::read_dir(format!("{VEC}/{dir}"))
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        docs.extend(names.iter().map(|n| load(&format!("{dir}/{n}"))));
    }
    let corpus_end = docs.len();
    let (_d, _issuer, issued) = reference();
    let mut ours = issued.document.clone();
    ours.as_object_mut().unwrap().remove("proof");
    docs.push(ours);
    let features = feature_docs();
    docs.extend(features);
    let theirs = jsonld_js(&docs);
    let (mut same, mut both_refuse, mut only_we_refuse) = (0, 0, Vec::new());
    for (i, (doc, js)) in docs.iter().zip(&theirs).enumerate() {
        let mine = rdfc::canonicalize(doc);
        match (js.as_str(), mine) {
            (Some(t), Ok(m)) => {
                assert_eq!(m, t, "document {i}: {doc}");
                same += 1;
            }
            (None, Err(_)) => both_refuse += 1,
            (None, Ok(m)) => {
                panic!("document {i}: jsonld.js refuses ({js}) but we give\n{m}\nfor {doc}")
            }
            (Some(_), Err(e)) => only_we_refuse.push((i, e.to_string())),
        }
    }
    eprintln!(
        "{same} equal, {both_refuse} refused by both, {} refused by us only: {only_we_refuse:?}",
        only_we_refuse.len()
    );
    // The vectors, our documents and the feature documents are all read alike; only some
    // third-party examples may use what we refuse.
    assert!(
        only_we_refuse
            .iter()
            .all(|(i, _)| (fixed..corpus_end).contains(i)),
        "{only_we_refuse:?}"
    );
    assert!(same >= 20 && both_refuse >= 4, "{same} {both_refuse}");
}
