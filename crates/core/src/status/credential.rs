//! Status list credentials: `BitstringStatusListCredential` documents signed with
//! `eddsa-jcs-2022`.
//!
//! A list counts for a certificate's status entry only when (see [`CheckedList::status`]):
//! its proof verifies with a key the verifier's trust list gives for the list's issuer, that
//! issuer is the certificate's issuer, its `id` is the entry's `statusListCredential`, its
//! `statusPurpose` is the entry's, and it is not before its `validFrom`. Past its `validUntil`
//! (the freshness limit) it is *stale*: the verifier reports `status_unknown` unless told to
//! accept stale lists.

use super::bitstring::Bitstring;
use super::StatusError;
use crate::jcs;
use crate::keys;
use crate::model::{format_time, parse_time, StatusPurpose, StatusRef, VC_V2_CONTEXT};
use crate::proof::{self, PreparedProof, ProofError};
use crate::signer::IssuerSigner;
use crate::trust::{SigningTime, TrustList};
use crate::verify::{StatusBit, StatusLookupError};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// Largest status list credential accepted (2 MiB of JSON).
pub const MAX_LIST_CREDENTIAL: usize = 2 << 20;

/// Builds and signs the status list credential of list `number` with `issuer`'s key.
/// `validUntil` = `now` + the issuer's `statusTtlSecs`.
pub fn build_signed(
    issuer: &dyn IssuerSigner,
    number: u64,
    purpose: StatusPurpose,
    bits: &Bitstring,
    now: DateTime<Utc>,
) -> Result<Value, StatusError> {
    let ttl = issuer.status_ttl_secs().clamp(60, 366 * 86_400) as i64;
    let url = list_url(issuer.public_url(), number);
    let unsigned = json!({
        "@context": [VC_V2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.issuer_id(),
        "validFrom": format_time(&now),
        "validUntil": format_time(&(now + Duration::seconds(ttl))),
        "credentialSubject": {
            "id": format!("{url}#list"),
            "type": "BitstringStatusList",
            "statusPurpose": purpose.as_str(),
            "encodedList": bits.encode(),
        },
    });
    Ok(proof::sign_as(&unsigned, issuer, &now)?)
}

/// The URL of list `number`: `{public_url}/status/{number}`.
pub fn list_url(public_url: &str, number: u64) -> String {
    format!("{}/status/{number}", public_url.trim_end_matches('/'))
}

/// A parsed (not yet trusted) status list credential.
#[derive(Debug, Clone)]
pub struct StatusListCredential {
    /// `id`: the URL the list is published at.
    pub id: String,
    /// The issuer id (empty when the list names none: it then never counts).
    pub issuer: String,
    /// `credentialSubject.statusPurpose` (one or several).
    pub purposes: Vec<String>,
    /// `validFrom`.
    pub valid_from: Option<DateTime<Utc>>,
    /// `validUntil`: the freshness limit.
    pub valid_until: Option<DateTime<Utc>>,
    /// `credentialSubject.ttl`: how long (milliseconds) a fetched copy may be used before it
    /// is fetched again. The HTTP cache honours it (`skillcert-online`'s `http_cache`).
    pub ttl_ms: Option<u64>,
    /// The decoded list.
    pub bits: Bitstring,
    /// The `eddsa-jcs-2022` proof, or why there is none usable.
    pub proof: Result<PreparedProof, ProofError>,
}

fn field(name: &str, why: &str) -> StatusError {
    StatusError::Field(format!("{name}: {why}"))
}

impl StatusListCredential {
    /// Parses JSON bytes (strict, size-limited).
    pub fn parse(bytes: &[u8]) -> Result<Self, StatusError> {
        let v = jcs::parse_strict(bytes, MAX_LIST_CREDENTIAL)
            .map_err(|e| StatusError::Field(format!("status list credential: {e}")))?;
        Self::from_value(&v)
    }

    /// Reads a status list credential already parsed as JSON.
    pub fn from_value(v: &Value) -> Result<Self, StatusError> {
        let o = v
            .as_object()
            .ok_or_else(|| field("$", "must be a JSON object"))?;
        let types: Vec<&str> = match o.get("type") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            Some(Value::String(s)) => vec![s.as_str()],
            _ => return Err(field("type", "missing")),
        };
        if !types.contains(&"BitstringStatusListCredential") {
            return Err(field("type", "must include BitstringStatusListCredential"));
        }
        let id = o
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| field("id", "missing or not a string"))?
            .to_owned();
        let issuer = match o.get("issuer") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Object(i)) => i
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| field("issuer.id", "missing or not a string"))?
                .to_owned(),
            // Tolerated for decoding (some test lists have none); such a list never counts.
            None => String::new(),
            _ => return Err(field("issuer", "must be a string or an object with id")),
        };
        let time = |k: &str| -> Result<Option<DateTime<Utc>>, StatusError> {
            match o.get(k) {
                None => Ok(None),
                Some(Value::String(s)) => parse_time(k, s)
                    .map(Some)
                    .map_err(|e| StatusError::Field(e.to_string())),
                Some(_) => Err(field(k, "must be a string")),
            }
        };
        let valid_from = time("validFrom")?;
        let valid_until = time("validUntil")?;
        let subject = match o.get("credentialSubject") {
            Some(s @ Value::Object(_)) => s,
            Some(Value::Array(a)) if a.len() == 1 && a[0].is_object() => &a[0],
            _ => return Err(field("credentialSubject", "must be one object")),
        };
        if subject.get("type").and_then(Value::as_str) != Some("BitstringStatusList") {
            return Err(field(
                "credentialSubject.type",
                "must be BitstringStatusList",
            ));
        }
        let purposes = match subject.get("statusPurpose") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) if !a.is_empty() && a.len() <= 8 => a
                .iter()
                .map(|p| p.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| field("credentialSubject.statusPurpose", "must be strings"))?,
            _ => {
                return Err(field(
                    "credentialSubject.statusPurpose",
                    "missing or not a string",
                ))
            }
        };
        let encoded = subject
            .get("encodedList")
            .and_then(Value::as_str)
            .ok_or_else(|| field("credentialSubject.encodedList", "missing or not a string"))?;
        let ttl_ms = match subject.get("ttl") {
            None => None,
            Some(t) => Some(
                t.as_u64()
                    .ok_or_else(|| field("credentialSubject.ttl", "must be a whole number"))?,
            ),
        };
        let bits = Bitstring::decode(encoded)?;
        let proof = proof::prepare(v);
        Ok(StatusListCredential {
            id,
            issuer,
            purposes,
            valid_from,
            valid_until,
            ttl_ms,
            bits,
            proof,
        })
    }

    /// Checks the proof against `trust`: the signing key must be one of the list issuer's
    /// keys, within its window, and the Ed25519 signature must verify. Returns the key id.
    pub fn verify_proof(&self, trust: &TrustList) -> Result<String, StatusLookupError> {
        let refused = StatusLookupError::Refused;
        let p = self
            .proof
            .as_ref()
            .map_err(|e| refused(format!("status list {} has no usable proof: {e}", self.id)))?;
        let found = trust
            .find_key(&self.issuer, &p.verification_method)
            .map_err(|e| {
                refused(format!(
                    "status list {} is not from a trusted key: {e}",
                    self.id
                ))
            })?;
        found
            .check_window(
                &SigningTime::document(p.created, self.valid_from),
                Utc::now(),
            )
            .map_err(|e| refused(format!("status list {}: {e}", self.id)))?;
        if !keys::verify_strict(&found.public, &p.message, &p.signature) {
            return Err(refused(format!(
                "status list {}: signature does not verify (altered or not signed by {})",
                self.id, found.key.id
            )));
        }
        Ok(found.key.id.clone())
    }

    /// Whether the list is past its freshness limit at `now`.
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        self.valid_until.is_some_and(|u| now >= u)
    }
}

/// How far ahead of the verifier's clock a status list's `validFrom` may be (5 minutes): the
/// issuer's clock may run ahead, and a list is often made (at the next second) during the very
/// check that fetched it. A list dated ahead never hides anything: it only carries statuses
/// at least as new as the verifier asked for.
pub const CLOCK_SKEW_SECS: i64 = 300;

/// A status list credential together with the outcome of its proof check.
#[derive(Debug, Clone)]
pub struct CheckedList {
    /// The list.
    pub list: StatusListCredential,
    /// `Ok(key id)` when the proof verified with a trusted key, else why not.
    pub proof: Result<String, StatusLookupError>,
    /// Where it came from (file path, URL, cache).
    pub source: String,
}

impl CheckedList {
    /// Checks `list`'s proof against `trust` once; lookups reuse the outcome.
    pub fn new(list: StatusListCredential, trust: &TrustList, source: String) -> Self {
        let proof = list.verify_proof(trust);
        CheckedList {
            list,
            proof,
            source,
        }
    }

    /// The status bit for `entry` of a certificate issued by `issuer_id`. `Err` (the verifier
    /// reports `status_unknown`) when the list does not count for this entry.
    pub fn status(
        &self,
        entry: &StatusRef,
        issuer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        let refused = StatusLookupError::Refused;
        let l = &self.list;
        if l.id != entry.list_url {
            return Err(refused(format!(
                "status list from {} has id {}, not the entry's {}",
                self.source, l.id, entry.list_url
            )));
        }
        if let Err(e) = &self.proof {
            return Err(e.clone());
        }
        if l.issuer.is_empty() || l.issuer != issuer_id {
            return Err(refused(format!(
                "status list {} is issued by {}, not by the certificate's issuer {issuer_id}",
                l.id, l.issuer
            )));
        }
        if !l.purposes.iter().any(|p| p == entry.purpose.as_str()) {
            return Err(refused(format!(
                "status list {} has purpose {}, not {}",
                l.id,
                l.purposes.join(","),
                entry.purpose.as_str()
            )));
        }
        if let Some(f) = l.valid_from {
            if now + chrono::Duration::seconds(CLOCK_SKEW_SECS) < f {
                return Err(refused(format!(
                    "status list {} is not valid before {}",
                    l.id,
                    format_time(&f)
                )));
            }
        }
        let set = l.bits.get(entry.index as usize).ok_or_else(|| {
            refused(format!(
                "status list {} has {} entries; index {} is past its end",
                l.id,
                l.bits.len(),
                entry.index
            ))
        })?;
        Ok(StatusBit {
            set,
            stale: l.is_stale(now),
            source: self.source.clone(),
            change: None,
        })
    }
}
