//! Data Integrity `eddsa-jcs-2022` documents and Digital Bazaar's libraries, both directions
//! (issue 13, item 1): documents signed by `@digitalbazaar/vc` + `data-integrity` +
//! `eddsa-jcs-2022-cryptosuite` (a did:key issuer, their key) verify `valid` against a trust
//! list whose key has `validFrom`, with and without the proof's `created`; our documents verify
//! in their jcs suite with our DID document (contexts from memory, no network).

use crate::interop_jose::{check, their_credential, trust_list};
use crate::{common, tooling};
use serde_json::{json, Value};
use skillcert::verify::{CheckName, Verdict};

/// Has Digital Bazaar's libraries sign a credential valid from `valid_from`; the answer.
fn their_document(valid_from: &str, created: bool) -> Value {
    let req = json!({
        "credential": their_credential("did:key:placeholder", valid_from),
        "created": created,
        "obContextPath": tooling::ob_context_path(),
    });
    tooling::ok("node", "di_sign.mjs", &[], &req)
}

fn key_window(r: &skillcert::verify::Report) -> String {
    let c = r
        .checks
        .iter()
        .find(|c| c.name == CheckName::KeyWindow)
        .unwrap();
    c.reason.clone()
}

#[test]
#[ignore = "needs node with Digital Bazaar's libraries (tests/tooling): scripts/test.sh installs it and runs the ignored tests"]
fn digital_bazaar_documents_verify_with_and_without_created() {
    for (created, source) in [
        (true, "from the proof's created"),
        (
            false,
            "signing time 2026-03-01T00:00:00Z from the credential's validFrom",
        ),
    ] {
        let out = their_document("2026-03-01T00:00:00Z", created);
        let doc = &out["document"];
        assert_eq!(doc["proof"]["cryptosuite"], "eddsa-jcs-2022");
        assert_eq!(doc["proof"].get("created").is_some(), created, "{doc}");
        let trust = trust_list(
            out["issuer"].as_str().unwrap(),
            out["verificationMethod"].as_str().unwrap(),
            out["publicKeyMultibase"].as_str().unwrap(),
        );
        let bytes = serde_json::to_vec(doc).unwrap();
        let r = check(trust.clone(), &bytes);
        assert_eq!(
            r.verdict,
            Verdict::Valid,
            "created {created}: {:?}",
            r.checks
        );
        let w = key_window(&r);
        assert!(w.contains(source), "created {created}: {w}");
        // Their documents round-trip through their own verifier too.
        let req = json!({"document": doc, "obContextPath": tooling::ob_context_path()});
        tooling::ok("node", "di_verify.mjs", &[], &req);
        // A changed claim breaks the signature for us.
        let mut bad = doc.clone();
        bad["credentialSubject"]["achievement"]["name"] = json!("Forged");
        let r = check(trust, &serde_json::to_vec(&bad).unwrap());
        assert_eq!(r.verdict, Verdict::BadSignature, "{:?}", r.checks);
    }
    // Without created, a validFrom before the key's validFrom is judged at it, and refused.
    let out = their_document("2025-12-01T00:00:00Z", false);
    let trust = trust_list(
        out["issuer"].as_str().unwrap(),
        out["verificationMethod"].as_str().unwrap(),
        out["publicKeyMultibase"].as_str().unwrap(),
    );
    let r = check(trust, &serde_json::to_vec(&out["document"]).unwrap());
    assert_eq!(r.verdict, Verdict::UntrustedIssuer, "{:?}", r.checks);
    assert!(
        key_window(&r).contains(
            "was not yet valid at signing time 2025-12-01T00:00:00Z from the credential's \
             validFrom: the trust list gives it validFrom 2026-01-01T00:00:00Z"
        ),
        "{}",
        key_window(&r)
    );
}

/// Our document's proof verifies in their jcs suite, with `created` (as we sign it) and without
/// (signed by us by hand); a changed claim does not.
#[test]
#[ignore = "needs node with Digital Bazaar's libraries (tests/tooling): scripts/test.sh installs it and runs the ignored tests"]
fn our_documents_verify_in_digital_bazaar_jcs_suite() {
    let (_dir, issuer, issued) = common::reference();
    let did = skillcert_server::wellknown::did_document(&issuer).unwrap();
    for doc in [
        issued.document.clone(),
        without_created(&issuer, &issued.claims),
    ] {
        // Our own verifier agrees.
        let r = common::verifier(&issuer, false)
            .check(skillcert::verify::UnverifiedCredential::from_document(&doc).unwrap());
        assert_eq!(r.verdict, Verdict::Valid, "{:?}", r.checks);
        let req = json!({"document": doc, "didDocuments": [did],
                         "obContextPath": tooling::ob_context_path()});
        let out = tooling::ok("node", "di_verify.mjs", &[], &req);
        assert_eq!(out["verified"], true, "{out}");
        let mut bad = req.clone();
        bad["document"]["credentialSubject"]["achievement"]["name"] = json!("Forged");
        let e = tooling::call("node", "di_verify.mjs", &[], &bad).unwrap_err();
        assert!(e.contains("\"verified\":false"), "{e}");
    }
}

/// Our certificate, valid from now (our key is new: an older validFrom would be its signing
/// time), with an `eddsa-jcs-2022` proof that has no `created`.
fn without_created(issuer: &skillcert::issuer::Issuer, claims: &skillcert::model::Claims) -> Value {
    use skillcert::proof::{jcs_hash, proof_config};
    let now = skillcert::issuer::now_secs();
    let mut claims = claims.clone();
    claims.valid_from = now;
    let mut doc = issuer.sign_document(&claims, now).unwrap();
    doc.as_object_mut().unwrap().remove("proof");
    let mut config = proof_config(&doc, issuer.verification_method(), &now);
    config.as_object_mut().unwrap().remove("created");
    let mut message = jcs_hash(&config).unwrap().to_vec();
    message.extend(jcs_hash(&doc).unwrap());
    let sig = issuer.signing_key().sign(&message);
    config["proofValue"] = json!(format!("z{}", bs58::encode(sig).into_string()));
    doc["proof"] = config;
    doc
}
