//! The times: validFrom (field 13), validUntil (14) and the signing time (15), the last two
//! relative to validFrom.

use super::{Field, F_UNTIL};
use crate::model::{add_years, time_from_unix};
use crate::qr::content::MAX_YEARS;
use crate::qr::wire::{err, put_varint, Reader};
use crate::qr::QrError;
use chrono::{DateTime, Duration, Utc};

/// Field 13: validFrom, 4 bytes of Unix seconds.
pub(super) const VALID_FROM: Field = Field {
    part: "validFrom + validUntil",
    put: |c, out| {
        let from = secs_u32("validFrom", &c.claims.valid_from)?;
        out.extend_from_slice(&from.to_be_bytes());
        Ok(0)
    },
    get: |r, _, c| {
        let secs = u32::from_be_bytes(r.array("validFrom")?);
        c.claims.valid_from =
            time_from_unix(i64::from(secs)).ok_or_else(|| err("validFrom", "out of range"))?;
        Ok(())
    },
};

/// Field 14: validUntil (flag `UNTIL`), `varint` x: whole years after validFrom (`x >> 1`, x
/// even) when some year count gives it, else seconds after validFrom (x odd).
pub(super) const VALID_UNTIL: Field = Field {
    part: "validFrom + validUntil",
    put: |c, out| {
        let Some(until) = c.claims.valid_until else {
            return Ok(0);
        };
        put_until(out, c.claims.valid_from, until)?;
        Ok(F_UNTIL)
    },
    get: |r, flags, c| {
        if flags & F_UNTIL != 0 {
            c.claims.valid_until = Some(read_until(r, c.claims.valid_from)?);
        }
        Ok(())
    },
};

/// Field 15: the signing time, `varint` zig-zag of its seconds after validFrom.
pub(super) const SIGNED_AT: Field = Field {
    part: "signing time",
    put: |c, out| {
        let delta = (c.signed_at - c.claims.valid_from).num_seconds();
        if delta.unsigned_abs() >= 1 << 33 || c.signed_at.timestamp_subsec_nanos() != 0 {
            return Err(err(
                "signedAt",
                "must be whole seconds within 272 years of validFrom",
            ));
        }
        put_varint(out, ((delta << 1) ^ (delta >> 63)) as u64);
        Ok(0)
    },
    get: |r, _, c| {
        let z = r.varint("signedAt")?;
        if z >= 1 << 34 {
            return Err(err("signedAt", "out of range"));
        }
        let delta = (z >> 1) as i64 ^ -((z & 1) as i64);
        c.signed_at = c.claims.valid_from + Duration::seconds(delta);
        Ok(())
    },
};

fn secs_u32(field: &str, t: &DateTime<Utc>) -> Result<u32, QrError> {
    if t.timestamp_subsec_nanos() != 0 {
        return Err(err(field, "must be whole seconds"));
    }
    u32::try_from(t.timestamp()).map_err(|_| err(field, "must be between 1970 and 2106"))
}

/// The whole years `y` (1..=[`MAX_YEARS`]) with `add_years(from, y) == until`, if any. Only the
/// difference of the two years and one more can match (`add_years` ends a second before the
/// anniversary, which may fall in the year before), so only those are tried.
fn years_between(from: DateTime<Utc>, until: DateTime<Utc>) -> Option<u64> {
    use chrono::Datelike;
    let d = i64::from(until.year()) - i64::from(from.year());
    [d, d + 1]
        .into_iter()
        .filter_map(|y| u64::try_from(y).ok())
        .filter(|y| (1..=MAX_YEARS).contains(y))
        .find(|y| add_years(from, *y as u32) == until)
}

fn put_until(out: &mut Vec<u8>, from: DateTime<Utc>, until: DateTime<Utc>) -> Result<(), QrError> {
    if let Some(y) = years_between(from, until) {
        put_varint(out, y << 1);
        return Ok(());
    }
    let d = (until - from).num_seconds();
    if d <= 0 || d >= 1 << 33 || until.timestamp_subsec_nanos() != 0 {
        return Err(err(
            "validUntil",
            "must be 1 s to 272 years after validFrom",
        ));
    }
    put_varint(out, (d as u64) << 1 | 1);
    Ok(())
}

fn read_until(r: &mut Reader<'_>, from: DateTime<Utc>) -> Result<DateTime<Utc>, QrError> {
    let x = r.varint("validUntil")?;
    if x & 1 == 0 {
        let y = x >> 1;
        if !(1..=MAX_YEARS).contains(&y) {
            return Err(err("validUntil", "years out of range"));
        }
        return Ok(add_years(from, y as u32));
    }
    let d = x >> 1;
    if d == 0 || d >= 1 << 33 {
        return Err(err("validUntil", "seconds out of range"));
    }
    Ok(from + Duration::seconds(d as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `years_between` finds what trying every year from 1 to MAX_YEARS finds.
    #[test]
    fn years_between_is_the_search_over_every_year() {
        let froms = [
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:01Z",
            "2024-02-29T12:00:00Z",
            "2026-12-02T09:47:50Z",
            "2026-12-31T23:59:59Z",
        ];
        for from in froms {
            let from = crate::model::parse_time("t", from).unwrap();
            let mut untils: Vec<DateTime<Utc>> = (1..=MAX_YEARS + 1)
                .map(|y| add_years(from, y as u32))
                .collect();
            untils.extend(untils.clone().iter().map(|u| *u + Duration::seconds(1)));
            untils.push(from);
            untils.push(crate::model::end_of_day_years(from, 5));
            for until in untils {
                let every = (1..=MAX_YEARS).find(|y| add_years(from, *y as u32) == until);
                assert_eq!(years_between(from, until), every, "{from} {until}");
            }
        }
    }
}
