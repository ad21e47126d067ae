//! The issuer's database's invariants, checked (`IssuerDb::check_consistency`).

use super::{record_of, RECORD_SQL};
use crate::issuer_db::{CertStatus, IssuerDbError};
use rusqlite::Connection;
use std::collections::HashMap;

/// The problems found (empty: consistent): SQLite integrity and foreign keys, the counts of
/// rows that break an invariant, and status bits that differ from the replay of the events.
pub(in crate::issuer_db) fn check_consistency(
    conn: &Connection,
) -> Result<Vec<String>, IssuerDbError> {
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
