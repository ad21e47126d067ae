//! The CLI's status source: `--status` files and the data dir's own database (the more severe
//! answer wins when both hold a list), else HTTP unless `--offline`.

use chrono::{DateTime, Utc};
use skillcert::model::{Claims, StatusPurpose, StatusRef};
use skillcert::status::FileStatusSource;
use skillcert::verify::{Registered, StatusBit, StatusLookupError, StatusSource};
use skillcert_online::HttpStatusSource;
use skillcert_store::issuer_db::IssuerDbStatusSource;

/// Files and the local issuer's database (for the data dir's own issuer; when both hold a list, both
/// are consulted and the more severe answer wins), else HTTP (absent when offline).
#[derive(Debug, Default)]
pub(crate) struct CombinedStatusSource {
    /// Lists from files.
    pub files: FileStatusSource,
    /// The data dir's own database, when the verifier trusts the data dir's issuer.
    pub registry: Option<IssuerDbStatusSource>,
    /// HTTP fetching, unless offline.
    pub http: Option<HttpStatusSource>,
}

impl StatusSource for CombinedStatusSource {
    fn status(
        &self,
        entry: &StatusRef,
        issuer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        let registry = self
            .registry
            .as_ref()
            .filter(|r| r.answers(issuer_id, &entry.list_url));
        let file = self
            .files
            .has(&entry.list_url)
            .then(|| self.files.status(entry, issuer_id, now));
        match (file, registry) {
            (Some(f), Some(r)) => reconcile(entry, f, r.status(entry, issuer_id, now)),
            (Some(f), None) => f,
            (None, Some(r)) => r.status(entry, issuer_id, now),
            (None, None) => match &self.http {
                Some(h) => h.status(entry, issuer_id, now),
                None => Err(StatusLookupError::NoList(format!(
                    "offline and no --status file holds {}",
                    entry.list_url
                ))),
            },
        }
    }

    fn registered(
        &self,
        issuer_id: &str,
        credential_id: Option<&str>,
        claims: Option<&Claims>,
    ) -> Registered {
        match &self.registry {
            Some(r) => r.registered(issuer_id, credential_id, claims),
            None => Registered::NoIssuerDb,
        }
    }
}

/// One entry's status from both a `--status` file and the issuer's own database: an old file
/// must not hide what the issuer's database knows. When both answer and disagree, the more severe
/// (set: revoked or suspended) wins and the source says so; when only one can answer, its
/// answer stands and the source says why the other was not used.
fn reconcile(
    entry: &StatusRef,
    file: Result<StatusBit, StatusLookupError>,
    registry: Result<StatusBit, StatusLookupError>,
) -> Result<StatusBit, StatusLookupError> {
    let word = |set: bool| match (set, entry.purpose) {
        (false, _) => "active",
        (true, StatusPurpose::Revocation) => "revoked",
        (true, StatusPurpose::Suspension) => "suspended",
    };
    match (file, registry) {
        (Ok(f), Ok(r)) if f.set == r.set => Ok(StatusBit {
            source: format!("{} (the status file {} agrees)", r.source, f.source),
            ..r
        }),
        (Ok(f), Ok(r)) => {
            let why = format!(
                "{} and status file {} (the status file says {} but the issuer's database says {}; the \
                 more severe wins)",
                r.source,
                f.source,
                word(f.set),
                word(r.set)
            );
            let winner = if f.set { f } else { r };
            Ok(StatusBit {
                source: why,
                ..winner
            })
        }
        (Err(e), Ok(r)) => Ok(StatusBit {
            source: format!("{} (the status file was not used: {e})", r.source),
            ..r
        }),
        (Ok(f), Err(e)) => Ok(StatusBit {
            source: format!("{} (the issuer's database could not answer: {e})", f.source),
            ..f
        }),
        (Err(e), Err(_)) => Err(e),
    }
}
