//! Whether a JSON value is fully described by a schema of an OpenAPI 3.1 document: every
//! member of every object is listed (with a description), types, enums and required members
//! agree, `$ref`s, `allOf`, `oneOf` and `prefixItems` are followed.

use serde_json::Value;

fn resolve<'a>(doc: &'a Value, r: &str) -> Option<&'a Value> {
    doc.pointer(r.strip_prefix('#')?)
}

/// Schemas of documents that other specifications define (a W3C VC, a DID document, a JWK
/// set, …): objects whose members this document does not list. Any other object in an answer
/// must have every member described.
const EXTERNAL: &[&str] = &[
    "CredentialDocument",
    "DidDocument",
    "JwkSet",
    "TrustListDocument",
    "StatusListDocument",
    "OpenApiDocument",
];

/// Follows `$ref`s; returns the schema and the name of the last component reached.
fn deref<'a>(doc: &'a Value, mut s: &'a Value) -> Result<(&'a Value, Option<&'a str>), String> {
    let mut name = None;
    for _ in 0..16 {
        let Some(r) = s.get("$ref").and_then(Value::as_str) else {
            return Ok((s, name));
        };
        s = resolve(doc, r).ok_or_else(|| format!("{r} does not resolve"))?;
        name = r.rsplit('/').next();
    }
    Err("$ref loop".into())
}

/// A schema with its `allOf` parts merged: properties, required members, types, enum.
#[derive(Default)]
struct Flat<'a> {
    properties: Vec<(&'a str, &'a Value)>,
    has_properties: bool,
    required: Vec<&'a str>,
    types: Vec<&'a str>,
    values: Option<Vec<&'a Value>>,
    items: Option<&'a Value>,
    prefix_items: Option<&'a Vec<Value>>,
}

fn flatten<'a>(doc: &'a Value, s: &'a Value, out: &mut Flat<'a>) -> Result<(), String> {
    let (s, _) = deref(doc, s)?;
    if let Some(p) = s.get("properties").and_then(Value::as_object) {
        out.has_properties = true;
        out.properties
            .extend(p.iter().map(|(k, v)| (k.as_str(), v)));
    }
    if let Some(r) = s.get("required").and_then(Value::as_array) {
        out.required.extend(r.iter().filter_map(Value::as_str));
    }
    match s.get("type") {
        Some(Value::String(t)) => out.types.push(t),
        Some(Value::Array(ts)) => out.types.extend(ts.iter().filter_map(Value::as_str)),
        _ => {}
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        out.values = Some(e.iter().collect());
    }
    if let Some(c) = s.get("const") {
        out.values = Some(vec![c]);
    }
    out.items = out.items.or(s.get("items"));
    out.prefix_items = out
        .prefix_items
        .or(s.get("prefixItems").and_then(Value::as_array));
    for part in s
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        flatten(doc, part, out)?;
    }
    Ok(())
}

fn json_type_ok(types: &[&str], v: &Value) -> bool {
    types.is_empty()
        || types.iter().any(|t| match *t {
            "null" => v.is_null(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "string" => v.is_string(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            _ => false,
        })
}

/// Whether a member's schema carries a description (on the member, or on what it refers to).
fn described(doc: &Value, s: &Value) -> bool {
    let has = |s: &Value| {
        s["description"]
            .as_str()
            .is_some_and(|d| !d.trim().is_empty())
    };
    has(s)
        || deref(doc, s).is_ok_and(|(t, _)| has(t))
        || s["oneOf"]
            .as_array()
            .is_some_and(|bs| bs.iter().any(|b| described(doc, b)))
}

/// The problems with `v` as an instance of `schema` (empty: `v` is fully described by it).
pub fn check(doc: &Value, schema: &Value, v: &Value, at: &str) -> Vec<String> {
    let (s, name) = match deref(doc, schema) {
        Ok(x) => x,
        Err(e) => return vec![format!("{at}: {e}")],
    };
    if name.is_some_and(|n| EXTERNAL.contains(&n)) {
        return if v.is_object() {
            vec![]
        } else {
            vec![format!("{at}: not an object")]
        };
    }
    if let Some(branches) = s.get("oneOf").or(s.get("anyOf")).and_then(Value::as_array) {
        let tries: Vec<Vec<String>> = branches.iter().map(|b| check(doc, b, v, at)).collect();
        if tries.iter().any(Vec::is_empty) {
            return vec![];
        }
        return vec![format!("{at}: matches no branch: {tries:?}")];
    }
    let mut f = Flat::default();
    if let Err(e) = flatten(doc, s, &mut f) {
        return vec![format!("{at}: {e}")];
    }
    let mut problems = Vec::new();
    if !json_type_ok(&f.types, v) {
        problems.push(format!("{at}: {v} is not of type {:?}", f.types));
    }
    if let Some(values) = &f.values {
        if !values.contains(&v) {
            problems.push(format!("{at}: {v} is not one of {values:?}"));
        }
    }
    match v {
        Value::Object(o) => {
            if !f.has_properties {
                problems.push(format!(
                    "{at}: an object whose schema lists no members (give it a type, or add \
                     its schema to EXTERNAL if another specification defines it)"
                ));
                return problems;
            }
            for (k, x) in o {
                let p = format!("{at}.{k}");
                match f.properties.iter().find(|(n, _)| n == k) {
                    None => problems.push(format!("{p}: answered but not in the schema")),
                    Some((_, ps)) => {
                        if !described(doc, ps) {
                            problems.push(format!("{p}: no description"));
                        }
                        problems.extend(check(doc, ps, x, &p));
                    }
                }
            }
            for r in &f.required {
                if !o.contains_key(*r) {
                    problems.push(format!("{at}.{r}: required by the schema, not answered"));
                }
            }
        }
        Value::Array(a) => match (f.prefix_items, f.items) {
            (Some(prefix), _) => {
                for (i, x) in a.iter().enumerate() {
                    match prefix.get(i) {
                        Some(ps) => problems.extend(check(doc, ps, x, &format!("{at}[{i}]"))),
                        None => problems.push(format!("{at}[{i}]: beyond prefixItems")),
                    }
                }
            }
            (None, Some(items)) => {
                for (i, x) in a.iter().enumerate() {
                    problems.extend(check(doc, items, x, &format!("{at}[{i}]")));
                }
            }
            (None, None) => problems.push(format!("{at}: an array without items schema")),
        },
        _ => {}
    }
    problems
}

/// `$.checks[3].name` → `$.checks[].name`.
pub fn without_indexes(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut in_index = false;
    for c in p.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push(c);
            }
            ']' => {
                in_index = false;
                out.push(c);
            }
            c if in_index && c.is_ascii_digit() => {}
            c => out.push(c),
        }
    }
    out
}
