//! Reading a QR code from a PNG or JPEG image (a scan or a phone photo) with the pure-Rust
//! decoder `rqrr`. Sizes are bounded before decoding; several passes (as is, down-scaled,
//! globally thresholded) make photos of paper certificates work.

use super::{looks_like_qr_text, QrError};
use image::{imageops, GrayImage, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Largest image file accepted (8 MiB).
pub const MAX_IMAGE_BYTES: usize = 8 << 20;
/// Largest image accepted, in pixels (40 megapixels).
pub const MAX_PIXELS: u64 = 40_000_000;
/// Largest width or height accepted.
pub const MAX_SIDE: u32 = 20_000;
/// Images are scanned at most this wide/high (larger ones are scaled down first).
const SCAN_SIDE: u32 = 2400;

fn img_err(m: impl Into<String>) -> QrError {
    QrError::Image(m.into())
}

/// The image format of `bytes` by magic number (PNG or JPEG), if any.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(ImageFormat::Jpeg)
    } else {
        None
    }
}

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(MAX_PIXELS * 4 + (16 << 20));
    l
}

/// Decodes a PNG or JPEG into grey-scale, refusing oversized files and images.
pub fn load_gray(bytes: &[u8]) -> Result<GrayImage, QrError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(img_err(format!(
            "file is {} bytes, more than the limit of {MAX_IMAGE_BYTES}",
            bytes.len()
        )));
    }
    let fmt = sniff(bytes).ok_or_else(|| img_err("not a PNG or JPEG image"))?;
    let mut r = ImageReader::with_format(Cursor::new(bytes), fmt);
    r.limits(limits());
    let (w, h) = r
        .into_dimensions()
        .map_err(|e| img_err(format!("cannot read the image header: {e}")))?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(img_err(format!(
            "{w}x{h} pixels is more than the limit of {MAX_PIXELS}"
        )));
    }
    let mut r = ImageReader::with_format(Cursor::new(bytes), fmt);
    r.limits(limits());
    let img = r
        .decode()
        .map_err(|e| img_err(format!("cannot decode the image: {e}")))?;
    Ok(img.to_luma8())
}

fn scaled(img: &GrayImage, max_side: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let side = w.max(h);
    if side <= max_side {
        return img.clone();
    }
    let f = f64::from(max_side) / f64::from(side);
    let nw = ((f64::from(w) * f).round() as u32).max(1);
    let nh = ((f64::from(h) * f).round() as u32).max(1);
    imageops::resize(img, nw, nh, imageops::FilterType::Triangle)
}

/// Global Otsu threshold (for evenly lit scans where the local threshold struggles).
fn otsu(img: &GrayImage) -> GrayImage {
    let mut hist = [0u64; 256];
    for p in img.pixels() {
        hist[usize::from(p.0[0])] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, c)| i as f64 * *c as f64)
        .sum();
    let (mut w0, mut sum0, mut best, mut t_best) = (0u64, 0f64, -1f64, 128u8);
    for (t, c) in hist.iter().enumerate() {
        w0 += c;
        if w0 == 0 || w0 == total {
            continue;
        }
        sum0 += t as f64 * *c as f64;
        let m0 = sum0 / w0 as f64;
        let m1 = (sum_all - sum0) / (total - w0) as f64;
        let between = w0 as f64 * (total - w0) as f64 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            t_best = t as u8;
        }
    }
    let mut out = img.clone();
    for p in out.pixels_mut() {
        p.0[0] = if p.0[0] <= t_best { 0 } else { 255 };
    }
    out
}

/// One pre-processing pass over the image.
type PassFn = Box<dyn Fn(&GrayImage) -> GrayImage>;

/// What one pass found.
enum Pass {
    Found(String),
    Other(String),
    Nothing,
}

fn scan(img: GrayImage) -> Pass {
    let run = move || {
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let mut other = Pass::Nothing;
        for grid in prepared.detect_grids() {
            match grid.decode() {
                Ok((_, text)) if looks_like_qr_text(text.as_bytes()) => return Pass::Found(text),
                Ok(_) => {
                    other =
                        Pass::Other("the QR code does not hold a skillcert certificate URL".into())
                }
                Err(e) => {
                    other = Pass::Other(format!("a QR code was found but cannot be read: {e}"))
                }
            }
        }
        other
    };
    // The decoder is third-party code: a panic on a hostile image must not take the process down.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .unwrap_or_else(|_| Pass::Other("the QR decoder failed on this image".into()))
}

/// Finds a skillcert QR code in a PNG or JPEG image and returns its text.
pub fn parse_image(bytes: &[u8]) -> Result<String, QrError> {
    let gray = load_gray(bytes)?;
    let base = scaled(&gray, SCAN_SIDE);
    let mut last = Pass::Nothing;
    let side = base.width().max(base.height());
    // Passes, cheapest first; later ones only run when earlier ones found nothing. Slight
    // blur removes JPEG ringing and paper texture; up-scaling helps small modules.
    let mut passes: Vec<PassFn> = vec![Box::new(GrayImage::clone)];
    passes.push(Box::new(|i| imageops::blur(i, 1.0)));
    if side <= SCAN_SIDE {
        passes.push(Box::new(move |i| {
            imageops::resize(
                i,
                i.width() * 3 / 2,
                i.height() * 3 / 2,
                imageops::FilterType::Triangle,
            )
        }));
    }
    if side > 600 {
        passes.push(Box::new(move |i| scaled(i, side / 2)));
    }
    passes.push(Box::new(otsu));
    if side > 1200 {
        passes.push(Box::new(move |i| scaled(i, side / 3)));
    }
    for pass in passes {
        match scan(pass(&base)) {
            Pass::Found(t) => return Ok(t),
            Pass::Other(m) => last = Pass::Other(m),
            Pass::Nothing => {}
        }
    }
    Err(match last {
        Pass::Other(m) => img_err(m),
        _ => img_err("no QR code found in the image"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_images_and_oversized_files() {
        assert!(parse_image(b"hello")
            .unwrap_err()
            .to_string()
            .contains("not a PNG or JPEG"));
        let big = vec![0u8; MAX_IMAGE_BYTES + 1];
        assert!(parse_image(&big).unwrap_err().to_string().contains("limit"));
        let truncated = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        assert!(parse_image(truncated).is_err());
    }

    #[test]
    fn blank_image_has_no_qr() {
        let img = GrayImage::from_pixel(300, 200, image::Luma([255]));
        let mut png = Cursor::new(Vec::new());
        img.write_to(&mut png, ImageFormat::Png).unwrap();
        let e = parse_image(png.get_ref()).unwrap_err().to_string();
        assert!(e.contains("no QR code"), "{e}");
    }
}
