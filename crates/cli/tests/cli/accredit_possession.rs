//! Finding 8: `skillcert trust export` signs the list it writes with the issuer's key, and
//! `skillcert authority accredit` takes a key only with a proof by that key over the whole
//! file (or when it is already accredited for the issuer, as after a key rotation): a rogue
//! file with the CNC centre's id and another key, an unsigned file, a file altered after
//! signing and a file listing a key nobody proved are refused, with nothing accredited.

use crate::cli_schemes::{ok, run, skillcert};
use serde_json::Value;
use skillcert::keys::SecretKey;
use skillcert::signer::{KeySigner, Signer};
use skillcert::trust::{TrustList, TrustedKey};
use std::path::Path;

/// An issuer at `url` and its `trust export` (parsed).
fn exported(dir: &Path, name: &str, url: &str) -> Value {
    ok(skillcert(dir).args(["init", "--name", name, "--base-url", url]));
    let file = dir.join("trust.json");
    ok(skillcert(dir).args(["trust", "export", "--out"]).arg(&file));
    serde_json::from_slice(&crate::read_file(&file)).unwrap()
}

/// `authority accredit FILE` of `v`: (exit code, stderr).
fn accredit(auth: &Path, v: &Value, file: &Path) -> (i32, String) {
    std::fs::write(file, serde_json::to_string_pretty(v).unwrap()).unwrap();
    let (code, _, err) = run(skillcert(auth)
        .args(["authority", "accredit"])
        .arg(file)
        .args(["--programs", "6-18-01-01"]));
    (code, err)
}

/// The authority's register: each issuer's id and key ids.
fn register(auth: &Path) -> Vec<(String, Vec<String>)> {
    let v: Value =
        serde_json::from_str(&ok(skillcert(auth).args(["--json", "authority", "show"]))).unwrap();
    v["issuers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let keys = i["keys"].as_array().unwrap().iter();
            let keys = keys.map(|k| k["id"].as_str().unwrap().to_owned());
            (i["id"].as_str().unwrap().to_owned(), keys.collect())
        })
        .collect()
}

#[test]
fn finding_8_accredit_takes_only_keys_proven_by_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |s: &str| tmp.path().join(s);
    ok(skillcert(&p("auth")).args(["authority", "init", "--name", "HRSS"]));
    let cnc = exported(&p("cnc"), "CNC Centre", "https://cnc.example.cn");
    let rogue = exported(&p("rogue"), "Rogue", "https://rogue.example.cn");
    let cnc_id = cnc["issuers"][0]["id"].as_str().unwrap().to_owned();
    let cnc_key = cnc["issuers"][0]["keys"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(cnc["proof"]["verificationMethod"], cnc_key.as_str());
    assert_eq!(cnc["proof"]["cryptosuite"], "eddsa-jcs-2022");

    // The rogue's export relabelled with the CNC centre's id: its proof is by a key the file
    // does not list, and without the proof it is unsigned.
    let mut forged = rogue.clone();
    forged["issuers"][0]["id"] = cnc_id.as_str().into();
    forged["issuers"][0]["name"] = "CNC Centre".into();
    forged["issuers"][0]["keys"][0]["id"] = format!("{cnc_id}#key-1").into();
    let (code, err) = accredit(&p("auth"), &forged, &p("forged.json"));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("forged.json") && err.contains("not a key the trust list names"),
        "{err}"
    );
    forged.as_object_mut().unwrap().remove("proof");
    let (code, err) = accredit(&p("auth"), &forged, &p("unsigned.json"));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("is not signed"), "{err}");

    // The genuine export with the rogue's key added afterwards: altered after signing.
    let mut altered = cnc.clone();
    let mut extra = rogue["issuers"][0]["keys"][0].clone();
    extra["id"] = format!("{cnc_id}#key-9").into();
    altered["issuers"][0]["keys"]
        .as_array_mut()
        .unwrap()
        .push(extra.clone());
    let (code, err) = accredit(&p("auth"), &altered, &p("altered.json"));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("altered"), "{err}");

    // Signed well by one listed key, listing another key nobody proved.
    let seed = SecretKey::from_seed(&[8; 32]);
    let mut list: TrustList = serde_json::from_value(rogue.clone()).unwrap();
    list.issuers[0].id = cnc_id.clone();
    let unproven: TrustedKey = serde_json::from_value(extra).unwrap();
    list.issuers[0].keys = vec![
        TrustedKey {
            id: format!("{cnc_id}#key-8"),
            public_key_multibase: skillcert::keys::public_multibase(&seed.public()),
            ..unproven.clone()
        },
        unproven,
    ];
    let vm = format!("{cnc_id}#key-8");
    let signer = KeySigner::new(&seed, &vm);
    let signers: [&dyn Signer; 1] = [&signer];
    let now = skillcert::issuer::now_secs();
    let half = skillcert::authority::sign_export(&list, &signers, &now).unwrap();
    let (code, err) = accredit(&p("auth"), &half, &p("half.json"));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("issuer {cnc_id}: key {cnc_id}#key-9 has no proof")),
        "{err}"
    );
    assert!(register(&p("auth")).is_empty(), "nothing accredited");

    // The genuine export is accepted, with exactly its key.
    let (code, err) = accredit(&p("auth"), &cnc, &p("cnc.json"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        register(&p("auth")),
        [(cnc_id.clone(), vec![cnc_key.clone()])]
    );

    // After a key rotation the new export lists the retired key, which the issuer no longer
    // holds: already accredited, it needs no new proof.
    ok(skillcert(&p("cnc")).args(["key", "rotate"]));
    let file = p("cnc").join("rotated.json");
    ok(skillcert(&p("cnc"))
        .args(["trust", "export", "--out"])
        .arg(&file));
    let rotated: Value = serde_json::from_slice(&crate::read_file(&file)).unwrap();
    let (code, err) = accredit(&p("auth"), &rotated, &file);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("adds key(s)"),
        "a new key is pointed out: {err}"
    );
    assert_eq!(register(&p("auth"))[0].1.len(), 2);
}
