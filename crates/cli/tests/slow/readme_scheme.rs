//! The README's scheme demo ("Schemes: authorities, accreditation and a portal") runs as
//! written: its `sh` block is extracted and run with bash (`set -euo pipefail`) in an empty
//! folder with the built `skillcert` on PATH, on free ports instead of 8081/8082/8090; the
//! answers it prints are the ones its comments promise.

use std::process::Command;

/// The first ```sh block after the heading that starts with `heading`.
fn block_after(readme: &str, heading: &str) -> String {
    let start = readme.find(heading).expect("the README has the section");
    let rest = &readme[start..];
    let open = rest.find("```sh\n").expect("a sh block") + 6;
    let close = rest[open..].find("```").expect("a closed block");
    rest[open..open + close].to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
#[ignore = "needs jq and curl: scripts/test.sh installs it and runs the ignored tests"]
fn the_readme_scheme_demo_runs_as_written() {
    let readme = crate::read_text(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"));
    let mut script = block_after(&readme, "## Schemes");
    for port in ["8081", "8082", "8090"] {
        script = script.replace(
            &format!("127.0.0.1:{port}"),
            &format!("127.0.0.1:{}", free_port()),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_skillcert"));
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("set -euo pipefail\n{script}"))
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("SKILLCERT_DATA_DIR")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("HTTP 422"),
        "the welding institute's report is refused: {stderr}"
    );
    assert!(dir.path().join("register.csv").is_file());
    let verdicts: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("\"verdict\": \""))
        .map(|v| v.trim_end_matches("\","))
        .collect();
    assert_eq!(
        verdicts,
        ["valid", "valid", "untrusted_issuer", "untrusted_issuer"],
        "{stdout}"
    );
    for w in [
        "\"current_status\": \"active\"",
        "every one matches",
        "not accredited for program 6-25-04-08",
        "suspended from",
        "浙江省职业技能鉴定指导中心",
    ] {
        assert!(stdout.contains(w), "{w}: {stdout}");
    }
}
