//! Photos of the printed QR: skillcert reads every photo zxing-cpp reads.
//!
//! `scripts/photo_corpus.py` (Pillow, numpy) makes a deterministic corpus of 60 degraded photos
//! of the reference certificate's QR as printed (perspective, rotation, scale down to 0.45,
//! uneven light, noise, blur, low contrast, JPEG 35-80; each degradation at its extreme in
//! turn), three full A4 pages photographed at 3000 x 4000 and three screenshots of the
//! verification page; zxing-cpp (pip `zxing-cpp`) reads them as the yardstick. Every photo
//! zxing-cpp reads must be read by skillcert to exactly the QR text, and verify `valid`; a
//! photo only skillcert reads must give the same text too. The Python modules are installed by
//! `scripts/test.sh` (`scripts/python-tooling.sh`); when they are missing this test fails.

use crate::common;

use skillcert::model::parse_time;
use skillcert::qr::vectors::VERIFY_AT;
use skillcert::trust::TrustList;
use skillcert::verify::{Verdict, Verifier};
use skillcert_qrimage::parse_bytes;
use skillcert_qrimage::{read, render};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/photo_corpus.py");

fn python(args: &[&str], dir: &Path) -> String {
    let out = Command::new("python3")
        .arg(SCRIPT)
        .args(args)
        .arg(dir)
        .output()
        .expect("python3 runs (install the tooling: scripts/python-tooling.sh)");
    assert!(
        out.status.success(),
        "photo_corpus.py {args:?} failed (are Pillow, numpy and zxing-cpp installed? \
         scripts/python-tooling.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
#[ignore = "needs Python with zxing-cpp, Pillow and numpy: scripts/test.sh installs it and runs the ignored tests"]
fn skillcert_reads_every_photo_zxing_cpp_reads() {
    // The reference certificate's QR as signed by the fixed test key (`tests/vectors`), so that
    // the corpus is the same on every run: a freshly issued one (new key, new time) made a new
    // QR, new photos and a different verdict from run to run.
    let qr_text = crate::common::read_text(format!("{VECTORS}/valid_reference_qr.txt"));
    let qr_text = qr_text.trim();
    let trust = TrustList::load(Path::new(&format!("{VECTORS}/trust.json"))).unwrap();
    let v = Verifier::builder(trust)
        .at_time(parse_time("t", VERIFY_AT).unwrap())
        .status_source(Arc::new(common::FixedStatus(false)))
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("photos");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::write(corpus.join("qr-0.png"), render::to_png(qr_text, 8).unwrap()).unwrap();
    std::fs::write(corpus.join("qr-0.txt"), qr_text).unwrap();
    python(&["gen", "--count", "60", "--seed", "7"], &corpus);
    let zxing = python(&["zxing"], &corpus);
    let (mut total, mut by_zxing, mut by_us) = (0, 0, 0);
    let mut kinds = std::collections::BTreeSet::new();
    for line in zxing.lines() {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, zxing_ok) = (cols[0], cols[1] == "ok");
        kinds.insert(file.rsplit('-').next().unwrap().to_owned());
        total += 1;
        let bytes = crate::common::read_file(corpus.join(file));
        // The work budget is the default; the time budget is raised so that a loaded machine
        // (tests run in parallel) cannot change the outcome.
        let budget = read::Budget {
            time: std::time::Duration::from_secs(300),
            ..read::Budget::default()
        };
        let ours = read::parse_image_within(&bytes, budget).map(|(text, _)| text);
        if zxing_ok {
            by_zxing += 1;
            assert_eq!(ours.as_deref(), Ok(qr_text), "{file}: zxing-cpp reads it");
        }
        if let Ok(text) = ours {
            by_us += 1;
            assert_eq!(text, qr_text, "{file}");
            let u = parse_bytes(text.as_bytes()).unwrap_or_else(|r| panic!("{file}: {r:?}"));
            assert_eq!(v.check(u).verdict, Verdict::Valid, "{file}");
        }
    }
    eprintln!("photos: {total}, zxing-cpp read {by_zxing}, skillcert read {by_us}");
    assert_eq!(total, 60);
    let want: Vec<&str> = vec!["a4.jpg", "photo.jpg", "screenshot.png"];
    assert_eq!(kinds.iter().map(String::as_str).collect::<Vec<_>>(), want);
    // The corpus is hard but readable: a yardstick that reads little would prove nothing.
    assert!(by_zxing >= 54, "zxing-cpp read only {by_zxing} of {total}");
}
