//! The service's counters behind `/metrics` (see `super::metrics`): requests by route and
//! status, latency histogram, verdicts, requests in flight, resident memory.

use skillcert::verify::Verdict;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds of the latency histogram, seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// Requests of one route by (method, status).
type ByMethodStatus = BTreeMap<(&'static str, u16), u64>;

/// The service's counters.
#[derive(Debug)]
pub struct Metrics {
    /// Requests by route template, then by (method, status).
    requests: Mutex<BTreeMap<String, ByMethodStatus>>,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    verdicts: [AtomicU64; Verdict::ALL.len()],
    pub(super) in_flight: AtomicI64,
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

    pub(super) fn observe(&self, route: &str, method: &'static str, status: u16, secs: f64) {
        if let Ok(mut m) = self.requests.lock() {
            let by_route = match m.get_mut(route) {
                Some(r) => r,
                None => m.entry(route.to_owned()).or_default(),
            };
            *by_route.entry((method, status)).or_insert(0) += 1;
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
            let rows = m.iter().flat_map(|(route, r)| {
                r.iter()
                    .map(move |((method, status), n)| (route, method, status, n))
            });
            for (route, method, status, n) in rows {
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
