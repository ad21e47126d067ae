//! Canonicalizes one JSON-LD document (RDFC-1.0) again and again, for profiling:
//! `cargo run --release -p skillcert-canon --example rdfc_loop -- DOC.json [N]`. Prints the
//! time per document; a secured document's `proof` is removed first.
#![forbid(unsafe_code)]

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: rdfc_loop DOC.json [N]")?;
    let n: u32 = args.next().map_or(Ok(10_000), |s| s.parse())?;
    let text = std::fs::read(&path)?;
    let mut doc =
        skillcert_canon::jcs::parse_strict(&text, skillcert_canon::jcs::DEFAULT_MAX_JSON)?;
    if let Some(o) = doc.as_object_mut() {
        o.remove("proof");
    }
    let start = Instant::now();
    let mut bytes = 0;
    for _ in 0..n {
        bytes += skillcert_canon::rdfc::canonicalize(&doc)?.len();
    }
    let per = start.elapsed() / n;
    println!(
        "{n} canonicalizations, {per:?} each, {} bytes each",
        bytes / n as usize
    );
    Ok(())
}
