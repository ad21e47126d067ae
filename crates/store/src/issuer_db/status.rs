//! Status changes (revoke, suspend, reinstate, each with its event) and the status lists they
//! set bits in, served as signed credentials.

use super::input::{check_reason, cli_reason, ReasonError};
use super::{queries, sql, CertificateRecord, IssuerDb, IssuerDbError, ListInfo};
use skillcert::issuer::Issuer;
use skillcert::model::StatusPurpose;
use skillcert::status::Bitstring;

/// A status change ([`IssuerDb::change_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatusAction {
    /// Revoke (final).
    Revoke,
    /// Suspend (may be lifted).
    Suspend,
    /// Lift a suspension.
    Reinstate,
}

impl StatusAction {
    /// The event's action word: `revoke`, `suspend`, `reinstate`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusAction::Revoke => "revoke",
            StatusAction::Suspend => "suspend",
            StatusAction::Reinstate => "reinstate",
        }
    }
}

impl IssuerDb {
    /// Revokes `id` (final). A reason is required.
    pub fn revoke(
        &self,
        id: &str,
        reason: &str,
        actor: &str,
    ) -> Result<CertificateRecord, IssuerDbError> {
        self.change_status(id, StatusAction::Revoke, Some(reason), None, actor)
    }

    /// Suspends `id`. Refused for a revoked or already suspended certificate.
    pub fn suspend(
        &self,
        id: &str,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<CertificateRecord, IssuerDbError> {
        self.change_status(id, StatusAction::Suspend, reason, None, actor)
    }

    /// Lifts a suspension of `id`. Refused for a revoked, unknown or not suspended certificate.
    pub fn reinstate(
        &self,
        id: &str,
        reason: Option<&str>,
        actor: &str,
    ) -> Result<CertificateRecord, IssuerDbError> {
        self.change_status(id, StatusAction::Reinstate, reason, None, actor)
    }

    /// Applies a status change of `id`: `reason` is internal (required to revoke), and
    /// `public_reason` (revoke and suspend only) is shown to whoever verifies the certificate.
    /// Both are checked as [`check_reason`] does.
    pub fn change_status(
        &self,
        id: &str,
        action: StatusAction,
        reason: Option<&str>,
        public_reason: Option<&str>,
        actor: &str,
    ) -> Result<CertificateRecord, IssuerDbError> {
        let reason = cli_reason(reason, action == StatusAction::Revoke)?;
        let public_reason =
            check_reason("--public-reason", public_reason, false).map_err(|e| match e {
                ReasonError::Missing => IssuerDbError::Invalid("--public-reason: empty".into()),
                ReasonError::Invalid(e) => IssuerDbError::Invalid(e.to_string()),
            })?;
        if public_reason.is_some() && action == StatusAction::Reinstate {
            return Err(IssuerDbError::Invalid(
                "--public-reason: only a revocation or a suspension publishes a reason".into(),
            ));
        }
        let id = self.resolve(id)?;
        let actor = skillcert::model::normalize_text("actor", actor, 200)
            .map_err(|e| IssuerDbError::Invalid(e.to_string()))?;
        let mut conn = self.lock()?;
        queries::change(
            &mut conn,
            &id,
            action.as_str(),
            (reason.as_deref(), public_reason.as_deref()),
            &actor,
        )?;
        queries::get(&mut conn, &id)
    }

    /// When the status bit at `(list, idx)` was last set, and the reason published with it;
    /// `None` when the bit is clear or no event set it.
    pub fn last_change(
        &self,
        list: u64,
        idx: u32,
    ) -> Result<Option<(String, Option<String>)>, IssuerDbError> {
        queries::last_change(&mut self.lock()?, list, idx)
    }

    /// Every status list.
    pub fn lists(&self) -> Result<Vec<ListInfo>, IssuerDbError> {
        queries::lists(&mut self.lock()?)
    }

    /// A value that differs whenever the issuer's database may have changed since it was last
    /// taken. SQLite: commits by other connections or processes (`PRAGMA data_version`) and
    /// rows changed through this one. PostgreSQL: the change counter every write transaction
    /// of every process advances (see `sql::pg`). Readers that cache (the server's status
    /// checks) compare stamps.
    pub fn change_stamp(&self) -> Result<(i64, u64), IssuerDbError> {
        match self.lock()? {
            sql::Handle::Sqlite(conn) => {
                let version: i64 = conn
                    .prepare_cached("PRAGMA data_version")?
                    .query_row([], |r| r.get(0))?;
                Ok((version, conn.total_changes()))
            }
            #[cfg(feature = "postgres")]
            mut pg @ sql::Handle::Postgres(_) => Ok((
                sql::one_value(&mut pg, "SELECT n FROM issuer_changes WHERE id = 1", &[])?,
                0,
            )),
        }
    }

    /// The purpose and bits of list `list`.
    pub fn list_status_bits(&self, list: u64) -> Result<(StatusPurpose, Bitstring), IssuerDbError> {
        queries::list_bits(&mut self.lock()?, list)
    }

    /// The signed status list credential of list `list_number` (what `GET /status/{n}` serves
    /// and `status export` writes). Cached; re-signed when a bit changed, the key changed, or
    /// less than half of the freshness limit is left.
    pub fn status_list_credential(
        &self,
        issuer: &Issuer,
        list_number: u64,
    ) -> Result<serde_json::Value, IssuerDbError> {
        queries::list_credential(&mut self.lock()?, issuer, list_number)
    }
}
