//! The status entries (fields 17 and 18): a count byte, then per entry a `varint` header (bit 0
//! the purpose, bit 1 set when the list URL follows as `bytes`, else `h >> 2` numbers the list
//! under the issuer URL) and the `varint` index.

use super::Field;
use crate::model::{StatusPurpose, StatusRef};
use crate::qr::content::MAX_STATUS;
use crate::qr::wire::{err, put_bytes, put_varint, Reader};
use crate::qr::QrError;

/// Fields 17 and 18: the status count and the entries.
pub(super) const ENTRIES: Field = Field {
    part: "status entries",
    put: |c, out| {
        let status = &c.claims.status;
        if status.len() > MAX_STATUS {
            return Err(err("credentialStatus", "more than 8 entries"));
        }
        out.push(status.len() as u8);
        for s in status {
            put_entry(out, c.claims.issuer.url.as_deref(), s);
        }
        Ok(0)
    },
    get: |r, _, c| {
        let n = usize::from(r.u8("credentialStatus")?);
        if n > MAX_STATUS {
            return Err(err("credentialStatus", "more than 8 entries"));
        }
        let url = c.claims.issuer.url.as_deref();
        c.claims.status = (0..n)
            .map(|i| read_entry(r, url, &format!("credentialStatus[{i}]")))
            .collect::<Result<_, _>>()?;
        Ok(())
    },
};

/// `n` when `list_url` is `<issuer_url>/status/<n>` with `n` in canonical decimal.
fn status_n(issuer_url: Option<&str>, list_url: &str) -> Option<u32> {
    let rest = list_url
        .strip_prefix(issuer_url?)?
        .strip_prefix("/status/")?;
    let n: u32 = rest.parse().ok()?;
    (n.to_string() == rest).then_some(n)
}

fn put_entry(out: &mut Vec<u8>, issuer_url: Option<&str>, s: &StatusRef) {
    let purpose = u64::from(s.purpose == StatusPurpose::Suspension);
    match status_n(issuer_url, &s.list_url) {
        Some(n) => put_varint(out, u64::from(n) << 2 | purpose),
        None => {
            put_varint(out, 2 | purpose);
            put_bytes(out, s.list_url.as_bytes());
        }
    }
    put_varint(out, u64::from(s.index));
}

fn read_entry(
    r: &mut Reader<'_>,
    issuer_url: Option<&str>,
    at: &str,
) -> Result<StatusRef, QrError> {
    let h = r.varint(at)?;
    let purpose = if h & 1 == 0 {
        StatusPurpose::Revocation
    } else {
        StatusPurpose::Suspension
    };
    let list_url = if h & 2 == 0 {
        let n = u32::try_from(h >> 2).map_err(|_| err(at, "list number out of range"))?;
        let u = issuer_url.ok_or_else(|| err(at, "list number form needs an issuer URL"))?;
        format!("{u}/status/{n}")
    } else if h >> 2 == 0 {
        r.utf8(at)?
    } else {
        return Err(err(at, "bad entry header"));
    };
    let index = u32::try_from(r.varint(at)?).map_err(|_| err(at, "index out of range"))?;
    Ok(StatusRef {
        purpose,
        list_url,
        index,
    })
}
