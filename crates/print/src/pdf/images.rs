//! The photo, seal and logo: untrusted PNG/JPEG bytes decoded within the same limits as QR
//! images (`qr::load`: file size, dimensions read from the header before decoding, the
//! decoder's allocation limit, PNG ancillary chunks dropped), scaled down to what print needs,
//! and handed to the PDF writer as RGBA pixels. Seals and logos repeat on every certificate of
//! an issuer, so the last few decoded are kept.

use super::{PdfError, PrintedCertificate};
use image::{imageops::FilterType, DynamicImage, ImageFormat, ImageReader, Limits};
use krilla::image::Image;
use skillcert_qrimage::load::{
    png_critical_chunks, sniff, MAX_DECODE_ALLOC, MAX_IMAGE_BYTES, MAX_PIXELS, MAX_SIDE,
};
use std::io::Cursor;
use std::sync::{Arc, Mutex};

/// Longest side kept for a photo, in pixels (a 35 × 49 mm photo at about 250 dpi).
const PHOTO_SIDE: u32 = 480;
/// Longest side kept for a seal or logo.
pub(super) const MARK_SIDE: u32 = 600;
/// Seals and logos kept decoded.
const CACHED: usize = 8;

/// A decoded image and its pixel size.
#[derive(Clone)]
pub(super) struct Picture {
    pub image: Image,
    pub width: u32,
    pub height: u32,
}

/// The decoded images of one certificate.
pub(super) struct Pictures {
    pub photo: Option<Picture>,
    pub seal: Option<Picture>,
    pub logo: Option<Picture>,
}

/// Recently decoded seals and logos, by their bytes.
#[derive(Default)]
pub(super) struct Cache(Mutex<Vec<(Arc<[u8]>, Picture)>>);

fn err(field: &str, m: impl Into<String>) -> PdfError {
    PdfError::Image {
        field: field.to_owned(),
        message: m.into(),
    }
}

fn check_dimensions(field: &str, w: u32, h: u32) -> Result<(), PdfError> {
    if w == 0 || h == 0 || w > MAX_SIDE || h > MAX_SIDE || u64::from(w) * u64::from(h) > MAX_PIXELS
    {
        return Err(err(
            field,
            format!("{w}x{h} pixels: an image must have 1 to {MAX_PIXELS} pixels, at most {MAX_SIDE} a side"),
        ));
    }
    Ok(())
}

/// Decodes a PNG or JPEG within the limits and scales it to at most `side` pixels a side.
pub(super) fn decode(field: &str, bytes: &[u8], side: u32) -> Result<Picture, PdfError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(err(
            field,
            format!(
                "{} bytes is more than the limit of {MAX_IMAGE_BYTES}",
                bytes.len()
            ),
        ));
    }
    let fmt = sniff(bytes).ok_or_else(|| err(field, "not a PNG or JPEG image"))?;
    let filtered;
    let bytes = if fmt == ImageFormat::Png {
        filtered = png_critical_chunks(bytes).map_err(|e| err(field, e.to_string()))?;
        &filtered[..]
    } else {
        bytes
    };
    let reader = || {
        let mut r = ImageReader::with_format(Cursor::new(bytes), fmt);
        let mut l = Limits::default();
        l.max_image_width = Some(MAX_SIDE);
        l.max_image_height = Some(MAX_SIDE);
        l.max_alloc = Some(MAX_DECODE_ALLOC);
        r.limits(l);
        r
    };
    let (w, h) = reader()
        .into_dimensions()
        .map_err(|e| err(field, format!("cannot read the image header: {e}")))?;
    check_dimensions(field, w, h)?;
    let mut img = reader()
        .decode()
        .map_err(|e| err(field, format!("cannot decode the image: {e}")))?;
    if img.width().max(img.height()) > side {
        img = img.resize(side, side, FilterType::Triangle);
    }
    let rgba = match img {
        DynamicImage::ImageRgba8(i) => i,
        other => other.into_rgba8(),
    };
    let (width, height) = rgba.dimensions();
    Ok(Picture {
        image: Image::from_rgba8(rgba.into_raw(), width, height),
        width,
        height,
    })
}

impl Cache {
    fn mark(&self, field: &str, bytes: &Arc<[u8]>) -> Result<Picture, PdfError> {
        let hit = |c: &Vec<(Arc<[u8]>, Picture)>| {
            c.iter()
                .find(|(b, _)| Arc::ptr_eq(b, bytes) || b[..] == bytes[..])
                .map(|(_, p)| p.clone())
        };
        if let Some(p) = self.0.lock().ok().and_then(|c| hit(&c)) {
            return Ok(p);
        }
        let p = decode(field, bytes, MARK_SIDE)?;
        if let Ok(mut c) = self.0.lock() {
            if c.len() >= CACHED {
                c.remove(0);
            }
            c.push((bytes.clone(), p.clone()));
        }
        Ok(p)
    }

    /// The decoded photo, seal and logo of `cert`.
    pub(super) fn pictures(&self, cert: &PrintedCertificate) -> Result<Pictures, PdfError> {
        Ok(Pictures {
            photo: cert
                .photo
                .as_deref()
                .map(|b| decode("photo", b, PHOTO_SIDE))
                .transpose()?,
            seal: cert
                .seal
                .as_ref()
                .map(|b| self.mark("seal", b))
                .transpose()?,
            logo: cert
                .logo
                .as_ref()
                .map(|b| self.mark("logo", b))
                .transpose()?,
        })
    }
}
