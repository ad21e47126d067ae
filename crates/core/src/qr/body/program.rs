//! What the certificate is for: the program's name (field 10) and code (11), and the level
//! reached (12).

use super::{Field, F_CODE};
use crate::model::{Framework, MAX_CODE_CHARS};
use crate::qr::wire::{err, put_text, put_varint, Reader};
use crate::qr::QrError;

/// Field 10: the program name.
pub(super) const NAME: Field = Field {
    part: "program name",
    put: |c, out| {
        put_text(out, &c.claims.program.name);
        Ok(0)
    },
    get: |r, _, c| {
        c.claims.program.name = r.text("program.name")?;
        Ok(())
    },
};

/// Field 11: the program code (flag `CODE`), `varint` h then the characters: packed nibbles
/// when `h & 1` (every character in `0-9 - .`), else ASCII bytes; `h >> 1` characters.
pub(super) const CODE: Field = Field {
    part: "program code",
    put: |c, out| {
        let Some(code) = &c.claims.program.code else {
            return Ok(0);
        };
        put_code(out, code);
        Ok(F_CODE)
    },
    get: |r, flags, c| {
        if flags & F_CODE != 0 {
            c.claims.program.code = Some(read_code(r)?);
        }
        Ok(())
    },
};

/// Field 12: the level, one byte: framework code (high nibble), index of the level in the
/// framework's list (low nibble).
pub(super) const LEVEL: Field = Field {
    part: "framework + level",
    put: |c, out| {
        let f = c.claims.level.framework;
        let idx = f
            .level(&c.claims.level.value)
            .map(|(i, _)| i)
            .ok_or_else(|| err("level", "not a level of its framework"))?;
        out.push(f.code() << 4 | idx as u8);
        Ok(0)
    },
    get: |r, _, c| {
        let lv = r.u8("level")?;
        let framework =
            Framework::from_code(lv >> 4).ok_or_else(|| err("level", "unknown framework code"))?;
        let value = framework
            .levels()
            .get(usize::from(lv & 15))
            .ok_or_else(|| err("level", "level index out of range"))?
            .value;
        c.claims.level.framework = framework;
        c.claims.level.value = value.to_owned();
        Ok(())
    },
};

/// The 4-bit value of a packable code character.
fn code_nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'-' => Some(10),
        b'.' => Some(11),
        _ => None,
    }
}

fn put_code(out: &mut Vec<u8>, code: &str) {
    let b = code.as_bytes();
    match b
        .iter()
        .map(|c| code_nibble(*c))
        .collect::<Option<Vec<u8>>>()
    {
        Some(nibbles) => {
            put_varint(out, (b.len() as u64) << 1 | 1);
            for pair in nibbles.chunks(2) {
                out.push(pair[0] << 4 | pair.get(1).copied().unwrap_or(15));
            }
        }
        None => {
            put_varint(out, (b.len() as u64) << 1);
            out.extend_from_slice(b);
        }
    }
}

fn read_code(r: &mut Reader<'_>) -> Result<String, QrError> {
    let h = r.varint("program.code")?;
    let len = usize::try_from(h >> 1).map_err(|_| err("program.code", "too long"))?;
    if len > MAX_CODE_CHARS {
        return Err(err("program.code", "too long"));
    }
    if h & 1 == 0 {
        let raw = r.take("program.code", len)?;
        return String::from_utf8(raw.to_vec()).map_err(|_| err("program.code", "not UTF-8"));
    }
    let packed = r.take("program.code", len.div_ceil(2))?;
    let mut s = String::with_capacity(len);
    for (i, nib) in packed.iter().flat_map(|b| [b >> 4, b & 15]).enumerate() {
        let c = match nib {
            0..=9 => char::from(b'0' + nib),
            10 => '-',
            11 => '.',
            15 if i == len => break,
            _ => return Err(err("program.code", "bad packed character")),
        };
        if i == len {
            return Err(err("program.code", "bad padding"));
        }
        s.push(c);
    }
    Ok(s)
}
