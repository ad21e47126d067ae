//! What every handler shares ([`AppState`]) and the service's limits.

use super::backend::Backend;
use super::counters::Metrics;
use super::errors::ApiError;
use super::portal::Portal;
use skillcert::verify::Verifier;
use std::sync::Arc;
use std::time::Duration;

/// Default free space the data dir's file system must have (64 MiB).
pub const MIN_FREE_BYTES: u64 = 64 << 20;

/// Limits of the service.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Time to answer one request.
    pub request_timeout: Duration,
    /// Requests answered at once (the rest wait).
    pub concurrency: usize,
    /// Time a client has to send a request's head (line and headers), and the longest a
    /// kept-alive connection may sit idle between requests.
    pub header_read_timeout: Duration,
    /// Free space the data dir's file system must have for `/readyz` to say ready.
    pub min_free_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            request_timeout: Duration::from_secs(10),
            concurrency: 512,
            header_read_timeout: HEADER_READ_TIMEOUT,
            min_free_bytes: MIN_FREE_BYTES,
        }
    }
}

/// Photos decoded at once: one per core, at most 4 (each decode is bounded in time and memory,
/// see `skillcert_qrimage::read`); more wait their turn, up to `api::IMAGE_WAIT`.
pub fn image_concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4))
}

/// JSON-LD document verifications at once: one core fewer than the machine has (at least
/// one), so that costly documents, hostile or not, never take every core from tokens and QR
/// codes.
pub fn rdfc_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).clamp(1, 4))
}

/// Default of [`Limits::header_read_timeout`].
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// What a server serves: an issuer's site or a scheme's portal. `serve --trust` makes a
/// portal, anything else an issuer's site (`--report-to`, an issuer's, conflicts with
/// `--trust`): one never serves both, and there is always one of them.
#[derive(Clone)]
pub enum Site {
    /// An issuer's site: the issuer, its database and the verifier for its credentials, and
    /// the admin API.
    Issuer {
        /// The issuer and its database.
        backend: Arc<Backend>,
        /// SHA-256 of the admin token; `None`: the admin API refuses everything.
        admin_hash: Option<[u8; 32]>,
    },
    /// A scheme's portal: its trust lists, the verifier over them and its register (no issuer,
    /// so no admin API).
    Portal(Arc<Portal>),
}

impl std::fmt::Debug for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Site::Issuer {
                backend,
                admin_hash,
            } => f
                .debug_struct("Issuer")
                .field("issuer", &backend.issuer().config().id)
                .field("admin", &admin_hash.is_some())
                .finish(),
            Site::Portal(p) => f.debug_tuple("Portal").field(p).finish(),
        }
    }
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// What this server serves.
    pub site: Site,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// Limits.
    pub limits: Limits,
    /// Image decodes allowed at once; a permit is held by the decoding thread until it stops.
    pub image_permits: Arc<tokio::sync::Semaphore>,
    /// Verifications of JSON-LD documents (the `eddsa-rdfc-2022` proof: expansion and
    /// canonicalization) allowed at once ([`rdfc_concurrency`]), off the async workers; the
    /// rest wait.
    pub rdfc_permits: Arc<tokio::sync::Semaphore>,
    /// Batches of `POST /api/v1/verify/batch` checked at once
    /// ([`crate::batch::BATCH_CONCURRENCY`]); the rest wait.
    pub batch_permits: Arc<tokio::sync::Semaphore>,
    /// The online ID check's rate limits.
    pub holder_checks: Arc<super::rate_limit::HolderCheckLimits>,
    /// Proxies whose `X-Forwarded-For` names the client (none by default).
    pub trusted_proxies: Arc<super::client_ip::TrustedProxies>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("site", &self.site)
            .finish()
    }
}

impl AppState {
    /// The state serving `site`, with the default limits.
    pub fn with_site(site: Site) -> AppState {
        AppState {
            site,
            metrics: Arc::new(Metrics::default()),
            limits: Limits::default(),
            image_permits: Arc::new(tokio::sync::Semaphore::new(image_concurrency())),
            rdfc_permits: Arc::new(tokio::sync::Semaphore::new(rdfc_concurrency())),
            batch_permits: Arc::new(tokio::sync::Semaphore::new(super::batch::BATCH_CONCURRENCY)),
            holder_checks: Arc::default(),
            trusted_proxies: Arc::default(),
        }
    }

    /// An issuer's site over a backend, with the SHA-256 of the admin token (if any).
    pub fn new(backend: Backend, admin_hash: Option<[u8; 32]>) -> AppState {
        AppState::with_site(Site::Issuer {
            backend: Arc::new(backend),
            admin_hash,
        })
    }

    /// The state of a scheme's portal (no issuer, no admin API).
    pub fn portal(portal: Portal) -> AppState {
        AppState::with_site(Site::Portal(Arc::new(portal)))
    }

    /// The issuer's backend; on a portal, a 404 that says there is no issuer here.
    pub fn issuer_site(&self) -> Result<&Arc<Backend>, ApiError> {
        match &self.site {
            Site::Issuer { backend, .. } => Ok(backend),
            Site::Portal(_) => Err(ApiError::NotFound(
                "this is a scheme's verification portal: it has no issuer of its own".into(),
            )),
        }
    }

    /// The portal; on an issuer's site, a 404 that says there is no register here.
    pub fn portal_site(&self) -> Result<&Arc<Portal>, ApiError> {
        match &self.site {
            Site::Portal(portal) => Ok(portal),
            Site::Issuer { .. } => Err(ApiError::NotFound("this site keeps no register".into())),
        }
    }

    /// SHA-256 of the admin token: an issuer's site's, if it has one; a portal has none.
    pub fn admin_hash(&self) -> Option<&[u8; 32]> {
        match &self.site {
            Site::Issuer { admin_hash, .. } => admin_hash.as_ref(),
            Site::Portal(_) => None,
        }
    }

    /// The verifier of this site: the issuer's own, or the portal's over its trust lists.
    pub fn verifier(&self) -> Arc<Verifier> {
        match &self.site {
            Site::Issuer { backend, .. } => backend.verifier(),
            Site::Portal(p) => p.verifier(),
        }
    }

    /// The same state with other limits.
    pub fn with_limits(mut self, limits: Limits) -> AppState {
        self.limits = limits;
        self
    }
}
