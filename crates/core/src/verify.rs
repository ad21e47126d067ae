//! Verification: from untrusted input to exactly one [`Verdict`].
//!
//! Parsing gives an [`UnverifiedCredential`]; only [`UnverifiedCredential::verify`] with a
//! [`Verifier`] gives a [`VerifiedCredential`]. Every run produces a [`Report`] with each check's
//! outcome and reason. The verifier fails closed: a status that could not be had is
//! `status_unknown`, never `valid`, unless the caller opted out with a call whose name says so.

use crate::keys;
use crate::model::format_time;
use crate::trust::TrustStore;
use chrono::{DateTime, Utc};
use report::{format_name, Checks};
use std::sync::Arc;

mod authenticity;
mod certificate;
mod credential;
mod error;
mod explain;
mod many;
pub mod rdfc_display;
mod report;
mod source;
mod standing;
mod summary;
mod verdict;

pub use certificate::certificate_problem;
pub(crate) use credential::Parts;
pub use credential::{Rejected, UnverifiedCredential, VerifiedCredential};
pub use error::{ParseError, QrError, TokenError};
pub use explain::{date_en, date_zh};
pub use report::{AccreditedBy, Check, CheckName, Format, Outcome, Report};
pub use source::{
    NoStatusSource, Registered, StatusBit, StatusChange, StatusLookupError, StatusSource,
};
pub use summary::Summary;
pub use verdict::Verdict;

/// Largest document accepted for verification (256 KiB).
pub const MAX_DOCUMENT: usize = 256 << 10;

/// Checks credentials against a trust list and status sources.
#[derive(Clone)]
pub struct Verifier {
    trust: Arc<TrustStore>,
    status: Arc<dyn StatusSource>,
    now: Option<DateTime<Utc>>,
    accept_stale: bool,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("trust_lists", &self.trust.sources().len())
            .field("accept_stale", &self.accept_stale)
            .finish()
    }
}

/// Builds a [`Verifier`]. Defaults are strict: an empty trust list is refused, no status source
/// (so credentials with status entries are `status_unknown`), stale lists refused, the clock is
/// the system clock. Each default is weakened only by a call that names what it weakens.
pub struct VerifierBuilder {
    v: Verifier,
    allow_empty_trust: bool,
}

impl VerifierBuilder {
    /// Where status lists come from.
    pub fn status_source(mut self, s: Arc<dyn StatusSource>) -> Self {
        self.v.status = s;
        self
    }
    /// Verify as of this time instead of now.
    pub fn at_time(mut self, t: DateTime<Utc>) -> Self {
        self.v.now = Some(t);
        self
    }
    /// Opt-out: accept status lists past their freshness limit. Every report says so.
    pub fn accept_stale_status_lists(mut self) -> Self {
        self.v.accept_stale = true;
        self
    }
    /// Opt-out: build even when the trust list names no issuer key. Such a verifier answers
    /// `untrusted_issuer` for every credential (the CLI without a trust list); without this
    /// call [`build`](Self::build) refuses it as a misconfiguration.
    pub fn allow_empty_trust_list(mut self) -> Self {
        self.allow_empty_trust = true;
        self
    }
    /// The verifier, or why it would be misconfigured (an empty trust list, unless
    /// [`allow_empty_trust_list`](Self::allow_empty_trust_list) was called).
    pub fn build(self) -> Result<Verifier, VerifierError> {
        if !self.v.trust.names_a_key() && !self.allow_empty_trust {
            return Err(VerifierError::EmptyTrustList);
        }
        Ok(self.v)
    }
}

/// Why a [`Verifier`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifierError {
    /// The trust list names no issuer key: every credential would be `untrusted_issuer`.
    #[error(
        "the trust list names no issuer key, so no credential could ever verify \
         (call allow_empty_trust_list() if that is meant)"
    )]
    EmptyTrustList,
}

impl Verifier {
    /// A builder over a trust list (a [`TrustList`](crate::trust::TrustList) given directly)
    /// or several ([`TrustStore`]: lists signed by their authorities, with scopes).
    pub fn builder(trust: impl Into<TrustStore>) -> VerifierBuilder {
        VerifierBuilder {
            v: Verifier {
                trust: Arc::new(trust.into()),
                status: Arc::new(NoStatusSource),
                now: None,
                accept_stale: false,
            },
            allow_empty_trust: false,
        }
    }

    /// The trust lists.
    pub fn trust(&self) -> &TrustStore {
        &self.trust
    }

    /// The status source.
    pub fn status_source(&self) -> &Arc<dyn StatusSource> {
        &self.status
    }

    fn now(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }

    /// Verifies: a [`VerifiedCredential`] only when every check passes; else a [`Rejected`]
    /// whose report says why.
    pub fn verify(&self, u: UnverifiedCredential) -> Result<VerifiedCredential, Rejected> {
        let report = self.run(&u, self.now(), &Strict);
        if report.verdict == Verdict::Valid {
            Ok(VerifiedCredential::new(u, report))
        } else {
            Err(Rejected::checked(report))
        }
    }

    /// Verifies and gives the report, whatever the verdict.
    pub fn check(&self, u: UnverifiedCredential) -> Report {
        match self.verify(u) {
            Ok(v) => v.into_report(),
            Err(r) => r.into_report(),
        }
    }

    /// Runs every check as of `now` and gives the report; `sigs` answers the signature checks.
    fn run(&self, u: &UnverifiedCredential, now: DateTime<Utc>, sigs: &dyn Signatures) -> Report {
        let mut c = Checks::default();
        check_form(u, &mut c);
        let (authentic, accredited_by) = self.check_key(u, now, sigs, &mut c);
        self.check_registry(u, &mut c);
        check_qr_host(u, &mut c);
        check_dates(u, now, &mut c);
        // Status: only for an authentic credential (a failed signature or issuer check already
        // decides the verdict, which outranks every status verdict), so that nothing else can
        // make the verifier send a request.
        if authentic {
            self.check_status(u, now, &mut c);
        } else {
            c.push(
                CheckName::Status,
                Outcome::Skip,
                "not checked: status lists are consulted only for a credential whose signature \
                 and issuer are trusted"
                    .into(),
                None,
            );
        }
        let verdict = Verdict::of_failures(
            c.checks
                .iter()
                .filter(|c| c.outcome == Outcome::Fail)
                .filter_map(|c| c.fails_as),
        );
        let facts = facts_of(u, &c, verdict);
        Report {
            verdict,
            valid: verdict == Verdict::Valid,
            format: u.format,
            summary: u.summary.clone(),
            message_zh: String::new(),
            message_en: String::new(),
            checks: c.checks,
            notes: c.notes,
            accredited_by,
        }
        .explained(&facts)
    }
}

/// The `parse` check (it passed: the credential was parsed) and the `certificate` check.
fn check_form(u: &UnverifiedCredential, c: &mut Checks) {
    c.push(
        CheckName::Parse,
        Outcome::Pass,
        format!("well-formed {}", format_name(u.format)),
        None,
    );
    match &u.not_certificate {
        None => c.push(
            CheckName::Certificate,
            Outcome::Pass,
            "an OpenBadgeCredential about an AchievementSubject".into(),
            None,
        ),
        Some(why) => c.fail(CheckName::Certificate, why.clone(), Verdict::Malformed),
    }
}

/// What the explanation of `verdict` may mention: the status change that decided it, the
/// dates, and for `untrusted_issuer` which check decided it.
fn facts_of(u: &UnverifiedCredential, c: &Checks, verdict: Verdict) -> explain::Facts {
    explain::Facts {
        change: c
            .changes
            .iter()
            .find(|(v, _)| *v == verdict)
            .map(|(_, ch)| ch.clone()),
        valid_from: u.valid_from,
        valid_until: u.valid_until,
        untrusted: deciding_check(&c.checks, verdict).and_then(explain::UntrustedWhy::of),
    }
}

/// The name of the first failed check that leads to `verdict`.
fn deciding_check(checks: &[Check], verdict: Verdict) -> Option<CheckName> {
    checks
        .iter()
        .find(|c| c.outcome == Outcome::Fail && c.fails_as == Some(verdict))
        .map(|c| c.name)
}

/// For the QR form: whether the URL it was found behind is the issuer's own. A genuine payload
/// behind another host still verifies (the signature is what counts, and the verdict does not
/// change), but whoever scans such a code lands on someone else's page first, so the report
/// warns and names the address the issuer's codes carry: the issuer's signed `url`, else the
/// host of its `did:web` id. Issuers with neither (a `did:key` without a URL) are not checked.
fn check_qr_host(u: &UnverifiedCredential, c: &mut Checks) {
    let Some(actual) = &u.qr_prefix else { return };
    let url = u.claims.as_ref().and_then(|cl| cl.issuer.url.clone());
    let Some(expected) = url.or_else(|| crate::model::address::did_web_url(&u.issuer_id)) else {
        return;
    };
    let expected = crate::model::address::qr_url_prefix(&expected);
    if actual.eq_ignore_ascii_case(&expected) {
        c.push(
            CheckName::QrHost,
            Outcome::Pass,
            format!("the QR code points to the issuer's own address {expected}"),
            None,
        );
    } else {
        let why = format!(
            "this QR code points to {actual} but {} issues codes that point to {expected}: \
             open the certificate there, not at the address in this code",
            u.issuer_id
        );
        c.notes.push(why.clone());
        c.push(CheckName::QrHost, Outcome::Warn, why, None);
    }
}

/// `validFrom` and `validUntil` against `now`.
fn check_dates(u: &UnverifiedCredential, now: DateTime<Utc>, c: &mut Checks) {
    match u.valid_from {
        Some(t) if now < t => c.fail(
            CheckName::ValidFrom,
            format!("not valid before {}", format_time(&t)),
            Verdict::NotYetValid,
        ),
        Some(t) => c.push(
            CheckName::ValidFrom,
            Outcome::Pass,
            format!("valid from {}", format_time(&t)),
            None,
        ),
        None => c.push(
            CheckName::ValidFrom,
            Outcome::Skip,
            "no validFrom".into(),
            None,
        ),
    }
    match u.valid_until {
        Some(t) if now >= t => c.fail(
            CheckName::ValidUntil,
            format!("expired at {}", format_time(&t)),
            Verdict::Expired,
        ),
        Some(t) => c.push(
            CheckName::ValidUntil,
            Outcome::Pass,
            format!("valid until {}", format_time(&t)),
            None,
        ),
        None => c.push(
            CheckName::ValidUntil,
            Outcome::Pass,
            "no expiry".into(),
            None,
        ),
    }
}

/// Answers "does this signature verify with this key": [`Strict`] checks it there and then;
/// a batch ([`Verifier::check_many`]) answers from results computed beforehand.
trait Signatures {
    fn verifies(&self, key: &ed25519_dalek::VerifyingKey, msg: &[u8], sig: &[u8; 64]) -> bool;
}

/// Each signature checked when asked, with [`keys::verify_strict`].
struct Strict;

impl Signatures for Strict {
    fn verifies(&self, key: &ed25519_dalek::VerifyingKey, msg: &[u8], sig: &[u8; 64]) -> bool {
        keys::verify_strict(key, msg, sig)
    }
}
