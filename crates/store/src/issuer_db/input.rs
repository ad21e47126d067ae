//! What callers give the issuer's database, checked the same way for every front end:
//! certificate ids and the reasons of status changes.

use super::{IssuerDbError, MAX_REASON_CHARS};

/// Parses a certificate id as people give it (command line, admin API path):
/// `urn:uuid:<uuid>` or the bare UUID, hyphenated, in either case. The one id parser of the
/// front ends; [`normalize_id`] is it for the issuer's database's keys.
pub fn parse_id(id: &str) -> Option<uuid::Uuid> {
    let bare = id.strip_prefix("urn:uuid:").unwrap_or(id);
    uuid::Uuid::parse_str(bare)
        .ok()
        .filter(|_| bare.len() == 36)
}

/// Normalises a certificate id ([`parse_id`], surrounding spaces ignored) to its database key
/// `urn:uuid:<lower-case>`.
pub fn normalize_id(id: &str) -> Result<String, IssuerDbError> {
    parse_id(id.trim())
        .map(|u| format!("urn:uuid:{}", u.hyphenated()))
        .ok_or_else(|| IssuerDbError::BadId(id.chars().take(80).collect()))
}

/// Why a status-change reason was refused ([`check_reason`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasonError {
    /// Empty or absent where a reason is required.
    Missing,
    /// Too long or with control characters (names the field).
    Invalid(skillcert::model::ModelError),
}

/// Checks the reason of a status change, for every front end: trimmed and NFC-normalised, at
/// most [`MAX_REASON_CHARS`] characters, no control characters; empty or absent is `None`,
/// or [`ReasonError::Missing`] when `required`. `field` names it in messages (`--reason` on
/// the command line, `reason` in the API).
pub fn check_reason(
    field: &str,
    reason: Option<&str>,
    required: bool,
) -> Result<Option<String>, ReasonError> {
    match reason.map(str::trim) {
        None | Some("") if required => Err(ReasonError::Missing),
        None | Some("") => Ok(None),
        Some(r) => skillcert::model::normalize_text(field, r, MAX_REASON_CHARS)
            .map(Some)
            .map_err(ReasonError::Invalid),
    }
}

/// [`check_reason`] as the issuer's database's own methods (the command line) report it.
pub(super) fn cli_reason(
    reason: Option<&str>,
    required: bool,
) -> Result<Option<String>, IssuerDbError> {
    check_reason("--reason", reason, required).map_err(|e| match e {
        ReasonError::Missing => IssuerDbError::Invalid("--reason: a reason is required".into()),
        ReasonError::Invalid(e) => IssuerDbError::Invalid(e.to_string()),
    })
}
