//! The compact signed QR payload (format version 1), byte-exact as in `docs/FORMAT.md`.
//!
//! `payload = body ‖ signature`; the Ed25519 signature covers [`DOMAIN`] ‖ `body`. The body
//! carries every claim of [`Claims`](crate::model::Claims) plus the key id and the signing time. Decoding re-encodes
//! the claims and refuses any body that is not the canonical encoding, so one certificate has
//! exactly one QR payload.

//!
//! The body's fields are described once, in the `body` module: each field's writer and reader
//! side by side, in one list that [`encode_body`] and [`decode_payload`] both walk.

use super::body;
pub use super::content::{QrContent, MAX_STATUS, MAX_YEARS, VERSION};
use super::wire::err;
use super::QrError;

/// Domain-separation prefix of the signed message (16 bytes, ends in a NUL byte).
pub const DOMAIN: &[u8; 16] = b"skillcert-qr-v1\0";
/// Largest payload (bytes) accepted: what a version 40-L QR holds in byte mode.
pub const MAX_PAYLOAD: usize = 2953;

/// A decoded payload.
#[derive(Debug, Clone)]
pub struct DecodedPayload {
    /// The content.
    pub content: QrContent,
    /// The body (what follows [`DOMAIN`] in the signed message).
    pub body: Vec<u8>,
    /// The Ed25519 signature.
    pub signature: [u8; 64],
}

impl DecodedPayload {
    /// The exact bytes the signature covers: [`DOMAIN`] ‖ body.
    pub fn message(&self) -> Vec<u8> {
        signed_message(&self.body)
    }
}

/// [`DOMAIN`] ‖ `body`.
pub fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + body.len());
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(body);
    m
}

/// Encodes the body (everything the signature covers, without [`DOMAIN`]).
pub fn encode_body(c: &QrContent) -> Result<Vec<u8>, QrError> {
    encode_body_marked(c, &mut Vec::new())
}

/// The byte budget of a body: each part with its size in bytes, in order.
pub fn budget(c: &QrContent) -> Result<Vec<(&'static str, usize)>, QrError> {
    let mut marks = Vec::new();
    encode_body_marked(c, &mut marks)?;
    let mut prev = 0;
    Ok(marks
        .into_iter()
        .map(|(name, end)| {
            let n = end - prev;
            prev = end;
            (name, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect())
}

fn encode_body_marked(
    c: &QrContent,
    marks: &mut Vec<(&'static str, usize)>,
) -> Result<Vec<u8>, QrError> {
    let out = body::write(c, marks)?;
    if out.len() + 64 > MAX_PAYLOAD {
        return Err(err("$", "the claims are too long for a QR code"));
    }
    Ok(out)
}

/// Decodes a payload (`body ‖ signature`). Refuses anything that is not the canonical
/// encoding of valid claims. Does not check the signature.
pub fn decode_payload(payload: &[u8]) -> Result<DecodedPayload, QrError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(err("$", format!("payload longer than {MAX_PAYLOAD} bytes")));
    }
    if payload.len() < 64 + 2 {
        return Err(err("$", "payload too short"));
    }
    let (body, sig) = payload.split_at(payload.len() - 64);
    let content = body::read(body)?;
    if encode_body(&content)? != body {
        return Err(err("$", "not the canonical encoding of its claims"));
    }
    Ok(DecodedPayload {
        content,
        body: body.to_vec(),
        signature: sig.try_into().expect("64 bytes"),
    })
}
