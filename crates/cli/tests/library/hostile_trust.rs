//! Issue 10, findings 5 and 7: the issuer's own verifier (its server's backend, the CLI without
//! `--trust`) asks its database, and only certificates verify as certificates.

use assert_cmd::Command;
use serde_json::Value;
use skillcert::issuer::{now_secs, Issuer};
use skillcert::request::{CheckedRequest, IssuanceRequest};
use skillcert::verify::{CheckName, Report, Verdict, Verifier};
use skillcert_qrimage::parse_bytes;
use skillcert_server::backend::Backend;
use skillcert_store::issuer_db::IssuerDb;
use std::path::Path;

fn request(holder: &str) -> CheckedRequest {
    let text = format!(
        r#"{{"holder": {{"name": "{holder}"}}, "program": {{"name": "CNC Milling Operator"}},
            "level": {{"framework": "cn-nvq", "value": "2"}}}}"#
    );
    IssuanceRequest::parse(text.as_bytes()).unwrap().1
}

fn check(verifier: &Verifier, bytes: &[u8]) -> Report {
    match parse_bytes(bytes) {
        Ok(u) => verifier.check(u),
        Err(e) => e.into(),
    }
}

fn failed(r: &Report, check: CheckName) -> Option<&str> {
    r.checks
        .iter()
        .find(|c| c.name == check && c.outcome == skillcert::verify::Outcome::Fail)
        .map(|c| c.reason.as_str())
}

/// The CLI's `verify --json` of one file.
fn cli_verify(data: &Path, file: &Path, extra: &[&str]) -> (i32, Value) {
    let out = Command::cargo_bin("skillcert")
        .unwrap()
        .arg("--data-dir")
        .arg(data)
        .args(["--json", "verify", "--offline"])
        .args(extra)
        .arg(file)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap(), v)
}

#[test]
fn finding_5_own_key_unknown_to_registry_is_not_valid() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::init(dir.path(), "Centre", Some("https://verify.example.cn")).unwrap();
    let registry = IssuerDb::open(dir.path()).unwrap();
    let genuine = registry.issue(&issuer, &request("王一")).unwrap();
    // Signed with the issuer's own key, but never recorded: what a thief of the key makes.
    let forged = issuer.issue_unregistered(&request("王二")).unwrap();
    // Recorded id, other claims: a thief re-using a genuine certificate's number.
    let mut claims = genuine.claims.clone();
    claims.holder.name = "李四".into();
    let altered = issuer.sign_all(claims, now_secs()).unwrap();

    let backend = Backend::open(Issuer::open(dir.path()).unwrap()).unwrap();
    let server = backend.verifier();
    for (form, bytes) in [
        ("document", serde_json::to_vec(&genuine.document).unwrap()),
        ("token", genuine.token.clone().into_bytes()),
        ("qr", genuine.qr_text.clone().into_bytes()),
    ] {
        let r = check(&server, &bytes);
        assert_eq!(r.verdict, Verdict::Valid, "{form}: {:?}", r.checks);
    }
    for (what, issued) in [("forged", &forged), ("altered", &altered)] {
        for (form, bytes) in [
            ("document", serde_json::to_vec(&issued.document).unwrap()),
            ("token", issued.token.clone().into_bytes()),
            ("qr", issued.qr_text.clone().into_bytes()),
        ] {
            let r = check(&server, &bytes);
            assert_eq!(r.verdict, Verdict::UntrustedIssuer, "{what} {form}");
            let why = failed(&r, CheckName::Registry).unwrap();
            assert!(why.contains("never issued here"), "{what} {form}: {why}");
            // The signature itself is good: only the issuer's database says no.
            assert!(failed(&r, CheckName::Signature).is_none(), "{what} {form}");
        }
    }

    // The CLI without --trust asks the same registry; an auditor with only --trust cannot.
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("forged.json");
    std::fs::write(&file, serde_json::to_vec(&forged.document).unwrap()).unwrap();
    let (code, v) = cli_verify(dir.path(), &file, &[]);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (1, Some("untrusted_issuer")),
        "{v}"
    );
    let trust = t.path().join("trust.json");
    std::fs::write(&trust, issuer.trust_list().to_json_pretty()).unwrap();
    let status = t.path().join("status");
    let lists = registry.lists().unwrap();
    let mut extra: Vec<String> = vec!["--trust".into(), trust.display().to_string()];
    std::fs::create_dir_all(&status).unwrap();
    for l in &lists {
        let p = status.join(format!("{}.json", l.number));
        let cred = registry.status_list_credential(&issuer, l.number).unwrap();
        std::fs::write(&p, cred.to_string()).unwrap();
        extra.extend(["--status".into(), p.display().to_string()]);
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let (code, v) = cli_verify(&t.path().join("auditor"), &file, &extra);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("valid")), "{v}");
}

#[test]
fn finding_7_status_list_credential_is_not_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::init(dir.path(), "Centre", Some("https://verify.example.cn")).unwrap();
    let registry = IssuerDb::open(dir.path()).unwrap();
    registry.issue(&issuer, &request("王一")).unwrap();
    let n = registry.lists().unwrap()[0].number;
    let list = registry.status_list_credential(&issuer, n).unwrap();
    let bytes = serde_json::to_vec(&list).unwrap();

    // The issuer's server: was "Valid certificate" with holder `…/status/1#list`.
    let backend = Backend::open(Issuer::open(dir.path()).unwrap()).unwrap();
    let r = check(&backend.verifier(), &bytes);
    assert_eq!(r.verdict, Verdict::Malformed, "{:?}", r.checks);
    let why = failed(&r, CheckName::Certificate).unwrap();
    assert!(why.contains("not a certificate"), "{why}");
    assert!(why.contains("BitstringStatusListCredential"), "{why}");
    assert!(
        failed(&r, CheckName::Signature).is_none(),
        "the signature is good"
    );

    // A verifier with only the trust list, and the CLI: the same.
    let auditor = Verifier::builder(issuer.trust_list()).build().unwrap();
    assert_eq!(check(&auditor, &bytes).verdict, Verdict::Malformed);
    let t = tempfile::tempdir().unwrap();
    let file = t.path().join("list.json");
    std::fs::write(&file, &bytes).unwrap();
    let (code, v) = cli_verify(dir.path(), &file, &[]);
    assert_eq!((code, v["verdict"].as_str()), (2, Some("malformed")), "{v}");

    // The same credential as a vc+jwt token signed with the issuer's key: malformed too.
    let mut payload = list.as_object().unwrap().clone();
    payload.remove("proof");
    let token = jwt(&issuer, &Value::Object(payload));
    let r = check(&auditor, token.as_bytes());
    assert_eq!(r.verdict, Verdict::Malformed, "{:?}", r.checks);
    assert!(failed(&r, CheckName::Certificate).is_some());
}

fn jwt(issuer: &Issuer, payload: &Value) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
    use base64::Engine;
    let header = serde_json::json!({"alg": "EdDSA", "kid": issuer.verification_method(),
        "typ": "vc+jwt", "cty": "vc"});
    let input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(payload.to_string())
    );
    let sig = issuer.signing_key().sign(input.as_bytes());
    format!("{input}.{}", B64.encode(sig))
}

#[test]
fn finding_8_qr_behind_another_host_names_the_issuers_host() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::init(dir.path(), "Centre", Some("https://verify.example.cn")).unwrap();
    let registry = IssuerDb::open(dir.path()).unwrap();
    let genuine = registry.issue(&issuer, &request("王一")).unwrap();
    let backend = Backend::open(Issuer::open(dir.path()).unwrap()).unwrap();
    let verifier = backend.verifier();
    let qr_host = |r: &Report| {
        r.checks
            .iter()
            .find(|c| c.name == CheckName::QrHost)
            .map(|c| (c.outcome, c.reason.clone()))
    };
    let own = check(&verifier, genuine.qr_text.as_bytes());
    assert_eq!(own.verdict, Verdict::Valid);
    let (outcome, _) = qr_host(&own).expect("qr_host check");
    assert_eq!(outcome, skillcert::verify::Outcome::Pass);
    assert!(own.notes.is_empty(), "{:?}", own.notes);

    // The genuine payload behind a phishing host: still the issuer's signature (the verdict
    // does not change), but the report warns and names the issuer's own address.
    let (_, digits) = skillcert::qr::split_qr_text(&genuine.qr_text).unwrap();
    let moved = format!("HTTPS://EVIL.EXAMPLE/V/{digits}");
    let r = check(&verifier, moved.as_bytes());
    assert_eq!(r.verdict, Verdict::Valid);
    let (outcome, why) = qr_host(&r).expect("qr_host check");
    assert_eq!(outcome, skillcert::verify::Outcome::Warn);
    assert!(
        why.contains("HTTPS://EVIL.EXAMPLE/V/") && why.contains("HTTPS://VERIFY.EXAMPLE.CN/V/"),
        "{why}"
    );
    assert!(r.notes.iter().any(|n| n == &why), "{:?}", r.notes);
    // Documents and tokens have no QR address to check.
    let doc = check(&verifier, &serde_json::to_vec(&genuine.document).unwrap());
    assert!(qr_host(&doc).is_none());
}
