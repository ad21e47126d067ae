//! # skillcert-qrimage
//!
//! QR images of skillcert certificates, on top of the core's QR *text* codec
//! (`skillcert::qr`):
//!
//! - [`read`]: finding and decoding the code in a scan or a phone photo (PNG or JPEG), within
//!   limits of memory, work and time, since untrusted images are the cheapest way to make a
//!   verifier work hard;
//! - [`render`]: drawing QR text as a PNG or SVG (error correction M, two segments).
//!
//! [`parse_bytes`] and [`verify_bytes`] are the core's `input` functions with photos read.
//!
//! ```
//! let text = "HTTPS://VERIFY.EXAMPLE.CN/V/123";
//! let png = skillcert_qrimage::render::to_png(text, 4).unwrap();
//! assert_eq!(skillcert_qrimage::read::parse_image(&png).unwrap(), text);
//! ```
#![forbid(unsafe_code)]

pub mod load;
pub mod pixels;
pub mod read;
pub mod render;
pub mod sample;

use skillcert::input::PhotoReader;
use skillcert::qr::{looks_like_qr_text, split_qr_text, QrError, JPEG_MAGIC, PNG_MAGIC};
use skillcert::verify::{ParseError, Rejected, UnverifiedCredential, VerifiedCredential, Verifier};

/// The photo reader the front ends give the core: [`read::parse_image`].
pub const PHOTOS: PhotoReader = read::parse_image;

/// Parses input of any form (a JSON document, a token, QR text, a photo of the QR code).
pub fn parse_bytes(bytes: &[u8]) -> Result<UnverifiedCredential, ParseError> {
    skillcert::input::parse_bytes(bytes, Some(PHOTOS))
}

/// Reads input of any form and verifies it with `verifier`; unreadable input is rejected as
/// `malformed`.
pub fn verify_bytes(verifier: &Verifier, bytes: &[u8]) -> Result<VerifiedCredential, Rejected> {
    skillcert::input::verify_bytes(verifier, bytes, Some(PHOTOS))
}
