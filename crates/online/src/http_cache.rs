//! The HTTP cache of fetched status list credentials, in memory and on disk.
//!
//! A fetched list is reused without asking the server for at most
//! min(`max-age` of the answer's `Cache-Control` minus its `Age`, the list's `ttl`, the time
//! left to the list's `validUntil`, [`MAX_REUSE_SECS`]). After that it is revalidated with
//! `If-None-Match` (its `ETag`): `304 Not Modified` renews it for the new answer's `max-age`,
//! `200` replaces it.
//!
//! - `no-store`: the answer is used once and never stored.
//! - `no-cache`, or no `Cache-Control`/`max-age` at all: stored (for revalidation and as a
//!   fallback) but revalidated before every use, as if `max-age=0`.
//! - A copy that could not be revalidated is never fresh: the source reports it as stale
//!   (the verifier's `status_unknown`, unless stale lists are accepted).
//!
//! On disk, each entry is one JSON file in the cache folder (0700, files 0600) holding the
//! URL, the fetch time, `max-age`, `ETag` and the list's bytes.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use skillcert::model::{format_time, parse_time};
use skillcert::status::credential::{CheckedList, StatusListCredential, MAX_LIST_CREDENTIAL};
use skillcert::trust::TrustList;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Longest time a fetched list is reused without revalidation, whatever the server says (1 day).
pub const MAX_REUSE_SECS: u64 = 86_400;

/// What an answer's `Cache-Control` (and `Age`) allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// `no-store`: never keep the answer.
    pub no_store: bool,
    /// Seconds the answer may be reused without revalidation (0: revalidate every time).
    pub max_age: u64,
}

impl CachePolicy {
    /// The policy of an answer with these `Cache-Control` header values and this `Age`.
    /// Directive names are case-insensitive; a malformed `max-age` counts as 0; `no-cache`
    /// and a missing `max-age` mean revalidate every time.
    pub fn from_headers<'a>(
        cache_control: impl IntoIterator<Item = &'a str>,
        age: Option<&str>,
    ) -> CachePolicy {
        let mut no_store = false;
        let mut no_cache = false;
        let mut max_age: Option<u64> = None;
        for d in cache_control.into_iter().flat_map(|v| v.split(',')) {
            let (name, value) = d.split_once('=').unwrap_or((d, ""));
            let name = name.trim().to_ascii_lowercase();
            match name.as_str() {
                "no-store" => no_store = true,
                "no-cache" => no_cache = true,
                "max-age" => {
                    let n = value.trim().trim_matches('"').parse::<u64>().unwrap_or(0);
                    max_age = Some(max_age.map_or(n, |m| m.min(n)));
                }
                _ => {}
            }
        }
        let age = age.and_then(|a| a.trim().parse::<u64>().ok()).unwrap_or(0);
        let max_age = match (no_store || no_cache, max_age) {
            (false, Some(m)) => m.saturating_sub(age).min(MAX_REUSE_SECS),
            _ => 0,
        };
        CachePolicy { no_store, max_age }
    }
}

/// One cached list.
#[derive(Debug, Clone)]
pub struct CacheEntry {
    /// The list, with its proof checked.
    pub list: Arc<CheckedList>,
    /// The bytes as fetched (absent for a list put in by the caller).
    pub body: Option<Arc<[u8]>>,
    /// When it was fetched or last revalidated.
    pub fetched_at: DateTime<Utc>,
    /// How long after `fetched_at` it may be reused without revalidation; `None`: no HTTP
    /// limit (a list the caller put in), only the list's own freshness limit.
    pub max_age: Option<u64>,
    /// The answer's `ETag`, for `If-None-Match`.
    pub etag: Option<String>,
}

impl CacheEntry {
    /// An entry for a list fetched (or revalidated) at `now` under `policy`: its lifetime
    /// is also capped by the list's `ttl`.
    pub fn fetched(
        list: Arc<CheckedList>,
        body: Arc<[u8]>,
        now: DateTime<Utc>,
        policy: CachePolicy,
        etag: Option<String>,
    ) -> CacheEntry {
        let ttl = list.list.ttl_ms.map_or(u64::MAX, |ms| ms / 1000);
        CacheEntry {
            list,
            body: Some(body),
            fetched_at: now,
            max_age: Some(policy.max_age.min(ttl)),
            etag,
        }
    }

    /// Whether it may be used at `now` without asking the server: its proof verified, the
    /// list is within its freshness limit, and the HTTP lifetime has not run out.
    pub fn is_fresh(&self, now: DateTime<Utc>) -> bool {
        if self.list.proof.is_err() || self.list.list.is_stale(now) {
            return false;
        }
        match self.max_age {
            None => true,
            // A copy fetched after `now` (by a concurrent check that started later) is newer
            // than what was asked for: fresh too, so concurrent checks share one fetch.
            Some(a) => now < self.fetched_at + Duration::seconds(a as i64),
        }
    }

    /// A short description for reasons: when fetched, for how long reusable.
    pub fn describe(&self) -> String {
        match self.max_age {
            Some(a) => format!(
                "fetched {} with max-age {a} s",
                format_time(&self.fetched_at)
            ),
            None => "given by the caller".into(),
        }
    }
}

/// The on-disk form of a [`CacheEntry`].
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DiskEntry {
    version: u32,
    url: String,
    fetched_at: String,
    max_age: u64,
    etag: Option<String>,
    body: String,
}

/// The cache folder: one file per URL.
#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
}

impl DiskCache {
    /// A cache in `dir` (created 0700 on first write).
    pub fn new(dir: PathBuf) -> Self {
        DiskCache { dir }
    }

    fn file(&self, url: &str) -> PathBuf {
        let h = hex::encode(Sha256::digest(url.as_bytes()));
        // `.entry.json`: files of the earlier format (`{hash}.json`, the bare list without
        // fetch time, max-age or ETag) are never read.
        self.dir.join(format!("{h}.entry.json"))
    }

    /// The entry for `url`, if a well-formed one for that URL is stored.
    pub fn read(&self, url: &str, trust: &TrustList) -> Option<CacheEntry> {
        let path = self.file(url);
        let meta = std::fs::metadata(&path).ok()?;
        if meta.len() > 3 * MAX_LIST_CREDENTIAL as u64 {
            return None;
        }
        let d: DiskEntry = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
        if d.version != 1 || d.url != url {
            return None;
        }
        let list = StatusListCredential::parse(d.body.as_bytes()).ok()?;
        if list.id != url {
            return None;
        }
        let checked = CheckedList::new(list, trust, format!("{url} (cached)"));
        Some(CacheEntry {
            list: Arc::new(checked),
            body: Some(Arc::from(d.body.into_bytes())),
            fetched_at: parse_time("fetchedAt", &d.fetched_at).ok()?,
            max_age: Some(d.max_age.min(MAX_REUSE_SECS)),
            etag: d.etag,
        })
    }

    /// Stores `e` for `url` (best effort: the cache only saves a fetch). Entries without
    /// the fetched bytes or an HTTP lifetime are not stored.
    pub fn write(&self, url: &str, e: &CacheEntry) {
        let (Some(body), Some(max_age)) = (&e.body, e.max_age) else {
            return;
        };
        let Ok(body) = std::str::from_utf8(body) else {
            return;
        };
        let d = DiskEntry {
            version: 1,
            url: url.to_owned(),
            fetched_at: format_time(&e.fetched_at),
            max_age,
            etag: e.etag.clone(),
            body: body.to_owned(),
        };
        let bytes = serde_json::to_vec(&d).expect("serializable");
        let _ = skillcert::private_fs::create_dir_all(&self.dir)
            .and_then(|()| skillcert::private_fs::write_atomic(&self.file(url), &bytes));
    }

    /// Removes the entry for `url` (an answer said `no-store`).
    pub fn remove(&self, url: &str) {
        let _ = std::fs::remove_file(self.file(url));
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_4_cache_control_policies() {
        let p = |cc: &[&str], age: Option<&str>| CachePolicy::from_headers(cc.iter().copied(), age);
        assert_eq!(p(&["public, max-age=300"], None).max_age, 300);
        assert_eq!(p(&["Public, MAX-AGE=\"300\""], Some("100")).max_age, 200);
        assert_eq!(p(&["max-age=300", "max-age=60"], None).max_age, 60);
        assert_eq!(p(&["max-age=300, no-cache"], None).max_age, 0);
        assert_eq!(p(&["max-age=nonsense"], None).max_age, 0);
        assert_eq!(p(&["max-age=99999999"], None).max_age, MAX_REUSE_SECS);
        let none = p(&[], None);
        assert_eq!((none.max_age, none.no_store), (0, false));
        let ns = p(&["no-store, max-age=300"], None);
        assert_eq!((ns.max_age, ns.no_store), (0, true));
    }
}
