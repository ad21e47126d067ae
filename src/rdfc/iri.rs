//! JSON-LD keywords and IRI expansion (JSON-LD 1.1 §5.2.2).

use super::context::ActiveContext;
use super::RdfcError;

/// `true` for a string of the form `@` + letters (a keyword or reserved keyword-like word).
pub(super) fn looks_like_keyword(s: &str) -> bool {
    s.len() > 1 && s.starts_with('@') && s[1..].bytes().all(|b| b.is_ascii_alphabetic())
}

pub(super) fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "@base"
            | "@container"
            | "@context"
            | "@direction"
            | "@graph"
            | "@id"
            | "@import"
            | "@included"
            | "@index"
            | "@json"
            | "@language"
            | "@list"
            | "@nest"
            | "@none"
            | "@prefix"
            | "@propagate"
            | "@protected"
            | "@reverse"
            | "@set"
            | "@type"
            | "@value"
            | "@version"
            | "@vocab"
    )
}

/// An absolute IRI (`scheme:…`) or a blank node identifier (`_:…`), without white space.
pub(super) fn is_absolute_iri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut b = scheme.bytes();
    let first_ok = b
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_');
    first_ok
        && (scheme == "_" || b.all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c)))
        && !rest.chars().any(char::is_whitespace)
}

pub(super) fn gen_delim_end(iri: &str) -> bool {
    iri.ends_with([':', '/', '?', '#', '[', ']', '@']) || iri.starts_with("_:")
}

/// IRI expansion (§5.2.2). `Ok(None)`: the value maps to nothing (a keyword-like word or an
/// explicitly unmapped term).
pub(super) fn expand_iri(
    active: &ActiveContext,
    value: &str,
    document_relative: bool,
    vocab: bool,
) -> Result<Option<String>, RdfcError> {
    if is_keyword(value) {
        return Ok(Some(value.to_owned()));
    }
    if looks_like_keyword(value) {
        return Ok(None);
    }
    if let Some(d) = active.terms.get(value) {
        if d.iri.as_deref().is_some_and(is_keyword) || vocab {
            return Ok(d.iri.clone());
        }
    }
    if let Some(i) = value.get(1..).and_then(|r| r.find(':')) {
        let (prefix, suffix) = (&value[..=i], &value[i + 2..]);
        if prefix == "_" || suffix.starts_with("//") {
            return Ok(Some(value.to_owned()));
        }
        if let Some(d) = active.terms.get(prefix) {
            if let (Some(p), true) = (&d.iri, d.prefix) {
                return Ok(Some(format!("{p}{suffix}")));
            }
        }
        if is_absolute_iri(value) {
            return Ok(Some(value.to_owned()));
        }
    }
    if vocab {
        if let Some(v) = &active.vocab {
            return Ok(Some(format!("{v}{value}")));
        }
    }
    if document_relative {
        if let Some(b) = &active.base {
            if !is_absolute_iri(value) {
                return Err(RdfcError::Unsupported(format!(
                    "relative IRI {value} against @base {b}"
                )));
            }
        }
    }
    Ok(Some(value.to_owned()))
}
