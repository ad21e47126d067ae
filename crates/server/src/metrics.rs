//! `/metrics` in the Prometheus text format: requests by route and status, latency histogram,
//! verdicts, requests in flight, resident memory. Hand-written: a handful of atomics and one
//! small map, no registry crate.
//!
//! Not on the public site: `serve --metrics-addr ADDR` serves it on a listener of its own
//! ([`serve_metrics`], [`app`]: `GET /metrics` and nothing else), to bind to a loopback or
//! private address for the scraper. Without the option it is not served at all.

use super::state::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::Ordering;
use std::time::Instant;

pub use super::counters::{resident_bytes, Metrics};

/// Middleware: counts and times every request under its route template (never the raw path,
/// which may hold a certificate).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // The template is shared (no copy per request); the map copies it the first time only.
    let route = req.extensions().get::<MatchedPath>().cloned();
    // Only standard methods as labels: arbitrary ones would grow the map without bound.
    let method = match req.method().as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "PATCH" => "PATCH",
        "OPTIONS" => "OPTIONS",
        _ => "OTHER",
    };
    let m = &state.metrics;
    m.in_flight.fetch_add(1, Ordering::Relaxed);
    let t = Instant::now();
    let resp = next.run(req).await;
    m.in_flight.fetch_sub(1, Ordering::Relaxed);
    m.observe(
        route.as_ref().map_or("unmatched", MatchedPath::as_str),
        method,
        resp.status().as_u16(),
        t.elapsed().as_secs_f64(),
    );
    resp
}

/// The metrics listener's router: `GET /metrics` over the counters of `state` (the same
/// counters the public router's requests feed); anything else is a JSON 404 or 405.
pub fn app(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(metrics))
        .fallback(|| async { super::errors::ApiError::NotFound("no such route".into()) })
        .method_not_allowed_fallback(|| async { super::errors::ApiError::MethodNotAllowed })
        .with_state(state)
}

/// Serves [`app`] on `listener` until `shutdown` completes (the same accept loop, head
/// timeout and JSON parse errors as the public site).
pub async fn serve_metrics(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let header_timeout = state.limits.header_read_timeout;
    super::listen::serve_connections(listener, app(state), header_timeout, shutdown).await
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut r = state.metrics.render().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}
