//! `/metrics` in the Prometheus text format: requests by route and status, latency histogram,
//! verdicts, requests in flight, resident memory. Hand-written: a handful of atomics and one
//! small map, no registry crate.
//!
//! Not on the public site: `serve --metrics-addr ADDR` serves it on a listener of its own
//! ([`serve_metrics`], [`app`]: `GET /metrics` and nothing else), to bind to a loopback or
//! private address for the scraper. Without the option it is not served at all.

use super::AppState;
use crate::verify::Verdict;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds of the latency histogram, seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The service's counters.
#[derive(Debug)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    verdicts: [AtomicU64; Verdict::ALL.len()],
    in_flight: AtomicI64,
    started: Instant,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            requests: Mutex::new(BTreeMap::new()),
            buckets: std::array::from_fn(|_| AtomicU64::new(0)),
            latency_count: AtomicU64::new(0),
            latency_sum_micros: AtomicU64::new(0),
            verdicts: std::array::from_fn(|_| AtomicU64::new(0)),
            in_flight: AtomicI64::new(0),
            started: Instant::now(),
        }
    }
}

impl Metrics {
    /// Counts one verdict.
    pub fn verdict(&self, v: Verdict) {
        if let Some(i) = Verdict::ALL.iter().position(|x| *x == v) {
            self.verdicts[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    fn observe(&self, route: String, method: String, status: u16, secs: f64) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((route, method, status)).or_insert(0) += 1;
        }
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_micros
            .fetch_add((secs * 1e6) as u64, Ordering::Relaxed);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut s = String::new();
        s.push_str("# HELP skillcert_http_requests_total HTTP requests by route, method and status.\n# TYPE skillcert_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((route, method, status), n) in m.iter() {
                let _ = writeln!(
                    s,
                    "skillcert_http_requests_total{{route=\"{}\",method=\"{}\",status=\"{status}\"}} {n}",
                    label(route),
                    label(method)
                );
            }
        }
        s.push_str("# HELP skillcert_http_request_duration_seconds Time to answer a request.\n# TYPE skillcert_http_request_duration_seconds histogram\n");
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                s,
                "skillcert_http_request_duration_seconds_bucket{{le=\"{b}\"}} {}",
                self.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            s,
            "skillcert_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            s,
            "skillcert_http_request_duration_seconds_sum {}",
            self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(s, "skillcert_http_request_duration_seconds_count {count}");
        s.push_str("# HELP skillcert_verifications_total Verifications by verdict.\n# TYPE skillcert_verifications_total counter\n");
        for (i, v) in Verdict::ALL.iter().enumerate() {
            let _ = writeln!(
                s,
                "skillcert_verifications_total{{verdict=\"{v}\"}} {}",
                self.verdicts[i].load(Ordering::Relaxed)
            );
        }
        s.push_str("# HELP skillcert_http_requests_in_flight Requests being answered.\n# TYPE skillcert_http_requests_in_flight gauge\n");
        let _ = writeln!(
            s,
            "skillcert_http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        s.push_str("# HELP skillcert_uptime_seconds Seconds since the service started.\n# TYPE skillcert_uptime_seconds gauge\n");
        let _ = writeln!(
            s,
            "skillcert_uptime_seconds {}",
            self.started.elapsed().as_secs()
        );
        if let Some(rss) = resident_bytes() {
            s.push_str("# HELP process_resident_memory_bytes Resident memory.\n# TYPE process_resident_memory_bytes gauge\n");
            let _ = writeln!(s, "process_resident_memory_bytes {rss}");
        }
        s
    }
}

/// Escapes a Prometheus label value.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Resident memory of this process (Linux `/proc/self/status`).
pub fn resident_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Middleware: counts and times every request under its route template (never the raw path,
/// which may hold a certificate).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    // Only standard methods as labels: arbitrary ones would grow the map without bound.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS") => m.to_owned(),
        _ => "OTHER".to_owned(),
    };
    let m = &state.metrics;
    m.in_flight.fetch_add(1, Ordering::Relaxed);
    let t = Instant::now();
    let resp = next.run(req).await;
    m.in_flight.fetch_sub(1, Ordering::Relaxed);
    m.observe(
        route,
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
    super::serve_connections(listener, app(state), header_timeout, shutdown).await
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
