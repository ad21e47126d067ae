//! Loading an untrusted PNG or JPEG into grey-scale pixels within a memory budget.
//!
//! Every limit is applied before the decoder allocates: the file size, the dimensions read from
//! the header, and the decoder's own allocation limit. PNG ancillary chunks (colour profiles,
//! compressed text, …) are dropped before the decoder sees them, so a small file with a
//! compressed `iCCP` or `zTXt` bomb costs nothing: only `IHDR`, `PLTE`, `tRNS`, `IDAT` and
//! `IEND` are passed on.

use super::{QrError, JPEG_MAGIC, PNG_MAGIC};
use image::{DynamicImage, GrayImage, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Largest image file accepted (8 MiB).
pub const MAX_IMAGE_BYTES: usize = 8 << 20;
/// Largest image accepted, in pixels (16 megapixels: a 12 MP phone photo fits).
pub const MAX_PIXELS: u64 = 16_000_000;
/// Largest width or height accepted.
pub const MAX_SIDE: u32 = 16_384;
/// Most bytes the image decoder may allocate for one image (16 MP at 4 bytes a pixel).
pub const MAX_DECODE_ALLOC: u64 = 64 << 20;
/// Most chunks a PNG may have (a real one has a handful, or some hundreds of `IDAT`).
const MAX_PNG_CHUNKS: usize = 100_000;

fn img_err(m: impl Into<String>) -> QrError {
    QrError::Image(m.into())
}

/// The image format of `bytes` by magic number (PNG or JPEG), if any.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
    if bytes.starts_with(PNG_MAGIC) {
        Some(ImageFormat::Png)
    } else if bytes.starts_with(JPEG_MAGIC) {
        Some(ImageFormat::Jpeg)
    } else {
        None
    }
}

fn limits() -> Limits {
    let mut l = Limits::default();
    l.max_image_width = Some(MAX_SIDE);
    l.max_image_height = Some(MAX_SIDE);
    l.max_alloc = Some(MAX_DECODE_ALLOC);
    l
}

/// `png` with only the chunks needed for its pixels (`IHDR`, `PLTE`, `tRNS`, `IDAT`, `IEND`),
/// in order; anything after `IEND` is dropped. Chunk CRCs are left to the decoder, and so is a
/// file that ends inside a chunk: its rest is passed on as it is, for the decoder to refuse.
pub fn png_critical_chunks(png: &[u8]) -> Result<Vec<u8>, QrError> {
    let mut out = Vec::with_capacity(png.len());
    out.extend_from_slice(PNG_MAGIC);
    let mut at = PNG_MAGIC.len();
    for _ in 0..MAX_PNG_CHUNKS {
        let Some(head) = png.get(at..at + 8) else {
            out.extend_from_slice(&png[at.min(png.len())..]);
            return Ok(out);
        };
        let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let kind = &head[4..8];
        let Some(end) = at
            .checked_add(12)
            .and_then(|e| e.checked_add(len))
            .filter(|e| *e <= png.len())
        else {
            out.extend_from_slice(&png[at..]);
            return Ok(out);
        };
        if matches!(kind, b"IHDR" | b"PLTE" | b"tRNS" | b"IDAT" | b"IEND") {
            out.extend_from_slice(&png[at..end]);
        }
        at = end;
        if kind == b"IEND" {
            return Ok(out);
        }
    }
    Err(img_err("cannot decode the image: too many PNG chunks"))
}

/// The width and height in a PNG's `IHDR` (the first chunk), if the file has one.
fn png_dimensions(png: &[u8]) -> Option<(u32, u32)> {
    let ihdr = png.get(8..24)?;
    (&ihdr[4..8] == b"IHDR").then(|| {
        let w = u32::from_be_bytes([ihdr[8], ihdr[9], ihdr[10], ihdr[11]]);
        let h = u32::from_be_bytes([ihdr[12], ihdr[13], ihdr[14], ihdr[15]]);
        (w, h)
    })
}

fn check_dimensions(w: u32, h: u32) -> Result<(), QrError> {
    if w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err(img_err(format!(
            "{w}x{h} pixels is more than the limit of {MAX_PIXELS} pixels ({MAX_SIDE} a side)"
        )));
    }
    Ok(())
}

/// Decodes a PNG or JPEG into grey-scale, refusing oversized files and images before any large
/// allocation.
pub fn load_gray(bytes: &[u8]) -> Result<GrayImage, QrError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(img_err(format!(
            "file is {} bytes, more than the limit of {MAX_IMAGE_BYTES}",
            bytes.len()
        )));
    }
    let fmt = sniff(bytes).ok_or_else(|| img_err("not a PNG or JPEG image"))?;
    let filtered;
    let bytes = if fmt == ImageFormat::Png {
        if let Some((w, h)) = png_dimensions(bytes) {
            check_dimensions(w, h)?;
        }
        filtered = png_critical_chunks(bytes)?;
        &filtered[..]
    } else {
        bytes
    };
    let reader = || {
        let mut r = ImageReader::with_format(Cursor::new(bytes), fmt);
        r.limits(limits());
        r
    };
    let (w, h) = reader()
        .into_dimensions()
        .map_err(|e| img_err(format!("cannot read the image header: {e}")))?;
    check_dimensions(w, h)?;
    let img = reader()
        .decode()
        .map_err(|e| img_err(format!("cannot decode the image: {e}")))?;
    Ok(match img {
        DynamicImage::ImageLuma8(g) => g,
        other => other.into_luma8(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        c.extend_from_slice(&crc.sum().to_be_bytes());
        c
    }

    fn small_png() -> Vec<u8> {
        let img = GrayImage::from_pixel(4, 3, image::Luma([7]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn ancillary_chunks_are_dropped_and_pixels_kept() {
        let png = small_png();
        // Insert a text chunk and a (bogus) colour profile after IHDR (8 + 25 bytes).
        let mut with = png[..33].to_vec();
        with.extend(chunk(b"tEXt", b"Comment\0hello"));
        with.extend(chunk(b"iCCP", b"p\0\0garbage-not-zlib"));
        with.extend_from_slice(&png[33..]);
        with.extend_from_slice(b"trailing bytes after IEND");
        let kept = png_critical_chunks(&with).unwrap();
        assert_eq!(kept, png_critical_chunks(&png).unwrap());
        let g = load_gray(&with).unwrap();
        assert_eq!(g.dimensions(), (4, 3));
        assert!(g.pixels().all(|p| p.0[0] == 7));
    }

    #[test]
    fn truncated_files_reach_the_decoder_and_fail_there() {
        let png = small_png();
        let mut long = png[..33].to_vec();
        long.extend_from_slice(&u32::MAX.to_be_bytes());
        long.extend_from_slice(b"IDAT");
        assert_eq!(png_critical_chunks(&long).unwrap(), long);
        let e = load_gray(&long).unwrap_err().to_string();
        assert!(e.contains("cannot decode"), "{e}");
        let e = load_gray(&png[..png.len() - 12]).unwrap_err().to_string();
        assert!(e.contains("cannot decode"), "{e}");
    }

    #[test]
    fn refuses_too_many_pixels_before_decoding() {
        let mut png = small_png();
        png[16..20].copy_from_slice(&5000u32.to_be_bytes());
        png[20..24].copy_from_slice(&4000u32.to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(&png[12..29]);
        png[29..33].copy_from_slice(&crc.sum().to_be_bytes());
        let e = load_gray(&png).unwrap_err().to_string();
        assert!(e.contains("5000x4000 pixels is more than the limit"), "{e}");
    }
}
