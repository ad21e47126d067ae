//! Our documents, with both proofs, verify in Digital Bazaar's `@digitalbazaar/vc` with the
//! `eddsa-rdfc-2022` and `eddsa-jcs-2022` cryptosuites (`tests/tooling/verify_di.mjs`, offline
//! document loader serving our bundled contexts), and an altered one does not. Needs node and
//! `tests/tooling/node_modules` (installed by `scripts/test.sh`).

use crate::common::reference;
use serde_json::{json, Value};
use std::process::Command;

fn run_db(input: &Value) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.json");
    std::fs::write(&path, serde_json::to_vec(input).unwrap()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tooling/verify_di.mjs");
    let out = Command::new("node")
        .arg(script)
        .arg(&path)
        .output()
        .expect("node is installed by scripts/test.sh");
    assert!(
        out.status.success(),
        "node failed (run scripts/test.sh to install tests/tooling): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
#[ignore = "needs node with Digital Bazaar's libraries (tests/tooling): scripts/test.sh installs it and runs the ignored tests"]
fn digital_bazaar_verifies_both_proofs_of_our_documents() {
    let (_d, issuer, issued) = reference();
    let key = &issuer.config().keys[0];
    let mut input = json!({
        "document": issued.document,
        "issuer": issuer.config().id,
        "verificationMethod": key.id,
        "publicKeyMultibase": key.public_key_multibase,
    });
    let r = run_db(&input);
    assert_eq!(r["rdfc"], true, "{r}");
    assert_eq!(r["jcs"], true, "{r}");
    assert_eq!(r["both"], true, "{r}");

    input["document"]["name"] = json!("Altered name");
    let r = run_db(&input);
    assert_eq!(
        (r["rdfc"].clone(), r["jcs"].clone(), r["both"].clone()),
        (json!(false), json!(false), json!(false)),
        "{r}"
    );
}
