//! What every handler shares ([`AppState`]) and the service's limits.

use super::backend::Backend;
use super::counters::Metrics;
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
/// see `crate::qr::read`); more wait their turn, up to `api::IMAGE_WAIT`.
pub fn image_concurrency() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(1, 4))
}

/// Default of [`Limits::header_read_timeout`].
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The issuer, its registry and the verifier for its credentials.
    pub backend: Arc<Backend>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// SHA-256 of the admin token; `None`: the admin API refuses everything.
    pub admin_hash: Option<[u8; 32]>,
    /// Limits.
    pub limits: Limits,
    /// Image decodes allowed at once; a permit is held by the decoding thread until it stops.
    pub image_permits: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("issuer", &self.backend.issuer().config().id)
            .field("admin", &self.admin_hash.is_some())
            .finish()
    }
}

impl AppState {
    /// The state over a backend, with the SHA-256 of the admin token (if any).
    pub fn new(backend: Backend, admin_hash: Option<[u8; 32]>) -> AppState {
        AppState {
            backend: Arc::new(backend),
            metrics: Arc::new(Metrics::default()),
            admin_hash,
            limits: Limits::default(),
            image_permits: Arc::new(tokio::sync::Semaphore::new(image_concurrency())),
        }
    }

    /// The same state with other limits.
    pub fn with_limits(mut self, limits: Limits) -> AppState {
        self.limits = limits;
        self
    }
}
