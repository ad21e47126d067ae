//! QR-text decoding never panics; the raw bytes go through the payload decoder too, and any
//! accepted payload re-encodes to itself (one certificate, one payload).
#![no_main]

use libfuzzer_sys::fuzz_target;
use skillcert::qr::{self, format};

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = format::decode_payload(data) {
        assert_eq!(format::encode_body(&d.content).unwrap(), d.body);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = qr::parse_qr_text(text);
        let _ = skillcert::verify::UnverifiedCredential::from_qr_text(text);
    }
    let digits: String = data.iter().map(|b| char::from(b'0' + b % 10)).collect();
    let _ = qr::parse_qr_text(&format!("HTTPS://VERIFY.EXAMPLE.CN/V/{digits}"));
});
