//! Recording a certificate (its status entries, its number, its `issue` event) before it is
//! signed, and its document's hash after.

use crate::issuer_db::sql::{self, args, is_constraint, Handle, Sql};
use crate::issuer_db::{IssueOptions, IssuerDbError};
use chrono::{DateTime, Utc};
use rand_core::{OsRng, RngCore};
use skillcert::issuer::{Issuer, IssuerError};
use skillcert::model::number::{number_in_series, MAX_SERIAL};
use skillcert::model::{format_time, Claims, StatusPurpose, StatusRef};
use skillcert::status::credential::list_url;
use skillcert::status::MIN_LIST_BITS;

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
/// full): `(purpose, list number, index)`. Random probes first; when they keep hitting used indices, a uniform pick among the
/// free ones.
fn allocate(
    conn: &mut dyn Sql,
    purpose: StatusPurpose,
    now: &str,
) -> Result<(StatusPurpose, u64, u32), IssuerDbError> {
    let current = conn.query_opt(
        "SELECT number, size FROM lists WHERE purpose = ?1 AND used < size ORDER BY number LIMIT 1",
        args![purpose.as_str()],
    )?;
    let (number, size): (u64, u32) = match current {
        Some(r) => (r.get(0)?, r.get(1)?),
        None => {
            let n: u64 =
                sql::one_value(conn, "SELECT COALESCE(MAX(number), 0) + 1 FROM lists", &[])?;
            conn.execute(
                "INSERT INTO lists (number, purpose, size, created_at) VALUES (?1, ?2, ?3, ?4)",
                args![n, purpose.as_str(), MIN_LIST_BITS as u32, now],
            )?;
            (n, MIN_LIST_BITS as u32)
        }
    };
    for _ in 0..32 {
        let i = random_below(size);
        let taken = conn.query_opt(
            "SELECT idx FROM status_entries WHERE list = ?1 AND idx = ?2",
            args![number, i],
        )?;
        if taken.is_none() {
            return Ok((purpose, number, i));
        }
    }
    let mut used = vec![false; size as usize];
    let taken: Vec<u32> = sql::column(
        conn,
        "SELECT idx FROM status_entries WHERE list = ?1",
        args![number],
    )?;
    for idx in taken {
        if let Some(u) = used.get_mut(idx as usize) {
            *u = true;
        }
    }
    let free: Vec<u32> = (0..size).filter(|&i| !used[i as usize]).collect();
    if free.is_empty() {
        return Err(IssuerDbError::Corrupt(format!(
            "list {number} has no free index but is not marked full"
        )));
    }
    Ok((
        purpose,
        number,
        free[random_below(free.len() as u32) as usize],
    ))
}

/// The next number of `claims`' series under the issuer's numbering scheme (advances the
/// series counter inside `tx`).
fn allocate_number(
    tx: &mut dyn Sql,
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
        args![&series],
    )?;
    let serial: i64 = sql::one_value(
        tx,
        "UPDATE number_series SET next_serial = next_serial + 1 WHERE series = ?1
         RETURNING next_serial - 1",
        args![&series],
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
pub(in crate::issuer_db) fn record(
    conn: &mut Handle<'_>,
    issuer: &Issuer,
    claims: &mut Claims,
    now: DateTime<Utc>,
    opts: &IssueOptions<'_>,
) -> Result<(), IssuerDbError> {
    let mut tx = conn.write()?;
    record_in(&mut tx, issuer, claims, now, opts)?;
    tx.commit()?;
    Ok(())
}

/// [`record`] inside the caller's transaction.
pub(in crate::issuer_db) fn record_in(
    tx: &mut dyn Sql,
    issuer: &Issuer,
    claims: &mut Claims,
    now: DateTime<Utc>,
    opts: &IssueOptions<'_>,
) -> Result<(), IssuerDbError> {
    let now_s = format_time(&now);
    let entries = [
        allocate(tx, StatusPurpose::Revocation, &now_s)?,
        allocate(tx, StatusPurpose::Suspension, &now_s)?,
    ];
    let base = issuer.public_url();
    claims.status = entries
        .iter()
        .map(|&(purpose, list, index)| StatusRef {
            purpose,
            list_url: list_url(base, list),
            index,
        })
        .collect();
    if claims.number.is_none() {
        claims.number = Some(allocate_number(tx, issuer, claims)?);
    }
    claims.validate().map_err(IssuerError::from)?;
    insert_certificate(tx, issuer, claims, &now_s, opts, &entries)?;
    let id = claims.id_urn();
    for (purpose, list, idx) in entries {
        tx.execute(
            "INSERT INTO status_entries (list, idx, certificate, purpose) VALUES (?1, ?2, ?3, ?4)",
            args![list, idx, &id, purpose.as_str()],
        )?;
        tx.execute(
            "UPDATE lists SET used = used + 1 WHERE number = ?1",
            args![list],
        )?;
    }
    tx.execute(
        "INSERT INTO events (certificate, action, reason, at, actor) VALUES (?1, 'issue', NULL, ?2, ?3)",
        args![&id, &now_s, opts.actor.unwrap_or("registry")],
    )?;
    Ok(())
}

/// The `certificates` row of `claims` (state `pending`), whose status entries are
/// `entries` (revocation, then suspension).
fn insert_certificate(
    tx: &mut dyn Sql,
    issuer: &Issuer,
    claims: &Claims,
    now_s: &str,
    opts: &IssueOptions<'_>,
    entries: &[(StatusPurpose, u64, u32); 2],
) -> Result<(), IssuerDbError> {
    let [(_, rl, ri), (_, sl, si)] = *entries;
    let id = claims.id_urn();
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
        args![
            &id,
            &claims.holder.name,
            &claims.program.name,
            &claims.program.code,
            claims.level.framework.id(),
            &claims.level.value,
            now_s,
            &issuer.verification_method(),
            rl,
            ri,
            sl,
            si,
            opts.batch_key,
            &claims.document_json(),
            &claims.number,
            opts.print,
            opts.holder_id,
            &holder_id_mac
        ],
    );
    match inserted {
        Err(e) if is_constraint(&e) => Err(IssuerDbError::Invalid(format!(
            "{id}: cannot record ({e}): the id or roster row is already registered"
        ))),
        r => r.map(|_| ()),
    }
}

/// Records the hash of the signed document (state `issued`), with a `sign` event when the
/// state or the hash changed.
pub(in crate::issuer_db) fn mark_signed(
    conn: &mut Handle<'_>,
    id: &str,
    document: &serde_json::Value,
    issuer: &Issuer,
    note: Option<&str>,
) -> Result<(), IssuerDbError> {
    let mut tx = conn.write()?;
    mark_signed_in(&mut tx, id, document, issuer, note)?;
    tx.commit()?;
    Ok(())
}

/// [`mark_signed`] inside the caller's transaction.
pub(in crate::issuer_db) fn mark_signed_in(
    tx: &mut dyn Sql,
    id: &str,
    document: &serde_json::Value,
    issuer: &Issuer,
    note: Option<&str>,
) -> Result<(), IssuerDbError> {
    let hash = hex::encode(
        skillcert::proof::jcs_hash(document)
            .map_err(|e| IssuerDbError::Corrupt(format!("signed document: {e}")))?,
    );
    let row = tx
        .query_opt(
            "SELECT state, document_sha256 FROM certificates WHERE id = ?1",
            args![id],
        )?
        .ok_or_else(|| IssuerDbError::NotFound(id.to_owned()))?;
    let (state, old): (String, Option<String>) = (row.get(0)?, row.get(1)?);
    if state == "issued" && old.as_deref() == Some(hash.as_str()) {
        return Ok(());
    }
    tx.execute(
        "UPDATE certificates SET state = 'issued', document_sha256 = ?2, key_id = ?3 WHERE id = ?1",
        args![id, &hash, &issuer.verification_method()],
    )?;
    tx.execute(
        "INSERT INTO events (certificate, action, reason, at, actor) VALUES (?1, 'sign', ?2, ?3, 'registry')",
        args![id, note, &format_time(&skillcert::issuer::now_secs())],
    )?;
    Ok(())
}
