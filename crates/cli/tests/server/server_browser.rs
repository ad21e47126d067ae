//! A real browser opens the verification pages: headless Chromium loads the page served over
//! loopback, its rendered DOM is checked for the visible verdict, and a phone-sized screenshot
//! (412 px wide) is saved under `target/screenshots/` for a person to look at.
//!
//! Chromium runs with no CJK system font: a fontconfig of its own names only the system fonts
//! that have no Chinese (checked with `fc-list :lang=zh`), so Chinese text can only come from
//! the site's web fonts. Every character of every page must be in those fonts (checked with
//! ttf-parser on the fonts the page's style sheet names, fetched from the server): a missing
//! glyph would be a box on the screen.
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
fn run_chromium(fonts: &Path, bin: &Path, profile: &Path, extra: &[String], url: &str) -> String {
    let mut child = Command::new(bin)
        .env("FONTCONFIG_FILE", fonts)
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
            // Wait for the web fonts (virtual time runs until the page is idle).
            "--virtual-time-budget=10000",
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

/// A fontconfig file naming only the system fonts without Chinese (linked into `dir/fonts`),
/// and a check that fontconfig then knows no font for Chinese.
fn fonts_without_cjk(dir: &Path) -> PathBuf {
    let list = |args: &[&str], env: Option<&Path>| {
        let mut c = Command::new("fc-list");
        c.args(args);
        if let Some(f) = env {
            c.env("FONTCONFIG_FILE", f);
        }
        let out = c.output().expect("fc-list (package fontconfig) runs");
        assert!(out.status.success());
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let cjk = list(&[":lang=zh", "file"], None);
    let latin: Vec<String> = list(&[":lang=en", "file"], None)
        .into_iter()
        .filter(|f| !cjk.contains(f))
        .collect();
    assert!(!latin.is_empty(), "no system font for Latin text");
    let fonts = dir.join("fonts");
    std::fs::create_dir_all(&fonts).unwrap();
    for (i, f) in latin.iter().enumerate() {
        let f = f.trim().trim_end_matches(':');
        let name = Path::new(f).file_name().unwrap().to_string_lossy();
        std::os::unix::fs::symlink(f, fonts.join(format!("{i}-{name}"))).unwrap();
    }
    let conf = dir.join("fonts.conf");
    std::fs::write(
        &conf,
        format!(
            "<?xml version=\"1.0\"?><!DOCTYPE fontconfig SYSTEM \"fonts.dtd\"><fontconfig>\
             <dir>{}</dir><cachedir>{}</cachedir></fontconfig>",
            fonts.display(),
            dir.join("cache").display()
        ),
    )
    .unwrap();
    let left = list(&[":lang=zh", "file"], Some(&conf));
    assert!(left.is_empty(), "fonts with Chinese left: {left:?}");
    assert!(!list(&[":lang=en", "file"], Some(&conf)).is_empty());
    conf
}

/// The characters of a dumped DOM's visible text (tags, style sheet and entities removed).
fn visible_chars(dom: &str) -> std::collections::BTreeSet<char> {
    let body = dom.split_once("</style>").map_or(dom, |(_, b)| b);
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    for (e, c) in [
        ("&amp;", "&"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
    ] {
        text = text.replace(e, c);
    }
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The code points a font maps (a WOFF 1.0 file is unpacked to its sfnt tables first).
fn font_chars(bytes: &[u8]) -> std::collections::BTreeSet<char> {
    let sfnt = if bytes.starts_with(b"wOFF") {
        unwoff(bytes)
    } else {
        bytes.to_vec()
    };
    let face = ttf_parser::Face::parse(&sfnt, 0).expect("a font");
    let mut set = std::collections::BTreeSet::new();
    for t in face.tables().cmap.unwrap().subtables {
        if t.is_unicode() {
            t.codepoints(|cp| {
                if let Some(c) = char::from_u32(cp) {
                    if t.glyph_index(cp).is_some_and(|g| g.0 != 0) {
                        set.insert(c);
                    }
                }
            });
        }
    }
    set
}

/// WOFF 1.0 to sfnt: the tables, inflated where compressed, behind a new table directory.
fn unwoff(w: &[u8]) -> Vec<u8> {
    let u16at = |i: usize| u16::from_be_bytes([w[i], w[i + 1]]);
    let u32at = |i: usize| u32::from_be_bytes(w[i..i + 4].try_into().unwrap());
    let n = u16at(12) as usize;
    let mut tables = Vec::new();
    for k in 0..n {
        let e = 44 + 20 * k;
        let (tag, off, clen, olen, sum) = (
            u32at(e),
            u32at(e + 4) as usize,
            u32at(e + 8) as usize,
            u32at(e + 12) as usize,
            u32at(e + 16),
        );
        let raw = &w[off..off + clen];
        let data = if clen < olen {
            let mut d = Vec::with_capacity(olen);
            std::io::Read::read_to_end(&mut flate2::read::ZlibDecoder::new(raw), &mut d).unwrap();
            d
        } else {
            raw.to_vec()
        };
        tables.push((tag, sum, data));
    }
    let mut out = Vec::new();
    out.extend_from_slice(&w[4..8]); // flavor
    out.extend_from_slice(&(n as u16).to_be_bytes());
    out.extend_from_slice(&[0; 6]); // searchRange etc. (ttf-parser does not read them)
    let mut offset = 12 + 16 * n;
    let mut body = Vec::new();
    for (tag, sum, data) in &tables {
        out.extend_from_slice(&tag.to_be_bytes());
        out.extend_from_slice(&sum.to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        offset = 12 + 16 * n + body.len();
    }
    out.extend_from_slice(&body);
    out
}

/// The fonts a page's style sheet names (`url(/assets/…)`), fetched from the server.
fn page_fonts(base: &str, dom: &str) -> Vec<(String, std::collections::BTreeSet<char>)> {
    let css = dom
        .split_once("<style>")
        .and_then(|(_, r)| r.split_once("</style>"))
        .unwrap()
        .0;
    css.split("url(")
        .skip(1)
        .map(|r| r.split(')').next().unwrap().to_owned())
        .map(|path| {
            let bytes = http_get(&format!("{base}{path}"));
            (path, font_chars(&bytes))
        })
        .collect()
}

fn http_get(url: &str) -> Vec<u8> {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    use std::io::{Read, Write};
    write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&buf[..split]).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{url}: {head}");
    assert!(
        head.contains("cache-control: public, max-age=31536000, immutable"),
        "{head}"
    );
    buf[split + 4..].to_vec()
}

#[test]
#[ignore = "needs Chromium and fc-list: scripts/test.sh installs it and runs the ignored tests"]
fn chromium_shows_the_verdicts_with_every_glyph() {
    let Some(bin) = chromium() else {
        panic!("chromium is not installed (apt-get install chromium, or run scripts/test.sh)");
    };
    let f = fixture();
    // Pages to open: (name, path, expected verdict, words the banner must show).
    let mut pages: Vec<(String, String, &str, &str)> = vec![
        (
            "malformed-en".into(),
            "/V/NOTACERTIFICATE?lang=en".into(),
            "malformed",
            "Not a readable certificate",
        ),
        (
            "malformed-zh".into(),
            "/V/NOTACERTIFICATE?lang=zh".into(),
            "malformed",
            "无法识别的证书",
        ),
    ];
    pages.extend(server_support::browser_pages(&f.state));
    let srv = Loopback::start(f.state.clone());
    let base = srv.base();
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let fonts = fonts_without_cjk(tmp.path());
    let profile = tmp.path().join("profile");
    let mut served: Option<Vec<(String, std::collections::BTreeSet<char>)>> = None;
    let mut check_page = |name: &str, url: &str| -> String {
        let dom = run_chromium(&fonts, &bin, &profile, &["--dump-dom".into()], url);
        let fonts_of_page = served.get_or_insert_with(|| page_fonts(&base, &dom));
        let missing: Vec<char> = visible_chars(&dom)
            .into_iter()
            .filter(|c| !fonts_of_page.iter().any(|(_, set)| set.contains(c)))
            .collect();
        assert!(
            missing.is_empty(),
            "{name}: no glyph in the served fonts for {missing:?}"
        );
        // The page's own words (everything but the certificate's data) are in the small font.
        let ui = &fonts_of_page[0].1;
        let words: Vec<char> = visible_chars(&strip_data(&dom))
            .into_iter()
            .filter(|c| !ui.contains(c))
            .collect();
        assert!(
            words.is_empty(),
            "{name}: not in the UI font {}: {words:?}",
            fonts_of_page[0].0
        );
        let shot = shots.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&shot);
        run_chromium(
            &fonts,
            &bin,
            &profile,
            &[format!("--screenshot={}", shot.display())],
            url,
        );
        let size = std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0);
        assert!(size > 1000, "screenshot {shot:?}");
        eprintln!("{name}: screenshot {}", shot.display());
        dom
    };
    for lang in ["zh", "en"] {
        let dom = check_page(&format!("home-{lang}"), &format!("{base}/?lang={lang}"));
        assert!(dom.contains("<form"), "{dom}");
    }
    for (name, path, verdict, words) in &pages {
        let dom = check_page(name, &format!("{base}{path}"));
        let (v, text) = banner(&dom);
        assert_eq!(&v, verdict, "{name}: {text}");
        assert!(
            text.contains(words),
            "{name}: banner shows {text:?}, expected {words:?}"
        );
        assert!(dom.contains("<details>"), "{name}: the checks are folded");
    }
    // The Chinese text really is drawn with the served font: with web fonts disabled the same
    // page shows boxes (saved as `valid-zh-no-web-fonts.png`), so it looks different.
    let (_, path, _, _) = pages.iter().find(|p| p.0 == "valid-zh").unwrap();
    let blocked = shots.join("valid-zh-no-web-fonts.png");
    let _ = std::fs::remove_file(&blocked);
    let args = [
        "--disable-remote-fonts".into(),
        format!("--screenshot={}", blocked.display()),
    ];
    run_chromium(&fonts, &bin, &profile, &args, &format!("{base}{path}"));
    let changed = changed_share(&shots.join("valid-zh.png"), &blocked);
    assert!(changed > 0.02, "the web fonts change nothing ({changed})");
    // status_unknown: the issuer's status lists cannot be read.
    server_support::break_status_lists(f.dir.path());
    let (_, valid_path, _, _) = pages.iter().find(|p| p.0 == "valid-zh").unwrap();
    let path = valid_path.split('?').next().unwrap();
    for (lang, words) in [("zh", "状态未知"), ("en", "Status unknown")] {
        let name = format!("status_unknown-{lang}");
        let dom = check_page(&name, &format!("{base}{path}?lang={lang}"));
        let (v, text) = banner(&dom);
        assert_eq!(v, "status_unknown", "{name}: {text}");
        assert!(text.contains(words), "{name}: {text}");
    }
    srv.stop();
}

/// The share of pixels that differ between two screenshots of the same size.
fn changed_share(a: &Path, b: &Path) -> f64 {
    let a = image::open(a).unwrap().to_rgb8();
    let b = image::open(b).unwrap().to_rgb8();
    assert_eq!(a.dimensions(), b.dimensions());
    let differ = a.pixels().zip(b.pixels()).filter(|(x, y)| x != y).count();
    differ as f64 / f64::from(a.width() * a.height())
}

/// The DOM without the certificate's own data: the claim values (`<dd>`), the check reasons
/// (they quote the issuer's name) and the reasons the issuer published (the fixture's), which
/// may hold any character.
fn strip_data(dom: &str) -> String {
    let mut out = dom.to_owned();
    for published in ["考核舞弊 assessment fraud", "复核中 under review"] {
        out = out.replace(published, "");
    }
    for (open, close) in [("<dd>", "</dd>"), ("<table>", "</table>")] {
        while let Some(a) = out.find(open) {
            let b = out[a..]
                .find(close)
                .map_or(out.len(), |b| a + b + close.len());
            out.replace_range(a..b, "");
        }
    }
    out
}
