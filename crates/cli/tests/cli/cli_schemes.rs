//! `skillcert authority …` and `verify --trust … --trust-anchor …` as a user runs them
//! (issue 14): an authority accredits two issuers with different scopes, publishes, suspends
//! one; verification under the scheme (files and status lists offline) trusts exactly what the
//! scopes and windows allow; a wrong anchor, a tampered list and usage errors give clear
//! messages and the documented exit codes; the authority's key file is 0600.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn skillcert(data: &Path) -> Command {
    let mut c = Command::cargo_bin("skillcert").unwrap();
    c.arg("--data-dir")
        .arg(data)
        .env_remove("SKILLCERT_DATA_DIR");
    c
}

/// Runs; (exit code, stdout, stderr), never a panic.
pub fn run(c: &mut Command) -> (i32, String, String) {
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        err,
    )
}

pub fn ok(c: &mut Command) -> String {
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{out}{err}");
    out
}

/// Issues a certificate for `code`; the token file and the status args of its issuer.
fn issue(data: &Path, out: &Path, code: &str) -> PathBuf {
    let v: Value = serde_json::from_str(&ok(skillcert(data)
        .args([
            "--json",
            "issue",
            "--holder",
            "王晓明",
            "--program",
            "工种",
            "--program-code",
            code,
            "--level",
            "3",
            "--out",
        ])
        .arg(out)))
    .unwrap();
    PathBuf::from(v["files"]["token"].as_str().unwrap())
}

fn status_files(data: &Path, dir: &Path) -> Vec<String> {
    ok(skillcert(data).args(["status", "export", "--out"]).arg(dir));
    let mut args = vec!["--offline".to_owned()];
    for e in crate::read_dir(dir) {
        args.push("--status".into());
        args.push(e.unwrap().path().display().to_string());
    }
    args
}

#[test]
fn an_authority_accredits_two_issuers_and_verifiers_trust_the_scheme() {
    let tmp = tempfile::tempdir().unwrap();
    let p = |s: &str| tmp.path().join(s);
    let (auth, cnc, weld) = (p("auth"), p("cnc"), p("weld"));
    let out =
        ok(skillcert(&auth).args(["authority", "init", "--name", "浙江省职业技能鉴定指导中心"]));
    assert!(out.contains("Trust anchor"), "{out}");
    let anchor = ok(skillcert(&auth).args(["authority", "key"]))
        .trim()
        .to_owned();
    assert!(anchor.starts_with("did:key:z6Mk"), "{anchor}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let m = std::fs::metadata(auth.join("authority-key.secret")).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o600);
    }
    for (dir, name, url) in [
        (&cnc, "数控加工中心 CNC Centre", "https://cnc.example.cn"),
        (
            &weld,
            "焊接研究所 Welding Institute",
            "https://weld.example.cn",
        ),
    ] {
        ok(skillcert(dir).args(["init", "--name", name, "--base-url", url]));
        ok(skillcert(dir)
            .args(["trust", "export", "--out"])
            .arg(dir.join("trust.json")));
    }
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    ok(skillcert(&auth)
        .args(["authority", "accredit"])
        .arg(cnc.join("trust.json"))
        .args([
            "--frameworks",
            "cn-nvq",
            "--programs",
            "6-18-01-01",
            "--levels",
            "3,4",
            "--from",
            &yesterday,
        ]));
    ok(skillcert(&auth)
        .args(["authority", "accredit"])
        .arg(weld.join("trust.json"))
        .args(["--programs", "6-25-04-08", "--from", &yesterday]));
    let lathe = issue(&cnc, &p("out"), "6-18-01-01");
    let welder = issue(&weld, &p("out"), "6-25-04-08");
    let outside = issue(&cnc, &p("out"), "6-25-04-08");
    let scheme = p("scheme.json");
    ok(skillcert(&auth)
        .args(["authority", "publish", "--out"])
        .arg(&scheme));

    let mut status = status_files(&cnc, &p("st-cnc"));
    status.extend(status_files(&weld, &p("st-weld")).into_iter().skip(1));
    let verify = |input: &Path, anchor: &str, list: &Path| {
        let (code, out, err) = run(skillcert(&p("nobody"))
            .args(["--json", "verify"])
            .arg(input)
            .arg("--trust")
            .arg(list)
            .args(["--trust-anchor", anchor])
            .args(&status));
        let v: Value = serde_json::from_str(out.lines().next().unwrap_or("null"))
            .unwrap_or_else(|e| panic!("{e}: {out}{err}"));
        (code, v)
    };
    let (code, v) = verify(&lathe, &anchor, &scheme);
    assert_eq!((code, v["verdict"].as_str()), (0, Some("valid")), "{v}");
    assert_eq!(
        v["accredited_by"]["authority_name"],
        "浙江省职业技能鉴定指导中心"
    );
    let (_, v) = verify(&welder, &anchor, &scheme);
    assert_eq!(v["verdict"], "valid", "{v}");
    let (code, v) = verify(&outside, &anchor, &scheme);
    assert_eq!((code, v["verdict"].as_str()), (1, Some("untrusted_issuer")));
    assert!(
        v.to_string()
            .contains("not accredited for program 6-25-04-08"),
        "{v}"
    );

    // Suspended from now on: what the welding institute signed before stays valid, what it
    // signs afterwards is refused.
    let weld_id: Value = serde_json::from_str(&crate::read_text(weld.join("trust.json"))).unwrap();
    let weld_id = weld_id["issuers"][0]["id"].as_str().unwrap().to_owned();
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = ok(skillcert(&auth).args([
        "authority",
        "suspend",
        &weld_id,
        "--reason",
        "审核发现问题 audit findings",
    ]));
    assert!(out.contains("suspended"), "{out}");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let later = issue(&weld, &p("out"), "6-25-04-08");
    ok(skillcert(&auth)
        .args(["authority", "publish", "--out"])
        .arg(&scheme));
    let (_, v) = verify(&welder, &anchor, &scheme);
    assert_eq!(v["verdict"], "valid", "{v}");
    let (_, v) = verify(&later, &anchor, &scheme);
    assert_eq!(v["verdict"], "untrusted_issuer", "{v}");
    assert!(v.to_string().contains("suspended from"), "{v}");
    let show = ok(skillcert(&auth).args(["authority", "show"]));
    for w in [
        "accredit",
        "suspend",
        "publish",
        "audit findings",
        "programs 6-25-04-08",
    ] {
        assert!(show.contains(w), "{w}: {show}");
    }

    // A wrong anchor, a tampered list: nobody is trusted, and the reason says why.
    let other = p("other");
    ok(skillcert(&other).args(["authority", "init", "--name", "Other"]));
    let wrong = ok(skillcert(&other).args(["authority", "key"]))
        .trim()
        .to_owned();
    let (code, v) = verify(&lathe, &wrong, &scheme);
    assert_eq!((code, v["verdict"].as_str()), (1, Some("untrusted_issuer")));
    assert!(v.to_string().contains("not by the trust anchor"), "{v}");
    let text = crate::read_text(&scheme).replace("6-18-01-01", "6-18-01-02");
    let tampered = p("tampered.json");
    std::fs::write(&tampered, text).unwrap();
    let (_, v) = verify(&lathe, &anchor, &tampered);
    assert!(v.to_string().contains("signature does not verify"), "{v}");

    // Usage errors exit 2 with a message naming the flag.
    for args in [
        vec!["--trust-anchor", anchor.as_str()],
        vec![
            "--trust",
            scheme.to_str().unwrap(),
            "--trust",
            scheme.to_str().unwrap(),
            "--trust-anchor",
            anchor.as_str(),
        ],
        vec![
            "--trust",
            scheme.to_str().unwrap(),
            "--trust-anchor",
            "did:key:nonsense",
        ],
    ] {
        let (code, _, err) = run(skillcert(&p("nobody"))
            .arg("verify")
            .arg(&lathe)
            .args(&args));
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("--trust-anchor") || err.contains("trust anchor"),
            "{err}"
        );
    }
    // An unsigned list with `-` next to the scheme: both count.
    let (code, _, err) = run(skillcert(&p("nobody"))
        .arg("verify")
        .arg(&outside)
        .arg("--trust")
        .arg(&scheme)
        .arg("--trust")
        .arg(cnc.join("trust.json"))
        .args(["--trust-anchor", &anchor, "--trust-anchor", "-"])
        .args(&status));
    assert_eq!(code, 0, "trusted directly by the unsigned list: {err}");
    // The authority refuses what makes no sense.
    let (code, _, err) = run(skillcert(&auth).args([
        "authority",
        "suspend",
        "did:web:nobody.example",
        "--reason",
        "x",
    ]));
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = run(skillcert(&auth)
        .args(["authority", "publish", "--out"])
        .arg(p("x.json"))
        .args(["--valid-days", "0"]));
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = run(skillcert(&auth)
        .args(["authority", "accredit"])
        .arg(cnc.join("trust.json"))
        .args(["--from", "yesterday"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--from"), "{err}");
}
