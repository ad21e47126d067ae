//! An independent reader: `zbarimg` (Debian package zbar-tools) decodes our QR PNG to exactly
//! our QR text. Fails when zbarimg is missing and `CI` is set; skips with a message otherwise.

use crate::common;

use skillcert_qrimage::render;
use std::process::Command;

#[test]
fn zbarimg_reads_our_qr_text() {
    let available = Command::new("zbarimg").arg("--version").output().is_ok();
    if !available {
        if std::env::var_os("CI").is_some() {
            panic!("zbarimg is not installed (apt-get install -y zbar-tools)");
        }
        eprintln!("SKIPPED: zbarimg is not installed (apt-get install -y zbar-tools)");
        return;
    }
    let (dir, _issuer, issued) = common::reference();
    for module in [4, 8] {
        let path = dir.path().join(format!("qr-{module}.png"));
        std::fs::write(&path, render::to_png(&issued.qr_text, module).unwrap()).unwrap();
        let out = Command::new("zbarimg")
            .args(["--raw", "-q"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.status.success(), "zbarimg failed: {out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(
            text.trim_end_matches('\n'),
            issued.qr_text,
            "module {module}"
        );
    }
}
