//! Status changes (a bit set or cleared with its event) and the status lists: their bits, and
//! their signed credentials, cached.

use super::{get, purpose_of};
use crate::issuer_db::sql::{self, args, Handle, Sql};
use crate::issuer_db::{CertStatus, IssuerDbError, ListInfo};
use skillcert::issuer::Issuer;
use skillcert::model::{format_time, StatusPurpose};
use skillcert::status::credential::build_signed;
use skillcert::status::Bitstring;

/// Applies a status change and appends its event, in one transaction.
pub(in crate::issuer_db) fn change(
    conn: &mut Handle<'_>,
    id: &str,
    action: &str,
    reasons: (Option<&str>, Option<&str>),
    actor: &str,
) -> Result<(), IssuerDbError> {
    let (reason, public_reason) = reasons;
    let mut tx = conn.write()?;
    let rec = get(&mut tx, id)?;
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
        args![list, idx, value],
    )?;
    tx.execute(
        "UPDATE lists SET version = version + 1 WHERE number = ?1",
        args![list],
    )?;
    tx.execute(
        "INSERT INTO events (certificate, action, reason, at, actor, public_reason) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        args![
            id,
            action,
            reason,
            &format_time(&skillcert::issuer::now_secs()),
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
    conn: &mut dyn Sql,
    list: u64,
    idx: u32,
) -> Result<Option<(String, Option<String>)>, IssuerDbError> {
    conn.query_opt(
        "SELECT e.at, e.public_reason FROM status_entries s JOIN events e \
         ON e.certificate = s.certificate \
         AND e.action = CASE s.purpose WHEN 'revocation' THEN 'revoke' ELSE 'suspend' END \
         WHERE s.list = ?1 AND s.idx = ?2 AND s.is_set = 1 ORDER BY e.seq DESC LIMIT 1",
        args![list, idx],
    )?
    .map(|r| Ok((r.get(0)?, r.get(1)?)))
    .transpose()
}

pub(in crate::issuer_db) fn lists(conn: &mut dyn Sql) -> Result<Vec<ListInfo>, IssuerDbError> {
    let rows = conn.query(
        "SELECT number, purpose, size, used, version FROM lists ORDER BY number",
        &[],
    )?;
    rows.iter()
        .map(|r| {
            Ok(ListInfo {
                number: r.get(0)?,
                purpose: purpose_of(&r.get::<String>(1)?)?,
                size: r.get(2)?,
                used: r.get(3)?,
                version: r.get(4)?,
            })
        })
        .collect()
}

fn list_info(conn: &mut dyn Sql, list: u64) -> Result<ListInfo, IssuerDbError> {
    let r = conn
        .query_opt(
            "SELECT purpose, size, used, version FROM lists WHERE number = ?1",
            args![list],
        )?
        .ok_or(IssuerDbError::NoSuchList(list))?;
    Ok(ListInfo {
        number: list,
        purpose: purpose_of(&r.get::<String>(0)?)?,
        size: r.get(1)?,
        used: r.get(2)?,
        version: r.get(3)?,
    })
}

pub(in crate::issuer_db) fn list_bits(
    conn: &mut dyn Sql,
    list: u64,
) -> Result<(StatusPurpose, Bitstring), IssuerDbError> {
    let info = list_info(conn, list)?;
    let mut bits = Bitstring::zeros(info.size as usize);
    let set: Vec<u32> = sql::column(
        conn,
        "SELECT idx FROM status_entries WHERE list = ?1 AND is_set = 1",
        args![list],
    )?;
    for idx in set {
        bits.set(idx as usize, true);
    }
    Ok((info.purpose, bits))
}

/// The cached credential of `list` when it is still good to serve: same list version, same
/// key, more than half of its freshness left.
fn cached_credential(
    conn: &mut dyn Sql,
    issuer: &Issuer,
    info: &ListInfo,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<serde_json::Value>, IssuerDbError> {
    let ttl = issuer.config().status_ttl_secs.clamp(60, 366 * 86_400) as i64;
    let Some(r) = conn.query_opt(
        "SELECT version, key_id, valid_until, json FROM list_cache WHERE list = ?1",
        args![info.number],
    )?
    else {
        return Ok(None);
    };
    let (version, key_id, until, json): (u64, String, String, String) =
        (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
    let fresh_enough = skillcert::model::parse_time("valid_until", &until)
        .map(|u| (u - now).num_seconds() > ttl / 2)
        .unwrap_or(false);
    if version == info.version && key_id == issuer.verification_method() && fresh_enough {
        return Ok(serde_json::from_str(&json).ok());
    }
    Ok(None)
}

/// The signed credential of `list`: the cached one while it is good, else signed now and
/// cached. Signing happens inside a write transaction that re-reads the cache first, so
/// processes sharing the database serve the same bytes (one signs, the others read it).
pub(in crate::issuer_db) fn list_credential(
    conn: &mut Handle<'_>,
    issuer: &Issuer,
    list: u64,
) -> Result<serde_json::Value, IssuerDbError> {
    let now = skillcert::issuer::now_secs();
    let info = list_info(conn, list)?;
    if let Some(doc) = cached_credential(conn, issuer, &info, now)? {
        return Ok(doc);
    }
    let mut tx = conn.write()?;
    let info = list_info(&mut tx, list)?;
    if let Some(doc) = cached_credential(&mut tx, issuer, &info, now)? {
        return Ok(doc);
    }
    let (purpose, bits) = list_bits(&mut tx, list)?;
    let doc = build_signed(issuer, list, purpose, &bits, now)?;
    let until = doc
        .get("validUntil")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    tx.execute(
        "INSERT INTO list_cache (list, version, key_id, valid_until, json) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (list) DO UPDATE SET version = excluded.version, key_id = excluded.key_id,
            valid_until = excluded.valid_until, json = excluded.json",
        args![list, info.version, &issuer.verification_method(), &until, &doc.to_string()],
    )?;
    tx.commit()?;
    Ok(doc)
}
