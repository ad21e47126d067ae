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
use skillcert::model::format_time;
use skillcert::trust::{ListNotInForce, TrustAnchor, TrustSource, MAX_TRUST_LIST};
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
    last_error: Option<TrustFeedError>,
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
    Kept(TrustFeedError),
}

/// Why a feed did not take what it read (or could not read anything). Each message names the
/// file, the URL or the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TrustFeedError {
    /// The request failed (network, TLS, timeout).
    #[error("trust list {url} could not be fetched: {reason}")]
    Fetch {
        /// The URL.
        url: String,
        /// What the HTTP client said.
        reason: String,
    },
    /// The server answered another status than 200 (or 304 to a conditional request).
    #[error("trust list {url}: the server answered HTTP {status}")]
    Status {
        /// The URL.
        url: String,
        /// The HTTP status.
        status: u16,
    },
    /// The answer's body could not be read (or was larger than a trust list may be).
    #[error("trust list {url} could not be read: {reason}")]
    Body {
        /// The URL.
        url: String,
        /// What the HTTP client said.
        reason: String,
    },
    /// A file (the list, or a floor file) could not be read or written.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: String,
        /// What the system said.
        reason: String,
    },
    /// The list file is larger than a trust list may be.
    #[error("{path}: {size} bytes, more than the limit of {MAX_TRUST_LIST}")]
    TooLarge {
        /// The file.
        path: String,
        /// Its size.
        size: u64,
    },
    /// What was read is not a trust list.
    #[error("{location}: {reason}")]
    NotATrustList {
        /// The file or URL.
        location: String,
        /// Why (the trust list parser's message).
        reason: String,
    },
    /// The list is older than the newest one the feed ever accepted (its floor).
    #[error(
        "the list is older than the newest one this portal accepted (validFrom {}, accepted {})",
        .valid_from.as_ref().map_or("none".into(), format_time),
        format_time(.floor)
    )]
    BelowFloor {
        /// The list's `validFrom`.
        valid_from: Option<DateTime<Utc>>,
        /// The newest `validFrom` accepted.
        floor: DateTime<Utc>,
    },
    /// The new list does not count now, and the one in force does.
    #[error("the new list does not count: {0}")]
    NotInForce(ListNotInForce),
    /// The new list is older than the one in force.
    #[error("the new list is older than the one in force (validFrom earlier)")]
    OlderThanCurrent,
    /// The floor file is larger than a floor file may be.
    #[error("{path}: larger than {max} bytes")]
    FloorTooLarge {
        /// The file.
        path: String,
        /// The limit.
        max: u64,
    },
    /// The floor file is not JSON.
    #[error("{path}: damaged ({reason}); restore it or remove it knowingly")]
    FloorDamaged {
        /// The file.
        path: String,
        /// What the JSON parser said.
        reason: String,
    },
    /// The floor file is another anchor's (or location's).
    #[error("{path}: the floor of another trust anchor")]
    FloorOfAnotherAnchor {
        /// The file.
        path: String,
    },
    /// The floor file holds no `validFrom`.
    #[error("{path}: no validFrom")]
    FloorWithoutTime {
        /// The file.
        path: String,
    },
    /// The floor file's `validFrom` is not a time.
    #[error("{path}: {source}")]
    FloorTime {
        /// The file.
        path: String,
        /// Why.
        source: skillcert::model::ModelError,
    },
    /// Nothing was read (no list is held).
    #[error("{location}: no trust list")]
    NoList {
        /// The file or URL.
        location: String,
    },
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
    pub fn last_error(&self) -> Option<TrustFeedError> {
        self.lock().last_error.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Held> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reads the source once and keeps what it gives, if it is better than the list in force
    /// (see the module documentation). `Err` only when there is still no list at all.
    pub fn refresh(&self, now: DateTime<Utc>) -> Result<Refreshed, TrustFeedError> {
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
        let source = match self.better_source(&held, &bytes, now) {
            Ok(s) => s,
            Err(e) => return keep(&mut held, e),
        };
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

    /// The list `bytes` hold, when it is better than the one `held` (see the module
    /// documentation): a trust list (signed by the anchor, if there is one), not older than
    /// the floor, and when the list in force counts, one that counts too and is not older.
    fn better_source(
        &self,
        held: &Held,
        bytes: &[u8],
        now: DateTime<Utc>,
    ) -> Result<TrustSource, TrustFeedError> {
        let source = match &self.anchor {
            Some(a) => TrustSource::anchored(bytes, a, &self.location),
            None => skillcert::trust::TrustList::parse(bytes)
                .map(|l| TrustSource::direct(l, &self.location)),
        }
        .map_err(|e| TrustFeedError::NotATrustList {
            location: self.location.clone(),
            reason: e.to_string(),
        })?;
        let floor = self.floor.as_ref().map(floor::Floor::read).transpose()?;
        if let Some(floor) = floor.flatten() {
            let valid_from = source.list().valid_from;
            if valid_from < Some(floor) {
                return Err(TrustFeedError::BelowFloor { valid_from, floor });
            }
        }
        let current_counts = held
            .current
            .as_ref()
            .is_some_and(|c| c.in_force(now).is_ok());
        if current_counts {
            source.in_force(now).map_err(TrustFeedError::NotInForce)?;
            let cur = held.current.as_ref().and_then(|c| c.list().valid_from);
            if source.list().valid_from < cur {
                return Err(TrustFeedError::OlderThanCurrent);
            }
        }
        Ok(source)
    }

    /// GET with `If-None-Match`; `None` on 304.
    fn fetch(&self, etag: Option<&str>) -> Result<Option<Body>, TrustFeedError> {
        let url = &self.location;
        let mut req = self.agent.get(url).header("Accept", "application/json");
        if let Some(t) = etag {
            req = req.header("If-None-Match", t);
        }
        let mut resp = req.call().map_err(|e| TrustFeedError::Fetch {
            url: url.clone(),
            reason: e.to_string(),
        })?;
        match resp.status().as_u16() {
            200 => {}
            304 if etag.is_some() => return Ok(None),
            status => {
                return Err(TrustFeedError::Status {
                    url: url.clone(),
                    status,
                })
            }
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
            .map_err(|e| TrustFeedError::Body {
                url: url.clone(),
                reason: e.to_string(),
            })?;
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

fn keep(held: &mut Held, why: TrustFeedError) -> Result<Refreshed, TrustFeedError> {
    held.last_error = Some(why.clone());
    if held.current.is_none() {
        return Err(why);
    }
    Ok(Refreshed::Kept(why))
}

/// A [`TrustFeedError::File`] of `path`.
fn file_error(path: &std::path::Path, e: &std::io::Error) -> TrustFeedError {
    TrustFeedError::File {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn read_file(path: &str) -> Result<Vec<u8>, TrustFeedError> {
    let p = std::path::Path::new(path);
    let meta = std::fs::metadata(p).map_err(|e| file_error(p, &e))?;
    if meta.len() > MAX_TRUST_LIST as u64 {
        return Err(TrustFeedError::TooLarge {
            path: path.to_owned(),
            size: meta.len(),
        });
    }
    std::fs::read(p).map_err(|e| file_error(p, &e))
}

/// Reads one trust list (file or URL) once, as a verifier's source: with an anchor, a list
/// whose proof does not verify is kept as refused (its issuers untrusted, with the reason);
/// `Err` when it cannot be read or is not a trust list.
pub fn read_source(
    location: &str,
    anchor: Option<&TrustAnchor>,
) -> Result<TrustSource, TrustFeedError> {
    let feed = TrustFeed::new(location, anchor.cloned());
    feed.refresh(Utc::now())?;
    feed.current()
        .map(|s| (*s).clone())
        .ok_or_else(|| TrustFeedError::NoList {
            location: location.to_owned(),
        })
}

pub mod floor;

#[cfg(test)]
mod tests;
