//! [`StatusSource`] implementations.
//!
//! - [`FileStatusSource`]: status list credentials given as files (`verify --status FILE`).
//! - [`HttpStatusSource`] (in [`super::http`], re-exported here): fetches
//!   `statusListCredential` URLs with an HTTP cache ([`super::http_cache`]).
//! - [`RegistryStatusSource`]: the issuer's own registry (for its server and the CLI without
//!   `--trust`); it also answers whether a certificate of its issuer was ever issued here.
//! - [`CombinedStatusSource`]: files and the registry (the more severe wins), else HTTP
//!   unless offline.
//!
//! Every list is checked by [`CheckedList::status`]: signed by a trusted key of the
//! certificate's issuer, matching URL and purpose.

use super::credential::{CheckedList, StatusListCredential, MAX_LIST_CREDENTIAL};
pub use super::http::{HttpStatusSource, FETCH_TIMEOUT};
use super::{Bitstring, StatusError};
use crate::model::{Claims, StatusPurpose, StatusRef};
use crate::registry::{Registry, RegistryError};
use crate::trust::TrustList;
use crate::verify::{Registered, StatusBit, StatusLookupError, StatusSource};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Status list credentials from files, keyed by their `id`.
#[derive(Debug, Default)]
pub struct FileStatusSource {
    lists: HashMap<String, CheckedList>,
}

impl FileStatusSource {
    /// Reads every file (each a status list credential, at most 2 MiB) and checks its proof
    /// against `trust`. A file that cannot be read or parsed is an error naming it; a list
    /// that is merely untrusted or badly signed is kept, and lookups in it report why.
    pub fn load(trust: &TrustList, paths: &[PathBuf]) -> Result<Self, StatusError> {
        let mut lists = HashMap::new();
        for p in paths {
            let file_err = |message: String| StatusError::File {
                path: p.display().to_string(),
                message,
            };
            let meta = std::fs::metadata(p).map_err(|e| file_err(e.to_string()))?;
            if meta.len() > MAX_LIST_CREDENTIAL as u64 {
                return Err(file_err(format!(
                    "{} bytes, more than the limit of {MAX_LIST_CREDENTIAL}",
                    meta.len()
                )));
            }
            let bytes = std::fs::read(p).map_err(|e| file_err(e.to_string()))?;
            let list = StatusListCredential::parse(&bytes).map_err(|e| file_err(e.to_string()))?;
            lists.insert(
                list.id.clone(),
                CheckedList::new(list, trust, p.display().to_string()),
            );
        }
        Ok(FileStatusSource { lists })
    }

    /// Whether a file holds the list at `url`.
    pub fn has(&self, url: &str) -> bool {
        self.lists.contains_key(url)
    }
}

impl StatusSource for FileStatusSource {
    fn status(
        &self,
        entry: &StatusRef,
        issuer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        self.lists
            .get(&entry.list_url)
            .ok_or_else(|| {
                StatusLookupError::NoList(format!(
                    "no status list file for {} (give it with --status)",
                    entry.list_url
                ))
            })?
            .status(entry, issuer_id, now)
    }
}

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

    /// Purpose and bits of list `n`, from the cache while the registry has not changed. The
    /// stamp is taken before the bits are read, so a change racing the read only causes one
    /// more reload, never a stale answer.
    fn list(&self, n: u64) -> Result<(StatusPurpose, Arc<Bitstring>), RegistryError> {
        let stamp = self.registry.change_stamp()?;
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
        let (purpose, bits) = self.registry.list_status_bits(n)?;
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
        use StatusLookupError::{NoList, Refused, Unavailable};
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
        let (purpose, bits) = self.list(n).map_err(|e| Unavailable(e.to_string()))?;
        if purpose != entry.purpose {
            return Err(Refused(format!(
                "list {n} has purpose {}, not {}",
                purpose.as_str(),
                entry.purpose.as_str()
            )));
        }
        let list_len = crate::status::MIN_LIST_BITS as u32;
        if entry.index >= list_len {
            return Err(Refused(format!(
                "index {} is past the end of list {n}",
                entry.index
            )));
        }
        Ok(StatusBit {
            set: bits.get(entry.index as usize).unwrap_or(false),
            stale: false,
            source: format!("registry list {n}"),
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
        match self.registry.recorded_claims(id) {
            Ok(Some(recorded)) if recorded == *claims => Registered::Recorded,
            Ok(Some(_)) => never(format!(
                "its claims differ from those recorded in the issuer's registry under {id}"
            )),
            Ok(None) => never(format!("{id} is not in the issuer's registry")),
            Err(e) => {
                Registered::Unavailable(format!("the issuer's registry could not be read: {e}"))
            }
        }
    }
}

/// Files and the local registry (for the data dir's own issuer; when both hold a list, both
/// are consulted and the more severe answer wins), else HTTP (absent when offline).
#[derive(Debug, Default)]
pub struct CombinedStatusSource {
    /// Lists from files.
    pub files: FileStatusSource,
    /// The data dir's own registry, when the verifier trusts the data dir's issuer.
    pub registry: Option<RegistryStatusSource>,
    /// HTTP fetching, unless offline.
    pub http: Option<HttpStatusSource>,
}

impl StatusSource for CombinedStatusSource {
    fn status(
        &self,
        entry: &StatusRef,
        issuer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        let registry = self
            .registry
            .as_ref()
            .filter(|r| issuer_id == r.issuer_id && entry.list_url.starts_with(&r.prefix));
        let file = self
            .files
            .has(&entry.list_url)
            .then(|| self.files.status(entry, issuer_id, now));
        match (file, registry) {
            (Some(f), Some(r)) => reconcile(entry, f, r.status(entry, issuer_id, now)),
            (Some(f), None) => f,
            (None, Some(r)) => r.status(entry, issuer_id, now),
            (None, None) => match &self.http {
                Some(h) => h.status(entry, issuer_id, now),
                None => Err(StatusLookupError::NoList(format!(
                    "offline and no --status file holds {}",
                    entry.list_url
                ))),
            },
        }
    }

    fn registered(
        &self,
        issuer_id: &str,
        credential_id: Option<&str>,
        claims: Option<&Claims>,
    ) -> Registered {
        match &self.registry {
            Some(r) => r.registered(issuer_id, credential_id, claims),
            None => Registered::NoRegistry,
        }
    }
}

/// One entry's status from both a `--status` file and the issuer's own registry: an old file
/// must not hide what the registry knows. When both answer and disagree, the more severe
/// (set: revoked or suspended) wins and the source says so; when only one can answer, its
/// answer stands and the source says why the other was not used.
fn reconcile(
    entry: &StatusRef,
    file: Result<StatusBit, StatusLookupError>,
    registry: Result<StatusBit, StatusLookupError>,
) -> Result<StatusBit, StatusLookupError> {
    let word = |set: bool| match (set, entry.purpose) {
        (false, _) => "active",
        (true, StatusPurpose::Revocation) => "revoked",
        (true, StatusPurpose::Suspension) => "suspended",
    };
    match (file, registry) {
        (Ok(f), Ok(r)) if f.set == r.set => Ok(StatusBit {
            source: format!("{} (the status file {} agrees)", r.source, f.source),
            ..r
        }),
        (Ok(f), Ok(r)) => {
            let why = format!(
                "{} and status file {} (the status file says {} but the registry says {}; the \
                 more severe wins)",
                r.source,
                f.source,
                word(f.set),
                word(r.set)
            );
            let winner = if f.set { f } else { r };
            Ok(StatusBit {
                source: why,
                ..winner
            })
        }
        (Err(e), Ok(r)) => Ok(StatusBit {
            source: format!("{} (the status file was not used: {e})", r.source),
            ..r
        }),
        (Ok(f), Err(e)) => Ok(StatusBit {
            source: format!("{} (the registry could not answer: {e})", f.source),
            ..f
        }),
        (Err(e), Err(_)) => Err(e),
    }
}
