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
    Err(Report::malformed(
        Format::Document,
        "input is not a JSON document, a token or a QR text",
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
