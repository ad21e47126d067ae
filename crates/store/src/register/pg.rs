//! The register on PostgreSQL (feature `postgres`): a few connections, each behind a mutex,
//! made when first needed and made again when the server dropped them (a restarted primary
//! takes writes again without restarting the portal); migrations under an advisory lock so
//! that portals starting together migrate once. A read replica ([`Role::Replica`]) is never
//! migrated: its schema comes from the primary by replication.

use super::db::{
    asked_credentials, claims, first_orphan, first_taken, Db, DbError, Refused, Row, StoredItem,
    BY_NUMBER_WHERE, MIGRATIONS,
};
use postgres::{Client, NoTls, Statement};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// Connections per portal process (per database: the primary and the replica each).
const POOL: usize = 4;
/// Advisory lock id of the register's migrations.
const MIGRATION_LOCK: i64 = 0x736b_696c_6c63;
/// How long a connection attempt may take when the URL does not say (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// What a database is to the register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    /// Takes the writes; migrated by the first portal that connects.
    Primary,
    /// A hot standby (streaming replica): reads only, never migrated.
    Replica,
}

/// Whether `err` says the server cannot be used now (down, restarting, shutting down,
/// connection lost, or read-only: a standby where a primary was expected), as opposed to a
/// refusal of the statement itself.
fn lost(err: &postgres::Error) -> bool {
    if err.is_closed() {
        return true;
    }
    match err.code() {
        Some(c) => {
            let c = c.code();
            c.starts_with("08") || matches!(c, "57P01" | "57P02" | "57P03" | "25006")
        }
        None => std::error::Error::source(err).is_some_and(|s| s.is::<std::io::Error>()),
    }
}

fn e(err: postgres::Error) -> DbError {
    if lost(&err) {
        DbError::Unavailable(err.to_string())
    } else {
        DbError::Backend(err.to_string())
    }
}

/// One connection and the statements prepared on it (the reads', by their SQL): a read is
/// one round trip instead of two (parse, then execute).
struct Conn {
    client: Client,
    prepared: HashMap<&'static str, Statement>,
}

impl Conn {
    /// `sql`, prepared on this connection the first time.
    fn prepared(&mut self, sql: &'static str) -> Result<Statement, DbError> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).map_err(e)?;
        self.prepared.insert(sql, s.clone());
        Ok(s)
    }

    /// The rows of the prepared `sql`.
    fn query(
        &mut self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>, DbError> {
        let s = self.prepared(sql)?;
        self.client.query(&s, params).map_err(e)
    }
}

/// The PostgreSQL register.
pub(super) struct PgDb {
    config: postgres::Config,
    role: Role,
    pool: Vec<Mutex<Option<Conn>>>,
    /// The schema was migrated (primary) or found known (replica) on some connection.
    schema_ok: AtomicBool,
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

/// The schema version a database holds (0: none).
fn version(c: &mut impl postgres::GenericClient) -> Result<i64, DbError> {
    let exists: bool = c
        .query_one("SELECT to_regclass('register_schema') IS NOT NULL", &[])
        .map_err(e)?
        .get(0);
    if !exists {
        return Ok(0);
    }
    Ok(
        c.query_one("SELECT COALESCE(MAX(version), 0) FROM register_schema", &[])
            .map_err(e)?
            .get(0),
    )
}

impl PgDb {
    /// The database at `url` in `role`, not connected yet (see [`PgDb::connect_now`]).
    pub(super) fn new(url: &str, role: Role) -> Result<PgDb, DbError> {
        let mut config: postgres::Config = url
            .parse()
            .map_err(|_| DbError::Config("not a PostgreSQL URL this build can use".into()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        Ok(PgDb {
            config,
            role,
            pool: (0..POOL).map(|_| Mutex::new(None)).collect(),
            schema_ok: AtomicBool::new(false),
        })
    }

    /// Connects one connection now (and migrates, on the primary).
    pub(super) fn connect_now(&self) -> Result<(), DbError> {
        self.with_client(|_| Ok(()))
    }

    /// A new connection; the first one migrates the primary or checks the replica's schema.
    fn connect(&self) -> Result<Conn, DbError> {
        let mut c = self.config.connect(NoTls).map_err(|err| {
            let code = err.code().map(|c| c.code().to_owned()).unwrap_or_default();
            // Wrong role, password or database name: configuration, not an outage.
            if code.starts_with("28") || code == "3D000" {
                DbError::Config(format!("register database: {err}"))
            } else {
                DbError::Unavailable(err.to_string())
            }
        })?;
        if !self.schema_ok.load(Ordering::Acquire) {
            match self.role {
                Role::Primary => migrate(&mut c)?,
                Role::Replica => {
                    let v = version(&mut c)?;
                    if v > MIGRATIONS.len() as i64 {
                        return Err(DbError::TooNew(v));
                    }
                }
            }
            self.schema_ok.store(true, Ordering::Release);
        }
        Ok(Conn {
            client: c,
            prepared: HashMap::new(),
        })
    }

    /// A free slot of the pool (or the first one, waiting).
    fn slot(&self) -> MutexGuard<'_, Option<Conn>> {
        for m in &self.pool {
            if let Ok(g) = m.try_lock() {
                return g;
            }
        }
        self.pool[0].lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on a connection, connecting when the slot has none or a closed one. When a
    /// kept connection turns out to be lost (the server restarted since), `f` runs once more
    /// on a new one: every caller's work is one statement or one transaction, and ingestion is
    /// idempotent, so running it again never stores anything twice.
    fn with_client<T>(
        &self,
        mut f: impl FnMut(&mut Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let mut slot = self.slot();
        let kept = slot.as_ref().is_some_and(|c| !c.client.is_closed());
        if !kept {
            *slot = None;
            *slot = Some(self.connect()?);
        }
        let Some(c) = slot.as_mut() else {
            return Err(DbError::Unavailable("no connection".into()));
        };
        match f(c) {
            Err(DbError::Unavailable(why)) => {
                *slot = None;
                if !kept {
                    return Err(DbError::Unavailable(why));
                }
                let mut c = self.connect()?;
                let r = f(&mut c);
                if !matches!(r, Err(DbError::Unavailable(_))) {
                    *slot = Some(c);
                }
                r
            }
            r => r,
        }
    }
}

/// Migrates the primary in one transaction under the advisory lock.
fn migrate(c: &mut Client) -> Result<(), DbError> {
    let mut tx = c.transaction().map_err(e)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .map_err(e)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS register_schema (version BIGINT PRIMARY KEY)")
        .map_err(e)?;
    let current = version(&mut tx)?;
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

/// A bundle's items in one statement: arrays of their columns, inserted in the bundle's order
/// (so `seq` follows it); an item already held is skipped, as is a second copy in the bundle.
const INSERT_ITEMS: &str = "INSERT INTO register_items
    (issuer, item, digest, kind, credential, number, body, bundle, received_at)
    SELECT $1, i, d, k, c, n, b, $2, $3
    FROM UNNEST($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
        WITH ORDINALITY AS t(i, d, k, c, n, b, o)
    ORDER BY o
    ON CONFLICT DO NOTHING";

/// The numbers a bundle claims (first claim of each, sorted), in one statement.
const INSERT_NUMBERS: &str = "INSERT INTO register_numbers (number, issuer, credential)
    SELECT n, $1, c FROM UNNEST($2::text[], $3::text[]) WITH ORDINALITY AS t(n, c, o)
    ORDER BY o
    ON CONFLICT DO NOTHING";

/// Ingestion's transaction on `c` (see [`Db::ingest`]): a handful of statements whatever the
/// bundle's size (the orphan check, the numbers' claims and owners, the items, the receipt),
/// each over arrays of the bundle's values, with the same outcome as checking and storing
/// item by item in order.
fn ingest_tx(
    c: &mut Client,
    issuer: &str,
    bundle: &str,
    portal: &str,
    items: &[StoredItem],
    receipt: &Value,
    at: &str,
) -> Result<Result<Value, Refused>, DbError> {
    let mut tx = c.transaction().map_err(e)?;
    let asked = asked_credentials(items);
    let held: HashSet<String> = if asked.is_empty() {
        HashSet::new()
    } else {
        tx.query(
            "SELECT DISTINCT credential FROM register_items
             WHERE issuer = $1 AND credential = ANY($2) AND kind = 'certificate'",
            &[&issuer, &asked],
        )
        .map_err(e)?
        .iter()
        .map(|r| r.get(0))
        .collect()
    };
    if let Some(i) = first_orphan(items, |c| Ok(held.contains(c)))? {
        return Ok(Err(Refused::Orphan(i)));
    }
    let (numbers, owners): (Vec<&str>, Vec<&str>) = claims(items).into_iter().unzip();
    if !numbers.is_empty() {
        tx.execute(INSERT_NUMBERS, &[&issuer, &numbers, &owners])
            .map_err(e)?;
        let owners: HashMap<String, String> = tx
            .query(
                "SELECT number, credential FROM register_numbers
                 WHERE issuer = $1 AND number = ANY($2)",
                &[&issuer, &numbers],
            )
            .map_err(e)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        if let Some(i) = first_taken(items, &owners)? {
            return Ok(Err(Refused::NumberTaken(i)));
        }
    }
    let col = |f: fn(&StoredItem) -> &str| items.iter().map(f).collect::<Vec<&str>>();
    let number: Vec<Option<&str>> = items.iter().map(|i| i.number.as_deref()).collect();
    tx.execute(
        INSERT_ITEMS,
        &[
            &issuer,
            &bundle,
            &at,
            &col(|i| &i.item),
            &col(|i| &i.digest),
            &col(|i| i.kind),
            &col(|i| &i.credential),
            &number,
            &col(|i| &i.body),
        ],
    )
    .map_err(e)?;
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

impl Db for PgDb {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn receipt_for(&self, bundle: &str, portal: &str) -> Result<Option<Value>, DbError> {
        let r = self.with_client(|c| {
            c.query(
                "SELECT json FROM register_receipts WHERE bundle = $1 AND portal = $2",
                &[&bundle, &portal],
            )
        })?;
        r.first().map(|r| parse(r.get(0))).transpose()
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
        self.with_client(|c| ingest_tx(&mut c.client, issuer, bundle, portal, items, receipt, at))
    }

    fn by_number(&self, number: &str) -> Result<Vec<Row>, DbError> {
        static SQL: OnceLock<String> = OnceLock::new();
        let sql = SQL.get_or_init(|| {
            format!(
                "SELECT {COLUMNS} FROM register_items WHERE {}",
                BY_NUMBER_WHERE.replace("{P}", "$1")
            )
        });
        let rows = self.with_client(|c| c.query(sql, &[&number]))?;
        Ok(rows.iter().rev().map(row).collect())
    }

    fn changes(&self, issuer: &str, credential: &str) -> Result<Vec<String>, DbError> {
        let rows = self.with_client(|c| {
            c.query(
                "SELECT body FROM register_items WHERE issuer = $1 AND credential = $2 AND kind = 'status' ORDER BY seq",
                &[&issuer, &credential],
            )
        })?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    fn first_received(&self, issuer: &str, credential: &str) -> Result<Option<String>, DbError> {
        let r = self.with_client(|c| {
            c.query(
                "SELECT received_at FROM register_items WHERE issuer = $1 AND credential = $2 AND kind = 'certificate' ORDER BY seq LIMIT 1",
                &[&issuer, &credential],
            )
        })?;
        Ok(r.first().map(|r| r.get(0)))
    }

    fn export(&self, each: &mut dyn FnMut(&Row) -> Result<(), DbError>) -> Result<u64, DbError> {
        // In pages, so that a large register never sits in memory at once. The position is
        // kept outside the connection's work: a run again on a new connection goes on after
        // the last row given, never gives one twice.
        let mut last: i64 = 0;
        let mut n = 0;
        let sql =
            format!("SELECT {COLUMNS} FROM register_items WHERE seq > $1 ORDER BY seq LIMIT 10000");
        self.with_client(|c| loop {
            let rows = c.client.query(&sql, &[&last]).map_err(e)?;
            if rows.is_empty() {
                return Ok(n);
            }
            for r in &rows {
                let r = row(r);
                last = r.seq;
                each(&r)?;
                n += 1;
            }
        })
    }

    fn count(&self) -> Result<u64, DbError> {
        let n: i64 = self.with_client(|c| {
            c.client
                .query_one("SELECT COUNT(*) FROM register_items", &[])
                .map(|r| r.get(0))
                .map_err(e)
        })?;
        Ok(n as u64)
    }

    fn keyed(&self) -> Result<u64, DbError> {
        let n: i64 = self.with_client(|c| {
            c.client.query_one(
                "SELECT COUNT(*) FROM register_items WHERE kind = 'certificate' AND body LIKE '%\"holderIdMac\"%'",
                &[],
            )
            .map(|r| r.get(0))
            .map_err(e)
        })?;
        Ok(n as u64)
    }
}
