//! One font subset per run: the bundled font cut down, once, to the glyphs of the characters a
//! run of certificates can print ([`RunFont::new`]), so that each PDF's own subset is taken
//! from a font of a few hundred glyphs instead of the whole 7 MB font.
//!
//! The glyphs keep their outlines and advances; only their numbers change (kept in a map from
//! the bundled font's glyph to the run font's). The PDF writer then subsets the run font per
//! document as it subset the bundled font, so each PDF still embeds only the glyphs its page
//! uses. The subsetter drops the `OS/2` table, which the PDF writer reads for the font
//! descriptor (ascent, descent, weight); it is put back unchanged, so the descriptor is the
//! same as with the bundled font.

use super::{PdfError, FONT};
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Most characters a run font is made for: more than the bundled font has glyphs for is
/// never needed.
pub(super) const MAX_RUN_CHARS: usize = 70_000;

/// The bundled font's subset for a run, and its characters' glyphs.
pub(super) struct RunFont {
    /// The subset, for the PDF writer.
    pub(super) font: krilla::text::Font,
    /// Each character's glyphs and advance.
    chars: HashMap<char, RunGlyph>,
}

/// A character's glyph in the bundled font and in the run font, and its advance.
#[derive(Debug, Clone, Copy)]
pub(super) struct RunGlyph {
    /// The glyph in the bundled font.
    pub(super) bundled: u16,
    /// The same glyph in the run font.
    pub(super) run: u16,
    /// Its advance, in font units.
    pub(super) advance: u16,
}

impl RunFont {
    /// The subset of the bundled font (`face`) with a glyph for every character of `chars`
    /// the font has (the others are left out: a page that needs one uses the bundled font).
    pub(super) fn new(
        face: &ttf_parser::Face<'_>,
        chars: &BTreeSet<char>,
    ) -> Result<RunFont, PdfError> {
        if chars.len() > MAX_RUN_CHARS {
            return Err(PdfError::Write(format!(
                "a run font for {} characters: at most {MAX_RUN_CHARS}",
                chars.len()
            )));
        }
        let glyphs: Vec<(char, ttf_parser::GlyphId)> = chars
            .iter()
            .filter_map(|c| face.glyph_index(*c).map(|g| (*c, g)))
            .filter(|(_, g)| g.0 != 0)
            .collect();
        // In the bundled font's order, whatever the characters' order.
        let old: BTreeSet<u16> = glyphs.iter().map(|(_, g)| g.0).collect();
        let mut remapper = subsetter::GlyphRemapper::new();
        for g in &old {
            remapper.remap(*g);
        }
        let chars = glyphs
            .into_iter()
            .filter_map(|(c, g)| {
                let glyph = RunGlyph {
                    bundled: g.0,
                    run: remapper.get(g.0)?,
                    advance: face.glyph_hor_advance(g).unwrap_or(0),
                };
                Some((c, glyph))
            })
            .collect();
        let subset = subsetter::subset(FONT, 0, &remapper)
            .map_err(|e| PdfError::Write(format!("cannot subset the bundled font: {e}")))?;
        let os2 = face
            .raw_face()
            .table(ttf_parser::Tag::from_bytes(b"OS/2"))
            .ok_or_else(|| PdfError::Write("the bundled font has no OS/2 table".into()))?;
        let data = with_table(&subset, *b"OS/2", os2)?;
        let font = krilla::text::Font::new(Arc::new(data).into(), 0)
            .ok_or_else(|| PdfError::Write("the run font cannot be read".into()))?;
        Ok(RunFont { font, chars })
    }

    /// The glyphs of `c`, if the run font has it.
    pub(super) fn glyph(&self, c: char) -> Option<RunGlyph> {
        self.chars.get(&c).copied()
    }
}

/// The OpenType font `font` with the table `tag` added (or replaced) by `table`: the table
/// directory written again, sorted by tag, with each table's checksum and the head table's
/// checksum adjustment.
fn with_table(font: &[u8], tag: [u8; 4], table: &[u8]) -> Result<Vec<u8>, PdfError> {
    let bad = || PdfError::Write("the font subset cannot be read".into());
    let raw = ttf_parser::RawFace::parse(font, 0).map_err(|_| bad())?;
    let mut tables: Vec<([u8; 4], &[u8])> = Vec::new();
    for r in raw.table_records {
        let tag_bytes = r.tag.to_bytes();
        if tag_bytes == tag {
            continue;
        }
        let start = usize::try_from(r.offset).map_err(|_| bad())?;
        let end = start
            .checked_add(usize::try_from(r.length).map_err(|_| bad())?)
            .ok_or_else(bad)?;
        tables.push((tag_bytes, font.get(start..end).ok_or_else(bad)?));
    }
    tables.push((tag, table));
    tables.sort_by_key(|(t, _)| *t);
    let count = u16::try_from(tables.len()).map_err(|_| bad())?;
    let selector = 15 - count.leading_zeros() as u16;
    let range = 16u16 << selector;
    let mut out = Vec::with_capacity(font.len() + table.len() + 16);
    out.extend_from_slice(font.get(..4).ok_or_else(bad)?);
    for v in [count, range, selector, count * 16 - range] {
        out.extend_from_slice(&v.to_be_bytes());
    }
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (t, data) in &tables {
        if t == b"head" {
            head_at = Some(offset);
        }
        out.extend_from_slice(t);
        out.extend_from_slice(&checksum(data, t == b"head").to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset).map_err(|_| bad())?.to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).map_err(|_| bad())?.to_be_bytes());
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in &tables {
        out.extend_from_slice(data);
        out.resize(out.len().next_multiple_of(4), 0);
    }
    // checkSumAdjustment (head, bytes 8..12): 0xB1B0AFBA minus the whole font's sum.
    let at = head_at.ok_or_else(bad)? + 8;
    out.get_mut(at..at + 4).ok_or_else(bad)?.fill(0);
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out, false));
    out.get_mut(at..at + 4)
        .ok_or_else(bad)?
        .copy_from_slice(&adjust.to_be_bytes());
    Ok(out)
}

/// The OpenType checksum of `data` (big-endian u32 words, zero-padded); for the head table,
/// with its checksum adjustment counted as zero.
fn checksum(data: &[u8], head: bool) -> u32 {
    data.chunks(4)
        .enumerate()
        .map(|(i, w)| {
            if head && i == 2 {
                return 0;
            }
            let mut b = [0u8; 4];
            b[..w.len()].copy_from_slice(w);
            u32::from_be_bytes(b)
        })
        .fold(0u32, u32::wrapping_add)
}
