//! Arbitrary bytes as a raw credential for the generic issuing path: strict JSON parsing, then
//! the VC Data Model 2.0 checks (contexts, term protection, types, dates, language values).
//! Must never panic; every refusal names a field.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = skillcert::jcs::parse_strict(data, skillcert::vcdm::MAX_RAW_CREDENTIAL) {
        if let Err(e) = skillcert::vcdm::validate(&v) {
            assert!(!e.field().is_empty());
        }
    }
});
