//! The certificate number in the QR body (see `docs/FORMAT.md`, "Certificate number").

use super::Field;
use crate::model::number::{china_year, NationalNumber};
use crate::model::{Claims, Level};
use crate::qr::wire::{err, Reader};
use crate::qr::QrError;
use chrono::{DateTime, Utc};

/// Field 19: the certificate number, present when bytes remain after the status entries.
pub(super) const NUMBER: Field = Field {
    part: "certificate number",
    put: |c, out| {
        if let Some(n) = &c.claims.number {
            put_number(out, n, &c.claims)?;
        }
        Ok(0)
    },
    get: |r, _, c| {
        if r.remaining() > 0 {
            c.claims.number = Some(read_number(r, &c.claims.level, &c.claims.valid_from)?);
        }
        Ok(())
    },
};

/// The certificate number, last in the body (absent: nothing). National form: 8 bytes, the
/// big-endian `u64` `kind × 10^18 + organisation × 10^14 + province × 10^12 + site × 10^6 +
/// serial` (`kind` 0 = `S`, 1 = `Y`; below 2^63, so the first byte's top bit is 0); year and
/// level are those of the claims. General form: one byte `0x80 | length` (1–32), then the ASCII
/// characters.
fn put_number(out: &mut Vec<u8>, n: &str, cl: &Claims) -> Result<(), QrError> {
    match NationalNumber::parse(n) {
        Some(nn) => {
            let kind = u64::from(nn.kind == 'Y');
            let v = kind * 10u64.pow(18)
                + u64::from(nn.organisation) * 10u64.pow(14)
                + u64::from(nn.province) * 10u64.pow(12)
                + u64::from(nn.site) * 10u64.pow(6)
                + u64::from(nn.serial);
            out.extend_from_slice(&v.to_be_bytes());
        }
        None => {
            crate::model::number::check_general("number", n)
                .map_err(|e| err("number", e.to_string()))?;
            out.push(0x80 | n.len() as u8);
            out.extend_from_slice(n.as_bytes());
        }
    }
    crate::model::number::check_number(
        "number",
        n,
        cl.level.framework,
        &cl.level.value,
        &cl.valid_from,
    )
    .map_err(|e| err("number", e.to_string()))
}

/// Reads the certificate number (see [`put_number`]); `level` and `valid_from` are the claims'.
fn read_number(
    r: &mut Reader<'_>,
    level: &Level,
    valid_from: &DateTime<Utc>,
) -> Result<String, QrError> {
    let b0 = r.u8("number")?;
    if b0 & 0x80 != 0 {
        let len = usize::from(b0 & 0x7f);
        let raw = r.take("number", len)?;
        let s = String::from_utf8(raw.to_vec()).map_err(|_| err("number", "not ASCII"))?;
        return Ok(s);
    }
    let rest = r.take("number", 7)?;
    let mut bytes = [0u8; 8];
    bytes[0] = b0;
    bytes[1..].copy_from_slice(rest);
    let v = u64::from_be_bytes(bytes);
    if v >= 2 * 10u64.pow(18) {
        return Err(err("number", "national number out of range"));
    }
    let part = |div: u64, m: u64| v / div % m;
    let kind = if v / 10u64.pow(18) == 1 { 'Y' } else { 'S' };
    let year = china_year(valid_from).rem_euclid(100);
    Ok(format!(
        "{kind}{:04}{:02}{:06}{year:02}{}{:06}",
        part(10u64.pow(14), 10_000),
        part(10u64.pow(12), 100),
        part(10u64.pow(6), 1_000_000),
        level.value,
        part(1, 1_000_000)
    ))
}
