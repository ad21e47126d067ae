//! The SQL behind [`super::IssuerDb`]. Every multi-statement change runs in one
//! `BEGIN IMMEDIATE` transaction.

use super::{
    CertStatus, CertificateRecord, Event, IssueOptions, IssuerDbError, ListInfo, RecordState,
};
use chrono::{DateTime, Utc};
use rand_core::{OsRng, RngCore};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};
use skillcert::issuer::{Issuer, IssuerError};
use skillcert::model::number::{number_in_series, MAX_SERIAL};
use skillcert::model::{format_time, Claims, StatusPurpose, StatusRef};
use skillcert::status::credential::{build_signed, list_url};
use skillcert::status::{Bitstring, MIN_LIST_BITS};
use std::collections::HashMap;

fn purpose_of(s: &str) -> Result<StatusPurpose, IssuerDbError> {
    StatusPurpose::parse(s).ok_or_else(|| IssuerDbError::Corrupt(format!("purpose {s:?}")))
}

/// Uniform random integer below `n` (rejection sampling on OS randomness).
fn random_below(n: u32) -> u32 {
    let limit = (u32::MAX / n) * n;
    loop {
        let r = OsRng.next_u32();
        if r < limit {
            return r % n;
        }
    }
}

/// Picks a free index of the current list of `purpose` (starting a new list when all are
/// full). Random probes first; when they keep hitting used indices, a uniform pick among the
/// free ones.
fn allocate(
    conn: &Connection,
    purpose: StatusPurpose,
    now: &str,
) -> Result<(u64, u32), IssuerDbError> {
    let current: Option<(u64, u32)> = conn
        .query_row(
            "SELECT number, size FROM lists WHERE purpose = ?1 AND used < size ORDER BY number LIMIT 1",
            [purpose.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (number, size) = match current {
        Some(c) => c,
        None => {
            let n: u64 =
                conn.query_row("SELECT COALESCE(MAX(number), 0) + 1 FROM lists", [], |r| {
                    r.get(0)
                })?;
            conn.execute(
                "INSERT INTO lists (number, purpose, size, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![n, purpose.as_str(), MIN_LIST_BITS as u32, now],
            )?;
            (n, MIN_LIST_BITS as u32)
        }
    };
    let mut taken =
        conn.prepare_cached("SELECT 1 FROM status_entries WHERE list = ?1 AND idx = ?2")?;
    for _ in 0..32 {
        let i = random_below(size);
        if !taken.exists(params![number, i])? {
            return Ok((number, i));
        }
    }
    let mut used = vec![false; size as usize];
    let mut q = conn.prepare("SELECT idx FROM status_entries WHERE list = ?1")?;
    for idx in q.query_map([number], |r| r.get::<_, u32>(0))? {
        if let Some(u) = used.get_mut(idx? as usize) {
            *u = true;
        }
    }
    let free: Vec<u32> = (0..size).filter(|&i| !used[i as usize]).collect();
    if free.is_empty() {
        return Err(IssuerDbError::Corrupt(format!(
            "list {number} has no free index but is not marked full"
        )));
    }
    Ok((number, free[random_below(free.len() as u32) as usize]))
}

/// The next number of `claims`' series under the issuer's numbering scheme (advances the
/// series counter inside `tx`).
fn allocate_number(
    tx: &rusqlite::Transaction<'_>,
    issuer: &Issuer,
    claims: &Claims,
) -> Result<String, IssuerDbError> {
    let series = issuer
        .config()
        .numbering
        .series(
            claims.level.framework,
            &claims.level.value,
            &claims.valid_from,
        )
        .map_err(IssuerError::from)?;
    tx.execute(
        "INSERT INTO number_series (series, next_serial) VALUES (?1, 1)
         ON CONFLICT (series) DO NOTHING",
        [&series],
    )?;
    let serial: i64 = tx.query_row(
        "UPDATE number_series SET next_serial = next_serial + 1 WHERE series = ?1
         RETURNING next_serial - 1",
        [&series],
        |r| r.get(0),
    )?;
    let serial = u32::try_from(serial)
        .ok()
        .filter(|s| *s <= MAX_SERIAL)
        .ok_or_else(|| {
            IssuerDbError::Invalid(format!(
                "series {series} is full: every serial up to {MAX_SERIAL} is used"
            ))
        })?;
    Ok(number_in_series(&series, serial).map_err(IssuerError::from)?)
}

/// Records a new certificate (state `pending`) with its two status entries and its `issue`
/// event; fills `claims.status`.
pub(super) fn record(
    conn: &mut Connection,
    issuer: &Issuer,
    claims: &mut Claims,
    now: DateTime<Utc>,
    opts: &IssueOptions<'_>,
) -> Result<(), IssuerDbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    record_in(&tx, issuer, claims, now, opts)?;
    tx.commit()?;
    Ok(())
}

/// [`record`] inside the caller's transaction.
pub(super) fn record_in(
    tx: &rusqlite::Transaction<'_>,
    issuer: &Issuer,
    claims: &mut Claims,
    now: DateTime<Utc>,
    opts: &IssueOptions<'_>,
) -> Result<(), IssuerDbError> {
    let now_s = format_time(&now);
    let (rl, ri) = allocate(tx, StatusPurpose::Revocation, &now_s)?;
    let (sl, si) = allocate(tx, StatusPurpose::Suspension, &now_s)?;
    let base = issuer.public_url();
    claims.status = vec![
        StatusRef {
            purpose: StatusPurpose::Revocation,
            list_url: list_url(base, rl),
            index: ri,
        },
        StatusRef {
            purpose: StatusPurpose::Suspension,
            list_url: list_url(base, sl),
            index: si,
        },
    ];
    if claims.number.is_none() {
        claims.number = Some(allocate_number(tx, issuer, claims)?);
    }
    claims.validate().map_err(IssuerError::from)?;
    let id = claims.id_urn();
    let unsigned = claims.document_json();
    let holder_id_mac = match opts.holder_id {
        Some(h) => Some(issuer.id_key()?.mac_hex(&claims.id, h)),
        None => None,
    };
    let inserted = tx.execute(
        "INSERT INTO certificates (id, holder_name, program, program_code, framework, level,
            issued_at, key_id, revocation_list, revocation_index, suspension_list,
            suspension_index, state, batch_key, claims_json, number, print_json, holder_id,
            holder_id_mac)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'pending', ?13, ?14, ?15, ?16,
            ?17, ?18)",
        params![
            id,
            claims.holder.name,
            claims.program.name,
            claims.program.code,
            claims.level.framework.id(),
            claims.level.value,
            now_s,
            issuer.verification_method(),
            rl,
            ri,
            sl,
            si,
            opts.batch_key,
            unsigned,
            claims.number,
            opts.print,
            opts.holder_id,
            holder_id_mac
        ],
    );
    match inserted {
        Err(rusqlite::Error::SqliteFailure(e, Some(m)))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            return Err(IssuerDbError::Invalid(format!(
                "{id}: cannot record ({m}): the id or roster row is already registered"
            )))
        }
        r => r?,
    };
    for (list, idx, purpose) in [
        (rl, ri, StatusPurpose::Revocation),
        (sl, si, StatusPurpose::Suspension),
    ] {
        tx.execute(
            "INSERT INTO status_entries (list, idx, certificate, purpose) VALUES (?1, ?2, ?3, ?4)",
            params![list, idx, id, purpose.as_str()],
        )?;
        tx.execute("UPDATE lists SET used = used + 1 WHERE number = ?1", [list])?;
    }
    tx.execute(
        "INSERT INTO events (certificate, action, reason, at, actor) VALUES (?1, 'issue', NULL, ?2, ?3)",
        params![id, now_s, opts.actor.unwrap_or("registry")],
    )?;
    Ok(())
}

/// Records the hash of the signed document (state `issued`), with a `sign` event when the
/// state or the hash changed.
pub(super) fn mark_signed(
    conn: &Connection,
    id: &str,
    document: &serde_json::Value,
    issuer: &Issuer,
    note: Option<&str>,
) -> Result<(), IssuerDbError> {
    let tx = conn.unchecked_transaction()?;
    mark_signed_in(&tx, id, document, issuer, note)?;
    tx.commit()?;
    Ok(())
}

/// [`mark_signed`] inside the caller's transaction.
pub(super) fn mark_signed_in(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    document: &serde_json::Value,
    issuer: &Issuer,
    note: Option<&str>,
) -> Result<(), IssuerDbError> {
    let hash = hex::encode(
        skillcert::proof::jcs_hash(document)
            .map_err(|e| IssuerDbError::Corrupt(format!("signed document: {e}")))?,
    );
    let (state, old): (String, Option<String>) = tx
        .query_row(
            "SELECT state, document_sha256 FROM certificates WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| IssuerDbError::NotFound(id.to_owned()))?;
    if state == "issued" && old.as_deref() == Some(hash.as_str()) {
        return Ok(());
    }
    tx.execute(
        "UPDATE certificates SET state = 'issued', document_sha256 = ?2, key_id = ?3 WHERE id = ?1",
        params![id, hash, issuer.verification_method()],
    )?;
    tx.execute(
        "INSERT INTO events (certificate, action, reason, at, actor) VALUES (?1, 'sign', ?2, ?3, 'registry')",
        params![id, note, format_time(&skillcert::issuer::now_secs())],
    )?;
    Ok(())
}

const RECORD_SQL: &str = "SELECT c.id, c.holder_name, c.program, c.program_code, c.framework,
    c.level, c.issued_at, c.key_id, c.revocation_list, c.revocation_index, c.suspension_list,
    c.suspension_index, c.state, c.document_sha256, c.batch_key,
    (SELECT is_set FROM status_entries WHERE list = c.revocation_list AND idx = c.revocation_index),
    (SELECT is_set FROM status_entries WHERE list = c.suspension_list AND idx = c.suspension_index),
    c.number
    FROM certificates c";

fn record_of(r: &Row<'_>) -> rusqlite::Result<CertificateRecord> {
    let revoked: Option<bool> = r.get(15)?;
    let suspended: Option<bool> = r.get(16)?;
    let state: String = r.get(12)?;
    Ok(CertificateRecord {
        id: r.get(0)?,
        holder_name: r.get(1)?,
        program: r.get(2)?,
        program_code: r.get(3)?,
        framework: r.get(4)?,
        level: r.get(5)?,
        issued_at: r.get(6)?,
        key_id: r.get(7)?,
        revocation: (r.get(8)?, r.get(9)?),
        suspension: (r.get(10)?, r.get(11)?),
        state: if state == "issued" {
            RecordState::Issued
        } else {
            RecordState::Pending
        },
        document_sha256: r.get(13)?,
        batch_key: r.get(14)?,
        number: r.get(17)?,
        status: match (revoked, suspended) {
            (Some(true), _) => CertStatus::Revoked,
            (_, Some(true)) => CertStatus::Suspended,
            _ => CertStatus::Active,
        },
    })
}

pub(super) fn get(conn: &Connection, id: &str) -> Result<CertificateRecord, IssuerDbError> {
    conn.query_row(&format!("{RECORD_SQL} WHERE c.id = ?1"), [id], record_of)
        .optional()?
        .ok_or_else(|| IssuerDbError::NotFound(id.to_owned()))
}

pub(super) fn id_of_number(
    conn: &Connection,
    number: &str,
) -> Result<Option<String>, IssuerDbError> {
    Ok(conn
        .query_row(
            "SELECT id FROM certificates WHERE number = ?1",
            [number],
            |r| r.get(0),
        )
        .optional()?)
}

pub(super) fn find_batch_key(
    conn: &Connection,
    key: &str,
) -> Result<Option<CertificateRecord>, IssuerDbError> {
    Ok(conn
        .query_row(
            &format!("{RECORD_SQL} WHERE c.batch_key = ?1"),
            [key],
            record_of,
        )
        .optional()?)
}

pub(super) fn claims_of(
    conn: &Connection,
    id: &str,
) -> Result<(CertificateRecord, Claims), IssuerDbError> {
    let rec = get(conn, id)?;
    let text = claims_json_of(conn, id)?.ok_or_else(|| IssuerDbError::NotFound(id.to_owned()))?;
    Ok((rec, parse_claims(id, &text)?))
}

/// The recorded claims JSON of `id` (`None`: never recorded). A cached statement: this runs
/// on the first verification of each of the issuer's own certificates
/// (`IssuerDb::recorded_claims`, through the status source's cache).
pub(super) fn claims_json_of(conn: &Connection, id: &str) -> Result<Option<String>, IssuerDbError> {
    Ok(conn
        .prepare_cached("SELECT claims_json FROM certificates WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// The claims of `id` from their recorded JSON.
pub(super) fn parse_claims(id: &str, text: &str) -> Result<Claims, IssuerDbError> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| IssuerDbError::Corrupt(format!("{id}: claims: {e}")))?;
    Claims::from_document(&v).map_err(|e| IssuerDbError::Corrupt(format!("{id}: claims: {e}")))
}

/// The holder's ID number as recorded, with its keyed hash, if an ID was recorded.
pub(super) fn holder_of(
    conn: &Connection,
    id: &str,
) -> Result<Option<(String, Option<String>)>, IssuerDbError> {
    type Holder = (Option<String>, Option<String>);
    let row: Option<Holder> = conn
        .prepare_cached("SELECT holder_id, holder_id_mac FROM certificates WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.and_then(|(h, mac)| h.map(|h| (h, mac))))
}

/// The keyed ID hash and the claims text of `id`, if recorded.
pub(super) fn id_check_of(
    conn: &Connection,
    id: &str,
) -> Result<Option<(Option<String>, String)>, IssuerDbError> {
    Ok(conn
        .prepare_cached("SELECT holder_id_mac, claims_json FROM certificates WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

pub(super) fn print_of(conn: &Connection, id: &str) -> Result<Option<String>, IssuerDbError> {
    Ok(conn.query_row(
        "SELECT print_json FROM certificates WHERE id = ?1",
        [id],
        |r| r.get(0),
    )?)
}

pub(super) fn ids_where(conn: &Connection, cond: &str) -> Result<Vec<String>, IssuerDbError> {
    let mut q = conn.prepare(&format!(
        "SELECT id FROM certificates WHERE {cond} ORDER BY rowid"
    ))?;
    let ids = q.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(ids)
}

pub(super) fn history(conn: &Connection, id: &str) -> Result<Vec<Event>, IssuerDbError> {
    let mut q = conn.prepare(
        "SELECT seq, action, reason, at, actor, public_reason FROM events WHERE certificate = ?1 \
         ORDER BY seq",
    )?;
    let ev = q
        .query_map([id], |r| {
            Ok(Event {
                seq: r.get(0)?,
                action: r.get(1)?,
                reason: r.get(2)?,
                at: r.get(3)?,
                actor: r.get(4)?,
                public_reason: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(ev)
}

/// Applies a status change and appends its event, in one transaction.
pub(super) fn change(
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
pub(super) fn last_change(
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

pub(super) fn lists(conn: &Connection) -> Result<Vec<ListInfo>, IssuerDbError> {
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

pub(super) fn list_bits(
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

pub(super) fn list_credential(
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

pub(super) fn check_consistency(conn: &Connection) -> Result<Vec<String>, IssuerDbError> {
    let mut problems = Vec::new();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if integrity != "ok" {
        problems.push(format!("integrity_check: {integrity}"));
    }
    let fk: i64 = conn.query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
        r.get(0)
    })?;
    if fk != 0 {
        problems.push(format!("{fk} foreign key violations"));
    }
    let count =
        |sql: &str| -> Result<i64, IssuerDbError> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    let checks = [
        ("certificates without their revocation entry",
         "SELECT COUNT(*) FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM status_entries s WHERE s.list = c.revocation_list AND s.idx = c.revocation_index AND s.certificate = c.id AND s.purpose = 'revocation')"),
        ("certificates without their suspension entry",
         "SELECT COUNT(*) FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM status_entries s WHERE s.list = c.suspension_list AND s.idx = c.suspension_index AND s.certificate = c.id AND s.purpose = 'suspension')"),
        ("status entries not owned by a certificate column",
         "SELECT (SELECT COUNT(*) FROM status_entries) - 2 * (SELECT COUNT(*) FROM certificates)"),
        ("certificate numbers not below their series counter",
         "SELECT COUNT(*) FROM certificates c WHERE c.number IS NOT NULL AND NOT EXISTS (SELECT 1 FROM number_series n WHERE length(c.number) = length(n.series) + 6 AND substr(c.number, 1, length(n.series)) = n.series AND CAST(substr(c.number, length(n.series) + 1) AS INTEGER) < n.next_serial)"),
        ("lists whose used count differs from their entries",
         "SELECT COUNT(*) FROM lists l WHERE l.used != (SELECT COUNT(*) FROM status_entries s WHERE s.list = l.number)"),
        ("entries whose purpose differs from their list's",
         "SELECT COUNT(*) FROM status_entries s JOIN lists l ON l.number = s.list WHERE s.purpose != l.purpose"),
        ("entries past the end of their list",
         "SELECT COUNT(*) FROM status_entries s JOIN lists l ON l.number = s.list WHERE s.idx >= l.size"),
        ("certificates without an issue event",
         "SELECT COUNT(*) FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.certificate = c.id AND e.action = 'issue')"),
        ("issued certificates without a sign event",
         "SELECT COUNT(*) FROM certificates c WHERE c.state = 'issued' AND NOT EXISTS (SELECT 1 FROM events e WHERE e.certificate = c.id AND e.action = 'sign')"),
    ];
    for (what, sql) in checks {
        let n = count(sql)?;
        if n != 0 {
            problems.push(format!("{n} {what}"));
        }
    }
    // Replay the events and compare with the bits.
    let mut state: HashMap<String, (bool, bool)> = HashMap::new();
    let mut q = conn.prepare("SELECT certificate, action FROM events ORDER BY seq")?;
    let rows = q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (cert, action) = row?;
        let s = state.entry(cert).or_default();
        match action.as_str() {
            "revoke" => s.0 = true,
            "suspend" => s.1 = true,
            "reinstate" => s.1 = false,
            _ => {}
        }
    }
    let mut q = conn.prepare(RECORD_SQL)?;
    for rec in q.query_map([], record_of)? {
        let rec = rec?;
        let (revoked, suspended) = state.get(&rec.id).copied().unwrap_or_default();
        let expect = if revoked {
            CertStatus::Revoked
        } else if suspended {
            CertStatus::Suspended
        } else {
            CertStatus::Active
        };
        if rec.status != expect {
            problems.push(format!(
                "{}: bits say {:?}, events say {expect:?}",
                rec.id, rec.status
            ));
        }
    }
    Ok(problems)
}
