//! What the issuer's database holds and answers with: a certificate's record and state, the
//! events of its history, its status lists.

use serde::Serialize;
use skillcert::model::StatusPurpose;

/// Where a certificate is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CertStatus {
    /// Neither revoked nor suspended.
    Active,
    /// Suspended (may be reinstated).
    Suspended,
    /// Revoked (final).
    Revoked,
}

/// Whether the certificate has been signed yet (see the module docs on crashes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// Recorded, not (known to be) signed.
    Pending,
    /// Signed; the document hash is recorded.
    Issued,
}

/// One certificate as the issuer's database knows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateRecord {
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
    /// Revocation list number and index.
    pub revocation: (u64, u32),
    /// Suspension list number and index.
    pub suspension: (u64, u32),
    /// Pending or issued.
    pub state: RecordState,
    /// SHA-256 (hex) of the JCS form of the signed document.
    pub document_sha256: Option<String>,
    /// Current status.
    pub status: CertStatus,
    /// The roster row key, for certificates issued by `issue-batch`.
    pub batch_key: Option<String>,
    /// The certificate number (none for certificates recorded before numbers existed).
    pub number: Option<String>,
}

/// One event of a certificate's history.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Event {
    /// Sequence number (global, increasing).
    pub seq: i64,
    /// `issue`, `sign`, `revoke`, `suspend`, `reinstate`.
    pub action: String,
    /// Why.
    pub reason: Option<String>,
    /// When (RFC 3339).
    pub at: String,
    /// Who (`cli:alice`, `api:…`).
    pub actor: String,
    /// The reason published with a revocation or suspension (shown to whoever verifies).
    pub public_reason: Option<String>,
}

/// One status list.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ListInfo {
    /// List number (the `{n}` of `/status/{n}`).
    pub number: u64,
    /// Its purpose.
    pub purpose: StatusPurpose,
    /// Entries.
    pub size: u64,
    /// Entries allocated.
    pub used: u64,
    /// Bumped on every bit change.
    pub version: u64,
}
