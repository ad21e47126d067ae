//! [`IssuerDbStatusSource`]: the issuer's own database as a [`StatusSource`] (for its server
//! and the CLI without `--trust`); it also answers whether a certificate of its issuer was
//! ever issued here.

use super::IssuerDb;
use chrono::{DateTime, Utc};
use skillcert::model::{Claims, StatusPurpose, StatusRef};
use skillcert::status::{Bitstring, MIN_LIST_BITS};
use skillcert::verify::{Registered, StatusBit, StatusChange, StatusLookupError, StatusSource};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// The issuer's own database: current bits, never stale. Answers only for lists of this
/// issuer (`{public_url}/status/{n}`).
#[derive(Debug)]
pub struct IssuerDbStatusSource {
    registry: Arc<IssuerDb>,
    issuer_id: String,
    prefix: String,
    cache: Mutex<IssuerDbListCache>,
}

/// Most entries in each of [`IssuerDbListCache`]'s maps; past it the map is emptied and
/// refills (a bound on memory whatever ids a caller sends).
const CACHE_ENTRIES: usize = 4096;

/// The issuer's database's lists and recorded claims as last read, valid while the issuer's database's change
/// stamp is the same (any write, by this process or another, empties both).
#[derive(Debug, Default)]
struct IssuerDbListCache {
    stamp: Option<(i64, u64)>,
    lists: HashMap<u64, (StatusPurpose, Arc<Bitstring>)>,
    /// Claims recorded under a credential id (as the credential gave it), parsed; `None`
    /// for an id never recorded.
    recorded: HashMap<String, Option<Arc<Claims>>>,
}

impl IssuerDbListCache {
    /// Empties the cache when `stamp` is not the one it was filled under.
    fn refresh(&mut self, stamp: (i64, u64)) {
        if self.stamp != Some(stamp) {
            self.lists.clear();
            self.recorded.clear();
            self.stamp = Some(stamp);
        }
    }
}

impl IssuerDbStatusSource {
    /// A source over `registry` for the issuer `issuer_id` whose lists live under
    /// `{public_url}/status/`.
    pub fn new(registry: Arc<IssuerDb>, issuer_id: &str, public_url: &str) -> Self {
        IssuerDbStatusSource {
            registry,
            issuer_id: issuer_id.to_owned(),
            prefix: format!("{}/status/", public_url.trim_end_matches('/')),
            cache: Mutex::new(IssuerDbListCache::default()),
        }
    }

    /// Whether this source holds the list at `list_url` for a certificate of `issuer_id`.
    pub fn answers(&self, issuer_id: &str, list_url: &str) -> bool {
        issuer_id == self.issuer_id && list_url.starts_with(&self.prefix)
    }

    /// Purpose and bits of list `n`, from the cache while the issuer's database has not changed.
    fn list(&self, n: u64) -> Result<(StatusPurpose, Arc<Bitstring>), StatusLookupError> {
        self.read_through(
            |c| &mut c.lists,
            &n,
            || {
                self.registry
                    .list_status_bits(n)
                    .map(|(p, bits)| (p, Arc::new(bits)))
            },
        )
        .map_err(|e| StatusLookupError::Unavailable(e.to_string()))
    }

    /// The claims recorded under credential id `id` (`None`: never recorded), from the cache
    /// while the issuer's database has not changed.
    fn recorded(&self, id: &str) -> Result<Option<Arc<Claims>>, super::IssuerDbError> {
        self.read_through(
            |c| &mut c.recorded,
            id,
            || Ok(self.registry.recorded_claims(id)?.map(Arc::new)),
        )
    }

    /// The value of `key` in the cache's map `pick`, from the cache while the issuer's database has
    /// not changed, else `load`ed and kept. The stamp is taken before the load, so a change
    /// racing it only causes one more load, never a stale answer. A map holding
    /// [`CACHE_ENTRIES`] is emptied before it takes one more.
    fn read_through<Q, K, V>(
        &self,
        pick: fn(&mut IssuerDbListCache) -> &mut HashMap<K, V>,
        key: &Q,
        load: impl FnOnce() -> Result<V, super::IssuerDbError>,
    ) -> Result<V, super::IssuerDbError>
    where
        Q: ToOwned<Owned = K> + Eq + Hash + ?Sized,
        K: Borrow<Q> + Eq + Hash,
        V: Clone,
    {
        let stamp = self.registry.change_stamp()?;
        {
            let mut c = self.cache();
            c.refresh(stamp);
            if let Some(hit) = pick(&mut c).get(key) {
                return Ok(hit.clone());
            }
        }
        let value = load()?;
        let mut c = self.cache();
        if c.stamp == Some(stamp) {
            let map = pick(&mut c);
            if map.len() >= CACHE_ENTRIES {
                map.clear();
            }
            map.insert(key.to_owned(), value.clone());
        }
        Ok(value)
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, IssuerDbListCache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl StatusSource for IssuerDbStatusSource {
    fn status(
        &self,
        entry: &StatusRef,
        issuer_id: &str,
        _now: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        use StatusLookupError::{NoList, Refused};
        if issuer_id != self.issuer_id {
            return Err(NoList(format!(
                "the local issuer's database holds no status of issuer {issuer_id}"
            )));
        }
        let n: u64 = entry
            .list_url
            .strip_prefix(&self.prefix)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| {
                NoList(format!(
                    "{} is not a list of this issuer's database",
                    entry.list_url
                ))
            })?;
        let (purpose, bits) = self.list(n)?;
        if purpose != entry.purpose {
            return Err(Refused(format!(
                "list {n} has purpose {}, not {}",
                purpose.as_str(),
                entry.purpose.as_str()
            )));
        }
        let list_len = MIN_LIST_BITS as u32;
        if entry.index >= list_len {
            return Err(Refused(format!(
                "index {} is past the end of list {n}",
                entry.index
            )));
        }
        let set = bits.get(entry.index as usize).unwrap_or(false);
        let change = if set {
            self.registry
                .last_change(n, entry.index)
                .map_err(|e| StatusLookupError::Unavailable(e.to_string()))?
                .and_then(|(at, public_reason)| {
                    let at = DateTime::parse_from_rfc3339(&at).ok()?.with_timezone(&Utc);
                    Some(StatusChange { at, public_reason })
                })
        } else {
            None
        };
        Ok(StatusBit {
            set,
            stale: false,
            source: format!("issuer's database list {n}"),
            change,
        })
    }

    /// A certificate of this issuer counts only when the issuer's database recorded it with exactly
    /// these claims: a good signature of one of our keys (stolen, retired, backdated) on a
    /// certificate we never recorded, or on other claims under a recorded id, is a forgery.
    /// The recorded claims are compared by content (a record in another layout still counts),
    /// parsed once per id and kept (as is "never recorded") while the issuer's database is unchanged: a
    /// verification of a certificate seen before costs one change-stamp query, not a read and
    /// a parse.
    fn registered(
        &self,
        issuer_id: &str,
        credential_id: Option<&str>,
        claims: Option<&Claims>,
    ) -> Registered {
        if issuer_id != self.issuer_id {
            return Registered::NoIssuerDb;
        }
        let never = |what: String| {
            Registered::NotRecorded(format!(
                "signed as this issuer ({issuer_id}) but {what}: never issued here"
            ))
        };
        let (Some(claims), Some(id)) = (claims, credential_id) else {
            return never("not a certificate in the form this issuer writes".into());
        };
        match self.recorded(id) {
            // A holder's copy is the recorded claims plus the ID under its own salt.
            Ok(Some(recorded)) if recorded.same_as_recorded(claims) => Registered::Recorded,
            Ok(Some(_)) => never(format!(
                "its claims differ from those recorded in the issuer's database under {id}"
            )),
            Ok(None) => never(format!("{id} is not in the issuer's database")),
            Err(e) => {
                Registered::Unavailable(format!("the issuer's database could not be read: {e}"))
            }
        }
    }
}
