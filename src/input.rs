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
    if looks_like_image(bytes) {
        return from_image(bytes);
    }
    Err(Report::malformed(
        Format::Document,
        "input is not a JSON document, a token, a QR text or a PNG/JPEG image of a QR code",
    ))
}

/// Whether `bytes` start like a PNG or a JPEG file.
pub fn looks_like_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xff, 0xd8, 0xff])
}

/// The certificate in a photo of its QR code.
#[cfg(feature = "images")]
fn from_image(bytes: &[u8]) -> Result<UnverifiedCredential, Report> {
    let text = crate::qr::read::parse_image(bytes)
        .map_err(|e| Report::malformed(Format::Qr, e.to_string()))?;
    UnverifiedCredential::from_qr_text(&text).map_err(|e| Report::malformed(Format::Qr, e))
}

/// Without the `images` feature a photo is recognised but not read.
#[cfg(not(feature = "images"))]
fn from_image(_: &[u8]) -> Result<UnverifiedCredential, Report> {
    Err(Report::malformed(
        Format::Qr,
        "image: this build cannot read images (built without the `images` feature); \
         give the QR text instead",
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
