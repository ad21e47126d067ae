//! Grey-scale pixel operations for the QR reader's passes, on plain slices: area-average
//! scaling, a 3x3 box blur, bilinear up-scaling and a local threshold. Each is one or two
//! passes over the pixels (no per-pixel allocation, no generic image traits), so its cost is a
//! small multiple of the pixel count whatever the picture holds.

use image::GrayImage;

/// `img` scaled down (area average) so that its longer side is at most `max_side`; a copy
/// when it already fits.
pub fn downscale(img: &GrayImage, max_side: u32) -> GrayImage {
    let (w, h) = img.dimensions();
    let side = w.max(h);
    if side <= max_side || max_side == 0 {
        return img.clone();
    }
    let nw = ((u64::from(w) * u64::from(max_side) / u64::from(side)) as u32).max(1);
    let nh = ((u64::from(h) * u64::from(max_side) / u64::from(side)) as u32).max(1);
    let (w, h, nw, nh) = (w as usize, h as usize, nw as usize, nh as usize);
    let src = img.as_raw();
    let mut out = vec![0u8; nw * nh];
    let mut acc = vec![0u32; w];
    for oy in 0..nh {
        let (y0, y1) = (oy * h / nh, ((oy + 1) * h / nh).max(oy * h / nh + 1));
        acc.iter_mut().for_each(|a| *a = 0);
        for row in src[y0 * w..y1 * w].chunks_exact(w) {
            for (a, p) in acc.iter_mut().zip(row) {
                *a += u32::from(*p);
            }
        }
        for ox in 0..nw {
            let (x0, x1) = (ox * w / nw, ((ox + 1) * w / nw).max(ox * w / nw + 1));
            let sum: u32 = acc[x0..x1].iter().sum();
            out[oy * nw + ox] = (sum / ((x1 - x0) * (y1 - y0)) as u32) as u8;
        }
    }
    GrayImage::from_raw(nw as u32, nh as u32, out).expect("sized buffer")
}

/// 3x3 box blur (edges use the pixels that exist): takes out JPEG ringing and paper texture.
pub fn blur3(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let src = img.as_raw();
    let mut rows = vec![0u16; w * h];
    for y in 0..h {
        let r = &src[y * w..(y + 1) * w];
        for x in 0..w {
            let (a, b) = (x.saturating_sub(1), (x + 1).min(w - 1));
            rows[y * w + x] =
                r[a..=b].iter().map(|p| u16::from(*p)).sum::<u16>() * 6 / (b - a + 1) as u16;
        }
    }
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let (a, b) = (y.saturating_sub(1), (y + 1).min(h - 1));
        for x in 0..w {
            let s: u32 = (a..=b).map(|yy| u32::from(rows[yy * w + x])).sum();
            out[y * w + x] = (s / (6 * (b - a + 1)) as u32) as u8;
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("sized buffer")
}

/// `img` scaled by 3/2 with bilinear interpolation (helps codes with very small modules).
pub fn upscale_3_2(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let (nw, nh) = (w * 3 / 2, h * 3 / 2);
    let src = img.as_raw();
    let mut out = vec![0u8; nw * nh];
    for oy in 0..nh {
        // Source position in 1/3 pixel steps: oy * 2/3.
        let sy = oy * 2;
        let (y0, fy) = ((sy / 3).min(h - 1), (sy % 3) as u32);
        let y1 = (y0 + 1).min(h - 1);
        for ox in 0..nw {
            let sx = ox * 2;
            let (x0, fx) = ((sx / 3).min(w - 1), (sx % 3) as u32);
            let x1 = (x0 + 1).min(w - 1);
            let p = |y: usize, x: usize| u32::from(src[y * w + x]);
            let top = p(y0, x0) * (3 - fx) + p(y0, x1) * fx;
            let bottom = p(y1, x0) * (3 - fx) + p(y1, x1) * fx;
            out[oy * nw + ox] = ((top * (3 - fy) + bottom * fy) / 9) as u8;
        }
    }
    GrayImage::from_raw(nw as u32, nh as u32, out).expect("sized buffer")
}

/// Local (adaptive) threshold: a pixel is dark when it is darker than the mean of the square
/// window around it by a small margin. Copes with uneven light, where one global threshold
/// (what the detector does on its own) fails. Summed-area table: O(pixels).
pub fn adaptive(img: &GrayImage) -> GrayImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let r = (w.max(h) / 16).clamp(8, 64);
    let src = img.as_raw();
    let mut sat = vec![0u64; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0u64;
        for x in 0..w {
            row += u64::from(src[y * w + x]);
            sat[(y + 1) * (w + 1) + x + 1] = sat[y * (w + 1) + x + 1] + row;
        }
    }
    let mut out = vec![0u8; w * h];
    for y in 0..h {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(h));
        for x in 0..w {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(w));
            let sum = sat[y1 * (w + 1) + x1] + sat[y0 * (w + 1) + x0]
                - sat[y0 * (w + 1) + x1]
                - sat[y1 * (w + 1) + x0];
            let n = ((y1 - y0) * (x1 - x0)) as u64;
            let p = u64::from(src[y * w + x]);
            // Dark when p < 0.9 * mean.
            out[y * w + x] = if p * n * 10 < sum * 9 { 0 } else { 255 };
        }
    }
    GrayImage::from_raw(w as u32, h as u32, out).expect("sized buffer")
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    #[test]
    fn downscale_averages_areas() {
        let img = GrayImage::from_fn(4, 2, |x, _| Luma([if x < 2 { 0 } else { 200 }]));
        let d = downscale(&img, 2);
        assert_eq!(d.dimensions(), (2, 1));
        assert_eq!(d.as_raw(), &vec![0, 200]);
        assert_eq!(downscale(&img, 10), img);
    }

    #[test]
    fn blur_keeps_flat_areas_and_softens_edges() {
        let img = GrayImage::from_fn(5, 5, |x, _| Luma([if x < 2 { 0 } else { 90 }]));
        let b = blur3(&img);
        assert_eq!(b.get_pixel(0, 2).0[0], 0);
        assert_eq!(b.get_pixel(4, 2).0[0], 90);
        assert_eq!(b.get_pixel(1, 2).0[0], 30);
        assert_eq!(b.get_pixel(2, 2).0[0], 60);
    }

    #[test]
    fn upscale_interpolates() {
        let img = GrayImage::from_fn(2, 2, |x, _| Luma([if x == 0 { 0 } else { 90 }]));
        let u = upscale_3_2(&img);
        assert_eq!(u.dimensions(), (3, 3));
        assert_eq!(u.get_pixel(0, 0).0[0], 0);
        assert_eq!(u.get_pixel(1, 0).0[0], 60);
        assert_eq!(u.get_pixel(2, 0).0[0], 90);
    }

    #[test]
    fn adaptive_threshold_separates_dark_from_local_background() {
        // A dark square on a gradient: a global threshold cannot isolate it, a local one does.
        let img = GrayImage::from_fn(200, 100, |x, y| {
            let bg = 60 + (x * 190 / 200) as u8;
            let inside = (130..140).contains(&x) && (40..50).contains(&y);
            Luma([if inside { bg / 2 } else { bg }])
        });
        let t = adaptive(&img);
        assert_eq!(t.get_pixel(135, 45).0[0], 0);
        assert_eq!(t.get_pixel(10, 10).0[0], 255);
        assert_eq!(t.get_pixel(190, 90).0[0], 255);
    }
}
