//! Issue 10 (adversarial review), status and data-dir findings, through the `skillcert` binary:
//!
//! - 4: the status cache follows HTTP caching (`max-age`, `ETag` revalidation).
//! - 6: status URLs are fetched only for trusted, well-signed credentials, and only from an
//!   origin the trust list allows for the issuer.
//! - 8: `--status` files cannot hide what the issuer's own registry knows; the data dir is
//!   private whatever the umask.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn cmd(data: &Path) -> Command {
    let mut c = Command::cargo_bin("skillcert").unwrap();
    c.arg("--data-dir")
        .arg(data)
        .env_remove("SKILLCERT_DATA_DIR")
        .env("USER", "tester");
    c
}

#[cfg(unix)]
#[test]
fn finding_8_data_dir_private_under_umask_000() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let bin = assert_cmd::cargo::cargo_bin("skillcert");
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"umask 000; exec "$0" "$@""#)
        .arg(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args(["init", "--name", "Umask Centre"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Issue one certificate, also under umask 000, so the registry has been written to.
    let o = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"umask 000; exec "$0" "$@""#)
        .arg(&bin)
        .arg("--data-dir")
        .arg(&data)
        .args([
            "issue",
            "--holder",
            "王晓明",
            "--program",
            "Welder",
            "--level",
            "3",
        ])
        .arg("--out")
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700, "data dir");
    assert_eq!(mode(&data.join("keys")), 0o700, "keys dir");
    let mut files = 0;
    for dir in [data.clone(), data.join("keys")] {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                files += 1;
                assert_eq!(mode(&p), 0o600, "{}", p.display());
            }
        }
    }
    // config.json, registry.sqlite (and its WAL files), keys/key-1.secret at least.
    assert!(files >= 3, "{files}");
    assert_eq!(mode(&data.join("config.json")), 0o600);
}
