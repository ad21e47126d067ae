//! [`super::Sql`] over PostgreSQL: a small pool of connections, each with its prepared
//! statements; write transactions serialised across every process by one row lock.
//!
//! Every write transaction starts by bumping the single row of `issuer_changes`: the row lock
//! is the writers' lock (what `BEGIN IMMEDIATE` is on SQLite), held to commit or rollback, and
//! the counter it advances is the change stamp readers compare. A reader that took the stamp
//! before reading sees either the old counter (and may cache old or new data under it: the
//! next stamp differs) or the new one together with the new data (both become visible at the
//! same commit), so a cache keyed by the stamp is never stale.

use super::{Arg, Cell, SqlRow};
use crate::issuer_db::IssuerDbError;
use bytes::BytesMut;
use postgres::types::{IsNull, ToSql, Type};
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;
use std::error::Error;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Connections per process.
const POOL: usize = 4;
/// How long a writer waits for another's lock before failing (SQLite's busy timeout).
const LOCK_TIMEOUT: &str = "10s";
/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// One connection and the statements prepared on it.
pub(in crate::issuer_db) struct PgConn {
    client: Client,
    stmts: HashMap<String, Statement>,
}

/// A write transaction on one connection.
pub(in crate::issuer_db) struct PgTx<'a> {
    tx: postgres::Transaction<'a>,
    stmts: &'a mut HashMap<String, Statement>,
}

/// The pool of one process.
pub(in crate::issuer_db) struct PgPool {
    url: String,
    conns: Vec<Mutex<Option<PgConn>>>,
}

impl std::fmt::Debug for PgPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("PgPool")
            .field("conns", &self.conns.len())
            .finish()
    }
}

/// `?1` … `?N` as PostgreSQL's `$1` … `$N`.
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

/// Connects with a timeout.
pub(in crate::issuer_db) fn connect(url: &str) -> Result<Client, IssuerDbError> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| IssuerDbError::Invalid(format!("--database: not a PostgreSQL URL: {e}")))?;
    config.connect_timeout(CONNECT_TIMEOUT);
    Ok(config.connect(NoTls)?)
}

impl PgPool {
    /// A pool over `url` (connects one connection now, to fail early).
    pub(in crate::issuer_db) fn open(url: &str) -> Result<PgPool, IssuerDbError> {
        let first = PgConn {
            client: connect(url)?,
            stmts: HashMap::new(),
        };
        let mut conns = vec![Mutex::new(Some(first))];
        conns.extend((1..POOL).map(|_| Mutex::new(None)));
        Ok(PgPool {
            url: url.to_owned(),
            conns,
        })
    }

    /// The database URL.
    pub(in crate::issuer_db) fn url(&self) -> &str {
        &self.url
    }

    /// A free connection (else the first, waiting), connected afresh when it was never
    /// connected or its server went away.
    pub(in crate::issuer_db) fn take(&self) -> Result<PgHandle<'_>, IssuerDbError> {
        let mut guard = self
            .conns
            .iter()
            .find_map(|m| m.try_lock().ok())
            .unwrap_or_else(|| self.conns[0].lock().unwrap_or_else(|p| p.into_inner()));
        if guard.as_ref().is_none_or(|c| c.client.is_closed()) {
            *guard = Some(PgConn {
                client: connect(&self.url)?,
                stmts: HashMap::new(),
            });
        }
        Ok(PgHandle(guard))
    }
}

/// A connection taken from the pool (always connected: [`PgPool::take`] connects it).
pub(in crate::issuer_db) struct PgHandle<'a>(MutexGuard<'a, Option<PgConn>>);

impl std::ops::Deref for PgHandle<'_> {
    type Target = PgConn;
    fn deref(&self) -> &PgConn {
        self.0
            .as_ref()
            .expect("PgPool::take connects before it hands out")
    }
}

impl std::ops::DerefMut for PgHandle<'_> {
    fn deref_mut(&mut self) -> &mut PgConn {
        self.0
            .as_mut()
            .expect("PgPool::take connects before it hands out")
    }
}

impl PgConn {
    /// The client (migrations).
    pub(in crate::issuer_db) fn client(&mut self) -> &mut Client {
        &mut self.client
    }

    /// Begins a write transaction: waits for (at most [`LOCK_TIMEOUT`]) and takes the writers'
    /// lock, advancing the change counter.
    pub(in crate::issuer_db) fn write(&mut self) -> Result<PgTx<'_>, IssuerDbError> {
        let mut tx = self.client.transaction()?;
        tx.batch_execute(&format!(
            "SET LOCAL lock_timeout = '{LOCK_TIMEOUT}';
             UPDATE issuer_changes SET n = n + 1 WHERE id = 1"
        ))?;
        Ok(PgTx {
            tx,
            stmts: &mut self.stmts,
        })
    }

    pub(in crate::issuer_db) fn execute(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<u64, IssuerDbError> {
        let stmt = prepared(&mut self.client, &mut self.stmts, sql)?;
        Ok(self.client.execute(&stmt, &params(args))?)
    }

    pub(in crate::issuer_db) fn query(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<Vec<SqlRow>, IssuerDbError> {
        let stmt = prepared(&mut self.client, &mut self.stmts, sql)?;
        rows(&self.client.query(&stmt, &params(args))?)
    }
}

impl PgTx<'_> {
    pub(in crate::issuer_db) fn commit(self) -> Result<(), IssuerDbError> {
        Ok(self.tx.commit()?)
    }

    pub(in crate::issuer_db) fn execute(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<u64, IssuerDbError> {
        let stmt = prepared(&mut self.tx, self.stmts, sql)?;
        Ok(self.tx.execute(&stmt, &params(args))?)
    }

    pub(in crate::issuer_db) fn query(
        &mut self,
        sql: &str,
        args: &[Arg<'_>],
    ) -> Result<Vec<SqlRow>, IssuerDbError> {
        let stmt = prepared(&mut self.tx, self.stmts, sql)?;
        rows(&self.tx.query(&stmt, &params(args))?)
    }
}

/// The statement of `sql` prepared on this connection (once).
fn prepared(
    c: &mut impl postgres::GenericClient,
    stmts: &mut HashMap<String, Statement>,
    sql: &str,
) -> Result<Statement, IssuerDbError> {
    if let Some(s) = stmts.get(sql) {
        return Ok(s.clone());
    }
    let s = c.prepare(&placeholders(sql))?;
    stmts.insert(sql.to_owned(), s.clone());
    Ok(s)
}

fn params<'a>(args: &'a [Arg<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

fn rows(rows: &[postgres::Row]) -> Result<Vec<SqlRow>, IssuerDbError> {
    rows.iter().map(row).collect()
}

fn row(r: &postgres::Row) -> Result<SqlRow, IssuerDbError> {
    let mut cells = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let ty = col.type_();
        let cell = if *ty == Type::INT8 {
            r.try_get::<_, Option<i64>>(i)?.map(Cell::Int)
        } else if *ty == Type::INT4 {
            r.try_get::<_, Option<i32>>(i)?.map(|v| Cell::Int(v.into()))
        } else if *ty == Type::INT2 {
            r.try_get::<_, Option<i16>>(i)?.map(|v| Cell::Int(v.into()))
        } else if *ty == Type::BOOL {
            r.try_get::<_, Option<bool>>(i)?
                .map(|v| Cell::Int(v.into()))
        } else if *ty == Type::TEXT || *ty == Type::VARCHAR || *ty == Type::NAME {
            r.try_get::<_, Option<String>>(i)?.map(Cell::Text)
        } else {
            return Err(IssuerDbError::Corrupt(format!(
                "column {} has type {ty}, which the issuer's database never uses",
                col.name()
            )));
        };
        cells.push(cell.unwrap_or(Cell::Null));
    }
    Ok(SqlRow(cells))
}

impl ToSql for Arg<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>>
    where
        Self: Sized,
    {
        match *self {
            Arg::Int(None) | Arg::Text(None) => Ok(IsNull::Yes),
            Arg::Int(Some(v)) if *ty == Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
            Arg::Int(Some(v)) if *ty == Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
            Arg::Int(Some(v)) if *ty == Type::INT8 => v.to_sql(ty, out),
            Arg::Text(Some(s)) if <&str as ToSql>::accepts(ty) => s.to_sql(ty, out),
            _ => Err(format!("argument {self:?} does not fit a {ty} parameter").into()),
        }
    }

    fn accepts(ty: &Type) -> bool {
        [Type::INT2, Type::INT4, Type::INT8].contains(ty) || <&str as ToSql>::accepts(ty)
    }

    postgres::types::to_sql_checked!();
}

/// The readiness probe on PostgreSQL: a fresh connection (within `wait`) commits the
/// heartbeat row (within `wait`). Fails when the server is down, refuses writes (a replica, a
/// full disk) or is locked up. It does not move the change counter: a probe is not a change
/// readers need to see.
pub(in crate::issuer_db) fn write_probe(url: &str, wait: Duration) -> Result<(), IssuerDbError> {
    let mut config: postgres::Config = url
        .parse()
        .map_err(|e| IssuerDbError::Invalid(format!("--database: not a PostgreSQL URL: {e}")))?;
    config.connect_timeout(wait.max(Duration::from_millis(100)));
    let mut client = config.connect(NoTls)?;
    let ms = wait.as_millis().max(100);
    client.batch_execute(&format!(
        "SET statement_timeout = {ms}; SET lock_timeout = {ms}"
    ))?;
    client.execute(
        "INSERT INTO heartbeat (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
        &[&skillcert::model::format_time(&skillcert::issuer::now_secs())],
    )?;
    Ok(())
}

/// Whether a PostgreSQL error is the server being unavailable rather than a refusal: no
/// connection (closed, refused, timed out), a connection exception (class 08), the server
/// shutting down or in recovery (57P), out of resources (53), a read-only transaction (a
/// replica: 25006), a lock not granted in time (55P03), or a serialisation failure or
/// deadlock (40001, 40P01).
pub(in crate::issuer_db) fn is_outage(e: &postgres::Error) -> bool {
    match e.code() {
        None => true,
        Some(c) => {
            let c = c.code();
            ["08", "57P", "53"].iter().any(|p| c.starts_with(p))
                || ["25006", "55P03", "40001", "40P01"].contains(&c)
        }
    }
}

/// Whether a PostgreSQL error is a constraint refusing a write.
pub(in crate::issuer_db) fn is_constraint(e: &postgres::Error) -> bool {
    e.code().is_some_and(|c| c.code().starts_with("23"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_become_dollars() {
        assert_eq!(
            super::placeholders("SELECT a FROM t WHERE x = ?1 AND y = ?12 OR z = '?'"),
            "SELECT a FROM t WHERE x = $1 AND y = $12 OR z = '?'"
        );
    }
}
