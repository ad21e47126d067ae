//! The JSON bodies the service answers with, as types. Handlers serialize these, and the
//! OpenAPI document ([`super::openapi`]) derives its schemas from the same types, so a field
//! added here is described there.
//!
//! The verification report itself is [`crate::verify::Report`] (with its
//! [`Check`](crate::verify::Check)s and [`Summary`](crate::verify::Summary)).

use crate::registry::{CertStatus, CertificateRecord, Event, RecordState};
use crate::verify::Report;
use serde::Serialize;
use serde_json::Value;
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
/// embedded Data Integrity proof (`eddsa-jcs-2022`). Described by those specifications'
/// own JSON Schemas, not here.
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

/// Where a certificate is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusBody {
    /// Neither revoked nor suspended.
    Active,
    /// Suspended (may be reinstated).
    Suspended,
    /// Revoked (final).
    Revoked,
}

/// Whether the certificate has been signed yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StateBody {
    /// Recorded, not (known to be) signed.
    Pending,
    /// Signed; the document hash is recorded.
    Issued,
}

/// One certificate as the registry knows it. Built from the registry's
/// [`CertificateRecord`] by destructuring every field, so a field the registry gains does not
/// compile until it is added (and so described) here.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordBody {
    /// `urn:uuid:…`.
    pub id: String,
    /// Holder display name.
    pub holder_name: String,
    /// Program name.
    pub program: String,
    /// Program code.
    pub program_code: Option<String>,
    /// Level framework id.
    pub framework: String,
    /// Level value.
    pub level: String,
    /// Issue time (RFC 3339).
    pub issued_at: String,
    /// Verification method of the signing key.
    pub key_id: String,
    /// Revocation status list number and index in it.
    pub revocation: (u64, u32),
    /// Suspension status list number and index in it.
    pub suspension: (u64, u32),
    /// Pending or issued.
    pub state: StateBody,
    /// SHA-256 (hex) of the JCS form of the signed document.
    pub document_sha256: Option<String>,
    /// Current status.
    pub status: StatusBody,
    /// The roster row key, for certificates issued by `issue-batch`.
    pub batch_key: Option<String>,
}

impl From<CertificateRecord> for RecordBody {
    fn from(r: CertificateRecord) -> Self {
        let CertificateRecord {
            id,
            holder_name,
            program,
            program_code,
            framework,
            level,
            issued_at,
            key_id,
            revocation,
            suspension,
            state,
            document_sha256,
            status,
            batch_key,
        } = r;
        RecordBody {
            id,
            holder_name,
            program,
            program_code,
            framework,
            level,
            issued_at,
            key_id,
            revocation,
            suspension,
            state: match state {
                RecordState::Pending => StateBody::Pending,
                RecordState::Issued => StateBody::Issued,
            },
            document_sha256,
            status: match status {
                CertStatus::Active => StatusBody::Active,
                CertStatus::Suspended => StatusBody::Suspended,
                CertStatus::Revoked => StatusBody::Revoked,
            },
            batch_key,
        }
    }
}

/// One event of a certificate's history (built like [`RecordBody`]).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventBody {
    /// Sequence number (global, increasing).
    pub seq: i64,
    /// `issue`, `sign`, `revoke`, `suspend`, `reinstate`.
    pub action: String,
    /// Why.
    pub reason: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// Who (`cli:alice`, `admin-token:…`).
    pub actor: String,
}

impl From<Event> for EventBody {
    fn from(e: Event) -> Self {
        let Event {
            seq,
            action,
            reason,
            at,
            actor,
        } = e;
        EventBody {
            seq,
            action,
            reason,
            at,
            actor,
        }
    }
}

/// A certificate's record and its history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateBody {
    /// The record.
    pub certificate: RecordBody,
    /// Every change, oldest first.
    pub history: Vec<EventBody>,
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
    /// The registry takes a write and the data dir has free space.
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
