//! The Rust half of the photo corpus (`scripts/photo-corpus.sh`):
//!
//! - `photo_corpus seed DIR [N]` issues the reference certificate N times (default 3, signed a
//!   day apart, so the QR patterns differ) with a fresh issuer in `DIR/issuer`, and writes each
//!   QR as printed (`DIR/qr-K.png`, 8 pixels a module) with its text (`DIR/qr-K.txt`);
//! - `photo_corpus read DIR` reads every photo listed in `DIR/manifest.tsv` (written by
//!   `scripts/photo_corpus.py`) with skillcert's reader and prints, for each, a line
//!   `file<TAB>ok|miss<TAB>milliseconds<TAB>error`, `ok` when it read exactly the expected text.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "tool code: a failed unwrap is a failed run; helpers are not an API"
)]
use skillcert::issuer::Issuer;
use skillcert::model::reference::reference_claims;
use skillcert_qrimage::{read, render};
use std::path::Path;
use std::time::Instant;

fn seed(dir: &Path, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/reference/reference-certificate.json"
    ))?;
    let claims = reference_claims(&bytes)?;
    let home = dir.join("issuer");
    let issuer = if Issuer::exists(&home) {
        Issuer::open(&home)?
    } else {
        Issuer::init(&home, &claims.issuer.name, claims.issuer.url.as_deref())?
    };
    let now = skillcert::issuer::now_secs();
    for k in 0..n {
        let at = now - chrono::Duration::days(k as i64);
        let issued = issuer.sign_all(claims.clone(), at)?;
        std::fs::write(
            dir.join(format!("qr-{k}.png")),
            render::to_png(&issued.qr_text, 8)?,
        )?;
        std::fs::write(dir.join(format!("qr-{k}.txt")), &issued.qr_text)?;
    }
    println!("wrote {n} QR codes to {}", dir.display());
    Ok(())
}

fn read_all(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv"))?;
    for line in manifest.lines().skip(1) {
        let mut cols = line.split('\t');
        let (Some(file), Some(text_file)) = (cols.next(), cols.next()) else {
            continue;
        };
        let want = std::fs::read_to_string(dir.join(text_file))?;
        let bytes = std::fs::read(dir.join(file))?;
        let t = Instant::now();
        let got = read::parse_image(&bytes);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let (ok, err) = match got {
            Ok(text) if text == want.trim() => ("ok", String::new()),
            Ok(text) => ("miss", format!("read another text: {text}")),
            Err(e) => ("miss", e.to_string()),
        };
        println!("{file}\t{ok}\t{ms:.1}\t{err}");
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [cmd, dir] if cmd == "seed" => seed(Path::new(dir), 3),
        [cmd, dir, n] if cmd == "seed" => seed(Path::new(dir), n.parse()?),
        [cmd, dir] if cmd == "read" => read_all(Path::new(dir)),
        _ => Err("usage: photo_corpus seed DIR [N] | photo_corpus read DIR".into()),
    }
}
