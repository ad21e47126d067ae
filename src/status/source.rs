//! [`StatusSource`] implementations.
//!
//! - [`FileStatusSource`]: status list credentials given as files (`verify --status FILE`).
//! - [`HttpStatusSource`]: fetches `statusListCredential` URLs (blocking, timeouts, size cap),
//!   caches them in memory and optionally on disk, within their freshness limit.
//! - [`RegistryStatusSource`]: the issuer's own registry (for its server and the CLI without
//!   `--trust`); it also answers whether a certificate of its issuer was ever issued here.
//! - [`CombinedStatusSource`]: files first, then HTTP unless offline.
//!
//! Every list is checked by [`CheckedList::status`]: signed by a trusted key of the
//! certificate's issuer, matching URL and purpose.

use super::credential::{CheckedList, StatusListCredential, MAX_LIST_CREDENTIAL};
use super::{Bitstring, StatusError};
use crate::model::{Claims, StatusPurpose, StatusRef};
use crate::registry::Registry;
use crate::trust::TrustList;
use crate::verify::{Registered, StatusBit, StatusSource};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    ) -> Result<StatusBit, String> {
        self.lists
            .get(&entry.list_url)
            .ok_or_else(|| {
                format!(
                    "no status list file for {} (give it with --status)",
                    entry.list_url
                )
            })?
            .status(entry, issuer_id, now)
    }
}

/// Fetches status list credentials over HTTP(S) and caches them.
///
/// A cached list is used while it is fresh (before its `validUntil`). Past that it is fetched
/// again; if the fetch fails, the stale copy is returned marked stale (the verifier reports
/// `status_unknown` unless stale lists are accepted). Only lists whose proof verifies are
/// cached on disk.
pub struct HttpStatusSource {
    trust: Arc<TrustList>,
    agent: ureq::Agent,
    cache: Mutex<HashMap<String, Arc<CheckedList>>>,
    cache_dir: Option<PathBuf>,
}

impl std::fmt::Debug for HttpStatusSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpStatusSource")
            .field("cache_dir", &self.cache_dir)
            .finish()
    }
}

/// Timeout of one status list fetch, connect to last byte.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

impl HttpStatusSource {
    /// A source checking lists against `trust`, caching on disk in `cache_dir` if given.
    pub fn new(trust: Arc<TrustList>, cache_dir: Option<PathBuf>) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(FETCH_TIMEOUT))
            .max_redirects(3)
            .user_agent(concat!("skillcert/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpStatusSource {
            trust,
            agent,
            cache: Mutex::new(HashMap::new()),
            cache_dir,
        }
    }

    fn cache_file(&self, url: &str) -> Option<PathBuf> {
        let d = self.cache_dir.as_ref()?;
        let h: String = Sha256::digest(url.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Some(d.join(format!("{h}.json")))
    }

    fn read_disk_cache(&self, url: &str) -> Option<CheckedList> {
        let path = self.cache_file(url)?;
        let meta = std::fs::metadata(&path).ok()?;
        if meta.len() > MAX_LIST_CREDENTIAL as u64 {
            return None;
        }
        let list = StatusListCredential::parse(&std::fs::read(&path).ok()?).ok()?;
        (list.id == url).then(|| CheckedList::new(list, &self.trust, format!("{url} (cached)")))
    }

    fn fetch(&self, url: &str) -> Result<CheckedList, String> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!("status list URL {url} is not http(s)"));
        }
        let mut resp = self
            .agent
            .get(url)
            .header("Accept", "application/vc+ld+json, application/json")
            .call()
            .map_err(|e| format!("status list {url} could not be fetched: {e}"))?;
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(MAX_LIST_CREDENTIAL as u64)
            .read_to_vec()
            .map_err(|e| format!("status list {url} could not be read: {e}"))?;
        let list = StatusListCredential::parse(&bytes)
            .map_err(|e| format!("status list {url} is malformed: {e}"))?;
        let checked = CheckedList::new(list, &self.trust, url.to_owned());
        if checked.proof.is_ok() && checked.list.id == url {
            if let Some(path) = self.cache_file(url) {
                // Best effort: the cache only saves a fetch.
                let _ = write_atomic(&path, &bytes);
            }
        }
        Ok(checked)
    }

    /// The list at `url` as of `now`: fresh from cache, or fetched, or the stale cached copy
    /// when fetching fails.
    pub fn list(&self, url: &str, now: DateTime<Utc>) -> Result<Arc<CheckedList>, String> {
        let cached = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(url)
            .cloned();
        let cached = cached.or_else(|| self.read_disk_cache(url).map(Arc::new));
        if let Some(c) = &cached {
            if c.proof.is_ok() && !c.list.is_stale(now) {
                self.remember(url, c.clone());
                return Ok(c.clone());
            }
        }
        match self.fetch(url) {
            Ok(fresh) => {
                let fresh = Arc::new(fresh);
                self.remember(url, fresh.clone());
                Ok(fresh)
            }
            Err(e) => match cached {
                Some(c) if c.proof.is_ok() => Ok(c),
                _ => Err(e),
            },
        }
    }

    /// Puts a list in the in-memory cache (for example one read from an auditor's folder);
    /// it is used while fresh, like a fetched one.
    pub fn preload(&self, list: CheckedList) {
        let url = list.list.id.clone();
        self.remember(&url, Arc::new(list));
    }

    fn remember(&self, url: &str, l: Arc<CheckedList>) {
        let mut m = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() > 10_000 {
            m.clear();
        }
        m.insert(url.to_owned(), l);
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

impl StatusSource for HttpStatusSource {
    fn status(
        &self,
        entry: &StatusRef,
        issuer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StatusBit, String> {
        self.list(&entry.list_url, now)?
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
    fn list(&self, n: u64) -> Result<(StatusPurpose, Arc<Bitstring>), String> {
        let stamp = self.registry.change_stamp().map_err(|e| e.to_string())?;
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
        let (purpose, bits) = self
            .registry
            .list_status_bits(n)
            .map_err(|e| e.to_string())?;
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
    ) -> Result<StatusBit, String> {
        if issuer_id != self.issuer_id {
            return Err(format!(
                "the local registry holds no status of issuer {issuer_id}"
            ));
        }
        let n: u64 = entry
            .list_url
            .strip_prefix(&self.prefix)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("{} is not a list of this registry", entry.list_url))?;
        let (purpose, bits) = self.list(n)?;
        if purpose != entry.purpose {
            return Err(format!(
                "list {n} has purpose {}, not {}",
                purpose.as_str(),
                entry.purpose.as_str()
            ));
        }
        let list_len = crate::status::MIN_LIST_BITS as u32;
        if entry.index >= list_len {
            return Err(format!("index {} is past the end of list {n}", entry.index));
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

/// Files first, then the local registry (for the data dir's own issuer), then HTTP (absent
/// when offline).
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
    ) -> Result<StatusBit, String> {
        if self.files.has(&entry.list_url) {
            return self.files.status(entry, issuer_id, now);
        }
        if let Some(r) = &self.registry {
            if issuer_id == r.issuer_id && entry.list_url.starts_with(&r.prefix) {
                return r.status(entry, issuer_id, now);
            }
        }
        match &self.http {
            Some(h) => h.status(entry, issuer_id, now),
            None => Err(format!(
                "offline and no --status file holds {}",
                entry.list_url
            )),
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
