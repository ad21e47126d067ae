//! Recognising the form of untrusted input: a JSON document, a `vc+jwt` token, QR text, or an
//! image of a QR code. Shared by the CLI and the HTTP service.

use crate::qr::QrError;
use crate::verify::{ParseError, Rejected, UnverifiedCredential, VerifiedCredential, Verifier};

/// Reads the text of the QR code in a photo: `skillcert-qrimage` has the bounded one
/// (`skillcert_qrimage::read::parse_image`). The core decodes no images itself.
pub type PhotoReader = fn(&[u8]) -> Result<String, QrError>;

/// Reads input of any form ([`parse_bytes`]) and verifies it with `verifier`: what the front
/// ends (CLI, batch, HTTP) call, with `photos` to read a photo of a QR code. Unreadable input
/// is rejected as `malformed`.
pub fn verify_bytes(
    verifier: &Verifier,
    bytes: &[u8],
    photos: Option<PhotoReader>,
) -> Result<VerifiedCredential, Rejected> {
    verifier.verify(parse_bytes(bytes, photos)?)
}

/// Parses input bytes of any supported form: a JSON document, a token, QR text, or (with
/// `photos`) a photo of the QR code. `Err` names the problem (the verdict is `malformed`;
/// [`Report::from`](crate::verify::Report) makes its report).
pub fn parse_bytes(
    bytes: &[u8],
    photos: Option<PhotoReader>,
) -> Result<UnverifiedCredential, ParseError> {
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
        return match photos {
            Some(read) => UnverifiedCredential::from_qr_text(&read(bytes)?),
            None => Err(QrError::Image(
                "this program cannot read images; give the QR text instead".into(),
            )
            .into()),
        };
    }
    Err(ParseError::UnknownForm)
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
