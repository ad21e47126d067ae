//! A real browser opens the verification pages: headless Chromium loads the page served over
//! loopback, its rendered DOM is checked for the visible verdict, and a phone-sized screenshot
//! is saved under `tests/artifacts/` for a person to look at.
//!
//! Without Chromium the test fails when `CI` is set and is skipped (with a message) otherwise.

use crate::server_support;

use crate::server_support::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("which").arg(name).output().ok()?;
            out.status
                .success()
                .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
        })
}

/// Runs Chromium headless with `extra` args on `url`; returns its stdout.
fn run_chromium(bin: &Path, profile: &Path, extra: &[String], url: &str) -> String {
    let mut child = Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=412,915",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).ok();
        s
    });
    let t = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if t.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish in 90 s on {url}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    reader.join().unwrap()
}

/// The text of the verdict banner in a dumped DOM.
fn banner(dom: &str) -> (String, String) {
    let start = dom.find("id=\"verdict\"").expect("a verdict banner");
    let tag_start = dom[..start].rfind('<').unwrap();
    let verdict = dom[start..]
        .split("data-verdict=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or("")
        .to_owned();
    let end = dom[tag_start..].find("</section>").unwrap() + tag_start;
    let text = dom[tag_start..end]
        .split('<')
        .filter_map(|p| p.split_once('>').map(|(_, t)| t))
        .collect::<Vec<_>>()
        .join(" ");
    (verdict, text)
}

#[test]
fn chromium_shows_the_verdicts() {
    let Some(bin) = chromium() else {
        if std::env::var_os("CI").is_some() {
            panic!("chromium is not installed (scripts/test.sh installs it)");
        }
        eprintln!("SKIPPED: chromium not installed; `apt-get install chromium` to run this test");
        return;
    };
    let f = fixture();
    // Pages to open: (name, path, expected verdict, words the banner must show).
    let mut pages: Vec<(&str, String, &str, &str)> = vec![
        (
            "malformed-en",
            "/V/NOTACERTIFICATE?lang=en".into(),
            "malformed",
            "Not a readable certificate",
        ),
        (
            "malformed-zh",
            "/V/NOTACERTIFICATE?lang=zh".into(),
            "malformed",
            "无法识别的证书",
        ),
    ];
    pages.extend(server_support::browser_pages(&f.state));

    let srv = Loopback::start(f.state.clone());
    let base = srv.base();

    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let profile = tempfile::tempdir().unwrap();

    // The home page.
    let dom = run_chromium(
        &bin,
        profile.path(),
        &["--dump-dom".into()],
        &format!("{base}/?lang=en"),
    );
    assert!(dom.contains("Verify a skill certificate"), "{dom}");
    let shot = artifacts.join("browser-home.png");
    let _ = std::fs::remove_file(&shot);
    run_chromium(
        &bin,
        profile.path(),
        &[format!("--screenshot={}", shot.display())],
        &format!("{base}/?lang=en"),
    );
    assert!(
        std::fs::metadata(&shot)
            .map(|m| m.len() > 1000)
            .unwrap_or(false),
        "screenshot {shot:?}"
    );

    for (name, path, verdict, words) in &pages {
        let url = format!("{base}{path}");
        let dom = run_chromium(&bin, profile.path(), &["--dump-dom".into()], &url);
        let (v, text) = banner(&dom);
        assert_eq!(&v, verdict, "{name}: {text}");
        assert!(
            text.contains(words),
            "{name}: banner shows {text:?}, expected {words:?}"
        );
        let shot = artifacts.join(format!("browser-{name}.png"));
        let _ = std::fs::remove_file(&shot);
        run_chromium(
            &bin,
            profile.path(),
            &[format!("--screenshot={}", shot.display())],
            &url,
        );
        assert!(
            std::fs::metadata(&shot)
                .map(|m| m.len() > 1000)
                .unwrap_or(false),
            "screenshot {shot:?}"
        );
        eprintln!("{name}: {v} — screenshot {}", shot.display());
    }
    srv.stop();
}
