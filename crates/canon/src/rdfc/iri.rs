//! JSON-LD keywords and IRI shapes (JSON-LD 1.1); IRI expansion itself needs the active
//! context and is `context::expand_iri`.

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
