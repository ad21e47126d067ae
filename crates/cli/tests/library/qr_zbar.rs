//! An independent reader: `zbarimg` (Debian package zbar-tools) decodes our QR PNG to exactly
//! our QR text. Ignored by a plain `cargo test`; `scripts/test.sh` installs zbarimg and runs it,
//! and then a missing zbarimg fails the test.

use crate::common;

use skillcert_qrimage::render;
use std::process::Command;

#[test]
#[ignore = "needs zbarimg (zbar-tools): scripts/test.sh installs it and runs the ignored tests"]
fn zbarimg_reads_our_qr_text() {
    let available = Command::new("zbarimg").arg("--version").output().is_ok();
    assert!(
        available,
        "zbarimg is not installed (apt-get install -y zbar-tools, or run scripts/test.sh)"
    );
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
