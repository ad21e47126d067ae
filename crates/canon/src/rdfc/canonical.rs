//! RDFC-1.0 (SHA-256) of a list of distinct statements, with the common case done here.
//!
//! RDFC-1.0 (§4.4.3) first gives every blank node its Hash First Degree Quads (§4.6): the
//! SHA-256 of the sorted N-Quads that mention it, itself written `_:a` and any other blank node
//! `_:z`. Blank nodes whose hash no other shares are labelled `_:c14n0`, `_:c14n1`, … in the
//! order of their hashes (step 4); only blank nodes that share a hash need Hash N-Degree Quads
//! (step 5), the expensive and bounded step. A credential's blank nodes differ by what they
//! say, so usually every hash is unique and the labels are settled after the first degree:
//! that case is done here, writing each statement once per use. When two blank nodes share a
//! hash, the whole dataset goes to the `rdf-canon` crate, after the look-alike bound
//! ([`super::alike`]), exactly as every document did before.
//!
//! Statements are written as `rdf-canon` writes them (oxrdf's N-Quads forms of each term), and
//! the quads that mention a blank node are listed as `rdf-canon` lists them (a statement that
//! names the node twice, twice), so both give the same bytes; the tests compare them on every
//! vector and on generated datasets.

use super::{alike, RdfcError, MAX_BLANK_NODES, MAX_HNDQ_CALLS};
use foldhash::{HashMap, HashMapExt};
use oxrdf::{GraphNameRef, Quad, QuadRef, SubjectRef, TermRef};
use sha2::{Digest, Sha256};
use std::fmt::Write;

/// How a statement's blank nodes are written.
enum Labels<'a> {
    /// First degree, for blank node `me`: `_:a` for it, `_:z` for any other.
    FirstDegree { me: &'a str },
    /// The canonical labels.
    Canonical(&'a HashMap<&'a str, String>),
}

impl Labels<'_> {
    fn write(&self, out: &mut String, blank: &str) {
        out.push_str("_:");
        match self {
            Labels::FirstDegree { me } => out.push(if blank == *me { 'a' } else { 'z' }),
            Labels::Canonical(map) => out.push_str(map.get(blank).map_or(blank, String::as_str)),
        }
    }
}

/// One statement in canonical N-Quads form, without the final ` .\n`.
fn write_quad(out: &mut String, q: QuadRef<'_>, labels: &Labels<'_>) {
    match q.subject {
        SubjectRef::BlankNode(b) => labels.write(out, b.as_str()),
        other => {
            let _ = write!(out, "{other}");
        }
    }
    let _ = write!(out, " {} ", q.predicate);
    match q.object {
        TermRef::BlankNode(b) => labels.write(out, b.as_str()),
        other => {
            let _ = write!(out, "{other}");
        }
    }
    match q.graph_name {
        GraphNameRef::DefaultGraph => {}
        GraphNameRef::BlankNode(b) => {
            out.push(' ');
            labels.write(out, b.as_str());
        }
        other => {
            let _ = write!(out, " {other}");
        }
    }
}

/// The blank nodes of a statement, once per place (subject, object, graph name).
fn blanks(q: QuadRef<'_>) -> impl Iterator<Item = &str> {
    let s = match q.subject {
        SubjectRef::BlankNode(b) => Some(b.as_str()),
        _ => None,
    };
    let o = match q.object {
        TermRef::BlankNode(b) => Some(b.as_str()),
        _ => None,
    };
    let g = match q.graph_name {
        GraphNameRef::BlankNode(b) => Some(b.as_str()),
        _ => None,
    };
    [s, o, g].into_iter().flatten()
}

/// Hash First Degree Quads (RDFC-1.0 §4.6) of `me`, mentioned by `mentions`.
fn first_degree(quads: &[Quad], mentions: &[usize], me: &str) -> [u8; 32] {
    let labels = Labels::FirstDegree { me };
    let mut lines: Vec<String> = mentions
        .iter()
        .map(|&i| {
            let mut line = String::with_capacity(128);
            write_quad(&mut line, quads[i].as_ref(), &labels);
            line.push_str(" .\n");
            line
        })
        .collect();
    lines.sort_unstable();
    let mut h = Sha256::new();
    for l in &lines {
        h.update(l.as_bytes());
    }
    h.finalize().into()
}

/// Which blank nodes are canonicalized, and how.
pub(super) enum Method {
    /// First-degree labels here when they settle every blank node, else `rdf-canon`.
    Fast,
    /// Always `rdf-canon` (the reference the fast path is tested against).
    Reference,
}

/// The canonical N-Quads (RDFC-1.0, SHA-256) of `quads` (distinct statements).
pub(super) fn canonicalize(quads: &[Quad], method: Method) -> Result<String, RdfcError> {
    let mut mentions: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, q) in quads.iter().enumerate() {
        for b in blanks(q.as_ref()) {
            mentions.entry(b).or_default().push(i);
        }
    }
    if mentions.len() > MAX_BLANK_NODES {
        return Err(RdfcError::Limit(format!(
            "{} blank nodes, more than {MAX_BLANK_NODES}",
            mentions.len()
        )));
    }
    if let Method::Fast = method {
        let mut hashed: Vec<([u8; 32], &str)> = mentions
            .iter()
            .map(|(b, m)| (first_degree(quads, m, b), *b))
            .collect();
        hashed.sort_unstable();
        if hashed.windows(2).all(|w| w[0].0 != w[1].0) {
            let labels: HashMap<&str, String> = hashed
                .iter()
                .enumerate()
                .map(|(i, (_, b))| (*b, format!("c14n{i}")))
                .collect();
            return Ok(serialize(quads, &Labels::Canonical(&labels)));
        }
    }
    let ds: oxrdf::Dataset = quads.iter().collect();
    alike::check(&ds)?;
    let options = rdf_canon::CanonicalizationOptions {
        hndq_call_limit: Some(MAX_HNDQ_CALLS),
    };
    rdf_canon::canonicalize_with::<Sha256>(&ds, &options)
        .map_err(|e| RdfcError::Canon(e.to_string()))
}

/// Every statement relabelled, sorted (as `rdf-canon` sorts them: by the statement without
/// its ` .\n`), each followed by ` .\n`.
fn serialize(quads: &[Quad], labels: &Labels<'_>) -> String {
    let mut lines: Vec<String> = quads
        .iter()
        .map(|q| {
            let mut line = String::with_capacity(128);
            write_quad(&mut line, q.as_ref(), labels);
            line
        })
        .collect();
    lines.sort_unstable();
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 3).sum());
    for l in &lines {
        out.push_str(l);
        out.push_str(" .\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{canonicalize, Method};
    use oxrdf::{BlankNode, GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
    use proptest::prelude::*;

    fn blank(i: u8) -> BlankNode {
        BlankNode::new_unchecked(format!("b{i}"))
    }

    fn iri(i: u8) -> NamedNode {
        NamedNode::new_unchecked(format!("urn:x:{i}"))
    }

    /// A statement from small numbers: few blank nodes and IRIs, so that some blank nodes look
    /// alike (their hashes collide) and others do not.
    fn quad((s, p, o, g): (u8, u8, u8, u8)) -> Quad {
        let subject: NamedOrBlankNode = if s % 3 == 0 {
            iri(s % 4).into()
        } else {
            blank(s % 6).into()
        };
        let object: Term = match o % 4 {
            0 => iri(o % 5).into(),
            1 => Literal::new_simple_literal(format!("v\"{}\n", o % 3)).into(),
            2 => Literal::new_language_tagged_literal_unchecked("名", "zh").into(),
            _ => blank(o % 6).into(),
        };
        let graph = match g % 5 {
            0 => GraphName::NamedNode(iri(9)),
            1 => GraphName::BlankNode(blank(g % 6)),
            _ => GraphName::DefaultGraph,
        };
        Quad::new(subject, iri(p % 3), object, graph)
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]
        /// The first-degree labels issued here equal `rdf-canon`'s on any dataset, and the
        /// other datasets go to `rdf-canon` itself.
        #[test]
        fn fast_labels_equal_rdf_canon(parts in proptest::collection::vec(any::<(u8, u8, u8, u8)>(), 0..24)) {
            let mut quads: Vec<Quad> = Vec::new();
            for q in parts.into_iter().map(quad) {
                if !quads.contains(&q) {
                    quads.push(q);
                }
            }
            let fast = canonicalize(&quads, Method::Fast);
            let reference = canonicalize(&quads, Method::Reference);
            prop_assert_eq!(fast, reference);
        }
    }

    #[test]
    fn a_statement_naming_one_blank_node_twice_hashes_as_rdf_canon_lists_it() {
        let b = |i| -> NamedOrBlankNode { blank(i).into() };
        let t = |i| -> Term { blank(i).into() };
        let quads = vec![
            Quad::new(b(0), iri(0), t(0), GraphName::DefaultGraph),
            Quad::new(b(1), iri(0), t(0), GraphName::DefaultGraph),
            Quad::new(b(1), iri(1), t(2), GraphName::BlankNode(blank(1))),
        ];
        let fast = canonicalize(&quads, Method::Fast).unwrap();
        assert_eq!(fast, canonicalize(&quads, Method::Reference).unwrap());
        assert_eq!(fast.lines().count(), 3, "{fast}");
        assert!(fast.contains("_:c14n2"), "{fast}");
    }
}
