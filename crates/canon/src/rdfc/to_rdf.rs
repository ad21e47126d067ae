//! Expanded JSON-LD to an RDF dataset: node map generation (JSON-LD 1.1 §7.2) and
//! deserialization to RDF (JSON-LD 1.1 API §8.2), with `rdfDirection` unset (a direction is not
//! turned into RDF). IRIs are checked by `oxrdf`; one it refuses is an error, never dropped.

use super::iri::is_absolute_iri;
use super::{Budget, RdfcError};
use foldhash::{HashMap, HashSet, HashSetExt};
use oxrdf::{BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::rc::Rc;

const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
const XSD: &str = "http://www.w3.org/2001/XMLSchema#";

/// A value of a node's property, borrowed from the expanded document where it can be.
#[derive(Clone, PartialEq)]
enum Item<'a> {
    /// A value object (`@value`) of the expanded document.
    Literal(&'a Map<String, Value>),
    /// A reference to a node: its `@id` (a blank node relabelled).
    Ref(Rc<str>),
    /// A list object's items.
    List(Vec<Item<'a>>),
}

/// A node of the node map: its types and its properties' values (JSON-LD 1.1 §7.2, without
/// copying the expanded document).
#[derive(Default)]
struct Node<'a> {
    types: Vec<Rc<str>>,
    properties: BTreeMap<Cow<'a, str>, Vec<Item<'a>>>,
}

type Graph<'a> = BTreeMap<Rc<str>, Node<'a>>;

#[derive(Default)]
struct NodeMap<'a> {
    graphs: BTreeMap<Rc<str>, Graph<'a>>,
    labels: HashMap<&'a str, Rc<str>>,
    counter: usize,
}

impl<'a> NodeMap<'a> {
    fn blank(&mut self, old: Option<&'a str>) -> Rc<str> {
        if let Some(l) = old.and_then(|o| self.labels.get(o)) {
            return l.clone();
        }
        let new: Rc<str> = format!("_:b{}", self.counter).into();
        self.counter += 1;
        if let Some(o) = old {
            self.labels.insert(o, new.clone());
        }
        new
    }

    fn node(&mut self, graph: &Rc<str>, id: &Rc<str>) -> &mut Node<'a> {
        let g = self.graphs.entry(graph.clone()).or_default();
        g.entry(id.clone()).or_default()
    }
}

fn add_unique<T: PartialEq>(values: &mut Vec<T>, v: T) {
    if !values.contains(&v) {
        values.push(v);
    }
}

/// Where a generated element goes.
struct Target<'t, 'a> {
    graph: &'t Rc<str>,
    subject: Option<&'t Rc<str>>,
    property: Option<&'t Cow<'a, str>>,
}

/// Adds `v` to the target subject's property (no duplicates when `unique`).
fn add_to_subject<'a>(map: &mut NodeMap<'a>, t: &Target<'_, 'a>, v: Item<'a>, unique: bool) {
    if let (Some(s), Some(p)) = (t.subject, t.property) {
        let node = map.node(t.graph, s);
        let vals = match node.properties.get_mut(p.as_ref()) {
            Some(vals) => vals,
            None => node.properties.entry(p.clone()).or_default(),
        };
        if unique {
            add_unique(vals, v);
        } else {
            vals.push(v);
        }
    }
}

fn generate<'a>(
    el: &'a Value,
    map: &mut NodeMap<'a>,
    t: &Target<'_, 'a>,
    list: &mut Option<Vec<Item<'a>>>,
    budget: &mut Budget,
) -> Result<(), RdfcError> {
    budget.spend(1)?;
    let obj = match el {
        Value::Array(a) => {
            for item in a {
                generate(item, map, t, list, budget)?;
            }
            return Ok(());
        }
        Value::Object(o) => o,
        _ => {
            return Err(RdfcError::Syntax(
                "an expanded element that is not an object".into(),
            ))
        }
    };
    if obj.contains_key("@value") {
        match list {
            Some(l) => l.push(Item::Literal(obj)),
            None => add_to_subject(map, t, Item::Literal(obj), true),
        }
        return Ok(());
    }
    if let Some(items) = obj.get("@list") {
        let mut inner = Some(Vec::new());
        generate(items, map, t, &mut inner, budget)?;
        let l = Item::List(inner.unwrap_or_default());
        match list {
            Some(outer) => outer.push(l),
            None => add_to_subject(map, t, l, false),
        }
        return Ok(());
    }
    generate_node(obj, map, t, list, budget)
}

/// A node object: its node in the graph, a reference from the subject (or list) it is under,
/// its types, its named graph and its properties.
fn generate_node<'a>(
    obj: &'a Map<String, Value>,
    map: &mut NodeMap<'a>,
    t: &Target<'_, 'a>,
    list: &mut Option<Vec<Item<'a>>>,
    budget: &mut Budget,
) -> Result<(), RdfcError> {
    let id: Rc<str> = match obj.get("@id").and_then(Value::as_str) {
        Some(i) if i.starts_with("_:") => map.blank(Some(i)),
        Some(i) => i.into(),
        None => map.blank(None),
    };
    map.node(t.graph, &id);
    let reference = Item::Ref(id.clone());
    match list {
        Some(l) => l.push(reference),
        None => add_to_subject(map, t, reference, true),
    }
    if let Some(Value::Array(types)) = obj.get("@type") {
        for ty in types {
            // Expanded types are strings; anything else is refused as an empty IRI later.
            let ty: Rc<str> = match ty.as_str() {
                Some(s) if s.starts_with("_:") => map.blank(Some(s)),
                s => s.unwrap_or_default().into(),
            };
            add_unique(&mut map.node(t.graph, &id).types, ty);
        }
    }
    if let Some(g) = obj.get("@graph") {
        let inner = Target {
            graph: &id,
            subject: None,
            property: None,
        };
        generate(g, map, &inner, &mut None, budget)?;
    }
    let mut keys: Vec<&'a String> = obj.keys().filter(|k| !k.starts_with('@')).collect();
    keys.sort();
    for k in keys {
        let prop: Cow<'a, str> = if k.starts_with("_:") {
            Cow::Owned(map.blank(Some(k)).to_string())
        } else {
            Cow::Borrowed(k)
        };
        let node = map.node(t.graph, &id);
        if !node.properties.contains_key(prop.as_ref()) {
            node.properties.insert(prop.clone(), Vec::new());
        }
        let inner = Target {
            graph: t.graph,
            subject: Some(&id),
            property: Some(&prop),
        };
        generate(&obj[k.as_str()], map, &inner, &mut None, budget)?;
    }
    Ok(())
}

/// Most IRIs remembered per thread as checked (the vocabularies' terms recur in every
/// document); when full, all are forgotten.
const CHECKED_IRIS_KEPT: usize = 4096;

thread_local! {
    static CHECKED_IRIS: std::cell::RefCell<HashSet<Box<str>>> =
        std::cell::RefCell::new(HashSet::new());
}

/// The named node of `iri`, which oxrdf checks (an IRI it checked before on this thread is
/// not parsed again).
fn named(iri: &str) -> Result<NamedNode, RdfcError> {
    if CHECKED_IRIS.with(|c| c.borrow().contains(iri)) {
        return Ok(NamedNode::new_unchecked(iri));
    }
    let n = NamedNode::new(iri).map_err(|e| RdfcError::Iri(format!("{iri}: {e}")))?;
    CHECKED_IRIS.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CHECKED_IRIS_KEPT {
            c.clear();
        }
        c.insert(iri.into());
    });
    Ok(n)
}

fn subject(id: &str) -> Result<NamedOrBlankNode, RdfcError> {
    match id.strip_prefix("_:") {
        Some(b) => Ok(BlankNode::new(b)
            .map_err(|e| RdfcError::Iri(format!("{id}: {e}")))?
            .into()),
        None if is_absolute_iri(id) => Ok(named(id)?.into()),
        None => Err(RdfcError::Iri(format!("{id}: not an absolute IRI"))),
    }
}

/// The canonical lexical form of an `xsd:double` (as JSON-LD's toRdf writes it: `1.1E0`).
fn double_lexical(f: f64) -> String {
    let s = format!("{f:.15e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let mantissa = match mantissa.split_once('.') {
        Some((int, frac)) => {
            let frac = frac.trim_end_matches('0');
            format!("{int}.{}", if frac.is_empty() { "0" } else { frac })
        }
        None => format!("{mantissa}.0"),
    };
    format!("{mantissa}E{exp}")
}

fn literal(obj: &Map<String, Value>) -> Result<Term, RdfcError> {
    if obj.contains_key("@direction") {
        // With rdfDirection unset (as Data Integrity uses it), a base direction is not turned
        // into RDF: it would not be signed, so it is refused (as jsonld.js's safe mode does).
        return Err(RdfcError::Dropped("a base direction (@direction)".into()));
    }
    let datatype = obj.get("@type").and_then(Value::as_str);
    let value = &obj["@value"];
    let (lex, dt) = match value {
        _ if datatype == Some("@json") => {
            let c =
                crate::jcs::canonicalize(value).map_err(|e| RdfcError::Syntax(e.to_string()))?;
            let s = String::from_utf8(c).map_err(|e| RdfcError::Syntax(e.to_string()))?;
            (s, format!("{RDF}JSON"))
        }
        Value::Bool(b) => (
            b.to_string(),
            datatype.map_or(format!("{XSD}boolean"), str::to_owned),
        ),
        Value::Number(n) => {
            let f = n
                .as_f64()
                .filter(|f| f.is_finite())
                .ok_or_else(|| RdfcError::Syntax("a number that is not a finite double".into()))?;
            let double = datatype == Some(format!("{XSD}double").as_str());
            // jsonld.js's test: a double when JavaScript writes the number with a "." (so
            // 1e-7, written "1e-7", is an integer, "0"), or when it is at least 1e21.
            let js = ryu_js::Buffer::new().format(f).to_owned();
            if js.contains('.') || f.abs() >= 1e21 || double {
                (
                    double_lexical(f),
                    datatype.map_or(format!("{XSD}double"), str::to_owned),
                )
            } else {
                // As JavaScript's toFixed(0): no "-0".
                let f = if f == 0.0 { 0.0 } else { f };
                (
                    format!("{f:.0}"),
                    datatype.map_or(format!("{XSD}integer"), str::to_owned),
                )
            }
        }
        Value::String(s) => {
            if let Some(lang) = obj.get("@language").and_then(Value::as_str) {
                let l = Literal::new_language_tagged_literal(s.clone(), lang)
                    .map_err(|e| RdfcError::Syntax(format!("language tag {lang}: {e}")))?;
                return Ok(l.into());
            }
            (
                s.clone(),
                datatype.map_or(format!("{XSD}string"), str::to_owned),
            )
        }
        _ => return Err(RdfcError::Syntax("an invalid value object".into())),
    };
    Ok(Literal::new_typed_literal(lex, named(&dt)?).into())
}

fn object(
    item: &Item<'_>,
    quads: &mut Vec<(NamedOrBlankNode, NamedNode, Term)>,
    next_blank: &mut usize,
) -> Result<Term, RdfcError> {
    Ok(match item {
        Item::List(items) => return list(items, quads, next_blank),
        Item::Literal(obj) => return literal(obj),
        Item::Ref(id) => match subject(id)? {
            NamedOrBlankNode::NamedNode(n) => n.into(),
            NamedOrBlankNode::BlankNode(b) => b.into(),
        },
    })
}

fn list(
    items: &[Item<'_>],
    quads: &mut Vec<(NamedOrBlankNode, NamedNode, Term)>,
    next_blank: &mut usize,
) -> Result<Term, RdfcError> {
    let nil = named(&format!("{RDF}nil"))?;
    if items.is_empty() {
        return Ok(nil.into());
    }
    let nodes: Vec<BlankNode> = items
        .iter()
        .map(|_| {
            *next_blank += 1;
            BlankNode::new_unchecked(format!("l{next_blank}"))
        })
        .collect();
    let (first, rest) = (
        named(&format!("{RDF}first"))?,
        named(&format!("{RDF}rest"))?,
    );
    for (i, item) in items.iter().enumerate() {
        let o = object(item, quads, next_blank)?;
        quads.push((nodes[i].clone().into(), first.clone(), o));
        let next: Term = match nodes.get(i + 1) {
            Some(n) => n.clone().into(),
            None => nil.clone().into(),
        };
        quads.push((nodes[i].clone().into(), rest.clone(), next));
    }
    Ok(nodes[0].clone().into())
}

/// The RDF dataset of an expanded document: its statements, each once, in the order made.
pub(super) fn to_dataset(expanded: &[Value], budget: &mut Budget) -> Result<Vec<Quad>, RdfcError> {
    let mut map = NodeMap::default();
    let default: Rc<str> = "@default".into();
    let top = Target {
        graph: &default,
        subject: None,
        property: None,
    };
    for el in expanded {
        generate(el, &mut map, &top, &mut None, budget)?;
    }
    let mut ds: Vec<Quad> = Vec::new();
    let mut next_blank = 0usize;
    let type_iri = named(&format!("{RDF}type"))?;
    for (gname, graph) in &map.graphs {
        let g: GraphName = match gname.as_ref() {
            "@default" => GraphName::DefaultGraph,
            other => match subject(other)? {
                NamedOrBlankNode::NamedNode(n) => n.into(),
                NamedOrBlankNode::BlankNode(b) => b.into(),
            },
        };
        for (id, node) in graph {
            let quads = node_quads(id, node, &type_iri, &mut next_blank)?;
            budget.spend(quads.len())?;
            for (qs, qp, qo) in quads {
                ds.push(Quad::new(qs, qp, qo, g.clone()));
            }
            if ds.len() > super::MAX_QUADS {
                return Err(RdfcError::Limit(format!(
                    "more than {} RDF statements",
                    super::MAX_QUADS
                )));
            }
        }
    }
    Ok(ds)
}

/// `items` without repetition (a dataset is a set), in the order first made.
fn distinct<T: Eq + std::hash::Hash + Clone>(items: Vec<T>) -> Vec<T> {
    let mut out = Vec::with_capacity(items.len());
    if items.len() <= 32 {
        for i in items {
            if !out.contains(&i) {
                out.push(i);
            }
        }
    } else {
        let mut seen = HashSet::with_capacity(items.len());
        for i in items {
            if seen.insert(i.clone()) {
                out.push(i);
            }
        }
    }
    out
}

/// The statements of one node (its lists' statements included).
fn node_quads(
    id: &str,
    node: &Node<'_>,
    type_iri: &NamedNode,
    next_blank: &mut usize,
) -> Result<Vec<(NamedOrBlankNode, NamedNode, Term)>, RdfcError> {
    let s = subject(id)?;
    let mut quads = Vec::new();
    for t in &node.types {
        let o: Term = match subject(t)? {
            NamedOrBlankNode::NamedNode(n) => n.into(),
            NamedOrBlankNode::BlankNode(b) => b.into(),
        };
        quads.push((s.clone(), type_iri.clone(), o));
    }
    for (p, values) in &node.properties {
        if p.starts_with("_:") {
            return Err(RdfcError::Iri(format!("{p}: a blank node property")));
        }
        let pn = named(p)?;
        let mut objects = Vec::with_capacity(values.len());
        for v in values {
            objects.push(object(v, &mut quads, next_blank)?);
        }
        // Only these can repeat (two values that are the same term, `"1"` and `"1"^^xsd:string`):
        // a type is added once, and every other statement has another subject or graph (a
        // list's nodes are new blank nodes).
        for o in distinct(objects) {
            quads.push((s.clone(), pn.clone(), o));
        }
    }
    Ok(quads)
}

#[cfg(test)]
mod tests {
    use super::double_lexical;

    #[test]
    fn doubles_are_written_as_json_ld_writes_them() {
        assert_eq!(double_lexical(1.1), "1.1E0");
        assert_eq!(double_lexical(1.0e-7), "1.0E-7");
        assert_eq!(double_lexical(123456.789), "1.23456789E5");
        assert_eq!(double_lexical(-2.5e21), "-2.5E21");
    }
}
