//! [`TrustFeed`]: one trust list read from a file or fetched over HTTP(S), with or without a
//! trust anchor, kept current for a long-running verifier (a scheme's portal).
//!
//! A feed keeps the list in force and replaces it only with a better one: a newly read list
//! that is signed by the anchor and fresh replaces the current one unless it is older (its
//! `validFrom` before the current one's: a replayed old list cannot roll back a suspension).
//! A list that stops verifying (or cannot be fetched) leaves the previous one in force; that
//! one stops counting by itself when it passes its `validUntil` (judged at every check, see
//! [`skillcert::trust::TrustSource::in_force`]), and then every issuer in it is untrusted.
//!
//! A feed that [remembers](TrustFeed::remembering) keeps the `validFrom` of the newest list it
//! accepted in a file of the data dir ([`floor`]): across restarts, and whether or not the list
//! in force still counts, a list older than that is never taken again (a portal that meets
//! only older lists has none, and trusts nobody, rather than roll a suspension back).

use chrono::{DateTime, Utc};
use skillcert::trust::{TrustAnchor, TrustSource, MAX_TRUST_LIST};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Timeout of one trust list fetch.
pub const TRUST_FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait between two reads of a feed.
pub const MAX_REFRESH: Duration = Duration::from_secs(3600);
/// Shortest wait between two reads of a feed.
pub const MIN_REFRESH: Duration = Duration::from_secs(30);

/// What a feed holds.
#[derive(Debug, Default)]
struct Held {
    current: Option<Arc<TrustSource>>,
    /// The raw bytes of `current` (served as `/trust.json`: its proof must still verify).
    bytes: Option<Arc<[u8]>>,
    etag: Option<String>,
    last_error: Option<String>,
}

/// One trust list source (file path or http(s) URL) with an optional anchor.
pub struct TrustFeed {
    location: String,
    anchor: Option<TrustAnchor>,
    floor: Option<floor::Floor>,
    agent: ureq::Agent,
    held: Mutex<Held>,
}

impl std::fmt::Debug for TrustFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustFeed")
            .field("location", &self.location)
            .field("anchor", &self.anchor)
            .finish()
    }
}

/// The outcome of one [`TrustFeed::refresh`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refreshed {
    /// A new list is in force.
    Replaced,
    /// The source has not changed (HTTP 304, or the same bytes).
    Unchanged,
    /// The new list was not taken (why); the previous one stays.
    Kept(String),
}

/// A fetched list and its ETag.
type Body = (Vec<u8>, Option<String>);

fn is_url(s: &str) -> bool {
    s.starts_with("https://") || s.starts_with("http://")
}

impl TrustFeed {
    /// A feed of `location` (a file path or an http(s) URL), checked against `anchor` if given.
    pub fn new(location: &str, anchor: Option<TrustAnchor>) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(TRUST_FETCH_TIMEOUT))
            .max_redirects(0)
            .user_agent(concat!("skillcert/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        TrustFeed {
            location: location.to_owned(),
            anchor,
            floor: None,
            agent,
            held: Mutex::new(Held::default()),
        }
    }

    /// This feed, keeping the newest `validFrom` it accepted in `dir` (one file per anchor, or
    /// per location without one), so that no older list is taken after a restart either.
    pub fn remembering(mut self, dir: &std::path::Path) -> Self {
        let key = self
            .anchor
            .as_ref()
            .map_or_else(|| self.location.clone(), |a| a.to_string());
        self.floor = Some(floor::Floor::new(dir, &key));
        self
    }

    /// Where the list comes from.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// The list in force (`None` before the first successful read).
    pub fn current(&self) -> Option<Arc<TrustSource>> {
        self.lock().current.clone()
    }

    /// The bytes of the list in force, as read.
    pub fn current_bytes(&self) -> Option<Arc<[u8]>> {
        self.lock().bytes.clone()
    }

    /// Why the last read did not replace the list, if it did not.
    pub fn last_error(&self) -> Option<String> {
        self.lock().last_error.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the source once and keeps what it gives, if it is better than the list in force
    /// (see the module documentation). `Err` only when there is still no list at all.
    pub fn refresh(&self, now: DateTime<Utc>) -> Result<Refreshed, String> {
        let etag = self.lock().etag.clone();
        let read = if is_url(&self.location) {
            self.fetch(etag.as_deref())
        } else {
            read_file(&self.location).map(|b| Some((b, None)))
        };
        let mut held = self.lock();
        let (bytes, etag) = match read {
            Ok(Some(b)) => b,
            Ok(None) => return Ok(Refreshed::Unchanged),
            Err(e) => return keep(&mut held, e),
        };
        if held.bytes.as_deref() == Some(&bytes[..]) {
            held.last_error = None;
            return Ok(Refreshed::Unchanged);
        }
        let source = match &self.anchor {
            Some(a) => TrustSource::anchored(&bytes, a, &self.location),
            None => skillcert::trust::TrustList::parse(&bytes)
                .map(|l| TrustSource::direct(l, &self.location)),
        };
        let source = match source {
            Ok(s) => s,
            Err(e) => return keep(&mut held, format!("{}: {e}", self.location)),
        };
        let floor = match self.floor.as_ref().map(floor::Floor::read).transpose() {
            Ok(f) => f.flatten(),
            Err(e) => return keep(&mut held, e),
        };
        if floor.is_some() && source.list().valid_from < floor {
            return keep(
                &mut held,
                format!(
                    "the list is older than the newest one this portal accepted (validFrom {}, \
                     accepted {})",
                    source
                        .list()
                        .valid_from
                        .map_or("none".into(), |t| skillcert::model::format_time(&t)),
                    floor.map_or(String::new(), |t| skillcert::model::format_time(&t)),
                ),
            );
        }
        let current_counts = held
            .current
            .as_ref()
            .is_some_and(|c| c.in_force(now).is_ok());
        if current_counts {
            if let Err(why) = source.in_force(now) {
                return keep(&mut held, format!("the new list does not count: {why}"));
            }
            let cur = held.current.as_ref().and_then(|c| c.list().valid_from);
            if source.list().valid_from < cur {
                return keep(
                    &mut held,
                    "the new list is older than the one in force (validFrom earlier)".into(),
                );
            }
        }
        held.last_error = None;
        if let (Some(f), Some(t)) = (&self.floor, source.list().valid_from) {
            if let Err(e) = f.raise(t) {
                held.last_error = Some(e);
            }
        }
        held.current = Some(Arc::new(source));
        held.bytes = Some(Arc::from(bytes));
        held.etag = etag;
        Ok(Refreshed::Replaced)
    }

    /// GET with `If-None-Match`; `None` on 304.
    fn fetch(&self, etag: Option<&str>) -> Result<Option<Body>, String> {
        let url = &self.location;
        let mut req = self.agent.get(url).header("Accept", "application/json");
        if let Some(t) = etag {
            req = req.header("If-None-Match", t);
        }
        let mut resp = req
            .call()
            .map_err(|e| format!("trust list {url} could not be fetched: {e}"))?;
        match resp.status().as_u16() {
            200 => {}
            304 if etag.is_some() => return Ok(None),
            code => return Err(format!("trust list {url}: the server answered HTTP {code}")),
        }
        let new_etag = resp
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_TRUST_LIST as u64)
            .read_to_vec()
            .map_err(|e| format!("trust list {url} could not be read: {e}"))?;
        Ok(Some((body, new_etag)))
    }

    /// How long to wait before the next read: half the time the list in force has left, at
    /// least [`MIN_REFRESH`] and at most [`MAX_REFRESH`] (so a list is renewed well before it
    /// goes stale, and a failing source is retried soon).
    pub fn next_refresh(&self, now: DateTime<Utc>) -> Duration {
        let held = self.lock();
        let left = held
            .current
            .as_ref()
            .and_then(|c| c.list().valid_until)
            .and_then(|u| (u - now).to_std().ok());
        match (left, &held.last_error) {
            (_, Some(_)) | (None, _) => MIN_REFRESH,
            (Some(l), None) => (l / 2).clamp(MIN_REFRESH, MAX_REFRESH),
        }
    }
}

fn keep(held: &mut Held, why: String) -> Result<Refreshed, String> {
    held.last_error = Some(why.clone());
    if held.current.is_none() {
        return Err(why);
    }
    Ok(Refreshed::Kept(why))
}

fn read_file(path: &str) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{path}: {e}"))?;
    if meta.len() > MAX_TRUST_LIST as u64 {
        return Err(format!(
            "{path}: {} bytes, more than the limit of {MAX_TRUST_LIST}",
            meta.len()
        ));
    }
    std::fs::read(path).map_err(|e| format!("{path}: {e}"))
}

/// Reads one trust list (file or URL) once, as a verifier's source: with an anchor, a list
/// whose proof does not verify is kept as refused (its issuers untrusted, with the reason);
/// `Err` when it cannot be read or is not a trust list.
pub fn read_source(location: &str, anchor: Option<&TrustAnchor>) -> Result<TrustSource, String> {
    let feed = TrustFeed::new(location, anchor.cloned());
    feed.refresh(Utc::now())?;
    feed.current()
        .map(|s| (*s).clone())
        .ok_or_else(|| format!("{location}: no trust list"))
}

pub mod floor;

#[cfg(test)]
mod tests;
