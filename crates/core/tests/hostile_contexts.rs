//! Documents whose JSON-LD contexts were tampered with get the verdicts the release before the
//! kept (cached) contexts gave them. `tests/hostile_contexts/` holds variants of one document
//! issued with the proof set (`eddsa-jcs-2022` + `eddsa-rdfc-2022`), each also with the RDFC
//! proof alone: a context we do not bundle, a remote or `http:` context URL, the bundled
//! contexts swapped or missing, inline contexts that add, redefine or unprotect terms or set
//! `@vocab`, nested contexts (protected term, `null`, remote, bundled again), an added type
//! with its own scoped context, and the bounds (nesting, statements). Each file is named by
//! the verdict `skillcert verify --batch` of commit 35bae5b gave it: `valid_<what>.json`, or
//! `fail_<verdict>_<what>.json` (verified by an auditor: that trust list, no issuer database);
//! `trust.json` and `status/` are the issuer's trust list and status lists; `make_hostile.py`
//! made the variants. Every document is checked twice, so the second time runs on kept
//! contexts.
#![allow(
    clippy::unwrap_used,
    reason = "test code: a failed unwrap is a failed test"
)]

use chrono::{DateTime, Duration, Utc};
use skillcert::status::source::FileStatusSource;
use skillcert::trust::TrustList;
use skillcert::verify::{UnverifiedCredential, Verdict, Verifier};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/hostile_contexts");

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The verdict a file's name gives.
fn expected(name: &str) -> &str {
    if name.starts_with("valid_") {
        return "valid";
    }
    let rest = name.strip_prefix("fail_").unwrap();
    ["malformed", "bad_signature", "untrusted_issuer"]
        .into_iter()
        .find(|v| rest.starts_with(&format!("{v}_")))
        .unwrap_or_else(|| panic!("{name}: no known verdict in the name"))
}

fn verdict(verifier: &Verifier, bytes: &[u8]) -> Verdict {
    match UnverifiedCredential::from_document_bytes(bytes) {
        Ok(u) => verifier.check(u).verdict,
        Err(_) => Verdict::Malformed,
    }
}

#[test]
fn tampered_contexts_get_the_verdicts_they_got_before() {
    let trust = TrustList::load(&Path::new(DIR).join("trust.json")).unwrap();
    let lists: Vec<PathBuf> = ["1.json", "2.json"]
        .iter()
        .map(|f| Path::new(DIR).join("status").join(f))
        .collect();
    let status = FileStatusSource::load(&trust, &lists).unwrap();
    let issued: DateTime<Utc> = "2026-12-07T22:21:15Z".parse().unwrap();
    let verifier = Verifier::builder(trust)
        .status_source(Arc::new(status))
        .at_time(issued + Duration::days(1))
        .build()
        .unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(DIR)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.ends_with("trust.json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 52, "the hostile set");
    for pass in ["first", "second"] {
        for f in &files {
            let name = f.file_stem().unwrap().to_str().unwrap();
            let got = verdict(&verifier, &read(f));
            assert_eq!(got.as_str(), expected(name), "{name} ({pass} pass)");
        }
    }
    // The set covers each kind of answer.
    for v in ["valid", "malformed", "bad_signature"] {
        let n = files
            .iter()
            .filter(|f| expected(f.file_stem().unwrap().to_str().unwrap()) == v)
            .count();
        assert!(n >= 2, "{v}: {n} files");
    }
}
