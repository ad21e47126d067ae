//! The register on embedded SQLite (WAL, one connection behind a mutex: SQLite writes one at a
//! time anyway).

use super::db::{first_orphan, Db, DbError, Refused, Row, StoredItem, BY_NUMBER_WHERE, MIGRATIONS};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;
use std::path::Path;
use std::sync::Mutex;

/// SQLite errors as register errors.
fn e(err: rusqlite::Error) -> DbError {
    DbError::Backend(err.to_string())
}

/// The SQLite register.
pub(super) struct SqliteDb {
    conn: Mutex<Connection>,
}

impl SqliteDb {
    /// Opens (creating, 0600) and migrates.
    pub(super) fn open(path: &Path) -> Result<SqliteDb, DbError> {
        if let Some(dir) = path.parent() {
            skillcert::private_fs::create_dir_all(dir)
                .map_err(|x| DbError::Config(format!("{}: {x}", dir.display())))?;
        }
        if !path.exists() {
            skillcert::private_fs::create_empty(path)
                .map_err(|x| DbError::Config(format!("{}: {x}", path.display())))?;
        }
        let mut conn = Connection::open(path).map_err(e)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(e)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(e)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(e)?;
        let current: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(e)?;
        if current > MIGRATIONS.len() as i64 {
            return Err(DbError::TooNew(current));
        }
        for (i, (sql, _)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Exclusive)
                .map_err(e)?;
            tx.execute_batch(sql).map_err(e)?;
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .map_err(e)?;
            tx.commit().map_err(e)?;
        }
        Ok(SqliteDb {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        seq: r.get(0)?,
        issuer: r.get(1)?,
        item: r.get(2)?,
        digest: r.get(3)?,
        kind: r.get(4)?,
        credential: r.get(5)?,
        number: r.get(6)?,
        body: r.get(7)?,
        bundle: r.get(8)?,
        received_at: r.get(9)?,
    })
}

const COLUMNS: &str =
    "seq, issuer, item, digest, kind, credential, number, body, bundle, received_at";

fn parse(json: String) -> Result<Value, DbError> {
    serde_json::from_str(&json).map_err(|x| DbError::Backend(format!("stored receipt: {x}")))
}

impl Db for SqliteDb {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn receipt_for(&self, bundle: &str, portal: &str) -> Result<Option<Value>, DbError> {
        let json: Option<String> = self
            .conn()
            .query_row(
                "SELECT json FROM register_receipts WHERE bundle = ?1 AND portal = ?2",
                [bundle, portal],
                |r| r.get(0),
            )
            .optional()
            .map_err(e)?;
        json.map(parse).transpose()
    }

    fn ingest(
        &self,
        issuer: &str,
        bundle: &str,
        portal: &str,
        items: &[StoredItem],
        receipt: &Value,
        at: &str,
    ) -> Result<Result<Value, Refused>, DbError> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(e)?;
        let orphan = first_orphan(items, |credential| {
            tx.query_row(
                "SELECT 1 FROM register_items WHERE issuer = ?1 AND credential = ?2 AND kind = 'certificate' LIMIT 1",
                params![issuer, credential],
                |_| Ok(()),
            )
            .optional()
            .map(|x| x.is_some())
            .map_err(e)
        })?;
        if let Some(i) = orphan {
            return Ok(Err(Refused::Orphan(i)));
        }
        for (i, it) in items.iter().enumerate() {
            let Some(number) = it.number.as_deref() else {
                continue;
            };
            tx.execute(
                "INSERT INTO register_numbers (number, issuer, credential) VALUES (?1, ?2, ?3)
                 ON CONFLICT DO NOTHING",
                params![number, issuer, it.credential],
            )
            .map_err(e)?;
            let owner: String = tx
                .query_row(
                    "SELECT credential FROM register_numbers WHERE number = ?1 AND issuer = ?2",
                    params![number, issuer],
                    |r| r.get(0),
                )
                .map_err(e)?;
            if owner != it.credential {
                return Ok(Err(Refused::NumberTaken(i)));
            }
        }
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO register_items (issuer, item, digest, kind, credential, number, body, bundle, received_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT DO NOTHING",
                )
                .map_err(e)?;
            for it in items {
                insert
                    .execute(params![
                        issuer,
                        it.item,
                        it.digest,
                        it.kind,
                        it.credential,
                        it.number,
                        it.body,
                        bundle,
                        at
                    ])
                    .map_err(e)?;
            }
        }
        tx.execute(
            "INSERT INTO register_receipts (bundle, portal, issuer, json, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
            params![bundle, portal, issuer, receipt.to_string(), at],
        )
        .map_err(e)?;
        let json: String = tx
            .query_row(
                "SELECT json FROM register_receipts WHERE bundle = ?1 AND portal = ?2",
                [bundle, portal],
                |r| r.get(0),
            )
            .map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(Ok(parse(json)?))
    }

    fn by_number(&self, number: &str) -> Result<Vec<Row>, DbError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM register_items WHERE {}",
                BY_NUMBER_WHERE.replace("{P}", "?1")
            ))
            .map_err(e)?;
        let rows = st.query_map([number], row).map_err(e)?;
        let mut rows: Vec<Row> = rows.collect::<Result<_, _>>().map_err(e)?;
        rows.reverse();
        Ok(rows)
    }

    fn changes(&self, issuer: &str, credential: &str) -> Result<Vec<String>, DbError> {
        let conn = self.conn();
        let mut st = conn
            .prepare_cached(
                "SELECT body FROM register_items WHERE issuer = ?1 AND credential = ?2 AND kind = 'status' ORDER BY seq",
            )
            .map_err(e)?;
        let rows = st
            .query_map(params![issuer, credential], |r| r.get(0))
            .map_err(e)?;
        rows.collect::<Result<_, _>>().map_err(e)
    }

    fn first_received(&self, issuer: &str, credential: &str) -> Result<Option<String>, DbError> {
        self.conn()
            .query_row(
                "SELECT received_at FROM register_items WHERE issuer = ?1 AND credential = ?2 AND kind = 'certificate' ORDER BY seq LIMIT 1",
                params![issuer, credential],
                |r| r.get(0),
            )
            .optional()
            .map_err(e)
    }

    fn export(&self, each: &mut dyn FnMut(&Row) -> Result<(), DbError>) -> Result<u64, DbError> {
        let conn = self.conn();
        let mut st = conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM register_items ORDER BY seq"
            ))
            .map_err(e)?;
        let mut rows = st.query([]).map_err(e)?;
        let mut n = 0;
        while let Some(r) = rows.next().map_err(e)? {
            each(&row(r).map_err(e)?)?;
            n += 1;
        }
        Ok(n)
    }

    fn count(&self) -> Result<u64, DbError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM register_items", [], |r| r.get(0))
            .map_err(e)?;
        Ok(n as u64)
    }
    fn keyed(&self) -> Result<u64, DbError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM register_items WHERE kind = 'certificate' AND body LIKE '%\"holderIdMac\"%'", [], |r| r.get(0))
            .map_err(e)?;
        Ok(n as u64)
    }
}
