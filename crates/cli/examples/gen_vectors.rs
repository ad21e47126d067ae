//! Regenerates `tests/vectors/` (QR texts and tokens, valid and `fail_*`) from the fixed test
//! key: `cargo run -p skillcert-cli --example gen_vectors`.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    std::fs::create_dir_all(&dir).expect("create tests/vectors");
    let reference = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/reference/reference-certificate.json"
    );
    let json = std::fs::read(reference).unwrap_or_else(|e| panic!("{reference}: {e}"));
    let files = skillcert::qr::vectors::generate(&json);
    for (name, bytes) in &files {
        std::fs::write(dir.join(name), bytes).expect("write vector");
    }
    println!("wrote {} files to {}", files.len(), dir.display());
}
