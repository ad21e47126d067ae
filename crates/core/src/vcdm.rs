//! W3C Verifiable Credentials Data Model 2.0 checks for credentials submitted to the generic
//! issuing path, and [`issue_raw_credential`], which signs such a credential as this issuer.
//!
//! A raw credential is what the W3C VC 2.0 test suite POSTs to an issuer: the issuer supplies
//! `issuer` itself when it is absent or an object without `id`. skillcert does no JSON-LD
//! processing (its proofs are `eddsa-jcs-2022`), so contexts are allow-listed instead of fetched:
//! the VC 2.0 base context, the VC examples context and the Open Badges 3.0 context, plus inline
//! context objects. Every `type` must be a term those contexts define, a term under an active
//! `@vocab`, or a URL. Protected terms cannot be redefined. Every refusal names the field.

use crate::model::{now_secs, VC_V2_CONTEXT};
use crate::proof::{self, ProofError};
use crate::signer::IssuerSigner;
use context::ActiveContext;
use serde_json::Value;

mod context;

/// The VC examples context (`@vocab` only).
pub const VC_EXAMPLES_V2_CONTEXT: &str = "https://www.w3.org/ns/credentials/examples/v2";
/// Largest raw credential accepted (serialized JSON), 64 KiB.
pub const MAX_RAW_CREDENTIAL: usize = 64 << 10;
/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 32;
/// Longest URL accepted in an id, type or context.
pub const MAX_URL: usize = 2048;

pub use context::{OB_V3_TERMS, VC_V2_TERMS};

/// Why a credential cannot be issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VcError {
    /// A member is missing, of the wrong type or not allowed; names it.
    #[error("{field}: {reason}")]
    Field {
        /// JSON path of the member (`credentialSchema[1].id`).
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// Signing failed.
    #[error("signing: {0}")]
    Proof(#[from] ProofError),
}

impl VcError {
    /// The field the error is about (`proof` for signing failures).
    pub fn field(&self) -> &str {
        match self {
            VcError::Field { field, .. } => field,
            VcError::Proof(_) => "proof",
        }
    }
}

pub(crate) fn err(field: impl Into<String>, reason: impl Into<String>) -> VcError {
    VcError::Field {
        field: field.into(),
        reason: reason.into(),
    }
}

/// Whether `s` is an absolute URL/IRI: `scheme:rest`, no white space, control or delimiter
/// characters that IRIs forbid.
pub fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut sc = scheme.bytes();
    s.len() <= MAX_URL
        && !rest.is_empty()
        && sc.next().is_some_and(|b| b.is_ascii_alphabetic())
        && sc.all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c))
}

/// Deepest nesting of `v` (a scalar is 0), computed without recursion.
pub fn depth(v: &Value) -> usize {
    let mut max = 0;
    let mut stack = vec![(v, 0usize)];
    while let Some((v, d)) = stack.pop() {
        max = max.max(d);
        match v {
            Value::Array(a) => stack.extend(a.iter().map(|x| (x, d + 1))),
            Value::Object(o) => stack.extend(o.values().map(|x| (x, d + 1))),
            _ => {}
        }
    }
    max
}

/// One item or an array of items, with the field path of each.
pub(crate) fn items<'a>(field: &str, v: &'a Value) -> Result<Vec<(String, &'a Value)>, VcError> {
    match v {
        Value::Array(a) if a.is_empty() => Err(err(field, "must not be an empty array")),
        Value::Array(a) => Ok(a
            .iter()
            .enumerate()
            .map(|(i, x)| (format!("{field}[{i}]"), x))
            .collect()),
        other => Ok(vec![(field.to_owned(), other)]),
    }
}

fn check_url(field: &str, v: &Value) -> Result<(), VcError> {
    match v {
        Value::String(s) if is_url(s) => Ok(()),
        Value::String(_) => Err(err(field, "must be a URL")),
        _ => Err(err(field, "must be a single URL string")),
    }
}

pub(crate) fn type_names<'a>(field: &str, v: &'a Value) -> Result<Vec<&'a str>, VcError> {
    match v {
        Value::String(s) => Ok(vec![s]),
        Value::Array(a) if !a.is_empty() => a
            .iter()
            .map(|t| {
                t.as_str()
                    .ok_or_else(|| err(field, "every type must be a string"))
            })
            .collect(),
        _ => Err(err(
            field,
            "must be a string or a non-empty array of strings",
        )),
    }
}

/// Checks an XSD `dateTimeStamp` (time zone required); returns the instant.
fn check_date(field: &str, v: &Value) -> Result<chrono::DateTime<chrono::Utc>, VcError> {
    let s = v.as_str().ok_or_else(|| err(field, "must be a string"))?;
    let b = s.as_bytes();
    let shape_ok = b.len() >= 20 && b[10] == b'T' && !s.ends_with('z');
    shape_ok
        .then(|| crate::model::parse_time(field, s).ok())
        .flatten()
        .ok_or_else(|| {
            err(
                field,
                "must be an XSD dateTimeStamp such as 2026-01-01T00:00:00Z",
            )
        })
}

/// A `name` or `description`: a string, a language value object, or an array of them.
fn check_language_value(field: &str, v: &Value) -> Result<(), VcError> {
    for (f, item) in items(field, v)? {
        match item {
            Value::String(_) => {}
            Value::Object(o) => {
                if !o.get("@value").is_some_and(Value::is_string) {
                    return Err(err(format!("{f}.@value"), "must be a string"));
                }
                if let Some(l) = o.get("@language") {
                    if !l.as_str().is_some_and(|l| !l.is_empty() && l.len() <= 64) {
                        return Err(err(format!("{f}.@language"), "must be a language tag"));
                    }
                }
                if let Some(d) = o.get("@direction") {
                    if !matches!(d.as_str(), Some("ltr" | "rtl")) {
                        return Err(err(format!("{f}.@direction"), "must be ltr or rtl"));
                    }
                }
                if let Some(k) = o
                    .keys()
                    .find(|k| !matches!(k.as_str(), "@value" | "@language" | "@direction"))
                {
                    return Err(err(
                        f,
                        format!("a language value may only hold @value, @language, @direction, not {k:?}"),
                    ));
                }
            }
            _ => return Err(err(f, "must be a string or a language value object")),
        }
    }
    Ok(())
}

/// `evidence`, `credentialStatus`, `termsOfUse`, `refreshService`, `credentialSchema`, `proof`:
/// objects that need a `type` and whose `id`, when present (or required), is one URL.
fn check_typed_objects(field: &str, v: &Value, id_required: bool) -> Result<(), VcError> {
    for (f, item) in items(field, v)? {
        let o = item
            .as_object()
            .ok_or_else(|| err(&f, "must be an object or an array of objects"))?;
        match o.get("type") {
            None => return Err(err(format!("{f}.type"), "missing")),
            Some(t) => {
                type_names(&format!("{f}.type"), t)?;
            }
        }
        match o.get("id") {
            None if id_required => return Err(err(format!("{f}.id"), "missing")),
            None => {}
            Some(id) => check_url(&format!("{f}.id"), id)?,
        }
    }
    Ok(())
}

/// Checks a credential (with its `issuer`) against the VC Data Model 2.0 rules skillcert
/// enforces. Structural checks come first, then context processing, then type resolution.
pub fn validate(doc: &Value) -> Result<(), VcError> {
    if depth(doc) > MAX_DEPTH {
        return Err(err("$", format!("nested deeper than {MAX_DEPTH} levels")));
    }
    let o = doc
        .as_object()
        .ok_or_else(|| err("$", "a credential must be a JSON object"))?;
    if let Some(k) = o.keys().find(|k| k.starts_with('@') && *k != "@context") {
        return Err(err(
            k.as_str(),
            "JSON-LD keywords other than @context are not accepted here",
        ));
    }
    // @context: the base context first, then URLs or context objects.
    let ctx = o
        .get("@context")
        .ok_or_else(|| err("@context", "missing"))?;
    let ctx_items = items("@context", ctx)?;
    if ctx_items.first().map(|(_, v)| *v) != Some(&Value::String(VC_V2_CONTEXT.into())) {
        return Err(err(
            "@context",
            format!("the first context must be {VC_V2_CONTEXT}"),
        ));
    }
    for (f, item) in &ctx_items {
        match item {
            Value::String(u) if is_url(u) => {}
            Value::Object(_) => {}
            _ => return Err(err(f.as_str(), "must be a context URL or a context object")),
        }
    }
    // type
    let types = type_names("type", o.get("type").ok_or_else(|| err("type", "missing"))?)?;
    if !types.contains(&"VerifiableCredential") {
        return Err(err("type", "must include VerifiableCredential"));
    }
    if let Some(id) = o.get("id") {
        check_url("id", id)?;
    }
    // issuer
    match o.get("issuer") {
        None => return Err(err("issuer", "missing")),
        Some(Value::String(s)) if is_url(s) => {}
        Some(Value::Object(i)) => {
            check_url(
                "issuer.id",
                i.get("id").ok_or_else(|| err("issuer.id", "missing"))?,
            )?;
            for k in ["name", "description"] {
                if let Some(v) = i.get(k) {
                    check_language_value(&format!("issuer.{k}"), v)?;
                }
            }
        }
        Some(_) => return Err(err("issuer", "must be a URL or an object with an id URL")),
    }
    // credentialSubject
    let subj = o
        .get("credentialSubject")
        .ok_or_else(|| err("credentialSubject", "missing"))?;
    for (f, s) in items("credentialSubject", subj)? {
        let s = s
            .as_object()
            .ok_or_else(|| err(&f, "must be an object or an array of objects"))?;
        if s.is_empty() {
            return Err(err(f, "must make at least one claim"));
        }
        if let Some(id) = s.get("id") {
            check_url(&format!("{f}.id"), id)?;
        }
    }
    // dates
    let from = o
        .get("validFrom")
        .map(|v| check_date("validFrom", v))
        .transpose()?;
    let until = o
        .get("validUntil")
        .map(|v| check_date("validUntil", v))
        .transpose()?;
    if let (Some(f), Some(u)) = (from, until) {
        if u < f {
            return Err(err("validUntil", "must not be earlier than validFrom"));
        }
    }
    for k in ["name", "description"] {
        if let Some(v) = o.get(k) {
            check_language_value(k, v)?;
        }
    }
    for (k, id_required) in [
        ("evidence", false),
        ("credentialStatus", false),
        ("termsOfUse", false),
        ("refreshService", false),
        ("credentialSchema", true),
        ("proof", false),
    ] {
        if let Some(v) = o.get(k) {
            check_typed_objects(k, v, id_required)?;
        }
    }
    if let Some(v) = o.get("relatedResource") {
        for (f, r) in items("relatedResource", v)? {
            check_url(&format!("{f}.id"), r.get("id").unwrap_or(&Value::Null))?;
        }
    }
    // Contexts, then every type against them.
    ActiveContext::build(ctx)?.check_all_types(doc)
}

/// Validates a raw credential body, sets this issuer as its `issuer`, and signs it with
/// `eddsa-jcs-2022`.
///
/// `issuer` may be absent (it becomes this issuer's id), an object without `id` (its `id` is
/// set), or this issuer's id (as a string or as the object's `id`); any other issuer is
/// refused. A submitted `proof` is checked for shape and then dropped: setting the issuer
/// changes the credential, so no earlier proof could cover what is issued.
pub fn issue_raw_credential(
    issuer: &dyn IssuerSigner,
    credential: Value,
) -> Result<Value, VcError> {
    if depth(&credential) > MAX_DEPTH {
        return Err(err("$", format!("nested deeper than {MAX_DEPTH} levels")));
    }
    let size = serde_json::to_vec(&credential)
        .map(|b| b.len())
        .unwrap_or(usize::MAX);
    if size > MAX_RAW_CREDENTIAL {
        return Err(err(
            "$",
            format!("credential is {size} bytes, more than the limit of {MAX_RAW_CREDENTIAL}"),
        ));
    }
    let Value::Object(mut o) = credential else {
        return Err(err("$", "a credential must be a JSON object"));
    };
    let my_id = issuer.issuer_id().to_owned();
    match o.get_mut("issuer") {
        None => {
            o.insert("issuer".into(), Value::String(my_id.clone()));
        }
        Some(Value::Object(i)) if !i.contains_key("id") => {
            i.insert("id".into(), Value::String(my_id.clone()));
        }
        _ => {}
    }
    let doc = Value::Object(o);
    validate(&doc)?;
    let given = match &doc["issuer"] {
        Value::Object(i) => i.get("id"),
        other => Some(other),
    };
    if given.and_then(Value::as_str) != Some(my_id.as_str()) {
        return Err(err("issuer", format!("this issuer signs only as {my_id}")));
    }
    let mut o = match doc {
        Value::Object(o) => o,
        _ => unreachable!("checked above"),
    };
    o.remove("proof");
    Ok(proof::sign_as(&Value::Object(o), issuer, &now_secs())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for ok in [
            "https://a.example/x",
            "did:example:1",
            "urn:uuid:1",
            "https://example.org/#X",
        ] {
            assert!(is_url(ok), "{ok}");
        }
        for bad in [
            "",
            "fake-issuer",
            "https ://not-a-url",
            "1http://x",
            "http:",
            "a:b c",
        ] {
            assert!(!is_url(bad), "{bad}");
        }
    }

    #[test]
    fn skillcert_documents_pass() {
        let doc = crate::model::tests::sample().to_document();
        validate(&doc).unwrap();
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let mut v = Value::Null;
        for _ in 0..100_000 {
            v = Value::Array(vec![v]);
        }
        assert_eq!(depth(&v), 100_000);
        let e = validate(&v).unwrap_err();
        assert_eq!(e.field(), "$");
        // Dropping a deep Value recurses in serde_json; unwind it iteratively.
        let mut v = v;
        while let Value::Array(mut a) = v {
            v = a.pop().unwrap_or(Value::Null);
        }
    }
}
