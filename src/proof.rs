//! Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (W3C VC-DI-EdDSA v1.0, §3.3).
//!
//! Signing hashes the JCS form of the proof configuration and of the unsecured document with
//! SHA-256 and signs `proofHash ‖ docHash` with Ed25519. [`prepare`] does the verifier's half
//! of that work and returns the exact message and signature, so the caller checks the signature
//! with the key its trust list names.

use crate::jcs;
use crate::keys::SecretKey;
use crate::model::{field_err, format_time, parse_time, ModelError};
use crate::signer::{KeySigner, Signer};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The cryptosuite name.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
/// Longest `proofValue` accepted (a base58btc 64-byte signature is at most 89 characters).
const MAX_PROOF_VALUE: usize = 100;

/// Why a proof could not be created or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// A proof member is missing or wrong; names the field.
    #[error(transparent)]
    Field(#[from] ModelError),
    /// The document cannot be canonicalized.
    #[error("cannot canonicalize: {0}")]
    Canonical(#[from] jcs::JsonError),
}

/// What a verifier needs to check one `eddsa-jcs-2022` proof.
#[derive(Debug, Clone)]
pub struct PreparedProof {
    /// `proofHash ‖ docHash`: the 64 bytes that were signed.
    pub message: [u8; 64],
    /// The Ed25519 signature from `proofValue`.
    pub signature: [u8; 64],
    /// The proof's `verificationMethod`.
    pub verification_method: String,
    /// The proof's `created` time, if given.
    pub created: Option<DateTime<Utc>>,
}

/// SHA-256 of the JCS form of `v`.
pub fn jcs_hash(v: &Value) -> Result<[u8; 32], jcs::JsonError> {
    Ok(Sha256::digest(jcs::canonicalize(v)?).into())
}

fn combined(proof_config: &Value, unsecured: &Value) -> Result<[u8; 64], ProofError> {
    let mut m = [0u8; 64];
    m[..32].copy_from_slice(&jcs_hash(proof_config)?);
    m[32..].copy_from_slice(&jcs_hash(unsecured)?);
    Ok(m)
}

/// The proof configuration (the proof without `proofValue`) for a document.
pub fn proof_config(doc: &Value, verification_method: &str, created: &DateTime<Utc>) -> Value {
    let mut p = Map::new();
    p.insert("type".into(), "DataIntegrityProof".into());
    p.insert("cryptosuite".into(), CRYPTOSUITE.into());
    p.insert("created".into(), format_time(created).into());
    p.insert("verificationMethod".into(), verification_method.into());
    p.insert("proofPurpose".into(), "assertionMethod".into());
    if let Some(ctx) = doc.get("@context") {
        p.insert("@context".into(), ctx.clone());
    }
    Value::Object(p)
}

/// Adds an `eddsa-jcs-2022` proof to an unsecured document, signed with `key` named
/// `verification_method` (see [`sign_as`] for any [`Signer`]).
pub fn sign(
    unsecured: &Value,
    key: &SecretKey,
    verification_method: &str,
    created: &DateTime<Utc>,
) -> Result<Value, ProofError> {
    sign_as(
        unsecured,
        &KeySigner::new(key, verification_method),
        created,
    )
}

/// Adds an `eddsa-jcs-2022` proof to an unsecured document, signed by `signer`.
pub fn sign_as(
    unsecured: &Value,
    signer: &dyn Signer,
    created: &DateTime<Utc>,
) -> Result<Value, ProofError> {
    let obj = unsecured
        .as_object()
        .ok_or_else(|| field_err("$", "document must be a JSON object"))?;
    if obj.contains_key("proof") {
        return Err(field_err("proof", "document is already secured").into());
    }
    let config = proof_config(unsecured, signer.verification_method(), created);
    let sig = signer.sign(&combined(&config, unsecured)?);
    let mut proof = config.as_object().expect("object").clone();
    proof.insert(
        "proofValue".into(),
        format!("z{}", bs58::encode(sig).into_string()).into(),
    );
    let mut out = obj.clone();
    out.insert("proof".into(), Value::Object(proof));
    Ok(Value::Object(out))
}

/// Reads the single `eddsa-jcs-2022` proof of a secured document and computes the signed message.
pub fn prepare(secured: &Value) -> Result<PreparedProof, ProofError> {
    let doc = secured
        .as_object()
        .ok_or_else(|| field_err("$", "document must be a JSON object"))?;
    let proof = match doc.get("proof") {
        None => return Err(field_err("proof", "missing: the document is not signed").into()),
        Some(Value::Object(p)) => p,
        Some(Value::Array(a)) if a.len() == 1 && a[0].is_object() => {
            a[0].as_object().expect("checked")
        }
        Some(Value::Array(_)) => {
            return Err(field_err("proof", "exactly one proof is supported").into())
        }
        Some(_) => return Err(field_err("proof", "must be an object").into()),
    };
    let s = |k: &str| -> Result<&str, ModelError> {
        proof
            .get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| field_err(format!("proof.{k}"), "missing or not a string"))
    };
    if s("type")? != "DataIntegrityProof" {
        return Err(field_err("proof.type", "must be DataIntegrityProof").into());
    }
    if s("cryptosuite")? != CRYPTOSUITE {
        return Err(field_err("proof.cryptosuite", format!("must be {CRYPTOSUITE}")).into());
    }
    if s("proofPurpose")? != "assertionMethod" {
        return Err(field_err("proof.proofPurpose", "must be assertionMethod").into());
    }
    let verification_method = s("verificationMethod")?.to_owned();
    let created = match proof.get("created") {
        None => None,
        Some(Value::String(t)) => Some(parse_time("proof.created", t)?),
        Some(_) => return Err(field_err("proof.created", "must be a string").into()),
    };
    let pv = s("proofValue")?;
    let sig_bytes = pv
        .strip_prefix('z')
        .filter(|r| r.len() <= MAX_PROOF_VALUE)
        .and_then(|r| bs58::decode(r).into_vec().ok())
        .ok_or_else(|| field_err("proof.proofValue", "must be z + base58btc"))?;
    let signature: [u8; 64] = sig_bytes.try_into().map_err(|_| {
        field_err(
            "proof.proofValue",
            "must encode a 64-byte Ed25519 signature",
        )
    })?;

    let mut unsecured = doc.clone();
    unsecured.remove("proof");
    let mut config = proof.clone();
    config.remove("proofValue");
    if let Some(pctx) = config.get("@context") {
        // The document's @context must start with every value of the proof's @context.
        let dctx = unsecured.get("@context");
        let as_list = |v: &Value| match v {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        let p = as_list(pctx);
        let d = dctx.map(as_list).unwrap_or_default();
        if d.len() < p.len() || d[..p.len()] != p[..] {
            return Err(
                field_err("proof.@context", "does not match the document's @context").into(),
            );
        }
        config.insert("@context".into(), dctx.cloned().unwrap_or(Value::Null));
    }
    let message = combined(&Value::Object(config), &Value::Object(unsecured))?;
    Ok(PreparedProof {
        message,
        signature,
        verification_method,
        created,
    })
}
