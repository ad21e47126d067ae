//! Re-reading a QR grid the detector found, from the grey picture rather than its black and
//! white one.
//!
//! The detector (quirc) thresholds the picture once and reads every module from one pixel of
//! it. On a blurred, noisy or unevenly lit photo that pixel is often on the wrong side of the
//! threshold, or the grid is off by a fraction of a module, and the code fails with "format
//! data ECC failure" or "too many errors to correct" although it was found. Here:
//!
//! - the grid is fitted to the grey picture ([`refine`]): its four corners move, by hill
//!   climbing, to where the finder, timing and alignment patterns every code has are darkest
//!   and lightest as they should be (optionally with one version more or fewer modules:
//!   [`Grid::resized`]);
//! - every module is read as the average of five points around its centre (bilinear);
//! - the module values are thresholded several ways ([`codes`]): against the mean of the
//!   modules around each (uneven light), against one global (Otsu) threshold, each with a small
//!   bias either way, and after a module-level sharpening (blur spreads a module into its
//!   neighbours).
//!
//! A fit is a few hundred thousand samples and every variant one more decode of the same grid;
//! the caller charges both to its budget.

use image::GrayImage;

/// The detector's grid: its perspective transform (grid units to pixels of the detection
/// image) and its size in modules.
#[derive(Debug, Clone, Copy)]
pub struct Grid {
    /// quirc's perspective coefficients.
    pub c: [f64; 8],
    /// Modules across.
    pub size: usize,
    /// Pixels of the grey picture per pixel of the detection image.
    pub scale: f64,
}

impl Grid {
    /// The detection-image position of grid point (`u`, `v`).
    fn raw(&self, u: f64, v: f64) -> (f64, f64) {
        let c = &self.c;
        let den = c[6] * u + c[7] * v + 1.0;
        (
            (c[0] * u + c[1] * v + c[2]) / den,
            (c[3] * u + c[4] * v + c[5]) / den,
        )
    }

    /// The grid whose corners (grid points (0, 0), (n, 0), (n, n), (0, n)) are at `p`.
    fn with_corners(&self, p: [(f64, f64); 4]) -> Option<Grid> {
        let [(x0, y0), (x1, y1), (x2, y2), (x3, y3)] = p;
        let (dx1, dx2, dx3) = (x1 - x2, x3 - x2, x0 - x1 + x2 - x3);
        let (dy1, dy2, dy3) = (y1 - y2, y3 - y2, y0 - y1 + y2 - y3);
        let den = dx1 * dy2 - dx2 * dy1;
        if den.abs() < 1e-9 {
            return None;
        }
        let g = (dx3 * dy2 - dx2 * dy3) / den;
        let h = (dx1 * dy3 - dx3 * dy1) / den;
        let n = self.size as f64;
        let c = [
            (x1 - x0 + g * x1) / n,
            (x3 - x0 + h * x3) / n,
            x0,
            (y1 - y0 + g * y1) / n,
            (y3 - y0 + h * y3) / n,
            y0,
            g / n,
            h / n,
        ];
        c.iter()
            .all(|v| v.is_finite())
            .then_some(Grid { c, ..*self })
    }

    /// The grid with the same corners and `size` modules across (versions 1 to 40 only): the
    /// detector counts the modules on its black and white picture, where a blurred timing
    /// pattern can be miscounted.
    pub fn resized(&self, size: usize) -> Option<Grid> {
        if !(21..=177).contains(&size) {
            return None;
        }
        Grid { size, ..*self }.with_corners(self.corners())
    }

    /// The detection-image positions of the grid's corners, clockwise from (0, 0).
    fn corners(&self) -> [(f64, f64); 4] {
        let n = self.size as f64;
        [(0.0, 0.0), (n, 0.0), (n, n), (0.0, n)].map(|(u, v)| self.raw(u, v))
    }

    /// The grey-picture position of grid point (`u`, `v`).
    fn map(&self, u: f64, v: f64) -> (f64, f64) {
        let (x, y) = self.raw(u, v);
        // quirc's pixel centres are at integer positions; a detection pixel covers `scale`
        // grey pixels, whose centre is half a pixel in.
        ((x + 0.5) * self.scale - 0.5, (y + 0.5) * self.scale - 0.5)
    }
}

/// Bilinear value at (`x`, `y`) (pixel centres at integers), white outside the picture.
fn bilinear(img: &GrayImage, x: f64, y: f64) -> f32 {
    let (w, h) = (img.width() as i64, img.height() as i64);
    // Far outside (or not a number): white, before any integer arithmetic can overflow.
    if !(x > -2.0 && y > -2.0 && x < w as f64 + 2.0 && y < h as f64 + 2.0) {
        return 255.0;
    }
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = ((x - x0) as f32, (y - y0) as f32);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let raw = img.as_raw();
    let p = |xx: i64, yy: i64| -> f32 {
        if xx < 0 || yy < 0 || xx >= w || yy >= h {
            255.0
        } else {
            f32::from(raw[(yy * w + xx) as usize])
        }
    };
    let top = p(x0, y0) * (1.0 - fx) + p(x0 + 1, y0) * fx;
    let bottom = p(x0, y0 + 1) * (1.0 - fx) + p(x0 + 1, y0 + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// The grey value of every module, row by row: the mean of its centre and four points a
/// quarter module from it.
fn module_values(img: &GrayImage, grid: &Grid, shift: (f64, f64)) -> Vec<f32> {
    let n = grid.size;
    let mut out = Vec::with_capacity(n * n);
    const TAPS: [(f64, f64); 5] = [
        (0.0, 0.0),
        (-0.22, 0.0),
        (0.22, 0.0),
        (0.0, -0.22),
        (0.0, 0.22),
    ];
    for y in 0..n {
        for x in 0..n {
            let (u, v) = (x as f64 + 0.5 + shift.0, y as f64 + 0.5 + shift.1);
            let s: f32 = TAPS
                .iter()
                .map(|(du, dv)| {
                    let (px, py) = grid.map(u + du, v + dv);
                    bilinear(img, px, py)
                })
                .sum();
            out.push(s / TAPS.len() as f32);
        }
    }
    out
}

/// The modules every QR code has (finder patterns with their separators, timing patterns),
/// as (x, y, dark).
fn function_modules(n: usize) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::new();
    if n < 21 {
        return out;
    }
    for (ox, oy) in [(0, 0), (n - 7, 0), (0, n - 7)] {
        for j in 0..7 {
            for i in 0..7 {
                let d = (i as i32 - 3).abs().max((j as i32 - 3).abs());
                out.push((ox + i, oy + j, d != 2));
            }
        }
    }
    for k in 8..n - 8 {
        out.push((k, 6, k % 2 == 0));
        out.push((6, k, k % 2 == 0));
    }
    let centres = alignment_centres(n);
    for &cy in &centres {
        for &cx in &centres {
            // The three corners with a finder pattern have no alignment pattern.
            let in_finder = (cy < 9 && (cx < 9 || cx > n - 10)) || (cx < 9 && cy > n - 10);
            if in_finder {
                continue;
            }
            for j in 0..5 {
                for i in 0..5 {
                    let d = (i as i32 - 2).abs().max((j as i32 - 2).abs());
                    out.push((cx + i - 2, cy + j - 2, d != 1));
                }
            }
        }
    }
    out
}

/// The rows (and columns) of the alignment pattern centres of a code `n` modules across.
fn alignment_centres(n: usize) -> Vec<usize> {
    let version = n.saturating_sub(17) / 4;
    if !(2..=40).contains(&version) {
        return Vec::new();
    }
    let count = version / 7 + 2;
    let step = if version == 32 {
        26
    } else {
        (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2
    };
    let mut out: Vec<usize> = (0..count - 1).map(|i| n - 7 - i * step).collect();
    out.push(6);
    out.reverse();
    out
}

/// How well `grid` fits the code in `img`: mean light minus mean dark of the function modules.
fn fitness(img: &GrayImage, grid: &Grid, modules: &[(usize, usize, bool)]) -> f64 {
    let (mut light, mut dark, mut nl, mut nd) = (0.0, 0.0, 0usize, 0usize);
    for &(x, y, d) in modules {
        let (px, py) = grid.map(x as f64 + 0.5, y as f64 + 0.5);
        let v = f64::from(bilinear(img, px, py));
        if d {
            dark += v;
            nd += 1;
        } else {
            light += v;
            nl += 1;
        }
    }
    light / nl.max(1) as f64 - dark / nd.max(1) as f64
}

/// `grid` with its four corners moved (hill climbing, steps of one, a half, a quarter and an
/// eighth of a module) to where the finder, timing and alignment patterns fit the grey picture best,
/// and its fitness. At most 4 x 12 rounds of 16 tries, each reading the function modules.
pub fn refine(img: &GrayImage, grid: &Grid) -> (Grid, f64) {
    let modules = function_modules(grid.size);
    let n = grid.size as f64;
    let mut best = *grid;
    let mut score = fitness(img, &best, &modules);
    let module_px = {
        let (a, b) = (grid.raw(0.0, 0.0), grid.raw(n, 0.0));
        ((a.0 - b.0).hypot(a.1 - b.1) / n).max(0.5)
    };
    for step in [1.0, 0.5, 0.25, 0.125] {
        let d = step * module_px;
        for _ in 0..12 {
            let mut improved = false;
            for corner in 0..4 {
                for (dx, dy) in [(d, 0.0), (-d, 0.0), (0.0, d), (0.0, -d)] {
                    let mut p = best.corners();
                    p[corner].0 += dx;
                    p[corner].1 += dy;
                    let Some(g) = best.with_corners(p) else {
                        continue;
                    };
                    let s = fitness(img, &g, &modules);
                    if s > score {
                        (best, score, improved) = (g, s, true);
                    }
                }
            }
            if !improved {
                break;
            }
        }
    }
    (best, score)
}

/// Otsu's threshold of `values` (0–255).
fn otsu(values: &[f32]) -> f32 {
    let mut hist = [0u32; 256];
    for v in values {
        hist[v.clamp(0.0, 255.0) as usize] += 1;
    }
    let total = values.len() as f64;
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, c)| i as f64 * f64::from(*c))
        .sum();
    let (mut w0, mut sum0, mut best, mut best_t) = (0.0, 0.0, -1.0, 127.5);
    for (t, c) in hist.iter().enumerate() {
        w0 += f64::from(*c);
        sum0 += t as f64 * f64::from(*c);
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t as f32 + 0.5;
        }
    }
    best_t
}

/// For every module, the mean of the modules within `r` of it (a square window, clipped).
fn local_means(values: &[f32], n: usize, r: usize) -> Vec<f32> {
    let mut sat = vec![0f64; (n + 1) * (n + 1)];
    for y in 0..n {
        let mut row = 0f64;
        for x in 0..n {
            row += f64::from(values[y * n + x]);
            sat[(y + 1) * (n + 1) + x + 1] = sat[y * (n + 1) + x + 1] + row;
        }
    }
    let mut out = Vec::with_capacity(n * n);
    for y in 0..n {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(n));
        for x in 0..n {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(n));
            let s = sat[y1 * (n + 1) + x1] + sat[y0 * (n + 1) + x0]
                - sat[y0 * (n + 1) + x1]
                - sat[y1 * (n + 1) + x0];
            out.push((s / ((y1 - y0) * (x1 - x0)) as f64) as f32);
        }
    }
    out
}

/// `values` with `k` times the difference to the mean of each module's four neighbours added.
fn sharpen(values: &[f32], n: usize, k: f32) -> Vec<f32> {
    let at = |x: usize, y: usize| values[y * n + x];
    let mut out = Vec::with_capacity(n * n);
    for y in 0..n {
        for x in 0..n {
            let v = at(x, y);
            let around = [
                if x > 0 { at(x - 1, y) } else { v },
                if x + 1 < n { at(x + 1, y) } else { v },
                if y > 0 { at(x, y - 1) } else { v },
                if y + 1 < n { at(x, y + 1) } else { v },
            ];
            let mean = around.iter().sum::<f32>() / 4.0;
            out.push(v + k * (v - mean));
        }
    }
    out
}

/// The module bitmaps to try for one grid, likeliest first: dark modules are `true`.
fn bitmaps(values: &[f32], n: usize) -> Vec<Vec<bool>> {
    if values.len() != n * n || n == 0 {
        return Vec::new();
    }
    let global = otsu(values);
    let spread = {
        let (lo, hi) = values
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        (hi - lo).max(1.0)
    };
    let local = local_means(values, n, 4);
    let local_wide = local_means(values, n, 8);
    let mut out = Vec::new();
    // Blur spreads each module into its neighbours: take some of their mean back out.
    let sharp = sharpen(values, n, 0.6);
    let sharp_local = local_means(&sharp, n, 4);
    out.push(
        sharp
            .iter()
            .zip(&sharp_local)
            .map(|(v, m)| *v < *m)
            .collect(),
    );
    let sharp_global = otsu(&sharp);
    out.push(sharp.iter().map(|v| *v < sharp_global).collect());
    for bias in [0.0f32, -0.06, 0.06, -0.12, 0.12] {
        let b = bias * spread;
        out.push(
            values
                .iter()
                .zip(&local)
                .map(|(v, m)| *v < *m + b)
                .collect(),
        );
        out.push(values.iter().map(|v| *v < global + b).collect());
        if bias == 0.0 {
            out.push(
                values
                    .iter()
                    .zip(&local_wide)
                    .map(|(v, m)| *v < *m)
                    .collect(),
            );
        }
    }
    out
}

/// The codes to try for `grid` (moved by `shift` modules), likeliest first: its modules read
/// from `img` and thresholded every way `bitmaps` knows (see the module documentation).
pub fn codes(img: &GrayImage, grid: &Grid, shift: (f64, f64)) -> Vec<quircs::Code> {
    let values = module_values(img, grid, shift);
    bitmaps(&values, grid.size)
        .iter()
        .map(|dark| code_of(dark, grid.size))
        .collect()
}

/// A quirc code of `size` modules holding `dark`.
fn code_of(dark: &[bool], size: usize) -> quircs::Code {
    let mut code = quircs::Code {
        size: size as i32,
        ..quircs::Code::default()
    };
    for (i, d) in dark.iter().enumerate() {
        if *d && i / 8 < code.cell_bitmap.len() {
            code.cell_bitmap[i / 8] |= 1 << (i % 8);
        }
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_centres_match_the_standard_table() {
        assert_eq!(alignment_centres(21), Vec::<usize>::new());
        assert_eq!(alignment_centres(25), vec![6, 18]);
        assert_eq!(alignment_centres(45), vec![6, 22, 38]);
        assert_eq!(alignment_centres(145), vec![6, 34, 60, 86, 112, 138]);
        assert_eq!(alignment_centres(177), vec![6, 30, 58, 86, 114, 142, 170]);
    }

    #[test]
    fn otsu_splits_two_groups() {
        let v: Vec<f32> = (0..100)
            .map(|i| if i % 2 == 0 { 60.0 } else { 190.0 })
            .collect();
        let t = otsu(&v);
        assert!((60.0..190.0).contains(&t), "{t}");
    }

    #[test]
    fn local_mean_follows_a_gradient() {
        let n = 21;
        let v: Vec<f32> = (0..n * n).map(|i| (i % n) as f32 * 10.0).collect();
        let m = local_means(&v, n, 2);
        assert_eq!(m[10 * n + 10], 100.0);
        assert_eq!(m[0], 10.0);
    }

    #[test]
    fn module_values_read_an_axis_aligned_grid() {
        // 3x3 modules of 4 pixels, a checkerboard, starting at pixel 2.
        let img = GrayImage::from_fn(16, 16, |x, y| {
            let (mx, my) = ((x as i32 - 2).div_euclid(4), (y as i32 - 2).div_euclid(4));
            image::Luma([
                if (0..3).contains(&mx) && (0..3).contains(&my) && (mx + my) % 2 == 0 {
                    0
                } else {
                    255
                },
            ])
        });
        // Grid unit u maps to pixel 2 + 4u - 0.5 (quirc's pixel centres are at integers).
        let grid = Grid {
            c: [4.0, 0.0, 1.5, 0.0, 4.0, 1.5, 0.0, 0.0],
            size: 3,
            scale: 1.0,
        };
        let v = module_values(&img, &grid, (0.0, 0.0));
        assert!(v[0] < 10.0 && v[1] > 245.0, "{v:?}");
        let dark = vec![true, false, true, false, true, false, true, false, true];
        let tries = bitmaps(&v, 3);
        // The global thresholds (plain and sharpened) read it exactly.
        assert_eq!(tries[1], dark);
        assert_eq!(tries[3], dark);
        let code = code_of(&dark, 3);
        assert_eq!(code.cell_bitmap[0], 0b0101_0101);
        assert_eq!(code.cell_bitmap[1], 1);
    }
}
