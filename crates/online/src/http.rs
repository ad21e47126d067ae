//! [`HttpStatusSource`]: status list credentials fetched over HTTP(S), with an HTTP cache
//! ([`crate::http_cache`]) in memory and optionally on disk.

use crate::http_cache::{CacheEntry, CachePolicy, DiskCache};
use chrono::{DateTime, Utc};
use skillcert::model::StatusRef;
use skillcert::status::credential::{CheckedList, StatusListCredential, MAX_LIST_CREDENTIAL};
use skillcert::trust::TrustList;
use skillcert::verify::{StatusBit, StatusLookupError, StatusSource};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Timeout of one status list fetch, connect to last byte.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// Fetches status list credentials over HTTP(S) and caches them.
///
/// A cached list is used while fresh ([`CacheEntry::is_fresh`]: within `max-age`, the list's
/// `ttl` and its `validUntil`); past that it is revalidated (`If-None-Match`) or fetched
/// again. If that fails, the cached copy is returned marked stale (the verifier reports
/// `status_unknown` unless stale lists are accepted), never as fresh. Only lists whose proof
/// verifies are cached. Redirects are not followed: a list is served at its own `id`.
///
/// [`StatusSource::status`] fetches only from an origin the trust list allows for the
/// credential's issuer ([`TrustList::check_status_url`]); any other URL is refused without a
/// request.
pub struct HttpStatusSource {
    trust: std::sync::RwLock<Arc<TrustList>>,
    agent: ureq::Agent,
    cache: Mutex<HashMap<String, CacheEntry>>,
    disk: Option<DiskCache>,
    /// One lock per URL being fetched: concurrent lookups of one list that is not cached (or
    /// no longer fresh) wait for one request instead of each sending their own.
    in_flight: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

impl std::fmt::Debug for HttpStatusSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpStatusSource")
            .field("cache_dir", &self.disk.as_ref().map(DiskCache::dir))
            .finish()
    }
}

/// A list as [`HttpStatusSource::list`] found it.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The list.
    pub list: Arc<CheckedList>,
    /// Set when this is a cached copy past its HTTP lifetime that could not be revalidated:
    /// why. Such a copy is stale whatever its `validUntil`.
    pub unrevalidated: Option<String>,
}

/// What one request brought.
enum Fetched {
    /// `200`: a new list.
    New(CacheEntry, CachePolicy),
    /// `304`: the cached copy is current.
    NotModified(CachePolicy, Option<String>),
}

impl HttpStatusSource {
    /// A source checking lists against `trust`, caching on disk in `cache_dir` if given.
    pub fn new(trust: Arc<TrustList>, cache_dir: Option<PathBuf>) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(FETCH_TIMEOUT))
            .max_redirects(0)
            .user_agent(concat!("skillcert/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        HttpStatusSource {
            trust: std::sync::RwLock::new(trust),
            agent,
            cache: Mutex::new(HashMap::new()),
            disk: cache_dir.map(DiskCache::new),
            in_flight: Mutex::new(HashMap::new()),
        }
    }

    /// The trust list lists are checked against.
    pub fn trust(&self) -> Arc<TrustList> {
        self.trust.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Checks lists against `trust` from now on (a portal's scheme list was renewed). When it
    /// differs from the one in use, the in-memory cache is emptied: every copy's proof was
    /// judged against the old list.
    pub fn set_trust(&self, trust: Arc<TrustList>) {
        let mut t = self.trust.write().unwrap_or_else(|p| p.into_inner());
        if **t != *trust {
            *t = trust;
            self.cache.lock().unwrap_or_else(|p| p.into_inner()).clear();
        }
    }

    /// Asks the server for `url` (conditionally when `etag` is given).
    fn fetch(
        &self,
        url: &str,
        etag: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Fetched, StatusLookupError> {
        use StatusLookupError::{Refused, Unavailable};
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Refused(format!("status list URL {url} is not http(s)")));
        }
        let mut req = self
            .agent
            .get(url)
            .header("Accept", "application/vc+ld+json, application/json");
        if let Some(t) = etag {
            req = req.header("If-None-Match", t);
        }
        let mut resp = req
            .call()
            .map_err(|e| Unavailable(format!("status list {url} could not be fetched: {e}")))?;
        let h = resp.headers();
        let text = |name: &str| h.get(name).and_then(|v| v.to_str().ok());
        let policy = CachePolicy::from_headers(
            h.get_all("cache-control")
                .iter()
                .filter_map(|v| v.to_str().ok()),
            text("age"),
        );
        let new_etag = text("etag").map(str::to_owned);
        match resp.status().as_u16() {
            200 => {}
            304 if etag.is_some() => return Ok(Fetched::NotModified(policy, new_etag)),
            code => {
                return Err(Unavailable(format!(
                    "status list {url} could not be fetched: the server answered HTTP {code}"
                )))
            }
        }
        let bytes = resp
            .body_mut()
            .with_config()
            .limit(MAX_LIST_CREDENTIAL as u64)
            .read_to_vec()
            .map_err(|e| Unavailable(format!("status list {url} could not be read: {e}")))?;
        let list = StatusListCredential::parse(&bytes)
            .map_err(|e| Refused(format!("status list {url} is malformed: {e}")))?;
        let checked = Arc::new(CheckedList::new(list, &self.trust(), url.to_owned()));
        let entry = CacheEntry::fetched(checked, Arc::from(bytes), now, policy, new_etag);
        Ok(Fetched::New(entry, policy))
    }

    /// The list at `url` as of `now`: fresh from cache, or revalidated, or fetched, or the
    /// cached copy marked as not revalidated when the server cannot be reached.
    pub fn list(&self, url: &str, now: DateTime<Utc>) -> Result<Listed, StatusLookupError> {
        if let Some(fresh) = self.fresh_copy(url, now).0 {
            return Ok(fresh);
        }
        // One request at a time per URL; whoever waited finds the copy the first one fetched.
        let gate = self
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(url.to_owned())
            .or_default()
            .clone();
        let _turn = gate.lock().unwrap_or_else(|p| p.into_inner());
        let (fresh, cached) = self.fresh_copy(url, now);
        let result = match fresh {
            Some(f) => Ok(f),
            None => self.refetch(url, cached, now),
        };
        drop(_turn);
        let mut m = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        if Arc::strong_count(&gate) <= 2 {
            m.remove(url);
        }
        result
    }

    /// The cached copy of `url` (memory, else disk), as a fresh answer when it is fresh.
    fn fresh_copy(&self, url: &str, now: DateTime<Utc>) -> (Option<Listed>, Option<CacheEntry>) {
        let in_memory = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(url)
            .cloned();
        let from_memory = in_memory.is_some();
        let cached = in_memory.or_else(|| self.disk.as_ref()?.read(url, &self.trust()));
        if let Some(c) = cached.as_ref().filter(|c| c.is_fresh(now)) {
            if !from_memory {
                self.remember(url, c.clone(), Store::MemoryOnly);
            }
            let listed = Listed {
                list: c.list.clone(),
                unrevalidated: None,
            };
            return (Some(listed), cached);
        }
        (None, cached)
    }

    /// Revalidates or fetches `url`; falls back to `cached` (marked) when the server fails.
    fn refetch(
        &self,
        url: &str,
        cached: Option<CacheEntry>,
        now: DateTime<Utc>,
    ) -> Result<Listed, StatusLookupError> {
        let etag = cached.as_ref().and_then(|c| c.etag.as_deref());
        let fresh = match (self.fetch(url, etag, now), cached.clone()) {
            (Ok(Fetched::NotModified(policy, new_etag)), Some(c)) => {
                let body = c.body.clone().unwrap_or_else(|| Arc::from(Vec::new()));
                let etag = new_etag.or(c.etag);
                let renewed = CacheEntry::fetched(c.list, body, now, policy, etag);
                self.remember(url, renewed.clone(), Store::from(policy));
                renewed
            }
            (Ok(Fetched::New(entry, policy)), _) => {
                self.remember(url, entry.clone(), Store::from(policy));
                entry
            }
            (Ok(Fetched::NotModified(..)), None) => {
                return Err(StatusLookupError::Unavailable(format!(
                    "status list {url}: unexpected 304 Not Modified"
                )))
            }
            (Err(e), Some(c)) if c.list.proof.is_ok() => {
                return Ok(Listed {
                    list: c.list.clone(),
                    unrevalidated: Some(format!("copy {}, not revalidated: {e}", c.describe())),
                })
            }
            (Err(e), _) => return Err(e),
        };
        Ok(Listed {
            list: fresh.list,
            unrevalidated: None,
        })
    }

    /// Puts a list in the in-memory cache (for example one read from an auditor's folder);
    /// it is used while within its own freshness limit, with no HTTP lifetime.
    pub fn preload(&self, list: CheckedList) {
        let url = list.list.id.clone();
        let entry = CacheEntry {
            list: Arc::new(list),
            body: None,
            fetched_at: DateTime::<Utc>::MIN_UTC,
            max_age: None,
            etag: None,
        };
        self.remember(&url, entry, Store::MemoryOnly);
    }

    /// Keeps `e` as `how` says, or drops every copy when the answer said `no-store`. Only
    /// lists that count for their URL are kept.
    fn remember(&self, url: &str, e: CacheEntry, how: Store) {
        let keep = how != Store::Nowhere && e.list.proof.is_ok() && e.list.list.id == url;
        {
            let mut m = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if !keep {
                m.remove(url);
            } else {
                if m.len() > 10_000 {
                    m.clear();
                }
                m.insert(url.to_owned(), e.clone());
            }
        }
        match (&self.disk, keep, how) {
            (Some(d), false, _) => d.remove(url),
            (Some(d), true, Store::Everywhere) => d.write(url, &e),
            _ => {}
        }
    }
}

/// Where [`HttpStatusSource::remember`] keeps an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Store {
    /// Nowhere, and any earlier copy is dropped (`no-store`).
    Nowhere,
    /// In memory (it came from memory or disk already).
    MemoryOnly,
    /// In memory and on disk (it came from the network).
    Everywhere,
}

impl From<CachePolicy> for Store {
    fn from(p: CachePolicy) -> Store {
        if p.no_store {
            Store::Nowhere
        } else {
            Store::Everywhere
        }
    }
}

impl StatusSource for HttpStatusSource {
    fn status(
        &self,
        entry: &StatusRef,
        issuer_id: &str,
        now: DateTime<Utc>,
    ) -> Result<StatusBit, StatusLookupError> {
        // Only from an origin the trust list allows for the issuer: no request otherwise.
        self.trust()
            .check_status_url(issuer_id, &entry.list_url)
            .map_err(|e| StatusLookupError::OriginNotAllowed(e.to_string()))?;
        let listed = self.list(&entry.list_url, now)?;
        let mut bit = listed.list.status(entry, issuer_id, now)?;
        if let Some(why) = listed.unrevalidated {
            // Fail closed: a copy that could not be revalidated is never fresh.
            bit.stale = true;
            bit.source = format!("{} ({why})", bit.source);
        }
        Ok(bit)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use skillcert::issuer::{now_secs, Issuer};
    use skillcert::model::StatusPurpose;
    use skillcert::status::credential::build_signed;
    use skillcert::status::Bitstring;
    use std::io::{Read, Write};

    /// What the test server answers and what it saw.
    #[derive(Default)]
    pub(crate) struct Served {
        pub(crate) body: Vec<u8>,
        pub(crate) etag: String,
        pub(crate) cache_control: Option<String>,
        pub(crate) down: bool,
        pub(crate) requests: Vec<String>,
    }

    /// A loopback HTTP/1.1 server answering every GET with `Served`, honouring `If-None-Match`
    /// (also the trust feed's tests' server).
    pub(crate) fn serve() -> (u16, Arc<Mutex<Served>>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state: Arc<Mutex<Served>> = Arc::default();
        let st = state.clone();
        std::thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(mut s) = s else { continue };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let req = String::from_utf8_lossy(&buf).to_ascii_lowercase();
                let mut st = st.lock().unwrap();
                st.requests.push(req.clone());
                let mut head = format!("ETag: {}\r\nConnection: close\r\n", st.etag);
                if let Some(cc) = &st.cache_control {
                    head.push_str(&format!("Cache-Control: {cc}\r\n"));
                }
                let inm = format!("if-none-match: {}", st.etag.to_ascii_lowercase());
                let resp = if st.down {
                    b"HTTP/1.1 503 Unavailable\r\nContent-Length: 0\r\n\r\n".to_vec()
                } else if req.contains(&inm) {
                    format!("HTTP/1.1 304 Not Modified\r\n{head}\r\n").into_bytes()
                } else {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\n{head}Content-Length: {}\r\n\r\n",
                        st.body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&st.body);
                    r
                };
                let _ = s.write_all(&resp);
            }
        });
        (port, state)
    }

    struct Setup {
        _dir: tempfile::TempDir,
        issuer: Issuer,
        state: Arc<Mutex<Served>>,
        entry: StatusRef,
        t0: DateTime<Utc>,
    }

    /// An issuer whose list 1 (revocation, 24 h freshness) the server serves with `cc`.
    fn setup(cc: Option<&str>) -> Setup {
        let (port, state) = serve();
        let dir = tempfile::tempdir().unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let issuer = Issuer::init(dir.path(), "Cache Centre", Some(&base)).unwrap();
        let t0 = now_secs();
        let set_list = |bit: bool, etag: &str| {
            let mut bits = Bitstring::zeros(skillcert::status::MIN_LIST_BITS);
            bits.set(7, bit);
            let doc = build_signed(&issuer, 1, StatusPurpose::Revocation, &bits, t0).unwrap();
            let mut st = state.lock().unwrap();
            st.body = doc.to_string().into_bytes();
            st.etag = format!("\"{etag}\"");
            st.cache_control = cc.map(str::to_owned);
        };
        set_list(false, "v1");
        let entry = StatusRef {
            purpose: StatusPurpose::Revocation,
            list_url: format!("{base}/status/1"),
            index: 7,
        };
        Setup {
            _dir: dir,
            issuer,
            state,
            entry,
            t0,
        }
    }

    impl Setup {
        fn source(&self) -> HttpStatusSource {
            HttpStatusSource::new(Arc::new(self.issuer.trust_list()), None)
        }
        fn bit(&self, src: &HttpStatusSource, secs: i64) -> StatusBit {
            let now = self.t0 + chrono::Duration::seconds(secs);
            src.status(&self.entry, &self.issuer.config().id, now)
                .unwrap()
        }
        fn requests(&self) -> (usize, usize) {
            let st = self.state.lock().unwrap();
            let conditional = st
                .requests
                .iter()
                .filter(|r| r.contains("if-none-match"))
                .count();
            (st.requests.len(), conditional)
        }
        fn revoke(&self, etag: &str) {
            let mut bits = Bitstring::zeros(skillcert::status::MIN_LIST_BITS);
            bits.set(7, true);
            let doc =
                build_signed(&self.issuer, 1, StatusPurpose::Revocation, &bits, self.t0).unwrap();
            let mut st = self.state.lock().unwrap();
            st.body = doc.to_string().into_bytes();
            st.etag = format!("\"{etag}\"");
        }
    }

    #[test]
    fn finding_4_status_cache_follows_max_age() {
        let s = setup(Some("public, max-age=300"));
        let src = s.source();
        assert!(!s.bit(&src, 0).set);
        assert!(!s.bit(&src, 299).set);
        assert_eq!(s.requests(), (1, 0), "reused within max-age");
        // Revoked on the server: the list (still fresh by its own validUntil) must not hide
        // it past max-age.
        s.revoke("v2");
        let bit = s.bit(&src, 301);
        assert!(bit.set && !bit.stale, "{bit:?}");
        assert_eq!(s.requests(), (2, 1), "revalidated after max-age");
        // The new copy is reused for its own max-age.
        assert!(s.bit(&src, 600).set);
        assert_eq!(s.requests(), (2, 1));
    }

    #[test]
    fn finding_4_revalidates_with_etag() {
        let s = setup(Some("max-age=300"));
        let src = s.source();
        s.bit(&src, 0);
        // Past max-age, unchanged: 304 renews the copy for another max-age.
        let bit = s.bit(&src, 400);
        assert!(!bit.set && !bit.stale);
        assert_eq!(s.requests(), (2, 1));
        assert!(s.state.lock().unwrap().requests[1].contains("if-none-match: \"v1\""));
        s.bit(&src, 699);
        assert_eq!(s.requests(), (2, 1), "renewed at 400 for 300 s");
        s.bit(&src, 701);
        assert_eq!(s.requests(), (3, 2));
        // No Cache-Control (or no-cache): every use is revalidated.
        for cc in [None, Some("no-cache")] {
            let s = setup(cc);
            let src = s.source();
            for t in 0..3 {
                s.bit(&src, t);
            }
            assert_eq!(s.requests(), (3, 2), "{cc:?}");
        }
        // no-store: never kept, so never conditional.
        let s = setup(Some("no-store"));
        let src = s.source();
        for t in 0..3 {
            s.bit(&src, t);
        }
        assert_eq!(s.requests(), (3, 0));
    }

    #[test]
    fn finding_4_unrevalidated_copy_is_stale_not_fresh() {
        let s = setup(Some("max-age=60"));
        let dir = tempfile::tempdir().unwrap();
        let trust = Arc::new(s.issuer.trust_list());
        let src = HttpStatusSource::new(trust.clone(), Some(dir.path().join("c")));
        assert!(!s.bit(&src, 0).stale);
        // A new process reads the disk cache: fresh within max-age, no request.
        let src2 = HttpStatusSource::new(trust.clone(), Some(dir.path().join("c")));
        assert!(!s.bit(&src2, 30).stale);
        assert_eq!(s.requests(), (1, 0));
        // Past max-age the server is down: the copy (whose validUntil is hours away) is
        // reported stale, never fresh.
        s.state.lock().unwrap().down = true;
        let bit = s.bit(&src2, 120);
        assert!(bit.stale, "{bit:?}");
        assert!(
            bit.source.contains("not revalidated") && bit.source.contains("503"),
            "{}",
            bit.source
        );
        assert_eq!(s.requests(), (2, 1));
        // The ETag came back from disk too: once the server is back, a 304 makes it fresh.
        s.state.lock().unwrap().down = false;
        let src3 = HttpStatusSource::new(trust, Some(dir.path().join("c")));
        assert!(!s.bit(&src3, 130).stale);
        assert_eq!(s.requests(), (3, 2));
    }
}
