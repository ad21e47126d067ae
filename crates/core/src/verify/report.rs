//! What a verification tells its reader: the [`Report`] with every [`Check`], and the
//! [`Format`] the certificate came in.

use super::{ParseError, Summary, Verdict};
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

/// One check of a verification.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Check {
    /// `parse`, `issuer`, `signature`, `key_window`, `valid_from`, `valid_until`, `status.revocation`, `status.suspension`.
    pub name: String,
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
                name: "parse".into(),
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
        name: &str,
        outcome: Outcome,
        reason: String,
        fails_as: Option<Verdict>,
    ) {
        self.checks.push(Check {
            name: name.into(),
            outcome,
            reason,
            fails_as,
        });
    }

    pub(super) fn fail(&mut self, name: &str, reason: String, verdict: Verdict) {
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
