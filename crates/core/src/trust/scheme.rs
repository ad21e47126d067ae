//! Schemes: what an authority's trust list adds to a plain one (`docs/CONTRACT.md`, "Schemes
//! and accreditation").
//!
//! - [`TrustListAuthority`] names who signed the list, [`TrustAnchor`] is the key a verifier was given for
//!   it, and [`verify_signed`] checks a list's `eddsa-jcs-2022` proof against that anchor;
//! - an issuer entry may carry a [`Scope`] and an accreditation window (`accreditedFrom`,
//!   `accreditedUntil`, `suspendedFrom`); [`TrustedIssuer::check_accreditation`] judges a
//!   certificate's [`ScopeFacts`] and signing time against them.
//!
//! These rules apply wherever an entry carries them, signed list or not: a scope is the list's
//! statement about what an issuer may certify, and honouring it never makes a verifier accept
//! more. The proof and freshness (`validFrom`..`validUntil`) decide whether a list counts at all;
//! that is [`super::store`]'s business.

use super::{TrustError, TrustList, TrustedIssuer, Untrusted};
use crate::keys::{self, parse_public_multibase};
use crate::model::{format_time, Claims};
use crate::signer::Signer;
use crate::trust::SigningTime;
use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The authority that signed a trust list (`authority` member).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TrustListAuthority {
    /// Its DID (`did:key:z6Mk…` or `did:web:…`).
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
}

/// What an issuer is accredited for (`scope` member). An absent member means unrestricted; an
/// empty array means nothing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Scope {
    /// Framework names (`cn-nvq`), or for other issuers' frameworks the `resultDescription` id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frameworks: Option<Vec<String>>,
    /// Program codes (`achievement.humanCode`, e.g. `6-18-01-01`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programs: Option<Vec<String>>,
    /// Level values (`result[].value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub levels: Option<Vec<String>>,
}

impl Scope {
    /// `cn-nvq; programs 6-18-01-01, 6-25-04-08; levels 2, 3` (unrestricted members left out;
    /// `any` when nothing is restricted).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let list = |v: &Vec<String>| {
            if v.is_empty() {
                "none".to_owned()
            } else {
                v.join(", ")
            }
        };
        if let Some(f) = &self.frameworks {
            parts.push(format!("frameworks {}", list(f)));
        }
        if let Some(p) = &self.programs {
            parts.push(format!("programs {}", list(p)));
        }
        if let Some(l) = &self.levels {
            parts.push(format!("levels {}", list(l)));
        }
        if parts.is_empty() {
            "any framework, program and level".to_owned()
        } else {
            parts.join("; ")
        }
    }
}

impl Scope {
    /// [`Scope::describe`] in Chinese: `职业标准 cn-nvq；职业编码 6-18-01-01；等级 3、4`.
    pub fn describe_zh(&self) -> String {
        let list = |v: &Vec<String>| {
            if v.is_empty() {
                "无".to_owned()
            } else {
                v.join("、")
            }
        };
        let parts: Vec<String> = [
            ("职业标准", &self.frameworks),
            ("职业编码", &self.programs),
            ("等级", &self.levels),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {}", list(v))))
        .collect();
        if parts.is_empty() {
            "不限职业标准、职业和等级".to_owned()
        } else {
            parts.join("；")
        }
    }
}

/// What a certificate says that a [`Scope`] judges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeFacts {
    /// The framework of each result: `cn-nvq` for `urn:skillcert:framework:cn-nvq`, else the
    /// `resultDescription` id as it stands.
    pub frameworks: Vec<String>,
    /// `achievement.humanCode`.
    pub program: Option<String>,
    /// `result[].value`.
    pub levels: Vec<String>,
}

/// Prefix of the framework ids our certificates point at.
const FRAMEWORK_PREFIX: &str = "urn:skillcert:framework:";

impl ScopeFacts {
    /// The facts of well-formed skillcert claims.
    pub fn of_claims(c: &Claims) -> Self {
        ScopeFacts {
            frameworks: vec![c.level.framework.id().to_owned()],
            program: c.program.code.clone(),
            levels: vec![c.level.value.clone()],
        }
    }

    /// The facts of any VC 2.0 / Open Badges 3.0 credential (document or token payload).
    pub fn of_document(doc: &Value) -> Self {
        let results = doc
            .pointer("/credentialSubject/result")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut facts = ScopeFacts {
            program: doc
                .pointer("/credentialSubject/achievement/humanCode")
                .and_then(Value::as_str)
                .map(str::to_owned),
            ..ScopeFacts::default()
        };
        for r in results {
            if let Some(d) = r.get("resultDescription").and_then(Value::as_str) {
                let name = d.strip_prefix(FRAMEWORK_PREFIX).unwrap_or(d);
                facts.frameworks.push(name.to_owned());
            }
            if let Some(v) = r.get("value").and_then(Value::as_str) {
                facts.levels.push(v.to_owned());
            }
        }
        facts
    }
}

impl TrustedIssuer {
    /// Whether the entry carries any accreditation member (scope or window).
    pub fn has_accreditation(&self) -> bool {
        self.scope.is_some()
            || self.accredited_from.is_some()
            || self.accredited_until.is_some()
            || self.suspended_from.is_some()
    }

    /// Whether a certificate with `facts`, signed at `when`, is within this entry's
    /// accreditation: signed in [`accreditedFrom`, `accreditedUntil`) and before
    /// `suspendedFrom`, and inside the scope. Entries without these members accept everything.
    ///
    /// The window is judged at the signing time ([`SigningTime::judged_at`]); `accreditedUntil`
    /// and `suspendedFrom` at the latest time the certificate claims for itself (its signing
    /// time or its `validFrom`), as the key compromise rule is: a certificate that takes effect
    /// after the accreditation ended was not issued under it.
    pub fn check_accreditation(
        &self,
        facts: &ScopeFacts,
        when: &SigningTime,
        now: DateTime<Utc>,
    ) -> Result<(), Untrusted> {
        let (t, at) = when.judged_at(now);
        let (latest, latest_at) = match when.valid_from {
            Some(v) if v > t => (v, format!("its validFrom {}", format_time(&v))),
            _ => (t, at.clone()),
        };
        let not = |why: String| Err(Untrusted::NotAccredited(why));
        if let Some(from) = self.accredited_from.filter(|f| t < *f) {
            return not(format!(
                "issuer {} was not yet accredited at {at}: its accreditation starts {}",
                self.id,
                format_time(&from)
            ));
        }
        if let Some(until) = self.accredited_until.filter(|u| latest >= *u) {
            return not(format!(
                "issuer {}'s accreditation ended {}, and {latest_at} is not before that",
                self.id,
                format_time(&until)
            ));
        }
        if let Some(s) = self.suspended_from.filter(|s| latest >= *s) {
            return not(format!(
                "issuer {}'s accreditation is suspended from {}, and {latest_at} is not before that",
                self.id,
                format_time(&s)
            ));
        }
        match &self.scope {
            Some(scope) => check_scope(scope, facts),
            None => Ok(()),
        }
    }
}

/// The first member of `scope` that `facts` falls outside of.
fn check_scope(scope: &Scope, facts: &ScopeFacts) -> Result<(), Untrusted> {
    let out = |why: String| Err(Untrusted::OutOfScope(why));
    if let Some(allowed) = &scope.frameworks {
        if facts.frameworks.is_empty() {
            return out(
                "the certificate names no framework, and the accreditation covers only \
                        some frameworks"
                    .into(),
            );
        }
        if let Some(f) = facts.frameworks.iter().find(|f| !allowed.contains(f)) {
            return out(format!("not accredited for framework {f}"));
        }
    }
    if let Some(allowed) = &scope.programs {
        match &facts.program {
            None => {
                return out(
                    "the certificate names no program code, and the accreditation \
                            covers only some programs"
                        .into(),
                )
            }
            Some(p) if !allowed.contains(p) => {
                return out(format!("not accredited for program {p}"))
            }
            Some(_) => {}
        }
    }
    if let Some(allowed) = &scope.levels {
        if facts.levels.is_empty() {
            return out(
                "the certificate names no level, and the accreditation covers only \
                        some levels"
                    .into(),
            );
        }
        if let Some(l) = facts.levels.iter().find(|l| !allowed.contains(l)) {
            return out(format!("not accredited for level {l}"));
        }
    }
    Ok(())
}

/// The key a verifier trusts an authority by: the `verificationMethod` a list's proof must name
/// and its public key.
///
/// Written as `did:key:z6Mk…` (the key is its own name; the method is `did:key:z…#z…`) or as
/// `METHOD=z6Mk…` for any other DID (`did:web:hrss.example.cn#key-1=z6Mk…`), which is what
/// `skillcert authority key` prints.
#[derive(Clone, PartialEq, Eq)]
pub struct TrustAnchor {
    verification_method: String,
    public: VerifyingKey,
}

impl std::fmt::Debug for TrustAnchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrustAnchor({})", self)
    }
}

impl std::fmt::Display for TrustAnchor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mb = keys::public_multibase(&self.public);
        if self.verification_method == format!("did:key:{mb}#{mb}") {
            write!(f, "did:key:{mb}")
        } else {
            write!(f, "{}={mb}", self.verification_method)
        }
    }
}

impl std::str::FromStr for TrustAnchor {
    type Err = TrustError;
    fn from_str(s: &str) -> Result<Self, TrustError> {
        TrustAnchor::parse(s)
    }
}

/// Longest trust anchor text accepted.
const MAX_ANCHOR: usize = 1024;

impl TrustAnchor {
    /// The anchor of `public` named `verification_method`.
    pub fn new(verification_method: &str, public: VerifyingKey) -> Self {
        TrustAnchor {
            verification_method: verification_method.to_owned(),
            public,
        }
    }

    /// Parses `did:key:z…`, `did:key:z…#z…` or `METHOD=z6Mk…`.
    pub fn parse(s: &str) -> Result<Self, TrustError> {
        let s = s.trim();
        let bad = |why: &str| {
            TrustError::Shape(format!(
                "trust anchor {:?}: {why} (give did:key:z6Mk… or METHOD=z6Mk…, as `skillcert \
                 authority key` prints it)",
                s.chars().take(80).collect::<String>()
            ))
        };
        if s.len() > MAX_ANCHOR {
            return Err(bad("too long"));
        }
        if let Some((vm, mb)) = s.split_once('=') {
            let public = parse_public_multibase(mb).map_err(|e| bad(&e.to_string()))?;
            if !vm.starts_with("did:") || !vm.contains('#') {
                return Err(bad(
                    "the method before = must be a DID URL with a #fragment",
                ));
            }
            return Ok(TrustAnchor::new(vm, public));
        }
        let did = s.split('#').next().unwrap_or(s);
        let public = keys::parse_did_key(did).map_err(|e| bad(&e.to_string()))?;
        let vm = keys::did_key_vm(&public);
        if s.contains('#') && s != vm {
            return Err(bad("a did:key method must be did:key:zK#zK"));
        }
        Ok(TrustAnchor::new(&vm, public))
    }

    /// The verification method a list's proof must name.
    pub fn verification_method(&self) -> &str {
        &self.verification_method
    }

    /// The DID (the method without its fragment): the list's `authority.id` must be this.
    pub fn did(&self) -> &str {
        self.verification_method
            .split('#')
            .next()
            .unwrap_or(&self.verification_method)
    }

    /// The public key.
    pub fn public(&self) -> &VerifyingKey {
        &self.public
    }
}

/// Why a trust list given with an anchor does not count: its proof does not verify with the
/// anchor (it is then refused for good), or it is not fresh at the time of a check.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ListNotInForce {
    /// The list has no proof.
    #[error("the list is not signed (it has no proof)")]
    NotSigned,
    /// The proof cannot be read or canonicalized.
    #[error("its proof is unusable: {0}")]
    ProofUnusable(crate::proof::ProofError),
    /// The proof is of another cryptosuite than `eddsa-jcs-2022`.
    #[error("its proof is {0}, and a trust list is signed with eddsa-jcs-2022")]
    Cryptosuite(&'static str),
    /// The proof names another verification method than the anchor's.
    #[error("it is signed by {signed_by}, not by the trust anchor {anchor}")]
    OtherSigner {
        /// The proof's verification method.
        signed_by: String,
        /// The anchor's.
        anchor: String,
    },
    /// The list's `authority.id` is not the anchor's DID.
    #[error("its authority is {authority}, not the trust anchor's {anchor}")]
    OtherAuthority {
        /// The list's `authority.id`.
        authority: String,
        /// The anchor's DID.
        anchor: String,
    },
    /// The list names no authority.
    #[error("it names no authority")]
    NoAuthority,
    /// The signature does not verify with the anchor's key.
    #[error(
        "its signature does not verify with {0}: the list was altered or signed by another key"
    )]
    BadSignature(String),
    /// A signed list without `validUntil`.
    #[error("it has no validUntil (a signed list must say how long it is fresh)")]
    NoValidUntil,
    /// Before its `validFrom`.
    #[error("it is not valid before {}", format_time(.0))]
    NotYetValid(DateTime<Utc>),
    /// Past its `validUntil`.
    #[error("it is past its freshness limit (validUntil {})", format_time(.0))]
    Stale(DateTime<Utc>),
}

/// Checks the `eddsa-jcs-2022` proof of a trust list (`raw`, the list as parsed) against
/// `anchor`: the proof names the anchor's method, the list's `authority.id` is the anchor's
/// DID, and the signature over the JCS form of the list without `proof` verifies. Freshness
/// is not judged here (it depends on the time of each check).
pub fn verify_signed(
    raw: &Value,
    list: &TrustList,
    anchor: &TrustAnchor,
) -> Result<(), ListNotInForce> {
    if raw.get("proof").is_none() {
        return Err(ListNotInForce::NotSigned);
    }
    let p = crate::proof::prepare(raw).map_err(ListNotInForce::ProofUnusable)?;
    if p.cryptosuite != crate::proof::Cryptosuite::EddsaJcs2022 {
        return Err(ListNotInForce::Cryptosuite(p.cryptosuite.name()));
    }
    if p.verification_method != anchor.verification_method {
        return Err(ListNotInForce::OtherSigner {
            signed_by: p.verification_method,
            anchor: anchor.verification_method.clone(),
        });
    }
    match &list.authority {
        Some(a) if a.id == anchor.did() => {}
        Some(a) => {
            return Err(ListNotInForce::OtherAuthority {
                authority: a.id.clone(),
                anchor: anchor.did().to_owned(),
            })
        }
        None => return Err(ListNotInForce::NoAuthority),
    }
    if !keys::verify_strict(&anchor.public, &p.message, &p.signature) {
        return Err(ListNotInForce::BadSignature(
            anchor.verification_method.clone(),
        ));
    }
    Ok(())
}

impl TrustList {
    /// The list as JSON for signing: every member, with `accreditedUntil` and `suspendedFrom`
    /// written as `null` (not left out) for accredited issuers, as the published format shows.
    pub fn to_value(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(issuers) = v.get_mut("issuers").and_then(Value::as_array_mut) {
            for i in issuers.iter_mut().filter_map(Value::as_object_mut) {
                if i.contains_key("accreditedFrom") {
                    for k in ["accreditedUntil", "suspendedFrom"] {
                        i.entry(k).or_insert(Value::Null);
                    }
                }
            }
        }
        v
    }

    /// The list signed by `signer` at `created` (an `eddsa-jcs-2022` proof over the whole
    /// list, no `@context`).
    pub fn sign(
        &self,
        signer: &dyn Signer,
        created: &DateTime<Utc>,
    ) -> Result<Value, crate::proof::ProofError> {
        crate::proof::sign_as(&self.to_value(), signer, created)
    }
}

#[cfg(test)]
mod tests;
