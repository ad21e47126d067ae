//! The service's link to the issuer's data: issuing, the registry's status changes and
//! look-ups, status list credentials, and the verifier the service uses for its own issuer.
//! Each integration point with the registry, status and QR modules is one function here.

use super::errors::ApiError;
use crate::issuer::{Issued, Issuer};
use crate::registry::{Registry, RegistryError};
use crate::request::CheckedRequest;
use crate::status::source::RegistryStatusSource;
use crate::verify::Verifier;
use serde_json::{json, Value};
use std::sync::Arc;

/// What the service holds of the issuer's data dir: the issuer and its registry.
#[derive(Debug)]
pub struct Backend {
    issuer: Issuer,
    registry: Arc<Registry>,
}

/// A status change asked of the registry.
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

/// Registry errors as API errors: unknown id 404, bad id 400, refused change 409, bad
/// argument 422; database failures are internal (logged, not shown).
impl From<RegistryError> for ApiError {
    fn from(e: RegistryError) -> Self {
        match e {
            RegistryError::NotFound(_) | RegistryError::NoSuchList(_) => {
                ApiError::NotFound(e.to_string())
            }
            RegistryError::BadId(_) => ApiError::BadRequest(e.to_string()),
            RegistryError::Revoked(_)
            | RegistryError::NotSuspended(_)
            | RegistryError::AlreadySuspended(_) => ApiError::Conflict(e.to_string()),
            RegistryError::Invalid(_) | RegistryError::Issuer(_) => {
                ApiError::Unprocessable(e.to_string())
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl Backend {
    /// Opens the backend over an opened issuer: opens (creating if needed) its registry.
    pub fn open(issuer: Issuer) -> Result<Backend, ApiError> {
        let registry = Registry::open(issuer.dir())
            .map_err(|e| ApiError::Unavailable(format!("registry: {e}")))?;
        Ok(Backend {
            issuer,
            registry: Arc::new(registry),
        })
    }

    /// The issuer.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The registry.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// The verifier for this service: trusts the issuer's own keys; status from the registry
    /// (current, never stale). Credentials of other issuers are `untrusted_issuer`.
    pub fn verifier(&self) -> Verifier {
        let c = self.issuer.config();
        let source =
            RegistryStatusSource::new(self.registry.clone(), &c.id, self.issuer.public_url());
        Verifier::builder(self.issuer.trust_list())
            .status_source(Arc::new(source))
            .build()
    }

    /// Issues one certificate through the registry.
    pub fn issue(&self, req: &CheckedRequest) -> Result<Issued, ApiError> {
        Ok(self.registry.issue(&self.issuer, req)?)
    }

    /// Applies a status change; returns the certificate's record and history afterwards.
    pub fn change(
        &self,
        id: &uuid::Uuid,
        change: Change,
        reason: &str,
        actor: &str,
    ) -> Result<Value, ApiError> {
        let id = format!("urn:uuid:{id}");
        let reason = Some(reason).filter(|r| !r.is_empty());
        match change {
            Change::Revoke => self.registry.revoke(&id, reason.unwrap_or(""), actor)?,
            Change::Suspend => self.registry.suspend(&id, reason, actor)?,
            Change::Reinstate => self.registry.reinstate(&id, reason, actor)?,
        };
        self.lookup_urn(&id)
    }

    /// A certificate's record and its history.
    pub fn lookup(&self, id: &uuid::Uuid) -> Result<Value, ApiError> {
        self.lookup_urn(&format!("urn:uuid:{id}"))
    }

    fn lookup_urn(&self, id: &str) -> Result<Value, ApiError> {
        let record = self.registry.get(id)?;
        let history = self.registry.history(id)?;
        Ok(json!({"certificate": record, "history": history}))
    }

    /// The signed status list credential number `n`, as JSON text, and its freshness limit in
    /// seconds.
    pub fn status_list(&self, n: u32) -> Result<(String, u64), ApiError> {
        let v = self
            .registry
            .status_list_credential(&self.issuer, u64::from(n))?;
        Ok((v.to_string(), self.issuer.config().status_ttl_secs))
    }
}

/// The JSON answer for an issued certificate: id, document and, when the build makes them, the
/// token, the QR text and the verification page URL.
pub fn issued_json(issuer: &Issuer, issued: &Issued) -> Value {
    json!({
        "credential_id": issued.claims.id_urn(),
        "document": issued.document,
        "token": issued.token,
        "qr_text": issued.qr_text,
        "verify_url": verify_url(issuer, issued),
    })
}

/// The verification page of a certificate, as a person would type it (the QR text with the
/// issuer's public URL in its own case).
pub fn verify_url(issuer: &Issuer, issued: &Issued) -> Option<String> {
    let (_, digits) = crate::qr::split_qr_text(&issued.qr_text).ok()?;
    Some(format!("{}/V/{digits}", issuer.public_url()))
}

/// The text `parse_bytes` recognises as the QR form for a payload taken from `/V/{payload}`.
pub fn qr_text_for(issuer: &Issuer, payload: &str) -> String {
    format!("{}/V/{}", issuer.public_url(), payload)
}
