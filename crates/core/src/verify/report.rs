//! What a verification tells its reader: the [`Report`] with every [`Check`] (each named by a
//! [`CheckName`]), and the [`Format`] the certificate came in.

use super::{ParseError, Summary, Verdict};
use crate::model::StatusPurpose;
use serde::Serialize;

/// Which form of a certificate came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// JSON document with an embedded proof.
    Document,
    /// `vc+jwt` compact JWS.
    Token,
    /// QR text (URL with the compact signed payload).
    Qr,
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Passed.
    Pass,
    /// Failed (see the reason).
    Fail,
    /// Not run (see the reason).
    Skip,
    /// Passed with a caveat (for example a stale status list accepted on request).
    Warn,
}

/// What one check of a verification looked at: the `name` of each of a report's `checks`.
///
/// Every name a report can carry, in the order a run pushes them:
///
/// | variant | JSON name | what it checks |
/// |---|---|---|
/// | [`Parse`](Self::Parse) | `parse` | the input is a well-formed document, token or QR text |
/// | [`Certificate`](Self::Certificate) | `certificate` | it is an `OpenBadgeCredential` about an `AchievementSubject` |
/// | [`Issuer`](Self::Issuer) | `issuer` | the issuer and its key are on a trust list |
/// | [`Signature`](Self::Signature) | `signature` | the Ed25519 signature (every proof of a proof set) verifies |
/// | [`KeyWindow`](Self::KeyWindow) | `key_window` | the key was valid for signing at the signing time |
/// | [`Accreditation`](Self::Accreditation) | `accreditation` | under a scheme: the issuer was accredited for this certificate |
/// | [`Registry`](Self::Registry) | `registry` | the issuer's own database recorded the certificate |
/// | [`QrHost`](Self::QrHost) | `qr_host` | the QR code points to the issuer's own address |
/// | [`ValidFrom`](Self::ValidFrom) | `valid_from` | `validFrom` is not in the future |
/// | [`ValidUntil`](Self::ValidUntil) | `valid_until` | `validUntil` is not past |
/// | [`Status`](Self::Status) | `status` | skipped status checks (no entries, or not authentic) |
/// | [`StatusRevocation`](Self::StatusRevocation) | `status.revocation` | the revocation bit is clear |
/// | [`StatusSuspension`](Self::StatusSuspension) | `status.suspension` | the suspension bit is clear |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CheckName {
    /// `parse`: the input is well formed.
    #[serde(rename = "parse")]
    Parse,
    /// `certificate`: the credential is a skill certificate.
    #[serde(rename = "certificate")]
    Certificate,
    /// `issuer`: the issuer and its key are trusted.
    #[serde(rename = "issuer")]
    Issuer,
    /// `signature`: the signature verifies.
    #[serde(rename = "signature")]
    Signature,
    /// `key_window`: the key was valid for signing when it signed.
    #[serde(rename = "key_window")]
    KeyWindow,
    /// `accreditation`: under a scheme, the issuer was accredited for this certificate.
    #[serde(rename = "accreditation")]
    Accreditation,
    /// `registry`: the issuer's own database recorded the certificate.
    #[serde(rename = "registry")]
    Registry,
    /// `qr_host`: the QR code points to the issuer's own address.
    #[serde(rename = "qr_host")]
    QrHost,
    /// `valid_from`: the credential is in force already.
    #[serde(rename = "valid_from")]
    ValidFrom,
    /// `valid_until`: the credential is in force still.
    #[serde(rename = "valid_until")]
    ValidUntil,
    /// `status`: the status checks, when none ran (no entries, or not authentic).
    #[serde(rename = "status")]
    Status,
    /// `status.revocation`: the revocation bit.
    #[serde(rename = "status.revocation")]
    StatusRevocation,
    /// `status.suspension`: the suspension bit.
    #[serde(rename = "status.suspension")]
    StatusSuspension,
}

impl CheckName {
    /// Every check name.
    pub const ALL: [CheckName; 13] = [
        CheckName::Parse,
        CheckName::Certificate,
        CheckName::Issuer,
        CheckName::Signature,
        CheckName::KeyWindow,
        CheckName::Accreditation,
        CheckName::Registry,
        CheckName::QrHost,
        CheckName::ValidFrom,
        CheckName::ValidUntil,
        CheckName::Status,
        CheckName::StatusRevocation,
        CheckName::StatusSuspension,
    ];

    /// The name as the JSON report spells it (`key_window`, `status.revocation`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            CheckName::Parse => "parse",
            CheckName::Certificate => "certificate",
            CheckName::Issuer => "issuer",
            CheckName::Signature => "signature",
            CheckName::KeyWindow => "key_window",
            CheckName::Accreditation => "accreditation",
            CheckName::Registry => "registry",
            CheckName::QrHost => "qr_host",
            CheckName::ValidFrom => "valid_from",
            CheckName::ValidUntil => "valid_until",
            CheckName::Status => "status",
            CheckName::StatusRevocation => "status.revocation",
            CheckName::StatusSuspension => "status.suspension",
        }
    }

    /// The check of a status entry with this purpose.
    pub const fn status_of(purpose: StatusPurpose) -> CheckName {
        match purpose {
            StatusPurpose::Revocation => CheckName::StatusRevocation,
            StatusPurpose::Suspension => CheckName::StatusSuspension,
        }
    }
}

impl std::fmt::Display for CheckName {
    /// The JSON name; width and alignment apply (`{:<18}`).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// One check of a verification.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    /// What was checked (see [`CheckName`] for every name).
    pub name: CheckName,
    /// Outcome.
    pub outcome: Outcome,
    /// Why.
    pub reason: String,
    /// The verdict a failure of this check leads to.
    #[serde(skip)]
    pub fails_as: Option<Verdict>,
}

/// The full result of one verification: what `verify --json` prints.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    /// The verdict.
    pub verdict: Verdict,
    /// `verdict == valid`.
    pub valid: bool,
    /// The form that came in.
    pub format: Format,
    /// The claims shown.
    #[serde(flatten)]
    pub summary: Summary,
    /// What the verdict means, in Chinese, for the person who reads it (with the date of a
    /// revocation or suspension and the issuer's published reason, when known).
    pub message_zh: String,
    /// What the verdict means, in English.
    pub message_en: String,
    /// Every check.
    pub checks: Vec<Check>,
    /// Caveats the reader must see (for example: a stale status list was accepted).
    pub notes: Vec<String>,
    /// Under a scheme: the authority whose signed trust list accredits the issuer, and for
    /// what (absent when the issuer is trusted directly, or not at all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accredited_by: Option<AccreditedBy>,
}

/// The accreditation a credential was trusted under (see [`Report::accredited_by`]).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccreditedBy {
    /// The authority's DID.
    pub authority: String,
    /// Its display name.
    pub authority_name: String,
    /// What the issuer is accredited for, in words (`frameworks cn-nvq; levels 2, 3`).
    pub scope: String,
    /// The same in Chinese (`职业标准 cn-nvq；职业编码 6-18-01-01；等级 3、4`).
    pub scope_zh: String,
    /// Start of the accreditation, if the list gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accredited_from: Option<String>,
}

impl Report {
    /// A `malformed` report for input that could not be parsed.
    pub fn malformed(format: Format, reason: impl Into<String>) -> Report {
        Report {
            verdict: Verdict::Malformed,
            valid: false,
            format,
            summary: Summary::default(),
            message_zh: String::new(),
            message_en: String::new(),
            checks: vec![Check {
                name: CheckName::Parse,
                outcome: Outcome::Fail,
                reason: reason.into(),
                fails_as: Some(Verdict::Malformed),
            }],
            notes: vec![],
            accredited_by: None,
        }
        .explained(&super::explain::Facts::default())
    }

    /// The report with its messages set from its verdict and `facts`.
    pub(super) fn explained(mut self, facts: &super::explain::Facts) -> Report {
        let (zh, en) = super::explain::explain(self.verdict, facts);
        self.message_zh = zh;
        self.message_en = en;
        self
    }

    /// The reasons of the failed checks, joined.
    pub fn failure_reasons(&self) -> Vec<&str> {
        self.checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail)
            .map(|c| c.reason.as_str())
            .collect()
    }
}

impl From<ParseError> for Report {
    /// The `malformed` report for input that could not be parsed: the parse error is the
    /// reason.
    fn from(e: ParseError) -> Report {
        Report::malformed(e.format(), e.to_string())
    }
}

/// The checks of one run, its notes, and the status changes its status checks found.
#[derive(Default)]
pub(super) struct Checks {
    pub(super) checks: Vec<Check>,
    pub(super) notes: Vec<String>,
    pub(super) changes: Vec<(Verdict, super::StatusChange)>,
}

impl Checks {
    pub(super) fn push(
        &mut self,
        name: CheckName,
        outcome: Outcome,
        reason: String,
        fails_as: Option<Verdict>,
    ) {
        self.checks.push(Check {
            name,
            outcome,
            reason,
            fails_as,
        });
    }

    pub(super) fn fail(&mut self, name: CheckName, reason: String, verdict: Verdict) {
        self.push(name, Outcome::Fail, reason, Some(verdict));
    }
}

pub(super) fn format_name(f: Format) -> &'static str {
    match f {
        Format::Document => "document",
        Format::Token => "token",
        Format::Qr => "QR",
    }
}

#[cfg(test)]
mod tests {
    use super::CheckName;

    #[test]
    fn each_check_name_serializes_as_its_name() {
        for n in CheckName::ALL {
            let json = serde_json::to_string(&n).unwrap();
            assert_eq!(json, format!("\"{}\"", n.as_str()), "{n:?}");
            assert_eq!(format!("{n:<18}|"), format!("{:<18}|", n.as_str()));
        }
        let mut names: Vec<_> = CheckName::ALL.iter().map(|n| n.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CheckName::ALL.len());
    }
}
