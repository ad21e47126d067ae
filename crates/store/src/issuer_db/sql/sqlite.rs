//! [`super::Sql`] over SQLite: every statement through the connection's statement cache.

use super::{Arg, Cell, SqlRow};
use crate::issuer_db::IssuerDbError;
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::Connection;

impl rusqlite::ToSql for Arg<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match *self {
            Arg::Int(Some(v)) => ToSqlOutput::Owned(Value::Integer(v)),
            Arg::Text(Some(s)) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Arg::Int(None) | Arg::Text(None) => ToSqlOutput::Owned(Value::Null),
        })
    }
}

pub(super) fn execute(c: &Connection, sql: &str, args: &[Arg<'_>]) -> Result<u64, IssuerDbError> {
    let n = c
        .prepare_cached(sql)?
        .execute(rusqlite::params_from_iter(args))?;
    Ok(n as u64)
}

pub(super) fn query(
    c: &Connection,
    sql: &str,
    args: &[Arg<'_>],
) -> Result<Vec<SqlRow>, IssuerDbError> {
    let mut stmt = c.prepare_cached(sql)?;
    let width = stmt.column_count();
    let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let mut cells = Vec::with_capacity(width);
        for i in 0..width {
            cells.push(match r.get_ref(i)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(v) => Cell::Int(v),
                ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Real(f) => Cell::Text(f.to_string()),
                ValueRef::Blob(_) => {
                    return Err(IssuerDbError::Corrupt(format!(
                        "column {i} of {sql} holds a blob"
                    )))
                }
            });
        }
        out.push(SqlRow(cells));
    }
    Ok(out)
}
