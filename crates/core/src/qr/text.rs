//! Compact text: a reversible form of UTF-8 that stores runs of CJK characters (3 bytes each in
//! UTF-8) as 2-byte units after a shift-out byte, when that is shorter (`docs/FORMAT.md` §5).

/// Shift into 2-byte mode in compact text.
const SO: u8 = 0x0E;
/// Shift back to UTF-8 mode (as a 2-byte unit `00 0F`).
const SI: u16 = 0x000F;

/// Compact text: UTF-8, except that runs of characters that take 3 bytes in UTF-8 (most CJK)
/// are written as 2-byte big-endian units after a shift-out byte, when that is shorter.
pub fn compact_text(s: &str) -> Vec<u8> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let wide = |c: char| c.len_utf8() == 3;
        if wide(chars[i]) {
            let mut j = i;
            while j < chars.len() && wide(chars[j]) {
                j += 1;
            }
            let k = j - i;
            let at_end = j == chars.len();
            let shifted = 1 + 2 * k + if at_end { 0 } else { 2 };
            if shifted < 3 * k {
                out.push(SO);
                for c in &chars[i..j] {
                    out.extend_from_slice(&(*c as u32 as u16).to_be_bytes());
                }
                if !at_end {
                    out.extend_from_slice(&SI.to_be_bytes());
                }
                i = j;
                continue;
            }
        }
        let mut buf = [0u8; 4];
        out.extend_from_slice(chars[i].encode_utf8(&mut buf).as_bytes());
        i += 1;
    }
    out
}

/// Why bytes are not compact text (see [`decode_compact_text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CompactTextError {
    /// A 2-byte run ends in the middle of a unit.
    #[error("odd byte in 2-byte mode")]
    OddByte,
    /// A 2-byte unit that is not a character of 3 UTF-8 bytes.
    #[error("2-byte unit is not a 3-byte character")]
    NotThreeByteChar,
    /// A control byte outside a 2-byte run.
    #[error("control byte {0:#04x}")]
    Control(u8),
    /// Not UTF-8.
    #[error("not UTF-8")]
    NotUtf8,
}

/// Decodes compact text (see [`compact_text`]).
pub fn decode_compact_text(b: &[u8]) -> Result<String, CompactTextError> {
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == SO {
            i += 1;
            loop {
                if i == b.len() {
                    break;
                }
                if i + 1 == b.len() {
                    return Err(CompactTextError::OddByte);
                }
                let u = u16::from_be_bytes([b[i], b[i + 1]]);
                i += 2;
                if u == SI {
                    break;
                }
                let c = char::from_u32(u32::from(u))
                    .filter(|c| c.len_utf8() == 3)
                    .ok_or(CompactTextError::NotThreeByteChar)?;
                out.push(c);
            }
            continue;
        }
        if b[i] < 0x20 {
            return Err(CompactTextError::Control(b[i]));
        }
        let len = match b[i] {
            0x00..=0x7f => 1,
            0xc2..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf4 => 4,
            _ => return Err(CompactTextError::NotUtf8),
        };
        let s = b
            .get(i..i + len)
            .and_then(|s| std::str::from_utf8(s).ok())
            .ok_or(CompactTextError::NotUtf8)?;
        out.push_str(s);
        i += len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_text_round_trips_and_is_shorter_for_cjk() {
        for s in [
            "王晓明",
            "Wang Xiaoming",
            "绍兴市职业技能鉴定指导中心 Shaoxing",
            "Ünïcødé 😂 数控铣工 x",
            "ab王c",
        ] {
            let e = compact_text(s);
            assert_eq!(decode_compact_text(&e).unwrap(), s);
            assert!(e.len() <= s.len(), "{s}");
        }
        assert_eq!(compact_text("王晓明").len(), 7);
        assert!(decode_compact_text(&[SO, 0x00]).is_err());
        assert!(decode_compact_text(&[SO, 0x00, 0x41]).is_err());
        assert!(decode_compact_text(&[0x01]).is_err());
        assert!(decode_compact_text(&[0xff]).is_err());
    }
}
