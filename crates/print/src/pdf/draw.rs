//! Drawing primitives on a krilla surface: text runs (glyphs from the font's cmap, advances
//! from its metrics: CJK and Latin need no shaping beyond that), wrapping, lines, boxes and the
//! QR code as merged vector rectangles. Coordinates are PDF points, origin top left, y down.

use super::{PdfError, Printer};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, FillRule, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};

/// Millimetres to points.
pub(super) fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

/// The colours of the layouts.
#[derive(Clone, Copy)]
pub(super) enum Colour {
    /// Text.
    Ink,
    /// Labels.
    Grey,
    /// Titles and rules.
    Accent,
}

impl Colour {
    fn rgb(self) -> rgb::Color {
        match self {
            Colour::Ink => rgb::Color::new(0x1a, 0x1a, 0x1a),
            Colour::Grey => rgb::Color::new(0x55, 0x55, 0x55),
            Colour::Accent => rgb::Color::new(0x8b, 0x1a, 0x1a),
        }
    }
}

pub(super) use Colour::{Accent as ACCENT, Grey as GREY, Ink as INK};

/// Text alignment on the x position given.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Align {
    Left,
    Center,
}

/// A text style: size in points, colour, synthetic bold (fill and stroke).
#[derive(Clone, Copy)]
pub(super) struct Style {
    pub size: f32,
    pub color: Colour,
    pub bold: bool,
}

impl Style {
    pub(super) const fn new(size: f32, color: Colour) -> Style {
        Style {
            size,
            color,
            bold: false,
        }
    }

    pub(super) const fn bold(self) -> Style {
        Style { bold: true, ..self }
    }

    pub(super) const fn sized(self, size: f32) -> Style {
        Style { size, ..self }
    }
}

impl Printer {
    /// The bundled font's glyph of `c` and its advance (font units): from the run font's
    /// table when it has `c`, else from the font's cmap.
    fn metric(&self, c: char) -> (u16, u16) {
        if let Some(g) = self.run.as_ref().and_then(|r| r.glyph(c)) {
            return (g.bundled, g.advance);
        }
        let g = self.face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
        (g.0, self.face.glyph_hor_advance(g).unwrap_or(0))
    }

    /// Glyphs of `text` (advances in em), every character already checked printable, and
    /// the font they are in: the run font when it has them all, else the bundled font.
    fn glyphs(&self, text: &str) -> (Font, Vec<KrillaGlyph>) {
        let upem = f32::from(self.face.units_per_em());
        let glyph = |i: usize, c: char, id: u16, advance: u16| KrillaGlyph {
            glyph_id: GlyphId::new(u32::from(id)),
            text_range: i..i + c.len_utf8(),
            x_advance: f32::from(advance) / upem,
            x_offset: 0.0,
            y_offset: 0.0,
            y_advance: 0.0,
            location: None,
        };
        if let Some(run) = &self.run {
            let glyphs: Option<Vec<KrillaGlyph>> = text
                .char_indices()
                .map(|(i, c)| run.glyph(c).map(|g| glyph(i, c, g.run, g.advance)))
                .collect();
            if let Some(glyphs) = glyphs {
                return (run.font.clone(), glyphs);
            }
        }
        let glyphs = text
            .char_indices()
            .map(|(i, c)| {
                let (id, advance) = self.metric(c);
                glyph(i, c, id, advance)
            })
            .collect();
        (self.font.clone(), glyphs)
    }

    /// Width of `text` in font units.
    fn units(&self, text: &str) -> f32 {
        text.chars().map(|c| f32::from(self.metric(c).1)).sum()
    }

    /// Width of `text` at `size` points.
    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
        self.units(text) * size / f32::from(self.face.units_per_em())
    }

    /// Draws one line of text with its baseline at `y`.
    pub(super) fn text(
        &self,
        s: &mut Surface<'_>,
        x: f32,
        y: f32,
        st: Style,
        align: Align,
        text: &str,
    ) {
        if text.is_empty() {
            return;
        }
        let w = self.width(text, st.size);
        let x = match align {
            Align::Left => x,
            Align::Center => x - w / 2.0,
        };
        s.set_fill(Some(fill(st.color.rgb())));
        s.set_stroke(st.bold.then(|| Stroke {
            paint: st.color.rgb().into(),
            width: st.size * 0.03,
            ..Default::default()
        }));
        let (font, glyphs) = self.glyphs(text);
        s.draw_glyphs(Point::from_xy(x, y), &glyphs, font, text, st.size, false);
        s.set_stroke(None);
    }

    /// Lines of `text` no wider than `width` at `size`: breaks after a space when the line
    /// has one, else between any two characters (CJK).
    pub(super) fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let upem = f32::from(self.face.units_per_em());
        let mut lines = Vec::new();
        let mut line = String::new();
        // The line's width in font units, summed as it grows (the same sum, in the same
        // order, as `units(&line)`).
        let mut units = 0.0f32;
        for c in text.chars() {
            line.push(c);
            units += f32::from(self.metric(c).1);
            if units * size / upem > width && line.chars().nth(1).is_some() {
                let cut = line.trim_end().rfind(' ').filter(|i| *i > 0);
                let rest = match cut {
                    Some(i) => line.split_off(i + 1),
                    None => line.pop().map(String::from).unwrap_or_default(),
                };
                lines.push(line.trim_end().to_owned());
                line = rest;
                units = self.units(&line);
            }
        }
        if !line.trim().is_empty() || lines.is_empty() {
            lines.push(line.trim_end().to_owned());
        }
        lines
    }

    /// Draws `text` wrapped into `width`, shrinking the size (down to 60%) until it fits
    /// `max_lines`; returns the y below the last line.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn paragraph(
        &self,
        s: &mut Surface<'_>,
        x: f32,
        y: f32,
        width: f32,
        st: Style,
        max_lines: usize,
        text: &str,
    ) -> f32 {
        let mut size = st.size;
        let mut lines = self.wrap(text, size, width);
        while lines.len() > max_lines && size > st.size * 0.6 {
            size *= 0.9;
            lines = self.wrap(text, size, width);
        }
        let lead = size * 1.3;
        let mut y = y;
        for l in &lines {
            self.text(s, x, y, st.sized(size), Align::Left, l);
            y += lead;
        }
        y - lead + size * 0.4
    }
}

/// A solid fill of `c`.
pub(super) fn fill(c: rgb::Color) -> Fill {
    Fill {
        paint: c.into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

/// A rectangle outline.
pub(super) fn frame(s: &mut Surface<'_>, r: Rect, width: f32, c: Colour) {
    let mut pb = PathBuilder::new();
    pb.push_rect(r);
    if let Some(p) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            paint: c.rgb().into(),
            width,
            ..Default::default()
        }));
        s.draw_path(&p);
        s.set_stroke(None);
    }
}

/// A horizontal rule from `x0` to `x1` at `y`.
pub(super) fn rule(s: &mut Surface<'_>, x0: f32, x1: f32, y: f32, width: f32, c: Colour) {
    let mut pb = PathBuilder::new();
    pb.move_to(x0, y);
    pb.line_to(x1, y);
    if let Some(p) = pb.finish() {
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            paint: c.rgb().into(),
            width,
            ..Default::default()
        }));
        s.draw_path(&p);
        s.set_stroke(None);
    }
}

/// Smallest QR module printed (0.4 mm): below it a phone camera struggles on paper.
pub(super) const MIN_MODULE_MM: f32 = 0.4;
/// Largest QR module printed.
const MAX_MODULE_MM: f32 = 0.8;
/// Quiet zone around the QR code, in modules.
const QUIET: usize = 4;

/// Draws the QR code of `text` in a square of side `side` (quiet zone included) at `(x, y)`:
/// a white square, then one rectangle per horizontal run of dark modules. Returns the module
/// size in millimetres.
pub(super) fn qr(
    s: &mut Surface<'_>,
    x: f32,
    y: f32,
    side: f32,
    text: &str,
) -> Result<f32, PdfError> {
    let code = skillcert_qrimage::render::qr_code(text).map_err(|e| PdfError::Qr(e.to_string()))?;
    let n = code.width();
    let colors = code.to_colors();
    let module = (side / (n + 2 * QUIET) as f32).min(mm(MAX_MODULE_MM));
    if module < mm(MIN_MODULE_MM) {
        return Err(PdfError::Qr(format!(
            "a version {n}-module QR code does not fit {:.0} mm with modules of at least {MIN_MODULE_MM} mm",
            side * 25.4 / 72.0
        )));
    }
    let total = module * (n + 2 * QUIET) as f32;
    let (x0, y0) = (x + (side - total) / 2.0, y + (side - total) / 2.0);
    if let Some(bg) = Rect::from_xywh(x0, y0, total, total) {
        let mut pb = PathBuilder::new();
        pb.push_rect(bg);
        if let Some(p) = pb.finish() {
            s.set_stroke(None);
            s.set_fill(Some(fill(rgb::Color::white())));
            s.draw_path(&p);
        }
    }
    // In module units (small integers keep the content stream short), placed by a transform.
    let mut pb = PathBuilder::new();
    for (row, line) in colors.chunks(n).enumerate() {
        let mut col = 0;
        while col < n {
            if line[col] != qrcode::Color::Dark {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && line[col] == qrcode::Color::Dark {
                col += 1;
            }
            let (rx, ry) = ((QUIET + start) as f32, (QUIET + row) as f32);
            if let Some(r) = Rect::from_xywh(rx, ry, (col - start) as f32, 1.0) {
                pb.push_rect(r);
            }
        }
    }
    if let Some(p) = pb.finish() {
        s.push_transform(&Transform::from_row(module, 0.0, 0.0, module, x0, y0));
        s.set_fill(Some(fill(rgb::Color::black())));
        s.draw_path(&p);
        s.pop();
    }
    Ok(module * 25.4 / 72.0)
}
