//! [`RegistryStatusSource`]: the issuer's own registry as a [`StatusSource`] (for its server
//! and the CLI without `--trust`); it also answers whether a certificate of its issuer was
//! ever issued here.

use super::Registry;
use crate::model::{Claims, StatusPurpose, StatusRef};
use crate::status::{Bitstring, MIN_LIST_BITS};
use crate::verify::{Registered, StatusBit, StatusChange, StatusLookupError, StatusSource};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The issuer's own registry: current bits, never stale. Answers only for lists of this
/// issuer (`{public_url}/status/{n}`).
#[derive(Debug)]
pub struct RegistryStatusSource {
    registry: Arc<Registry>,
    issuer_id: String,
    prefix: String,
    cache: Mutex<RegistryListCache>,
}

/// The registry's lists as last read, valid while the registry's change stamp is the same.
#[derive(Debug, Default)]
struct RegistryListCache {
    stamp: Option<(i64, u64)>,
    lists: HashMap<u64, (StatusPurpose, Arc<Bitstring>)>,
}

impl RegistryStatusSource {
    /// A source over `registry` for the issuer `issuer_id` whose lists live under
    /// `{public_url}/status/`.
    pub fn new(registry: Arc<Registry>, issuer_id: &str, public_url: &str) -> Self {
        RegistryStatusSource {
            registry,
            issuer_id: issuer_id.to_owned(),
            prefix: format!("{}/status/", public_url.trim_end_matches('/')),
            cache: Mutex::new(RegistryListCache::default()),
        }
    }

    /// Whether this source holds the list at `list_url` for a certificate of `issuer_id`.
    pub fn answers(&self, issuer_id: &str, list_url: &str) -> bool {
        issuer_id == self.issuer_id && list_url.starts_with(&self.prefix)
    }

    /// Purpose and bits of list `n`, from the cache while the registry has not changed. The
    /// stamp is taken before the bits are read, so a change racing the read only causes one
    /// more reload, never a stale answer.
    fn list(&self, n: u64) -> Result<(StatusPurpose, Arc<Bitstring>), StatusLookupError> {
        let unavailable = |e: super::RegistryError| StatusLookupError::Unavailable(e.to_string());
        let stamp = self.registry.change_stamp().map_err(unavailable)?;
        {
            let mut c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if c.stamp != Some(stamp) {
                c.lists.clear();
                c.stamp = Some(stamp);
            }
            if let Some(hit) = c.lists.get(&n) {
                return Ok(hit.clone());
            }
        }
        let (purpose, bits) = self.registry.list_status_bits(n).map_err(unavailable)?;
        let entry = (purpose, Arc::new(bits));
        let mut c = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if c.stamp == Some(stamp) {
            c.lists.insert(n, entry.clone());
        }
        Ok(entry)
    }
}

impl StatusSource for RegistryStatusSource {
    fn status(
        &self,
        entry: &StatusRef,
        issuer_id: &str,
        _now: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        use StatusLookupError::{NoList, Refused};
        if issuer_id != self.issuer_id {
            return Err(NoList(format!(
                "the local registry holds no status of issuer {issuer_id}"
            )));
        }
        let n: u64 = entry
            .list_url
            .strip_prefix(&self.prefix)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| NoList(format!("{} is not a list of this registry", entry.list_url)))?;
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
            source: format!("registry list {n}"),
            change,
        })
    }

    /// A certificate of this issuer counts only when the registry recorded it with exactly
    /// these claims: a good signature of one of our keys (stolen, retired, backdated) on a
    /// certificate we never recorded, or on other claims under a recorded id, is a forgery.
    fn registered(
        &self,
        issuer_id: &str,
        credential_id: Option<&str>,
        claims: Option<&Claims>,
    ) -> Registered {
        if issuer_id != self.issuer_id {
            return Registered::NoRegistry;
        }
        let never = |what: String| {
            Registered::NotRecorded(format!(
                "signed as this issuer ({issuer_id}) but {what}: never issued here"
            ))
        };
        let (Some(claims), Some(id)) = (claims, credential_id) else {
            return never("not a certificate in the form this issuer writes".into());
        };
        match self.registry.has_recorded(id, claims) {
            Ok(Some(true)) => Registered::Recorded,
            Ok(Some(false)) => never(format!(
                "its claims differ from those recorded in the issuer's registry under {id}"
            )),
            Ok(None) => never(format!("{id} is not in the issuer's registry")),
            Err(e) => {
                Registered::Unavailable(format!("the issuer's registry could not be read: {e}"))
            }
        }
    }
}
