//! Status checks of a [`Verifier`]: the [`StatusSource`] interface and the checks it feeds.

use super::{Check, Outcome, UnverifiedCredential, Verdict, Verifier};
use crate::model::{StatusPurpose, StatusRef};
use chrono::{DateTime, Utc};

/// One status bit as a [`StatusSource`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusBit {
    /// The bit is set (revoked / suspended).
    pub set: bool,
    /// The list is past its freshness limit.
    pub stale: bool,
    /// Where the list came from (file, URL, cache, registry).
    pub source: String,
}

/// Where status lists come from: files, HTTP with a cache, the local registry.
pub trait StatusSource: Send + Sync {
    /// The status bit of `entry` for a credential of `issuer_id`. `Err` says why it could not
    /// be found (the verifier then reports `status_unknown`).
    fn status(
        &self,
        entry: &StatusRef,
        issuer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StatusBit, String>;
}

/// A status source that knows no lists: every status is unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStatusSource;

impl StatusSource for NoStatusSource {
    fn status(&self, entry: &StatusRef, _: &str, _: DateTime<Utc>) -> Result<StatusBit, String> {
        Err(format!("no status list available for {}", entry.list_url))
    }
}

impl Verifier {
    /// The status checks of `u` (one per status entry, or a skip when it has none).
    pub(super) fn status_checks(
        &self,
        u: &UnverifiedCredential,
        now: DateTime<Utc>,
        checks: &mut Vec<Check>,
        notes: &mut Vec<String>,
    ) {
        let push = |checks: &mut Vec<Check>,
                    name: &str,
                    outcome: Outcome,
                    reason: String,
                    fails_as: Option<Verdict>| {
            checks.push(Check {
                name: name.into(),
                outcome,
                reason,
                fails_as,
            });
        };
        if u.status.is_empty() {
            push(
                checks,
                "status",
                Outcome::Skip,
                "the credential has no status entries".into(),
                None,
            );
        }
        for entry in &u.status {
            let name = format!("status.{}", entry.purpose.as_str());
            let set_verdict = match entry.purpose {
                StatusPurpose::Revocation => Verdict::Revoked,
                StatusPurpose::Suspension => Verdict::Suspended,
            };
            match self.status.status(entry, &u.issuer_id, now) {
                Ok(bit) if bit.stale && !self.accept_stale => push(
                    checks,
                    &name,
                    Outcome::Fail,
                    format!("status list {} is past its freshness limit", bit.source),
                    Some(Verdict::StatusUnknown),
                ),
                Ok(bit) => {
                    if bit.stale {
                        notes.push(format!(
                            "STALE STATUS ACCEPTED: the {} list from {} is past its freshness limit",
                            entry.purpose.as_str(),
                            bit.source
                        ));
                    }
                    let outcome = if bit.set {
                        Outcome::Fail
                    } else if bit.stale {
                        Outcome::Warn
                    } else {
                        Outcome::Pass
                    };
                    let reason = format!(
                        "{} bit {} of {} is {}{}",
                        entry.purpose.as_str(),
                        entry.index,
                        bit.source,
                        u8::from(bit.set),
                        if bit.stale {
                            " (stale list accepted)"
                        } else {
                            ""
                        }
                    );
                    push(
                        checks,
                        &name,
                        outcome,
                        reason,
                        bit.set.then_some(set_verdict),
                    );
                }
                Err(why) => push(
                    checks,
                    &name,
                    Outcome::Fail,
                    why,
                    Some(Verdict::StatusUnknown),
                ),
            }
        }
    }
}
