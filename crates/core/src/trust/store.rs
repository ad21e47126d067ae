//! [`TrustStore`]: the trust lists a verifier holds, each with its [`Standing`]: given directly
//! (an unsigned list, or one read without a trust anchor), signed by its anchor, or refused.
//!
//! A credential's issuer and key are looked up in every list that counts at the time of the
//! check: a direct list always, a signed one while `validFrom <= now <= validUntil`, a refused
//! one never. Several lists may name one issuer (a welder's Chinese certificate and IIW diploma
//! come from two schemes; an issuer can be accredited by two authorities): each entry is judged
//! on its own and the credential is trusted when one of them accepts it.

use super::{
    verify_signed, FoundKey, ListNotInForce, ParsedKeys, TrustAnchor, TrustError, TrustList,
    Untrusted, MAX_TRUST_LIST,
};
use crate::jcs;

/// How far ahead of the verifier's clock a signed list's `validFrom` may be (5 minutes).
const CLOCK_SKEW_SECS: i64 = 300;
use chrono::{DateTime, Utc};

/// Whether a trust list counts, and on whose word.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Standing {
    /// Given directly, without a trust anchor: its issuers are trusted as the list says (scope
    /// and accreditation members, when present, still apply).
    Direct,
    /// Its proof verifies with the anchor's key: it counts while fresh.
    Signed(TrustAnchor),
    /// It was given with an anchor and its proof does not verify with it: why. None of its
    /// issuers is trusted.
    Refused(TrustAnchor, ListNotInForce),
}

/// One trust list as a verifier holds it.
#[derive(Debug, Clone)]
pub struct TrustSource {
    list: TrustList,
    keys: ParsedKeys,
    standing: Standing,
    origin: String,
}

/// A key found in a list that counts, with the list it was found in.
#[derive(Debug, Clone)]
pub struct FoundIn<'a> {
    /// The issuer entry, key entry and decoded key.
    pub found: FoundKey<'a>,
    /// The list.
    pub source: &'a TrustSource,
}

impl TrustSource {
    /// A list given directly (no anchor); `origin` names where it came from.
    pub fn direct(list: TrustList, origin: &str) -> Self {
        TrustSource {
            keys: list.parsed_keys(),
            list,
            standing: Standing::Direct,
            origin: origin.to_owned(),
        }
    }

    /// A list given with a trust anchor. `Err` when the bytes are not a trust list at all; a
    /// list whose proof does not verify with `anchor` is kept as [`Standing::Refused`], so
    /// that every verdict can say why its issuers are not trusted.
    pub fn anchored(bytes: &[u8], anchor: &TrustAnchor, origin: &str) -> Result<Self, TrustError> {
        let raw = jcs::parse_strict(bytes, MAX_TRUST_LIST)?;
        let list = TrustList::from_value(raw.clone())?;
        let standing = match verify_signed(&raw, &list, anchor) {
            Ok(()) => Standing::Signed(anchor.clone()),
            Err(why) => Standing::Refused(anchor.clone(), why),
        };
        Ok(TrustSource {
            keys: list.parsed_keys(),
            list,
            standing,
            origin: origin.to_owned(),
        })
    }

    /// The list.
    pub fn list(&self) -> &TrustList {
        &self.list
    }

    /// Its standing.
    pub fn standing(&self) -> &Standing {
        &self.standing
    }

    /// Where it came from (file path or URL).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Whether it is signed by its anchor (whatever its freshness).
    pub fn is_signed(&self) -> bool {
        matches!(self.standing, Standing::Signed(_))
    }

    /// `Ok` when the list counts at `now`, else why not.
    pub fn in_force(&self, now: DateTime<Utc>) -> Result<(), ListNotInForce> {
        match &self.standing {
            Standing::Direct => Ok(()),
            Standing::Refused(_, why) => Err(why.clone()),
            Standing::Signed(_) => {
                let Some(until) = self.list.valid_until else {
                    return Err(ListNotInForce::NoValidUntil);
                };
                // The authority's clock may run a little ahead (as for status lists).
                let skew = chrono::Duration::seconds(CLOCK_SKEW_SECS);
                if let Some(from) = self.list.valid_from.filter(|f| now + skew < *f) {
                    return Err(ListNotInForce::NotYetValid(from));
                }
                if now > until {
                    return Err(ListNotInForce::Stale(until));
                }
                Ok(())
            }
        }
    }

    /// `the trust list of 浙江省… (did:key:…) from trust.json`, or `the trust list trust.json`.
    pub fn describe(&self) -> String {
        match &self.list.authority {
            Some(a) if matches!(self.standing, Standing::Refused(..)) => format!(
                "the trust list {} (which names {} as its authority)",
                self.origin, a.id
            ),
            Some(a) if !matches!(self.standing, Standing::Direct) => format!(
                "the trust list of {} ({}) from {}",
                if a.name.is_empty() { &a.id } else { &a.name },
                a.id,
                self.origin
            ),
            _ => format!("the trust list {}", self.origin),
        }
    }
}

/// The trust lists of a verifier.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    sources: Vec<TrustSource>,
}

impl From<TrustList> for TrustStore {
    fn from(list: TrustList) -> Self {
        TrustStore {
            sources: vec![TrustSource::direct(list, "(given)")],
        }
    }
}

impl From<TrustSource> for TrustStore {
    fn from(source: TrustSource) -> Self {
        TrustStore {
            sources: vec![source],
        }
    }
}

impl TrustStore {
    /// A store with no list.
    pub fn new() -> Self {
        TrustStore::default()
    }

    /// Adds a list.
    pub fn push(&mut self, source: TrustSource) {
        self.sources.push(source);
    }

    /// The lists, in the order given.
    pub fn sources(&self) -> &[TrustSource] {
        &self.sources
    }

    /// Whether any list (whatever its standing) names an issuer key.
    pub fn names_a_key(&self) -> bool {
        self.sources
            .iter()
            .any(|s| s.list.issuers.iter().any(|i| !i.keys.is_empty()))
    }

    /// Whether a list in force at `now` gives `number` to issuer `issuer_id` (its
    /// `numberPrefixes` hold it): the register shows a numbered record only from its owner.
    pub fn owns_number(&self, issuer_id: &str, number: &str, now: DateTime<Utc>) -> bool {
        self.sources.iter().any(|s| {
            s.in_force(now).is_ok()
                && s.list
                    .issuer(issuer_id)
                    .is_some_and(|e| crate::model::number::in_number_space(&e.numbers, number))
        })
    }

    /// The issuers of every list that is not refused, as one list (for checking status list
    /// credentials and the origins they may be fetched from). Scope and accreditation do not
    /// matter there: a status list only ever makes a verdict worse.
    pub fn merged(&self) -> TrustList {
        let mut out = TrustList::empty();
        for s in self
            .sources
            .iter()
            .filter(|s| !matches!(s.standing, Standing::Refused(..)))
        {
            out.merge(s.list.clone());
        }
        out
    }

    /// Every entry of a list that counts at `now` with issuer `issuer_id` and key `key_id`
    /// (in list order; at least one), else why none: the first list's answer, or, when the
    /// issuer is named only by lists that do not count, which lists and why.
    pub fn find(
        &self,
        issuer_id: &str,
        key_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<FoundIn<'_>>, Untrusted> {
        let mut found = Vec::new();
        let mut first_err: Option<Untrusted> = None;
        let mut not_in_force = Vec::new();
        for s in &self.sources {
            if let Err(why) = s.in_force(now) {
                if s.list.issuer(issuer_id).is_some() {
                    not_in_force.push(format!("{}, which does not count: {why}", s.describe()));
                }
                continue;
            }
            match s.list.find_key_parsed(&s.keys, issuer_id, key_id) {
                Ok(f) => found.push(FoundIn {
                    found: f,
                    source: s,
                }),
                Err(e) => {
                    // "Unknown key" of a listed issuer says more than "unknown issuer".
                    let better = matches!(
                        (&first_err, &e),
                        (None, _) | (Some(Untrusted::UnknownIssuer(_)), Untrusted::UnknownKey(_))
                    );
                    if better {
                        first_err = Some(e);
                    }
                }
            }
        }
        if !found.is_empty() {
            return Ok(found);
        }
        match first_err {
            Some(Untrusted::UnknownIssuer(_)) | None if !not_in_force.is_empty() => {
                Err(Untrusted::ListNotInForce(format!(
                    "issuer {issuer_id} is listed only in {}",
                    not_in_force.join("; and in ")
                )))
            }
            Some(e) => Err(e),
            None => Err(Untrusted::UnknownIssuer(issuer_id.to_owned())),
        }
    }
}

impl TrustList {
    /// A list from parsed JSON (see [`TrustList::parse`]).
    pub fn from_value(v: serde_json::Value) -> Result<Self, TrustError> {
        // The error names the member: `issuers[0].scope.programs: invalid type: …`.
        let list: TrustList = serde_path_to_error::deserialize(v).map_err(|e| {
            let path = e.path().to_string();
            TrustError::Shape(format!("{path}: {}", e.into_inner()))
        })?;
        list.check()?;
        Ok(list)
    }
}
