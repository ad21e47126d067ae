//! The compact signed QR payload (format version 1), byte-exact as in `docs/FORMAT.md`.
//!
//! `payload = body ‖ signature`; the Ed25519 signature covers [`DOMAIN`] ‖ `body`. The body
//! carries every claim of [`Claims`] plus the key id and the signing time. Decoding re-encodes
//! the claims and refuses any body that is not the canonical encoding, so one certificate has
//! exactly one QR payload.

use super::number::{put_number, read_number};
use super::reader::Reader;
use super::text::compact_text;
use super::QrError;
use crate::keys::{self, did_web_for};
use crate::model::{
    add_years, time_from_unix, Claims, Framework, Holder, IdBinding, IssuerProfile, Level, Program,
    StatusPurpose, StatusRef,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Format version byte.
pub const VERSION: u8 = 1;
/// Domain-separation prefix of the signed message (16 bytes, ends in a NUL byte).
pub const DOMAIN: &[u8; 16] = b"skillcert-qr-v1\0";
/// Largest payload (bytes) accepted: what a version 40-L QR holds in byte mode.
pub const MAX_PAYLOAD: usize = 2953;
/// Largest number of status entries.
pub const MAX_STATUS: usize = 8;
/// Longest validity expressed in whole years.
pub const MAX_YEARS: u64 = 100;

const F_LATIN: u8 = 0x01;
const F_ID_HASH: u8 = 0x02;
const F_CODE: u8 = 0x04;
const F_UNTIL: u8 = 0x08;
const F_URL: u8 = 0x10;
const F_HTTP: u8 = 0x20;
const ID_EXPLICIT: u8 = 0;
const ID_DID_WEB: u8 = 1;
const ID_DID_KEY: u8 = 2;

/// What the QR carries besides the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrContent {
    /// Every claim of the certificate.
    pub claims: Claims,
    /// The verification method that signed it.
    pub key_id: String,
    /// When it was signed (whole seconds).
    pub signed_at: DateTime<Utc>,
}

/// A decoded payload.
#[derive(Debug, Clone)]
pub struct DecodedPayload {
    /// The content.
    pub content: QrContent,
    /// The body (what follows [`DOMAIN`] in the signed message).
    pub body: Vec<u8>,
    /// The Ed25519 signature.
    pub signature: [u8; 64],
}

impl DecodedPayload {
    /// The exact bytes the signature covers: [`DOMAIN`] ‖ body.
    pub fn message(&self) -> Vec<u8> {
        signed_message(&self.body)
    }
}

/// [`DOMAIN`] ‖ `body`.
pub fn signed_message(body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(DOMAIN.len() + body.len());
    m.extend_from_slice(DOMAIN);
    m.extend_from_slice(body);
    m
}

fn err(at: &str, reason: impl Into<String>) -> QrError {
    QrError::Payload {
        at: at.to_owned(),
        reason: reason.into(),
    }
}

// ---------------------------------------------------------------- writing

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

fn code_nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'-' => Some(10),
        b'.' => Some(11),
        _ => None,
    }
}

fn status_n(issuer_url: Option<&str>, list_url: &str) -> Option<u32> {
    let rest = list_url
        .strip_prefix(issuer_url?)?
        .strip_prefix("/status/")?;
    let n: u32 = rest.parse().ok()?;
    (n.to_string() == rest).then_some(n)
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

/// Encodes the body (everything the signature covers, without [`DOMAIN`]).
pub fn encode_body(c: &QrContent) -> Result<Vec<u8>, QrError> {
    encode_body_marked(c, &mut Vec::new())
}

/// The byte budget of a body: each part with its size in bytes, in order.
pub fn budget(c: &QrContent) -> Result<Vec<(&'static str, usize)>, QrError> {
    let mut marks = Vec::new();
    encode_body_marked(c, &mut marks)?;
    let mut prev = 0;
    Ok(marks
        .into_iter()
        .map(|(name, end)| {
            let n = end - prev;
            prev = end;
            (name, n)
        })
        .filter(|(_, n)| *n > 0)
        .collect())
}

fn encode_body_marked(
    c: &QrContent,
    marks: &mut Vec<(&'static str, usize)>,
) -> Result<Vec<u8>, QrError> {
    let cl = &c.claims;
    let mut out = Vec::with_capacity(320);
    out.push(VERSION);
    let mut flags = 0u8;
    if cl.holder.name_latin.is_some() {
        flags |= F_LATIN;
    }
    // Only the legacy binding (salted with the credential's own UUID) was ever written here; a
    // holder's copy salt is never put in a QR, which is public.
    let legacy_hash = match &cl.holder.id_binding {
        None => None,
        Some(b) if b.is_legacy(&cl.id) => Some(b.hash),
        Some(_) => {
            return Err(err(
                "holder.id_binding",
                "a holder's copy (ID under its own salt) is never put in a QR",
            ))
        }
    };
    if legacy_hash.is_some() {
        flags |= F_ID_HASH;
    }
    if cl.program.code.is_some() {
        flags |= F_CODE;
    }
    if cl.valid_until.is_some() {
        flags |= F_UNTIL;
    }
    let url_rest = match &cl.issuer.url {
        None => None,
        Some(u) => {
            flags |= F_URL;
            if let Some(r) = u.strip_prefix("https://") {
                Some(r)
            } else if let Some(r) = u.strip_prefix("http://") {
                flags |= F_HTTP;
                Some(r)
            } else {
                return Err(err("issuer.url", "must be an http(s) URL"));
            }
        }
    };
    let did_key_pk = keys::parse_did_key(&cl.issuer.id)
        .ok()
        .filter(|pk| keys::did_key(pk) == cl.issuer.id);
    let id_form = if cl
        .issuer
        .url
        .as_deref()
        .is_some_and(|u| did_web_for(u).ok().as_deref() == Some(cl.issuer.id.as_str()))
    {
        ID_DID_WEB
    } else if did_key_pk.is_some() {
        ID_DID_KEY
    } else {
        ID_EXPLICIT
    };
    flags |= id_form << 6;
    out.push(flags);
    marks.push(("version, flags", out.len()));
    out.extend_from_slice(cl.id.as_bytes());
    marks.push(("id (UUID)", out.len()));
    if let Some(r) = url_rest {
        put_bytes(&mut out, r.as_bytes());
    }
    match (id_form, did_key_pk) {
        (ID_DID_KEY, Some(pk)) => out.extend_from_slice(pk.as_bytes()),
        (ID_EXPLICIT, _) => put_bytes(&mut out, cl.issuer.id.as_bytes()),
        _ => {}
    }
    marks.push(("issuer url + id", out.len()));
    put_bytes(&mut out, &compact_text(&cl.issuer.name));
    marks.push(("issuer name", out.len()));
    put_bytes(&mut out, &compact_text(&cl.holder.name));
    marks.push(("holder name", out.len()));
    if let Some(l) = &cl.holder.name_latin {
        put_bytes(&mut out, &compact_text(l));
    }
    marks.push(("holder latin name", out.len()));
    if let Some(h) = &legacy_hash {
        out.extend_from_slice(h);
    }
    marks.push(("holder id hash", out.len()));
    put_bytes(&mut out, &compact_text(&cl.program.name));
    marks.push(("program name", out.len()));
    if let Some(code) = &cl.program.code {
        let b = code.as_bytes();
        if let Some(nibbles) = b
            .iter()
            .map(|c| code_nibble(*c))
            .collect::<Option<Vec<u8>>>()
        {
            put_varint(&mut out, (b.len() as u64) << 1 | 1);
            for pair in nibbles.chunks(2) {
                out.push(pair[0] << 4 | pair.get(1).copied().unwrap_or(15));
            }
        } else {
            put_varint(&mut out, (b.len() as u64) << 1);
            out.extend_from_slice(b);
        }
    }
    marks.push(("program code", out.len()));
    let f = cl.level.framework;
    let idx = f
        .level(&cl.level.value)
        .map(|(i, _)| i)
        .ok_or_else(|| err("level", "not a level of its framework"))?;
    out.push(f.code() << 4 | idx as u8);
    marks.push(("framework + level", out.len()));
    let from = secs_u32("validFrom", &cl.valid_from)?;
    out.extend_from_slice(&from.to_be_bytes());
    if let Some(until) = cl.valid_until {
        match years_between(cl.valid_from, until) {
            Some(y) => put_varint(&mut out, y << 1),
            None => {
                let d = (until - cl.valid_from).num_seconds();
                if d <= 0 || d >= 1 << 33 || until.timestamp_subsec_nanos() != 0 {
                    return Err(err(
                        "validUntil",
                        "must be 1 s to 272 years after validFrom",
                    ));
                }
                put_varint(&mut out, (d as u64) << 1 | 1);
            }
        }
    }
    marks.push(("validFrom + validUntil", out.len()));
    let delta = (c.signed_at - cl.valid_from).num_seconds();
    if delta.unsigned_abs() >= 1 << 33 || c.signed_at.timestamp_subsec_nanos() != 0 {
        return Err(err(
            "signedAt",
            "must be whole seconds within 272 years of validFrom",
        ));
    }
    put_varint(&mut out, ((delta << 1) ^ (delta >> 63)) as u64);
    marks.push(("signing time", out.len()));
    let frag = c
        .key_id
        .strip_prefix(cl.issuer.id.as_str())
        .and_then(|r| r.strip_prefix('#'));
    let key_n = frag
        .and_then(|f| f.strip_prefix("key-"))
        .and_then(|n| n.parse::<u32>().ok().filter(|v| v.to_string() == n));
    let did_key_frag = cl.issuer.id.strip_prefix("did:key:");
    match (key_n, frag) {
        (Some(n), _) => put_varint(&mut out, u64::from(n) << 2),
        (None, Some(f)) if id_form == ID_DID_KEY && Some(f) == did_key_frag => {
            put_varint(&mut out, 1)
        }
        (None, Some(f)) => {
            put_varint(&mut out, 2);
            put_bytes(&mut out, f.as_bytes());
        }
        (None, None) => {
            put_varint(&mut out, 3);
            put_bytes(&mut out, c.key_id.as_bytes());
        }
    }
    marks.push(("key id", out.len()));
    if cl.status.len() > MAX_STATUS {
        return Err(err("credentialStatus", "more than 8 entries"));
    }
    out.push(cl.status.len() as u8);
    for s in &cl.status {
        let purpose = u64::from(s.purpose == StatusPurpose::Suspension);
        match status_n(cl.issuer.url.as_deref(), &s.list_url) {
            Some(n) => put_varint(&mut out, u64::from(n) << 2 | purpose),
            None => {
                put_varint(&mut out, 2 | purpose);
                put_bytes(&mut out, s.list_url.as_bytes());
            }
        }
        put_varint(&mut out, u64::from(s.index));
    }
    marks.push(("status entries", out.len()));
    if let Some(n) = &cl.number {
        put_number(&mut out, n, cl)?;
    }
    marks.push(("certificate number", out.len()));
    if out.len() + 64 > MAX_PAYLOAD {
        return Err(err("$", "the claims are too long for a QR code"));
    }
    Ok(out)
}

fn secs_u32(field: &str, t: &DateTime<Utc>) -> Result<u32, QrError> {
    if t.timestamp_subsec_nanos() != 0 {
        return Err(err(field, "must be whole seconds"));
    }
    u32::try_from(t.timestamp()).map_err(|_| err(field, "must be between 1970 and 2106"))
}

// ---------------------------------------------------------------- reading

/// Decodes a payload (`body ‖ signature`). Refuses anything that is not the canonical
/// encoding of valid claims. Does not check the signature.
pub fn decode_payload(payload: &[u8]) -> Result<DecodedPayload, QrError> {
    if payload.len() > MAX_PAYLOAD {
        return Err(err("$", format!("payload longer than {MAX_PAYLOAD} bytes")));
    }
    if payload.len() < 64 + 2 {
        return Err(err("$", "payload too short"));
    }
    let (body, sig) = payload.split_at(payload.len() - 64);
    let mut r = Reader { b: body, pos: 0 };
    let version = r.u8("version")?;
    if version != VERSION {
        return Err(err("version", format!("unknown format version {version}")));
    }
    let flags = r.u8("flags")?;
    let id_form = flags >> 6;
    let id = Uuid::from_slice(r.take("id", 16)?).expect("16 bytes");
    let url = if flags & F_URL != 0 {
        let scheme = if flags & F_HTTP != 0 {
            "http://"
        } else {
            "https://"
        };
        Some(format!("{scheme}{}", r.utf8("issuer.url")?))
    } else if flags & F_HTTP != 0 {
        return Err(err("flags", "http flag without an issuer URL"));
    } else {
        None
    };
    let issuer_id = match id_form {
        ID_EXPLICIT => r.utf8("issuer.id")?,
        ID_DID_WEB => {
            let u = url
                .as_deref()
                .ok_or_else(|| err("issuer.id", "did:web form needs an issuer URL"))?;
            did_web_for(u).map_err(|e| err("issuer.url", e.to_string()))?
        }
        ID_DID_KEY => {
            let pk: [u8; 32] = r.take("issuer.id", 32)?.try_into().expect("32 bytes");
            let vk = ed25519_dalek::VerifyingKey::from_bytes(&pk)
                .map_err(|_| err("issuer.id", "not an Ed25519 public key"))?;
            keys::did_key(&vk)
        }
        _ => return Err(err("flags", "unknown issuer id form")),
    };
    let issuer_name = r.text("issuer.name")?;
    let holder_name = r.text("holder.name")?;
    let name_latin = if flags & F_LATIN != 0 {
        Some(r.text("holder.name_latin")?)
    } else {
        None
    };
    // Legacy: certificates issued before IDs left the public forms (never written now).
    let legacy_hash: Option<[u8; 32]> = if flags & F_ID_HASH != 0 {
        Some(r.take("holder.id_hash", 32)?.try_into().expect("32 bytes"))
    } else {
        None
    };
    let program_name = r.text("program.name")?;
    let code = if flags & F_CODE != 0 {
        let h = r.varint("program.code")?;
        let len = usize::try_from(h >> 1).map_err(|_| err("program.code", "too long"))?;
        if len > crate::model::MAX_CODE_CHARS {
            return Err(err("program.code", "too long"));
        }
        if h & 1 == 1 {
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
            Some(s)
        } else {
            let raw = r.take("program.code", len)?;
            Some(String::from_utf8(raw.to_vec()).map_err(|_| err("program.code", "not UTF-8"))?)
        }
    } else {
        None
    };
    let lv = r.u8("level")?;
    let framework =
        Framework::from_code(lv >> 4).ok_or_else(|| err("level", "unknown framework code"))?;
    let value = framework
        .levels()
        .get(usize::from(lv & 15))
        .ok_or_else(|| err("level", "level index out of range"))?
        .value
        .to_owned();
    let from_bytes: [u8; 4] = r.take("validFrom", 4)?.try_into().expect("4 bytes");
    let valid_from = time_from_unix(i64::from(u32::from_be_bytes(from_bytes)))
        .ok_or_else(|| err("validFrom", "out of range"))?;
    let valid_until = if flags & F_UNTIL != 0 {
        let x = r.varint("validUntil")?;
        if x & 1 == 0 {
            let y = x >> 1;
            if !(1..=MAX_YEARS).contains(&y) {
                return Err(err("validUntil", "years out of range"));
            }
            Some(add_years(valid_from, y as u32))
        } else {
            let d = x >> 1;
            if d == 0 || d >= 1 << 33 {
                return Err(err("validUntil", "seconds out of range"));
            }
            Some(valid_from + chrono::Duration::seconds(d as i64))
        }
    } else {
        None
    };
    let z = r.varint("signedAt")?;
    if z >= 1 << 34 {
        return Err(err("signedAt", "out of range"));
    }
    let delta = (z >> 1) as i64 ^ -((z & 1) as i64);
    let signed_at = valid_from + chrono::Duration::seconds(delta);
    let k = r.varint("keyId")?;
    let key_id = match (k & 3, k >> 2) {
        (0, n) if n <= u64::from(u32::MAX) => format!("{issuer_id}#key-{n}"),
        (1, 0) if id_form == ID_DID_KEY => {
            format!("{issuer_id}#{}", &issuer_id["did:key:".len()..])
        }
        (2, 0) => format!("{issuer_id}#{}", r.utf8("keyId")?),
        (3, 0) => r.utf8("keyId")?,
        _ => return Err(err("keyId", "unknown key id form")),
    };
    let n_status = usize::from(r.u8("credentialStatus")?);
    if n_status > MAX_STATUS {
        return Err(err("credentialStatus", "more than 8 entries"));
    }
    let mut status = Vec::with_capacity(n_status);
    for i in 0..n_status {
        let at = format!("credentialStatus[{i}]");
        let h = r.varint(&at)?;
        let purpose = if h & 1 == 0 {
            StatusPurpose::Revocation
        } else {
            StatusPurpose::Suspension
        };
        let list_url = if h & 2 == 0 {
            let n = u32::try_from(h >> 2).map_err(|_| err(&at, "list number out of range"))?;
            let u = url
                .as_deref()
                .ok_or_else(|| err(&at, "list number form needs an issuer URL"))?;
            format!("{u}/status/{n}")
        } else if h >> 2 == 0 {
            r.utf8(&at)?
        } else {
            return Err(err(&at, "bad entry header"));
        };
        let index = u32::try_from(r.varint(&at)?).map_err(|_| err(&at, "index out of range"))?;
        status.push(StatusRef {
            purpose,
            list_url,
            index,
        });
    }
    let number = if r.pos < body.len() {
        let level = Level {
            framework,
            value: value.clone(),
        };
        Some(read_number(&mut r, &level, &valid_from)?)
    } else {
        None
    };
    if r.pos != body.len() {
        return Err(err(
            "$",
            format!("{} unexpected bytes after the claims", body.len() - r.pos),
        ));
    }
    let claims = Claims {
        id,
        issuer: IssuerProfile {
            id: issuer_id,
            name: issuer_name,
            url,
        },
        holder: Holder {
            name: holder_name,
            name_latin,
            id_binding: legacy_hash.map(|hash| IdBinding {
                hash,
                salt: *id.as_bytes(),
            }),
        },
        program: Program {
            name: program_name,
            code,
        },
        level: Level { framework, value },
        valid_from,
        valid_until,
        status,
        number,
    };
    claims
        .validate()
        .map_err(|e| err("claims", e.to_string()))?;
    let content = QrContent {
        claims,
        key_id,
        signed_at,
    };
    if encode_body(&content)? != body {
        return Err(err("$", "not the canonical encoding of its claims"));
    }
    Ok(DecodedPayload {
        content,
        body: body.to_vec(),
        signature: sig.try_into().expect("64 bytes"),
    })
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
            untils.extend(
                untils
                    .clone()
                    .iter()
                    .map(|u| *u + chrono::Duration::seconds(1)),
            );
            untils.push(from);
            untils.push(crate::model::end_of_day_years(from, 5));
            for until in untils {
                let every = (1..=MAX_YEARS).find(|y| add_years(from, *y as u32) == until);
                assert_eq!(years_between(from, until), every, "{from} {until}");
            }
        }
    }

    #[test]
    fn varints_must_be_minimal() {
        let mut r = Reader {
            b: &[0x80, 0x00],
            pos: 0,
        };
        assert!(r.varint("x").is_err());
        let mut v = vec![];
        put_varint(&mut v, 131_071);
        assert_eq!(v.len(), 3);
        let mut r = Reader { b: &v, pos: 0 };
        assert_eq!(r.varint("x").unwrap(), 131_071);
    }
}
