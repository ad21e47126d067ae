//! Issuing in groups, for production runs: many certificates recorded in one transaction,
//! signed by the caller (on as many threads as it likes), then marked signed in one
//! transaction. The crash rules of single issuing hold unchanged (see the module docs of
//! [`super`]): every certificate is recorded, with its status entries and its number, before
//! anything of it is signed or written; a crash leaves `pending` rows that
//! [`IssuerDb::to_sign`] and [`IssuerDb::mark_signed_group`] finish on the next run. Grouping
//! only changes how many certificates share one durable commit.

use super::sql::{self, args};
use super::{queries, IssueOptions, IssuerDb, IssuerDbError};
use chrono::{DateTime, Utc};
use skillcert::issuer::Issuer;
use skillcert::model::{Claims, StatusPurpose};

/// One certificate to record ([`IssuerDb::record_group`]).
#[derive(Debug, Clone)]
pub struct NewCertificate {
    /// Its claims (from [`Issuer::claims_for`]); status entries and number are added.
    pub claims: Claims,
    /// The roster row key.
    pub batch_key: Option<String>,
    /// What its printed page carries besides the claims (JSON of
    /// [`skillcert::request::PrintExtras`]).
    pub print: Option<String>,
    /// The holder's ID number, normalised.
    pub holder_id: Option<HolderIdText>,
}

/// A holder's ID number on its way through the issuer's database: `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct HolderIdText(pub String);

impl std::fmt::Debug for HolderIdText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HolderIdText(redacted)")
    }
}

/// A recorded certificate ready to be signed.
#[derive(Debug, Clone)]
pub struct ToSign {
    /// The claims as recorded (with status entries and number).
    pub claims: Claims,
    /// The time to sign at: the recorded issue time, or now when the key changed since.
    pub at: DateTime<Utc>,
    /// The note of the `sign` event (set when the key changed).
    pub note: Option<String>,
    /// What its printed page carries besides the claims (JSON), as recorded.
    pub print: Option<String>,
    /// The holder's ID number as recorded (for the holder's copy).
    pub holder_id: Option<HolderIdText>,
}

/// A signed certificate to mark ([`IssuerDb::mark_signed_group`]).
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    /// `urn:uuid:…`.
    pub id: &'a str,
    /// The signed document.
    pub document: &'a serde_json::Value,
    /// The note of the `sign` event.
    pub note: Option<&'a str>,
}

impl IssuerDb {
    /// Records every certificate of `items` (state `pending`, status entries, number, `issue`
    /// event) in one transaction: all or none. Returns them ready to sign, in order.
    pub fn record_group(
        &self,
        issuer: &Issuer,
        items: Vec<NewCertificate>,
        actor: &str,
    ) -> Result<Vec<ToSign>, IssuerDbError> {
        let now = skillcert::issuer::now_secs();
        let mut conn = self.lock()?;
        let mut tx = conn.write()?;
        let mut out = Vec::with_capacity(items.len());
        for mut item in items {
            let opts = IssueOptions {
                actor: Some(actor),
                batch_key: item.batch_key.as_deref(),
                print: item.print.as_deref(),
                holder_id: item.holder_id.as_ref().map(|h| h.0.as_str()),
            };
            queries::record_in(&mut tx, issuer, &mut item.claims, now, &opts)?;
            out.push(ToSign {
                claims: item.claims,
                at: now,
                note: None,
                print: item.print,
                holder_id: item.holder_id,
            });
        }
        tx.commit()?;
        Ok(out)
    }

    /// A recorded certificate (pending or issued) ready to be signed again: with the key that
    /// signed it, at its recorded time (Ed25519 is deterministic: the same bytes); after a key
    /// rotation, now with the active key.
    pub fn to_sign(&self, issuer: &Issuer, id: &str) -> Result<ToSign, IssuerDbError> {
        let id = self.resolve(id)?;
        let mut conn = self.lock()?;
        let (rec, claims) = queries::claims_of(&mut conn, &id)?;
        let print = queries::print_of(&mut conn, &id)?;
        let holder_id = queries::holder_of(&mut conn, &id)?.map(|(h, _)| HolderIdText(h));
        let same_key = rec.key_id == issuer.verification_method();
        let (at, note) = if same_key {
            let at = skillcert::model::parse_time("issued_at", &rec.issued_at)
                .map_err(|e| IssuerDbError::Corrupt(e.to_string()))?;
            (at, None)
        } else {
            let note = format!(
                "re-signed with {} (was {})",
                issuer.verification_method(),
                rec.key_id
            );
            (skillcert::issuer::now_secs(), Some(note))
        };
        Ok(ToSign {
            claims,
            at,
            note,
            print,
            holder_id,
        })
    }

    /// Records the document hashes of signed certificates (state `issued`, a `sign` event where
    /// something changed), all in one transaction.
    pub fn mark_signed_group(
        &self,
        issuer: &Issuer,
        signed: &[Signed<'_>],
    ) -> Result<(), IssuerDbError> {
        let mut conn = self.lock()?;
        let mut tx = conn.write()?;
        for s in signed {
            queries::mark_signed_in(&mut tx, s.id, s.document, issuer, s.note)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Status entries and numbers used so far: (revocation entries, suspension entries,
    /// numbered certificates); for tests and reports.
    pub fn usage(&self) -> Result<(u64, u64, u64), IssuerDbError> {
        let mut conn = self.lock()?;
        let mut count = |purpose: StatusPurpose| -> Result<u64, IssuerDbError> {
            sql::one_value(
                &mut conn,
                "SELECT COUNT(*) FROM status_entries WHERE purpose = ?1",
                args![purpose.as_str()],
            )
        };
        let revocation = count(StatusPurpose::Revocation)?;
        let suspension = count(StatusPurpose::Suspension)?;
        let numbered: u64 = sql::one_value(
            &mut conn,
            "SELECT COUNT(*) FROM certificates WHERE number IS NOT NULL",
            &[],
        )?;
        Ok((revocation, suspension, numbered))
    }
}
