//! The issuer's database's invariants, checked (`IssuerDb::check_consistency`).

use super::{record_of, RECORD_SQL};
use crate::issuer_db::sql::{self, Dialect, Sql};
use crate::issuer_db::{CertStatus, IssuerDbError};
use std::collections::HashMap;

/// A serial's digits as an integer, in each dialect (PostgreSQL's cast refuses what is not a
/// number; SQLite's gives 0).
fn serial_of(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "CAST(substr(c.number, length(n.series) + 1) AS INTEGER)",
        #[cfg(feature = "postgres")]
        Dialect::Postgres => {
            "CASE WHEN substr(c.number, length(n.series) + 1) ~ '^[0-9]+$' \
             THEN CAST(substr(c.number, length(n.series) + 1) AS BIGINT) ELSE 0 END"
        }
    }
}

/// SQLite's own integrity and foreign-key checks (PostgreSQL enforces its constraints on
/// every write).
fn sqlite_integrity(conn: &mut dyn Sql, problems: &mut Vec<String>) -> Result<(), IssuerDbError> {
    if conn.dialect() != Dialect::Sqlite {
        return Ok(());
    }
    let integrity: String = sql::one_value(conn, "PRAGMA integrity_check", &[])?;
    if integrity != "ok" {
        problems.push(format!("integrity_check: {integrity}"));
    }
    let fk: i64 = sql::one_value(conn, "SELECT COUNT(*) FROM pragma_foreign_key_check", &[])?;
    if fk != 0 {
        problems.push(format!("{fk} foreign key violations"));
    }
    Ok(())
}

/// The problems found (empty: consistent): SQLite integrity and foreign keys, the counts of
/// rows that break an invariant, and status bits that differ from the replay of the events.
pub(in crate::issuer_db) fn check_consistency(
    conn: &mut dyn Sql,
) -> Result<Vec<String>, IssuerDbError> {
    let mut problems = Vec::new();
    sqlite_integrity(conn, &mut problems)?;
    let numbers = format!(
        "SELECT COUNT(*) FROM certificates c WHERE c.number IS NOT NULL AND NOT EXISTS (SELECT 1 FROM number_series n WHERE length(c.number) = length(n.series) + 6 AND substr(c.number, 1, length(n.series)) = n.series AND {} < n.next_serial)",
        serial_of(conn.dialect())
    );
    let checks = [
        ("certificates without their revocation entry",
         "SELECT COUNT(*) FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM status_entries s WHERE s.list = c.revocation_list AND s.idx = c.revocation_index AND s.certificate = c.id AND s.purpose = 'revocation')"),
        ("certificates without their suspension entry",
         "SELECT COUNT(*) FROM certificates c WHERE NOT EXISTS (SELECT 1 FROM status_entries s WHERE s.list = c.suspension_list AND s.idx = c.suspension_index AND s.certificate = c.id AND s.purpose = 'suspension')"),
        ("status entries not owned by a certificate column",
         "SELECT (SELECT COUNT(*) FROM status_entries) - 2 * (SELECT COUNT(*) FROM certificates)"),
        ("certificate numbers not below their series counter", numbers.as_str()),
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
    for (what, query) in checks {
        let n: i64 = sql::one_value(conn, query, &[])?;
        if n != 0 {
            problems.push(format!("{n} {what}"));
        }
    }
    // Replay the events and compare with the bits.
    let mut state: HashMap<String, (bool, bool)> = HashMap::new();
    let rows = conn.query("SELECT certificate, action FROM events ORDER BY seq", &[])?;
    for row in rows {
        let (cert, action): (String, String) = (row.get(0)?, row.get(1)?);
        let s = state.entry(cert).or_default();
        match action.as_str() {
            "revoke" => s.0 = true,
            "suspend" => s.1 = true,
            "reinstate" => s.1 = false,
            _ => {}
        }
    }
    for row in conn.query(RECORD_SQL, &[])? {
        let rec = record_of(&row)?;
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
