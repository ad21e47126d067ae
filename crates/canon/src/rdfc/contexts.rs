//! The JSON-LD contexts carried in the binary. Nothing is ever loaded from the network: a
//! context URL that is not here is refused, naming it.

use super::RdfcError;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Bundled contexts: URL and the exact text of the official document.
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "https://www.w3.org/ns/credentials/v2",
        include_str!("contexts/credentials-v2.jsonld"),
    ),
    (
        "https://www.w3.org/ns/credentials/examples/v2",
        include_str!("contexts/credentials-examples-v2.jsonld"),
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        include_str!("contexts/ob-context-3.0.3.jsonld"),
    ),
    (
        "https://w3id.org/citizenship/v4rc1",
        include_str!("contexts/citizenship-v4rc1.jsonld"),
    ),
];

fn parsed() -> &'static HashMap<&'static str, Value> {
    static PARSED: OnceLock<HashMap<&'static str, Value>> = OnceLock::new();
    PARSED.get_or_init(|| {
        BUNDLED
            .iter()
            .filter_map(|(url, text)| serde_json::from_str(text).ok().map(|v| (*url, v)))
            .collect()
    })
}

/// The parsed bundled context document for `url`.
pub(super) fn load(url: &str) -> Result<&'static Value, RdfcError> {
    parsed()
        .get(url)
        .ok_or_else(|| RdfcError::UnknownContext(url.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_context_parses_and_an_unknown_one_is_named() {
        for (url, _) in BUNDLED {
            assert!(
                load(url).is_ok_and(|v| v.get("@context").is_some()),
                "{url}"
            );
        }
        let e = load("https://example.com/ctx").unwrap_err();
        assert!(e.to_string().contains("https://example.com/ctx"), "{e}");
    }
}
