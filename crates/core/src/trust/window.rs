//! A key's signing window (`validFrom`, `validUntil`, `compromisedFrom` and its grace window)
//! judged at a credential's signing time ([`SigningTime`]).
//!
//! # Which time, and why the compromise rule still holds
//!
//! The signing time is the first of the times the credential carries, in this order: the Data
//! Integrity proof's `created`; for a token its `iat`, else its `nbf`; for the QR form its signing
//! time; else the credential's `validFrom`. Only when the credential carries none of them is the
//! key judged at the check time (the verifier's "now"). A trusted issuer whose signature verifies
//! is therefore never refused because an optional claim (`created`, `iat`) is missing.
//!
//! Every one of these times is written by the signer: a thief who holds a stolen key chooses
//! `validFrom` or `nbf` exactly as freely as `iat` or `created`. Falling back to them gives a thief
//! nothing he did not have (he could always write an old `iat`), so the compromise rules apply to
//! the fallback time unchanged: a time at or after `compromisedFrom`, or in the grace window
//! before it, is refused whatever carried it. Two more rules keep a thief from choosing which of
//! his times is judged:
//! - the compromise rules are judged at the *latest* time the credential claims for itself, its
//!   signing time or its `validFrom`: a credential that says it takes effect after the key was
//!   compromised is refused even when its `iat`/`created` is older (a genuine one is re-issued);
//! - a credential with no time at all is judged at the check time, which is at or after
//!   `compromisedFrom` once a compromise is known: leaving out every time never helps.

use super::{FoundKey, Untrusted};
use crate::model::format_time;
use chrono::{DateTime, Utc};

/// What carried a credential's signing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TimeSource {
    /// The Data Integrity proof's `created`.
    ProofCreated,
    /// The token's `iat`.
    TokenIat,
    /// The token's `nbf` (the token has no `iat`).
    TokenNbf,
    /// The signing time the QR form carries.
    QrSigningTime,
    /// The credential's `validFrom` (nothing else carries a time).
    ValidFrom,
}

impl TimeSource {
    /// Words for a reason text: "the token's nbf".
    pub fn describe(self) -> &'static str {
        match self {
            TimeSource::ProofCreated => "the proof's created",
            TimeSource::TokenIat => "the token's iat",
            TimeSource::TokenNbf => "the token's nbf",
            TimeSource::QrSigningTime => "the QR code's signing time",
            TimeSource::ValidFrom => "the credential's validFrom",
        }
    }
}

/// When a credential says it was signed, and what says so (see the module documentation for
/// the order). Also keeps the credential's `validFrom`, which the compromise rules judge too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SigningTime {
    claimed: Option<(DateTime<Utc>, TimeSource)>,
    pub(super) valid_from: Option<DateTime<Utc>>,
}

impl SigningTime {
    /// No time at all: the key is judged at the check time.
    pub fn unknown() -> Self {
        SigningTime::default()
    }

    /// A Data Integrity document (or status list): the proof's `created`, else `validFrom`.
    pub fn document(created: Option<DateTime<Utc>>, valid_from: Option<DateTime<Utc>>) -> Self {
        Self::first(&[(created, TimeSource::ProofCreated)], valid_from)
    }

    /// A `vc+jwt`: `iat`, else `nbf`, else the credential's `validFrom`.
    pub fn token(
        iat: Option<DateTime<Utc>>,
        nbf: Option<DateTime<Utc>>,
        valid_from: Option<DateTime<Utc>>,
    ) -> Self {
        Self::first(
            &[(iat, TimeSource::TokenIat), (nbf, TimeSource::TokenNbf)],
            valid_from,
        )
    }

    /// The QR form, which always carries its signing time.
    pub fn qr(signed_at: DateTime<Utc>, valid_from: DateTime<Utc>) -> Self {
        Self::first(
            &[(Some(signed_at), TimeSource::QrSigningTime)],
            Some(valid_from),
        )
    }

    fn first(
        candidates: &[(Option<DateTime<Utc>>, TimeSource)],
        valid_from: Option<DateTime<Utc>>,
    ) -> Self {
        let claimed = candidates
            .iter()
            .find_map(|(t, s)| t.map(|t| (t, *s)))
            .or(valid_from.map(|t| (t, TimeSource::ValidFrom)));
        SigningTime {
            claimed,
            valid_from,
        }
    }

    /// The signing time, when the credential carries one.
    pub fn time(&self) -> Option<DateTime<Utc>> {
        self.claimed.map(|(t, _)| t)
    }

    /// What carried it.
    pub fn source(&self) -> Option<TimeSource> {
        self.claimed.map(|(_, s)| s)
    }

    /// The time the key is judged at (the signing time, else `now`), and words for it:
    /// "signing time 2026-01-01T00:00:00Z from the token's nbf".
    pub fn judged_at(&self, now: DateTime<Utc>) -> (DateTime<Utc>, String) {
        match self.claimed {
            Some((t, s)) => (
                t,
                format!("signing time {} from {}", format_time(&t), s.describe()),
            ),
            None => (
                now,
                format!(
                    "the check time {} (the signing time is unknown: the credential has no \
                     created, iat, nbf or validFrom)",
                    format_time(&now)
                ),
            ),
        }
    }
}

impl FoundKey<'_> {
    /// Checks that the key could sign at `when` (at `now` when the credential carries no time;
    /// see the module documentation). The error names the rule and the time source.
    pub fn check_window(&self, when: &SigningTime, now: DateTime<Utc>) -> Result<(), Untrusted> {
        let k = self.key;
        let (t, at) = when.judged_at(now);
        // The compromise rules: at the latest time the credential claims for itself.
        let (ct, cat) = match when.valid_from {
            Some(v) if v > t => (
                v,
                format!(
                    "the credential's validFrom {} (after its {at})",
                    format_time(&v)
                ),
            ),
            _ => (t, at.clone()),
        };
        if let Some(c) = k.compromised_from {
            if ct >= c {
                return Err(Untrusted::Compromised(format!(
                    "key {} is marked compromised from {}, and {cat} is not before that",
                    k.id,
                    format_time(&c)
                )));
            }
            let grace = k.compromise_grace();
            if ct >= c - grace {
                return Err(Untrusted::Compromised(format!(
                    "key {} is marked compromised from {}; {cat} falls in the {}-day grace \
                     window before that, and is refused too (compromise grace rule: whoever \
                     holds a stolen key chooses the signing time)",
                    k.id,
                    format_time(&c),
                    grace.num_days()
                )));
            }
        }
        if let Some(from) = k.valid_from {
            if t < from {
                return Err(Untrusted::OutsideWindow(format!(
                    "key {} was not yet valid at {at}: the trust list gives it validFrom {}",
                    k.id,
                    format_time(&from)
                )));
            }
        }
        if let Some(until) = k.valid_until {
            if t >= until {
                return Err(Untrusted::OutsideWindow(format!(
                    "key {} was retired at {} (its validUntil in the trust list), before {at}",
                    k.id,
                    format_time(&until)
                )));
            }
        }
        Ok(())
    }
}
