//! A scheme's verification portal (`skillcert serve --trust URL|FILE --trust-anchor ANCHOR`):
//! the public pages and API of an issuer's site, verifying the certificates of every issuer a
//! trust list accredits. It has no issuer of its own, so no admin API, `did.json` or status
//! lists.
//!
//! - Trust lists: each [`TrustFeed`] is re-read before its list goes stale (half the time it
//!   has left, at most hourly); a list that stops verifying leaves the previous one in force
//!   until that one expires (see [`skillcert_online::trust_feed`]).
//! - Status lists of every issuer: fetched over HTTP(S) from the origins the lists allow,
//!   cached within their freshness limits with conditional requests, one request at a time per
//!   list, failing closed (`status_unknown`) when they cannot be had
//!   ([`HttpStatusSource`]).

use chrono::{DateTime, Utc};
use skillcert::trust::{ListNotInForce, TrustStore};
use skillcert::verify::Verifier;
use skillcert_online::trust_feed::{Refreshed, TrustFeed, TrustFeedError};
use skillcert_online::HttpStatusSource;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The portal's trust lists, status source and the verifier built over them.
pub struct Portal {
    feeds: Vec<TrustFeed>,
    status: Arc<HttpStatusSource>,
    verifier: RwLock<Arc<Verifier>>,
    public_url: String,
    register: Option<PortalRegister>,
    limiter: super::rate_limit::RateLimiter,
}

/// The register a portal keeps, and the key it signs receipts with.
pub struct PortalRegister {
    /// The register.
    pub register: Arc<skillcert_store::register::Register>,
    key: skillcert::keys::SecretKey,
    verification_method: String,
    /// Bundles read and checked at once ([`BUNDLE_PERMITS`]): a request takes one before its
    /// body is read, so hostile uploads in flight cost at most this many bundles' memory.
    permits: Arc<tokio::sync::Semaphore>,
}

/// Why a portal cannot start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PortalError {
    /// It was given no trust list.
    #[error("a portal needs at least one --trust list")]
    NoTrustList,
    /// A trust list could not be had at all (unreadable, not a trust list).
    #[error(transparent)]
    Feed(#[from] FeedError),
}

/// Why a trust feed has no list, or kept the one it had: the feed's own words, which name the
/// list (see [`TrustFeed::refresh`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct FeedError {
    /// Where the feed reads its list (file or URL).
    pub location: String,
    /// What went wrong.
    pub reason: TrustFeedError,
}

/// Why a portal's trust lists do not all count now (its `/readyz` reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotInForce {
    /// A feed has never had a list.
    #[error("no trust list from {location}")]
    Missing {
        /// Where the feed reads its list.
        location: String,
    },
    /// A feed's list is held but does not count (stale, refused by its anchor…).
    #[error("the trust list from {location} does not count: {why}")]
    Refused {
        /// Where the feed reads its list.
        location: String,
        /// Why it does not count.
        why: ListNotInForce,
    },
}

/// Reads `feed` once (see [`TrustFeed::refresh`]).
fn refresh_feed(feed: &TrustFeed, now: DateTime<Utc>) -> Result<Refreshed, FeedError> {
    feed.refresh(now).map_err(|reason| FeedError {
        location: feed.location().to_owned(),
        reason,
    })
}

/// Bundles a portal reads and checks at once (the rest wait, then get 503).
pub const BUNDLE_PERMITS: usize = 2;

impl PortalRegister {
    /// The register with the portal's receipt key (its `did:key`).
    pub fn new(
        register: skillcert_store::register::Register,
        key: skillcert::keys::SecretKey,
    ) -> Self {
        let verification_method = skillcert::keys::did_key_vm(&key.public());
        PortalRegister {
            register: Arc::new(register),
            key,
            verification_method,
            permits: Arc::new(tokio::sync::Semaphore::new(BUNDLE_PERMITS)),
        }
    }

    /// The permits of bundle checking ([`BUNDLE_PERMITS`]).
    pub fn bundle_permits(&self) -> Arc<tokio::sync::Semaphore> {
        self.permits.clone()
    }

    /// The signer of receipts.
    pub fn signer(&self) -> skillcert::signer::KeySigner<'_> {
        skillcert::signer::KeySigner::new(&self.key, &self.verification_method)
    }

    /// The portal's DID (receipts are signed by it).
    pub fn did(&self) -> String {
        skillcert::keys::did_key(&self.key.public())
    }
}

impl std::fmt::Debug for Portal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portal")
            .field("feeds", &self.feeds)
            .field("public_url", &self.public_url)
            .finish()
    }
}

impl Portal {
    /// A portal over `feeds`, reading each once now. `Err` when a feed has no list at all
    /// (unreadable, not a trust list). `cache_dir` keeps status lists on disk.
    pub fn new(
        feeds: Vec<TrustFeed>,
        public_url: &str,
        cache_dir: Option<PathBuf>,
    ) -> Result<Portal, PortalError> {
        if feeds.is_empty() {
            return Err(PortalError::NoTrustList);
        }
        let now = Utc::now();
        for f in &feeds {
            refresh_feed(f, now)?;
        }
        let status = Arc::new(HttpStatusSource::new(
            Arc::new(skillcert::trust::TrustList::empty()),
            cache_dir,
        ));
        let portal = Portal {
            feeds,
            status,
            verifier: RwLock::new(Arc::new(empty_verifier())),
            public_url: public_url.trim_end_matches('/').to_owned(),
            register: None,
            limiter: Default::default(),
        };
        portal.rebuild();
        Ok(portal)
    }

    /// The same portal keeping a register (`POST /api/v1/register/bundles`, the query).
    pub fn with_register(mut self, register: PortalRegister) -> Self {
        self.register = Some(register);
        self
    }

    /// Whether the portal's trust lists give `number` to `issuer` now (the register shows and
    /// checks a number's records only from its owner).
    pub fn owns_number(&self, issuer: &str, number: &str) -> bool {
        self.verifier()
            .trust()
            .owns_number(issuer, number, chrono::Utc::now())
    }

    /// Per-client limits of the register query.
    pub fn limiter(&self) -> &super::rate_limit::RateLimiter {
        &self.limiter
    }

    /// The register, if the portal keeps one.
    pub fn register(&self) -> Option<&PortalRegister> {
        self.register.as_ref()
    }

    /// The verifier over the lists in force.
    pub fn verifier(&self) -> Arc<Verifier> {
        self.verifier
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The feeds.
    pub fn feeds(&self) -> &[TrustFeed] {
        &self.feeds
    }

    /// The portal's public URL.
    pub fn public_url(&self) -> &str {
        &self.public_url
    }

    /// The status source (shared by every verifier the portal builds).
    pub fn status_source(&self) -> &Arc<HttpStatusSource> {
        &self.status
    }

    /// Re-reads every feed (blocking); rebuilds the verifier when a list changed. Returns
    /// each feed's outcome.
    pub fn refresh(&self, now: DateTime<Utc>) -> Vec<Result<Refreshed, FeedError>> {
        let outcomes: Vec<_> = self.feeds.iter().map(|f| refresh_feed(f, now)).collect();
        if outcomes
            .iter()
            .any(|o| matches!(o, Ok(Refreshed::Replaced)))
        {
            self.rebuild();
        }
        outcomes
    }

    /// When the next refresh is due: the soonest of the feeds'.
    pub fn next_refresh(&self, now: DateTime<Utc>) -> Duration {
        self.feeds
            .iter()
            .map(|f| f.next_refresh(now))
            .min()
            .unwrap_or(skillcert_online::trust_feed::MAX_REFRESH)
    }

    /// `Ok` when every feed has a list that counts now; else which does not, and why.
    pub fn readiness(&self, now: DateTime<Utc>) -> Result<(), NotInForce> {
        for f in &self.feeds {
            let location = || f.location().to_owned();
            match f.current() {
                None => {
                    return Err(NotInForce::Missing {
                        location: location(),
                    })
                }
                Some(s) => s.in_force(now).map_err(|why| NotInForce::Refused {
                    location: location(),
                    why,
                })?,
            }
        }
        Ok(())
    }

    /// What `/trust.json` serves: the list in force as it was read (its proof still
    /// verifies); with several feeds, a JSON array of them.
    pub fn trust_json(&self) -> String {
        let texts: Vec<String> = self
            .feeds
            .iter()
            .filter_map(|f| f.current_bytes())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .collect();
        match texts.as_slice() {
            [one] => one.clone(),
            many => format!("[{}]", many.join(",\n")),
        }
    }

    fn rebuild(&self) {
        let mut store = TrustStore::new();
        for s in self.feeds.iter().filter_map(TrustFeed::current) {
            store.push((*s).clone());
        }
        self.status.set_trust(Arc::new(store.merged()));
        let status: Arc<dyn skillcert::verify::StatusSource> = self.status.clone();
        let v = Verifier::builder(store)
            .status_source(status)
            .allow_empty_trust_list()
            .build()
            .unwrap_or_else(|_| empty_verifier());
        *self.verifier.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(v);
    }
}

/// A verifier that trusts nobody (before any list is in force).
fn empty_verifier() -> Verifier {
    Verifier::builder(TrustStore::new())
        .allow_empty_trust_list()
        .build()
        .expect("an empty trust list is allowed")
}

fn kept(why: &TrustFeedError) {
    tracing::warn!(reason = %why, "trust list not renewed; the previous one stays in force until it expires");
}

/// Re-reads the portal's lists on time until the process ends.
pub async fn refresh_loop(portal: Arc<Portal>) {
    loop {
        let wait = portal.next_refresh(Utc::now());
        tokio::time::sleep(wait).await;
        let p = portal.clone();
        let outcomes = tokio::task::spawn_blocking(move || p.refresh(Utc::now())).await;
        for o in outcomes.into_iter().flatten() {
            match o {
                Ok(Refreshed::Replaced) => tracing::info!("trust list renewed"),
                Ok(Refreshed::Kept(why)) => kept(&why),
                Err(e) => kept(&e.reason),
                Ok(_) => {}
            }
        }
    }
}
