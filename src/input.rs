//! Recognising the form of untrusted input: a JSON document, a `vc+jwt` token, QR text, or an
//! image of a QR code. Shared by the CLI and the HTTP service.

use crate::verify::{Format, Report, UnverifiedCredential};

/// Parses input bytes of any supported form. `Err` is a `malformed` report naming the problem.
pub fn parse_bytes(bytes: &[u8]) -> Result<UnverifiedCredential, Report> {
    let trimmed = trim_ascii(bytes);
    if trimmed.first() == Some(&b'{') {
        return UnverifiedCredential::from_document_bytes(trimmed)
            .map_err(|e| Report::malformed(Format::Document, e));
    }
    if crate::token::looks_like_token(trimmed) {
        let text = std::str::from_utf8(trimmed).expect("checked ASCII");
        return UnverifiedCredential::from_token(text)
            .map_err(|e| Report::malformed(Format::Token, e));
    }
    if crate::qr::looks_like_qr_text(trimmed) {
        let text = std::str::from_utf8(trimmed)
            .map_err(|_| Report::malformed(Format::Qr, "QR text: not UTF-8"))?;
        return UnverifiedCredential::from_qr_text(text)
            .map_err(|e| Report::malformed(Format::Qr, e));
    }
    if crate::qr::read::sniff(bytes).is_some() {
        let text = crate::qr::read::parse_image(bytes)
            .map_err(|e| Report::malformed(Format::Qr, e.to_string()))?;
        return UnverifiedCredential::from_qr_text(&text)
            .map_err(|e| Report::malformed(Format::Qr, e));
    }
    Err(Report::malformed(
        Format::Document,
        "input is not a JSON document, a token, a QR text or a PNG/JPEG image of a QR code",
    ))
}

/// `b` without leading and trailing ASCII white space.
pub fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &b[start..end]
}
