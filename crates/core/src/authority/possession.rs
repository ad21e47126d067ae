//! Proof of possession for the trust lists issuers export (`skillcert trust export`) and
//! authorities accredit from (`skillcert authority accredit`).
//!
//! An export carries one `eddsa-jcs-2022` Data Integrity proof per listed key the exporter
//! holds (an issuer holds one, its active key), each over the whole list without `proof` (a
//! proof set, an array, when there are several; no `@context`). [`verify_export`] takes a
//! listed key only when a proof by that key verifies, with one exception: a key the authority
//! already accredited for the same issuer (same id, same public key) needs no new proof, as
//! after a rotation the issuer no longer holds its retired key while its export still lists it
//! (with the end of its signing life). Every issuer of the file needs at least one proven key.
//! Refused: an unsigned file, a proof that does not verify (the file was altered after
//! signing), a proof by a key the file does not list, a listed key nobody proved.
//!
//! A proof shows that whoever made the file holds the key, not that the key belongs to the
//! issuer the file names: that an export really comes from the issuer is still for the
//! authority to establish (from the issuer itself, or its `did:web` document).

use super::{Authority, AuthorityError, Grant};
use crate::keys;
use crate::proof::{Cryptosuite, ProofError};
use crate::signer::Signer;
use crate::trust::{TrustList, TrustedIssuer, TrustedKey};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::HashSet;

/// Most proofs an export may carry.
pub const MAX_EXPORT_PROOFS: usize = 16;

/// Why an export does not prove possession of its keys (the message names the issuer, key or
/// proof).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PossessionError {
    /// The file has no `proof`.
    #[error(
        "the trust list is not signed (it has no proof), so nothing shows that its keys are \
         held by whoever made it: have the issuer export it with `skillcert trust export`, \
         which signs it with its key"
    )]
    Unsigned,
    /// A proof is not a usable `eddsa-jcs-2022` proof; names it.
    #[error("{0}")]
    Malformed(String),
    /// A proof names a key the file does not list.
    #[error("{field}: signed by {key}, which is not a key the trust list names")]
    UnknownSigner {
        /// `proof` or `proof[N]`.
        field: String,
        /// Its verification method.
        key: String,
    },
    /// A proof's signature does not verify with the key it names.
    #[error(
        "{field}: the signature by {key} does not verify: the file was altered after it was \
         signed, or {key} did not sign it"
    )]
    BadSignature {
        /// `proof` or `proof[N]`.
        field: String,
        /// Its verification method.
        key: String,
    },
    /// A listed key has no proof by itself (and is not already accredited for the issuer).
    #[error(
        "issuer {issuer}: key {key} has no proof by that key in the file: nothing shows that \
         the issuer holds it"
    )]
    Unproven {
        /// The issuer the file lists it under.
        issuer: String,
        /// The key's id.
        key: String,
    },
    /// None of an issuer's listed keys signed the file.
    #[error("issuer {issuer}: none of its keys signed the file")]
    NoProofByIssuer {
        /// The issuer.
        issuer: String,
    },
}

/// `list` signed by each of `signers` at `created`: what `skillcert trust export` writes. Each
/// proof covers the whole list without `proof`.
pub fn sign_export(
    list: &TrustList,
    signers: &[&dyn Signer],
    created: &DateTime<Utc>,
) -> Result<Value, ProofError> {
    let unsecured = list.to_value();
    let Value::Object(mut out) = unsecured.clone() else {
        return Err(crate::model::field_err("$", "a trust list is a JSON object").into());
    };
    if signers.is_empty() || signers.len() > MAX_EXPORT_PROOFS {
        let why = format!("between 1 and {MAX_EXPORT_PROOFS} signers");
        return Err(crate::model::field_err("proof", why).into());
    }
    let proofs = signers
        .iter()
        .map(|s| crate::proof::create_proof(Cryptosuite::EddsaJcs2022, &unsecured, *s, created))
        .collect::<Result<Vec<_>, _>>()?;
    let proof = match <[Value; 1]>::try_from(proofs) {
        Ok([one]) => one,
        Err(many) => Value::Array(many),
    };
    out.insert("proof".into(), proof);
    Ok(Value::Object(out))
}

/// Checks that the export `raw` (parsed as `list`) proves possession of every key it lists
/// (see the module documentation). `accredited`: the authority's register as it stands.
pub fn verify_export(
    raw: &Value,
    list: &TrustList,
    accredited: &[TrustedIssuer],
) -> Result<(), PossessionError> {
    let proven = proven_keys(raw, list)?;
    for (i, issuer) in list.issuers.iter().enumerate() {
        let held = accredited.iter().find(|a| a.id == issuer.id);
        for (j, k) in issuer.keys.iter().enumerate() {
            if !proven.contains(&(i, j)) && !held.is_some_and(|h| holds(h, k)) {
                return Err(PossessionError::Unproven {
                    issuer: issuer.id.clone(),
                    key: k.id.clone(),
                });
            }
        }
        if !(0..issuer.keys.len()).any(|j| proven.contains(&(i, j))) {
            return Err(PossessionError::NoProofByIssuer {
                issuer: issuer.id.clone(),
            });
        }
    }
    Ok(())
}

/// The (issuer, key) positions of `list` whose key made a proof of `raw` that verifies. Every
/// proof must verify with a key the list names.
fn proven_keys(raw: &Value, list: &TrustList) -> Result<HashSet<(usize, usize)>, PossessionError> {
    let bad = PossessionError::Malformed;
    let doc = raw
        .as_object()
        .ok_or_else(|| bad("the trust list is not a JSON object".into()))?;
    let proofs: Vec<(String, &Value)> = match doc.get("proof") {
        None => return Err(PossessionError::Unsigned),
        Some(p @ Value::Object(_)) => vec![("proof".into(), p)],
        Some(Value::Array(a)) if !a.is_empty() && a.len() <= MAX_EXPORT_PROOFS => a
            .iter()
            .enumerate()
            .map(|(i, p)| (format!("proof[{i}]"), p))
            .collect(),
        Some(_) => {
            return Err(bad(format!(
                "proof: one proof, or an array of 1 to {MAX_EXPORT_PROOFS}"
            )))
        }
    };
    let mut proven = HashSet::new();
    for (field, proof) in proofs {
        // Each proof of the set is checked as the single proof of the list.
        let mut one = doc.clone();
        one.insert("proof".into(), proof.clone());
        let p =
            crate::proof::prepare(&Value::Object(one)).map_err(|e| bad(format!("{field}: {e}")))?;
        if p.cryptosuite != Cryptosuite::EddsaJcs2022 {
            return Err(bad(format!(
                "{field}: a {} proof; an export is signed with eddsa-jcs-2022",
                p.cryptosuite.name()
            )));
        }
        let named: Vec<(usize, usize, &TrustedKey)> = list
            .issuers
            .iter()
            .enumerate()
            .flat_map(|(i, iss)| iss.keys.iter().enumerate().map(move |(j, k)| (i, j, k)))
            .filter(|(_, _, k)| k.id == p.verification_method)
            .collect();
        if named.is_empty() {
            return Err(PossessionError::UnknownSigner {
                field,
                key: p.verification_method,
            });
        }
        let before = proven.len();
        for (i, j, k) in named {
            let verifies = keys::parse_public_multibase(&k.public_key_multibase)
                .is_ok_and(|public| keys::verify_strict(&public, &p.message, &p.signature));
            if verifies {
                proven.insert((i, j));
            }
        }
        if proven.len() == before {
            return Err(PossessionError::BadSignature {
                field,
                key: p.verification_method,
            });
        }
    }
    Ok(proven)
}

/// Whether the register's entry `held` already has key `k` (same id, same public key).
fn holds(held: &TrustedIssuer, k: &TrustedKey) -> bool {
    let public = |s: &str| keys::parse_public_multibase(s).ok().map(|p| p.to_bytes());
    let want = public(&k.public_key_multibase);
    want.is_some()
        && held
            .keys
            .iter()
            .any(|h| h.id == k.id && public(&h.public_key_multibase) == want)
}

impl Authority {
    /// Accredits the issuers of a trust-list export (`export`: the file as parsed JSON, proof
    /// included) as `grant` says, after [`verify_export`]: only keys proven by the file (or
    /// already accredited for their issuer) are taken. Returns the issuers' ids.
    pub fn accredit_export(
        &mut self,
        export: &Value,
        grant: &Grant,
        actor: &str,
    ) -> Result<Vec<String>, AuthorityError> {
        let list = TrustList::from_value(export.clone())
            .map_err(|e| AuthorityError::Invalid(e.to_string()))?;
        verify_export(export, &list, &self.register)?;
        self.accredit(&list, grant, actor)
    }
}

#[cfg(test)]
mod tests;
