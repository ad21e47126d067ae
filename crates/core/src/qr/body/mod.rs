//! The QR body, described once (`docs/FORMAT.md` §4): the header (version, flags), then
//! [`FIELDS`], one [`Field`] per row of the format's table, each carrying both its writer and
//! its reader. [`write`] and [`read`] walk that one list, so a field is added or changed in one
//! place: its [`Field`] (and, for a new flag bit, a constant below).

mod holder;
mod issuer;
mod number;
mod program;
mod status;
mod time;

use super::content::{QrContent, VERSION};
use super::wire::{err, Reader};
use super::QrError;
use crate::model::{Claims, Framework, Holder, IssuerProfile, Level, Program};
use uuid::Uuid;

// The flags byte (field 2): bits 0–5, then the issuer id form in bits 6–7.
/// Holder Latin name present.
const F_LATIN: u8 = 0x01;
/// Legacy holder ID hash present.
const F_ID_HASH: u8 = 0x02;
/// Program code present.
const F_CODE: u8 = 0x04;
/// validUntil present.
const F_UNTIL: u8 = 0x08;
/// Issuer URL present.
const F_URL: u8 = 0x10;
/// The issuer URL is `http://` (only with [`F_URL`]).
const F_HTTP: u8 = 0x20;
/// Where the issuer id form (see [`issuer`]) sits in the flags.
const ID_FORM_SHIFT: u8 = 6;

/// Writes one field of `c`; gives the flag bits it sets.
type Put = fn(&QrContent, &mut Vec<u8>) -> Result<u8, QrError>;
/// Reads one field into `c`, under the body's flags.
type Get = fn(&mut Reader<'_>, u8, &mut QrContent) -> Result<(), QrError>;

/// One field of the body: its writer and its reader together.
pub(super) struct Field {
    /// The part of the byte budget its bytes count toward (consecutive fields may share one).
    pub(super) part: &'static str,
    put: Put,
    get: Get,
}

/// The budget part of the header.
const HEADER: &str = "version, flags";

/// The fields after the header, in body order (fields 3–19 of `docs/FORMAT.md` §4).
const FIELDS: &[Field] = &[
    ID,
    issuer::URL,
    issuer::ID,
    issuer::NAME,
    holder::NAME,
    holder::NAME_LATIN,
    holder::LEGACY_ID_HASH,
    program::NAME,
    program::CODE,
    program::LEVEL,
    time::VALID_FROM,
    time::VALID_UNTIL,
    time::SIGNED_AT,
    issuer::KEY_ID,
    status::ENTRIES,
    number::NUMBER,
];

/// Field 3: the credential id, 16 bytes of UUID.
const ID: Field = Field {
    part: "id (UUID)",
    put: |c, out| {
        out.extend_from_slice(c.claims.id.as_bytes());
        Ok(0)
    },
    get: |r, _, c| {
        c.claims.id = Uuid::from_bytes(r.array("id")?);
        Ok(())
    },
};

/// Encodes the body of `c`, recording in `marks` each budget part with the body length at its
/// end (a part shared by consecutive fields is recorded once).
pub(super) fn write(
    c: &QrContent,
    marks: &mut Vec<(&'static str, usize)>,
) -> Result<Vec<u8>, QrError> {
    // The flags byte is known once every field has said which bits it sets.
    let mut out = Vec::with_capacity(320);
    out.extend_from_slice(&[VERSION, 0]);
    marks.push((HEADER, out.len()));
    let mut flags = 0u8;
    for f in FIELDS {
        flags |= (f.put)(c, &mut out)?;
        match marks.last_mut() {
            Some((part, end)) if *part == f.part => *end = out.len(),
            _ => marks.push((f.part, out.len())),
        }
    }
    out[1] = flags;
    Ok(out)
}

/// Decodes a body into its content (claims validated; canonicality is the caller's check).
pub(super) fn read(body: &[u8]) -> Result<QrContent, QrError> {
    let mut r = Reader::new(body);
    let version = r.u8("version")?;
    if version != VERSION {
        return Err(err("version", format!("unknown format version {version}")));
    }
    let flags = r.u8("flags")?;
    let mut c = blank();
    for f in FIELDS {
        (f.get)(&mut r, flags, &mut c)?;
    }
    if r.remaining() != 0 {
        return Err(err(
            "$",
            format!("{} unexpected bytes after the claims", r.remaining()),
        ));
    }
    c.claims
        .validate()
        .map_err(|e| err("claims", e.to_string()))?;
    Ok(c)
}

/// The content the fields are read into: every field of the body sets its part.
fn blank() -> QrContent {
    QrContent {
        claims: Claims {
            id: Uuid::nil(),
            issuer: IssuerProfile {
                id: String::new(),
                name: String::new(),
                url: None,
            },
            holder: Holder {
                name: String::new(),
                name_latin: None,
                id_binding: None,
            },
            program: Program {
                name: String::new(),
                code: None,
            },
            level: Level {
                framework: Framework::CnNvq,
                value: String::new(),
            },
            valid_from: Default::default(),
            valid_until: None,
            status: Vec::new(),
            number: None,
        },
        key_id: String::new(),
        signed_at: Default::default(),
    }
}
