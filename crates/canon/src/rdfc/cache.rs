//! Processed contexts kept per thread, so a document does no context processing the bundled
//! contexts already did for an earlier one.
//!
//! Two kinds are kept: a top-level `@context` made only of bundled context URLs processed on the
//! initial active context ([`root`]), and a scoped (property- or type-scoped) context of a
//! bundled term applied to an active context that is itself kept ([`scoped`]). Every kept
//! active context has an identity number ([`ActiveContext::id`]), never reused; an active
//! context that depends on anything a document wrote inline has none and is never kept, nor is
//! anything derived from it. So a kept result is a function of bundled text alone: the same
//! for every document. A failed processing is never kept.
//!
//! The work budget is charged as the uncached processing would charge it (a scoped context:
//! the steps its processing took; a top-level one: one step per URL, as before this cache
//! existed), so a document runs out of work exactly where it did before.

use super::context::{process, ActiveContext, TermDef};
use super::{Budget, RdfcError};
use foldhash::HashMap;
use serde_json::Value;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Most processed top-level contexts kept per thread.
const ROOTS_KEPT: usize = 8;
/// Most processed scoped contexts kept per thread; when full, all are dropped (a document
/// that makes many distinct ones cannot keep the common ones out for long).
const SCOPED_KEPT: usize = 256;

/// Whether the cache is used (`false`: every context is processed afresh, as a reference).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Contexts {
    /// Processed contexts are kept per thread and reused.
    Cached,
    /// Every context is processed for every document.
    Uncached,
}

fn next_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// (active context id, scoped term definition, override protected, propagate).
type ScopedKey = (u64, *const TermDef, bool, bool);

struct Scoped {
    /// Holds the term definition, so its address (in the key) is not reused while kept.
    _def: Rc<TermDef>,
    result: Rc<ActiveContext>,
    cost: usize,
}

#[derive(Default)]
struct Kept {
    roots: Vec<(Vec<String>, Rc<ActiveContext>)>,
    scoped: HashMap<ScopedKey, Scoped>,
}

thread_local! {
    static KEPT: RefCell<Kept> = RefCell::new(Kept::default());
}

/// The cache key of a top-level `@context` processed on the initial (empty) active context: its
/// URLs, when it is one URL or an array of URLs.
pub(super) fn root_key(active: &ActiveContext, ctx: &Value) -> Option<Vec<String>> {
    if !active.is_initial() {
        return None;
    }
    match ctx {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => a.iter().map(|v| v.as_str().map(str::to_owned)).collect(),
        _ => None,
    }
}

/// The processed top-level context of bundled URLs `key` (see [`root_key`]).
pub(super) fn root(
    key: Vec<String>,
    ctx: &Value,
    mode: Contexts,
    budget: &mut Budget,
) -> Result<Rc<ActiveContext>, RdfcError> {
    budget.spend(key.len())?;
    let found = KEPT.with(|k| {
        k.borrow()
            .roots
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, a)| a.clone())
    });
    if let (Some(found), Contexts::Cached) = (found, mode) {
        return Ok(found);
    }
    let mut processed = process(
        &ActiveContext::default(),
        ctx,
        &mut Vec::new(),
        false,
        true,
        true,
        budget,
    )?;
    if mode == Contexts::Uncached {
        return Ok(Rc::new(processed));
    }
    processed.id = Some(next_id());
    let processed = Rc::new(processed);
    KEPT.with(|k| {
        let roots = &mut k.borrow_mut().roots;
        if roots.len() >= ROOTS_KEPT {
            roots.remove(0);
        }
        roots.push((key, processed.clone()));
    });
    Ok(processed)
}

/// A term's scoped context, with whether the term comes from a kept active context (so from
/// bundled text).
#[derive(Clone)]
pub(super) struct ScopedContext {
    pub(super) def: Rc<TermDef>,
    pub(super) bundled: bool,
}

impl ScopedContext {
    /// The scoped context of `term` in `active`, if it has one.
    pub(super) fn of(active: &ActiveContext, term: &str) -> Option<Self> {
        let def = active.terms.get(term)?;
        def.context.as_ref()?;
        Some(ScopedContext {
            def: def.clone(),
            bundled: active.id.is_some(),
        })
    }
}

/// `scoped` applied to `active` (context processing with `override_protected`, `propagate`
/// and validated scoped contexts), kept when both come from bundled text.
pub(super) fn scoped(
    active: &Rc<ActiveContext>,
    scoped: &ScopedContext,
    override_protected: bool,
    propagate: bool,
    mode: Contexts,
    budget: &mut Budget,
) -> Result<Rc<ActiveContext>, RdfcError> {
    let run = |budget: &mut Budget| {
        let ctx = scoped.def.context.as_ref().unwrap_or(&Value::Null);
        process(
            active,
            ctx,
            &mut Vec::new(),
            override_protected,
            propagate,
            true,
            budget,
        )
    };
    let key = match (active.id, scoped.bundled, mode) {
        (Some(id), true, Contexts::Cached) => {
            (id, Rc::as_ptr(&scoped.def), override_protected, propagate)
        }
        _ => return run(budget).map(Rc::new),
    };
    let found = KEPT.with(|k| {
        k.borrow()
            .scoped
            .get(&key)
            .map(|s| (s.result.clone(), s.cost))
    });
    if let Some((result, cost)) = found {
        budget.spend(cost)?;
        return Ok(result);
    }
    let before = budget.left();
    let mut result = run(budget)?;
    let cost = before - budget.left();
    result.id = Some(next_id());
    let result = Rc::new(result);
    KEPT.with(|k| {
        let kept = &mut k.borrow_mut().scoped;
        if kept.len() >= SCOPED_KEPT {
            kept.clear();
        }
        kept.insert(
            key,
            Scoped {
                _def: scoped.def.clone(),
                result: result.clone(),
                cost,
            },
        );
    });
    Ok(result)
}
