//! Token parsing never panics, whatever the input; anything it accepts has a 64-byte signature
//! over its own `header.payload` prefix.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillcert::verify::UnverifiedCredential;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(u) = UnverifiedCredential::from_token(text) {
        assert!(text.trim().as_bytes().starts_with(u.signed_message()));
    }
    let _ = skillcert_qrimage::parse_bytes(data);
});
