//! `verify --batch` on every core: the same verdicts, in the same order, as verifying each
//! line alone (valid, tampered, revoked, expired, not yet valid, malformed, untrusted lines, in
//! all three forms, over many chunks); and memory that stays bounded on a large input
//! streamed through stdin.

use assert_cmd::Command;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;

fn cli(data: &Path) -> Command {
    let mut c = Command::cargo_bin("skillcert").unwrap();
    c.arg("--data-dir").arg(data);
    c
}

fn init(data: &Path, name: &str, url: &str) {
    cli(data)
        .args(["init", "--name", name, "--base-url", url])
        .assert()
        .success();
}

/// Issues one certificate; its `issue --json` answer.
fn issue(data: &Path, out: &Path, holder: &str, extra: &[&str]) -> Value {
    let o = cli(data)
        .args([
            "--json",
            "issue",
            "--holder",
            holder,
            "--program",
            "焊工 Welder",
        ])
        .args(["--level", "3", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    serde_json::from_slice(&o.stdout).unwrap()
}

fn token(v: &Value) -> String {
    crate::read_text(v["files"]["token"].as_str().unwrap())
        .trim()
        .to_owned()
}

/// One line per kind of input, all distinct.
fn inputs(dir: &Path) -> (std::path::PathBuf, Vec<String>) {
    let (data, other) = (dir.join("data"), dir.join("other"));
    let out = dir.join("out");
    init(
        &data,
        "批量测试中心 Batch Centre",
        "https://verify.example.cn",
    );
    init(&other, "Elsewhere", "https://elsewhere.example.org");
    let valid = issue(&data, &out, "张三", &[]);
    let revoked = issue(&data, &out, "李四", &[]);
    let id = revoked["credential_id"].as_str().unwrap();
    cli(&data)
        .args(["revoke", id, "--reason", "fraud"])
        .assert()
        .success();
    let expired = issue(
        &data,
        &out,
        "王五",
        &["--valid-from", "2001-01-01T00:00:00Z", "--valid-years", "2"],
    );
    let future = issue(
        &data,
        &out,
        "赵六",
        &["--valid-from", "2099-01-01T00:00:00Z", "--valid-years", "3"],
    );
    let untrusted = issue(&other, &dir.join("out2"), "钱七", &[]);
    let doc: Value = serde_json::from_slice(&crate::read_file(
        valid["files"]["document"].as_str().unwrap(),
    ))
    .unwrap();
    let t = token(&valid);
    // Another signature: a character in the middle of the signature part changed.
    let mut tampered = t.clone().into_bytes();
    let at = t.rfind('.').unwrap() + 20;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let qr = valid["qr_text"].as_str().unwrap().to_owned();
    let lines = vec![
        t,
        String::from_utf8(tampered).unwrap(),
        qr.clone(),
        serde_json::to_string(&doc).unwrap(),
        token(&revoked),
        revoked["qr_text"].as_str().unwrap().to_owned(),
        token(&expired),
        token(&future),
        token(&untrusted),
        untrusted["qr_text"].as_str().unwrap().to_owned(),
        "not a certificate".to_owned(),
        qr[..qr.len() - 5].to_owned(),
        "eyJhbGciOiJFZERTQSJ9.e30.AA".to_owned(),
    ];
    (data, lines)
}

/// The report without what depends on the path: `line`, and the `line N: ` that a batch puts
/// before an unreadable line's reasons.
fn comparable(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    o.remove("line");
    for c in o["checks"].as_array_mut().unwrap() {
        let r = c["reason"].as_str().unwrap();
        let r = match r.strip_prefix("line ") {
            Some(rest) => rest.split_once(": ").unwrap().1.to_owned(),
            None => r.to_owned(),
        };
        c["reason"] = r.into();
    }
    v
}

#[test]
fn batch_verdicts_are_the_one_at_a_time_verdicts_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (data, kinds) = inputs(dir.path());
    // Each kind verified alone, from a file of its own.
    let alone: Vec<(i32, Value)> = kinds
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let file = dir.path().join(format!("kind{i}.txt"));
            std::fs::write(&file, l).unwrap();
            let o = cli(&data)
                .args(["--json", "verify"])
                .arg(&file)
                .output()
                .unwrap();
            let v: Value = serde_json::from_slice(&o.stdout).unwrap();
            (o.status.code().unwrap(), comparable(v))
        })
        .collect();
    let verdicts: Vec<&str> = alone
        .iter()
        .map(|(_, v)| v["verdict"].as_str().unwrap())
        .collect();
    for want in [
        "valid",
        "bad_signature",
        "revoked",
        "expired",
        "not_yet_valid",
        "untrusted_issuer",
        "malformed",
    ] {
        assert!(verdicts.contains(&want), "no {want} among {verdicts:?}");
    }
    // 700 lines (several chunks per worker), the kinds in a scrambled order, blank lines kept.
    let order: Vec<usize> = (0..700).map(|i| (i * 7 + i / 13) % kinds.len()).collect();
    let mut text = String::new();
    for (n, &k) in order.iter().enumerate() {
        text.push_str(&kinds[k]);
        text.push('\n');
        if n % 97 == 0 {
            text.push('\n');
        }
    }
    let o = cli(&data)
        .args(["verify", "--batch", "-"])
        .write_stdin(text.clone())
        .output()
        .unwrap();
    let got: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), order.len());
    let line_of: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, _)| i + 1)
        .collect();
    let mut code = 0;
    for ((g, &k), &line) in got.into_iter().zip(&order).zip(&line_of) {
        assert_eq!(g["line"], line, "out of order");
        assert_eq!(comparable(g), alone[k].1, "line {line}: {}", kinds[k]);
        code = code.max(alone[k].0);
    }
    assert_eq!(o.status.code(), Some(code));
}

/// Peak resident memory of a running process, from `/proc` (kB).
fn peak_kb(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[test]
fn large_streamed_input_runs_in_bounded_memory() {
    const LINES: usize = 200_000;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    init(&data, "Stream Centre", "https://verify.example.cn");
    let t = token(&issue(&data, &dir.path().join("out"), "孙八", &[]));
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("skillcert"))
        .arg("--data-dir")
        .arg(&data)
        .args(["verify", "--batch", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    // About 2 KB a line, 400 MB in all, made on the fly: a valid token every 1000 lines, the
    // rest unreadable (cheap to judge, so the volume is what is tested).
    let writer = std::thread::spawn(move || {
        let junk = format!("{}\n", "x".repeat(2000));
        let tok = format!("{t}\n");
        for i in 0..LINES {
            let line = if i % 1000 == 0 { &tok } else { &junk };
            stdin.write_all(line.as_bytes()).unwrap();
        }
    });
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut n, mut valid) = (0usize, 0usize);
        for l in BufReader::new(stdout).lines() {
            let v: Value = serde_json::from_str(&l.unwrap()).unwrap();
            n += 1;
            assert_eq!(v["line"], n, "out of order");
            let want = if (n - 1) % 1000 == 0 {
                "valid"
            } else {
                "malformed"
            };
            assert_eq!(v["verdict"], want, "line {n}");
            valid += usize::from(want == "valid");
        }
        (n, valid)
    });
    let mut peak = 0;
    while !reader.is_finished() {
        peak = peak.max(peak_kb(pid).unwrap_or(0));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    writer.join().unwrap();
    assert_eq!(reader.join().unwrap(), (LINES, LINES / 1000));
    assert_eq!(child.wait().unwrap().code(), Some(2));
    // The input is 400 MB; what is in flight at once is a few MB.
    assert!(peak > 0, "no reading of VmHWM");
    assert!(peak < 100 * 1024, "peak RSS {peak} kB");
    eprintln!("peak RSS {peak} kB for {LINES} lines");
}
