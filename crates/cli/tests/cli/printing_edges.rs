//! Security finding 10 ("printing edges"), items 2 and 3: `settings` stores only what printing
//! can use (images that decode within printing's limits; organisation names of bounded length,
//! under the name rules, in the fonts), and every file the CLI writes is owner-only whatever
//! the umask.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn cli(data: &Path) -> Command {
    let mut c = Command::cargo_bin("skillcert").unwrap();
    c.arg("--data-dir")
        .arg(data)
        .env_remove("SKILLCERT_DATA_DIR");
    c
}

/// Exit code and stderr.
fn run(c: &mut Command) -> (i32, String) {
    let o = c.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(!err.contains("panicked"), "{err}");
    (o.status.code().unwrap(), err)
}

fn init(data: &Path) {
    let (code, err) = run(cli(data).args(["init", "--name", "绍兴市职业技能鉴定指导中心"]));
    assert_eq!(code, 0, "{err}");
}

fn png(path: &Path, w: u32, h: u32) {
    image::RgbaImage::from_pixel(w, h, image::Rgba([200, 20, 20, 128]))
        .save(path)
        .unwrap();
}

#[test]
fn finding_10_settings_refuses_what_printing_cannot_use_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data);
    let config = || crate::read_file(data.join("config.json"));
    let before = config();
    // PNG and JPEG signatures over bytes no decoder reads.
    let bad_png = dir.path().join("bad.png");
    std::fs::write(&bad_png, [&b"\x89PNG\r\n\x1a\n"[..], &[0x42; 600]].concat()).unwrap();
    let bad_jpeg = dir.path().join("bad.jpg");
    std::fs::write(&bad_jpeg, [&b"\xff\xd8\xff"[..], &[0x42; 600]].concat()).unwrap();
    // Decodable, but wider than printing's limit (16,384 pixels a side).
    let wide = dir.path().join("wide.png");
    png(&wide, 16_385, 1);
    let long = "鉴".repeat(5_000);
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--seal".into(), bad_png.display().to_string()],
            "--seal",
        ),
        (
            vec!["--logo".into(), bad_jpeg.display().to_string()],
            "--logo",
        ),
        (vec!["--seal".into(), wide.display().to_string()], "--seal"),
        (
            vec!["--organisation".into(), long.clone()],
            "--organisation",
        ),
        (
            vec!["--organisation".into(), "绍兴\u{202E}中心".into()],
            "--organisation",
        ),
        (
            vec!["--organisation".into(), "绍兴\u{7}中心".into()],
            "--organisation",
        ),
        (
            vec!["--organisation".into(), "张\u{2000B}鉴定中心".into()],
            "--organisation",
        ),
        // A good change given with a bad one: neither is stored.
        (
            vec![
                "--number-prefix".into(),
                "ZZ".into(),
                "--organisation".into(),
                long,
            ],
            "--organisation",
        ),
        (
            vec![
                "--id-number".into(),
                "masked".into(),
                "--seal".into(),
                bad_png.display().to_string(),
            ],
            "--seal",
        ),
    ];
    for (args, option) in &cases {
        let (code, err) = run(cli(&data).arg("settings").args(args));
        assert_eq!(code, 1, "{args:?} accepted");
        assert!(err.contains(option), "{args:?}: the option is named: {err}");
        assert!(err.len() < 2_000, "{args:?}: a short error: {err}");
        assert_eq!(config(), before, "{args:?}: nothing stored");
    }
    let (_, err) = run(cli(&data).args(["settings", "--organisation", "张\u{2000B}鉴定中心"]));
    assert!(err.contains("U+2000B"), "the character is named: {err}");
    // Issuing still works (with the PDF), and good settings are taken.
    let seal = dir.path().join("seal.png");
    png(&seal, 200, 200);
    let (code, err) = run(cli(&data)
        .args([
            "settings",
            "--organisation",
            " 绍兴市职业技能鉴定指导中心（评价机构） ",
        ])
        .arg("--seal")
        .arg(&seal));
    assert_eq!(code, 0, "{err}");
    let c: Value = serde_json::from_slice(&config()).unwrap();
    assert_eq!(
        c["print"]["organisation"],
        "绍兴市职业技能鉴定指导中心（评价机构）"
    );
    let (code, err) = run(cli(&data)
        .args(["issue", "--holder", "王晓明", "--program", "焊工 Welder"])
        .args(["--level", "3", "--out"])
        .arg(dir.path().join("out")));
    assert_eq!(code, 0, "{err}");
}

/// The skillcert binary run with umask 000.
fn lax(data: &Path) -> std::process::Command {
    let mut c = std::process::Command::new("sh");
    c.arg("-c")
        .arg(r#"umask 000; exec "$0" "$@""#)
        .arg(assert_cmd::cargo::cargo_bin("skillcert"))
        .arg("--data-dir")
        .arg(data)
        .env_remove("SKILLCERT_DATA_DIR");
    c
}

fn ok(c: &mut std::process::Command) {
    let o = c.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Every file and folder under `root` (itself included), with its mode.
#[cfg(unix)]
fn modes(root: &Path) -> Vec<(PathBuf, bool, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(p) = stack.pop() {
        let m = std::fs::symlink_metadata(&p).unwrap();
        out.push((p.clone(), m.is_dir(), m.permissions().mode() & 0o777));
        if m.is_dir() {
            for e in crate::read_dir(&p) {
                stack.push(e.unwrap().path());
            }
        }
    }
    out
}

#[cfg(unix)]
fn assert_owner_only(root: &Path, at_least_files: usize) {
    let all = modes(root);
    for (p, is_dir, mode) in &all {
        let want = if *is_dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, want, "{}: {mode:o}", p.display());
    }
    let files = all.iter().filter(|(_, d, _)| !d).count();
    assert!(files >= at_least_files, "{}: {files} files", root.display());
}

#[cfg(unix)]
#[test]
fn finding_10_every_file_written_is_owner_only_under_umask_000() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(lax(&data).args(["init", "--name", "Umask Centre"]));
    // issue: every format, with an ID (so a holder's copy too).
    let out = dir.path().join("out");
    ok(lax(&data)
        .args([
            "issue",
            "--holder",
            "王晓明",
            "--holder-id",
            "330602199001011231",
        ])
        .args(["--program", "焊工 Welder", "--level", "3"])
        .args([
            "--formats",
            "document,token,qr-png,qr-svg,html,pdf,holder-copy",
        ])
        .arg("--out")
        .arg(&out));
    assert_owner_only(&out, 7);
    // issue-batch, with print sheets (a folder of its own).
    let roster = dir.path().join("roster.csv");
    std::fs::write(
        &roster,
        "holder_name,national_id,program_name,level_framework,level\n\
         李娜,330602199203154329,焊工 Welder,cn-nvq,3\n\
         张伟,,焊工 Welder,cn-nvq,4\n",
    )
    .unwrap();
    let batch_out = dir.path().join("batch").join("out");
    ok(lax(&data)
        .arg("issue-batch")
        .arg(&roster)
        .arg("--out")
        .arg(&batch_out)
        .args([
            "--formats",
            "document,token,qr-png,qr-svg,html,pdf,holder-copy",
        ])
        .args(["--print-sheets", "1"]));
    assert_owner_only(&dir.path().join("batch"), 2 * 6 + 1 + 2);
    // The exports: status lists, the trust list, a register's export.
    let status = dir.path().join("status");
    ok(lax(&data).args(["status", "export", "--out"]).arg(&status));
    assert_owner_only(&status, 2);
    let trust = dir.path().join("trust.json");
    ok(lax(&data).args(["trust", "export", "--out"]).arg(&trust));
    assert_owner_only(&trust, 1);
    let register = dir.path().join("register.csv");
    ok(lax(&dir.path().join("portal"))
        .args(["register", "export", "--format", "csv", "--out"])
        .arg(&register));
    assert_owner_only(&register, 1);
    let authority = dir.path().join("authority");
    ok(lax(&authority).args(["authority", "init", "--name", "Umask Authority"]));
    let scheme = dir.path().join("scheme.json");
    ok(lax(&authority)
        .args(["authority", "publish", "--out"])
        .arg(&scheme));
    assert_owner_only(&scheme, 1);
    // The data dirs too (finding 8), after all of the above.
    for d in [&data, &dir.path().join("portal"), &authority] {
        assert_owner_only(d, 2);
    }
}

#[test]
fn finding_10_issue_refuses_an_unprintable_name_even_without_a_pdf() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    init(&data);
    let out = tmp.path().join("out");
    for formats in ["document", "token", "document,token,qr-png"] {
        let (code, err) = run(cli(&data)
            .args([
                "issue",
                "--holder",
                "张𠀋",
                "--program",
                "焊工",
                "--program-code",
                "6-25-04-08",
                "--level",
                "3",
                "--formats",
                formats,
                "--out",
            ])
            .arg(&out));
        assert_eq!(code, 1, "{formats}: {err}");
        assert!(err.contains("U+2000B"), "{formats}: {err}");
    }
    let reg = skillcert_store::issuer_db::IssuerDb::open(&data).unwrap();
    assert!(reg.ids().unwrap().is_empty(), "nothing recorded");
    // A roster row the same way, by line and column, without a PDF.
    let roster = tmp.path().join("r.csv");
    std::fs::write(
        &roster,
        "holder_name,program_code,program_name,level_framework,level\n张𠀋,6-25-04-08,焊工,cn-nvq,3\n王晓明,6-25-04-08,焊工,cn-nvq,3\n",
    )
    .unwrap();
    let (code, err) = run(cli(&data)
        .args(["issue-batch", "--formats", "document", "--out"])
        .arg(&out)
        .arg(&roster));
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("line 2") && err.contains("holder_name"),
        "{err}"
    );
    assert_eq!(reg.ids().unwrap().len(), 1, "the good row only");
}
