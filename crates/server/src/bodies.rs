//! The JSON bodies the service answers with, as types. Handlers serialize these, and the
//! OpenAPI document ([`super::openapi`]) derives its schemas from the same types, so a field
//! added here is described there.
//!
//! The verification report itself is [`skillcert::verify::Report`] (with its
//! [`Check`](skillcert::verify::Check)s and [`Summary`](skillcert::verify::Summary)).

use serde::Serialize;
use serde_json::Value;
use skillcert::verify::Report;
use skillcert_store::issuer_db::{CertificateRecord, Event};
use utoipa::ToSchema;

/// Every error of the service: a code and a sentence.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Error)]
pub struct ErrorBody {
    /// Machine-readable code: `bad_request`, `invalid_json`, `unauthorized`, `not_found`,
    /// `method_not_allowed`, `timeout`, `conflict`, `payload_too_large`, `uri_too_long`,
    /// `unsupported_media_type`, `too_many_requests`, `headers_too_large`, `invalid_request`,
    /// `unavailable` or `internal`.
    pub error: String,
    /// What went wrong, for a person (names the field of a refused request).
    pub message: String,
}

/// The answer for input that is not a certificate at all (verdict `malformed`): the report,
/// plus `error` and `message` as in every error body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MalformedReport {
    /// The report (verdict `malformed`).
    #[serde(flatten)]
    pub report: Report,
    /// Always `malformed`.
    #[schema(value_type = String, pattern = "^malformed$")]
    pub error: &'static str,
    /// The first failure reason.
    pub message: String,
}

/// A signed credential document: W3C Verifiable Credentials 2.0 / Open Badges 3.0, with an
/// embedded Data Integrity proof set (`eddsa-jcs-2022` and `eddsa-rdfc-2022`). Described by
/// those specifications' own JSON Schemas, not here.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(value_type = Object)]
pub struct CredentialDocument(pub Value);

/// One issued certificate: its id, the signed document and its other forms.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedBody {
    /// `urn:uuid:…`.
    pub credential_id: String,
    /// The signed document.
    pub document: CredentialDocument,
    /// The `vc+jwt` token form.
    pub token: String,
    /// The QR text form (`HTTPS://HOST/V/<digits>`).
    pub qr_text: String,
    /// The verification page of the certificate (the QR text as a person types it).
    pub verify_url: Option<String>,
}

/// A request of a batch that was checked but could not be issued.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchFailure {
    /// Its index in the batch.
    pub index: usize,
    /// Error code (as in [`ErrorBody`]).
    pub error: String,
    /// What went wrong.
    pub message: String,
}

/// One result of a batch, in the order of the requests.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum BatchItem {
    /// Issued.
    Issued(IssuedBody),
    /// Not issued.
    Failed(BatchFailure),
}

/// The answer to a batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchBody {
    /// How many were issued.
    pub issued: usize,
    /// How many failed.
    pub failed: usize,
    /// Per request, in order.
    pub results: Vec<BatchItem>,
}

/// A certificate's record and its history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateBody {
    /// The record.
    pub certificate: CertificateRecord,
    /// Every change, oldest first.
    pub history: Vec<Event>,
}

/// `GET /healthz`: the process answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HealthBody {
    /// Always `ok`.
    #[schema(value_type = String, pattern = "^ok$")]
    pub status: &'static str,
    /// The issuer's id (DID).
    pub issuer: String,
    /// skillcert's version.
    #[schema(value_type = String)]
    pub version: &'static str,
}

/// Whether the service can issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Readiness {
    /// The issuer's database takes a write and the data dir has free space.
    Ready,
    /// A check failed (see `reason`).
    NotReady,
}

/// `GET /readyz`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReadyBody {
    /// Ready or not.
    pub status: Readiness,
    /// The failed check (only when not ready).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Serializes a body (the types here cannot fail to serialize).
pub fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".to_owned())
}
