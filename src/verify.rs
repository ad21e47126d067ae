//! Verification: from untrusted input to exactly one [`Verdict`].
//!
//! Parsing gives an [`UnverifiedCredential`]; only [`UnverifiedCredential::verify`] with a
//! [`Verifier`] gives a [`VerifiedCredential`]. Every run produces a [`Report`] with each check's
//! outcome and reason. The verifier fails closed: a status that could not be had is
//! `status_unknown`, never `valid`, unless the caller opted out with a call whose name says so.

use crate::jcs;
use crate::keys;
use crate::model::{format_time, parse_time, Claims, StatusPurpose, StatusRef};
use crate::proof;
use crate::trust::{ParsedKeys, TrustList};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

mod certificate;
mod source;
mod summary;

pub use certificate::certificate_problem;
pub use source::{NoStatusSource, Registered, StatusBit, StatusSource};
pub use summary::Summary;

/// Largest document accepted for verification (256 KiB).
pub const MAX_DOCUMENT: usize = 256 << 10;

/// The one word every check ends in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Not a credential we can read.
    Malformed,
    /// The signature does not verify.
    BadSignature,
    /// Not signed by a trusted issuer's key.
    UntrustedIssuer,
    /// Revoked (final).
    Revoked,
    /// Suspended (may be lifted).
    Suspended,
    /// Past `validUntil`.
    Expired,
    /// Before `validFrom`.
    NotYetValid,
    /// The status could not be established.
    StatusUnknown,
    /// Genuine and in force.
    Valid,
}

impl Verdict {
    /// The verdict word (`valid`, `revoked`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Revoked => "revoked",
            Verdict::Suspended => "suspended",
            Verdict::Expired => "expired",
            Verdict::NotYetValid => "not_yet_valid",
            Verdict::UntrustedIssuer => "untrusted_issuer",
            Verdict::BadSignature => "bad_signature",
            Verdict::Malformed => "malformed",
            Verdict::StatusUnknown => "status_unknown",
        }
    }

    /// All verdicts.
    pub const ALL: [Verdict; 9] = [
        Verdict::Valid,
        Verdict::Revoked,
        Verdict::Suspended,
        Verdict::Expired,
        Verdict::NotYetValid,
        Verdict::UntrustedIssuer,
        Verdict::BadSignature,
        Verdict::Malformed,
        Verdict::StatusUnknown,
    ];
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which form of a certificate came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
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
    /// Every check.
    pub checks: Vec<Check>,
    /// Caveats the reader must see (for example: a stale status list was accepted).
    pub notes: Vec<String>,
}

impl Report {
    /// A `malformed` report for input that could not be parsed.
    pub fn malformed(format: Format, reason: impl Into<String>) -> Report {
        Report {
            verdict: Verdict::Malformed,
            valid: false,
            format,
            summary: Summary::default(),
            checks: vec![Check {
                name: "parse".into(),
                outcome: Outcome::Fail,
                reason: reason.into(),
                fails_as: Some(Verdict::Malformed),
            }],
            notes: vec![],
        }
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

/// A credential parsed from untrusted input, not yet verified.
#[derive(Debug, Clone)]
pub struct UnverifiedCredential {
    /// The form it came in.
    pub format: Format,
    /// The claims, when the credential is a well-formed skillcert certificate.
    pub claims: Option<Claims>,
    /// Display claims.
    pub summary: Summary,
    /// The issuer id the credential names.
    pub issuer_id: String,
    /// The key it says signed it (verification method or `kid`).
    pub key_id: String,
    /// When it says it was signed.
    pub signed_at: Option<DateTime<Utc>>,
    /// The bytes the Ed25519 signature covers.
    pub message: Vec<u8>,
    /// The Ed25519 signature.
    pub signature: [u8; 64],
    /// `validFrom`.
    pub valid_from: Option<DateTime<Utc>>,
    /// `validUntil`.
    pub valid_until: Option<DateTime<Utc>>,
    /// Status entries.
    pub status: Vec<StatusRef>,
    /// Why it is not a skill certificate (`None`: it is one). See [`certificate_problem`].
    pub not_certificate: Option<String>,
}

/// A credential that passed every check.
#[derive(Debug, Clone)]
pub struct VerifiedCredential {
    /// The claims, when it is a skillcert certificate.
    pub claims: Option<Claims>,
    /// The report (verdict `valid`, possibly with notes).
    pub report: Report,
}

impl UnverifiedCredential {
    /// Parses a secured JSON document (`eddsa-jcs-2022`). The error text names the field.
    pub fn from_document_bytes(bytes: &[u8]) -> Result<Self, String> {
        let v = jcs::parse_strict(bytes, MAX_DOCUMENT).map_err(|e| e.to_string())?;
        Self::from_document(&v)
    }

    /// Parses a secured JSON document already read as JSON.
    pub fn from_document(doc: &Value) -> Result<Self, String> {
        if !doc.is_object() {
            return Err("$: a credential document must be a JSON object".into());
        }
        let prepared = proof::prepare(doc).map_err(|e| e.to_string())?;
        let issuer_id = match doc.get("issuer") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Object(o)) => o
                .get("id")
                .and_then(Value::as_str)
                .ok_or("issuer.id: missing or not a string")?
                .to_owned(),
            _ => return Err("issuer: missing, must be a string or an object with id".into()),
        };
        let claims = Claims::from_document(doc).ok();
        let time = |k: &str| -> Result<Option<DateTime<Utc>>, String> {
            match doc.get(k) {
                None => Ok(None),
                Some(Value::String(s)) => parse_time(k, s).map(Some).map_err(|e| e.to_string()),
                Some(_) => Err(format!("{k}: must be a string")),
            }
        };
        let status =
            StatusRef::list_from_json(doc.get("credentialStatus")).map_err(|e| e.to_string())?;
        Ok(UnverifiedCredential {
            format: Format::Document,
            summary: claims
                .as_ref()
                .map(Summary::from_claims)
                .unwrap_or_else(|| Summary::from_json(doc)),
            claims,
            issuer_id,
            key_id: prepared.verification_method,
            signed_at: prepared.created,
            message: prepared.message.to_vec(),
            signature: prepared.signature,
            valid_from: time("validFrom")?,
            valid_until: time("validUntil")?,
            status,
            not_certificate: certificate_problem(doc),
        })
    }

    /// Verifies: `Ok` only when every check passes.
    pub fn verify(self, verifier: &Verifier) -> Result<VerifiedCredential, Report> {
        let claims = self.claims.clone();
        let report = verifier.check(self);
        if report.verdict == Verdict::Valid {
            Ok(VerifiedCredential { claims, report })
        } else {
            Err(report)
        }
    }
}

/// Checks credentials against a trust list and status sources.
#[derive(Clone)]
pub struct Verifier {
    trust: Arc<TrustList>,
    keys: Arc<ParsedKeys>,
    status: Arc<dyn StatusSource>,
    now: Option<DateTime<Utc>>,
    accept_stale: bool,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("issuers", &self.trust.issuers.len())
            .field("accept_stale", &self.accept_stale)
            .finish()
    }
}

/// Builds a [`Verifier`]. Defaults are strict: no status source (so credentials with status
/// entries are `status_unknown`), stale lists refused, the clock is the system clock.
pub struct VerifierBuilder {
    v: Verifier,
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
    /// The verifier.
    pub fn build(self) -> Verifier {
        self.v
    }
}

impl Verifier {
    /// A builder over a trust list.
    pub fn builder(trust: TrustList) -> VerifierBuilder {
        VerifierBuilder {
            v: Verifier {
                keys: Arc::new(trust.parsed_keys()),
                trust: Arc::new(trust),
                status: Arc::new(NoStatusSource),
                now: None,
                accept_stale: false,
            },
        }
    }

    /// The trust list.
    pub fn trust(&self) -> &TrustList {
        &self.trust
    }

    /// The status source.
    pub fn status_source(&self) -> &Arc<dyn StatusSource> {
        &self.status
    }

    fn now(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }

    /// Runs every check and gives the report.
    pub fn check(&self, u: UnverifiedCredential) -> Report {
        let now = self.now();
        let mut c = Checks::default();
        c.push(
            "parse",
            Outcome::Pass,
            format!("well-formed {}", format_name(u.format)),
            None,
        );
        match &u.not_certificate {
            None => c.push(
                "certificate",
                Outcome::Pass,
                "an OpenBadgeCredential about an AchievementSubject".into(),
                None,
            ),
            Some(why) => c.fail("certificate", why.clone(), Verdict::Malformed),
        }
        let authentic = self.check_key(&u, &mut c);
        self.check_registry(&u, &mut c);
        check_dates(&u, now, &mut c);
        // Status: only for an authentic credential (a failed signature or issuer check already
        // decides the verdict, which outranks every status verdict), so that nothing else can
        // make the verifier send a request.
        if authentic {
            self.check_status(&u, now, &mut c);
        } else {
            c.push(
                "status",
                Outcome::Skip,
                "not checked: status lists are consulted only for a credential whose signature \
                 and issuer are trusted"
                    .into(),
                None,
            );
        }
        let verdict = c
            .checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail)
            .filter_map(|c| c.fails_as)
            .min()
            .unwrap_or(Verdict::Valid);
        Report {
            verdict,
            valid: verdict == Verdict::Valid,
            format: u.format,
            summary: u.summary,
            checks: c.checks,
            notes: c.notes,
        }
    }

    /// Issuer, key, signature and the key's signing window; whether all of them passed (the
    /// credential is authentic).
    fn check_key(&self, u: &UnverifiedCredential, c: &mut Checks) -> bool {
        let found = self
            .trust
            .find_key_parsed(&self.keys, &u.issuer_id, &u.key_id);
        let key = match &found {
            Ok(f) => {
                c.push(
                    "issuer",
                    Outcome::Pass,
                    format!("{} is trusted ({})", u.issuer_id, f.issuer.name),
                    None,
                );
                Some(f.public)
            }
            Err(e) => {
                c.fail("issuer", e.to_string(), Verdict::UntrustedIssuer);
                // A did:key names its own key: the signature can still be checked.
                keys::parse_did_key(&u.key_id)
                    .ok()
                    .filter(|_| u.key_id.starts_with(&u.issuer_id))
            }
        };
        // Status lists are fetched only for a credential whose signature verifies with a
        // trusted key in its window: nothing else may make the verifier send a request.
        let mut authentic = found.is_ok();
        match key {
            Some(k) if keys::verify_strict(&k, &u.message, &u.signature) => c.push(
                "signature",
                Outcome::Pass,
                "Ed25519 signature verifies".into(),
                None,
            ),
            Some(_) => {
                authentic = false;
                c.fail(
                    "signature",
                    "Ed25519 signature does not verify: the credential was altered or not signed by this key".into(),
                    Verdict::BadSignature,
                )
            }
            None => c.push(
                "signature",
                Outcome::Skip,
                "no trusted key to check the signature with".into(),
                None,
            ),
        }
        if let Ok(f) = &found {
            match f.check_window(u.signed_at) {
                Ok(()) => c.push(
                    "key_window",
                    Outcome::Pass,
                    format!("key {} was valid when it signed", f.key.id),
                    None,
                ),
                Err(e) => {
                    authentic = false;
                    c.fail("key_window", e.to_string(), Verdict::UntrustedIssuer)
                }
            }
        }
        authentic
    }

    /// The issuer's own registry, when the status source holds it: a certificate of this
    /// issuer that the registry never recorded was not issued here, whatever key signed it.
    ///
    /// Verdict: `untrusted_issuer`. The certificate claims to be from this issuer and may carry
    /// a good signature of one of its keys (a stolen or retired key, backdated), but the issuer
    /// itself does not vouch for it: "not from a trusted issuer" is what an employer must read.
    /// `bad_signature` would be false (the signature verifies) and `revoked` would claim a
    /// status change that never happened. A registry that cannot be read is `status_unknown`.
    fn check_registry(&self, u: &UnverifiedCredential, c: &mut Checks) {
        let id = u
            .claims
            .as_ref()
            .map(Claims::id_urn)
            .or_else(|| u.summary.credential_id.clone());
        match self
            .status
            .registered(&u.issuer_id, id.as_deref(), u.claims.as_ref())
        {
            Registered::NoRegistry => {}
            Registered::Recorded => c.push(
                "registry",
                Outcome::Pass,
                "recorded in the issuer's registry".into(),
                None,
            ),
            Registered::NotRecorded(why) => c.fail("registry", why, Verdict::UntrustedIssuer),
            Registered::Unavailable(why) => c.fail("registry", why, Verdict::StatusUnknown),
        }
    }

    /// Revocation and suspension.
    fn check_status(&self, u: &UnverifiedCredential, now: DateTime<Utc>, c: &mut Checks) {
        if u.status.is_empty() {
            c.push(
                "status",
                Outcome::Skip,
                "the credential has no status entries".into(),
                None,
            );
        }
        for entry in &u.status {
            let name = format!("status.{}", entry.purpose.as_str());
            let set_verdict = match entry.purpose {
                StatusPurpose::Revocation => Verdict::Revoked,
                StatusPurpose::Suspension => Verdict::Suspended,
            };
            match self.status.status(entry, &u.issuer_id, now) {
                Ok(bit) if bit.stale && !self.accept_stale => c.fail(
                    &name,
                    format!("status list {} is past its freshness limit", bit.source),
                    Verdict::StatusUnknown,
                ),
                Ok(bit) => {
                    if bit.stale {
                        c.notes.push(format!(
                            "STALE STATUS ACCEPTED: the {} list from {} is past its freshness limit",
                            entry.purpose.as_str(),
                            bit.source
                        ));
                    }
                    let outcome = if bit.set {
                        Outcome::Fail
                    } else if bit.stale {
                        Outcome::Warn
                    } else {
                        Outcome::Pass
                    };
                    let reason = format!(
                        "{} bit {} of {} is {}{}",
                        entry.purpose.as_str(),
                        entry.index,
                        bit.source,
                        u8::from(bit.set),
                        if bit.stale {
                            " (stale list accepted)"
                        } else {
                            ""
                        }
                    );
                    c.push(&name, outcome, reason, bit.set.then_some(set_verdict));
                }
                Err(why) => c.fail(&name, why, Verdict::StatusUnknown),
            }
        }
    }
}

/// The checks of one run, and its notes.
#[derive(Default)]
struct Checks {
    checks: Vec<Check>,
    notes: Vec<String>,
}

impl Checks {
    fn push(&mut self, name: &str, outcome: Outcome, reason: String, fails_as: Option<Verdict>) {
        self.checks.push(Check {
            name: name.into(),
            outcome,
            reason,
            fails_as,
        });
    }

    fn fail(&mut self, name: &str, reason: String, verdict: Verdict) {
        self.push(name, Outcome::Fail, reason, Some(verdict));
    }
}

/// `validFrom` and `validUntil` against `now`.
fn check_dates(u: &UnverifiedCredential, now: DateTime<Utc>, c: &mut Checks) {
    match u.valid_from {
        Some(t) if now < t => c.fail(
            "valid_from",
            format!("not valid before {}", format_time(&t)),
            Verdict::NotYetValid,
        ),
        Some(t) => c.push(
            "valid_from",
            Outcome::Pass,
            format!("valid from {}", format_time(&t)),
            None,
        ),
        None => c.push("valid_from", Outcome::Skip, "no validFrom".into(), None),
    }
    match u.valid_until {
        Some(t) if now >= t => c.fail(
            "valid_until",
            format!("expired at {}", format_time(&t)),
            Verdict::Expired,
        ),
        Some(t) => c.push(
            "valid_until",
            Outcome::Pass,
            format!("valid until {}", format_time(&t)),
            None,
        ),
        None => c.push("valid_until", Outcome::Pass, "no expiry".into(), None),
    }
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Document => "document",
        Format::Token => "token",
        Format::Qr => "QR",
    }
}
