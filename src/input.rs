//! Recognising the form of untrusted input: a JSON document, a `vc+jwt` token, QR text, or an
//! image of a QR code. Shared by the CLI and the HTTP service.

use crate::qr::QrError;
use crate::verify::{ParseError, Rejected, UnverifiedCredential, VerifiedCredential, Verifier};

/// Reads input of any form ([`parse_bytes`]) and verifies it with `verifier`: what the front
/// ends (CLI, batch, HTTP) call. Unreadable input is rejected as `malformed`.
pub fn verify_bytes(verifier: &Verifier, bytes: &[u8]) -> Result<VerifiedCredential, Rejected> {
    verifier.verify(parse_bytes(bytes)?)
}

/// Parses input bytes of any supported form. `Err` names the problem (the verdict is
/// `malformed`; [`Report::from`](crate::verify::Report) makes its report).
pub fn parse_bytes(bytes: &[u8]) -> Result<UnverifiedCredential, ParseError> {
    let trimmed = trim_ascii(bytes);
    if trimmed.first() == Some(&b'{') {
        return UnverifiedCredential::from_document_bytes(trimmed);
    }
    if crate::token::looks_like_token(trimmed) {
        let text = std::str::from_utf8(trimmed).expect("checked ASCII");
        return UnverifiedCredential::from_token(text);
    }
    if crate::qr::looks_like_qr_text(trimmed) {
        let text = std::str::from_utf8(trimmed).map_err(|_| QrError::Text("not UTF-8".into()))?;
        return UnverifiedCredential::from_qr_text(text);
    }
    if crate::qr::looks_like_image(bytes) {
        return from_image(bytes);
    }
    Err(ParseError::UnknownForm)
}

/// The certificate in a photo of its QR code.
#[cfg(feature = "images")]
fn from_image(bytes: &[u8]) -> Result<UnverifiedCredential, ParseError> {
    let text = crate::qr::read::parse_image(bytes)?;
    UnverifiedCredential::from_qr_text(&text)
}

/// Without the `images` feature a photo is recognised but not read.
#[cfg(not(feature = "images"))]
fn from_image(_: &[u8]) -> Result<UnverifiedCredential, ParseError> {
    Err(QrError::Image(
        "this build cannot read images (built without the `images` feature); give the QR \
         text instead"
            .into(),
    )
    .into())
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
