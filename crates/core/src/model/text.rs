//! Which characters a human-readable name may hold.
//!
//! Names (holder, holder's Latin form, program, issuer) are shown to people who decide on them,
//! so a name must look like what it is. Refused at issuance, with the field and the code point
//! named:
//!
//! - control characters (Unicode `Cc`), and the line and paragraph separators U+2028, U+2029;
//! - bidirectional controls: U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069 (`John
//!   U+202E redleW U+202C Smith` displays as "John Welder Smith");
//! - every other invisible format character (Unicode `Cf`: U+00AD soft hyphen, U+200B zero width
//!   space, U+2060 word joiner, U+FEFF, the tag characters, …).
//!
//! One exception: ZERO WIDTH NON-JOINER (U+200C) and ZERO WIDTH JOINER (U+200D) are part of
//! correct spelling in Persian (`علی‌اکبر`), in the Indic scripts and a few others, so they are
//! kept when both neighbours are letters of such a script (Arabic, Syriac, Thaana, N'Ko, the
//! Indic blocks to Sinhala, Myanmar, Khmer, Mongolian, Arabic presentation forms). Anywhere else
//! (between Latin letters, at either end, next to a space) they only hide a difference, and are
//! refused.
//!
//! Verification accepts what was signed; displays put a visible `\u{…}` marker in place of these
//! characters ([`display_safe`]).

use super::{field_err, Claims, ModelError};
use std::borrow::Cow;

/// Unicode general category `Cf` (format characters), Unicode 15.1.
const FORMAT_CHARS: &[(u32, u32)] = &[
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
];

/// Scripts whose spelling uses ZWNJ / ZWJ.
const JOINING_SCRIPTS: &[(u32, u32)] = &[
    (0x0600, 0x08FF), // Arabic, Syriac, Arabic Supplement, Thaana, N'Ko, Samaritan, Mandaic, Arabic Extended
    (0x0900, 0x0DFF), // Devanagari … Sinhala
    (0x1000, 0x109F), // Myanmar
    (0x1780, 0x18AF), // Khmer, Mongolian
    (0xA8E0, 0xA8FF), // Devanagari Extended
    (0xFB50, 0xFDFF), // Arabic Presentation Forms-A
    (0xFE70, 0xFEFE), // Arabic Presentation Forms-B
];

fn in_ranges(c: char, ranges: &[(u32, u32)]) -> bool {
    let c = u32::from(c);
    ranges.iter().any(|&(a, b)| (a..=b).contains(&c))
}

fn char_name(c: char) -> &'static str {
    match u32::from(c) {
        0x00AD => "SOFT HYPHEN",
        0x061C => "ARABIC LETTER MARK",
        0x180E => "MONGOLIAN VOWEL SEPARATOR",
        0x200B => "ZERO WIDTH SPACE",
        0x200C => "ZERO WIDTH NON-JOINER",
        0x200D => "ZERO WIDTH JOINER",
        0x200E => "LEFT-TO-RIGHT MARK",
        0x200F => "RIGHT-TO-LEFT MARK",
        0x202A => "LEFT-TO-RIGHT EMBEDDING",
        0x202B => "RIGHT-TO-LEFT EMBEDDING",
        0x202C => "POP DIRECTIONAL FORMATTING",
        0x202D => "LEFT-TO-RIGHT OVERRIDE",
        0x202E => "RIGHT-TO-LEFT OVERRIDE",
        0x2028 => "LINE SEPARATOR",
        0x2029 => "PARAGRAPH SEPARATOR",
        0x2060 => "WORD JOINER",
        0x2066 => "LEFT-TO-RIGHT ISOLATE",
        0x2067 => "RIGHT-TO-LEFT ISOLATE",
        0x2068 => "FIRST STRONG ISOLATE",
        0x2069 => "POP DIRECTIONAL ISOLATE",
        0xFEFF => "ZERO WIDTH NO-BREAK SPACE",
        _ if c.is_control() => "a control character",
        _ => "an invisible format character",
    }
}

/// Whether the character at `i` of `chars` may not appear in a name.
fn refused_at(chars: &[char], i: usize) -> bool {
    let c = chars[i];
    if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
        return true;
    }
    if !in_ranges(c, FORMAT_CHARS) {
        return false;
    }
    if c == '\u{200C}' || c == '\u{200D}' {
        let joins = |j: Option<usize>| {
            j.and_then(|j| chars.get(j))
                .is_some_and(|&n| in_ranges(n, JOINING_SCRIPTS) && !in_ranges(n, FORMAT_CHARS))
        };
        return !(joins(i.checked_sub(1)) && joins(Some(i + 1)));
    }
    true
}

/// Refuses a name holding a character of the module's rule; the error names the field and the
/// code point: `holder.name: U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed in a name`.
pub fn check_name_chars(field: &str, s: &str) -> Result<(), ModelError> {
    let chars: Vec<char> = s.chars().collect();
    match (0..chars.len()).find(|&i| refused_at(&chars, i)) {
        None => Ok(()),
        Some(i) => {
            let c = chars[i];
            Err(field_err(
                field,
                format!(
                    "U+{:04X} ({}) is not allowed in a name",
                    u32::from(c),
                    char_name(c)
                ),
            ))
        }
    }
}

/// Checks every name of `claims` (issuer, holder, Latin form, program) before signing.
pub fn check_claim_names(claims: &Claims) -> Result<(), ModelError> {
    check_name_chars("issuer.name", &claims.issuer.name)?;
    check_name_chars("holder.name", &claims.holder.name)?;
    if let Some(l) = &claims.holder.name_latin {
        check_name_chars("holder.name_latin", l)?;
    }
    check_name_chars("program.name", &claims.program.name)
}

/// `s` for display: every character a name may not hold becomes a visible `\u{202E}` marker.
/// For human-readable output only (pages, the CLI's text); machine output stays exact.
pub fn display_safe(s: &str) -> Cow<'_, str> {
    let chars: Vec<char> = s.chars().collect();
    if !(0..chars.len()).any(|i| refused_at(&chars, i)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (i, &c) in chars.iter().enumerate() {
        if refused_at(&chars, i) {
            out.push_str(&format!("\\u{{{:X}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_8_names_refuse_bidi_and_invisible_characters() {
        for (c, name) in [
            ('\u{202E}', "RIGHT-TO-LEFT OVERRIDE"),
            ('\u{200B}', "ZERO WIDTH SPACE"),
            ('\u{2060}', "WORD JOINER"),
            ('\u{FEFF}', "ZERO WIDTH NO-BREAK SPACE"),
            ('\u{061C}', "ARABIC LETTER MARK"),
            ('\u{2028}', "LINE SEPARATOR"),
            ('\u{00AD}', "SOFT HYPHEN"),
            ('\u{2067}', "RIGHT-TO-LEFT ISOLATE"),
            ('\u{E0041}', "an invisible format character"),
            ('\u{0007}', "a control character"),
        ] {
            let e = check_name_chars("holder.name", &format!("John {c}redleW Smith"))
                .unwrap_err()
                .to_string();
            let code = format!("U+{:04X}", u32::from(c));
            assert!(e.starts_with("holder.name: "), "{e}");
            assert!(e.contains(&code) && e.contains(name), "{e}");
            assert!(e.ends_with("is not allowed in a name"), "{e}");
        }
        for ok in [
            "王晓明",
            "Wang Xiaoming",
            "José Núñez",
            "علی‌اکبر",
            "क्‍ष",
            "Ελένη",
        ] {
            check_name_chars("holder.name", ok).unwrap();
        }
        // ZWNJ / ZWJ only inside a script that spells with them.
        for bad in [
            "John\u{200C}Smith",
            "\u{200D}علی",
            "علی\u{200C}",
            "علی\u{200C} اکبر",
        ] {
            assert!(check_name_chars("holder.name", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn display_marks_what_a_name_may_not_hold() {
        assert_eq!(
            display_safe("John \u{202E}redleW\u{202C} Smith"),
            "John \\u{202E}redleW\\u{202C} Smith"
        );
        assert!(matches!(display_safe("王晓明"), Cow::Borrowed(_)));
        assert!(matches!(display_safe("علی‌اکبر"), Cow::Borrowed(_)));
    }
}
