//! Untrusted input becomes an [`UnverifiedCredential`] (private fields: only the codecs of this
//! crate build one, from what they parsed); only a [`Verifier`] turns it into a
//! [`VerifiedCredential`], or a [`Rejected`] with the report that says why not.

use super::MAX_DOCUMENT;
use super::{certificate_problem, Format, ParseError, Report, Summary, Verdict, Verifier};
use crate::jcs;
use crate::model::{field_err, parse_time, Claims, StatusRef};
use crate::proof;
use crate::trust::SigningTime;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// A credential parsed from untrusted input, not yet verified. Read-only: nothing outside this
/// crate's codecs can pair claims with a signature.
#[derive(Debug, Clone)]
pub struct UnverifiedCredential {
    pub(super) format: Format,
    pub(super) claims: Option<Claims>,
    pub(super) document: Option<Value>,
    pub(super) summary: Summary,
    pub(super) issuer_id: String,
    pub(super) key_id: String,
    pub(super) signing_time: SigningTime,
    pub(super) message: Vec<u8>,
    pub(super) signature: [u8; 64],
    pub(super) valid_from: Option<DateTime<Utc>>,
    pub(super) valid_until: Option<DateTime<Utc>>,
    pub(super) status: Vec<StatusRef>,
    /// Why it is not a skill certificate (`None`: it is one). See [`certificate_problem`].
    pub(super) not_certificate: Option<String>,
    /// For the QR form: the URL prefix it was found behind (`HTTPS://HOST/V/`).
    pub(super) qr_prefix: Option<String>,
    /// The document form's proofs (a proof set: every one must verify); empty for the other
    /// forms, whose one signature is `message`/`signature`.
    pub(super) proofs: Vec<proof::PreparedProof>,
}

/// What a codec of this crate read from one credential: the parts of an
/// [`UnverifiedCredential`].
pub(crate) struct Parts {
    /// The form it came in.
    pub format: Format,
    /// The claims, when the credential is a well-formed skillcert certificate.
    pub claims: Option<Claims>,
    /// The JSON form (document, or token payload without the JWT claims); `None` for the QR
    /// form, which carries only skillcert claims (always a certificate).
    pub document: Option<Value>,
    /// The issuer id the credential names.
    pub issuer_id: String,
    /// The key it says signed it (verification method or `kid`).
    pub key_id: String,
    /// When it says it was signed, and what says so.
    pub signing_time: SigningTime,
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
    /// For the QR form: the URL prefix it was found behind.
    pub qr_prefix: Option<String>,
}

impl UnverifiedCredential {
    /// The same credential, forgetting the URL its QR text was found behind: for a verifier
    /// that was handed the payload on purpose (a scheme's portal opened at `/V/{payload}`),
    /// where the issuer's own address is not the one the reader is at, and no warning about
    /// the QR pointing elsewhere applies.
    pub fn without_qr_address(mut self) -> Self {
        self.qr_prefix = None;
        self
    }

    /// The credential a codec read: display claims and whether it is a skill certificate are
    /// derived here, the same way for every form.
    pub(crate) fn from_parts(p: Parts) -> Self {
        let summary = match (&p.claims, &p.document) {
            (Some(c), _) => Summary::from_claims(c),
            (None, Some(d)) => Summary::from_json(d),
            (None, None) => Summary::default(),
        };
        UnverifiedCredential {
            not_certificate: p.document.as_ref().and_then(certificate_problem),
            format: p.format,
            claims: p.claims,
            document: p.document,
            summary,
            issuer_id: p.issuer_id,
            key_id: p.key_id,
            signing_time: p.signing_time,
            message: p.message,
            signature: p.signature,
            valid_from: p.valid_from,
            valid_until: p.valid_until,
            status: p.status,
            qr_prefix: p.qr_prefix,
            proofs: Vec::new(),
        }
    }

    /// Parses a secured JSON document (`eddsa-jcs-2022` and/or `eddsa-rdfc-2022` proofs). The
    /// error names the field.
    pub fn from_document_bytes(bytes: &[u8]) -> Result<Self, ParseError> {
        let v = jcs::parse_strict(bytes, MAX_DOCUMENT)?;
        Self::from_document_value(v)
    }

    /// Parses a secured JSON document already read as JSON.
    pub fn from_document(doc: &Value) -> Result<Self, ParseError> {
        if !doc.is_object() {
            return Err(not_object());
        }
        Self::from_document_value(doc.clone())
    }

    fn from_document_value(doc: Value) -> Result<Self, ParseError> {
        if !doc.is_object() {
            return Err(not_object());
        }
        let proofs = proof::prepare_set(&doc)?;
        if !proofs
            .iter()
            .any(|p| p.cryptosuite == proof::Cryptosuite::EddsaJcs2022)
        {
            super::rdfc_display::check(&doc).map_err(|why| {
                field_err(
                    "proof",
                    format!(
                        "only eddsa-rdfc-2022 proofs, which sign the RDF and not the JSON: {why}"
                    ),
                )
            })?;
        }
        let prepared = proofs
            .first()
            .cloned()
            .ok_or_else(|| field_err("proof", "missing: the document is not signed"))?;
        let issuer_id = match doc.get("issuer") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Object(o)) => o
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| field_err("issuer.id", "missing or not a string"))?
                .to_owned(),
            _ => {
                return Err(
                    field_err("issuer", "missing, must be a string or an object with id").into(),
                )
            }
        };
        let time = |k: &str| -> Result<Option<DateTime<Utc>>, ParseError> {
            match doc.get(k) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(parse_time(k, s)?)),
                Some(_) => Err(field_err(k, "must be a string").into()),
            }
        };
        let (valid_from, valid_until) = (time("validFrom")?, time("validUntil")?);
        let status = StatusRef::list_from_json(doc.get("credentialStatus"))?;
        let mut u = Self::from_parts(Parts {
            format: Format::Document,
            claims: Claims::from_document(&doc).ok(),
            issuer_id,
            key_id: prepared.verification_method,
            signing_time: SigningTime::document(prepared.created, valid_from),
            message: prepared.message.to_vec(),
            signature: prepared.signature,
            valid_from,
            valid_until,
            status,
            document: Some(doc),
            qr_prefix: None,
        });
        u.proofs = proofs;
        Ok(u)
    }

    /// The cryptosuites of the document form's proofs, in order (empty for the other forms).
    pub fn cryptosuites(&self) -> Vec<proof::Cryptosuite> {
        self.proofs.iter().map(|p| p.cryptosuite).collect()
    }

    /// Verifies: `Ok` only when every check passes; else the report says why not.
    pub fn verify(self, verifier: &Verifier) -> Result<VerifiedCredential, Rejected> {
        verifier.verify(self)
    }

    /// The form it came in.
    pub fn format(&self) -> Format {
        self.format
    }
    /// The claims, when the credential is a well-formed skillcert certificate (unverified).
    pub fn claims(&self) -> Option<&Claims> {
        self.claims.as_ref()
    }
    /// The JSON form (document, or token payload); `None` for the QR form.
    pub fn document(&self) -> Option<&Value> {
        self.document.as_ref()
    }
    /// Display claims (unverified).
    pub fn summary(&self) -> &Summary {
        &self.summary
    }
    /// The issuer id the credential names.
    pub fn issuer_id(&self) -> &str {
        &self.issuer_id
    }
    /// The key it says signed it (verification method or `kid`).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }
    /// When it says it was signed (see [`SigningTime`] for which claim counts).
    pub fn signed_at(&self) -> Option<DateTime<Utc>> {
        self.signing_time.time()
    }
    /// Its signing time and what carried it.
    pub fn signing_time(&self) -> &SigningTime {
        &self.signing_time
    }
    /// The bytes the signature covers.
    pub fn signed_message(&self) -> &[u8] {
        &self.message
    }
    /// `validFrom`.
    pub fn valid_from(&self) -> Option<DateTime<Utc>> {
        self.valid_from
    }
    /// `validUntil`.
    pub fn valid_until(&self) -> Option<DateTime<Utc>> {
        self.valid_until
    }
    /// Status entries.
    pub fn status(&self) -> &[StatusRef] {
        &self.status
    }
}

fn not_object() -> ParseError {
    field_err("$", "a credential document must be a JSON object").into()
}

/// A credential that passed every check (verdict `valid`, possibly with notes). Only
/// [`Verifier::verify`] makes one.
#[derive(Debug, Clone)]
pub struct VerifiedCredential {
    claims: Option<Claims>,
    document: Option<Value>,
    issuer_id: String,
    report: Report,
}

impl VerifiedCredential {
    pub(super) fn new(u: UnverifiedCredential, report: Report) -> Self {
        debug_assert_eq!(report.verdict, Verdict::Valid);
        VerifiedCredential {
            claims: u.claims,
            document: u.document,
            issuer_id: u.issuer_id,
            report,
        }
    }
    /// The verified claims, when it is a skillcert certificate.
    pub fn claims(&self) -> Option<&Claims> {
        self.claims.as_ref()
    }
    /// The verified JSON form (document, or token payload); `None` for the QR form.
    pub fn document(&self) -> Option<&Value> {
        self.document.as_ref()
    }
    /// The trusted issuer's id.
    pub fn issuer_id(&self) -> &str {
        &self.issuer_id
    }
    /// Display claims.
    pub fn summary(&self) -> &Summary {
        &self.report.summary
    }
    /// The form it came in.
    pub fn format(&self) -> Format {
        self.report.format
    }
    /// The report: verdict `valid`, every check, and notes the reader must see.
    pub fn report(&self) -> &Report {
        &self.report
    }
    /// The report, by value.
    pub fn into_report(self) -> Report {
        self.report
    }
}

/// Input that is not a valid credential: unreadable (`malformed`, with the [`ParseError`]), or
/// read and checked with another verdict than `valid`. The report says why.
///
/// The report is boxed: a `Result<_, Rejected>` stays small on the happy path.
#[derive(Debug, Clone)]
pub struct Rejected {
    report: Box<Report>,
    parse_error: Option<ParseError>,
}

impl Rejected {
    pub(super) fn checked(report: Report) -> Self {
        debug_assert_ne!(report.verdict, Verdict::Valid);
        Rejected {
            report: Box::new(report),
            parse_error: None,
        }
    }
    /// The verdict (never `valid`).
    pub fn verdict(&self) -> Verdict {
        self.report.verdict
    }
    /// Why the input could not be read, when that is why it was rejected.
    pub fn parse_error(&self) -> Option<&ParseError> {
        self.parse_error.as_ref()
    }
    /// The report.
    pub fn report(&self) -> &Report {
        &self.report
    }
    /// The report, by value.
    pub fn into_report(self) -> Report {
        *self.report
    }
}

impl From<ParseError> for Rejected {
    fn from(e: ParseError) -> Self {
        Rejected {
            report: Box::new(Report::from(e.clone())),
            parse_error: Some(e),
        }
    }
}
