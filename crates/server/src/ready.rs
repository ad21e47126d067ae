//! `GET /readyz`: whether the service can issue now. `/healthz` stays a liveness probe (the
//! process answers); `/readyz` answers 200 `{"status": "ready"}` only when
//!
//! - the data dir's file system has at least [`Limits::min_free_bytes`](super::Limits) free
//!   for unprivileged writers (default [`MIN_FREE_BYTES`]), and
//! - the issuer's database file takes a write: opened afresh, its heartbeat row committed in a
//!   `BEGIN IMMEDIATE` transaction within [`REGISTRY_WAIT`] (see
//!   [`IssuerDb::write_probe`](skillcert_store::issuer_db::IssuerDb::write_probe));
//!
//! otherwise 503 `{"status": "not_ready", "reason": …}` (the reason names the failed check,
//! without paths). A success is reused for [`REUSE_READY`]; one check runs at a time (callers
//! meanwhile get the last result), so the endpoint cannot be used to pile up disk writes.

use super::backend::Backend;
use super::bodies::{to_json, Readiness, ReadyBody};
pub use super::guards::NotReady;
pub use super::guards::ReadyState;
pub use super::state::MIN_FREE_BYTES;
use super::state::{AppState, Site};
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use skillcert_store::issuer_db::IssuerDbError;
use std::time::{Duration, Instant};

/// Longest wait for another writer's lock on the issuer's database.
pub const REGISTRY_WAIT: Duration = Duration::from_secs(1);
/// How long a successful check is reused.
pub const REUSE_READY: Duration = Duration::from_secs(1);

/// Free bytes for unprivileged writers on the file system of `dir`.
#[cfg(unix)]
fn free_bytes(dir: &std::path::Path) -> Result<u64, NotReady> {
    let s = rustix::fs::statvfs(dir).map_err(|e| NotReady::DataDir(e.to_string()))?;
    Ok(s.f_bavail.saturating_mul(s.f_frsize))
}

#[cfg(not(unix))]
fn free_bytes(_: &std::path::Path) -> Result<u64, NotReady> {
    Ok(u64::MAX)
}

fn check(backend: &Backend, min_free: u64) -> Result<(), NotReady> {
    let free = free_bytes(backend.dir())?;
    if free < min_free {
        return Err(NotReady::LowSpace {
            free_mib: free >> 20,
            required_mib: min_free.div_ceil(1 << 20),
        });
    }
    backend.registry().write_probe(REGISTRY_WAIT).map_err(|e| {
        tracing::warn!(error = %e, "readiness: the issuer's database did not take a write");
        // The SQLite result only: its message may carry the file's path.
        let what = match &e {
            IssuerDbError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => f.to_string(),
            _ => "the write failed".into(),
        };
        NotReady::IssuerDbNotWritable(what)
    })
}

/// The readiness of `backend` (blocking): a recent success, else a check.
pub fn readiness(backend: &Backend, min_free: u64) -> Result<(), NotReady> {
    let st = backend.ready_state();
    let last = || st.last.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some((at, Ok(()))) = last() {
        if at.elapsed() < REUSE_READY {
            return Ok(());
        }
    }
    let Ok(_running) = st.running.try_lock() else {
        return last().map_or(Err(NotReady::InProgress), |(_, r)| r);
    };
    let r = check(backend, min_free);
    *st.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), r.clone()));
    r
}

/// `GET /readyz`.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    summary = "Readiness: the issuer's database takes a write and the data dir has free space",
    responses(
        (status = 200, description = "ready", body = ReadyBody),
        (status = 503, description = "not ready; the reason names the failed check", body = ReadyBody),
    ))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let min_free = state.limits.min_free_bytes;
    let r = match &state.site {
        Site::Issuer { backend, .. } => {
            let backend = backend.clone();
            tokio::task::spawn_blocking(move || readiness(&backend, min_free))
                .await
                .unwrap_or(Err(NotReady::CheckFailed))
        }
        Site::Portal(portal) => portal
            .readiness(chrono::Utc::now())
            .map_err(NotReady::TrustList),
    };
    let (status, body) = match r {
        Ok(()) => (
            StatusCode::OK,
            ReadyBody {
                status: Readiness::Ready,
                reason: None,
            },
        ),
        Err(reason) => {
            tracing::warn!(reason = %reason, "not ready");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                ReadyBody {
                    status: Readiness::NotReady,
                    reason: Some(reason.to_string()),
                },
            )
        }
    };
    let mut r = (status, to_json(&body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
