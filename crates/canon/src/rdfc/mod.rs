//! JSON-LD to RDF and RDF Dataset Canonicalization (RDFC-1.0), for the `eddsa-rdfc-2022`
//! cryptosuite.
//!
//! A focused JSON-LD 1.1 processor (expansion and toRdf) covers what the bundled contexts use
//! ([`contexts::BUNDLED`]: VC 2.0, the VC examples context, Open Badges 3.0.3, and the W3C
//! citizenship v4rc1 context of the VC-DI-EdDSA test vectors). It never loads a document from
//! the network: any other context URL is refused. It runs in "safe mode": a property or type
//! that no context defines, a relative IRI, or anything else that JSON-LD would silently drop
//! is an error, so every member of a signed document is covered by the RDF that is signed.
//! The canonical N-Quads come from the `rdf-canon` crate (RDFC-1.0 with SHA-256).
//!
//! Work is bounded on hostile input: nesting depth, a work budget over expansion and context
//! processing, the number of statements and blank nodes, and the number of Hash N-Degree
//! Quads calls (the step of RDFC-1.0 that is exponential on adversarial graphs), and before
//! that step, the number of blank nodes that look alike ([`alike`]).

pub mod alike;
mod cache;
mod canonical;
mod context;
pub mod contexts;
mod expand;
mod iri;
mod to_rdf;

use cache::Contexts;
use serde_json::Value;

/// Deepest JSON nesting expanded.
pub const MAX_DEPTH: usize = 64;
/// Most RDF statements in one canonicalized document (an issued certificate has about 70, the
/// W3C vectors fewer than 100; a bound that stops a hostile graph early).
pub const MAX_QUADS: usize = 2_000;
/// Most blank nodes in one canonicalized document.
pub const MAX_BLANK_NODES: usize = 1_000;
/// Most Hash N-Degree Quads calls in one canonicalization.
pub const MAX_HNDQ_CALLS: usize = 128;
/// Work units (elements expanded, terms defined, contexts processed) per document.
const MAX_WORK: usize = 2_000_000;

/// Why a document could not be turned into canonical N-Quads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RdfcError {
    /// A context URL that is not bundled (no network loading).
    #[error("unknown JSON-LD context {0}: only bundled contexts are used")]
    UnknownContext(String),
    /// An invalid or refused context.
    #[error("invalid JSON-LD context: {0}")]
    Context(String),
    /// A JSON-LD feature this processor does not implement.
    #[error("unsupported JSON-LD feature: {0}")]
    Unsupported(String),
    /// Something JSON-LD would drop silently (an undefined term, a relative IRI, …).
    #[error("JSON-LD would drop {0}")]
    Dropped(String),
    /// Not valid JSON-LD.
    #[error("invalid JSON-LD: {0}")]
    Syntax(String),
    /// An IRI or blank node that RDF does not accept.
    #[error("invalid IRI: {0}")]
    Iri(String),
    /// A size or work limit was reached.
    #[error("too much work: {0}")]
    Limit(String),
    /// Canonicalization failed (including its call limit).
    #[error("RDF canonicalization failed: {0}")]
    Canon(String),
}

impl RdfcError {
    fn context(msg: impl Into<String>) -> Self {
        RdfcError::Context(msg.into())
    }
}

/// The state of one document's processing: a work counter (every step spends from it, and
/// running out is an error) and whether processed contexts are reused.
#[derive(Debug)]
pub(crate) struct Budget {
    left: usize,
    contexts: cache::Contexts,
}

impl Budget {
    fn new(contexts: cache::Contexts) -> Self {
        Budget {
            left: MAX_WORK,
            contexts,
        }
    }
    fn spend(&mut self, n: usize) -> Result<(), RdfcError> {
        self.left = self.left.checked_sub(n).ok_or_else(|| {
            RdfcError::Limit(format!("more than {MAX_WORK} JSON-LD processing steps"))
        })?;
        Ok(())
    }
    fn left(&self) -> usize {
        self.left
    }
}

/// The RDF dataset of a JSON-LD document, as (unsorted, not canonical) N-Quads lines.
pub fn to_nquads(doc: &Value) -> Result<String, RdfcError> {
    nquads_with(doc, Contexts::Cached)
}

/// The canonical N-Quads (RDFC-1.0, SHA-256) of a JSON-LD document: every statement
/// followed by a newline, sorted; blank nodes labelled `_:c14n0`, `_:c14n1`, …
///
/// Contexts processed for an earlier document on this thread are reused, and when the
/// first-degree hashes settle every blank node the labels are issued without the `rdf-canon`
/// crate; [`reference`](mod@reference) does neither, and gives the same bytes.
pub fn canonicalize(doc: &Value) -> Result<String, RdfcError> {
    let quads = statements(doc, Contexts::Cached)?;
    canonical::canonicalize(&quads, canonical::Method::Fast)
}

/// [`canonicalize`] of the object `doc` read without its member `without` (a secured
/// document without its `proof`): the same bytes as for a copy with that member removed,
/// without making the copy.
pub fn canonicalize_without(
    doc: &serde_json::Map<String, Value>,
    without: &str,
) -> Result<String, RdfcError> {
    let mut budget = Budget::new(Contexts::Cached);
    let expanded = expand::expand_document_without(doc, without, &mut budget)?;
    let quads = to_rdf::to_dataset(&expanded, &mut budget)?;
    canonical::canonicalize(&quads, canonical::Method::Fast)
}

/// The same functions done the slow way, as they were before contexts were kept and the
/// first-degree labels issued here: every context processed afresh for every document, every
/// dataset canonicalized by the `rdf-canon` crate. For tests and comparisons.
pub mod reference {
    use super::{canonical, statements, Contexts, RdfcError, Value};

    /// [`super::to_nquads`] with every context processed afresh.
    pub fn to_nquads(doc: &Value) -> Result<String, RdfcError> {
        super::nquads_with(doc, Contexts::Uncached)
    }

    /// [`super::canonicalize`] with every context processed afresh and the whole of RDFC-1.0
    /// done by the `rdf-canon` crate.
    pub fn canonicalize(doc: &Value) -> Result<String, RdfcError> {
        let quads = statements(doc, Contexts::Uncached)?;
        canonical::canonicalize(&quads, canonical::Method::Reference)
    }
}

fn nquads_with(doc: &Value, contexts: Contexts) -> Result<String, RdfcError> {
    let quads = statements(doc, contexts)?;
    Ok(quads.iter().map(|q| format!("{q} .\n")).collect())
}

fn statements(doc: &Value, contexts: Contexts) -> Result<Vec<oxrdf::Quad>, RdfcError> {
    let mut budget = Budget::new(contexts);
    let expanded = expand::expand_document(doc, &mut budget)?;
    to_rdf::to_dataset(&expanded, &mut budget)
}
