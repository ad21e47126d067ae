//! Rendering QR text as a QR code (error correction M): PNG and SVG, 4-module quiet zone.
//!
//! A skillcert QR text is coded as two segments: the upper-case URL prefix in alphanumeric
//! mode and the payload digits in numeric mode, in the smallest version that holds them.

use super::{split_qr_text, QrError};
use qrcode::bits::Bits;
use qrcode::{EcLevel, QrCode, Version};

/// Default pixels per module.
pub const DEFAULT_MODULE_SIZE: u32 = 8;
/// Largest pixels per module accepted.
pub const MAX_MODULE_SIZE: u32 = 64;
/// Error correction level of every skillcert QR code.
pub const EC_LEVEL: EcLevel = EcLevel::M;

fn alnum(b: u8) -> bool {
    b.is_ascii_digit() || b.is_ascii_uppercase() || b" $%*+-./:".contains(&b)
}

fn qr_err(e: qrcode::types::QrError) -> QrError {
    QrError::Encode(e.to_string())
}

thread_local! {
    /// The last code made on this thread: one certificate's PNG, SVG and PDF share it (mask
    /// selection is most of the cost of making a code).
    static LAST: std::cell::RefCell<Option<(String, QrCode)>> =
        const { std::cell::RefCell::new(None) };
}

/// The QR code of `text` at level M (see [`encode`]); the last one made on this thread is
/// reused.
pub fn qr_code(text: &str) -> Result<QrCode, QrError> {
    let cached = LAST.with(|l| {
        l.borrow()
            .as_ref()
            .filter(|(t, _)| t == text)
            .map(|(_, c)| c.clone())
    });
    if let Some(c) = cached {
        return Ok(c);
    }
    let code = encode(text)?;
    LAST.with(|l| *l.borrow_mut() = Some((text.to_owned(), code.clone())));
    Ok(code)
}

/// The QR code of `text` at level M: alphanumeric prefix + numeric digits for skillcert QR
/// texts (smallest version), the library's optimal segmentation otherwise.
pub fn encode(text: &str) -> Result<QrCode, QrError> {
    if let Ok((prefix, digits)) = split_qr_text(text) {
        if prefix.bytes().all(alnum) && digits.bytes().all(|b| b.is_ascii_digit()) {
            for v in 1..=40 {
                let mut bits = Bits::new(Version::Normal(v));
                let fits = bits
                    .push_alphanumeric_data(prefix.as_bytes())
                    .and_then(|_| bits.push_numeric_data(digits.as_bytes()))
                    .and_then(|_| bits.push_terminator(EC_LEVEL));
                match fits {
                    Ok(()) => return QrCode::with_bits(bits, EC_LEVEL).map_err(qr_err),
                    Err(qrcode::types::QrError::DataTooLong) => continue,
                    Err(e) => return Err(qr_err(e)),
                }
            }
            return Err(QrError::Encode("data too long for a QR code".into()));
        }
    }
    QrCode::with_error_correction_level(text.as_bytes(), EC_LEVEL).map_err(qr_err)
}

/// The QR version (1–40) `text` needs at level M.
pub fn version(text: &str) -> Result<i16, QrError> {
    match qr_code(text)?.version() {
        Version::Normal(v) | Version::Micro(v) => Ok(v),
    }
}

fn check_module(module: u32) -> Result<(), QrError> {
    if (1..=MAX_MODULE_SIZE).contains(&module) {
        Ok(())
    } else {
        Err(QrError::Encode(format!(
            "module size must be 1 to {MAX_MODULE_SIZE} pixels"
        )))
    }
}

/// A grey-scale image of the QR code, `module` pixels per module, 4-module quiet zone.
pub fn to_image(text: &str, module: u32) -> Result<image::GrayImage, QrError> {
    check_module(module)?;
    Ok(qr_code(text)?
        .render::<image::Luma<u8>>()
        .quiet_zone(true)
        .module_dimensions(module, module)
        .build())
}

/// PNG bytes of the QR code: 1 bit per pixel, black on white (a tenth of the bytes of an
/// 8-bit picture, and a fifth of the time to compress).
pub fn to_png(text: &str, module: u32) -> Result<Vec<u8>, QrError> {
    check_module(module)?;
    let code = qr_code(text)?;
    let width = code.width();
    let colors = code.to_colors();
    let quiet = 4usize;
    let m = module as usize;
    let side = (width + 2 * quiet) * m;
    let row_bytes = side.div_ceil(8);
    // Grey-scale, 1 bit: 0 is black, 1 is white; the first pixel is the high bit.
    let mut row = vec![0xffu8; row_bytes];
    let mut data = Vec::with_capacity(row_bytes * side);
    for my in 0..width + 2 * quiet {
        row.fill(0xff);
        if (quiet..quiet + width).contains(&my) {
            for mx in 0..width {
                if colors[(my - quiet) * width + mx] == qrcode::Color::Dark {
                    for x in (mx + quiet) * m..(mx + quiet + 1) * m {
                        row[x / 8] &= !(0x80 >> (x % 8));
                    }
                }
            }
        }
        for _ in 0..m {
            data.extend_from_slice(&row);
        }
    }
    let mut out = Vec::new();
    let side = u32::try_from(side).map_err(|_| QrError::Encode("QR image too large".into()))?;
    let mut enc = png::Encoder::new(&mut out, side, side);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::One);
    enc.set_compression(png::Compression::Fast);
    let mut w = enc
        .write_header()
        .map_err(|e| QrError::Encode(e.to_string()))?;
    w.write_image_data(&data)
        .map_err(|e| QrError::Encode(e.to_string()))?;
    w.finish().map_err(|e| QrError::Encode(e.to_string()))?;
    Ok(out)
}

/// SVG text of the QR code (`module` user units per module, 4-module quiet zone).
pub fn to_svg(text: &str, module: u32) -> Result<String, QrError> {
    check_module(module)?;
    Ok(qr_code(text)?
        .render::<qrcode::render::svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(module, module)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_and_digits_use_two_segments() {
        let text = format!("HTTPS://VERIFY.EXAMPLE.CN/V/{}", "1".repeat(700));
        let v = version(&text).unwrap();
        // 28 alphanumeric chars + 700 digits = 4+11+154 + 4+12+2334 = 2519 bits: version 13 at M.
        assert_eq!(v, 13);
        let img = to_image(&text, 2).unwrap();
        assert_eq!(img.width(), (17 + 4 * 13 + 8) * 2);
        assert!(to_svg(&text, 4).unwrap().starts_with("<?xml"));
        assert!(to_png(&text, 0).is_err());
    }
}
