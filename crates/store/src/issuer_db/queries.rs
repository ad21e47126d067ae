//! The SQL behind [`super::IssuerDb`]. Every multi-statement change runs in one
//! `BEGIN IMMEDIATE` transaction.
//!
//! Here: reading certificates, their claims and their history. Recording and signing are in
//! `queries/recording.rs`, status changes and lists in `queries/lists.rs`, the invariants in
//! `queries/consistency.rs`.

use super::sql::{self, args, Sql, SqlRow};
use super::{CertStatus, CertificateRecord, Event, IssuerDbError, RecordState};
use skillcert::model::{Claims, StatusPurpose};

mod consistency;
mod lists;
mod recording;

pub(super) use consistency::check_consistency;
pub(super) use lists::{change, last_change, list_bits, list_credential, lists};
pub(super) use recording::{mark_signed, mark_signed_in, record, record_in};

pub(super) fn purpose_of(s: &str) -> Result<StatusPurpose, IssuerDbError> {
    StatusPurpose::parse(s).ok_or_else(|| IssuerDbError::Corrupt(format!("purpose {s:?}")))
}

pub(super) const RECORD_SQL: &str =
    "SELECT c.id, c.holder_name, c.program, c.program_code, c.framework,
    c.level, c.issued_at, c.key_id, c.revocation_list, c.revocation_index, c.suspension_list,
    c.suspension_index, c.state, c.document_sha256, c.batch_key,
    (SELECT is_set FROM status_entries WHERE list = c.revocation_list AND idx = c.revocation_index),
    (SELECT is_set FROM status_entries WHERE list = c.suspension_list AND idx = c.suspension_index),
    c.number
    FROM certificates c";

pub(super) fn record_of(r: &SqlRow) -> Result<CertificateRecord, IssuerDbError> {
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

pub(super) fn get(conn: &mut dyn Sql, id: &str) -> Result<CertificateRecord, IssuerDbError> {
    conn.query_opt(&format!("{RECORD_SQL} WHERE c.id = ?1"), args![id])?
        .map(|r| record_of(&r))
        .transpose()?
        .ok_or_else(|| IssuerDbError::NotFound(id.to_owned()))
}

pub(super) fn id_of_number(
    conn: &mut dyn Sql,
    number: &str,
) -> Result<Option<String>, IssuerDbError> {
    sql::opt_value(
        conn,
        "SELECT id FROM certificates WHERE number = ?1",
        args![number],
    )
}

pub(super) fn find_batch_key(
    conn: &mut dyn Sql,
    key: &str,
) -> Result<Option<CertificateRecord>, IssuerDbError> {
    conn.query_opt(&format!("{RECORD_SQL} WHERE c.batch_key = ?1"), args![key])?
        .map(|r| record_of(&r))
        .transpose()
}

pub(super) fn claims_of(
    conn: &mut dyn Sql,
    id: &str,
) -> Result<(CertificateRecord, Claims), IssuerDbError> {
    let rec = get(conn, id)?;
    let text = claims_json_of(conn, id)?.ok_or_else(|| IssuerDbError::NotFound(id.to_owned()))?;
    Ok((rec, parse_claims(id, &text)?))
}

/// The recorded claims JSON of `id` (`None`: never recorded). This runs on the first
/// verification of each of the issuer's own certificates (`IssuerDb::recorded_claims`,
/// through the status source's cache).
pub(super) fn claims_json_of(
    conn: &mut dyn Sql,
    id: &str,
) -> Result<Option<String>, IssuerDbError> {
    sql::opt_value(
        conn,
        "SELECT claims_json FROM certificates WHERE id = ?1",
        args![id],
    )
}

/// The claims of `id` from their recorded JSON.
pub(super) fn parse_claims(id: &str, text: &str) -> Result<Claims, IssuerDbError> {
    let v: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| IssuerDbError::Corrupt(format!("{id}: claims: {e}")))?;
    Claims::from_document(&v).map_err(|e| IssuerDbError::Corrupt(format!("{id}: claims: {e}")))
}

/// The holder's ID number as recorded, with its keyed hash, if an ID was recorded.
pub(super) fn holder_of(
    conn: &mut dyn Sql,
    id: &str,
) -> Result<Option<(String, Option<String>)>, IssuerDbError> {
    let Some(row) = conn.query_opt(
        "SELECT holder_id, holder_id_mac FROM certificates WHERE id = ?1",
        args![id],
    )?
    else {
        return Ok(None);
    };
    let holder: Option<String> = row.get(0)?;
    holder.map(|h| Ok((h, row.get(1)?))).transpose()
}

/// The keyed ID hash and the claims text of `id`, if recorded.
pub(super) fn id_check_of(
    conn: &mut dyn Sql,
    id: &str,
) -> Result<Option<(Option<String>, String)>, IssuerDbError> {
    conn.query_opt(
        "SELECT holder_id_mac, claims_json FROM certificates WHERE id = ?1",
        args![id],
    )?
    .map(|r| Ok((r.get(0)?, r.get(1)?)))
    .transpose()
}

pub(super) fn print_of(conn: &mut dyn Sql, id: &str) -> Result<Option<String>, IssuerDbError> {
    sql::one_value(
        conn,
        "SELECT print_json FROM certificates WHERE id = ?1",
        args![id],
    )
}

pub(super) fn ids_where(conn: &mut dyn Sql, cond: &str) -> Result<Vec<String>, IssuerDbError> {
    let order = conn.dialect().insertion_order();
    sql::column(
        conn,
        &format!("SELECT id FROM certificates WHERE {cond} ORDER BY {order}"),
        &[],
    )
}

pub(super) fn history(conn: &mut dyn Sql, id: &str) -> Result<Vec<Event>, IssuerDbError> {
    let rows = conn.query(
        "SELECT seq, action, reason, at, actor, public_reason FROM events WHERE certificate = ?1 \
         ORDER BY seq",
        args![id],
    )?;
    rows.iter()
        .map(|r| {
            Ok(Event {
                seq: r.get(0)?,
                action: r.get(1)?,
                reason: r.get(2)?,
                at: r.get(3)?,
                actor: r.get(4)?,
                public_reason: r.get(5)?,
            })
        })
        .collect()
}
