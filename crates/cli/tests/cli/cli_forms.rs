//! CLI: `issue` writes every form; `verify` reads tokens and QR URLs inline or from files, QR
//! images, and `--batch` lines; unreadable input is `malformed` with exit 2 and a message.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn cli(data: &Path) -> Command {
    let mut c = Command::cargo_bin("skillcert").unwrap();
    c.arg("--data-dir").arg(data);
    c
}

fn issue(data: &Path, out: &Path) -> Value {
    cli(data)
        .args([
            "init",
            "--name",
            "测试鉴定中心 Test Centre",
            "--base-url",
            "https://verify.example.cn",
        ])
        .assert()
        .success();
    let o = cli(data)
        .args([
            "--json",
            "issue",
            "--holder",
            "李四",
            "--holder-latin",
            "Li Si",
        ])
        .args([
            "--program",
            "焊工 Welder",
            "--program-code",
            "6-29-03-01",
            "--level",
            "3",
        ])
        .args([
            "--holder-id",
            "110101199003071233",
            "--module-size",
            "4",
            "--out",
        ])
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    serde_json::from_slice(&o.stdout).unwrap()
}

fn verify_json(data: &Path, args: &[&str]) -> (i32, Vec<Value>) {
    let o = cli(data)
        .arg("--json")
        .arg("verify")
        .args(args)
        .output()
        .unwrap();
    let reports = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (o.status.code().unwrap(), reports)
}

#[test]
fn issue_writes_every_form_and_verify_reads_them() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("data"), dir.path().join("out"));
    let j = issue(&data, &out);
    let files = j["files"].as_object().unwrap();
    for k in ["document", "token", "qr_png", "qr_svg", "certificate"] {
        assert!(Path::new(files[k].as_str().unwrap()).is_file(), "{k}");
    }
    let qr_text = j["qr_text"].as_str().unwrap();
    assert!(qr_text.starts_with("HTTPS://VERIFY.EXAMPLE.CN/V/"));
    let html = crate::read_text(files["certificate"].as_str().unwrap());
    for want in [
        "李四",
        "Li Si",
        "焊工 Welder",
        "三级/高级工",
        "Senior",
        "<svg",
        "测试鉴定中心",
    ] {
        assert!(html.contains(want), "{want}");
    }
    assert!(!html.contains("<?xml"));
    let png = image::open(files["qr_png"].as_str().unwrap()).unwrap();
    let version_width = (png.width() / 4) - 8;
    assert_eq!(
        (version_width - 17) % 4,
        0,
        "4 px modules, 4-module quiet zone"
    );

    let token = crate::read_text(files["token"].as_str().unwrap());
    let token = token.trim();
    let cases = [
        (files["document"].as_str().unwrap(), "document"),
        (files["token"].as_str().unwrap(), "token"),
        (token, "token"),
        (qr_text, "qr"),
        (files["qr_png"].as_str().unwrap(), "qr"),
    ];
    let mut ids = vec![];
    for (input, format) in cases {
        let (code, r) = verify_json(&data, &[input]);
        assert_eq!(code, 0, "{format}: {r:?}");
        assert_eq!(r[0]["verdict"], "valid");
        assert_eq!(r[0]["format"], format);
        assert_eq!(r[0]["holder"], "李四");
        ids.push(r[0]["credential_id"].clone());
    }
    assert!(ids.windows(2).all(|w| w[0] == w[1]));
}

#[test]
fn batch_streams_one_verdict_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("data"), dir.path().join("out"));
    let j = issue(&data, &out);
    let token = crate::read_text(j["files"]["token"].as_str().unwrap());
    let qr = j["qr_text"].as_str().unwrap();
    let lines = format!(
        "{}\n\n{qr}\nnot a certificate\n{}\n",
        token.trim(),
        &qr[..qr.len() - 5]
    );
    let batch = dir.path().join("batch.txt");
    std::fs::write(&batch, &lines).unwrap();
    let o = cli(&data)
        .args(["verify", "--batch"])
        .arg(&batch)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let got: Vec<Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(u64, &str, &str)> = got
        .iter()
        .map(|v| {
            (
                v["line"].as_u64().unwrap(),
                v["verdict"].as_str().unwrap(),
                v["format"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "valid", "token"),
            (3, "valid", "qr"),
            (4, "malformed", "document"),
            (5, "malformed", "qr")
        ]
    );
    assert!(got[3]["checks"][0]["reason"]
        .as_str()
        .unwrap()
        .starts_with("line 5: "));

    // From stdin, only valid lines: exit 0.
    cli(&data)
        .args(["verify", "--batch", "-"])
        .write_stdin(format!("{qr}\n{}\n", token.trim()))
        .assert()
        .code(0);
}

#[test]
fn unreadable_qr_inputs_are_malformed_exit_2_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (data, out) = (dir.path().join("data"), dir.path().join("out"));
    let j = issue(&data, &out);
    let qr = j["qr_text"].as_str().unwrap().to_owned();
    let (prefix, digits) = qr.split_at(qr.find("/V/").unwrap() + 3);
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        p.display().to_string()
    };
    let oversized = format!("{prefix}{}", "1".repeat(9000));
    let blank = {
        let img = image::GrayImage::from_pixel(64, 64, image::Luma([255]));
        let mut c = std::io::Cursor::new(Vec::new());
        img.write_to(&mut c, image::ImageFormat::Png).unwrap();
        write("blank.png", &c.into_inner())
    };
    let png = crate::read_file(j["files"]["qr_png"].as_str().unwrap());
    let cases = [
        (
            "truncated QR text",
            format!("{prefix}{}", &digits[..digits.len() - 1]),
        ),
        ("oversized QR text", oversized),
        (
            "wrong alphabet",
            format!("{prefix}{}A{}", &digits[..10], &digits[11..]),
        ),
        ("non-QR image", blank),
        ("truncated image", write("half.png", &png[..png.len() / 3])),
        ("oversized file", write("big.png", &vec![0u8; 9 << 20])),
    ];
    for (name, input) in cases {
        let o = cli(&data).arg("verify").arg(&input).output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{name}: {o:?}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!text.contains("panicked"), "{name}");
        assert!(
            text.contains("MALFORMED") || text.contains("limit"),
            "{name}: {text}"
        );
    }
}
