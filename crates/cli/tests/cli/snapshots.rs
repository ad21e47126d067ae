//! Snapshots of the command line's human output (insta; `tests/cli/snapshots/`), so that a
//! change of wording is a deliberate change of a reviewed file: `--help` of the main commands,
//! `issue`, `verify` (one and several inputs), `history`, `revoke` and the `issue-batch`
//! summary. Volatile parts (ids, dates and times, paths, random status indices, hashes, QR
//! digits, the version) are replaced by `[NAME]` before comparing. To accept a change on
//! purpose: `INSTA_UPDATE=always cargo test --test cli snapshots::`, then review the diff.

use assert_cmd::Command;
use regex::Regex;
use std::path::Path;

fn skillcert(data: &Path, cwd: &Path) -> Command {
    let mut c = Command::cargo_bin("skillcert").unwrap();
    c.arg("--data-dir")
        .arg(data)
        .current_dir(cwd)
        .env_remove("SKILLCERT_DATA_DIR")
        .env("SKILLCERT_ACTOR", "snapshot")
        .env("COLUMNS", "100");
    c
}

/// stdout (and stderr, if any) with the volatile parts redacted.
fn run(cmd: &mut Command, dir: &Path) -> String {
    let out = cmd.output().unwrap();
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr);
    if !err.is_empty() {
        text.push_str("--- stderr\n");
        text.push_str(&err);
    }
    text.push_str(&format!("--- exit {}\n", out.status.code().unwrap_or(-1)));
    redact(&text, dir)
}

fn redact(text: &str, dir: &Path) -> String {
    let mut t = text.replace(&dir.display().to_string(), "[DIR]");
    let rules = [
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[UUID]",
        ),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]"),
        (r"\d{4}年\d{1,2}月\d{1,2}日", "[DATE_ZH]"),
        (
            r"\d{1,2} (January|February|March|April|May|June|July|August|September|October|November|December) \d{4}",
            "[DATE_EN]",
        ),
        (r"(bit|index) \d+", "$1 [N]"),
        (r"/V/\d+", "/V/[QR]"),
        (r"[0-9a-f]{64}", "[SHA256]"),
        (r"\d+ bytes", "[N] bytes"),
        (r"SC-\d{4}-", "SC-[YEAR]-"),
        (r"\d+(\.\d+)? ?(ms|s|/s)\b", "[DURATION]"),
        (r"skillcert \d+\.\d+\.\d+", "skillcert [VERSION]"),
    ];
    for (re, with) in rules {
        t = Regex::new(re).unwrap().replace_all(&t, with).into_owned();
    }
    t
}

#[test]
fn help_pages() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for args in [
        vec!["--help"],
        vec!["verify", "--help"],
        vec!["issue", "--help"],
        vec!["issue-batch", "--help"],
        vec!["revoke", "--help"],
        vec!["history", "--help"],
    ] {
        let name = format!("help_{}", args.join("_").replace("--", ""));
        let out = run(skillcert(&d.join("data"), d).args(&args), d);
        insta::assert_snapshot!(name, out);
    }
}

#[test]
fn issue_verify_revoke_history_and_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = d.join("data");
    let sc = || skillcert(&data, d);
    run(
        sc().args([
            "init",
            "--name",
            "Snapshot Centre",
            "--base-url",
            "https://verify.example.cn",
        ]),
        d,
    );
    let issue = run(
        sc().args([
            "issue",
            "--holder",
            "王晓明",
            "--holder-latin",
            "Wang Xiaoming",
            "--program",
            "焊工 Welder",
            "--framework",
            "cn-nvq",
            "--level",
            "3",
            "--valid-years",
            "5",
            "--out",
            "out",
        ]),
        d,
    );
    insta::assert_snapshot!("issue", issue);
    let id = crate::read_dir(d.join("out"))
        .filter_map(|e| e.ok())
        .find_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_suffix(".jwt").map(str::to_owned)
        })
        .unwrap();
    let jwt = format!("out/{id}.jwt");
    let doc = format!("out/{id}.credential.json");
    insta::assert_snapshot!("verify_one_valid", run(sc().args(["verify", &jwt]), d));
    let revoke = run(
        sc().args([
            "revoke",
            &id,
            "--reason",
            "internal file 7",
            "--public-reason",
            "考核舞弊",
        ]),
        d,
    );
    insta::assert_snapshot!("revoke", revoke);
    insta::assert_snapshot!("verify_revoked", run(sc().args(["verify", &jwt]), d));
    let roster =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/reference/roster-sample.csv");
    let batch = run(
        sc().arg("issue-batch")
            .arg(&roster)
            .args(["--out", "batch", "--jobs", "1"]),
        d,
    );
    insta::assert_snapshot!(
        "issue_batch",
        batch.replace(&roster.display().to_string(), "[ROSTER]")
    );
    let mut inputs: Vec<String> = crate::read_dir(d.join("batch"))
        .filter_map(|e| e.ok())
        .map(|e| format!("batch/{}", e.file_name().to_string_lossy()))
        .filter(|n| n.ends_with(".jwt"))
        .collect();
    inputs.sort();
    inputs.push(jwt.clone());
    inputs.push(doc);
    let out = run(sc().arg("verify").args(&inputs), d);
    let summary = out
        .lines()
        .filter(|l| l.starts_with(|c: char| c.is_ascii_digit()) || l.starts_with("--- exit"))
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("verify_many_summary", summary);
    insta::assert_snapshot!("history", run(sc().args(["history", &id]), d));
}
