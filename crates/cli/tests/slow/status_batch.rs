//! `issue-batch`: the sample roster, bad rows named by line and column, duplicates, and
//! idempotent re-runs that rewrite missing or damaged files.

use assert_cmd::Command;
use serde_json::Value;
use skillcert_store::issuer_db::IssuerDb;
use std::path::Path;

fn cmd(data: &Path) -> Command {
    let mut c = Command::cargo_bin("skillcert").unwrap();
    c.arg("--data-dir").arg(data);
    c
}

fn batch(data: &Path, roster: &Path, out: &Path) -> (i32, Value, String) {
    let o = cmd(data)
        .args(["--json", "issue-batch"])
        .arg(roster)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (
        o.status.code().unwrap(),
        v,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn sample_roster_bad_rows_and_reruns() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = tmp.path().join("out");
    cmd(&data)
        .args(["init", "--name", "Batch Centre"])
        .assert()
        .success();
    let sample = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/reference/roster-sample.csv"
    ));
    let (code, v, _) = batch(&data, sample, &out);
    assert_eq!(code, 0);
    assert_eq!(v["issued"], 6);
    let reg = IssuerDb::open(&data).unwrap();
    assert_eq!(reg.ids().unwrap().len(), 6);
    // Every certificate verifies offline with the exported lists.
    let lists = tmp.path().join("lists");
    cmd(&data)
        .args(["status", "export", "--out"])
        .arg(&lists)
        .assert()
        .success();
    // The default --formats of issue-batch: document, token, QR PNG, PDF.
    let all: Vec<_> = crate::read_dir(&out).map(|e| e.unwrap().path()).collect();
    let all: Vec<_> = all.into_iter().filter(|p| p.is_file()).collect();
    // Besides: a holder's copy for each holder with an ID number (5 of the 6 rows).
    let (copies, all): (Vec<_>, Vec<_>) = all.into_iter().partition(|p| {
        p.to_string_lossy()
            .ends_with(".holder-copy.credential.json")
    });
    assert_eq!(all.len(), 24, "{all:?}");
    assert_eq!(copies.len(), 5, "{copies:?}");
    let docs: Vec<_> = all
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".credential.json"))
        .collect();
    assert_eq!(docs.len(), 6);
    let mut args = vec!["verify".to_owned(), "--offline".into()];
    for e in crate::read_dir(&lists) {
        args.push("--status".into());
        args.push(e.unwrap().path().display().to_string());
    }
    for d in &docs {
        args.push(d.display().to_string());
    }
    cmd(&data).args(&args).assert().success();

    // Re-run: nothing issued; a deleted and a damaged file are written again, identical.
    let original = crate::read_file(&docs[0]);
    std::fs::remove_file(&docs[0]).unwrap();
    std::fs::write(&docs[1], b"{\"truncated\":").unwrap();
    let (code, v, _) = batch(&data, sample, &out);
    assert_eq!(code, 0);
    assert_eq!(
        (
            v["issued"].as_u64(),
            v["already_issued"].as_u64(),
            v["files_rewritten"].as_u64()
        ),
        (Some(0), Some(4), Some(2))
    );
    assert_eq!(crate::read_file(&docs[0]), original);
    assert_eq!(reg.ids().unwrap().len(), 6);

    // Bad rows: named by line and column; good rows still issued; duplicates issued once.
    let roster = tmp.path().join("bad.csv");
    std::fs::write(
        &roster,
        "holder_name,program_name,level_framework,level,valid_years,email\n\
         Good One,Welding,cn-nvq,3,5,a@example.cn\n\
         ,Welding,cn-nvq,3,5,\n\
         Bad Level,Welding,cn-nvq,9,5,\n\
         Bad Years,Welding,cn-nvq,3,five,\n\
         Bad Framework,Welding,xx,3,5,\n\
         Good One,Welding,cn-nvq,3,5,other@example.cn\n\
         Good Two,Welding,cn-nvq,2,,\n",
    )
    .unwrap();
    let (code, v, err) = batch(&data, &roster, &out);
    assert_eq!(code, 1);
    assert_eq!(v["issued"], 2);
    let errors = v["errors"].as_array().unwrap();
    let got: Vec<(u64, &str)> = errors
        .iter()
        .map(|e| (e["line"].as_u64().unwrap(), e["column"].as_str().unwrap()))
        .collect();
    assert_eq!(
        got,
        [
            (3, "holder_name"),
            (4, "level"),
            (5, "valid_years"),
            (6, "level_framework")
        ]
    );
    assert!(err.contains("line 4, column level"), "{err}");
    // Same certificate cells, different email: the same row, issued once.
    assert_eq!(v["duplicates"][0]["line"], 7);
    assert_eq!(v["duplicates"][0]["same_as_line"], 2);
    // Fixing nothing and re-running issues nothing new.
    let (_, v, _) = batch(&data, &roster, &out);
    assert_eq!(v["issued"], 0);
    assert_eq!(reg.ids().unwrap().len(), 8);

    // Structural problems stop the run before issuing anything (exit 2).
    let bad_header = tmp.path().join("h.csv");
    std::fs::write(
        &bad_header,
        "holder_name,program,level_framework,level\nA,B,cn-nvq,3\n",
    )
    .unwrap();
    let (code, _, err) = batch(&data, &bad_header, &out);
    assert_eq!(code, 2);
    assert!(err.contains("line 1: unknown column \"program\""), "{err}");
    let ragged = tmp.path().join("r.csv");
    std::fs::write(
        &ragged,
        "holder_name,program_name,level_framework,level\nA,B,cn-nvq\nC,D,cn-nvq,3\n",
    )
    .unwrap();
    let (code, v, err) = batch(&data, &ragged, &out);
    assert_eq!(code, 1);
    assert_eq!(v["issued"], 1);
    assert!(err.contains("line 2"), "{err}");
}
