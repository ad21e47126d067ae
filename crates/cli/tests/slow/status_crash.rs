//! Crash safety: `issue-batch` of a few thousand rows (grouped transactions of random sizes,
//! every core, national certificate numbers) is killed with SIGKILL at random moments, several
//! times. After every kill the issuer's database is consistent, no status index and no certificate number
//! is used twice, and every certificate file on disk is in the issuer's database. Then a resumed run
//! completes the roster with each row issued exactly once, and each number series holds exactly
//! the serials 1..n: no number was lost or skipped by a crash.

use skillcert_store::issuer_db::{IssuerDb, RecordState};
use std::collections::HashSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Enough rows that every kill lands mid-batch (the test asserts at least 3 did), few enough
/// that the resumed run is quick: the property is about the database and the files, so the
/// batch writes the signed forms and the QR picture but no PDF (printing has its own tests).
const ROWS: usize = 2000;
const ROUNDS: usize = 8;
/// What every run of the batch writes (the same in each run, or a rerun writes files again).
const FORMATS: &str = "document,token,qr-png";

fn bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("skillcert")
}

fn write_roster(path: &Path) {
    let mut s = String::from(
        "holder_name,holder_name_latin,national_id,program_code,program_name,level_framework,level,valid_years,email\n",
    );
    for i in 0..ROWS {
        s.push_str(&format!(
            "持证人{i},Holder {i},{},6-18-01-01,数控铣工 CNC Milling Operator,cn-nvq,{},5,h{i}@example.cn\n",
            crate::test_id(i),
            i % 5 + 1
        ));
    }
    std::fs::write(path, s).unwrap();
}

/// The invariants after any crash.
fn check(data: &Path, out: &Path, round: usize) -> usize {
    let reg = IssuerDb::open(data).unwrap();
    let problems = reg.check_consistency().unwrap();
    assert!(problems.is_empty(), "round {round}: {problems:?}");
    let ids: HashSet<String> = reg.ids().unwrap().into_iter().collect();
    let mut indices = HashSet::new();
    let mut numbers = HashSet::new();
    for id in &ids {
        let r = reg.get(id).unwrap();
        let n = r.number.clone().expect("every certificate has a number");
        assert!(
            numbers.insert(n.clone()),
            "round {round}: number {n} used twice"
        );
        assert!(
            indices.insert(r.revocation),
            "round {round}: {:?} used twice",
            r.revocation
        );
        assert!(
            indices.insert(r.suspension),
            "round {round}: {:?} used twice",
            r.suspension
        );
    }
    let mut files = 0;
    if let Ok(rd) = std::fs::read_dir(out) {
        for e in rd {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().to_string();
            if e.file_type().unwrap().is_dir() {
                assert!(name.starts_with(".skillcert-tmp-"), "{name}");
                // Files of an interrupted run's temporary folder are registered too.
                for f in crate::read_dir(e.path()) {
                    let n = f.unwrap().file_name().to_string_lossy().to_string();
                    let uuid = n.split('.').next().unwrap();
                    assert!(
                        ids.contains(&format!("urn:uuid:{uuid}")),
                        "round {round}: {n} not in the issuer's database"
                    );
                }
                continue;
            }
            let uuid = name.split('.').next().unwrap();
            assert!(
                ids.contains(&format!("urn:uuid:{uuid}")),
                "round {round}: {name} not in the issuer's database"
            );
            files += 1;
        }
    }
    eprintln!(
        "round {round}: {} certificates, {files} files, {} pending",
        ids.len(),
        reg.pending().unwrap().len()
    );
    ids.len()
}

#[test]
fn sigkill_during_issue_batch() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = tmp.path().join("out");
    let roster = tmp.path().join("roster.csv");
    write_roster(&roster);
    let st = Command::new(bin())
        .arg("--data-dir")
        .arg(&data)
        .args([
            "init",
            "--name",
            "Crash Test Centre",
            "--base-url",
            "https://crash.example.cn",
            "--number-kind",
            "S",
            "--organisation-code",
            "0001",
            "--province-code",
            "33",
            "--site-code",
            "060200",
        ])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success());
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("seed {seed}");
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let batch = |group: u64| {
        let mut c = Command::new(bin());
        c.arg("--data-dir")
            .arg(&data)
            .arg("issue-batch")
            .arg(&roster)
            .arg("--out")
            .arg(&out)
            .arg("--group")
            .arg(group.to_string())
            .args(["--formats", FORMATS])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        c
    };
    let mut last = 0;
    let mut killed = 0;
    for round in 0..ROUNDS {
        let group = [1, 7, 64, 256, 1000][(rand() % 5) as usize];
        let mut child = batch(group).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(150 + rand() % 1200));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            killed += 1;
        }
        child.wait().unwrap();
        let n = check(&data, &out, round);
        assert!(n >= last, "certificates disappeared");
        last = n;
    }
    assert!(killed >= 3, "the batch finished too early to test crashes");
    // Resume to completion.
    let o = batch(256)
        .arg("--json")
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(check(&data, &out, ROUNDS), ROWS);
    let reg = IssuerDb::open(&data).unwrap();
    assert!(reg.pending().unwrap().is_empty());
    let mut series: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
    for id in reg.ids().unwrap() {
        let r = reg.get(&id).unwrap();
        let n = r.number.clone().unwrap();
        let (s, serial) = n.split_at(n.len() - 6);
        series
            .entry(s.to_owned())
            .or_default()
            .push(serial.parse().unwrap());
        assert_eq!(r.state, RecordState::Issued);
        assert!(r.batch_key.is_some());
        // The document on disk is the one whose hash the issuer's database holds.
        let uuid = id.trim_start_matches("urn:uuid:");
        let bytes = crate::read_file(out.join(format!("{uuid}.credential.json")));
        let doc = skillcert::jcs::parse_strict(&bytes, 1 << 20).unwrap();
        let h = hex::encode(skillcert::proof::jcs_hash(&doc).unwrap());
        assert_eq!(r.document_sha256.as_deref(), Some(h.as_str()), "{id}");
        assert_eq!(doc["credentialSubject"]["licenseNumber"], n.as_str());
    }
    // Five levels, one series each (two if the run straddled New Year in China), serials 1..n
    // without a gap: a crash loses no number.
    assert!(series.len() >= 5, "{:?}", series.keys());
    for (s, mut serials) in series {
        serials.sort_unstable();
        let expected: Vec<u32> = (1..=serials.len() as u32).collect();
        assert_eq!(serials, expected, "series {s}");
    }
    // Idempotent: a further run (same formats) issues nothing.
    let o = Command::new(bin())
        .arg("--data-dir")
        .arg(&data)
        .args(["--json", "issue-batch"])
        .arg(&roster)
        .arg("--out")
        .arg(&out)
        .args(["--formats", FORMATS])
        .output()
        .unwrap();
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["issued"], 0);
    assert_eq!(v["already_issued"], ROWS);
}
