//! Status changes (a bit set or cleared with its event) and the status lists: their bits, and
//! their signed credentials, cached.

use super::{get, purpose_of};
use crate::issuer_db::{CertStatus, IssuerDbError, ListInfo};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use skillcert::issuer::Issuer;
use skillcert::model::{format_time, StatusPurpose};
use skillcert::status::credential::build_signed;
use skillcert::status::Bitstring;

/// Applies a status change and appends its event, in one transaction.
pub(in crate::issuer_db) fn change(
    conn: &mut Connection,
    id: &str,
    action: &str,
    reasons: (Option<&str>, Option<&str>),
    actor: &str,
) -> Result<(), IssuerDbError> {
    let (reason, public_reason) = reasons;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let rec = get(&tx, id)?;
    let ((list, idx), value) = match (action, rec.status) {
        (_, CertStatus::Revoked) => return Err(IssuerDbError::Revoked(id.to_owned())),
        ("revoke", _) => (rec.revocation, true),
        ("suspend", CertStatus::Suspended) => {
            return Err(IssuerDbError::AlreadySuspended(id.to_owned()))
        }
        ("suspend", _) => (rec.suspension, true),
        ("reinstate", CertStatus::Suspended) => (rec.suspension, false),
        ("reinstate", _) => return Err(IssuerDbError::NotSuspended(id.to_owned())),
        _ => return Err(IssuerDbError::Invalid(format!("unknown action {action}"))),
    };
    tx.execute(
        "UPDATE status_entries SET is_set = ?3 WHERE list = ?1 AND idx = ?2",
        params![list, idx, value],
    )?;
    tx.execute(
        "UPDATE lists SET version = version + 1 WHERE number = ?1",
        [list],
    )?;
    tx.execute(
        "INSERT INTO events (certificate, action, reason, at, actor, public_reason) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            action,
            reason,
            format_time(&skillcert::issuer::now_secs()),
            actor,
            public_reason
        ],
    )?;
    tx.commit()?;
    Ok(())
}

/// When the bit at `(list, idx)` was last set (the latest `revoke` or `suspend` event of its
/// certificate, by the entry's purpose) and the reason published with it.
pub(in crate::issuer_db) fn last_change(
    conn: &Connection,
    list: u64,
    idx: u32,
) -> Result<Option<(String, Option<String>)>, IssuerDbError> {
    let row = conn
        .prepare_cached(
            "SELECT e.at, e.public_reason FROM status_entries s JOIN events e \
             ON e.certificate = s.certificate \
             AND e.action = CASE s.purpose WHEN 'revocation' THEN 'revoke' ELSE 'suspend' END \
             WHERE s.list = ?1 AND s.idx = ?2 AND s.is_set = 1 ORDER BY e.seq DESC LIMIT 1",
        )?
        .query_row(params![list, idx], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row)
}

pub(in crate::issuer_db) fn lists(conn: &Connection) -> Result<Vec<ListInfo>, IssuerDbError> {
    let mut q =
        conn.prepare("SELECT number, purpose, size, used, version FROM lists ORDER BY number")?;
    let rows: Vec<(u64, String, u64, u64, u64)> = q
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(number, p, size, used, version)| {
            Ok(ListInfo {
                number,
                purpose: purpose_of(&p)?,
                size,
                used,
                version,
            })
        })
        .collect()
}

fn list_info(conn: &Connection, list: u64) -> Result<ListInfo, IssuerDbError> {
    let row: Option<(String, u64, u64, u64)> = conn
        .prepare_cached("SELECT purpose, size, used, version FROM lists WHERE number = ?1")?
        .query_row([list], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let (p, size, used, version) = row.ok_or(IssuerDbError::NoSuchList(list))?;
    Ok(ListInfo {
        number: list,
        purpose: purpose_of(&p)?,
        size,
        used,
        version,
    })
}

pub(in crate::issuer_db) fn list_bits(
    conn: &Connection,
    list: u64,
) -> Result<(StatusPurpose, Bitstring), IssuerDbError> {
    let info = list_info(conn, list)?;
    let mut bits = Bitstring::zeros(info.size as usize);
    let mut q =
        conn.prepare_cached("SELECT idx FROM status_entries WHERE list = ?1 AND is_set = 1")?;
    for idx in q.query_map([list], |r| r.get::<_, u32>(0))? {
        bits.set(idx? as usize, true);
    }
    Ok((info.purpose, bits))
}

pub(in crate::issuer_db) fn list_credential(
    conn: &Connection,
    issuer: &Issuer,
    list: u64,
) -> Result<serde_json::Value, IssuerDbError> {
    let info = list_info(conn, list)?;
    let now = skillcert::issuer::now_secs();
    let ttl = issuer.config().status_ttl_secs.clamp(60, 366 * 86_400) as i64;
    let cached: Option<(u64, String, String, String)> = conn
        .query_row(
            "SELECT version, key_id, valid_until, json FROM list_cache WHERE list = ?1",
            [list],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    if let Some((version, key_id, until, json)) = cached {
        let fresh_enough = skillcert::model::parse_time("valid_until", &until)
            .map(|u| (u - now).num_seconds() > ttl / 2)
            .unwrap_or(false);
        if version == info.version && key_id == issuer.verification_method() && fresh_enough {
            if let Ok(v) = serde_json::from_str(&json) {
                return Ok(v);
            }
        }
    }
    let (purpose, bits) = list_bits(conn, list)?;
    let doc = build_signed(issuer, list, purpose, &bits, now)?;
    let until = doc
        .get("validUntil")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    conn.execute(
        "INSERT OR REPLACE INTO list_cache (list, version, key_id, valid_until, json) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![list, info.version, issuer.verification_method(), until, doc.to_string()],
    )?;
    Ok(doc)
}
