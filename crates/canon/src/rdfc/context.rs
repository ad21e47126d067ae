//! JSON-LD 1.1 context processing (§4.1) and IRI expansion (§4.2) for the bundled contexts:
//! `@protected`, `@vocab`, `@propagate`, property- and type-scoped contexts, `@type`
//! coercion, `@container`, `@language`/`@direction`. `@import`, `@reverse`, `@nest` and index
//! maps are refused (no bundled context uses them).

use super::iri::{gen_delim_end, is_absolute_iri, is_keyword, looks_like_keyword};
use super::{contexts, Budget, RdfcError};
use foldhash::{HashMap, HashMapExt};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::rc::Rc;

/// Most remote (bundled) contexts one processing may load, nested.
const MAX_REMOTE_CONTEXTS: usize = 16;

/// One term definition.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct TermDef {
    /// The IRI or keyword the term maps to; `None`: explicitly unmapped (`"@id": null`).
    pub iri: Option<String>,
    pub prefix: bool,
    pub protected: bool,
    /// `@type` coercion: `@id`, `@vocab`, `@json`, `@none` or a datatype IRI.
    pub type_mapping: Option<String>,
    pub container: Vec<String>,
    /// `Some(None)`: explicitly no language.
    pub language: Option<Option<String>>,
    pub direction: Option<Option<String>>,
    /// A scoped context, unprocessed.
    pub context: Option<Value>,
}

impl TermDef {
    fn same_but_protected(&self, other: &TermDef) -> bool {
        let mut a = self.clone();
        a.protected = other.protected;
        a == *other
    }
    /// Whether the container mapping has `c`.
    pub(super) fn has_container(&self, c: &str) -> bool {
        self.container.iter().any(|x| x == c)
    }
}

/// The active context.
#[derive(Debug, Clone, Default)]
pub(super) struct ActiveContext {
    pub terms: HashMap<String, Rc<TermDef>>,
    pub vocab: Option<String>,
    pub base: Option<String>,
    pub language: Option<String>,
    pub direction: Option<String>,
    pub previous: Option<Rc<ActiveContext>>,
    /// The identity of a context kept by [`super::cache`] (made from bundled text alone);
    /// `None` for every other (see the cache's module documentation).
    pub id: Option<u64>,
}

impl ActiveContext {
    /// The initial active context: nothing defined.
    pub(super) fn is_initial(&self) -> bool {
        self.terms.is_empty()
            && self.vocab.is_none()
            && self.base.is_none()
            && self.language.is_none()
            && self.direction.is_none()
            && self.previous.is_none()
    }
}

/// Processing state for one context: the local context and which terms are defined.
struct Local<'a> {
    map: &'a Map<String, Value>,
    defined: HashMap<String, bool>,
}

/// Context processing (JSON-LD 1.1 §4.1.2).
pub(super) fn process(
    active: &ActiveContext,
    local: &Value,
    remote: &mut Vec<String>,
    override_protected: bool,
    propagate: bool,
    validate_scoped: bool,
    budget: &mut Budget,
) -> Result<ActiveContext, RdfcError> {
    budget.spend(1 + active.terms.len())?;
    let mut result = active.clone();
    result.id = None;
    let propagate = match local.get("@propagate") {
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(RdfcError::context("@propagate must be a boolean")),
        None => propagate,
    };
    if !propagate && result.previous.is_none() {
        result.previous = Some(Rc::new(active.clone()));
    }
    let list: Vec<&Value> = match local {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    for ctx in list {
        match ctx {
            Value::Null => {
                if !override_protected && result.terms.values().any(|t| t.protected) {
                    return Err(RdfcError::context(
                        "invalid context nullification: protected terms are defined",
                    ));
                }
                let prev = result.previous.take();
                result = ActiveContext {
                    previous: if propagate { None } else { prev },
                    ..ActiveContext::default()
                };
            }
            Value::String(url) => {
                if !validate_scoped && remote.iter().any(|r| r == url) {
                    continue;
                }
                if remote.len() >= MAX_REMOTE_CONTEXTS {
                    return Err(RdfcError::context(
                        "context overflow: too many nested contexts",
                    ));
                }
                let loaded = contexts::load(url)?;
                let inner = loaded.get("@context").ok_or_else(|| {
                    RdfcError::context(format!("bundled context {url} has no @context"))
                })?;
                remote.push(url.clone());
                let mut copy = remote.clone();
                result = process(
                    &result,
                    inner,
                    &mut copy,
                    false,
                    true,
                    validate_scoped,
                    budget,
                )?;
            }
            Value::Object(map) => {
                result = process_object(result, map, remote, override_protected, budget)?;
            }
            _ => {
                return Err(RdfcError::context(
                    "a context must be null, a URL or an object",
                ))
            }
        }
    }
    Ok(result)
}

fn process_object(
    mut result: ActiveContext,
    map: &Map<String, Value>,
    remote: &[String],
    override_protected: bool,
    budget: &mut Budget,
) -> Result<ActiveContext, RdfcError> {
    for k in ["@import", "@nest", "@reverse"] {
        if map.contains_key(k) {
            return Err(RdfcError::Unsupported(format!("{k} in a context")));
        }
    }
    context_defaults(&mut result, map)?;
    let protected = match map.get("@protected") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(RdfcError::context("@protected must be a boolean")),
    };
    let mut local = Local {
        map,
        defined: HashMap::new(),
    };
    for key in map.keys() {
        if matches!(
            key.as_str(),
            "@base"
                | "@direction"
                | "@language"
                | "@propagate"
                | "@protected"
                | "@version"
                | "@vocab"
        ) {
            continue;
        }
        let cfg = TermCfg {
            protected,
            override_protected,
            remote,
        };
        create_term(&mut result, &mut local, key, &cfg, budget)?;
    }
    Ok(result)
}

/// `@version`, `@base`, `@vocab`, `@language` and `@direction` of a local context.
fn context_defaults(result: &mut ActiveContext, map: &Map<String, Value>) -> Result<(), RdfcError> {
    if let Some(v) = map.get("@version") {
        if v.as_f64() != Some(1.1) {
            return Err(RdfcError::context("@version must be 1.1"));
        }
    }
    if let Some(v) = map.get("@base") {
        result.base = match v {
            Value::Null => None,
            Value::String(s) if is_absolute_iri(s) => Some(s.clone()),
            _ => return Err(RdfcError::context("@base must be null or an absolute IRI")),
        };
    }
    if let Some(v) = map.get("@vocab") {
        result.vocab = match v {
            Value::Null => None,
            Value::String(s) => {
                let e = expand_iri(result, s, true, true)?;
                match e {
                    Some(iri) if is_absolute_iri(&iri) => Some(iri.into_owned()),
                    _ => return Err(RdfcError::context("@vocab must be an absolute IRI")),
                }
            }
            _ => return Err(RdfcError::context("@vocab must be a string or null")),
        };
    }
    if let Some(v) = map.get("@language") {
        result.language = match v {
            Value::Null => None,
            Value::String(s) => Some(s.to_ascii_lowercase()),
            _ => return Err(RdfcError::context("@language must be a string or null")),
        };
    }
    if let Some(v) = map.get("@direction") {
        result.direction = match v.as_str() {
            None if v.is_null() => None,
            Some(d @ ("ltr" | "rtl")) => Some(d.to_owned()),
            _ => return Err(RdfcError::context("@direction must be ltr, rtl or null")),
        };
    }
    Ok(())
}

struct TermCfg<'a> {
    protected: bool,
    override_protected: bool,
    remote: &'a [String],
}

/// Create Term Definition (§4.2.2).
fn create_term(
    active: &mut ActiveContext,
    local: &mut Local<'_>,
    term: &str,
    cfg: &TermCfg<'_>,
    budget: &mut Budget,
) -> Result<(), RdfcError> {
    budget.spend(1)?;
    match local.defined.get(term) {
        Some(true) => return Ok(()),
        Some(false) => return Err(RdfcError::context(format!("cyclic IRI mapping at {term}"))),
        None => {}
    }
    if term.is_empty() {
        return Err(RdfcError::context("invalid term definition: empty term"));
    }
    local.defined.insert(term.to_owned(), false);
    let value = local.map.get(term).cloned().unwrap_or(Value::Null);
    if keyword_term(term, &value)? {
        local.defined.insert(term.to_owned(), true);
        return Ok(());
    }
    let previous = active.terms.remove(term);
    let (value, simple) = term_value(term, value)?;
    let mut def = TermDef {
        iri: None,
        prefix: false,
        protected: match value.get("@protected") {
            None => cfg.protected,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(RdfcError::context("@protected must be a boolean")),
        },
        type_mapping: None,
        container: Vec::new(),
        language: None,
        direction: None,
        context: None,
    };
    if let Some(t) = value.get("@type") {
        def.type_mapping = Some(type_mapping(active, local, term, t, budget)?);
    }
    term_iri(active, local, term, &value, simple, &mut def, cfg, budget)?;
    term_options(active, term, &value, &mut def, cfg, budget)?;
    if let Some(prev) = previous {
        if !cfg.override_protected && prev.protected {
            if !def.same_but_protected(&prev) {
                return Err(RdfcError::context(format!(
                    "protected term redefinition: {term}"
                )));
            }
            def = (*prev).clone();
        }
    }
    active.terms.insert(term.to_owned(), Rc::new(def));
    local.defined.insert(term.to_owned(), true);
    Ok(())
}

/// Keywords as terms: only `@type` may be redefined (as a `@set` container, or protected);
/// another keyword is an error; a keyword-like word (`@foo`) is ignored (`Ok(true)`).
fn keyword_term(term: &str, value: &Value) -> Result<bool, RdfcError> {
    if term == "@type" {
        let ok = value.as_object().is_some_and(|o| {
            !o.is_empty()
                && o.iter().all(|(k, v)| {
                    (k == "@container" && v == "@set") || (k == "@protected" && v.is_boolean())
                })
        });
        if !ok {
            return Err(RdfcError::context("keyword redefinition of @type"));
        }
        return Ok(false);
    }
    if is_keyword(term) {
        return Err(RdfcError::context(format!(
            "keyword redefinition of {term}"
        )));
    }
    Ok(looks_like_keyword(term))
}

/// A term's value as a map (a string `s` is `{"@id": s}`, a simple term), members checked.
fn term_value(term: &str, value: Value) -> Result<(Map<String, Value>, bool), RdfcError> {
    let (value, simple) = match value {
        Value::Null => (Map::from_iter([("@id".to_owned(), Value::Null)]), false),
        Value::String(s) => (Map::from_iter([("@id".to_owned(), Value::String(s))]), true),
        Value::Object(o) => (o, false),
        _ => {
            return Err(RdfcError::context(format!(
                "invalid term definition for {term}"
            )))
        }
    };
    for k in value.keys() {
        if !matches!(
            k.as_str(),
            "@id"
                | "@type"
                | "@container"
                | "@context"
                | "@language"
                | "@direction"
                | "@protected"
                | "@prefix"
        ) {
            return Err(RdfcError::Unsupported(format!(
                "{k} in the definition of {term}"
            )));
        }
    }
    Ok((value, simple))
}

fn type_mapping(
    active: &mut ActiveContext,
    local: &mut Local<'_>,
    term: &str,
    t: &Value,
    budget: &mut Budget,
) -> Result<String, RdfcError> {
    let bad = || RdfcError::context(format!("invalid type mapping for {term}"));
    let t = t.as_str().ok_or_else(bad)?;
    match expand_iri_local(active, t, false, true, local, budget)? {
        Some(e)
            if matches!(e.as_str(), "@id" | "@json" | "@none" | "@vocab")
                || (is_absolute_iri(&e) && !e.starts_with("_:")) =>
        {
            Ok(e)
        }
        _ => Err(bad()),
    }
}

/// Steps 21–26: container, scoped context, language, direction, prefix flag.
fn term_options(
    active: &ActiveContext,
    term: &str,
    value: &Map<String, Value>,
    def: &mut TermDef,
    cfg: &TermCfg<'_>,
    budget: &mut Budget,
) -> Result<(), RdfcError> {
    if let Some(c) = value.get("@container") {
        def.container = container_list(term, c)?;
    }
    if let Some(ctx) = value.get("@context") {
        // Validate it now (as a scoped context would be processed), keep it unprocessed.
        let mut remote = cfg.remote.to_vec();
        process(active, ctx, &mut remote, true, true, false, budget)
            .map_err(|e| RdfcError::context(format!("invalid scoped context for {term}: {e}")))?;
        def.context = Some(ctx.clone());
    }
    if value.contains_key("@language") && !value.contains_key("@type") {
        def.language = Some(match value.get("@language") {
            Some(Value::String(s)) => Some(s.to_ascii_lowercase()),
            Some(Value::Null) => None,
            _ => return Err(RdfcError::context(format!("invalid @language for {term}"))),
        });
    }
    if value.contains_key("@direction") && !value.contains_key("@type") {
        def.direction = Some(match value.get("@direction").and_then(Value::as_str) {
            Some(d @ ("ltr" | "rtl")) => Some(d.to_owned()),
            None if value.get("@direction") == Some(&Value::Null) => None,
            _ => return Err(RdfcError::context(format!("invalid @direction for {term}"))),
        });
    }
    if let Some(p) = value.get("@prefix") {
        def.prefix = p
            .as_bool()
            .ok_or_else(|| RdfcError::context(format!("invalid @prefix for {term}")))?;
    }
    Ok(())
}

/// Steps 14–20 of Create Term Definition: the IRI a term maps to.
#[allow(clippy::too_many_arguments)]
fn term_iri(
    active: &mut ActiveContext,
    local: &mut Local<'_>,
    term: &str,
    value: &Map<String, Value>,
    simple: bool,
    def: &mut TermDef,
    cfg: &TermCfg<'_>,
    budget: &mut Budget,
) -> Result<(), RdfcError> {
    let bad = || RdfcError::context(format!("invalid IRI mapping for {term}"));
    match value.get("@id") {
        Some(Value::Null) => {
            def.iri = None;
            return Ok(());
        }
        Some(Value::String(id)) if id != term => {
            if !is_keyword(id) && looks_like_keyword(id) {
                return Ok(());
            }
            let iri = expand_iri_local(active, id, false, true, local, budget)?.ok_or_else(bad)?;
            if iri == "@context" || !(is_keyword(&iri) || is_absolute_iri(&iri)) {
                return Err(bad());
            }
            let inner_colon = term.len() > 1 && term[1..term.len() - 1].contains(':');
            if inner_colon || term.contains('/') {
                local.defined.insert(term.to_owned(), true);
                let again = expand_iri_local(active, term, false, true, local, budget)?;
                if again.as_deref() != Some(iri.as_str()) {
                    return Err(bad());
                }
            }
            if !term.contains(':') && !term.contains('/') && simple && gen_delim_end(&iri) {
                def.prefix = true;
            }
            def.iri = Some(iri);
        }
        Some(Value::String(_)) | None => {
            if let Some((prefix, suffix)) = term[1..].find(':').map(|i| term.split_at(i + 1)) {
                let suffix = &suffix[1..];
                if local.map.contains_key(prefix) {
                    create_term(active, local, prefix, cfg, budget)?;
                }
                def.iri = match active.terms.get(prefix).and_then(|d| d.iri.clone()) {
                    Some(p) => Some(format!("{p}{suffix}")),
                    None if is_absolute_iri(term) => Some(term.to_owned()),
                    None => return Err(bad()),
                };
            } else if term.contains('/') {
                let e = expand_iri(active, term, false, true)?;
                let e = e.filter(|e| is_absolute_iri(e)).ok_or_else(bad)?;
                def.iri = Some(e.into_owned());
            } else if term == "@type" {
                def.iri = Some("@type".into());
            } else {
                let vocab = active.vocab.as_ref().ok_or_else(bad)?;
                def.iri = Some(format!("{vocab}{term}"));
            }
        }
        Some(_) => return Err(bad()),
    }
    Ok(())
}

fn container_list(term: &str, c: &Value) -> Result<Vec<String>, RdfcError> {
    let items: Vec<&Value> = match c {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    for i in items {
        match i.as_str() {
            Some(s @ ("@graph" | "@set" | "@list" | "@language")) => out.push(s.to_owned()),
            Some(s @ ("@id" | "@index" | "@type")) => {
                return Err(RdfcError::Unsupported(format!("{s} container on {term}")))
            }
            _ => {
                return Err(RdfcError::context(format!(
                    "invalid container mapping for {term}"
                )))
            }
        }
    }
    if out.iter().any(|c| c == "@list") && out.len() > 1 {
        return Err(RdfcError::context(format!(
            "invalid container mapping for {term}"
        )));
    }
    Ok(out)
}

/// IRI expansion inside context processing: terms of the local context that `value` (or its
/// prefix) names are defined first.
fn expand_iri_local(
    active: &mut ActiveContext,
    value: &str,
    document_relative: bool,
    vocab: bool,
    local: &mut Local<'_>,
    budget: &mut Budget,
) -> Result<Option<String>, RdfcError> {
    if !is_keyword(value) && !looks_like_keyword(value) {
        let cfg = TermCfg {
            protected: matches!(local.map.get("@protected"), Some(Value::Bool(true))),
            override_protected: false,
            remote: &[],
        };
        if local.map.contains_key(value) && local.defined.get(value) != Some(&true) {
            create_term(active, local, value, &cfg, budget)?;
        }
        if let Some(i) = value.get(1..).and_then(|r| r.find(':')) {
            let prefix = &value[..=i];
            if local.map.contains_key(prefix) && local.defined.get(prefix) != Some(&true) {
                create_term(active, local, prefix, &cfg, budget)?;
            }
        }
    }
    Ok(expand_iri(active, value, document_relative, vocab)?.map(Cow::into_owned))
}

/// IRI expansion (§5.2.2). `Ok(None)`: the value maps to nothing (a keyword-like word or an
/// explicitly unmapped term).
pub(super) fn expand_iri<'a>(
    active: &'a ActiveContext,
    value: &'a str,
    document_relative: bool,
    vocab: bool,
) -> Result<Option<Cow<'a, str>>, RdfcError> {
    if is_keyword(value) {
        return Ok(Some(Cow::Borrowed(value)));
    }
    if looks_like_keyword(value) {
        return Ok(None);
    }
    if let Some(d) = active.terms.get(value) {
        if d.iri.as_deref().is_some_and(is_keyword) || vocab {
            return Ok(d.iri.as_deref().map(Cow::Borrowed));
        }
    }
    if let Some(i) = value.get(1..).and_then(|r| r.find(':')) {
        let (prefix, suffix) = (&value[..=i], &value[i + 2..]);
        if prefix == "_" || suffix.starts_with("//") {
            return Ok(Some(Cow::Borrowed(value)));
        }
        if let Some(d) = active.terms.get(prefix) {
            if let (Some(p), true) = (&d.iri, d.prefix) {
                return Ok(Some(Cow::Owned(format!("{p}{suffix}"))));
            }
        }
        if is_absolute_iri(value) {
            return Ok(Some(Cow::Borrowed(value)));
        }
    }
    if vocab {
        if let Some(v) = &active.vocab {
            return Ok(Some(Cow::Owned(format!("{v}{value}"))));
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
    Ok(Some(Cow::Borrowed(value)))
}
