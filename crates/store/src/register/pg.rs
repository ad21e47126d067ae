//! The register on PostgreSQL (feature `postgres`): a few connections, each behind a mutex;
//! migrations under an advisory lock so that portals starting together migrate once.

use super::db::{first_orphan, Db, DbError, Refused, Row, StoredItem, BY_NUMBER_WHERE, MIGRATIONS};
use postgres::{Client, NoTls};
use serde_json::Value;
use std::sync::{Mutex, MutexGuard};

/// Connections per portal process.
const POOL: usize = 4;
/// Advisory lock id of the register's migrations.
const MIGRATION_LOCK: i64 = 0x736b_696c_6c63;

fn e(err: postgres::Error) -> DbError {
    DbError::Backend(err.to_string())
}

/// The PostgreSQL register.
pub(super) struct PgDb {
    pool: Vec<Mutex<Client>>,
}

const COLUMNS: &str =
    "seq, issuer, item, digest, kind, credential, number, body, bundle, received_at";

fn row(r: &postgres::Row) -> Row {
    Row {
        seq: r.get(0),
        issuer: r.get(1),
        item: r.get(2),
        digest: r.get(3),
        kind: r.get(4),
        credential: r.get(5),
        number: r.get(6),
        body: r.get(7),
        bundle: r.get(8),
        received_at: r.get(9),
    }
}

fn parse(json: &str) -> Result<Value, DbError> {
    serde_json::from_str(json).map_err(|x| DbError::Backend(format!("stored receipt: {x}")))
}

impl PgDb {
    /// Connects and migrates.
    pub(super) fn open(url: &str) -> Result<PgDb, DbError> {
        let mut pool = Vec::with_capacity(POOL);
        for _ in 0..POOL {
            pool.push(Mutex::new(Client::connect(url, NoTls).map_err(e)?));
        }
        let db = PgDb { pool };
        db.migrate()?;
        Ok(db)
    }

    fn migrate(&self) -> Result<(), DbError> {
        let mut c = self.client();
        let mut tx = c.transaction().map_err(e)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(e)?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS register_schema (version BIGINT PRIMARY KEY)")
            .map_err(e)?;
        let current: i64 = tx
            .query_one("SELECT COALESCE(MAX(version), 0) FROM register_schema", &[])
            .map_err(e)?
            .get(0);
        if current > MIGRATIONS.len() as i64 {
            return Err(DbError::TooNew(current));
        }
        for (i, (_, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.batch_execute(sql).map_err(e)?;
            tx.execute(
                "INSERT INTO register_schema (version) VALUES ($1)",
                &[&(i as i64 + 1)],
            )
            .map_err(e)?;
        }
        tx.commit().map_err(e)
    }

    /// A free connection (or the first one, waiting).
    fn client(&self) -> MutexGuard<'_, Client> {
        for m in &self.pool {
            if let Ok(g) = m.try_lock() {
                return g;
            }
        }
        self.pool[0].lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Db for PgDb {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn receipt_for(&self, bundle: &str, portal: &str) -> Result<Option<Value>, DbError> {
        let r = self
            .client()
            .query_opt(
                "SELECT json FROM register_receipts WHERE bundle = $1 AND portal = $2",
                &[&bundle, &portal],
            )
            .map_err(e)?;
        r.map(|r| parse(r.get(0))).transpose()
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
        let mut c = self.client();
        let mut tx = c.transaction().map_err(e)?;
        let held = tx
            .prepare(
                "SELECT 1 FROM register_items WHERE issuer = $1 AND credential = $2 AND kind = 'certificate' LIMIT 1",
            )
            .map_err(e)?;
        let mut orphan_check = |credential: &str| {
            tx.query_opt(&held, &[&issuer, &credential])
                .map(|r| r.is_some())
                .map_err(e)
        };
        if let Some(i) = first_orphan(items, &mut orphan_check)? {
            return Ok(Err(Refused::Orphan(i)));
        }
        for (i, it) in items.iter().enumerate() {
            let Some(number) = it.number.as_deref() else {
                continue;
            };
            tx.execute(
                "INSERT INTO register_numbers (number, issuer, credential) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&number, &issuer, &it.credential],
            )
            .map_err(e)?;
            let owner: String = tx
                .query_one(
                    "SELECT credential FROM register_numbers WHERE number = $1 AND issuer = $2",
                    &[&number, &issuer],
                )
                .map_err(e)?
                .get(0);
            if owner != it.credential {
                return Ok(Err(Refused::NumberTaken(i)));
            }
        }
        let insert = tx
            .prepare(
                "INSERT INTO register_items (issuer, item, digest, kind, credential, number, body, bundle, received_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
            )
            .map_err(e)?;
        for it in items {
            tx.execute(
                &insert,
                &[
                    &issuer,
                    &it.item,
                    &it.digest,
                    &it.kind,
                    &it.credential,
                    &it.number,
                    &it.body,
                    &bundle,
                    &at,
                ],
            )
            .map_err(e)?;
        }
        tx.execute(
            "INSERT INTO register_receipts (bundle, portal, issuer, json, received_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[&bundle, &portal, &issuer, &receipt.to_string(), &at],
        )
        .map_err(e)?;
        let json: String = tx
            .query_one(
                "SELECT json FROM register_receipts WHERE bundle = $1 AND portal = $2",
                &[&bundle, &portal],
            )
            .map_err(e)?
            .get(0);
        tx.commit().map_err(e)?;
        Ok(Ok(parse(&json)?))
    }

    fn by_number(&self, number: &str) -> Result<Vec<Row>, DbError> {
        let rows = self
            .client()
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM register_items WHERE {}",
                    BY_NUMBER_WHERE.replace("{P}", "$1")
                ),
                &[&number],
            )
            .map_err(e)?;
        Ok(rows.iter().rev().map(row).collect())
    }

    fn changes(&self, issuer: &str, credential: &str) -> Result<Vec<String>, DbError> {
        let rows = self
            .client()
            .query(
                "SELECT body FROM register_items WHERE issuer = $1 AND credential = $2 AND kind = 'status' ORDER BY seq",
                &[&issuer, &credential],
            )
            .map_err(e)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn first_received(&self, issuer: &str, credential: &str) -> Result<Option<String>, DbError> {
        let r = self
            .client()
            .query_opt(
                "SELECT received_at FROM register_items WHERE issuer = $1 AND credential = $2 AND kind = 'certificate' ORDER BY seq LIMIT 1",
                &[&issuer, &credential],
            )
            .map_err(e)?;
        Ok(r.map(|r| r.get(0)))
    }

    fn export(&self, each: &mut dyn FnMut(&Row) -> Result<(), DbError>) -> Result<u64, DbError> {
        let mut c = self.client();
        let mut last: i64 = 0;
        let mut n = 0;
        // In pages, so that a large register never sits in memory at once.
        loop {
            let rows = c
                .query(
                    &format!(
                        "SELECT {COLUMNS} FROM register_items WHERE seq > $1 ORDER BY seq LIMIT 10000"
                    ),
                    &[&last],
                )
                .map_err(e)?;
            if rows.is_empty() {
                return Ok(n);
            }
            for r in &rows {
                let r = row(r);
                last = r.seq;
                each(&r)?;
                n += 1;
            }
        }
    }

    fn count(&self) -> Result<u64, DbError> {
        let n: i64 = self
            .client()
            .query_one("SELECT COUNT(*) FROM register_items", &[])
            .map_err(e)?
            .get(0);
        Ok(n as u64)
    }
    fn keyed(&self) -> Result<u64, DbError> {
        let n: i64 = self
            .client()
            .query_one("SELECT COUNT(*) FROM register_items WHERE kind = 'certificate' AND body LIKE '%\"holderIdMac\"%'", &[])
            .map_err(e)?
            .get(0);
        Ok(n as u64)
    }
}
