//! The allow-listed JSON-LD contexts and just enough context processing to judge terms:
//! which terms are defined, which are protected, and whether a `@vocab` maps the rest.

use super::{err, is_url, items, type_names, VcError, VC_EXAMPLES_V2_CONTEXT};
use crate::model::{OB_V3_CONTEXT, VC_V2_CONTEXT};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Top-level terms of the VC 2.0 base context (`contexts/credentials/v2`), all protected.
pub const VC_V2_TERMS: &[&str] = &[
    "id",
    "type",
    "description",
    "digestMultibase",
    "digestSRI",
    "mediaType",
    "name",
    "VerifiableCredential",
    "EnvelopedVerifiableCredential",
    "VerifiablePresentation",
    "EnvelopedVerifiablePresentation",
    "JsonSchemaCredential",
    "JsonSchema",
    "BitstringStatusListCredential",
    "BitstringStatusList",
    "BitstringStatusListEntry",
    "DataIntegrityProof",
    "...",
    "_sd",
    "_sd_alg",
    "aud",
    "cnf",
    "exp",
    "iat",
    "iss",
    "jku",
    "kid",
    "nbf",
    "sub",
    "x5u",
];

/// Top-level terms of the Open Badges 3.0 context (`context-3.0.3.json`), all protected.
pub const OB_V3_TERMS: &[&str] = &[
    "id",
    "type",
    "OpenBadgeCredential",
    "Achievement",
    "AchievementCredential",
    "AchievementSubject",
    "Address",
    "Alignment",
    "Criteria",
    "EndorsementCredential",
    "EndorsementSubject",
    "Evidence",
    "GeoCoordinates",
    "IdentifierEntry",
    "IdentityObject",
    "Image",
    "Profile",
    "Related",
    "Result",
    "ResultDescription",
    "RubricCriterionLevel",
    "alignment",
    "description",
    "endorsement",
    "image",
    "inLanguage",
    "name",
    "narrative",
    "url",
    "awardedDate",
];

/// A term definition in the active context.
struct Term {
    /// The inline definition; `None` for an allow-listed context's term.
    def: Option<Value>,
    protected: bool,
}

/// Just enough of a JSON-LD active context to judge terms: which terms are defined, whether
/// they are protected, and whether a `@vocab` maps everything else.
pub(crate) struct ActiveContext {
    terms: HashMap<String, Term>,
    vocab: bool,
}

impl ActiveContext {
    fn load_list(&mut self, terms: &[&str]) {
        for t in terms {
            self.terms.insert(
                (*t).to_owned(),
                Term {
                    def: None,
                    protected: true,
                },
            );
        }
    }

    pub(crate) fn build(ctx: &Value) -> Result<ActiveContext, VcError> {
        let mut ac = ActiveContext {
            terms: HashMap::new(),
            vocab: false,
        };
        for (f, item) in items("@context", ctx)? {
            match item {
                Value::String(u) if u == VC_V2_CONTEXT => ac.load_list(VC_V2_TERMS),
                Value::String(u) if u == OB_V3_CONTEXT => ac.load_list(OB_V3_TERMS),
                Value::String(u) if u == VC_EXAMPLES_V2_CONTEXT => ac.vocab = true,
                Value::String(u) => {
                    return Err(err(
                        f,
                        format!("context {u:?} is not on the allow-list (VC 2.0, VC examples, Open Badges 3.0); it cannot be processed without fetching it"),
                    ))
                }
                Value::Object(o) => ac.inline(&f, o)?,
                _ => return Err(err(f, "must be a context URL or a context object")),
            }
        }
        Ok(ac)
    }

    fn inline(&mut self, f: &str, o: &Map<String, Value>) -> Result<(), VcError> {
        let protect_all = match o.get("@protected") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(err(format!("{f}.@protected"), "must be a boolean")),
        };
        for (k, v) in o {
            let kf = format!("{f}.{k}");
            match k.as_str() {
                "@protected" => {}
                "@vocab" => match v {
                    Value::Null => self.vocab = false,
                    Value::String(s) if is_url(s) => self.vocab = true,
                    _ => return Err(err(kf, "must be a URL or null")),
                },
                "@version" if v.as_f64() == Some(1.1) => {}
                "@language" if v.is_null() || v.is_string() => {}
                "@direction" if v.is_null() || matches!(v.as_str(), Some("ltr" | "rtl")) => {}
                k if k.starts_with('@') => {
                    return Err(err(kf, "this context keyword is not supported"))
                }
                _ => {
                    if let Some(old) = self.terms.get(k) {
                        if old.protected && old.def.as_ref() != Some(v) {
                            return Err(err(kf, format!("redefines the protected term {k:?}")));
                        }
                    }
                    let protected = match v {
                        Value::Null => {
                            self.terms.remove(k);
                            continue;
                        }
                        Value::String(s) if is_url(s) => protect_all,
                        Value::Object(d)
                            if d.get("@id").and_then(Value::as_str).is_some_and(is_url) =>
                        {
                            protect_all || d.get("@protected") == Some(&Value::Bool(true))
                        }
                        _ => return Err(err(kf, format!("term {k:?} must map to a URL"))),
                    };
                    self.terms.insert(
                        k.to_owned(),
                        Term {
                            def: Some(v.clone()),
                            protected,
                        },
                    );
                }
            }
        }
        Ok(())
    }

    fn check_type(&self, field: &str, t: &str) -> Result<(), VcError> {
        if self.terms.contains_key(t) || self.vocab || is_url(t) {
            Ok(())
        } else {
            Err(err(
                field,
                format!("type {t:?} is not defined by the credential's contexts and is not a URL"),
            ))
        }
    }

    /// Every `type` member anywhere outside `@context` must resolve.
    pub(crate) fn check_all_types(&self, doc: &Value) -> Result<(), VcError> {
        let mut stack = vec![(String::new(), doc)];
        while let Some((path, v)) = stack.pop() {
            match v {
                Value::Object(o) => {
                    for (k, x) in o {
                        let p = if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        };
                        if k == "@context" {
                            continue;
                        }
                        if k == "type" {
                            for t in type_names(&p, x)? {
                                self.check_type(&p, t)?;
                            }
                        } else {
                            stack.push((p, x));
                        }
                    }
                }
                Value::Array(a) => stack.extend(
                    a.iter()
                        .enumerate()
                        .map(|(i, x)| (format!("{path}[{i}]"), x)),
                ),
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context_terms(path: &str) -> Vec<String> {
        let text = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let v: Value = serde_json::from_slice(&text).unwrap();
        v["@context"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| !k.starts_with('@'))
            .cloned()
            .collect()
    }

    #[test]
    fn term_tables_match_the_context_files() {
        let v2 = context_terms(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/vectors/vc-data-model-2.0/contexts/credentials/v2"
        ));
        assert_eq!(v2, VC_V2_TERMS);
        let ob = context_terms(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../testdata/vectors/open-badges-3.0/context-3.0.3.json"
        ));
        assert_eq!(ob, OB_V3_TERMS);
    }
}
