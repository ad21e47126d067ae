//! Issue 27, finding 5, as a property over arbitrary JSON: for every document that the
//! RDFC-only display check accepts and that canonicalizes, every value the verifier would show
//! (its summary read from the JSON) is a term of the signed dataset: a literal or an IRI of the
//! canonical N-Quads. Text that vanishes on the way to RDF (blank node labels, `@index`) can
//! then never be displayed. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillcert::verify::{rdfc_display, Summary};

/// A string as canonical N-Quads writes a literal (RDFC-1.0: ECHARs for b t n f r " \\, `\\uXXXX`
/// for the other control characters).
fn literal(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `v` is a term of the dataset: an IRI `<v>` or a literal with lexical form `v`.
fn appears(nquads: &str, v: &str) -> bool {
    nquads.contains(&format!("<{v}>")) || nquads.contains(&literal(v))
}

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if !doc.is_object() || rdfc_display::check(&doc).is_err() {
        return;
    }
    let Ok(nquads) = skillcert::rdfc::canonicalize(&doc) else {
        return;
    };
    let s = Summary::from_json(&doc);
    for v in [
        &s.credential_id,
        &s.issuer,
        &s.issuer_name,
        &s.holder,
        &s.holder_latin,
        &s.program,
        &s.program_code,
        &s.level,
    ]
    .into_iter()
    .flatten()
    {
        assert!(appears(&nquads, v), "shown but not signed: {v:?}\n{nquads}");
    }
});
