//! JSON-LD 1.1 expansion (§5.1), in "safe mode": a property or type that the contexts do not
//! define, or a value that expansion would silently drop, is an error naming it, so nothing in
//! a document can escape the signature by not being turned into RDF.

use super::cache::{self, ScopedContext};
use super::context::expand_iri;
use super::context::{process, ActiveContext};
use super::iri::{is_absolute_iri, is_keyword};
use super::{Budget, RdfcError};
use serde_json::{Map, Value};
use std::rc::Rc;

/// Expands a document: the array of expanded top-level node objects.
pub(super) fn expand_document(doc: &Value, budget: &mut Budget) -> Result<Vec<Value>, RdfcError> {
    let active = Rc::new(ActiveContext::default());
    top_level(expand(&active, None, doc, false, budget, 0, &Path::Root)?)
}

/// Expands a document given as its top-level object read as if it had no member `without`
/// (a secured document read without its `proof`, with no copy made): the same result as
/// [`expand_document`] of a copy with that member removed.
pub(super) fn expand_document_without(
    doc: &Map<String, Value>,
    without: &str,
    budget: &mut Budget,
) -> Result<Vec<Value>, RdfcError> {
    // As `expand` does for an object at the top: one step, no property, no scoped context.
    budget.spend(1)?;
    let active = Rc::new(ActiveContext::default());
    let (root, skip) = (&Path::Root, Some(without));
    top_level(expand_object(
        &active, None, doc, skip, None, false, budget, 0, root,
    )?)
}

/// The top-level node objects of an expanded document.
fn top_level(out: Value) -> Result<Vec<Value>, RdfcError> {
    let out = match out {
        Value::Object(mut o) if o.len() == 1 && o.contains_key("@graph") => {
            o.remove("@graph").unwrap_or(Value::Null)
        }
        other => other,
    };
    Ok(match out {
        Value::Null => Vec::new(),
        Value::Array(a) => a,
        other => vec![other],
    })
}

/// Where an element is, written only for an error message (`$.credentialSubject[0].name`).
#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Path::Root => f.write_str("$"),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

fn as_array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        other => vec![other],
    }
}

fn term<'a>(active: &'a ActiveContext, p: Option<&str>) -> Option<&'a super::context::TermDef> {
    p.and_then(|p| active.terms.get(p)).map(|t| t.as_ref())
}

/// The expansion algorithm (§5.1.2). `path` names the element for error messages.
#[allow(clippy::too_many_arguments)]
fn expand(
    active: &Rc<ActiveContext>,
    prop: Option<&str>,
    element: &Value,
    from_map: bool,
    budget: &mut Budget,
    depth: usize,
    path: &Path<'_>,
) -> Result<Value, RdfcError> {
    budget.spend(1)?;
    if depth > super::MAX_DEPTH {
        return Err(RdfcError::Limit(format!(
            "nesting deeper than {}",
            super::MAX_DEPTH
        )));
    }
    let scoped = prop.and_then(|p| ScopedContext::of(active, p));
    match element {
        Value::Null => Ok(Value::Null),
        Value::Array(items) => {
            let is_list = term(active, prop).is_some_and(|t| t.has_container("@list"));
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let p = Path::Index(path, i);
                let e = expand(active, prop, item, from_map, budget, depth + 1, &p)?;
                match e {
                    Value::Array(a) if is_list => out.push(json_list(a)),
                    Value::Array(a) => out.extend(a),
                    Value::Null => {}
                    other => out.push(other),
                }
            }
            Ok(Value::Array(out))
        }
        Value::Object(map) => expand_object(
            active, prop, map, None, scoped, from_map, budget, depth, path,
        ),
        scalar => {
            if prop.is_none() || prop == Some("@graph") {
                return Err(RdfcError::Dropped(format!(
                    "{path}: a value outside any property"
                )));
            }
            let active = match scoped {
                Some(ctx) => {
                    let mode = budget.contexts;
                    cache::scoped(active, &ctx, true, true, mode, budget)?
                }
                None => active.clone(),
            };
            expand_value(&active, prop, scalar, path)
        }
    }
}

fn json_list(items: Vec<Value>) -> Value {
    Value::Object(Map::from_iter([("@list".to_owned(), Value::Array(items))]))
}

/// Value expansion (§5.3.2) of a scalar.
fn expand_value(
    active: &ActiveContext,
    prop: Option<&str>,
    value: &Value,
    path: &Path<'_>,
) -> Result<Value, RdfcError> {
    let def = term(active, prop);
    let tm = def.and_then(|d| d.type_mapping.as_deref());
    if let (Some(m @ ("@id" | "@vocab")), Value::String(s)) = (tm, value) {
        let iri = expand_iri(active, s, true, m == "@vocab")?
            .ok_or_else(|| RdfcError::Dropped(format!("{path}: {s} maps to nothing")))?;
        return Ok(Value::Object(Map::from_iter([(
            "@id".to_owned(),
            Value::String(iri.into_owned()),
        )])));
    }
    let mut out = Map::new();
    out.insert("@value".into(), value.clone());
    match tm {
        Some("@id" | "@vocab" | "@none") | None => {
            if value.is_string() {
                let lang = match def.and_then(|d| d.language.clone()) {
                    Some(l) => l,
                    None => active.language.clone(),
                };
                let dir = match def.and_then(|d| d.direction.clone()) {
                    Some(d) => d,
                    None => active.direction.clone(),
                };
                if let Some(l) = lang {
                    out.insert("@language".into(), Value::String(l));
                }
                if let Some(d) = dir {
                    out.insert("@direction".into(), Value::String(d));
                }
            }
        }
        Some(t) => {
            out.insert("@type".into(), Value::String(t.to_owned()));
        }
    }
    Ok(Value::Object(out))
}

/// Steps 7–11: the contexts an object is expanded with.
fn object_contexts(
    active: &Rc<ActiveContext>,
    map: &Map<String, Value>,
    skip: Option<&str>,
    scoped: Option<ScopedContext>,
    from_map: bool,
    budget: &mut Budget,
) -> Result<(Rc<ActiveContext>, Rc<ActiveContext>), RdfcError> {
    let mode = budget.contexts;
    let mut active = active.clone();
    let present = |k: &&String| Some(k.as_str()) != skip;
    if let Some(prev) = &active.previous {
        let len = map.keys().filter(present).count();
        let keeps = map.keys().filter(present).any(|k| {
            expand_iri(&active, k, false, true)
                .ok()
                .flatten()
                .as_deref()
                == Some("@value")
        }) || (len == 1
            && map.keys().filter(present).all(|k| {
                expand_iri(&active, k, false, true)
                    .ok()
                    .flatten()
                    .as_deref()
                    == Some("@id")
            }));
        if !from_map && !keeps {
            active = prev.clone();
        }
    }
    if let Some(ctx) = scoped {
        active = cache::scoped(&active, &ctx, true, true, mode, budget)?;
    }
    if let Some(ctx) = map.get("@context") {
        active = match cache::root_key(&active, ctx) {
            Some(key) => cache::root(key, ctx, mode, budget)?,
            None => Rc::new(process(
                &active,
                ctx,
                &mut Vec::new(),
                false,
                true,
                true,
                budget,
            )?),
        };
    }
    let type_scoped = active.clone();
    let mut keys: Vec<&String> = map.keys().filter(present).collect();
    keys.sort();
    for k in keys {
        if expand_iri(&active, k, false, true)?.as_deref() != Some("@type") {
            continue;
        }
        let mut types: Vec<&str> = match &map[k.as_str()] {
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            Value::String(s) => vec![s.as_str()],
            _ => Vec::new(),
        };
        types.sort_unstable();
        for t in types {
            if let Some(ctx) = ScopedContext::of(&type_scoped, t) {
                active = cache::scoped(&active, &ctx, false, false, mode, budget)?;
            }
        }
    }
    Ok((active, type_scoped))
}

#[allow(clippy::too_many_arguments)]
/// Expands a node or value object; `skip` names a member read as absent (only at the top).
fn expand_object(
    active: &Rc<ActiveContext>,
    prop: Option<&str>,
    map: &Map<String, Value>,
    skip: Option<&str>,
    scoped: Option<ScopedContext>,
    from_map: bool,
    budget: &mut Budget,
    depth: usize,
    path: &Path<'_>,
) -> Result<Value, RdfcError> {
    let (active, type_scoped) = object_contexts(active, map, skip, scoped, from_map, budget)?;
    let mut result = Map::new();
    for (key, value) in map {
        if key == "@context" || Some(key.as_str()) == skip {
            continue;
        }
        let kpath = Path::Key(path, key);
        let Some(ep) = expand_iri(&active, key, false, true)? else {
            return Err(RdfcError::Dropped(format!(
                "{kpath}: the term is not defined"
            )));
        };
        if !(is_keyword(&ep) || is_absolute_iri(&ep)) {
            return Err(RdfcError::Dropped(format!(
                "{kpath}: the term is not defined"
            )));
        }
        if is_keyword(&ep) {
            expand_keyword(
                &active,
                &type_scoped,
                prop,
                &ep,
                value,
                &mut result,
                budget,
                depth,
                &kpath,
            )?;
            continue;
        }
        let def = active.terms.get(key.as_str()).cloned();
        let container = |c: &str| def.as_ref().is_some_and(|d| d.has_container(c));
        let tm = def.as_ref().and_then(|d| d.type_mapping.as_deref());
        let mut expanded = if tm == Some("@json") {
            Value::Object(Map::from_iter([
                ("@value".to_owned(), value.clone()),
                ("@type".to_owned(), Value::String("@json".into())),
            ]))
        } else if container("@language") && value.is_object() {
            language_map(&active, def.as_deref(), value, &kpath)?
        } else {
            expand(&active, Some(key), value, false, budget, depth + 1, &kpath)?
        };
        if expanded.is_null() {
            continue;
        }
        if container("@list") && expanded.get("@list").is_none() {
            expanded = json_list(as_array(expanded));
        }
        if container("@graph") {
            let graphs = as_array(expanded)
                .into_iter()
                .map(|ev| {
                    Value::Object(Map::from_iter([(
                        "@graph".to_owned(),
                        Value::Array(as_array(ev)),
                    )]))
                })
                .collect();
            expanded = Value::Array(graphs);
        }
        let entry = result.entry(ep).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(a) = entry {
            a.extend(as_array(expanded));
        }
    }
    finish_object(result, prop, path)
}

fn language_map(
    active: &ActiveContext,
    def: Option<&super::context::TermDef>,
    value: &Value,
    path: &Path<'_>,
) -> Result<Value, RdfcError> {
    let dir = match def.and_then(|d| d.direction.clone()) {
        Some(d) => d,
        None => active.direction.clone(),
    };
    let mut out = Vec::new();
    let Value::Object(m) = value else {
        return Ok(Value::Array(out));
    };
    let mut langs: Vec<&String> = m.keys().collect();
    langs.sort();
    for lang in langs {
        for item in as_array(m[lang.as_str()].clone()) {
            let s = match item {
                Value::Null => continue,
                Value::String(s) => s,
                _ => {
                    return Err(RdfcError::Syntax(format!(
                        "{path}.{lang}: must be a string"
                    )))
                }
            };
            let mut v = Map::from_iter([("@value".to_owned(), Value::String(s))]);
            let el = expand_iri(active, lang, false, true)?;
            if lang != "@none" && el.as_deref() != Some("@none") {
                v.insert("@language".into(), Value::String(lang.to_ascii_lowercase()));
            }
            if let Some(d) = &dir {
                v.insert("@direction".into(), Value::String(d.clone()));
            }
            out.push(Value::Object(v));
        }
    }
    Ok(Value::Array(out))
}

/// Step 13.4: a member whose key expands to a keyword.
#[allow(clippy::too_many_arguments)]
fn expand_keyword(
    active: &Rc<ActiveContext>,
    type_scoped: &Rc<ActiveContext>,
    prop: Option<&str>,
    kw: &str,
    value: &Value,
    result: &mut Map<String, Value>,
    budget: &mut Budget,
    depth: usize,
    path: &Path<'_>,
) -> Result<(), RdfcError> {
    if result.contains_key(kw) && kw != "@type" {
        return Err(RdfcError::Syntax(format!(
            "{path}: colliding keywords {kw}"
        )));
    }
    let bad = |what: &str| RdfcError::Syntax(format!("{path}: {what}"));
    let expanded = match kw {
        "@id" => {
            let s = value.as_str().ok_or_else(|| bad("@id must be a string"))?;
            let iri = expand_iri(active, s, true, false)?
                .ok_or_else(|| RdfcError::Dropped(format!("{path}: {s} maps to nothing")))?;
            Value::String(iri.into_owned())
        }
        "@type" => expand_types(type_scoped, value, result, path)?,
        "@graph" => Value::Array(as_array(expand(
            active,
            Some("@graph"),
            value,
            false,
            budget,
            depth + 1,
            path,
        )?)),
        "@value" => value.clone(),
        "@language" => Value::String(
            value
                .as_str()
                .ok_or_else(|| bad("@language must be a string"))?
                .to_ascii_lowercase(),
        ),
        "@direction" => match value.as_str() {
            Some(d @ ("ltr" | "rtl")) => Value::String(d.to_owned()),
            _ => return Err(bad("@direction must be ltr or rtl")),
        },
        "@index" => Value::String(
            value
                .as_str()
                .ok_or_else(|| bad("@index must be a string"))?
                .to_owned(),
        ),
        "@list" => {
            if prop.is_none() || prop == Some("@graph") {
                return Err(RdfcError::Dropped(format!(
                    "{path}: a list outside any property"
                )));
            }
            let e = expand(active, prop, value, false, budget, depth + 1, path)?;
            Value::Array(as_array(e))
        }
        "@set" => expand(active, prop, value, false, budget, depth + 1, path)?,
        other => return Err(RdfcError::Unsupported(format!("{path}: {other}"))),
    };
    if expanded.is_null() && kw != "@value" {
        return Ok(());
    }
    result.insert(kw.to_owned(), expanded);
    Ok(())
}

/// Steps 14–20: checks and simplifications of an expanded object.
fn finish_object(
    mut result: Map<String, Value>,
    prop: Option<&str>,
    path: &Path<'_>,
) -> Result<Value, RdfcError> {
    let bad = |what: &str| RdfcError::Syntax(format!("{path}: {what}"));
    if let Some(v) = result.get("@value") {
        if result.keys().any(|k| {
            !matches!(
                k.as_str(),
                "@direction" | "@index" | "@language" | "@type" | "@value"
            )
        }) {
            return Err(bad("invalid value object"));
        }
        let ty = match result.get("@type") {
            None => None,
            Some(Value::Array(a)) if a.len() == 1 => a[0].as_str().map(str::to_owned),
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => return Err(bad("a value object has exactly one @type")),
        };
        if ty.as_deref() == Some("@json") {
            result.insert("@type".into(), Value::String("@json".into()));
            return Ok(Value::Object(result));
        }
        if v.is_array() || v.is_object() {
            return Err(bad("invalid value object value"));
        }
        if v.is_null() {
            return Err(RdfcError::Dropped(format!("{path}: a null @value")));
        }
        if !v.is_string() && result.contains_key("@language") {
            return Err(bad("@language on a value that is not a string"));
        }
        if let Some(t) = ty {
            if !is_absolute_iri(&t) || t.starts_with("_:") {
                return Err(bad("invalid typed value"));
            }
            result.insert("@type".into(), Value::String(t));
        }
        return Ok(Value::Object(result));
    }
    if let Some(s) = result.remove("@set") {
        if !result.keys().all(|k| k == "@index") {
            return Err(bad("@set with other members"));
        }
        return Ok(s);
    }
    if result.contains_key("@list") && !result.keys().all(|k| k == "@list" || k == "@index") {
        return Err(bad("@list with other members"));
    }
    if result.len() == 1 && result.contains_key("@language") {
        return Err(RdfcError::Dropped(format!(
            "{path}: an object with only @language"
        )));
    }
    if prop.is_none() || prop == Some("@graph") {
        let only_value_or_list = result.contains_key("@list");
        if result.is_empty() || only_value_or_list {
            return Err(RdfcError::Dropped(format!(
                "{path}: an empty top-level object"
            )));
        }
    }
    Ok(Value::Object(result))
}

/// `@type` of a node: every type an absolute IRI under the type-scoped context, appended to
/// the types already read.
fn expand_types(
    type_scoped: &ActiveContext,
    value: &Value,
    result: &mut Map<String, Value>,
    path: &Path<'_>,
) -> Result<Value, RdfcError> {
    let items: Vec<&Value> = match value {
        Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut types = match result.remove("@type") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    for t in items {
        let s = t
            .as_str()
            .ok_or_else(|| RdfcError::Syntax(format!("{path}: @type must be strings")))?;
        let iri = expand_iri(type_scoped, s, true, true)?
            .filter(|i| is_absolute_iri(i) || i == "@json")
            .ok_or_else(|| RdfcError::Dropped(format!("{path}: type {s} is not defined")))?;
        types.push(Value::String(iri.into_owned()));
    }
    Ok(Value::Array(types))
}
