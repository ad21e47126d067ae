//! A cheap bound on RDFC-1.0's expensive step. Hash N-Degree Quads runs only for blank nodes
//! whose first-degree hashes collide, and its cost grows with the factorial of such a group's
//! size (a clique of look-alike blank nodes: 0.3 s for 84 KB before this bound). Grouping the
//! blank nodes by their first-degree quads (RDFC-1.0 §4.6: the quads that mention the node,
//! the node written `_:a`, any other blank node `_:z`) takes one pass; a document with more
//! look-alikes than [`MAX_ALIKE`] is refused before canonicalization starts. Credentials have
//! few blank nodes, and they differ by what they say.

use super::RdfcError;
use oxrdf::{GraphNameRef, SubjectRef, TermRef};
use std::collections::HashMap;

/// Most blank nodes that share their first-degree quads with another one.
pub const MAX_ALIKE: usize = 12;

/// One term as RDFC-1.0's first-degree hash writes it for `me`.
fn term(t: TermRef<'_>, me: &str) -> String {
    match t {
        TermRef::BlankNode(b) if b.as_str() == me => "_:a".to_owned(),
        TermRef::BlankNode(_) => "_:z".to_owned(),
        other => other.to_string(),
    }
}

fn subject(s: SubjectRef<'_>, me: &str) -> String {
    match s {
        SubjectRef::BlankNode(b) if b.as_str() == me => "_:a".to_owned(),
        SubjectRef::BlankNode(_) => "_:z".to_owned(),
        other => other.to_string(),
    }
}

fn graph(g: GraphNameRef<'_>, me: &str) -> String {
    match g {
        GraphNameRef::BlankNode(b) if b.as_str() == me => "_:a".to_owned(),
        GraphNameRef::BlankNode(_) => "_:z".to_owned(),
        GraphNameRef::DefaultGraph => String::new(),
        other => other.to_string(),
    }
}

/// Refuses a dataset with more than [`MAX_ALIKE`] blank nodes whose first-degree quads equal
/// another's.
pub(super) fn check(ds: &oxrdf::Dataset) -> Result<(), RdfcError> {
    let mut quads: HashMap<&str, Vec<String>> = HashMap::new();
    for q in ds.iter() {
        let mut mine: Vec<&str> = Vec::with_capacity(3);
        if let SubjectRef::BlankNode(b) = q.subject {
            mine.push(b.as_str());
        }
        if let TermRef::BlankNode(b) = q.object {
            mine.push(b.as_str());
        }
        if let GraphNameRef::BlankNode(b) = q.graph_name {
            mine.push(b.as_str());
        }
        mine.sort_unstable();
        mine.dedup();
        for me in mine {
            let line = format!(
                "{} {} {} {}",
                subject(q.subject, me),
                q.predicate,
                term(q.object, me),
                graph(q.graph_name, me)
            );
            quads.entry(me).or_default().push(line);
        }
    }
    let mut groups: HashMap<Vec<String>, usize> = HashMap::new();
    for (_, mut lines) in quads {
        lines.sort_unstable();
        *groups.entry(lines).or_default() += 1;
    }
    let alike: usize = groups.values().filter(|n| **n > 1).sum();
    if alike > MAX_ALIKE {
        return Err(RdfcError::Limit(format!(
            "{alike} blank nodes look alike (the same statements), more than {MAX_ALIKE}: \
             canonicalizing them costs too much"
        )));
    }
    Ok(())
}
