//! What the verifier asks outside itself: status bits, and the issuer's own database.

use crate::model::{Claims, StatusRef};
use chrono::{DateTime, Utc};

/// One status bit as a [`StatusSource`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusBit {
    /// The bit is set (revoked / suspended).
    pub set: bool,
    /// The list is past its freshness limit.
    pub stale: bool,
    /// Where the list came from (file, URL, cache, registry).
    pub source: String,
    /// When the bit was last set and the reason the issuer published, when the source knows
    /// them (the issuer's own database does; a status list credential does not).
    pub change: Option<StatusChange>,
}

/// What an issuer's registry knows of the status change that set a bit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    /// When the certificate was revoked or suspended.
    pub at: DateTime<Utc>,
    /// The reason the issuer chose to publish (`revoke --public-reason`); the internal reason
    /// is never here.
    pub public_reason: Option<String>,
}

/// What an issuer's own database says of a credential of that issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Registered {
    /// This source keeps no registry of the credential's issuer (an auditor with only a trust
    /// list, or another issuer): no check.
    NoIssuerDb,
    /// The issuer's database recorded this certificate, with exactly these claims.
    Recorded,
    /// The issuer's database never recorded it (or recorded other claims under its id): the reason.
    NotRecorded(String),
    /// The issuer's database could not be read: the reason (fail closed: `status_unknown`).
    Unavailable(String),
}

/// Why a [`StatusSource`] could not give an entry's status bit: the verifier then reports
/// `status_unknown` with this text as the check's reason ("could not check", never `valid`).
///
/// The variants say what kind of failure it was; each carries the full sentence the reader
/// sees (it names the list, the file or the server).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusLookupError {
    /// No list is at hand for the entry: no file holds it, it is not this issuer's database's, the
    /// verifier is offline, or there is no status source at all.
    #[error("{0}")]
    NoList(String),
    /// The trust list does not allow fetching the entry's list from its origin: no request
    /// was sent.
    #[error("{0}")]
    OriginNotAllowed(String),
    /// The list could not be had: the server, the network or the issuer's database failed.
    #[error("{0}")]
    Unavailable(String),
    /// A list was had but does not count for this entry: malformed, not signed by a trusted
    /// key, another list, issuer or purpose, not yet valid, or too short.
    #[error("{0}")]
    Refused(String),
}

/// Where status lists come from: files, HTTP with a cache, the local issuer's database.
pub trait StatusSource: Send + Sync {
    /// The status bit of `entry` for a credential of `issuer_id`. `Err` says why it could not
    /// be found (the verifier then reports `status_unknown`).
    fn status(
        &self,
        entry: &StatusRef,
        issuer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError>;

    /// Whether the issuer's database of `issuer_id`, if this source holds it, recorded the certificate
    /// `credential_id` with `claims` (`None`: not in skillcert's claim form). Sources without
    /// an issuer's database keep the default, [`Registered::NoIssuerDb`].
    fn registered(
        &self,
        _issuer_id: &str,
        _credential_id: Option<&str>,
        _claims: Option<&Claims>,
    ) -> Registered {
        Registered::NoIssuerDb
    }
}

/// A status source that knows no lists: every status is unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStatusSource;

impl StatusSource for NoStatusSource {
    fn status(
        &self,
        entry: &StatusRef,
        _: &str,
        _: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        Err(StatusLookupError::NoList(format!(
            "no status list available for {}",
            entry.list_url
        )))
    }
}
