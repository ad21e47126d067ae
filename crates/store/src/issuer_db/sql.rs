//! One SQL surface over both databases the issuer's database runs on: embedded SQLite and
//! PostgreSQL (feature `postgres`). Queries are written once, with `?1`…`?N` placeholders
//! (rewritten to `$1`…`$N` for PostgreSQL), arguments of two kinds ([`Arg`]: integer or text)
//! and rows read back as cells ([`SqlRow`]). What differs between the two (how a write
//! transaction takes the writers' lock, the change stamp, the order of insertion, integrity
//! checks) is asked of [`Dialect`], never spelled twice in the queries.

#[cfg(feature = "postgres")]
pub(super) mod pg;
mod sqlite;

use super::IssuerDbError;

/// Which database a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Dialect {
    /// Embedded SQLite (`registry.sqlite` in the data dir).
    Sqlite,
    /// PostgreSQL, shared by every process of the issuer.
    #[cfg(feature = "postgres")]
    Postgres,
}

impl Dialect {
    /// The column that orders certificates by insertion.
    pub(super) fn insertion_order(self) -> &'static str {
        match self {
            Dialect::Sqlite => "rowid",
            #[cfg(feature = "postgres")]
            Dialect::Postgres => "seq",
        }
    }
}

/// A query argument: an integer or a text, either possibly NULL.
#[derive(Debug, Clone, Copy)]
pub(super) enum Arg<'a> {
    /// An integer (SQLite INTEGER, PostgreSQL BIGINT).
    Int(Option<i64>),
    /// A text.
    Text(Option<&'a str>),
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(v: $t) -> Self {
                Arg::Int(i64::try_from(v).ok())
            }
        }
    )*};
}
int_arg!(i64, u64, u32, u16, usize);

impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Arg::Int(Some(i64::from(v)))
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Arg::Text(Some(v))
    }
}

impl<'a> From<&&'a str> for Arg<'a> {
    fn from(v: &&'a str) -> Self {
        Arg::Text(Some(v))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Arg::Text(Some(v))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Arg::Text(v)
    }
}

impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Arg::Text(v.as_deref())
    }
}

/// `args![a, b, …]`: a slice of [`Arg`]s.
macro_rules! args {
    ($($a:expr),* $(,)?) => {
        &[$($crate::issuer_db::sql::Arg::from($a)),*][..]
    };
}
pub(super) use args;

/// One cell of a result row.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    /// NULL.
    Null,
    /// An integer (booleans read as 0 or 1).
    Int(i64),
    /// A text.
    Text(String),
}

/// One result row.
#[derive(Debug, Clone)]
pub(super) struct SqlRow(pub(super) Vec<Cell>);

/// A Rust value read from a [`Cell`].
pub(super) trait FromCell: Sized {
    /// The value, or `None` when the cell holds another kind.
    fn from_cell(cell: &Cell) -> Option<Self>;
}

macro_rules! int_cell {
    ($($t:ty),*) => {$(
        impl FromCell for $t {
            fn from_cell(cell: &Cell) -> Option<Self> {
                match cell {
                    Cell::Int(v) => <$t>::try_from(*v).ok(),
                    _ => None,
                }
            }
        }
    )*};
}
int_cell!(i64, u64, u32, u16);

impl FromCell for bool {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Int(v) => Some(*v != 0),
            _ => None,
        }
    }
}

impl FromCell for String {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}

impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(cell: &Cell) -> Option<Self> {
        match cell {
            Cell::Null => Some(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

impl SqlRow {
    /// Column `i` as `T`; a missing column or another kind is a corrupt database.
    pub(super) fn get<T: FromCell>(&self, i: usize) -> Result<T, IssuerDbError> {
        let cell = self
            .0
            .get(i)
            .ok_or_else(|| IssuerDbError::Corrupt(format!("result has no column {i}")))?;
        T::from_cell(cell).ok_or_else(|| {
            IssuerDbError::Corrupt(format!(
                "column {i} holds {cell:?}, not a {}",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// What both databases answer: statements with arguments, rows back.
pub(super) trait Sql {
    /// Which database this is.
    fn dialect(&self) -> Dialect;
    /// Runs a statement; returns the number of rows it changed.
    fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, IssuerDbError>;
    /// Runs a query; returns every row.
    fn query(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<SqlRow>, IssuerDbError>;

    /// The first row, if any.
    fn query_opt(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Option<SqlRow>, IssuerDbError> {
        Ok(self.query(sql, args)?.into_iter().next())
    }
}

/// The first column of the only row of `sql`.
pub(super) fn one_value<T: FromCell>(
    db: &mut dyn Sql,
    sql: &str,
    args: &[Arg<'_>],
) -> Result<T, IssuerDbError> {
    db.query_opt(sql, args)?
        .ok_or_else(|| IssuerDbError::Corrupt(format!("no row from {sql}")))?
        .get(0)
}

/// The first column of the first row of `sql`, if there is one.
pub(super) fn opt_value<T: FromCell>(
    db: &mut dyn Sql,
    sql: &str,
    args: &[Arg<'_>],
) -> Result<Option<T>, IssuerDbError> {
    db.query_opt(sql, args)?.map(|r| r.get(0)).transpose()
}

/// The first column of every row of `sql`.
pub(super) fn column<T: FromCell>(
    db: &mut dyn Sql,
    sql: &str,
    args: &[Arg<'_>],
) -> Result<Vec<T>, IssuerDbError> {
    db.query(sql, args)?.iter().map(|r| r.get(0)).collect()
}

/// A connection taken from the issuer's database: SQLite's one connection, or one of the
/// PostgreSQL pool's.
pub(super) enum Handle<'a> {
    /// SQLite.
    Sqlite(std::sync::MutexGuard<'a, rusqlite::Connection>),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(pg::PgHandle<'a>),
}

/// A write transaction: it holds the writers' lock of the whole database (SQLite `BEGIN
/// IMMEDIATE`; on PostgreSQL a transaction-scoped advisory lock every writer of every process
/// takes first), so that allocations (numbers, status indices, lists) never race. Dropped
/// without [`Tx::commit`], it rolls back.
pub(super) enum Tx<'a> {
    /// SQLite.
    Sqlite(rusqlite::Transaction<'a>),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(pg::PgTx<'a>),
}

impl Handle<'_> {
    /// Begins a write transaction.
    pub(super) fn write(&mut self) -> Result<Tx<'_>, IssuerDbError> {
        match self {
            Handle::Sqlite(c) => Ok(Tx::Sqlite(
                c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?,
            )),
            #[cfg(feature = "postgres")]
            Handle::Postgres(c) => Ok(Tx::Postgres(c.write()?)),
        }
    }

    /// SQLite's connection (tests of SQLite-only behaviour).
    #[cfg(test)]
    pub(super) fn sqlite(&mut self) -> &mut rusqlite::Connection {
        match self {
            Handle::Sqlite(c) => c,
            #[cfg(feature = "postgres")]
            Handle::Postgres(_) => panic!("not SQLite"),
        }
    }
}

impl Tx<'_> {
    /// Commits.
    pub(super) fn commit(self) -> Result<(), IssuerDbError> {
        match self {
            Tx::Sqlite(t) => Ok(t.commit()?),
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => t.commit(),
        }
    }
}

impl Sql for Handle<'_> {
    fn dialect(&self) -> Dialect {
        match self {
            Handle::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Handle::Postgres(_) => Dialect::Postgres,
        }
    }

    fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, IssuerDbError> {
        match self {
            Handle::Sqlite(c) => sqlite::execute(c, sql, args),
            #[cfg(feature = "postgres")]
            Handle::Postgres(c) => c.execute(sql, args),
        }
    }

    fn query(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<SqlRow>, IssuerDbError> {
        match self {
            Handle::Sqlite(c) => sqlite::query(c, sql, args),
            #[cfg(feature = "postgres")]
            Handle::Postgres(c) => c.query(sql, args),
        }
    }
}

impl Sql for Tx<'_> {
    fn dialect(&self) -> Dialect {
        match self {
            Tx::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Tx::Postgres(_) => Dialect::Postgres,
        }
    }

    fn execute(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<u64, IssuerDbError> {
        match self {
            Tx::Sqlite(t) => sqlite::execute(t, sql, args),
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => t.execute(sql, args),
        }
    }

    fn query(&mut self, sql: &str, args: &[Arg<'_>]) -> Result<Vec<SqlRow>, IssuerDbError> {
        match self {
            Tx::Sqlite(t) => sqlite::query(t, sql, args),
            #[cfg(feature = "postgres")]
            Tx::Postgres(t) => t.query(sql, args),
        }
    }
}

/// Whether `e` is a uniqueness or other constraint refusing a write.
pub(super) fn is_constraint(e: &IssuerDbError) -> bool {
    match e {
        IssuerDbError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
            f.code == rusqlite::ErrorCode::ConstraintViolation
        }
        #[cfg(feature = "postgres")]
        IssuerDbError::Postgres(e) => pg::is_constraint(e),
        _ => false,
    }
}
