//! The service's link to the issuer's data: issuing, the issuer's database's status changes and
//! look-ups, status list credentials, and the verifier the service uses for its own issuer.
//! Each integration point with the issuer's database, status and QR modules is one function here.

use super::bodies::{CertificateBody, CredentialDocument, IssuedBody};
use super::errors::ApiError;
use skillcert::issuer::{Issued, Issuer, IssuerError};
use skillcert::request::CheckedRequest;
use skillcert::verify::{Verifier, VerifierError};
use skillcert_store::issuer_db::{IssuerDb, IssuerDbError, IssuerDbStatusSource};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// What the service holds of the issuer's data dir: the issuer and its database. The issuer
/// is re-read when its `config.json` changes on disk (`skillcert key rotate` while the server
/// runs): see [`Backend::reload_if_changed`].
#[derive(Debug)]
pub struct Backend {
    current: RwLock<Current>,
    registry: Arc<IssuerDb>,
    dir: PathBuf,
    in_flight: super::guards::InFlight,
    ready: super::guards::ReadyState,
}

/// The issuer as last loaded, the verifier built from it, and the identity of the
/// `config.json` it was loaded from.
#[derive(Debug, Clone)]
struct Current {
    issuer: Arc<Issuer>,
    verifier: Arc<Verifier>,
    stamp: Option<FileStamp>,
}

/// Identifies one version of a file: the config is replaced by rename, so the inode changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    inode: u64,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

fn config_stamp(dir: &Path) -> Option<FileStamp> {
    let m = std::fs::metadata(dir.join("config.json")).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&m);
    #[cfg(not(unix))]
    let inode = 0;
    Some(FileStamp {
        inode,
        len: m.len(),
        modified: m.modified().ok(),
    })
}

/// The service's verifier for `issuer`: trusts the issuer's own keys; status from the
/// database (current, never stale). Credentials of other issuers are `untrusted_issuer`.
fn verifier_for(issuer: &Issuer, registry: &Arc<IssuerDb>) -> Result<Verifier, VerifierError> {
    let c = issuer.config();
    let source = IssuerDbStatusSource::new(registry.clone(), &c.id, issuer.public_url());
    Verifier::builder(issuer.trust_list())
        .status_source(Arc::new(source))
        .build()
}

/// Why [`Backend::reload_if_changed`] kept the previous issuer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReloadError {
    /// The changed data dir could not be opened as an issuer.
    #[error(transparent)]
    Issuer(#[from] IssuerError),
    /// No verifier could be built over the changed issuer's keys.
    #[error(transparent)]
    Verifier(#[from] VerifierError),
}

/// A status change asked of the issuer's database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Final.
    Revoke,
    /// Can be lifted.
    Suspend,
    /// Lifts a suspension.
    Reinstate,
}

impl Change {
    /// `revoke` / `suspend` / `reinstate`.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Revoke => "revoke",
            Change::Suspend => "suspend",
            Change::Reinstate => "reinstate",
        }
    }
}

/// IssuerDb errors as API errors: unknown id 404, bad id 400, refused change 409, bad
/// argument 422; database failures are internal (logged, not shown).
impl From<IssuerDbError> for ApiError {
    fn from(e: IssuerDbError) -> Self {
        match e {
            IssuerDbError::NotFound(_) | IssuerDbError::NoSuchList(_) => {
                ApiError::NotFound(e.to_string())
            }
            IssuerDbError::BadId(_) => ApiError::BadRequest(e.to_string()),
            IssuerDbError::Revoked(_)
            | IssuerDbError::NotSuspended(_)
            | IssuerDbError::AlreadySuspended(_) => ApiError::Conflict(e.to_string()),
            IssuerDbError::Invalid(_) | IssuerDbError::Issuer(_) => {
                ApiError::Unprocessable(e.to_string())
            }
            // The database is down, unreachable or locked: try again (another instance, later).
            _ if e.is_outage() => ApiError::Unavailable(e.to_string()),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl Backend {
    /// Opens the backend over an opened issuer: opens (creating if needed) its database.
    pub fn open(issuer: Issuer) -> Result<Backend, ApiError> {
        Backend::open_with(issuer, None)
    }

    /// [`Backend::open`] with the issuer's database in PostgreSQL at `database` (`None`: the
    /// embedded SQLite database in the data dir). Every instance of one issuer opens the same.
    pub fn open_with(issuer: Issuer, database: Option<&str>) -> Result<Backend, ApiError> {
        let registry = Arc::new(
            IssuerDb::open_with(issuer.dir(), database)
                .map_err(|e| ApiError::Unavailable(format!("issuer's database: {e}")))?,
        );
        let dir = issuer.dir().to_path_buf();
        let current = Current {
            verifier: Arc::new(
                verifier_for(&issuer, &registry)
                    .map_err(|e| ApiError::Unavailable(format!("verifier: {e}")))?,
            ),
            issuer: Arc::new(issuer),
            stamp: config_stamp(&dir),
        };
        Ok(Backend {
            current: RwLock::new(current),
            registry,
            dir,
            in_flight: Default::default(),
            ready: Default::default(),
        })
    }

    fn current(&self) -> Current {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The printed certificate (one A4 PDF page) of a certificate found by id or number, as
    /// `issue` printed it: signed again from the recorded claims (the same bytes with the same
    /// key), with the print extras recorded with it and the issuer's current print settings.
    /// A photo file that can no longer be read leaves the photo box empty; the second value
    /// says so.
    pub fn pdf(&self, id_or_number: &str) -> Result<(Vec<u8>, Option<String>), ApiError> {
        use skillcert_print::printing::{self, PrintAssets};
        let issuer = self.issuer();
        let t = self.registry.to_sign(&issuer, id_or_number)?;
        let issued = issuer
            .sign_all(t.claims, t.at)
            .map_err(|e| ApiError::Internal(format!("re-signing for print: {e}")))?;
        let extras = printing::recorded_extras(t.print.as_deref())
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let assets =
            PrintAssets::load(&issuer).map_err(|e| ApiError::Unprocessable(e.to_string()))?;
        let (photo, warning) = match printing::photo_path(&extras, Path::new("/")) {
            None => (None, None),
            Some(p) => match printing::read_image("photo", &p) {
                Ok(b) => (Some(b), None),
                Err(_) => (
                    None,
                    Some("the photo file could not be read; printed without it".to_owned()),
                ),
            },
        };
        let page = printing::printed(&issued, &extras, &assets, photo);
        let printer = printing::shared_printer().map_err(|e| ApiError::Internal(e.to_string()))?;
        let bytes = printer
            .pdf(&page)
            .map_err(|e| ApiError::Unprocessable(e.to_string()))?;
        Ok((bytes, warning))
    }

    /// Whether a token may be verified on an async worker: only over the embedded SQLite
    /// database (a local read, cached). Over PostgreSQL the status check is a network round
    /// trip through a blocking client, which must run on the blocking pool.
    pub fn verifies_inline(&self) -> bool {
        self.registry.backend() == "sqlite"
    }

    /// The issuer (as of the last reload).
    pub fn issuer(&self) -> Arc<Issuer> {
        self.current().issuer
    }

    /// The verifier the service uses: trusts the issuer's own keys (as of the last reload);
    /// status from the issuer's database.
    pub fn verifier(&self) -> Arc<Verifier> {
        self.current().verifier
    }

    /// The issuer's database.
    pub fn registry(&self) -> &Arc<IssuerDb> {
        &self.registry
    }

    /// The data dir.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The last readiness check.
    pub fn ready_state(&self) -> &super::guards::ReadyState {
        &self.ready
    }

    /// Idempotency keys being answered now.
    pub fn in_flight(&self) -> &super::guards::InFlight {
        &self.in_flight
    }

    /// Re-reads the issuer when its `config.json` is no longer the file it was loaded from (a
    /// key rotation by the CLI): new certificates and status lists are then signed with the new
    /// key, and the well-known documents and the verifier list it. `Ok(true)` when reloaded.
    /// On an error the previous issuer stays in use (and the caller logs it).
    pub fn reload_if_changed(&self) -> Result<bool, ReloadError> {
        let stamp = config_stamp(&self.dir);
        if stamp == self.current().stamp {
            return Ok(false);
        }
        let issuer = Issuer::open(&self.dir)?;
        let next = Current {
            verifier: Arc::new(verifier_for(&issuer, &self.registry)?),
            issuer: Arc::new(issuer),
            stamp,
        };
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = next;
        Ok(true)
    }

    /// Issues one certificate through the issuer's database (with the ID number as the issuer prints
    /// it, for the printed certificate).
    pub fn issue(&self, req: &CheckedRequest) -> Result<Issued, ApiError> {
        let issuer = self.issuer();
        let print = print_json(&issuer, req);
        let opts = skillcert_store::issuer_db::IssueOptions {
            actor: None,
            batch_key: None,
            print: Some(&print),
            holder_id: req.national_id.as_deref(),
        };
        Ok(self.registry.issue_with(&issuer, req, &opts)?)
    }

    /// Applies a status change; returns the certificate's record and history afterwards.
    pub fn change(
        &self,
        id: &uuid::Uuid,
        change: Change,
        (reason, public_reason): (&str, Option<&str>),
        actor: &str,
    ) -> Result<CertificateBody, ApiError> {
        use skillcert_store::issuer_db::StatusAction;
        let id = format!("urn:uuid:{id}");
        let reason = Some(reason).filter(|r| !r.is_empty());
        let action = match change {
            Change::Revoke => StatusAction::Revoke,
            Change::Suspend => StatusAction::Suspend,
            Change::Reinstate => StatusAction::Reinstate,
        };
        self.registry
            .change_status(&id, action, reason, public_reason, actor)?;
        self.lookup_urn(&id)
    }

    /// A certificate's record and its history, by id or number.
    pub fn lookup(&self, id_or_number: &str) -> Result<CertificateBody, ApiError> {
        self.lookup_urn(id_or_number)
    }

    fn lookup_urn(&self, id: &str) -> Result<CertificateBody, ApiError> {
        let record = self.registry.get(id)?;
        let history = self.registry.history(&record.id)?;
        Ok(CertificateBody {
            certificate: record,
            history,
        })
    }

    /// The signed status list credential number `n`, as JSON text, and its freshness limit in
    /// seconds.
    pub fn status_list(&self, n: u32) -> Result<(String, u64), ApiError> {
        // One issuer for both: a reload in between must not mix signer and freshness limit.
        let issuer = self.issuer();
        let v = self
            .registry
            .status_list_credential(&issuer, u64::from(n))?;
        Ok((v.to_string(), issuer.config().status_ttl_secs))
    }
}

/// The print extras (JSON) of a certificate issued through the API: the ID number as the
/// issuer prints it, and its type as the request gave it.
pub fn print_json(issuer: &Issuer, req: &CheckedRequest) -> String {
    let extras = issuer.print_extras(
        skillcert::request::PrintExtras {
            id_type: req.id_type.clone(),
            ..skillcert::request::PrintExtras::default()
        },
        req.national_id.as_deref(),
        Path::new("."),
    );
    serde_json::to_string(&extras).unwrap_or_default()
}

/// The answer for an issued certificate: id, document, token, QR text and the verification
/// page URL.
pub fn issued_body(issuer: &Issuer, issued: &Issued) -> IssuedBody {
    IssuedBody {
        credential_id: issued.claims.id_urn(),
        document: CredentialDocument(issued.document.clone()),
        token: issued.token.clone(),
        qr_text: issued.qr_text.clone(),
        verify_url: verify_url(issuer, issued),
    }
}

/// The verification page of a certificate, as a person would type it (the QR text with the
/// issuer's public URL in its own case).
pub fn verify_url(issuer: &Issuer, issued: &Issued) -> Option<String> {
    let (_, digits) = skillcert::qr::split_qr_text(&issued.qr_text).ok()?;
    Some(format!("{}/V/{digits}", issuer.public_url()))
}

/// The text `parse_bytes` recognises as the QR form for a payload taken from `/V/{payload}`.
pub fn qr_text_for(issuer: &Issuer, payload: &str) -> String {
    format!("{}/V/{}", issuer.public_url(), payload)
}
