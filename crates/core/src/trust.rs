//! Trust lists (`SkillcertTrustList`, version 1): which issuers are trusted, with which keys and
//! for which signing windows. The fixed part of the format is in `docs/CONTRACT.md`; other
//! tools may add members, which are ignored. One optional member is ours:
//! `compromiseGraceDays` on a key (see [`TrustedKey::compromise_grace_days`]).
//!
//! A list is refused when it lists one public key under two issuers, or a key whose `id` is not
//! `<issuer id>#…` (a key id of another DID), except a `did:key` id that names exactly the key
//! listed (`did:key:zK#zK` with `publicKeyMultibase` `zK`): such an id is the key itself and
//! belongs to no other party.
//!
//! # What `compromisedFrom` can and cannot prove
//!
//! The signing time of a certificate (see [`SigningTime`]: the proof's `created`, the token's
//! `iat` or `nbf`, the QR's signing time, else the credential's `validFrom`) is written by the
//! signer. Whoever holds a stolen key can write any time, so a signature
//! dated before `compromisedFrom` is only as good as the evidence that it was really made then:
//! the date alone proves nothing. `compromisedFrom` reliably rejects only thieves who date their
//! forgeries honestly or carelessly. Two rules narrow what remains:
//!
//! - a grace window: signatures dated less than [`DEFAULT_COMPROMISE_GRACE_DAYS`] days (or the
//!   key's `compromiseGraceDays`) before `compromisedFrom` are rejected too. A thief who forges
//!   "just before the compromise" is caught; the issuer re-issues what it really signed in that
//!   window. 30 days covers the usual uncertainty of when a leak began (logs are reviewed
//!   monthly, incidents are found weeks late) at the price of one month of re-issues;
//! - the issuer's own verifier (its server, and the CLI without `--trust`) also asks its
//!   registry: a certificate it never recorded is not valid, whatever its date.
//!
//! An auditor with only a trust list cannot tell a well-backdated forgery (dated before the
//! window) from a genuine certificate. Against that, the issuer should retire keys (rotation
//! destroys the retired secret) and, when a key leaks, date `compromisedFrom` no later than the
//! earliest moment the key could have been copied, and re-issue what it signed since.

use crate::jcs;
use crate::keys::{self, jwk_thumbprint, parse_public_multibase};
use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

/// Largest trust list file accepted (4 MiB).
pub const MAX_TRUST_LIST: usize = 4 << 20;

/// Why a trust list cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustError {
    /// Not JSON, too large, duplicate members.
    #[error("trust list: {0}")]
    Json(#[from] jcs::JsonError),
    /// Wrong shape; names the field.
    #[error("trust list: {0}")]
    Shape(String),
    /// A key in the list is not a valid Multikey.
    #[error("trust list: key {id}: {source}")]
    Key {
        /// Key id.
        id: String,
        /// Why.
        source: keys::KeyError,
    },
}

/// One key of a trusted issuer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TrustedKey {
    /// Verification method id (`did:web:…#key-1`).
    pub id: String,
    /// `Multikey`.
    #[serde(rename = "type")]
    pub key_type: String,
    /// `z6Mk…`.
    pub public_key_multibase: String,
    /// Start of the key's signing life.
    pub valid_from: Option<DateTime<Utc>>,
    /// End of the key's signing life (earlier signatures stay valid).
    pub valid_until: Option<DateTime<Utc>>,
    /// Signatures dated from this time on are rejected, and so are those dated less than the
    /// grace window before it (see the module documentation: the date is the signer's claim).
    pub compromised_from: Option<DateTime<Utc>>,
    /// Optional (ours): the grace window before `compromisedFrom`, in days; absent means
    /// [`DEFAULT_COMPROMISE_GRACE_DAYS`], 0 turns it off. Ignored without `compromisedFrom`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compromise_grace_days: Option<u32>,
}

/// Default grace window before a key's `compromisedFrom`, in days: signatures dated within it
/// are rejected too (a thief chooses the signing time).
pub const DEFAULT_COMPROMISE_GRACE_DAYS: u32 = 30;

/// Largest `compromiseGraceDays` accepted (ten years).
pub const MAX_COMPROMISE_GRACE_DAYS: u32 = 3660;

/// A trusted issuer.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct TrustedIssuer {
    /// Issuer id (DID or URL).
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Keys.
    pub keys: Vec<TrustedKey>,
    /// Optional member `statusOrigins`: origins (`https://host[:port]`) the verifier may fetch
    /// this issuer's status lists from, besides its own (see [`TrustList::status_origins`]).
    #[serde(
        default,
        rename = "statusOrigins",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub status_origins: Vec<String>,
    /// Schemes: the issuer's number space, `numberPrefixes`: the certificate numbers it may
    /// use and report start with one of these ([`crate::model::number::check_number_prefix`]).
    /// National prefixes of two issuers of a list never overlap. A portal's register takes a
    /// numbered record only from the issuer whose space holds the number.
    #[serde(
        default,
        rename = "numberPrefixes",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub numbers: Vec<String>,
    /// Schemes: what the issuer is accredited for (absent: unrestricted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Scope>,
    /// Schemes: certificates signed before this are not accredited.
    #[serde(
        default,
        rename = "accreditedFrom",
        skip_serializing_if = "Option::is_none"
    )]
    pub accredited_from: Option<DateTime<Utc>>,
    /// Schemes: certificates signed from this time on are not accredited.
    #[serde(
        default,
        rename = "accreditedUntil",
        skip_serializing_if = "Option::is_none"
    )]
    pub accredited_until: Option<DateTime<Utc>>,
    /// Schemes: the accreditation is suspended for certificates signed from this time on.
    #[serde(
        default,
        rename = "suspendedFrom",
        skip_serializing_if = "Option::is_none"
    )]
    pub suspended_from: Option<DateTime<Utc>>,
}

/// A `SkillcertTrustList`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TrustList {
    /// Always `SkillcertTrustList`.
    #[serde(rename = "type")]
    pub list_type: String,
    /// Always 1.
    pub version: u32,
    /// Schemes: the authority that signs the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authority: Option<TrustListAuthority>,
    /// Schemes: the list counts from this time.
    #[serde(default, rename = "validFrom", skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<DateTime<Utc>>,
    /// Schemes: the list's freshness limit; past it the list does not count.
    #[serde(
        default,
        rename = "validUntil",
        skip_serializing_if = "Option::is_none"
    )]
    pub valid_until: Option<DateTime<Utc>>,
    /// The issuers.
    pub issuers: Vec<TrustedIssuer>,
}

/// The decoded public keys of a [`TrustList`], in its order of issuers and keys.
#[derive(Debug, Clone, Default)]
pub struct ParsedKeys(Vec<Vec<Option<VerifyingKey>>>);

/// Why a credential's issuer or key is not trusted (a verdict, not an error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Untrusted {
    /// The issuer is not on the list.
    UnknownIssuer(String),
    /// The key is not one of the issuer's keys.
    UnknownKey(String),
    /// The key was not in its signing life when it signed.
    OutsideWindow(String),
    /// The key was compromised when it signed.
    Compromised(String),
    /// The issuer was not accredited (or its accreditation was suspended) when it signed.
    NotAccredited(String),
    /// The certificate is outside what the issuer is accredited for.
    OutOfScope(String),
    /// The issuer is listed only in trust lists that do not count (not signed by their anchor,
    /// or not fresh).
    ListNotInForce(String),
}

impl std::fmt::Display for Untrusted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Untrusted::UnknownIssuer(i) => write!(f, "issuer {i} is not in the trust list"),
            Untrusted::UnknownKey(k) => write!(f, "key {k} is not a trusted key of the issuer"),
            Untrusted::OutsideWindow(w)
            | Untrusted::Compromised(w)
            | Untrusted::NotAccredited(w)
            | Untrusted::OutOfScope(w)
            | Untrusted::ListNotInForce(w) => write!(f, "{w}"),
        }
    }
}

/// A status list URL whose origin the trust list does not allow for the issuer (see
/// [`TrustList::check_status_url`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
#[error(
    "status list {url} was not fetched: its origin {} is not allowed for issuer {issuer_id} \
     (allowed: {}; a trust list may name more in the issuer's statusOrigins)",
    origin.as_deref().unwrap_or("(not an http(s) URL)"),
    if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") }
)]
pub struct OriginNotAllowed {
    /// The list URL.
    pub url: String,
    /// The credential's issuer.
    pub issuer_id: String,
    /// The URL's origin (`None`: not a plain http(s) URL).
    pub origin: Option<String>,
    /// The origins allowed for the issuer.
    pub allowed: Vec<String>,
}

/// A key found in the trust list.
#[derive(Debug, Clone)]
pub struct FoundKey<'a> {
    /// The issuer entry.
    pub issuer: &'a TrustedIssuer,
    /// The key entry.
    pub key: &'a TrustedKey,
    /// The decoded public key.
    pub public: VerifyingKey,
}

impl TrustList {
    /// An empty list.
    pub fn empty() -> Self {
        TrustList {
            list_type: "SkillcertTrustList".into(),
            version: 1,
            authority: None,
            valid_from: None,
            valid_until: None,
            issuers: vec![],
        }
    }

    /// Parses and checks a trust list (every key must decode).
    pub fn parse(bytes: &[u8]) -> Result<Self, TrustError> {
        Self::from_value(jcs::parse_strict(bytes, MAX_TRUST_LIST)?)
    }

    /// The checks of [`TrustList::parse`] on a deserialized list.
    pub(crate) fn check(&self) -> Result<(), TrustError> {
        if self.list_type != "SkillcertTrustList" {
            return Err(TrustError::Shape("type: must be SkillcertTrustList".into()));
        }
        if self.version != 1 {
            return Err(TrustError::Shape("version: only version 1 is known".into()));
        }
        if let (Some(f), Some(u)) = (self.valid_from, self.valid_until) {
            if u < f {
                return Err(TrustError::Shape("validUntil: before validFrom".into()));
            }
        }
        self.check_keys()?;
        self.check_number_spaces()
    }

    /// Every number prefix is well formed, and no two issuers' national prefixes overlap (a
    /// national number names its body; a general-form number is the issuer's own, always shown
    /// with the issuer, so two issuers may both write `SC-…`).
    fn check_number_spaces(&self) -> Result<(), TrustError> {
        for (i, issuer) in self.issuers.iter().enumerate() {
            for p in &issuer.numbers {
                crate::model::number::check_number_prefix(
                    &format!("issuers[{i}].numberPrefixes"),
                    p,
                )
                .map_err(|e| TrustError::Shape(e.to_string()))?;
                let national = |q: &str| !q.ends_with('-');
                let other = self.issuers[..i].iter().find(|o| {
                    o.id != issuer.id
                        && o.numbers.iter().any(|q| {
                            national(p)
                                && national(q)
                                && crate::model::number::prefixes_overlap(p, q)
                        })
                });
                if let Some(o) = other {
                    return Err(TrustError::Shape(format!(
                        "issuer {}: number prefix {p} overlaps the number space of issuer {}; \
                         a number belongs to one body",
                        issuer.id, o.id
                    )));
                }
            }
        }
        Ok(())
    }

    /// Every key decodes, is a Multikey, has an id of its own issuer and belongs to one issuer
    /// only.
    fn check_keys(&self) -> Result<(), TrustError> {
        // Public key bytes -> the issuer that lists them first.
        let mut owners: std::collections::HashMap<[u8; 32], &str> = Default::default();
        for (i, issuer) in self.issuers.iter().enumerate() {
            if issuer.id.is_empty() {
                return Err(TrustError::Shape(format!(
                    "issuers[{i}].id: must not be empty"
                )));
            }
            for o in &issuer.status_origins {
                if url_origin(o) != Some(o.trim_end_matches('/').to_ascii_lowercase()) {
                    return Err(TrustError::Shape(format!(
                        "issuers[{i}].statusOrigins: {o:?} is not an origin like https://status.example.cn"
                    )));
                }
            }
            for k in &issuer.keys {
                if k.key_type != "Multikey" {
                    return Err(TrustError::Shape(format!(
                        "issuers[{i}].keys: key {} has type {:?}; only Multikey is supported",
                        k.id, k.key_type
                    )));
                }
                let public = parse_public_multibase(&k.public_key_multibase).map_err(|source| {
                    TrustError::Key {
                        id: k.id.clone(),
                        source,
                    }
                })?;
                if !key_id_belongs_to(&issuer.id, k) {
                    return Err(TrustError::Shape(format!(
                        "issuer {}: key id {} is not {}#…: a key id of another DID cannot be \
                         this issuer's key",
                        issuer.id, k.id, issuer.id
                    )));
                }
                if k.compromise_grace_days > Some(MAX_COMPROMISE_GRACE_DAYS) {
                    return Err(TrustError::Shape(format!(
                        "issuer {}: key {}: compromiseGraceDays must be at most \
                         {MAX_COMPROMISE_GRACE_DAYS}",
                        issuer.id, k.id
                    )));
                }
                match owners.get(public.as_bytes()) {
                    Some(other) if *other != issuer.id => {
                        return Err(TrustError::Shape(format!(
                            "issuer {}: key {} ({}) is already a key of issuer {other}; one \
                             public key cannot belong to two issuers",
                            issuer.id, k.id, k.public_key_multibase
                        )));
                    }
                    Some(_) => {}
                    None => {
                        owners.insert(*public.as_bytes(), &issuer.id);
                    }
                }
            }
        }
        Ok(())
    }

    /// Reads a trust list file.
    pub fn load(path: &std::path::Path) -> Result<Self, TrustError> {
        let bytes = std::fs::read(path)
            .map_err(|e| TrustError::Shape(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&bytes)
    }

    /// JSON text of the list.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("serializable")
    }

    /// Adds the issuers of `other` (merging keys of an issuer present in both).
    pub fn merge(&mut self, other: TrustList) {
        for iss in other.issuers {
            match self.issuers.iter_mut().find(|i| i.id == iss.id) {
                Some(mine) => {
                    for k in iss.keys {
                        if !mine.keys.iter().any(|m| m.id == k.id) {
                            mine.keys.push(k);
                        }
                    }
                    for o in iss.status_origins {
                        if !mine.status_origins.contains(&o) {
                            mine.status_origins.push(o);
                        }
                    }
                }
                None => self.issuers.push(iss),
            }
        }
    }

    /// The origins status lists of `issuer_id` may be fetched from: the issuer's own (for
    /// `did:web:host` `https://host`; for an issuer id that is an http(s) URL, its origin)
    /// and the `statusOrigins` the list names for it. Normalised by [`url_origin`].
    pub fn status_origins(&self, issuer_id: &str) -> Vec<String> {
        let own = match crate::model::address::did_web_url(issuer_id) {
            Some(url) => url_origin(&url),
            None => url_origin(issuer_id),
        };
        let listed = self
            .issuer(issuer_id)
            .into_iter()
            .flat_map(|i| i.status_origins.iter())
            .filter_map(|o| url_origin(o));
        let mut all: Vec<String> = own.into_iter().chain(listed).collect();
        all.dedup();
        all
    }

    /// `Ok` when the status list at `url` may be fetched for a credential of `issuer_id`
    /// (its origin is one of [`TrustList::status_origins`]); else why not. Fail closed: a URL
    /// that is not a plain http(s) URL is refused.
    pub fn check_status_url(&self, issuer_id: &str, url: &str) -> Result<(), OriginNotAllowed> {
        let allowed = self.status_origins(issuer_id);
        match url_origin(url) {
            Some(o) if allowed.contains(&o) => Ok(()),
            origin => Err(OriginNotAllowed {
                url: url.to_owned(),
                issuer_id: issuer_id.to_owned(),
                origin,
                allowed,
            }),
        }
    }

    /// The issuer entry with this id.
    pub fn issuer(&self, id: &str) -> Option<&TrustedIssuer> {
        self.issuers.iter().find(|i| i.id == id)
    }

    /// Finds the key `key_id` of issuer `issuer_id`. `key_id` may be the key's full id, a
    /// fragment (`#key-1`) relative to the issuer, or the key's RFC 7638 JWK thumbprint (the
    /// `kid` some JOSE tools use).
    pub fn find_key(&self, issuer_id: &str, key_id: &str) -> Result<FoundKey<'_>, Untrusted> {
        self.find_key_by(issuer_id, key_id, |_, _, k| {
            parse_public_multibase(&k.public_key_multibase).ok()
        })
    }

    /// [`TrustList::find_key`] with the keys parsed beforehand by [`TrustList::parsed_keys`]
    /// (which must come from this same list).
    pub fn find_key_parsed(
        &self,
        parsed: &ParsedKeys,
        issuer_id: &str,
        key_id: &str,
    ) -> Result<FoundKey<'_>, Untrusted> {
        self.find_key_by(issuer_id, key_id, |i, j, k| match parsed.0.get(i) {
            Some(keys) => keys.get(j).copied().flatten(),
            None => parse_public_multibase(&k.public_key_multibase).ok(),
        })
    }

    /// Every key of the list decoded once (`None` for a key that is not a valid Multikey).
    pub fn parsed_keys(&self) -> ParsedKeys {
        ParsedKeys(
            self.issuers
                .iter()
                .map(|iss| {
                    iss.keys
                        .iter()
                        .map(|k| parse_public_multibase(&k.public_key_multibase).ok())
                        .collect()
                })
                .collect(),
        )
    }

    fn find_key_by(
        &self,
        issuer_id: &str,
        key_id: &str,
        public_of: impl Fn(usize, usize, &TrustedKey) -> Option<VerifyingKey>,
    ) -> Result<FoundKey<'_>, Untrusted> {
        let i = self
            .issuers
            .iter()
            .position(|iss| iss.id == issuer_id)
            .ok_or_else(|| Untrusted::UnknownIssuer(issuer_id.to_owned()))?;
        let issuer = &self.issuers[i];
        for (j, key) in issuer.keys.iter().enumerate() {
            let Some(public) = public_of(i, j, key) else {
                continue;
            };
            let matches = key.id == key_id
                || (key_id.strip_prefix('#').is_some_and(|frag| {
                    key.id
                        .strip_prefix(issuer_id)
                        .and_then(|r| r.strip_prefix('#'))
                        == Some(frag)
                }))
                || jwk_thumbprint(&public) == key_id;
            if matches {
                return Ok(FoundKey {
                    issuer,
                    key,
                    public,
                });
            }
        }
        Err(Untrusted::UnknownKey(key_id.to_owned()))
    }
}

/// Whether key `k` may be a key of issuer `issuer_id`: its id is `<issuer id>#…`, or it is the
/// `did:key` of exactly the listed public key (`did:key:zK#zK`), which names no other party.
fn key_id_belongs_to(issuer_id: &str, k: &TrustedKey) -> bool {
    let own =
        k.id.strip_prefix(issuer_id)
            .and_then(|r| r.strip_prefix('#'))
            .is_some_and(|frag| !frag.is_empty());
    let mb = &k.public_key_multibase;
    own || k.id == format!("did:key:{mb}#{mb}")
}

impl TrustedKey {
    /// The grace window before `compromisedFrom`.
    pub fn compromise_grace(&self) -> chrono::Duration {
        let days = self
            .compromise_grace_days
            .unwrap_or(DEFAULT_COMPROMISE_GRACE_DAYS);
        chrono::Duration::days(i64::from(days.min(MAX_COMPROMISE_GRACE_DAYS)))
    }
}

/// The origin of an http(s) URL: `scheme://host[:port]`, lower case, without the scheme's
/// default port. `None` for other schemes, URLs without a host, and URLs with user info
/// (`https://a@b/`, which reads like one host and goes to another).
pub fn url_origin(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let authority = uri.authority()?;
    if authority.as_str().contains('@') {
        return None;
    }
    let host = authority.host().to_ascii_lowercase();
    if host.is_empty() {
        return None;
    }
    Some(match authority.port_u16() {
        Some(p) if p != default_port => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    })
}

mod scheme;
mod store;
mod window;
pub use scheme::{
    verify_signed, ListNotInForce, Scope, ScopeFacts, TrustAnchor, TrustListAuthority,
};
pub use store::{FoundIn, Standing, TrustSource, TrustStore};
pub use window::{SigningTime, TimeSource};

#[cfg(test)]
mod tests;
