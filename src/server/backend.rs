//! The service's link to the issuer's data: issuing, the registry's status changes and
//! look-ups, status list credentials, and the verifier the service uses for its own issuer.
//! Each integration point with the registry, status and QR modules is one function here.

use super::errors::ApiError;
use crate::issuer::{Issued, Issuer};
use crate::request::CheckedRequest;
use crate::verify::Verifier;
use serde_json::{json, Value};

/// What the service holds of the issuer's data dir.
#[derive(Debug)]
pub struct Backend {
    issuer: Issuer,
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

impl Backend {
    /// Opens the backend over an opened issuer.
    pub fn open(issuer: Issuer) -> Result<Backend, ApiError> {
        Ok(Backend { issuer })
    }

    /// The issuer.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The verifier for this service: trusts the issuer's own keys; status from the registry.
    pub fn verifier(&self) -> Verifier {
        Verifier::builder(self.issuer.trust_list()).build()
    }

    /// Issues one certificate.
    pub fn issue(&self, req: &CheckedRequest) -> Result<Issued, ApiError> {
        self.issuer
            .issue_unregistered(req)
            .map_err(|e| ApiError::Unprocessable(e.to_string()))
    }

    /// Applies a status change; returns the certificate's record afterwards.
    pub fn change(
        &self,
        id: &uuid::Uuid,
        change: Change,
        _reason: &str,
        _actor: &str,
    ) -> Result<Value, ApiError> {
        Err(ApiError::Unavailable(format!(
            "cannot {} urn:uuid:{id}: this build has no registry",
            change.as_str()
        )))
    }

    /// A certificate's record and its history.
    pub fn lookup(&self, id: &uuid::Uuid) -> Result<Value, ApiError> {
        Err(ApiError::NotFound(format!(
            "urn:uuid:{id}: this build has no registry to look certificates up in"
        )))
    }

    /// The signed status list credential number `n`, as JSON text, and its freshness limit in
    /// seconds.
    pub fn status_list(&self, n: u32) -> Result<(String, u64), ApiError> {
        Err(ApiError::NotFound(format!("no status list {n}")))
    }
}

/// The JSON answer for an issued certificate: id, document and, when the build makes them, the
/// token, the QR text and the verification page URL.
pub fn issued_json(issuer: &Issuer, issued: &Issued) -> Value {
    let _ = issuer;
    json!({
        "credential_id": issued.claims.id_urn(),
        "document": issued.document,
    })
}

/// The text `parse_bytes` recognises as the QR form for a payload taken from `/V/{payload}`.
pub fn qr_text_for(issuer: &Issuer, payload: &str) -> String {
    format!("{}/V/{}", issuer.public_url(), payload)
}
