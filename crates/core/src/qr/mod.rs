//! The QR form of a certificate: an `https://` URL to the issuer's verification page that also
//! carries the whole signed certificate (see `docs/FORMAT.md`).
//!
//! QR text = upper-cased issuer public URL ‖ `/V/` ‖ decimal digits of the signed payload. The
//! prefix goes in QR alphanumeric mode, the digits in numeric mode (3.33 bits per digit).
//!
//! The text form is core; QR images (finding the code in a photo, rendering PNG and SVG) are
//! the `skillcert-qrimage` crate's.

mod body;
mod content;
pub mod format;
pub mod text;
pub mod vectors;
mod wire;

use crate::keys::SecretKey;
use crate::signer::{IssuerSigner, KeySigner, Signer};
use crate::trust::SigningTime;
use crate::verify::{Format, ParseError, Parts, UnverifiedCredential};
use format::{decode_payload, encode_body, signed_message, DecodedPayload, QrContent};

/// Longest QR text accepted (a version 40 QR holds at most 7,089 digits).
pub const MAX_QR_TEXT: usize = 8192;
/// Bytes per full chunk of the decimal encoding.
pub const CHUNK_BYTES: usize = 12;
/// Digits per full chunk.
pub const CHUNK_DIGITS: usize = 29;
/// Digits of a chunk of `i` bytes (index `i`, 1..=12): `ceil(8 i log10 2)`.
pub const DIGITS_FOR_BYTES: [usize; 13] = [0, 3, 5, 8, 10, 13, 15, 17, 20, 22, 25, 27, 29];

pub use crate::verify::QrError;

/// Payload bytes to decimal digits: 12-byte chunks (big-endian) become 29 digits, a final chunk
/// of `i` bytes becomes [`DIGITS_FOR_BYTES`]`[i]` digits, zero-padded on the left.
pub fn bytes_to_digits(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 29 / 12 + 29);
    for chunk in b.chunks(CHUNK_BYTES) {
        let v = chunk.iter().fold(0u128, |a, x| a << 8 | u128::from(*x));
        s.push_str(&format!("{v:0w$}", w = DIGITS_FOR_BYTES[chunk.len()]));
    }
    s
}

/// The inverse of [`bytes_to_digits`]; refuses digit counts no byte string gives and chunk
/// values that do not fit their bytes.
pub fn digits_to_bytes(d: &str) -> Result<Vec<u8>, QrError> {
    if !d.bytes().all(|c| c.is_ascii_digit()) {
        return Err(QrError::Text("the payload must be decimal digits".into()));
    }
    let full = d.len() / CHUNK_DIGITS;
    let tail = d.len() % CHUNK_DIGITS;
    let tail_bytes = DIGITS_FOR_BYTES
        .iter()
        .position(|n| *n == tail)
        .filter(|i| *i < CHUNK_BYTES)
        .ok_or_else(|| {
            QrError::Text(format!("{} digits is not a valid payload length", d.len()))
        })?;
    let mut out = Vec::with_capacity(full * CHUNK_BYTES + tail_bytes);
    let mut pos = 0;
    for n in std::iter::repeat_n(CHUNK_BYTES, full).chain((tail_bytes > 0).then_some(tail_bytes)) {
        let w = DIGITS_FOR_BYTES[n];
        let v: u128 = d[pos..pos + w].parse().expect("digits");
        if n < 16 && v >> (8 * n) != 0 {
            return Err(QrError::Text(format!(
                "digits {}..{} exceed {n} bytes",
                pos,
                pos + w
            )));
        }
        out.extend_from_slice(&v.to_be_bytes()[16 - n..]);
        pos += w;
    }
    Ok(out)
}

/// The QR URL prefix of an issuer's public URL: upper-cased, with `/V/`.
pub fn url_prefix(public_url: &str) -> String {
    crate::model::address::qr_url_prefix(public_url)
}

/// Signs `content` with `key` and gives the QR text for an issuer reached at `public_url`
/// (`content.key_id` names the key; see [`qr_text_for`] for any [`IssuerSigner`]).
pub fn sign_qr_text(
    key: &SecretKey,
    content: &QrContent,
    public_url: &str,
) -> Result<String, QrError> {
    let signer = KeySigner::new(key, &content.key_id);
    signed_qr_text(&signer, content, public_url)
}

fn signed_qr_text(
    signer: &dyn Signer,
    content: &QrContent,
    public_url: &str,
) -> Result<String, QrError> {
    let body = encode_body(content)?;
    let sig = signer.sign(&signed_message(&body));
    let mut payload = body;
    payload.extend_from_slice(&sig);
    Ok(format!(
        "{}{}",
        url_prefix(public_url),
        bytes_to_digits(&payload)
    ))
}

/// The QR text of a certificate signed by `signer` at `now`, pointing at its issuer's public URL.
pub fn qr_text_for(
    signer: &dyn IssuerSigner,
    claims: &crate::model::Claims,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<String, QrError> {
    let content = QrContent {
        claims: claims.clone(),
        key_id: signer.verification_method().to_owned(),
        signed_at: now,
    };
    signed_qr_text(signer, &content, signer.public_url())
}

/// Whether `text` looks like a QR URL (`http(s)://…/V/<digits>`, any case), before full parsing.
pub fn looks_like_qr_text(text: &[u8]) -> bool {
    let lower = text.get(..8).map(|p| p.to_ascii_lowercase());
    let Some(p) = lower else { return false };
    (p.starts_with(b"https://") || p.starts_with(b"http://"))
        && text.windows(3).any(|w| w.eq_ignore_ascii_case(b"/v/"))
}

/// The first bytes of a PNG file.
pub const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
/// The first bytes of a JPEG file (start of image, then a marker).
pub const JPEG_MAGIC: &[u8] = &[0xff, 0xd8, 0xff];

/// Whether `bytes` start like a PNG or a JPEG file (the image forms of a QR code; reading them
/// needs the `images` feature).
pub fn looks_like_image(bytes: &[u8]) -> bool {
    bytes.starts_with(PNG_MAGIC) || bytes.starts_with(JPEG_MAGIC)
}

/// Splits a QR URL into its prefix (scheme, host, path) and its digits.
pub fn split_qr_text(text: &str) -> Result<(&str, &str), QrError> {
    let t = text.trim();
    if t.len() > MAX_QR_TEXT {
        return Err(QrError::Text(format!(
            "longer than {MAX_QR_TEXT} characters"
        )));
    }
    let lower = t.to_ascii_lowercase();
    let rest_at = if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else {
        return Err(QrError::Text("must start with https:// or http://".into()));
    };
    let v = lower[rest_at..]
        .rfind("/v/")
        .map(|i| i + rest_at)
        .ok_or_else(|| QrError::Text("no /V/ path segment".into()))?;
    let host = &t[rest_at..v];
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:/%".contains(&b))
    {
        return Err(QrError::Text("bad host".into()));
    }
    let digits = &t[v + 3..];
    if digits.is_empty() {
        return Err(QrError::Text("empty payload".into()));
    }
    Ok((&t[..v + 3], digits))
}

/// Parses QR text into its decoded payload (signature not checked).
pub fn parse_qr_text(text: &str) -> Result<DecodedPayload, QrError> {
    let (_, digits) = split_qr_text(text)?;
    decode_payload(&digits_to_bytes(digits)?)
}

impl UnverifiedCredential {
    /// Parses QR text (`http(s)://<host>/V/<digits>`, scheme and host in any case).
    pub fn from_qr_text(text: &str) -> Result<UnverifiedCredential, ParseError> {
        let (prefix, digits) = split_qr_text(text)?;
        let d = decode_payload(&digits_to_bytes(digits)?)?;
        let message = d.message();
        let c = d.content;
        Ok(UnverifiedCredential::from_parts(Parts {
            format: Format::Qr,
            issuer_id: c.claims.issuer.id.clone(),
            key_id: c.key_id,
            signing_time: SigningTime::qr(c.signed_at, c.claims.valid_from),
            message,
            signature: d.signature,
            valid_from: Some(c.claims.valid_from),
            valid_until: c.claims.valid_until,
            status: c.claims.status.clone(),
            // The QR form carries only skillcert claims: always a certificate.
            document: None,
            qr_prefix: Some(prefix.to_owned()),
            claims: Some(c.claims),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_round_trip_every_length() {
        for n in 0..60usize {
            let b: Vec<u8> = (0..n).map(|i| (i * 37 + 255) as u8).collect();
            let d = bytes_to_digits(&b);
            assert_eq!(digits_to_bytes(&d).unwrap(), b, "{n}");
            let max = vec![0xff; n];
            assert_eq!(digits_to_bytes(&bytes_to_digits(&max)).unwrap(), max);
        }
        assert!(digits_to_bytes("1234").is_err());
        assert!(digits_to_bytes("999").is_err());
        assert!(digits_to_bytes("12a").is_err());
    }

    #[test]
    fn digit_table_is_ceil_of_bits() {
        for (i, d) in DIGITS_FOR_BYTES.iter().enumerate().skip(1) {
            assert!(10u128.pow(*d as u32) >= 1u128 << (8 * i));
            assert!(10u128.pow(*d as u32 - 1) < 1u128 << (8 * i));
        }
    }

    #[test]
    fn qr_text_split() {
        let (p, d) = split_qr_text("HTTPS://VERIFY.EXAMPLE.CN/V/123").unwrap();
        assert_eq!((p, d), ("HTTPS://VERIFY.EXAMPLE.CN/V/", "123"));
        assert!(split_qr_text("ftp://x/V/1").is_err());
        assert!(split_qr_text("https:///V/1").is_err());
        assert!(looks_like_qr_text(b"https://verify.example.cn/v/12"));
        assert!(!looks_like_qr_text(b"eyJhbGciOi"));
    }
}
