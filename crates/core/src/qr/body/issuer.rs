//! The issuer's fields: its URL (field 4), its id (5), its name (6), and the key id (16), whose
//! short forms are relative to the issuer id.

use super::{Field, F_HTTP, F_URL, ID_FORM_SHIFT};
use crate::keys::{self, did_web_for};
use crate::model::Claims;
use crate::qr::content::QrContent;
use crate::qr::wire::{err, put_bytes, put_text, put_varint, Reader};
use crate::qr::QrError;
use ed25519_dalek::VerifyingKey;

/// Issuer id form 0: the id itself, as `bytes`.
const ID_EXPLICIT: u8 = 0;
/// Issuer id form 1: `did_web(issuer URL)`, nothing stored.
const ID_DID_WEB: u8 = 1;
/// Issuer id form 2: `did:key`, its 32-byte public key stored.
const ID_DID_KEY: u8 = 2;

/// Field 4: the issuer URL after its scheme (flags `URL`, and `HTTP` for `http://`).
pub(super) const URL: Field = Field {
    part: "issuer url + id",
    put: |c, out| {
        let Some(u) = &c.claims.issuer.url else {
            return Ok(0);
        };
        let (rest, flags) = if let Some(r) = u.strip_prefix("https://") {
            (r, F_URL)
        } else if let Some(r) = u.strip_prefix("http://") {
            (r, F_URL | F_HTTP)
        } else {
            return Err(err("issuer.url", "must be an http(s) URL"));
        };
        put_bytes(out, rest.as_bytes());
        Ok(flags)
    },
    get: |r, flags, c| {
        c.claims.issuer.url = if flags & F_URL != 0 {
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
        Ok(())
    },
};

/// Field 5: the issuer id, in the form that flags bits 6–7 name.
pub(super) const ID: Field = Field {
    part: "issuer url + id",
    put: |c, out| {
        let (form, did_key) = id_form(&c.claims);
        match (form, did_key) {
            (ID_DID_KEY, Some(pk)) => out.extend_from_slice(pk.as_bytes()),
            (ID_EXPLICIT, _) => put_bytes(out, c.claims.issuer.id.as_bytes()),
            _ => {}
        }
        Ok(form << ID_FORM_SHIFT)
    },
    get: |r, flags, c| {
        c.claims.issuer.id = read_id(r, flags >> ID_FORM_SHIFT, c.claims.issuer.url.as_deref())?;
        Ok(())
    },
};

/// Field 6: the issuer name.
pub(super) const NAME: Field = Field {
    part: "issuer name",
    put: |c, out| {
        put_text(out, &c.claims.issuer.name);
        Ok(0)
    },
    get: |r, _, c| {
        c.claims.issuer.name = r.text("issuer.name")?;
        Ok(())
    },
};

/// Field 16: the key id, `varint` k (`k & 3` the form, `k >> 2` the `key-N` number).
pub(super) const KEY_ID: Field = Field {
    part: "key id",
    put: |c, out| {
        put_key_id(c, out);
        Ok(0)
    },
    get: |r, flags, c| {
        c.key_id = read_key_id(r, flags >> ID_FORM_SHIFT, &c.claims.issuer.id)?;
        Ok(())
    },
};

/// The issuer id form of `cl`, and the public key of the did:key form: derived whenever the
/// URL gives the id, else did:key when the id is a canonical Ed25519 did:key, else explicit.
fn id_form(cl: &Claims) -> (u8, Option<VerifyingKey>) {
    let did_key_pk = keys::parse_did_key(&cl.issuer.id)
        .ok()
        .filter(|pk| keys::did_key(pk) == cl.issuer.id);
    let derived = cl
        .issuer
        .url
        .as_deref()
        .is_some_and(|u| did_web_for(u).ok().as_deref() == Some(cl.issuer.id.as_str()));
    if derived {
        (ID_DID_WEB, did_key_pk)
    } else if did_key_pk.is_some() {
        (ID_DID_KEY, did_key_pk)
    } else {
        (ID_EXPLICIT, did_key_pk)
    }
}

fn read_id(r: &mut Reader<'_>, form: u8, url: Option<&str>) -> Result<String, QrError> {
    match form {
        ID_EXPLICIT => r.utf8("issuer.id"),
        ID_DID_WEB => {
            let u = url.ok_or_else(|| err("issuer.id", "did:web form needs an issuer URL"))?;
            did_web_for(u).map_err(|e| err("issuer.url", e.to_string()))
        }
        ID_DID_KEY => {
            let vk = VerifyingKey::from_bytes(&r.array("issuer.id")?)
                .map_err(|_| err("issuer.id", "not an Ed25519 public key"))?;
            Ok(keys::did_key(&vk))
        }
        _ => Err(err("flags", "unknown issuer id form")),
    }
}

/// Key id forms, in order of preference: `#key-N` (k = N << 2), the did:key's own fragment
/// (k = 1), another fragment (k = 2, then `bytes`), the whole id (k = 3, then `bytes`).
fn put_key_id(c: &QrContent, out: &mut Vec<u8>) {
    let issuer = c.claims.issuer.id.as_str();
    let frag = c
        .key_id
        .strip_prefix(issuer)
        .and_then(|r| r.strip_prefix('#'));
    let key_n = frag
        .and_then(|f| f.strip_prefix("key-"))
        .and_then(|n| n.parse::<u32>().ok().filter(|v| v.to_string() == n));
    let did_key_frag = issuer.strip_prefix("did:key:");
    let is_did_key = id_form(&c.claims).0 == ID_DID_KEY;
    match (key_n, frag) {
        (Some(n), _) => put_varint(out, u64::from(n) << 2),
        (None, Some(f)) if is_did_key && Some(f) == did_key_frag => put_varint(out, 1),
        (None, Some(f)) => {
            put_varint(out, 2);
            put_bytes(out, f.as_bytes());
        }
        (None, None) => {
            put_varint(out, 3);
            put_bytes(out, c.key_id.as_bytes());
        }
    }
}

fn read_key_id(r: &mut Reader<'_>, form: u8, issuer_id: &str) -> Result<String, QrError> {
    let k = r.varint("keyId")?;
    Ok(match (k & 3, k >> 2) {
        (0, n) if n <= u64::from(u32::MAX) => format!("{issuer_id}#key-{n}"),
        (1, 0) if form == ID_DID_KEY => {
            format!("{issuer_id}#{}", &issuer_id["did:key:".len()..])
        }
        (2, 0) => format!("{issuer_id}#{}", r.utf8("keyId")?),
        (3, 0) => r.utf8("keyId")?,
        _ => return Err(err("keyId", "unknown key id form")),
    })
}
