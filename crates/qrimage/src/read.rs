//! Reading a QR code from a PNG or JPEG image (a scan or a phone photo), within a budget.
//!
//! Untrusted images are the cheapest way to make a verifier work hard, so reading one is
//! bounded three ways:
//!
//! - **memory**: [`load`](super::load) refuses oversized files and images before the decoder
//!   allocates, caps the decoder's allocation and drops PNG ancillary chunks;
//! - **work per pass**: the image is scaled down to at most [`SCAN_SIDE`] pixels a side first,
//!   and the detector (`quircs`, a port of quirc) keeps at most 32 finder-pattern candidates
//!   and 8 candidate grids per pass, so one pass costs a small multiple of the pixel count
//!   whatever the picture holds (a picture tiled with finder-like squares included);
//! - **the whole read**: a [`Budget`] of work units and wall time is checked before every pass
//!   and every candidate grid; when it runs out the read stops with an error that says so.
//!
//! Several passes (as is, locally thresholded, blurred, scaled) make photos of paper
//! certificates work; later passes only run when earlier ones found nothing. A grid the
//! detector found but could not decode is re-read from the grey picture after a finer fit
//! ([`sample`]): on blurred, noisy, low-contrast photos that is what reads them.

use super::load::load_gray;
pub use super::load::{sniff, MAX_IMAGE_BYTES, MAX_PIXELS, MAX_SIDE};
use super::pixels::{adaptive, blur3, downscale, upscale_3_2};
use super::{looks_like_qr_text, sample, QrError};
use image::GrayImage;
use std::time::{Duration, Instant};

/// Images are scanned at most this wide or high (larger ones are scaled down first).
pub const SCAN_SIDE: u32 = 2400;

/// How much one image read may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Wall-clock time for the whole read, checked before every pass and every candidate grid.
    pub time: Duration,
    /// Work units for the whole read: one unit is about one pixel visited by one step.
    pub work: u64,
}

impl Default for Budget {
    /// Three seconds and 800 million units: every pass on the largest image fits, with every
    /// candidate grid re-read (so on this budget the work limit never cuts a read short; it
    /// bounds custom passes), and a typical photo needs a tenth of it.
    fn default() -> Self {
        Budget {
            time: Duration::from_secs(3),
            work: 800_000_000,
        }
    }
}

/// What a read cost, for tests and logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Work units spent.
    pub work: u64,
    /// Passes run.
    pub passes: u32,
    /// Candidate grids tried.
    pub grids: u32,
}

/// A running budget.
struct Meter {
    start: Instant,
    budget: Budget,
    stats: ReadStats,
}

impl Meter {
    /// Charges `units`, or refuses when they do not fit or the time is up.
    fn charge(&mut self, units: u64) -> Result<(), QrError> {
        if self.start.elapsed() > self.budget.time {
            return Err(QrError::Image(format!(
                "reading the image took longer than its budget of {} ms",
                self.budget.time.as_millis()
            )));
        }
        if self.stats.work.saturating_add(units) > self.budget.work {
            return Err(QrError::Image(format!(
                "reading the image needs more work than its budget of {} units",
                self.budget.work
            )));
        }
        self.stats.work += units;
        Ok(())
    }
}

/// One pre-processing step before detection, and its cost per pixel.
#[derive(Debug, Clone, Copy)]
enum Pass {
    AsIs,
    Adaptive,
    BlurAdaptive,
    Upscale,
    Half,
    HalfAdaptive,
    Third,
}

impl Pass {
    /// Work units per pixel of the base image, detection included.
    fn cost_per_pixel(self) -> u64 {
        match self {
            Pass::AsIs => DETECT_COST,
            Pass::Adaptive => 8 + DETECT_COST,
            Pass::BlurAdaptive => 8 + 8 + DETECT_COST,
            Pass::Upscale => 3 * (4 + 8 + DETECT_COST),
            Pass::Half => 2 + DETECT_COST / 4,
            Pass::HalfAdaptive => 2 + (8 + DETECT_COST) / 4,
            Pass::Third => 2 + DETECT_COST / 9,
        }
    }

    fn apply(self, base: &GrayImage, side: u32) -> GrayImage {
        match self {
            Pass::AsIs => base.clone(),
            Pass::Adaptive => adaptive(base),
            Pass::BlurAdaptive => adaptive(&blur3(base)),
            Pass::Upscale => adaptive(&upscale_3_2(base)),
            Pass::Half => downscale(base, side / 2),
            Pass::HalfAdaptive => adaptive(&downscale(base, side / 2)),
            Pass::Third => downscale(base, side / 3),
        }
    }
}

/// Work units per pixel of one detection (thresholding, finder scan, flood fills).
const DETECT_COST: u64 = 12;

/// The passes for a base image whose longer side is `side`, cheapest and likeliest first.
fn passes(side: u32) -> Vec<Pass> {
    let mut p = vec![Pass::AsIs, Pass::Adaptive, Pass::BlurAdaptive];
    if side <= SCAN_SIDE * 2 / 3 {
        p.push(Pass::Upscale);
    }
    if side > 600 {
        p.push(Pass::Half);
        p.push(Pass::HalfAdaptive);
    }
    if side > 1200 {
        p.push(Pass::Third);
    }
    p
}

/// What one detection found.
enum Found {
    Text(String),
    Other(String),
    Nothing,
}

/// What one decode of a grid gave.
fn judge(decoded: Result<quircs::Data, quircs::DecodeError>) -> Found {
    match decoded {
        Ok(data) if looks_like_qr_text(&data.payload) => match String::from_utf8(data.payload) {
            Ok(t) => Found::Text(t),
            Err(_) => Found::Other("the QR code holds text that is not UTF-8".into()),
        },
        Ok(_) => Found::Other("the QR code does not hold a skillcert certificate URL".into()),
        Err(e) => Found::Other(format!("a QR code was found but cannot be read: {e}")),
    }
}

/// Decodes `code`; the decoder is third-party code, so a panic is an error, not a crash.
fn decode(code: &quircs::Code) -> Result<Found, QrError> {
    std::panic::catch_unwind(|| code.decode())
        .map(judge)
        .map_err(|_| QrError::Image("the QR decoder failed on this image".into()))
}

/// Runs the detector on `img`, trying each candidate grid while the budget lasts: first as
/// the detector read it, then re-read from `grey` (the base picture, `grey.width() /
/// img.width()` times larger) with several thresholds ([`sample`](super::sample)).
fn detect(img: &GrayImage, grey: &GrayImage, meter: &mut Meter) -> Result<Found, QrError> {
    let run = || {
        let mut q = quircs::Quirc::default();
        let (w, h) = (img.width() as usize, img.height() as usize);
        let codes: Vec<_> = q.identify(w, h, img.as_raw()).collect();
        let grids: Vec<_> = q.grids.iter().map(|g| (g.c, g.grid_size)).collect();
        (codes, grids)
    };
    // The detector is third-party code: a panic on a hostile image must not take the process
    // down.
    let (codes, grids) = std::panic::catch_unwind(run)
        .map_err(|_| QrError::Image("the QR decoder failed on this image".into()))?;
    let scale = f64::from(grey.width()) / f64::from(img.width().max(1));
    let mut found = Found::Nothing;
    for (code, (c, size)) in codes.into_iter().zip(grids) {
        let Ok(code) = code else { continue };
        meter.charge(GRID_COST)?;
        meter.stats.grids += 1;
        found = match decode(&code)? {
            Found::Text(t) => return Ok(Found::Text(t)),
            other => other,
        };
        // Versions 1 to 40 only: the size bounds the work of a re-read.
        let Some(size) = usize::try_from(size)
            .ok()
            .filter(|s| (21..=177).contains(s))
        else {
            continue;
        };
        if let Some(t) = reread(grey, sample::Grid { c, size, scale }, meter)? {
            return Ok(Found::Text(t));
        }
    }
    Ok(found)
}

/// Decodes `grid` (moved by `shift` modules) read from `grey`, every way [`sample::codes`]
/// thresholds it, while the budget lasts.
fn read_grid(
    grey: &GrayImage,
    grid: &sample::Grid,
    shift: (f64, f64),
    meter: &mut Meter,
) -> Result<Option<String>, QrError> {
    meter.charge(GRID_COST)?;
    for code in sample::codes(grey, grid, shift) {
        meter.charge(GRID_COST / 4)?;
        meter.stats.grids += 1;
        if let Found::Text(t) = decode(&code)? {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// Re-reads a grid the detector found but could not decode, from the grey picture: as found,
/// then fitted to the picture (and three small shifts of that), then fitted with one version
/// fewer or more modules when that fits better. Every fit, grid read and decode is charged.
fn reread(
    grey: &GrayImage,
    found: sample::Grid,
    meter: &mut Meter,
) -> Result<Option<String>, QrError> {
    if let Some(t) = read_grid(grey, &found, (0.0, 0.0), meter)? {
        return Ok(Some(t));
    }
    meter.charge(FIT_COST)?;
    let (fitted, score) = sample::refine(grey, &found);
    for shift in [(0.0, 0.0), (0.15, 0.15), (-0.15, -0.15)] {
        if let Some(t) = read_grid(grey, &fitted, shift, meter)? {
            return Ok(Some(t));
        }
    }
    for size in [found.size + 4, found.size.saturating_sub(4)] {
        let Some(other) = found.resized(size) else {
            continue;
        };
        meter.charge(FIT_COST)?;
        let (fitted, s) = sample::refine(grey, &other);
        if s > score {
            if let Some(t) = read_grid(grey, &fitted, (0.0, 0.0), meter)? {
                return Ok(Some(t));
            }
        }
    }
    Ok(None)
}

/// Work units of fitting one grid ([`sample::refine`]): up to 48 rounds of 16 fitness
/// evaluations of up to about 1,500 function modules.
const FIT_COST: u64 = 1_000_000;

/// Work units of decoding one candidate grid (sampling and error correction of up to a
/// version 40 code).
const GRID_COST: u64 = 200_000;

/// Finds a skillcert QR code in a PNG or JPEG image and returns its text, within the default
/// [`Budget`].
pub fn parse_image(bytes: &[u8]) -> Result<String, QrError> {
    parse_image_within(bytes, Budget::default()).map(|(t, _)| t)
}

/// [`parse_image`] within `budget`, also returning what the read cost.
pub fn parse_image_within(bytes: &[u8], budget: Budget) -> Result<(String, ReadStats), QrError> {
    let mut meter = Meter {
        start: Instant::now(),
        budget,
        stats: ReadStats::default(),
    };
    let gray = load_gray(bytes)?;
    meter.charge(u64::from(gray.width()) * u64::from(gray.height()))?;
    let base = downscale(&gray, SCAN_SIDE);
    drop(gray);
    let side = base.width().max(base.height());
    let pixels = u64::from(base.width()) * u64::from(base.height());
    let mut last = Found::Nothing;
    for pass in passes(side) {
        meter.charge(pass.cost_per_pixel() * pixels)?;
        meter.stats.passes += 1;
        match detect(&pass.apply(&base, side), &base, &mut meter)? {
            Found::Text(t) => return Ok((t, meter.stats)),
            Found::Other(m) => last = Found::Other(m),
            Found::Nothing => {}
        }
    }
    Err(QrError::Image(match last {
        Found::Other(m) => m,
        _ => "no QR code found in the image".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::ImageFormat;
    use std::io::Cursor;

    fn png(img: &GrayImage) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

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
        let e = parse_image(&png(&img)).unwrap_err().to_string();
        assert!(e.contains("no QR code"), "{e}");
    }

    #[test]
    fn a_small_budget_stops_the_read_with_a_reason() {
        let img = GrayImage::from_fn(800, 800, |x, y| image::Luma([((x ^ y) & 0xff) as u8]));
        let budget = Budget {
            time: Duration::from_secs(60),
            work: 800 * 800 * 20,
        };
        let e = parse_image_within(&png(&img), budget)
            .unwrap_err()
            .to_string();
        assert!(e.contains("more work than its budget"), "{e}");
        let no_time = Budget {
            time: Duration::ZERO,
            work: u64::MAX,
        };
        let e = parse_image_within(&png(&img), no_time)
            .unwrap_err()
            .to_string();
        assert!(e.contains("longer than its budget"), "{e}");
    }
}
