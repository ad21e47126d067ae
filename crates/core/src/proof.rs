//! Data Integrity proofs with the `eddsa-jcs-2022` and `eddsa-rdfc-2022` cryptosuites (W3C
//! VC-DI-EdDSA v1.0, §3.3 and §3.2), alone or as a proof set.
//!
//! Signing canonicalizes the proof configuration and the unsecured document (JCS, or RDFC-1.0
//! N-Quads of their JSON-LD, see [`crate::rdfc`]), hashes each with SHA-256 and signs
//! `proofHash ‖ docHash` with Ed25519. A proof set (VC-DI §2.1.2) is an array of such proofs,
//! each over the document without `proof`. [`prepare`] and [`prepare_set`] do the verifier's
//! half of that work and return the exact messages and signatures, so the caller checks them
//! with the key its trust list names.

use crate::jcs;
use crate::keys::SecretKey;
use crate::model::{field_err, format_time, parse_time, ModelError};
use crate::rdfc::{self, RdfcError};
use crate::signer::{KeySigner, Signer};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::cell::OnceCell;

/// The `eddsa-jcs-2022` cryptosuite name.
pub const CRYPTOSUITE: &str = "eddsa-jcs-2022";
/// The `eddsa-rdfc-2022` cryptosuite name.
pub const RDFC_CRYPTOSUITE: &str = "eddsa-rdfc-2022";
/// Longest `proofValue` accepted (a base58btc 64-byte signature is at most 89 characters).
const MAX_PROOF_VALUE: usize = 100;
/// Most proofs in a proof set.
pub const MAX_PROOFS: usize = 4;

/// A Data Integrity cryptosuite this crate signs and verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Cryptosuite {
    /// `eddsa-jcs-2022`: JSON Canonicalization Scheme.
    EddsaJcs2022,
    /// `eddsa-rdfc-2022`: RDF Dataset Canonicalization of the JSON-LD.
    EddsaRdfc2022,
}

impl Cryptosuite {
    /// Both suites, in the order an issued proof set carries them.
    pub const ALL: [Cryptosuite; 2] = [Cryptosuite::EddsaJcs2022, Cryptosuite::EddsaRdfc2022];

    /// The `cryptosuite` name.
    pub fn name(self) -> &'static str {
        match self {
            Cryptosuite::EddsaJcs2022 => CRYPTOSUITE,
            Cryptosuite::EddsaRdfc2022 => RDFC_CRYPTOSUITE,
        }
    }

    /// The suite of a `cryptosuite` name.
    pub fn from_name(name: &str) -> Option<Self> {
        Cryptosuite::ALL.into_iter().find(|c| c.name() == name)
    }

    /// SHA-256 of the canonical form of `v` under this suite.
    pub fn hash(self, v: &Value) -> Result<[u8; 32], ProofError> {
        Ok(match self {
            Cryptosuite::EddsaJcs2022 => jcs_hash(v)?,
            Cryptosuite::EddsaRdfc2022 => Sha256::digest(rdfc::canonicalize(v)?).into(),
        })
    }

    /// `proofHash ‖ docHash`: the 64 bytes that are signed.
    pub fn hash_data(
        self,
        proof_config: &Value,
        unsecured: &Value,
    ) -> Result<[u8; 64], ProofError> {
        Ok(joined(self.hash(proof_config)?, self.hash(unsecured)?))
    }
}

/// `proofHash ‖ docHash`.
fn joined(proof_hash: [u8; 32], doc_hash: [u8; 32]) -> [u8; 64] {
    let mut m = [0u8; 64];
    m[..32].copy_from_slice(&proof_hash);
    m[32..].copy_from_slice(&doc_hash);
    m
}

impl std::fmt::Display for Cryptosuite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

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
    /// The document cannot be turned into canonical RDF (`eddsa-rdfc-2022`).
    #[error("cannot canonicalize as RDF: {0}")]
    Rdf(#[from] RdfcError),
}

/// What a verifier needs to check one proof.
#[derive(Debug, Clone)]
pub struct PreparedProof {
    /// The proof's cryptosuite.
    pub cryptosuite: Cryptosuite,
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

/// The `eddsa-jcs-2022` proof configuration (the proof without `proofValue`) for a document.
pub fn proof_config(doc: &Value, verification_method: &str, created: &DateTime<Utc>) -> Value {
    proof_config_for(Cryptosuite::EddsaJcs2022, doc, verification_method, created)
}

/// The proof configuration of `suite` for a document: the proof without `proofValue`, with
/// the document's `@context` (which an `eddsa-rdfc-2022` proof does not carry once signed).
pub fn proof_config_for(
    suite: Cryptosuite,
    doc: &Value,
    verification_method: &str,
    created: &DateTime<Utc>,
) -> Value {
    let mut p = Map::new();
    p.insert("type".into(), "DataIntegrityProof".into());
    p.insert("cryptosuite".into(), suite.name().into());
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
    sign_with(unsecured, signer, created, &[Cryptosuite::EddsaJcs2022])
}

/// One proof of `suite` over `unsecured` (a document without `proof`).
pub fn create_proof(
    suite: Cryptosuite,
    unsecured: &Value,
    signer: &dyn Signer,
    created: &DateTime<Utc>,
) -> Result<Value, ProofError> {
    let config = proof_config_for(suite, unsecured, signer.verification_method(), created);
    let sig = signer.sign(&suite.hash_data(&config, unsecured)?);
    let Value::Object(mut proof) = config else {
        return Err(field_err("proof", "proof configuration is not an object").into());
    };
    if suite == Cryptosuite::EddsaRdfc2022 {
        proof.remove("@context");
    }
    proof.insert(
        "proofValue".into(),
        format!("z{}", bs58::encode(sig).into_string()).into(),
    );
    Ok(Value::Object(proof))
}

/// Secures a document with one proof per suite in `suites`: `proof` is that proof alone when
/// there is one suite, else a proof set (an array, in the order given), each proof over the
/// document without `proof`.
pub fn sign_with(
    unsecured: &Value,
    signer: &dyn Signer,
    created: &DateTime<Utc>,
    suites: &[Cryptosuite],
) -> Result<Value, ProofError> {
    let obj = unsecured
        .as_object()
        .ok_or_else(|| field_err("$", "document must be a JSON object"))?;
    if obj.contains_key("proof") {
        return Err(field_err("proof", "document is already secured").into());
    }
    if suites.is_empty() || suites.len() > MAX_PROOFS {
        return Err(field_err("proof", "between one and four cryptosuites are needed").into());
    }
    let mut proofs = suites
        .iter()
        .map(|s| create_proof(*s, unsecured, signer, created))
        .collect::<Result<Vec<_>, _>>()?;
    let proof = if proofs.len() == 1 {
        proofs.remove(0)
    } else {
        Value::Array(proofs)
    };
    let mut out = obj.clone();
    out.insert("proof".into(), proof);
    Ok(Value::Object(out))
}

/// Reads the single proof (`eddsa-jcs-2022` or `eddsa-rdfc-2022`) of a secured document and
/// computes the signed message.
pub fn prepare(secured: &Value) -> Result<PreparedProof, ProofError> {
    let mut set = prepare_set(secured)?;
    if set.len() != 1 {
        return Err(field_err("proof", "exactly one proof is supported").into());
    }
    Ok(set.remove(0))
}

/// Reads every proof of a secured document (one proof, or a proof set of up to
/// [`MAX_PROOFS`]) and computes the message each signed. Fails closed: a proof of an unknown
/// cryptosuite, a proof chain (`previousProof`), or proofs naming different keys or times are
/// errors, never skipped.
pub fn prepare_set(secured: &Value) -> Result<Vec<PreparedProof>, ProofError> {
    let doc = secured
        .as_object()
        .ok_or_else(|| field_err("$", "document must be a JSON object"))?;
    let proofs: Vec<(String, &Map<String, Value>)> = match doc.get("proof") {
        None => return Err(field_err("proof", "missing: the document is not signed").into()),
        Some(Value::Object(p)) => vec![("proof".into(), p)],
        Some(Value::Array(a)) if !a.is_empty() && a.len() <= MAX_PROOFS => a
            .iter()
            .enumerate()
            .map(|(i, p)| {
                p.as_object()
                    .map(|o| (format!("proof[{i}]"), o))
                    .ok_or_else(|| field_err(format!("proof[{i}]"), "must be an object"))
            })
            .collect::<Result<_, _>>()?,
        Some(Value::Array(_)) => {
            return Err(field_err("proof", "a proof set has one to four proofs").into())
        }
        Some(_) => return Err(field_err("proof", "must be an object or an array").into()),
    };
    let unsecured = Unsecured {
        doc,
        jcs_hash: OnceCell::new(),
    };
    let mut out: Vec<PreparedProof> = Vec::with_capacity(proofs.len());
    for (name, proof) in proofs {
        let p = prepare_one(&name, proof, &unsecured)?;
        if let Some(first) = out.first() {
            if p.verification_method != first.verification_method {
                let f = format!("{name}.verificationMethod");
                return Err(field_err(f, "every proof of a set must name the same key").into());
            }
            if p.created != first.created {
                return Err(field_err(
                    format!("{name}.created"),
                    "every proof of a set must have the same created time",
                )
                .into());
            }
            if out.iter().any(|o| o.cryptosuite == p.cryptosuite) {
                let f = format!("{name}.cryptosuite");
                return Err(field_err(f, "a proof set has one proof per cryptosuite").into());
            }
        }
        out.push(p);
    }
    Ok(out)
}

/// The document without its proof, as each cryptosuite hashes it, read from the secured
/// document without copying it: the `eddsa-jcs-2022` hash is computed once for a whole proof
/// set (a set has one proof per cryptosuite, so the `eddsa-rdfc-2022` hash is needed once).
struct Unsecured<'a> {
    doc: &'a Map<String, Value>,
    jcs_hash: OnceCell<[u8; 32]>,
}

impl Unsecured<'_> {
    fn hash(&self, suite: Cryptosuite) -> Result<[u8; 32], ProofError> {
        match suite {
            Cryptosuite::EddsaJcs2022 => {
                if let Some(h) = self.jcs_hash.get() {
                    return Ok(*h);
                }
                let h: [u8; 32] =
                    Sha256::digest(jcs::canonicalize_without(self.doc, "proof")?).into();
                Ok(*self.jcs_hash.get_or_init(|| h))
            }
            Cryptosuite::EddsaRdfc2022 => {
                Ok(Sha256::digest(rdfc::canonicalize_without(self.doc, "proof")?).into())
            }
        }
    }
}

fn prepare_one(
    name: &str,
    proof: &Map<String, Value>,
    unsecured: &Unsecured<'_>,
) -> Result<PreparedProof, ProofError> {
    let s = |k: &str| -> Result<&str, ModelError> {
        proof
            .get(k)
            .and_then(Value::as_str)
            .ok_or_else(|| field_err(format!("{name}.{k}"), "missing or not a string"))
    };
    if s("type")? != "DataIntegrityProof" {
        return Err(field_err(format!("{name}.type"), "must be DataIntegrityProof").into());
    }
    let suite = Cryptosuite::from_name(s("cryptosuite")?).ok_or_else(|| {
        field_err(
            format!("{name}.cryptosuite"),
            format!("must be {CRYPTOSUITE} or {RDFC_CRYPTOSUITE}"),
        )
    })?;
    if s("proofPurpose")? != "assertionMethod" {
        return Err(field_err(format!("{name}.proofPurpose"), "must be assertionMethod").into());
    }
    if proof.contains_key("previousProof") {
        let f = format!("{name}.previousProof");
        return Err(field_err(f, "proof chains are not supported").into());
    }
    let verification_method = s("verificationMethod")?.to_owned();
    let created = match proof.get("created") {
        None => None,
        Some(Value::String(t)) => Some(parse_time(&format!("{name}.created"), t)?),
        Some(_) => return Err(field_err(format!("{name}.created"), "must be a string").into()),
    };
    let pv = s("proofValue")?;
    let sig_bytes = pv
        .strip_prefix('z')
        .filter(|r| r.len() <= MAX_PROOF_VALUE)
        .and_then(|r| bs58::decode(r).into_vec().ok())
        .ok_or_else(|| field_err(format!("{name}.proofValue"), "must be z + base58btc"))?;
    let signature: [u8; 64] = sig_bytes.try_into().map_err(|_| {
        field_err(
            format!("{name}.proofValue"),
            "must encode a 64-byte Ed25519 signature",
        )
    })?;
    let mut config = proof.clone();
    config.remove("proofValue");
    let dctx = unsecured.doc.get("@context");
    if let Some(pctx) = config.get("@context") {
        // The document's @context must start with every value of the proof's @context.
        let as_list = |v: &Value| match v {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        let p = as_list(pctx);
        let d = dctx.map(as_list).unwrap_or_default();
        if d.len() < p.len() || d[..p.len()] != p[..] {
            let f = format!("{name}.@context");
            return Err(field_err(f, "does not match the document's @context").into());
        }
    }
    if config.contains_key("@context") || suite == Cryptosuite::EddsaRdfc2022 {
        config.insert("@context".into(), dctx.cloned().unwrap_or(Value::Null));
    }
    let message = joined(suite.hash(&Value::Object(config))?, unsecured.hash(suite)?);
    Ok(PreparedProof {
        cryptosuite: suite,
        message,
        signature,
        verification_method,
        created,
    })
}
