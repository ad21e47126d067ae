//! Verification: from untrusted input to exactly one [`Verdict`].
//!
//! Parsing gives an [`UnverifiedCredential`]; only [`UnverifiedCredential::verify`] with a
//! [`Verifier`] gives a [`VerifiedCredential`]. Every run produces a [`Report`] with each check's
//! outcome and reason. The verifier fails closed: a status that could not be had is
//! `status_unknown`, never `valid`, unless the caller opted out with a call whose name says so.

use crate::jcs;
use crate::keys;
use crate::model::{format_time, parse_time, Claims, Framework, StatusRef};
use crate::proof;
use crate::trust::{ParsedKeys, TrustList};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use std::sync::Arc;

mod status;
pub use status::{NoStatusSource, StatusBit, StatusSource};

/// Largest document accepted for verification (256 KiB).
pub const MAX_DOCUMENT: usize = 256 << 10;

/// The one word every check ends in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// The display claims of a credential (best effort for foreign credentials).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Credential id.
    pub credential_id: Option<String>,
    /// Issuer id.
    pub issuer: Option<String>,
    /// Issuer display name.
    pub issuer_name: Option<String>,
    /// Holder display name.
    pub holder: Option<String>,
    /// Holder name in Latin script.
    pub holder_latin: Option<String>,
    /// Program name.
    pub program: Option<String>,
    /// Program code.
    pub program_code: Option<String>,
    /// Level value.
    pub level: Option<String>,
    /// Level framework id.
    pub level_framework: Option<String>,
    /// Level name, Chinese.
    pub level_name_zh: Option<String>,
    /// Level name, English.
    pub level_name_en: Option<String>,
    /// Where the level sits in its framework.
    pub level_position: Option<String>,
    /// `validFrom`.
    pub valid_from: Option<String>,
    /// `validUntil`.
    pub valid_until: Option<String>,
    /// Whether the holder's national ID is bound to the certificate (as a salted hash).
    pub holder_id_hashed: bool,
}

impl Summary {
    /// The summary of well-formed skillcert claims.
    pub fn from_claims(c: &Claims) -> Summary {
        let f = c.level.framework;
        let info = c.level.info();
        Summary {
            credential_id: Some(c.id_urn()),
            issuer: Some(c.issuer.id.clone()),
            issuer_name: Some(c.issuer.name.clone()),
            holder: Some(c.holder.name.clone()),
            holder_latin: c.holder.name_latin.clone(),
            program: Some(c.program.name.clone()),
            program_code: c.program.code.clone(),
            level: Some(c.level.value.clone()),
            level_framework: Some(f.id().to_owned()),
            level_name_zh: info.map(|l| l.zh.to_owned()),
            level_name_en: info.map(|l| l.en.to_owned()),
            level_position: f.position_text(&c.level.value),
            valid_from: Some(format_time(&c.valid_from)),
            valid_until: c.valid_until.as_ref().map(format_time),
            holder_id_hashed: c.holder.id_hash.is_some(),
        }
    }

    /// Best-effort summary of any VC 2.0 JSON credential.
    pub fn from_json(doc: &Value) -> Summary {
        let s = |p: &str| doc.pointer(p).and_then(Value::as_str).map(str::to_owned);
        let issuer = s("/issuer").or_else(|| s("/issuer/id"));
        let mut sum = Summary {
            credential_id: s("/id"),
            issuer,
            issuer_name: s("/issuer/name"),
            program: s("/credentialSubject/achievement/name").or_else(|| s("/name")),
            program_code: s("/credentialSubject/achievement/humanCode"),
            level: s("/credentialSubject/result/0/value"),
            valid_from: s("/validFrom"),
            valid_until: s("/validUntil"),
            ..Summary::default()
        };
        if let Some(ids) = doc
            .pointer("/credentialSubject/identifier")
            .and_then(Value::as_array)
        {
            for i in ids {
                let v = i
                    .get("identityHash")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                match i.get("identityType").and_then(Value::as_str) {
                    Some("name") => sum.holder = v,
                    Some("ext:nameLatin") => sum.holder_latin = v,
                    Some("nationalIdentityNumber") => sum.holder_id_hashed = true,
                    _ => {}
                }
            }
        }
        if sum.holder.is_none() {
            sum.holder = s("/credentialSubject/id").or_else(|| s("/credentialSubject/name"));
        }
        if let Some(fw) = s("/credentialSubject/result/0/resultDescription").and_then(|r| {
            r.strip_prefix("urn:skillcert:framework:")
                .and_then(Framework::from_id)
        }) {
            sum.level_framework = Some(fw.id().to_owned());
            if let Some(lv) = &sum.level {
                if let Some((_, info)) = fw.level(lv) {
                    sum.level_name_zh = Some(info.zh.to_owned());
                    sum.level_name_en = Some(info.en.to_owned());
                    sum.level_position = fw.position_text(lv);
                }
            }
        }
        sum
    }
}

/// The full result of one verification: what `verify --json` prints.
#[derive(Debug, Clone, Serialize)]
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
        let mut checks = Vec::new();
        let mut notes = Vec::new();
        let mut push = |name: &str, outcome: Outcome, reason: String, fails_as: Option<Verdict>| {
            checks.push(Check {
                name: name.into(),
                outcome,
                reason,
                fails_as,
            });
        };
        push(
            "parse",
            Outcome::Pass,
            format!("well-formed {}", format_name(u.format)),
            None,
        );

        // Issuer and key.
        let found = self
            .trust
            .find_key_parsed(&self.keys, &u.issuer_id, &u.key_id);
        let key = match &found {
            Ok(f) => {
                push(
                    "issuer",
                    Outcome::Pass,
                    format!("{} is trusted ({})", u.issuer_id, f.issuer.name),
                    None,
                );
                Some(f.public)
            }
            Err(e) => {
                push(
                    "issuer",
                    Outcome::Fail,
                    e.to_string(),
                    Some(Verdict::UntrustedIssuer),
                );
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
            Some(k) if keys::verify_strict(&k, &u.message, &u.signature) => push(
                "signature",
                Outcome::Pass,
                "Ed25519 signature verifies".into(),
                None,
            ),
            Some(_) => {
                authentic = false;
                push(
                "signature",
                Outcome::Fail,
                "Ed25519 signature does not verify: the credential was altered or not signed by this key".into(),
                Some(Verdict::BadSignature),
            )
            }
            None => push(
                "signature",
                Outcome::Skip,
                "no trusted key to check the signature with".into(),
                None,
            ),
        }
        if let Ok(f) = &found {
            match f.check_window(u.signed_at) {
                Ok(()) => push(
                    "key_window",
                    Outcome::Pass,
                    format!("key {} was valid when it signed", f.key.id),
                    None,
                ),
                Err(e) => {
                    authentic = false;
                    push(
                        "key_window",
                        Outcome::Fail,
                        e.to_string(),
                        Some(Verdict::UntrustedIssuer),
                    )
                }
            }
        }

        // Dates.
        match u.valid_from {
            Some(t) if now < t => push(
                "valid_from",
                Outcome::Fail,
                format!("not valid before {}", format_time(&t)),
                Some(Verdict::NotYetValid),
            ),
            Some(t) => push(
                "valid_from",
                Outcome::Pass,
                format!("valid from {}", format_time(&t)),
                None,
            ),
            None => push("valid_from", Outcome::Skip, "no validFrom".into(), None),
        }
        match u.valid_until {
            Some(t) if now >= t => push(
                "valid_until",
                Outcome::Fail,
                format!("expired at {}", format_time(&t)),
                Some(Verdict::Expired),
            ),
            Some(t) => push(
                "valid_until",
                Outcome::Pass,
                format!("valid until {}", format_time(&t)),
                None,
            ),
            None => push("valid_until", Outcome::Pass, "no expiry".into(), None),
        }

        // Status: only for an authentic credential (a failed signature or issuer check
        // already decides the verdict, which outranks every status verdict).
        if authentic {
            self.status_checks(&u, now, &mut checks, &mut notes);
        } else {
            checks.push(Check {
                name: "status".into(),
                outcome: Outcome::Skip,
                reason: "not checked: status lists are consulted only for a credential whose \
                         signature and issuer are trusted"
                    .into(),
                fails_as: None,
            });
        }

        let verdict = checks
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
            checks,
            notes,
        }
    }
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Document => "document",
        Format::Token => "token",
        Format::Qr => "QR",
    }
}
