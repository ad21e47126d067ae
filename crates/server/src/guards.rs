//! What the backend holds for the whole process besides the issuer: the idempotency keys being
//! answered (`super::idempotency`) and the last readiness check (`super::ready`).

use super::errors::ApiError;
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Keys being answered by this process (a second request with one gets 409).
#[derive(Debug, Default, Clone)]
pub struct InFlight(Arc<Mutex<HashSet<String>>>);

/// A key taken for one request: released when dropped (after the answer is stored).
#[derive(Debug)]
pub struct Claim {
    pub(super) key: String,
    pub(super) request_sha256: String,
    set: InFlight,
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut s = self.set.0.lock().unwrap_or_else(|p| p.into_inner());
        s.remove(&self.key);
    }
}

impl InFlight {
    pub(super) fn claim(&self, key: String, request_sha256: String) -> Result<Claim, ApiError> {
        let mut s = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if !s.insert(key.clone()) {
            return Err(ApiError::Conflict(
                "Idempotency-Key: a request with this key is still being answered; retry later"
                    .into(),
            ));
        }
        Ok(Claim {
            key,
            request_sha256,
            set: self.clone(),
        })
    }
}

/// Why the service is not ready: the `reason` of the 503 answer (names the failed check,
/// without paths).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotReady {
    /// The free space of the data dir's file system could not be read.
    #[error("data dir: {0}")]
    DataDir(String),
    /// Too little free space.
    #[error("data dir: {free_mib} MiB free, below the {required_mib} MiB required")]
    LowSpace {
        /// Free MiB (rounded down).
        free_mib: u64,
        /// Required MiB (rounded up).
        required_mib: u64,
    },
    /// The issuer's database did not take a write: the SQLite result.
    #[error("issuer's database not writable: {0}")]
    IssuerDbNotWritable(String),
    /// Another check is running and none has finished yet.
    #[error("readiness check in progress")]
    InProgress,
    /// The check itself failed to run.
    #[error("the readiness check failed")]
    CheckFailed,
    /// A portal's trust list is missing or does not count.
    #[error(transparent)]
    TrustList(#[from] super::portal::NotInForce),
}

/// The last readiness check and the lock that lets one run at a time.
#[derive(Debug, Default)]
pub struct ReadyState {
    pub(super) last: Mutex<Option<(Instant, Result<(), NotReady>)>>,
    pub(super) running: Mutex<()>,
}
