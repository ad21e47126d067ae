//! The issuer's side of reporting to a register (`skillcert report`): which items a portal has
//! not acknowledged yet, the receipts it signed, and the check that every receipt still matches
//! what the issuer's database holds.
//!
//! An item counts as reported to a portal only once a receipt from that portal, whose
//! signature verifies with the portal's pinned key, names it with the digest the issuer sent
//! (`report_acks`). Receipts and acknowledgements are stored in one transaction, so an
//! interrupted report resumes exactly where the portal's receipts end.

use super::sql::{self, args, Sql};
use super::{queries, IssuerDb, IssuerDbError};
use serde_json::Value;
use sha2::{Digest, Sha256};
use skillcert::reporting::{
    check_receipt_items, verify_receipt, Item, Receipt, ReportedCertificate, ReportedStatusChange,
};

/// When and in which receipt a certificate's items were acknowledged by a portal.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Reported {
    /// The portal's URL.
    pub portal: String,
    /// The item (`certificate:…`, `status:…`).
    pub item: String,
    /// When the portal says it stored it.
    pub received: String,
    /// The receipt's number in this issuer's database.
    pub receipt: i64,
}

/// What [`IssuerDb::verify_receipts`] found.
#[derive(Debug, Clone, Default, serde::Serialize, PartialEq, Eq)]
pub struct ReceiptCheck {
    /// Receipts checked.
    pub receipts: usize,
    /// Items they name.
    pub items: usize,
    /// Problems, each naming the receipt and item.
    pub problems: Vec<String>,
}

impl IssuerDb {
    /// Up to `limit` items `portal` has not acknowledged: certificate records first (in order
    /// of issue), then status changes (in order), so that a change never arrives before its
    /// certificate.
    pub fn unreported(&self, portal: &str, limit: usize) -> Result<Vec<Item>, IssuerDbError> {
        let mut conn = self.lock()?;
        let mut out = Vec::new();
        let order = conn.dialect().insertion_order();
        let ids: Vec<String> = sql::column(
            &mut conn,
            &format!(
                "SELECT c.id FROM certificates c WHERE c.state = 'issued' AND NOT EXISTS
                   (SELECT 1 FROM report_acks a WHERE a.portal = ?1 AND a.item = 'certificate:' || c.id)
                 ORDER BY c.{order} LIMIT ?2"
            ),
            args![portal, limit],
        )?;
        for id in ids {
            out.push(record_item(&mut conn, &id)?);
        }
        if out.len() < limit {
            let seqs: Vec<i64> = sql::column(
                &mut conn,
                "SELECT e.seq FROM events e WHERE e.action IN ('revoke', 'suspend', 'reinstate')
                   AND NOT EXISTS (SELECT 1 FROM report_acks a WHERE a.portal = ?1
                                   AND a.item = 'status:' || e.seq)
                 ORDER BY e.seq LIMIT ?2",
                args![portal, limit - out.len()],
            )?;
            for s in seqs {
                out.push(status_item(&mut conn, s)?);
            }
        }
        Ok(out)
    }

    /// Stores a receipt from `portal` for the items `sent`, after checking it: signed by the
    /// portal's key (pinned on the first receipt), naming exactly the items and digests sent
    /// (every one, once, nothing else). Returns how many items it acknowledges. The caller
    /// checks the rest against the bundle sent first ([`skillcert::reporting::check_receipt`]).
    pub fn store_receipt(
        &self,
        portal: &str,
        receipt: &Value,
        sent: &[Item],
    ) -> Result<usize, IssuerDbError> {
        let pinned = self.portal_key(portal)?;
        let r = verify_receipt(receipt, pinned.as_deref())
            .map_err(|e| IssuerDbError::Invalid(format!("{portal}: {e}")))?;
        check_receipt_items(&r.items, sent)
            .map_err(|e| IssuerDbError::Invalid(format!("{portal}: {e}")))?;
        let mut conn = self.lock()?;
        let mut tx = conn.write()?;
        tx.execute(
            "INSERT INTO report_portals (portal, portal_key) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
            args![portal, &r.portal],
        )?;
        let id: i64 = sql::one_value(
            &mut tx,
            "INSERT INTO report_receipts (portal, bundle, received_at, json) VALUES (?1, ?2, ?3, ?4)
             RETURNING id",
            args![
                portal,
                &r.bundle,
                &skillcert::model::format_time(&r.received),
                &receipt.to_string()
            ],
        )?;
        for it in &r.items {
            tx.execute(
                "INSERT INTO report_acks (portal, item, digest, receipt) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT DO NOTHING",
                args![portal, &it.item, &it.digest, id],
            )?;
        }
        tx.commit()?;
        Ok(r.items.len())
    }

    /// Every item `portal` acknowledged, with the digest its receipt names.
    pub fn acknowledged(&self, portal: &str) -> Result<Vec<(String, String)>, IssuerDbError> {
        let rows = self.lock()?.query(
            "SELECT item, digest FROM report_acks WHERE portal = ?1",
            args![portal.trim_end_matches('/')],
        )?;
        rows.iter().map(|r| Ok((r.get(0)?, r.get(1)?))).collect()
    }

    /// The portal's key, once a receipt has pinned it.
    pub fn portal_key(&self, portal: &str) -> Result<Option<String>, IssuerDbError> {
        sql::opt_value(
            &mut self.lock()?,
            "SELECT portal_key FROM report_portals WHERE portal = ?1",
            args![portal],
        )
    }

    /// Where and when the items of certificate `id` were acknowledged.
    pub fn reported(&self, id: &str) -> Result<Vec<Reported>, IssuerDbError> {
        let rows = self.lock()?.query(
            "SELECT a.portal, a.item, r.received_at, r.id FROM report_acks a
               JOIN report_receipts r ON r.id = a.receipt
             WHERE a.item = 'certificate:' || ?1
                OR a.item IN (SELECT 'status:' || seq FROM events WHERE certificate = ?1)
             ORDER BY r.id",
            args![id],
        )?;
        rows.iter()
            .map(|r| {
                Ok(Reported {
                    portal: r.get(0)?,
                    item: r.get(1)?,
                    received: r.get(2)?,
                    receipt: r.get(3)?,
                })
            })
            .collect()
    }

    /// A stored receipt by its number.
    pub fn receipt(&self, number: i64) -> Result<Option<Value>, IssuerDbError> {
        let text: Option<String> = sql::opt_value(
            &mut self.lock()?,
            "SELECT json FROM report_receipts WHERE id = ?1",
            args![number],
        )?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Checks every stored receipt: its signature (with the pinned key of its portal), that it
    /// names `issuer` (this issuer's database's issuer id), and that every item it names has, in this
    /// registry now, the digest the portal received.
    pub fn verify_receipts(&self, issuer: &str) -> Result<ReceiptCheck, IssuerDbError> {
        let rows: Vec<(i64, String, String)> = self
            .lock()?
            .query(
                "SELECT id, portal, json FROM report_receipts ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .collect::<Result<_, IssuerDbError>>()?;
        let mut check = ReceiptCheck::default();
        for (n, portal, json) in rows {
            check.receipts += 1;
            let pinned = self.portal_key(&portal)?;
            let r: Receipt = match serde_json::from_str::<Value>(&json)
                .map_err(|e| e.to_string())
                .and_then(|v| verify_receipt(&v, pinned.as_deref()).map_err(|e| e.to_string()))
            {
                Ok(r) => r,
                Err(e) => {
                    check
                        .problems
                        .push(format!("receipt {n} from {portal}: {e}"));
                    continue;
                }
            };
            if r.issuer != issuer {
                check.problems.push(format!(
                    "receipt {n} from {portal}: it names issuer {}, not this issuer {issuer}",
                    r.issuer
                ));
            }
            if r.items.is_empty() {
                check.problems.push(format!(
                    "receipt {n} from {portal}: it acknowledges nothing"
                ));
            }
            for it in &r.items {
                check.items += 1;
                let ours = self.item(&it.item).map(|i| i.digest());
                match ours {
                    Ok(d) if d == it.digest => {}
                    Ok(d) => check.problems.push(format!(
                        "receipt {n} from {portal}: {} was received with digest {}, but this \
                         registry holds digest {d}: the portal holds something different",
                        it.item, it.digest
                    )),
                    Err(e) => check
                        .problems
                        .push(format!("receipt {n} from {portal}: {}: {e}", it.item)),
                }
            }
        }
        Ok(check)
    }

    /// The item with key `key` as this issuer's database holds it now.
    pub fn item(&self, key: &str) -> Result<Item, IssuerDbError> {
        let mut conn = self.lock()?;
        if let Some(id) = key.strip_prefix("certificate:") {
            return record_item(&mut conn, id);
        }
        match key
            .strip_prefix("status:")
            .and_then(|s| s.parse::<i64>().ok())
        {
            Some(seq) => status_item(&mut conn, seq),
            None => Err(IssuerDbError::Invalid(format!("no such item {key}"))),
        }
    }
}

/// The certificate record of `id`.
fn record_item(conn: &mut dyn Sql, id: &str) -> Result<Item, IssuerDbError> {
    let (rec, claims) = queries::claims_of(conn, id)?;
    let issued = skillcert::model::parse_time("issued_at", &rec.issued_at)
        .map_err(|e| IssuerDbError::Corrupt(format!("{id}: {e}")))?;
    let sha = rec.document_sha256.clone().unwrap_or_default();
    let holder = match queries::holder_of(conn, id)? {
        None => None,
        Some((holder_id, Some(mac))) => Some((holder_id, report_nonce(&mac))),
        Some((_, None)) => {
            return Err(IssuerDbError::Corrupt(format!(
                "{id}: holder ID without its keyed hash"
            )))
        }
    };
    Ok(Item::Certificate(Box::new(ReportedCertificate::of_claims(
        &claims,
        issued,
        &rec.key_id,
        &sha,
        holder.as_ref().map(|(h, n)| (h.as_str(), *n)),
    ))))
}

/// The nonce sent with a record's holder ID: fixed per certificate (so that reporting it again
/// gives the same digest), unpredictable without the issuer's holder-ID secret. Derived from
/// the keyed hash the issuer's database recorded (itself keyed), never from the ID alone.
fn report_nonce(mac: &str) -> [u8; 16] {
    let digest = Sha256::digest(format!("skillcert report nonce v1\0{mac}"));
    let mut out = [0u8; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// The status change recorded as event `seq`.
fn status_item(conn: &mut dyn Sql, seq: i64) -> Result<Item, IssuerDbError> {
    let row = conn
        .query_opt(
            "SELECT certificate, action, at FROM events WHERE seq = ?1
               AND action IN ('revoke', 'suspend', 'reinstate')",
            args![seq],
        )?
        .ok_or_else(|| IssuerDbError::NotFound(format!("status change {seq}")))?;
    let (certificate, action, at): (String, String, String) =
        (row.get(0)?, row.get(1)?, row.get(2)?);
    let at = skillcert::model::parse_time("at", &at)
        .map_err(|e| IssuerDbError::Corrupt(format!("event {seq}: {e}")))?;
    Ok(Item::Status(ReportedStatusChange {
        credential_id: certificate,
        change: action,
        at,
        seq: seq as u64,
    }))
}

#[cfg(test)]
mod tests;
