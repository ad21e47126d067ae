//! The holder's fields: name (field 7), Latin name (8), legacy ID hash (9).

use super::{Field, F_ID_HASH, F_LATIN};
use crate::model::IdBinding;
use crate::qr::wire::{err, put_text};

/// Field 7: the holder's name.
pub(super) const NAME: Field = Field {
    part: "holder name",
    put: |c, out| {
        put_text(out, &c.claims.holder.name);
        Ok(0)
    },
    get: |r, _, c| {
        c.claims.holder.name = r.text("holder.name")?;
        Ok(())
    },
};

/// Field 8: the holder's Latin name (flag `LATIN`).
pub(super) const NAME_LATIN: Field = Field {
    part: "holder latin name",
    put: |c, out| {
        let Some(l) = &c.claims.holder.name_latin else {
            return Ok(0);
        };
        put_text(out, l);
        Ok(F_LATIN)
    },
    get: |r, flags, c| {
        if flags & F_LATIN != 0 {
            c.claims.holder.name_latin = Some(r.text("holder.name_latin")?);
        }
        Ok(())
    },
};

/// Field 9: the legacy holder ID hash (flag `IDHASH`), salted with the credential's UUID.
/// Certificates issued before IDs left the public forms carry it; a holder's copy (its own
/// salt) is never put in a QR, which is public.
pub(super) const LEGACY_ID_HASH: Field = Field {
    part: "holder id hash",
    put: |c, out| match &c.claims.holder.id_binding {
        None => Ok(0),
        Some(b) if b.is_legacy(&c.claims.id) => {
            out.extend_from_slice(&b.hash);
            Ok(F_ID_HASH)
        }
        Some(_) => Err(err(
            "holder.id_binding",
            "a holder's copy (ID under its own salt) is never put in a QR",
        )),
    },
    get: |r, flags, c| {
        if flags & F_ID_HASH != 0 {
            c.claims.holder.id_binding = Some(IdBinding {
                hash: r.array("holder.id_hash")?,
                salt: *c.claims.id.as_bytes(),
            });
        }
        Ok(())
    },
};
