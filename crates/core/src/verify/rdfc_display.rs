//! What a page shows of a document whose only proofs are `eddsa-rdfc-2022`: such a proof signs
//! the document's RDF, not its JSON, and JSON-LD has text that vanishes on the way to RDF:
//! blank node labels (`"id": "_:王晓明"`, relabelled by canonicalization) and `@index` values,
//! and ways to move a node away from where a reader looks (`@graph`, `@included`, `@reverse`,
//! `@nest`, a node reference to a labelled blank node, an inline context that renames terms).
//! The verifier reads claims from fixed JSON paths, so a document that uses any of these could
//! show a holder nobody signed. Such a document is refused; in every other one each displayed
//! value is a literal of the signed dataset at the place the path names (no text can vanish,
//! and the processor's safe mode drops nothing).
//!
//! A document with an `eddsa-jcs-2022` proof is signed as JSON, byte for byte: nothing to check.

use serde_json::Value;

/// Keys that restructure a document or carry text the RDF does not keep.
const REFUSED_KEYS: &[&str] = &["@index", "@graph", "@included", "@reverse", "@nest"];

/// What could make the JSON of an RDFC-only document show other than what is signed; each
/// names the path (`$.credentialSubject.id`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RdfcDisplayError {
    /// Deeper than the canonicalizer goes.
    #[error("{path}: nested too deeply")]
    TooDeep {
        /// Where.
        path: String,
    },
    /// A key that restructures the document or carries text the RDF does not keep.
    #[error(
        "{path}: {key} can move or hide what a reader sees, and the proof does not cover the JSON"
    )]
    Key {
        /// Where (the key included).
        path: String,
        /// `@index`, `@graph`, `@included`, `@reverse` or `@nest`.
        key: String,
    },
    /// A blank node label, which canonicalization renames.
    #[error(
        "{path}: a blank node label is not signed (canonicalization renames it), so it cannot be \
         shown"
    )]
    BlankNode {
        /// Where.
        path: String,
    },
    /// An inline context, which could give a displayed term another meaning.
    #[error(
        "{path}: an inline context can rename what a reader sees; only context URLs are taken"
    )]
    InlineContext {
        /// Where.
        path: String,
    },
}

/// Refuses what could make the JSON of an RDFC-only document show other than what is signed;
/// the error names the path.
pub fn check(doc: &Value) -> Result<(), RdfcDisplayError> {
    walk(doc, "$", 0)
}

fn walk(v: &Value, path: &str, depth: usize) -> Result<(), RdfcDisplayError> {
    if depth > crate::rdfc::MAX_DEPTH {
        return Err(RdfcDisplayError::TooDeep { path: path.into() });
    }
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                let here = format!("{path}.{k}");
                if REFUSED_KEYS.contains(&k.as_str()) {
                    return Err(RdfcDisplayError::Key {
                        path: here,
                        key: k.clone(),
                    });
                }
                if k == "@context" {
                    context(x, &here)?;
                    continue;
                }
                walk(x, &here, depth + 1)?;
            }
            Ok(())
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, &format!("{path}[{i}]"), depth + 1)?;
            }
            Ok(())
        }
        // An id, or a value an `@id`-typed term turns into a node reference.
        Value::String(s) if s.starts_with("_:") => {
            Err(RdfcDisplayError::BlankNode { path: path.into() })
        }
        _ => Ok(()),
    }
}

/// Only context URLs (the processor knows bundled ones only): an inline context could give a
/// displayed term another meaning.
fn context(v: &Value, path: &str) -> Result<(), RdfcDisplayError> {
    let ok = match v {
        Value::String(_) => true,
        Value::Array(a) => a.iter().all(Value::is_string),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(RdfcDisplayError::InlineContext { path: path.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finding_5_text_that_vanishes_in_rdf_is_refused_by_path() {
        let plain = json!({"@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:uuid:1", "credentialSubject": {"id": "did:example:1", "name": "陈建国"}});
        check(&plain).unwrap();
        for (doc, want) in [
            (
                json!({"credentialSubject": {"id": "_:王晓明"}}),
                "$.credentialSubject.id",
            ),
            (
                json!({"credentialSubject": {"identifier": [{"@id": "_:nm"}]}}),
                "$.credentialSubject.identifier[0].@id",
            ),
            (json!({"credentialSubject": {"@index": "x"}}), "@index"),
            (json!({"@graph": []}), "@graph"),
            (json!({"a": {"@included": []}}), "@included"),
            (
                json!({"@context": [{"name": "https://evil.example/name"}]}),
                "inline context",
            ),
            (json!({"issuer": "_:someone"}), "$.issuer"),
        ] {
            let e = check(&doc).unwrap_err().to_string();
            assert!(e.contains(want), "{want}: {e}");
        }
    }
}
