//! The README as written: its "Try it" section's shell blocks run, in order, as one bash script
//! (`set -euo pipefail`) in a fresh folder with a fresh data dir and the built `skillcert` on
//! PATH. The one block that installs skillcert (`cargo install`) is the only one not run: the
//! test puts the binary it built on PATH instead.

use std::path::Path;
use std::process::Command;

/// The ```sh blocks under the README's `### Try it` heading, up to the next heading.
fn try_it_blocks(readme: &str) -> Vec<String> {
    let section = readme
        .split_once("\n### Try it\n")
        .expect("a \"### Try it\" section in README.md")
        .1;
    let end = section.find("\n#").unwrap_or(section.len());
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in section[..end].lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(b), "```") => {
                blocks.push(std::mem::take(b));
                current = None;
            }
            (Some(b), l) => {
                b.push_str(l);
                b.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an unclosed block in \"Try it\"");
    blocks
}

#[test]
#[ignore = "needs jq and curl: scripts/test.sh installs it and runs the ignored tests"]
fn the_readme_try_it_section_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = crate::read_text(root.join("README.md"));
    let blocks = try_it_blocks(&readme);
    let (install, run): (Vec<_>, Vec<_>) = blocks.iter().partition(|b| b.contains("cargo install"));
    assert_eq!(
        install.len(),
        1,
        "one block tells how to get skillcert on PATH"
    );
    assert!(run.len() >= 3, "{run:?}");
    let script = run
        .iter()
        .map(|b| b.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    // No placeholder to guess: every value comes from an earlier command.
    for line in script.lines() {
        let code = line.split(" #").next().unwrap_or("");
        for p in ["…", "CERT.", " URN", "<", "TODO"] {
            assert!(!code.contains(p), "placeholder {p:?} in: {line}");
        }
    }
    for needed in [
        "status/1.json",
        "status/2.json",
        "--public-reason",
        "skillcert revoke",
    ] {
        assert!(script.contains(needed), "the README shows {needed}");
    }
    // A fresh folder with the repository's test data, as in a clone.
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    std::os::unix::fs::symlink(root.join("testdata"), repo.join("testdata")).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_skillcert")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(&repo)
        .env("PATH", path)
        .env_remove("SKILLCERT_DATA_DIR")
        .env_remove("SKILLCERT_ACTOR")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the README's commands failed ({:?}):\n--- script\n{script}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    // "Try it" keeps its own issuer, apart from the demo issuer `serve` makes in skillcert-data.
    assert!(repo.join("try-it-data/registry.sqlite").is_file());
    assert!(!repo.join("skillcert-data").exists());
    // What the commands say they do, they did.
    assert!(stdout.contains("REVOKED"), "{stdout}");
    assert!(
        stdout.contains("The issuer's note: 考核舞弊 assessment fraud"),
        "{stdout}"
    );
    assert!(stdout.contains("now active"), "{stdout}");
    assert!(repo.join("status/2.json").is_file());
    assert!(repo.join("out/sheets").is_dir());
}
