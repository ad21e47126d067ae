//! Reporting to the register (a scheme portal): what an issuer sends and what it gets back.
//!
//! - [`Item`]: one certificate record ([`ReportedCertificate`]) or one status change
//!   ([`ReportedStatusChange`]); its key (`certificate:<id>`, `status:<seq>`) and its digest (SHA-256 of
//!   its JCS form) identify it: the register stores an item once per (issuer, key, digest), so
//!   resending is harmless and a correction (same key, new digest) is a new event.
//! - A bundle (`SkillcertReportBundle`): up to [`MAX_ITEMS`] items signed by the issuer
//!   (`eddsa-jcs-2022`, no `@context`), checked by [`verify_bundle`] against the portal's trust
//!   lists: the issuer accredited, the key valid at the bundle's time, every certificate record
//!   within the issuer's scope and accreditation window, and signed by one of its keys.
//! - A receipt (`SkillcertReportReceipt`): which items (keys and digests) of which bundle the
//!   portal holds, and when, signed by the portal's `did:key` ([`verify_receipt`]); the issuer
//!   stores one only after [`check_receipt`] found that it acknowledges exactly the bundle sent.

use crate::jcs;
use crate::keys;
use crate::model::{format_time, Claims};
use crate::signer::Signer;
use crate::trust::{ScopeFacts, SigningTime, TrustStore};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

mod receipt_check;
pub use receipt_check::{
    bundle_digest, check_receipt, check_receipt_items, ReceiptMismatch, SentBundle,
    RECEIPT_TIME_WINDOW_SECS,
};

/// `type` of a bundle.
pub const BUNDLE_TYPE: &str = "SkillcertReportBundle";
/// `type` of a receipt.
pub const RECEIPT_TYPE: &str = "SkillcertReportReceipt";
/// Most items in one bundle.
pub const MAX_ITEMS: usize = 1000;
/// Largest bundle accepted (4 MiB: 1,000 records of about 1 KiB, with room).
pub const MAX_BUNDLE: usize = 4 << 20;
/// Largest receipt accepted.
pub const MAX_RECEIPT: usize = 1 << 20;

/// Why a bundle or receipt is refused (the message names the item or member).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// Not JSON, too large, wrong shape.
    #[error("malformed: {0}")]
    Malformed(String),
    /// The signer is not an accredited issuer, or the signature does not verify.
    #[error("not accepted: {0}")]
    Untrusted(String),
    /// A record is outside what the issuer is accredited for.
    #[error("out of scope: {0}")]
    OutOfScope(String),
}

impl ReportError {
    /// The same error with its message put after `what: ` (the item it is about).
    fn about(self, what: &str) -> ReportError {
        match self {
            ReportError::Malformed(m) => ReportError::Malformed(format!("{what}: {m}")),
            ReportError::Untrusted(m) => ReportError::Untrusted(format!("{what}: {m}")),
            ReportError::OutOfScope(m) => ReportError::OutOfScope(format!("{what}: {m}")),
        }
    }
}

/// A certificate's status list entry, as reported.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StatusEntry {
    /// `revocation` or `suspension`.
    pub purpose: String,
    /// The status list credential's URL.
    pub list: String,
    /// The bit index.
    pub index: u64,
}

/// What the register holds of one certificate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportedCertificate {
    /// `urn:uuid:…`.
    pub credential_id: String,
    /// The certificate number, if any.
    pub number: Option<String>,
    /// Holder name.
    pub holder_name: String,
    /// The holder's ID number as the issuer recorded it (in a signed bundle to an accredited
    /// register only; the register stores [`holder_id_mac`](Self::holder_id_mac) instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_id: Option<String>,
    /// 128 bits (32 hex digits) sent with [`holder_id`](Self::holder_id), derived from the
    /// issuer's holder-ID secret (unpredictable to others, the same each time the record is
    /// sent) and never stored by the register: the item's digest (kept by both sides, put in receipts) covers
    /// it, so that the digest cannot be searched for the ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_id_nonce: Option<String>,
    /// The register's keyed hash of the ID (HMAC with its own secret): what it stores and
    /// matches queries with. Set by the register; an issuer never sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_id_mac: Option<String>,
    /// Legacy: SHA-256 of the ID and the credential's UUID, as issuers reported before IDs left
    /// the public forms. Read from what the register already holds (queries still match it),
    /// never sent now, never shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder_id_hash: Option<String>,
    /// Program name.
    pub program: String,
    /// Program code.
    pub program_code: Option<String>,
    /// Framework (`cn-nvq`).
    pub framework: String,
    /// Level value.
    pub level: String,
    /// When it was signed.
    pub issued: DateTime<Utc>,
    /// `validFrom`.
    pub valid_from: DateTime<Utc>,
    /// `validUntil`.
    pub valid_until: Option<DateTime<Utc>>,
    /// The verification method that signed it.
    pub signing_key: String,
    /// Hex SHA-256 of the signed document as issued.
    pub document_sha256: String,
    /// Its status list entries.
    pub status: Vec<StatusEntry>,
}

/// A status change of a certificate.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReportedStatusChange {
    /// `urn:uuid:…`.
    pub credential_id: String,
    /// `revoke`, `suspend` or `reinstate`.
    pub change: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The issuer's sequence number of the change (its database event).
    pub seq: u64,
}

/// One reported item.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Item {
    /// A certificate record.
    Certificate(Box<ReportedCertificate>),
    /// A status change.
    Status(ReportedStatusChange),
}

impl Item {
    /// `certificate:<id>` or `status:<seq>`.
    pub fn key(&self) -> String {
        match self {
            Item::Certificate(r) => format!("certificate:{}", r.credential_id),
            Item::Status(s) => format!("status:{}", s.seq),
        }
    }

    /// The certificate it is about.
    pub fn credential_id(&self) -> &str {
        match self {
            Item::Certificate(r) => &r.credential_id,
            Item::Status(s) => &s.credential_id,
        }
    }

    /// Hex SHA-256 of the item's JCS form.
    pub fn digest(&self) -> String {
        let v = serde_json::to_value(self).unwrap_or(Value::Null);
        hex::encode(Sha256::digest(jcs::canonicalize(&v).unwrap_or_default()))
    }
}

impl ReportedCertificate {
    /// The record of signed `claims` (`document_sha256`: of the document as issued), with the
    /// holder's ID and its nonce when the issuer recorded one.
    pub fn of_claims(
        c: &Claims,
        issued: DateTime<Utc>,
        signing_key: &str,
        document_sha256: &str,
        holder_id: Option<(&str, [u8; 16])>,
    ) -> Self {
        ReportedCertificate {
            credential_id: c.id_urn(),
            number: c.number.clone(),
            holder_name: c.holder.name.clone(),
            holder_id: holder_id.map(|(id, _)| id.to_owned()),
            holder_id_nonce: holder_id.map(|(_, n)| hex::encode(n)),
            holder_id_mac: None,
            holder_id_hash: None,
            program: c.program.name.clone(),
            program_code: c.program.code.clone(),
            framework: c.level.framework.id().to_owned(),
            level: c.level.value.clone(),
            issued,
            valid_from: c.valid_from,
            valid_until: c.valid_until,
            signing_key: signing_key.to_owned(),
            document_sha256: document_sha256.to_owned(),
            status: c
                .status
                .iter()
                .map(|s| StatusEntry {
                    purpose: s.purpose.as_str().to_owned(),
                    list: s.list_url.clone(),
                    index: u64::from(s.index),
                })
                .collect(),
        }
    }

    /// Whether `national_id` is the ID of this record as the register stores it: its keyed hash
    /// under the register's secret, or the legacy salted hash. Constant time in the ID.
    pub fn id_matches(&self, key: &crate::keys::IdKey, national_id: &str) -> bool {
        let given = crate::model::normalise_holder_id(national_id);
        let uuid = self.credential_uuid().unwrap_or_else(uuid::Uuid::nil);
        let keyed = key.matches(&uuid, &given, self.holder_id_mac.as_deref().unwrap_or(""));
        let legacy_hex = hex::encode(crate::model::IdBinding::legacy(&given, &uuid).hash);
        let legacy = self
            .holder_id_hash
            .as_deref()
            .is_some_and(|h| crate::keys::ct_eq(legacy_hex.as_bytes(), h.as_bytes()));
        (keyed & self.holder_id_mac.is_some()) | legacy
    }

    /// A record of nothing (the nil UUID, no ID): what a lookup that found nothing compares
    /// with, so that it takes the same work.
    pub fn placeholder() -> ReportedCertificate {
        ReportedCertificate {
            credential_id: format!("urn:uuid:{}", uuid::Uuid::nil()),
            number: None,
            holder_name: String::new(),
            holder_id: None,
            holder_id_nonce: None,
            holder_id_mac: Some(hex::encode([0u8; 32])),
            holder_id_hash: None,
            program: String::new(),
            program_code: None,
            framework: String::new(),
            level: String::new(),
            issued: DateTime::<Utc>::UNIX_EPOCH,
            valid_from: DateTime::<Utc>::UNIX_EPOCH,
            valid_until: None,
            signing_key: String::new(),
            document_sha256: String::new(),
            status: Vec::new(),
        }
    }

    /// The credential id's UUID.
    pub fn credential_uuid(&self) -> Option<uuid::Uuid> {
        uuid::Uuid::parse_str(self.credential_id.strip_prefix("urn:uuid:")?).ok()
    }

    /// The form the register stores: the ID and its nonce replaced by the keyed hash.
    pub fn to_stored(&self, key: &crate::keys::IdKey) -> ReportedCertificate {
        let mut r = self.clone();
        if let (Some(id), Some(u)) = (r.holder_id.take(), self.credential_uuid()) {
            r.holder_id_mac = Some(key.mac_hex(&u, &id));
        }
        r.holder_id_nonce = None;
        r
    }

    /// The form anyone may see (query answers, exports): nothing derived from the ID.
    pub fn to_public(&self) -> ReportedCertificate {
        ReportedCertificate {
            holder_id: None,
            holder_id_nonce: None,
            holder_id_mac: None,
            holder_id_hash: None,
            ..self.clone()
        }
    }
}

/// A bundle as sent (without its proof).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BundleBody {
    #[serde(rename = "type")]
    kind: String,
    version: u32,
    issuer: String,
    created: DateTime<Utc>,
    items: Vec<Item>,
    /// Read by [`crate::proof::prepare`] from the raw JSON; here only so that the strict
    /// shape check lets it through.
    #[serde(default, rename = "proof", skip_serializing)]
    _proof: Option<Value>,
}

/// The signed bundle of `items` from `issuer_id`.
pub fn sign_bundle(
    signer: &dyn Signer,
    issuer_id: &str,
    items: &[Item],
    created: DateTime<Utc>,
) -> Result<Value, crate::proof::ProofError> {
    let body = serde_json::json!({
        "type": BUNDLE_TYPE, "version": 1, "issuer": issuer_id,
        "created": format_time(&created), "items": items,
    });
    crate::proof::sign_as(&body, signer, &created)
}

/// A bundle whose signature and records [`verify_bundle`] accepted.
#[derive(Debug, Clone)]
pub struct VerifiedBundle {
    /// The issuer.
    pub issuer: String,
    /// The key that signed it.
    pub key_id: String,
    /// When it says it was made.
    pub created: DateTime<Utc>,
    /// Its items, in order.
    pub items: Vec<Item>,
    /// Hex SHA-256 of the bundle's JCS form (proof included): identifies it.
    pub digest: String,
}

/// Checks a bundle against the portal's trust lists at `now` (see the module documentation).
pub fn verify_bundle(
    bytes: &[u8],
    trust: &TrustStore,
    now: DateTime<Utc>,
) -> Result<VerifiedBundle, ReportError> {
    let bad = ReportError::Malformed;
    if bytes.len() > MAX_BUNDLE {
        return Err(bad(format!("larger than {MAX_BUNDLE} bytes")));
    }
    validate::check_envelope(bytes, trust, now)?;
    let raw = jcs::parse_strict(bytes, MAX_BUNDLE).map_err(|e| bad(e.to_string()))?;
    let body: BundleBody = serde_path_to_error::deserialize(&raw)
        .map_err(|e| bad(format!("{}: {}", e.path(), e.inner())))?;
    if body.kind != BUNDLE_TYPE || body.version != 1 {
        return Err(bad(format!(
            "type/version: must be {BUNDLE_TYPE} version 1"
        )));
    }
    if body.items.is_empty() || body.items.len() > MAX_ITEMS {
        return Err(bad(format!("items: between 1 and {MAX_ITEMS}")));
    }
    let p = crate::proof::prepare(&raw).map_err(|e| bad(e.to_string()))?;
    let untrusted = ReportError::Untrusted;
    let found = trust
        .find(&body.issuer, &p.verification_method, now)
        .map_err(|e| untrusted(format!("{e}")))?;
    let good: Vec<_> = found
        .iter()
        .filter(|f| keys::verify_strict(&f.found.public, &p.message, &p.signature))
        .collect();
    if good.is_empty() {
        return Err(untrusted(format!(
            "the bundle's signature does not verify with {}: altered, or not signed by it",
            p.verification_method
        )));
    }
    let when = SigningTime::document(Some(body.created), None);
    if !good
        .iter()
        .any(|f| f.found.check_window(&when, now).is_ok())
    {
        return Err(untrusted(format!(
            "key {} was not valid at the bundle's time {}",
            p.verification_method,
            format_time(&body.created)
        )));
    }
    for (i, item) in body.items.iter().enumerate() {
        validate::check_item(i, item, now)?;
        if let Item::Certificate(r) = item {
            check_record(i, r, &body.issuer, trust, now)?;
        }
    }
    let digest = hex::encode(Sha256::digest(
        jcs::canonicalize(&raw).map_err(|e| bad(e.to_string()))?,
    ));
    Ok(VerifiedBundle {
        issuer: body.issuer,
        key_id: p.verification_method,
        created: body.created,
        items: body.items,
        digest,
    })
}

/// A record's holder-ID members: the ID (normalised, 4-32 of `0-9 A-Z`) with its 32-hex nonce,
/// or neither; never a keyed or legacy hash (those are the register's own).
fn check_record_id(name: &str, r: &ReportedCertificate) -> Result<(), ReportError> {
    let bad = |why: &str| Err(ReportError::Malformed(format!("{name}: {why}")));
    if r.holder_id_mac.is_some() || r.holder_id_hash.is_some() {
        return bad("holderIdMac and holderIdHash are the register's, never reported");
    }
    let nonce_ok = |n: &str| n.len() == 32 && n.bytes().all(|b| b.is_ascii_hexdigit());
    match (&r.holder_id, &r.holder_id_nonce) {
        (None, None) => Ok(()),
        (Some(id), Some(n)) if nonce_ok(n) => {
            let ok = (4..=32).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
            if ok {
                Ok(())
            } else {
                bad("holderId: must be 4-32 of 0-9 A-Z (normalised)")
            }
        }
        _ => bad("holderId goes with a holderIdNonce of 32 hex digits"),
    }
}

/// One certificate record: signed by a key of the issuer valid then, and within the
/// accreditation (scope and window) of one of the issuer's entries.
fn check_record(
    i: usize,
    r: &ReportedCertificate,
    issuer: &str,
    trust: &TrustStore,
    now: DateTime<Utc>,
) -> Result<(), ReportError> {
    let name = format!("items[{i}] ({})", r.credential_id);
    check_record_id(&name, r)?;
    let entries = trust
        .find(issuer, &r.signing_key, now)
        .map_err(|e| ReportError::Untrusted(format!("{name}: {e}")))?;
    let when = SigningTime::document(Some(r.issued), Some(r.valid_from));
    let facts = ScopeFacts {
        frameworks: vec![r.framework.clone()],
        program: r.program_code.clone(),
        levels: vec![r.level.clone()],
    };
    let mut why = None;
    for f in &entries {
        let judged = f
            .found
            .check_window(&when, now)
            .and_then(|()| f.found.issuer.check_accreditation(&facts, &when, now))
            .map_err(|e| ReportError::OutOfScope(e.to_string()))
            .and_then(|()| validate::in_sender_space(f.found.issuer, r.number.as_deref()));
        match judged {
            Ok(()) => return Ok(()),
            Err(e) => why = why.or(Some(e)),
        }
    }
    Err(why
        .unwrap_or_else(|| ReportError::OutOfScope(String::new()))
        .about(&name))
}

/// One item of a receipt.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReceiptItem {
    /// The item's key.
    pub item: String,
    /// Its digest as the portal received it.
    pub digest: String,
}

/// A receipt as signed by the portal.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Receipt {
    /// [`RECEIPT_TYPE`].
    #[serde(rename = "type")]
    pub kind: String,
    /// 1.
    pub version: u32,
    /// The portal's DID (`did:key:…`).
    pub portal: String,
    /// The issuer whose bundle it was.
    pub issuer: String,
    /// The bundle's digest.
    pub bundle: String,
    /// When the portal stored it.
    pub received: DateTime<Utc>,
    /// What it holds of the bundle.
    pub items: Vec<ReceiptItem>,
    /// Its proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proof: Option<Value>,
}

/// The DID a portal signs receipts as: its signer's verification method without the fragment
/// (instances of one portal share it; the register keeps one receipt per bundle and DID).
pub fn portal_did(signer: &dyn Signer) -> String {
    let vm = signer.verification_method();
    vm.split('#').next().unwrap_or(vm).to_owned()
}

/// The portal's receipt for `bundle`, signed by `signer` (a `did:key` method).
pub fn sign_receipt(
    signer: &dyn Signer,
    bundle: &VerifiedBundle,
    received: DateTime<Utc>,
) -> Result<Value, crate::proof::ProofError> {
    let portal = portal_did(signer);
    let r = Receipt {
        kind: RECEIPT_TYPE.into(),
        version: 1,
        portal,
        issuer: bundle.issuer.clone(),
        bundle: bundle.digest.clone(),
        received,
        items: bundle
            .items
            .iter()
            .map(|i| ReceiptItem {
                item: i.key(),
                digest: i.digest(),
            })
            .collect(),
        proof: None,
    };
    let v = serde_json::to_value(&r).map_err(|e| {
        crate::proof::ProofError::from(crate::model::field_err("receipt", e.to_string()))
    })?;
    crate::proof::sign_as(&v, signer, &received)
}

/// Checks a receipt's signature: its proof names a `did:key` method whose key signed it, and
/// that DID is the receipt's `portal`. `pinned`: the portal key the issuer already knows.
pub fn verify_receipt(v: &Value, pinned: Option<&str>) -> Result<Receipt, ReportError> {
    let bad = ReportError::Malformed;
    if jcs::canonicalize(v).map_or(true, |b| b.len() > MAX_RECEIPT) {
        return Err(bad("receipt: too large or not canonical JSON".into()));
    }
    let r: Receipt = serde_path_to_error::deserialize(v)
        .map_err(|e| bad(format!("receipt {}: {}", e.path(), e.inner())))?;
    if r.kind != RECEIPT_TYPE || r.version != 1 {
        return Err(bad(format!(
            "receipt: type must be {RECEIPT_TYPE} version 1"
        )));
    }
    let p = crate::proof::prepare(v).map_err(|e| bad(format!("receipt: {e}")))?;
    let did = p.verification_method.split('#').next().unwrap_or_default();
    let key = keys::parse_did_key(did)
        .map_err(|e| ReportError::Untrusted(format!("receipt: signer {did}: {e}")))?;
    if did != r.portal {
        return Err(ReportError::Untrusted(format!(
            "receipt: signed by {did}, not by the portal it names ({})",
            r.portal
        )));
    }
    if let Some(p) = pinned.filter(|p| *p != did) {
        return Err(ReportError::Untrusted(format!(
            "receipt: signed by {did}, but this portal's key is {p}"
        )));
    }
    if !keys::verify_strict(&key, &p.message, &p.signature) {
        return Err(ReportError::Untrusted(
            "receipt: the signature does not verify (altered)".into(),
        ));
    }
    Ok(r)
}

mod validate;

#[cfg(any(test, feature = "test-support"))]
pub use validate::sample_record;

pub use validate::{
    CLOCK_SKEW, MAX_BUNDLE_VALUES, MAX_STATUS_ENTRIES, MAX_URL_CHARS, MAX_VALIDITY_YEARS,
};

#[cfg(test)]
mod tests;
