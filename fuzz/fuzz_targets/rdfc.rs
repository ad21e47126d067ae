//! Arbitrary bytes as JSON-LD through the RDFC path: strict JSON parsing, expansion with the
//! bundled contexts, toRdf and RDFC-1.0 canonicalization, then `eddsa-rdfc-2022` proof
//! preparation. Must never panic and always end, in bounded time, in a result or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = skillcert::jcs::parse_strict(data, 64 << 10) else {
        return;
    };
    if let Ok(canon) = skillcert::rdfc::canonicalize(&v) {
        // Canonical N-Quads: one statement per line, each ending in " .".
        assert!(canon.is_empty() || canon.ends_with(" .\n"));
    }
    let _ = skillcert::proof::prepare_set(&v);
});
