//! The `skillcert` binary's core commands against the contract in docs/CONTRACT.md: init / issue /
//! verify / trust export / key rotate, exit codes 0/1/2, every `verify --json` field, trust
//! decisions (unknown issuer, hand-written trust list, compromised key), validity dates, and
//! hostile input that must never panic.

use assert_cmd::Command;
use serde_json::Value;
use skillcert::keys::{self, SecretKey};
use skillcert::model::{format_time, reference::reference_claims};
use std::path::{Path, PathBuf};

fn skillcert(data: &Path) -> Command {
    let mut c = Command::cargo_bin("skillcert").unwrap();
    c.arg("--data-dir")
        .arg(data)
        .env_remove("SKILLCERT_DATA_DIR");
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().unwrap();
    let r = Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(!r.stderr.contains("panicked"), "panic: {}", r.stderr);
    r
}

fn init(data: &Path, base_url: Option<&str>) {
    let mut c = skillcert(data);
    c.args(["init", "--name", "测试中心 Test Centre"]);
    if let Some(u) = base_url {
        c.args(["--base-url", u]);
    }
    let r = run(&mut c);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// Issues one certificate; returns the document path.
fn issue(data: &Path, out: &Path, extra: &[&str]) -> PathBuf {
    let r = run(skillcert(data)
        .args([
            "--json",
            "issue",
            "--holder",
            "王晓明",
            "--holder-latin",
            "Wang Xiaoming",
            "--program",
            "数控铣工 CNC Milling Operator",
            "--level",
            "2",
            "--holder-id",
            "330602199001011231",
            "--out",
        ])
        .arg(out)
        .args(extra));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert!(v["credential_id"]
        .as_str()
        .unwrap()
        .starts_with("urn:uuid:"));
    PathBuf::from(v["files"]["document"].as_str().unwrap())
}

/// `verify --json` on one input: (exit code, the report).
/// `--status FILE` arguments for every status list the issuer in `data` exports into `dir`
/// (a verifier with only a trust list checks status offline from these files).
fn status_args(data: &Path, dir: &Path) -> Vec<String> {
    let r = run(skillcert(data).args(["status", "export", "--out"]).arg(dir));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut args = vec!["--offline".to_owned()];
    for e in crate::read_dir(dir) {
        args.push("--status".into());
        args.push(e.unwrap().path().display().to_string());
    }
    args
}

fn verify_json(data: &Path, input: &Path, extra: &[&str]) -> (i32, Value) {
    let r = run(skillcert(data)
        .args(["--json", "verify"])
        .arg(input)
        .args(extra));
    let line = r.stdout.lines().next().unwrap_or_default();
    let v: Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{e}: stdout {:?} stderr {:?}", r.stdout, r.stderr));
    (r.code, v)
}

#[test]
fn round_trip_and_every_json_field() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    init(&data, None);
    let doc = issue(&data, &t.path().join("out"), &["--valid-years", "5"]);

    let (code, v) = verify_json(&data, &doc, &[]);
    assert_eq!(code, 0, "{v}");
    for k in [
        "verdict",
        "valid",
        "format",
        "credential_id",
        "issuer",
        "holder",
        "program",
        "level",
        "valid_from",
        "valid_until",
        "checks",
    ] {
        assert!(v.get(k).is_some(), "verify --json lacks {k}: {v}");
    }
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["valid"], true);
    assert_eq!(v["format"], "document");
    assert_eq!(v["holder"], "王晓明");
    assert_eq!(v["program"], "数控铣工 CNC Milling Operator");
    assert_eq!(v["level"], "2");
    assert!(v["issuer"].as_str().unwrap().starts_with("did:key:z6Mk"));
    assert!(v["valid_until"].is_string());
    let checks = v["checks"].as_array().unwrap();
    assert!(checks.len() >= 4);
    for c in checks {
        for k in ["name", "outcome", "reason"] {
            assert!(c[k].is_string(), "check lacks {k}: {c}");
        }
    }
    assert!(checks
        .iter()
        .any(|c| c["name"] == "signature" && c["outcome"] == "pass"));

    // Human output says VALID, exit 0.
    let r = run(skillcert(&data).arg("verify").arg(&doc));
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("VALID"), "{}", r.stdout);

    // trust export, then verify with --trust from a data dir that has no issuer.
    let list = t.path().join("trust.json");
    let r = run(skillcert(&data)
        .args(["trust", "export", "--out"])
        .arg(&list));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let empty = t.path().join("empty");
    let (code, v) = verify_json(
        &empty,
        &doc,
        &["--trust", list.to_str().unwrap(), "--offline"],
    );
    assert_eq!(
        (code, v["verdict"].as_str()),
        (1, Some("status_unknown")),
        "fails closed without status lists"
    );
    let st = status_args(&data, &t.path().join("status"));
    let mut extra = vec!["--trust", list.to_str().unwrap()];
    extra.extend(st.iter().map(String::as_str));
    let (code, v) = verify_json(&empty, &doc, &extra);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("valid")), "{v}");

    // Without --trust and without an issuer nobody is trusted.
    let (code, v) = verify_json(&empty, &doc, &[]);
    assert_eq!((code, v["verdict"].as_str()), (1, Some("untrusted_issuer")));

    // A second, unrelated issuer's data dir (or its exported list) does not trust the first.
    let other = t.path().join("other");
    init(&other, None);
    let (code, v) = verify_json(&other, &doc, &[]);
    assert_eq!((code, v["verdict"].as_str()), (1, Some("untrusted_issuer")));
    let other_list = t.path().join("other.json");
    run(skillcert(&other)
        .args(["trust", "export", "--out"])
        .arg(&other_list));
    let (code, v) = verify_json(&data, &doc, &["--trust", other_list.to_str().unwrap()]);
    assert_eq!((code, v["verdict"].as_str()), (1, Some("untrusted_issuer")));

    // Altered claim: bad signature, exit 1.
    let mut d: Value = serde_json::from_slice(&crate::read_file(&doc)).unwrap();
    d["credentialSubject"]["result"][0]["value"] = "1".into();
    let altered = t.path().join("altered.json");
    std::fs::write(&altered, serde_json::to_vec(&d).unwrap()).unwrap();
    let (code, v) = verify_json(&data, &altered, &[]);
    assert_eq!(code, 1);
    assert_ne!(v["verdict"], "valid");
    assert!(["bad_signature", "malformed"].contains(&v["verdict"].as_str().unwrap()));

    // Several inputs: exit 1 when any is not valid.
    let r = run(skillcert(&data).arg("verify").arg(&doc).arg(&altered));
    assert_eq!(r.code, 1);
}

#[test]
fn expired_and_not_yet_valid() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    init(&data, None);
    let out = t.path().join("out");
    let past = issue(
        &data,
        &out,
        &["--valid-from", "2001-01-01T00:00:00Z", "--valid-years", "2"],
    );
    let (code, v) = verify_json(&data, &past, &[]);
    assert_eq!((code, v["verdict"].as_str()), (1, Some("expired")));
    // The end of 1 January 2003 in China (docs/FORMAT.md, "Dates people read").
    assert_eq!(v["valid_until"], "2003-01-01T15:59:59Z");
    let future = issue(
        &data,
        &out,
        &["--valid-from", "2099-01-01T00:00:00Z", "--valid-years", "3"],
    );
    let (code, v) = verify_json(&data, &future, &[]);
    assert_eq!((code, v["verdict"].as_str()), (1, Some("not_yet_valid")));
    // No expiry.
    let forever = issue(&data, &out, &["--valid-years", "0"]);
    let (code, v) = verify_json(&data, &forever, &[]);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("valid")));
    assert!(v["valid_until"].is_null());
}

#[test]
fn hand_written_trust_list_for_a_foreign_issuer() {
    let t = tempfile::tempdir().unwrap();
    let key = SecretKey::from_seed(&[0x42; 32]);
    let issuer_id = "did:web:certs.other-body.example";
    let vm = format!("{issuer_id}#signing-2026");
    let json = crate::read_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/reference/reference-certificate.json"
    ));
    let mut claims = reference_claims(&json).unwrap();
    claims.issuer.id = issuer_id.into();
    claims.status.clear();
    claims.valid_from = chrono::Utc::now() - chrono::Duration::days(30);
    claims.valid_until = None;
    let signed_at = claims.valid_from;
    let doc = skillcert::proof::sign(&claims.to_document(), &key, &vm, &signed_at).unwrap();
    let doc_path = t.path().join("foreign.json");
    std::fs::write(&doc_path, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();

    let list = |compromised: &str| {
        format!(
            r#"{{
  "type": "SkillcertTrustList",
  "version": 1,
  "issuers": [
    {{
      "id": "{issuer_id}",
      "name": "Other Body",
      "keys": [
        {{
          "id": "{vm}",
          "type": "Multikey",
          "publicKeyMultibase": "{}",
          "validFrom": "2020-01-01T00:00:00Z",
          "validUntil": null,
          "compromisedFrom": {compromised}
        }}
      ]
    }}
  ]
}}"#,
            keys::public_multibase(&key.public())
        )
    };
    let trust = t.path().join("trust.json");
    std::fs::write(&trust, list("null")).unwrap();
    let empty = t.path().join("no-issuer");
    let (code, v) = verify_json(&empty, &doc_path, &["--trust", trust.to_str().unwrap()]);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("valid")), "{v}");
    assert_eq!(v["issuer"], issuer_id);

    // compromisedFrom before the signing time: rejected.
    let before = format!(
        "\"{}\"",
        format_time(&(signed_at - chrono::Duration::days(1)))
    );
    std::fs::write(&trust, list(&before)).unwrap();
    let (code, v) = verify_json(&empty, &doc_path, &["--trust", trust.to_str().unwrap()]);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (1, Some("untrusted_issuer")),
        "{v}"
    );
    assert!(v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["reason"].as_str().unwrap().contains("compromised")));

    // compromisedFrom one day after the signing time: inside the 30-day grace window (a thief
    // chooses the signing time), so refused too (finding 5; this was `valid` before).
    let after = format!(
        "\"{}\"",
        format_time(&(signed_at + chrono::Duration::days(1)))
    );
    std::fs::write(&trust, list(&after)).unwrap();
    let (code, v) = verify_json(&empty, &doc_path, &["--trust", trust.to_str().unwrap()]);
    assert_eq!(
        (code, v["verdict"].as_str()),
        (1, Some("untrusted_issuer")),
        "{v}"
    );
    assert!(v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["reason"].as_str().unwrap().contains("grace window")));

    // compromisedFrom well after the signing time: what it signed before stays valid.
    let after = format!(
        "\"{}\"",
        format_time(&(signed_at + chrono::Duration::days(31)))
    );
    std::fs::write(&trust, list(&after)).unwrap();
    let (code, v) = verify_json(&empty, &doc_path, &["--trust", trust.to_str().unwrap()]);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("valid")), "{v}");

    // A broken trust list is unreadable input: exit 2 with the problem named.
    std::fs::write(
        &trust,
        r#"{"type":"SkillcertTrustList","version":2,"issuers":[]}"#,
    )
    .unwrap();
    let r = run(skillcert(&empty)
        .args(["verify", "--trust"])
        .arg(&trust)
        .arg(&doc_path));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("version"), "{}", r.stderr);
}

/// Finding 5: after `key rotate` the retired secret key is gone (it stayed on disk before); the
/// public half stays in the config. `--keep-retired` keeps it (0600) and warns.
#[test]
fn finding_5_rotate_destroys_retired_key() {
    let t = tempfile::tempdir().unwrap();
    let data = &t.path().join("data");
    init(data, Some("https://verify.skills.example.cn"));
    let r = run(skillcert(data).args(["--json", "key", "rotate"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rotated: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(rotated["retired_secret"], "destroyed");
    assert!(!data.join("keys/key-1.secret").exists());
    assert!(data.join("keys/key-2.secret").exists());
    let config: Value =
        serde_json::from_slice(&crate::read_file(data.join("config.json"))).unwrap();
    assert!(config["keys"][0]["publicKeyMultibase"].is_string());
    let r = run(skillcert(data).args(["key", "rotate", "--keep-retired"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("warning"), "{}", r.stderr);
    assert!(r.stderr.contains("key-2.secret"), "{}", r.stderr);
    let kept = data.join("keys/key-2.secret");
    assert!(kept.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn key_rotation_keeps_earlier_certificates_valid() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    init(&data, Some("https://verify.skills.example.cn"));
    let out = t.path().join("out");
    let first = issue(&data, &out, &[]);
    let r = run(skillcert(&data).args(["--json", "key", "rotate"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(r.stdout.trim()).unwrap();
    assert_eq!(v["active_key"], "did:web:verify.skills.example.cn#key-2");
    let second = issue(&data, &out, &[]);

    let vm = |p: &Path| {
        let d: Value = serde_json::from_slice(&crate::read_file(p)).unwrap();
        let proof = if d["proof"].is_array() {
            d["proof"][0].clone()
        } else {
            d["proof"].clone()
        };
        proof["verificationMethod"].as_str().unwrap().to_owned()
    };
    assert!(vm(&first).ends_with("#key-1"));
    assert!(vm(&second).ends_with("#key-2"));
    for doc in [&first, &second] {
        let (code, v) = verify_json(&data, doc, &[]);
        assert_eq!((code, v["verdict"].as_str()), (0, Some("valid")), "{v}");
    }
    // The exported list holds both keys; a verifier with only that list agrees.
    let list = t.path().join("trust.json");
    run(skillcert(&data)
        .args(["trust", "export", "--out"])
        .arg(&list));
    let l: Value = serde_json::from_slice(&crate::read_file(&list)).unwrap();
    assert_eq!(l["issuers"][0]["keys"].as_array().unwrap().len(), 2);
    assert!(l["issuers"][0]["keys"][0]["validUntil"].is_string());
    let st = status_args(&data, &t.path().join("status"));
    let mut extra = vec!["--trust", list.to_str().unwrap()];
    extra.extend(st.iter().map(String::as_str));
    for doc in [&first, &second] {
        let (code, v) = verify_json(&t.path().join("x"), doc, &extra);
        assert_eq!(code, 0, "{v}");
    }
    // A did:key issuer cannot rotate: refused (exit 1) with the reason.
    let dk = t.path().join("didkey");
    init(&dk, None);
    let r = run(skillcert(&dk).args(["key", "rotate"]));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("did:web"), "{}", r.stderr);
}

#[test]
fn hostile_input_never_panics() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    init(&data, None);
    let good = issue(&data, &t.path().join("out"), &[]);
    let good_doc: Value = serde_json::from_slice(&crate::read_file(&good)).unwrap();

    let write = |name: &str, bytes: &[u8]| {
        let p = t.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    let mut wrong_types = good_doc.clone();
    wrong_types["validFrom"] = 20261012.into();
    let mut proof_wrong = good_doc.clone();
    proof_wrong["proof"] = "signed".into();
    let mut deep = String::new();
    for _ in 0..10_000 {
        deep.push('[');
    }
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    // (file, what the error or check must mention)
    let cases = [
        (
            write("truncated.json", b"{\"@context\": [\"https://www"),
            "JSON",
        ),
        (write("dup.json", br#"{"a":1,"a":2}"#), "duplicate"),
        (
            write("types.json", &serde_json::to_vec(&wrong_types).unwrap()),
            "validFrom",
        ),
        (
            write("proof.json", &serde_json::to_vec(&proof_wrong).unwrap()),
            "proof",
        ),
        (
            write("deep.json", format!("{{\"a\":{deep}").as_bytes()),
            "JSON",
        ),
        (write("array.json", b"[1,2,3]"), "not a JSON document"),
        (write("garbage.bin", &garbage), "not a JSON document"),
        (write("empty.json", b""), "not a JSON document"),
        (write("bom.json", b"\xef\xbb\xbf{}"), "not a JSON document"),
        (write("object.json", b"{}"), "proof"),
    ];
    for (path, needle) in &cases {
        let (code, v) = verify_json(&data, path, &[]);
        // A malformed credential is input that cannot be read as a certificate: exit 2.
        assert_eq!(code, 2, "{}: {v}", path.display());
        assert_eq!(v["verdict"], "malformed", "{}: {v}", path.display());
        assert_eq!(v["valid"], false);
        let reasons = v["checks"].to_string();
        assert!(reasons.contains(needle), "{}: {reasons}", path.display());
    }

    // A 10 MB file is refused before it is read: exit 2, the limit named.
    let big = write("big.json", &vec![b' '; 10 << 20]);
    let r = run(skillcert(&data).arg("verify").arg(&big));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("limit"), "{}", r.stderr);
    // A large document under the file limit but over the document limit: malformed.
    let mut huge = good_doc.clone();
    huge["credentialSubject"]["x"] = "x".repeat(300 << 10).into();
    let p = write("huge.json", &serde_json::to_vec(&huge).unwrap());
    let (code, v) = verify_json(&data, &p, &[]);
    assert_eq!((code, v["verdict"].as_str()), (2, Some("malformed")));
    assert!(v["checks"].to_string().contains("limit"));

    // A missing file and nonsense text: exit 2, named.
    let r = run(skillcert(&data).args(["verify", "/no/such/file.json"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/no/such/file.json"), "{}", r.stderr);
    let r = run(skillcert(&data).arg("verify"));
    assert_eq!(r.code, 2);
    // Usage errors: exit 2.
    let r = run(skillcert(&data).args(["verify", "--no-such-flag", "x"]));
    assert_eq!(r.code, 2);
    // Refused issuance (bad level): exit 1, field named.
    let r = run(skillcert(&data)
        .args([
            "issue",
            "--holder",
            "A",
            "--program",
            "P",
            "--level",
            "9",
            "--out",
        ])
        .arg(t.path()));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("level.value"), "{}", r.stderr);
    // Commands needing an issuer in an empty data dir: exit 2, with the fix.
    let r = run(skillcert(&t.path().join("none")).args(["trust", "export"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("init"), "{}", r.stderr);
}

/// Finding 8: names with bidi controls or invisible characters are refused at issuance, with
/// the field and the code point named (they were accepted, and displayed raw). A certificate
/// that carries one anyway (signed elsewhere) is shown with visible markers in the text output;
/// `--json` keeps the exact value.
#[test]
fn finding_8_names_refuse_bidi_controls() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("data");
    let r = run(skillcert(&data).args(["init", "--name", "Centre\u{200B}X"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("U+200B (ZERO WIDTH SPACE) is not allowed in a name"),
        "{}",
        r.stderr
    );
    init(&data, Some("https://verify.skills.example.cn"));
    let out = t.path().join("out");
    let bidi = "John \u{202E}redleW\u{202C} Smith";
    for (holder, latin, program, expect) in [
        (
            bidi,
            "John",
            "Welding",
            "holder.name: U+202E (RIGHT-TO-LEFT OVERRIDE)",
        ),
        (
            "王",
            "Wang\u{2060}Xiao",
            "Welding",
            "holder.name_latin: U+2060 (WORD JOINER)",
        ),
        (
            "王",
            "Wang",
            "Weld\u{00AD}ing",
            "program.name: U+00AD (SOFT HYPHEN)",
        ),
        (
            "王",
            "Wang",
            "Welding\u{2028}",
            "program.name: U+2028 (LINE SEPARATOR)",
        ),
    ] {
        let r = run(skillcert(&data)
            .args(["issue", "--holder", holder, "--holder-latin", latin])
            .args(["--program", program, "--level", "2", "--out"])
            .arg(&out));
        assert_eq!(r.code, 1, "{expect}: {}", r.stderr);
        assert!(r.stderr.contains(expect), "{expect}: {}", r.stderr);
    }

    let issuer = skillcert::issuer::Issuer::open(&data).unwrap();
    let (_, req) = skillcert::request::IssuanceRequest::parse(
        br#"{"holder": {"name": "x"}, "program": {"name": "Welding"}, "level": {"framework": "cn-nvq", "value": "2"}}"#,
    )
    .unwrap();
    let mut claims = issuer.claims_for(&req, chrono::Utc::now()).unwrap();
    claims.holder.name = bidi.into();
    let issued = issuer
        .sign_all(claims, skillcert::issuer::now_secs())
        .unwrap();
    let doc = t.path().join("bidi.json");
    std::fs::write(&doc, serde_json::to_vec(&issued.document).unwrap()).unwrap();
    let trust = t.path().join("trust.json");
    std::fs::write(&trust, issuer.trust_list().to_json_pretty()).unwrap();
    let auditor = t.path().join("auditor");
    let r = run(skillcert(&auditor)
        .args(["verify", "--offline", "--trust"])
        .arg(&trust)
        .arg(&doc));
    assert!(
        r.stdout.contains("John \\u{202E}redleW\\u{202C} Smith"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('\u{202E}'), "{}", r.stdout);
    let (_, v) = verify_json(&auditor, &doc, &["--trust", trust.to_str().unwrap()]);
    assert_eq!(v["holder"], bidi);
}
