//! HTTP load generator for `POST /api/v1/verify`, for `scripts/load.sh`: HTTP/1.1 keep-alive
//! connections written by hand over `tokio::net::TcpStream` (no client library).
//!
//! - `--max`: closed loop, C connections each sending back-to-back for D seconds; prints the
//!   achieved requests/s (the measured maximum).
//! - `--rate R`: open loop, request k is due at t0 + k/R whatever the responses; a free
//!   connection takes the next due request and its latency is measured from the due time
//!   (coordinated omission corrected, as wrk2 does). When no connection is free for longer
//!   than `--grow-after-ms`, one more is opened, up to `--max-connections`.
//!
//! Bodies are `{"input": "<token>"}` (application/json), the tokens of a file (one a line) in
//! turn. A response is OK when it is 200 and its body has a `verdict`; verdicts `valid` and
//! others are counted. Prints human lines and one `LOAD key=value ...` line.
//!
//! `cargo run --release --example http_load -- http://127.0.0.1:8080 tokens.txt --rate 2000`
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark tool: a failed unwrap is a failed run"
)]

use clap::Parser;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

#[derive(Parser, Debug)]
#[command(about = "open- or closed-loop HTTP load on POST /api/v1/verify")]
struct Args {
    /// Base URL of the service (`http://host:port`).
    url: String,
    /// File with one token a line.
    tokens: std::path::PathBuf,
    /// Closed loop: every connection sends back-to-back.
    #[arg(long, conflicts_with = "rate")]
    max: bool,
    /// Open loop at this many requests per second.
    #[arg(long)]
    rate: Option<f64>,
    /// Seconds of load.
    #[arg(long, default_value_t = 10.0)]
    duration: f64,
    /// Connections opened at the start.
    #[arg(long, default_value_t = 64)]
    connections: usize,
    /// Open loop: at most this many connections in all.
    #[arg(long, default_value_t = 512)]
    max_connections: usize,
    /// Open loop: open one more connection when the oldest unsent due request is this late.
    #[arg(long, default_value_t = 5)]
    grow_after_ms: u64,
    /// A request not answered within this time is a timeout (its connection is closed).
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u64,
}

/// How a request ended (an index into [`Tally::counts`] and [`KEYS`]).
#[derive(Clone, Copy)]
enum Outcome {
    /// 200 with verdict `valid`.
    Valid,
    /// 200 with another verdict.
    NotValid,
    /// 200 without a verdict in the body.
    NoVerdict,
    /// Another status.
    Status,
    /// Write or read failed, the connection closed, or the response was unreadable.
    Read,
    /// No answer within the timeout (the connection is closed).
    Timeout,
    /// A connection could not be opened (no request is lost: it is retried).
    Connect,
}

/// The `LOAD` keys of the outcomes, in [`Outcome`] order.
const KEYS: [&str; 7] = [
    "valid",
    "not_valid",
    "errors_body",
    "errors_status",
    "errors_read",
    "errors_timeout",
    "errors_connect",
];

/// What one connection's task saw.
#[derive(Default)]
struct Tally {
    sent: u64,
    counts: [u64; 7],
    /// Microseconds from the due time (open loop) or the send (closed loop) to the response.
    latency_us: Vec<u32>,
    /// Open loop: microseconds from the due time to the start of the write.
    late_us: Vec<u32>,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.sent += o.sent;
        self.counts
            .iter_mut()
            .zip(o.counts)
            .for_each(|(a, b)| *a += b);
        self.latency_us.extend(o.latency_us);
        self.late_us.extend(o.late_us);
    }

    fn count(&self, o: Outcome) -> u64 {
        self.counts[o as usize]
    }
}

/// When requests are sent.
#[derive(Clone, Copy)]
enum Schedule {
    /// Back-to-back until `until`.
    Closed { until: Instant },
    /// Request k at `t0 + k / rate`, for k < `total`.
    Open { t0: Instant, rate: f64, total: u64 },
}

/// What the connection tasks share.
struct Shared {
    addr: String,
    requests: Vec<Vec<u8>>,
    schedule: Schedule,
    /// Next request number to claim.
    next: AtomicU64,
    /// Connection tasks running.
    conns: AtomicUsize,
    /// Connections busy with a request (claimed and not yet answered).
    busy: AtomicUsize,
    stop: AtomicBool,
    timeout: Duration,
}

impl Shared {
    fn due(&self, k: u64) -> Option<Instant> {
        match self.schedule {
            Schedule::Open { t0, rate, .. } => Some(t0 + Duration::from_secs_f64(k as f64 / rate)),
            Schedule::Closed { .. } => None,
        }
    }

    /// Claims the next request, or `None` when the run is over.
    fn claim(&self) -> Option<u64> {
        if self.stop.load(Ordering::Relaxed) {
            return None;
        }
        match self.schedule {
            Schedule::Closed { until } => {
                (Instant::now() < until).then(|| self.next.fetch_add(1, Ordering::Relaxed))
            }
            Schedule::Open { total, .. } => {
                let k = self.next.fetch_add(1, Ordering::Relaxed);
                (k < total).then_some(k)
            }
        }
    }
}

/// Waits until `t`: a timer to within a millisecond, then yields (the timer wheel's
/// granularity is 1 ms, which would otherwise add up to 1 ms to every latency).
async fn wait_until(t: Instant) {
    if t > Instant::now() + Duration::from_millis(2) {
        tokio::time::sleep_until(t - Duration::from_millis(1)).await;
    }
    while Instant::now() < t {
        tokio::task::yield_now().await;
    }
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: &str) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(16 << 10),
        })
    }

    /// Sends `req` and reads the response: `(outcome, keep the connection)`.
    async fn round_trip(&mut self, req: &[u8]) -> (Outcome, bool) {
        if self.stream.write_all(req).await.is_err() {
            return (Outcome::Read, false);
        }
        self.buf.clear();
        let Some((head_end, status, len, close)) = self.read_head().await else {
            return (Outcome::Read, false);
        };
        while self.buf.len() < head_end + len {
            match self.stream.read_buf(&mut self.buf).await {
                Ok(n) if n > 0 => {}
                _ => return (Outcome::Read, false),
            }
        }
        let body = &self.buf[head_end..head_end + len];
        let outcome = if status != 200 {
            Outcome::Status
        } else if find(body, b"\"verdict\":\"valid\"").is_some() {
            Outcome::Valid
        } else if find(body, b"\"verdict\":").is_some() {
            Outcome::NotValid
        } else {
            Outcome::NoVerdict
        };
        (outcome, !close && self.buf.len() == head_end + len)
    }

    /// Reads up to the end of the head: `(head length, status, content length, close)`.
    async fn read_head(&mut self) -> Option<(usize, u16, usize, bool)> {
        let head_end = loop {
            let from = self.buf.len().saturating_sub(3);
            match self.stream.read_buf(&mut self.buf).await {
                Ok(n) if n > 0 => {}
                _ => return None,
            }
            if let Some(i) = find(&self.buf[from..], b"\r\n\r\n") {
                break from + i + 4;
            }
            if self.buf.len() > 64 << 10 {
                return None;
            }
        };
        let head = std::str::from_utf8(&self.buf[..head_end]).ok()?;
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()?
            .strip_prefix("HTTP/1.1 ")?
            .get(..3)?
            .parse()
            .ok()?;
        let (mut len, mut close) = (None, false);
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                len = value.parse().ok();
            } else if name.eq_ignore_ascii_case("connection") {
                close = value.eq_ignore_ascii_case("close");
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return None; // Not sent by the server for these responses; not supported here.
            }
        }
        Some((head_end, status, len?, close))
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A connection's task: claims requests until the run is over, reconnecting after errors.
async fn connection(sh: Arc<Shared>) -> Tally {
    let mut t = Tally::default();
    let mut conn: Option<Conn> = None;
    loop {
        if conn.is_none() {
            match Conn::open(&sh.addr).await {
                Ok(c) => conn = Some(c),
                Err(_) => {
                    t.counts[Outcome::Connect as usize] += 1;
                    if sh.stop.load(Ordering::Relaxed) {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            }
        }
        let Some(k) = sh.claim() else { break };
        sh.busy.fetch_add(1, Ordering::Relaxed);
        let due = sh.due(k);
        if let Some(due) = due {
            wait_until(due).await;
        }
        let start = Instant::now();
        if let Some(due) = due {
            t.late_us.push(micros(start.saturating_duration_since(due)));
        }
        let req = &sh.requests[(k % sh.requests.len() as u64) as usize];
        let c = conn.as_mut().unwrap(); // Opened above.
        t.sent += 1;
        let (outcome, keep) = match tokio::time::timeout(sh.timeout, c.round_trip(req)).await {
            Ok(r) => r,
            Err(_) => (Outcome::Timeout, false),
        };
        let end = Instant::now();
        sh.busy.fetch_sub(1, Ordering::Relaxed);
        if !matches!(outcome, Outcome::Read | Outcome::Timeout) {
            t.latency_us.push(micros(end - due.unwrap_or(start)));
        }
        t.counts[outcome as usize] += 1;
        if !keep {
            conn = None;
        }
    }
    sh.conns.fetch_sub(1, Ordering::Relaxed);
    t
}

fn micros(d: Duration) -> u32 {
    u32::try_from(d.as_micros()).unwrap_or(u32::MAX)
}

/// Runs the load: returns the tally, the seconds from the start to the last answer, and the
/// most connections open at once.
async fn run(args: &Args, requests: Vec<Vec<u8>>, addr: String) -> (Tally, f64, usize) {
    let t0 = Instant::now() + Duration::from_millis(50);
    let schedule = match args.rate {
        Some(rate) => Schedule::Open {
            t0,
            rate,
            total: (rate * args.duration).round() as u64,
        },
        None => Schedule::Closed {
            until: t0 + Duration::from_secs_f64(args.duration),
        },
    };
    let sh = Arc::new(Shared {
        addr,
        requests,
        schedule,
        next: AtomicU64::new(0),
        conns: AtomicUsize::new(0),
        busy: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        timeout: Duration::from_millis(args.timeout_ms),
    });
    let spawn = |tasks: &mut tokio::task::JoinSet<Tally>| {
        sh.conns.fetch_add(1, Ordering::Relaxed);
        tasks.spawn(connection(sh.clone()));
    };
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..args.connections {
        spawn(&mut tasks);
    }
    wait_until(t0).await;
    // Hard end: the schedule, then the timeout for the last answers, then one more second.
    let hard_end =
        t0 + Duration::from_secs_f64(args.duration) + sh.timeout + Duration::from_secs(1);
    let mut most = args.connections;
    let grow_after = Duration::from_millis(args.grow_after_ms);
    while sh.conns.load(Ordering::Relaxed) > 0 && Instant::now() < hard_end {
        tokio::time::sleep(Duration::from_millis(1)).await;
        let Schedule::Open { total, .. } = sh.schedule else {
            continue;
        };
        // The oldest request due and not yet claimed: late when every connection is busy.
        let k = sh.next.load(Ordering::Relaxed);
        let open = sh.conns.load(Ordering::Relaxed);
        let all_busy = sh.busy.load(Ordering::Relaxed) >= open;
        let late = k < total && sh.due(k).unwrap() + grow_after < Instant::now();
        if late && all_busy && open < args.max_connections {
            spawn(&mut tasks);
            most = most.max(open + 1);
        }
    }
    // Past the hard end: no more claims; a request in flight ends within the timeout.
    sh.stop.store(true, Ordering::Relaxed);
    let elapsed = t0.elapsed().as_secs_f64();
    let mut total = Tally::default();
    while let Some(r) = tasks.join_next().await {
        total.add(r.unwrap());
    }
    (total, elapsed, most)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len()) - 1;
    f64::from(sorted[i]) / 1000.0
}

fn report(args: &Args, mut t: Tally, elapsed: f64, most: usize) {
    use Outcome::{NoVerdict, NotValid, Read, Status, Timeout, Valid};
    t.latency_us.sort_unstable();
    t.late_us.sort_unstable();
    let ok = t.count(Valid) + t.count(NotValid);
    let completed = ok + t.count(NoVerdict) + t.count(Status);
    let rps = completed as f64 / elapsed.max(1e-9);
    let (sent, conns) = (t.sent, args.connections);
    let scheduled = args
        .rate
        .map_or(sent, |r| (r * args.duration).round() as u64);
    let ms = |v: &[u32], q| format!("{:.3}", percentile(v, q));
    let [p50, p90, p99, p999, max] = [50.0, 90.0, 99.0, 99.9, 100.0].map(|q| ms(&t.latency_us, q));
    let late = [ms(&t.late_us, 50.0), ms(&t.late_us, 99.0)];
    let (mode, from) = match args.rate {
        Some(_) => ("rate", "from the due time"),
        None => ("max", "from the send"),
    };
    println!(
        "{mode}: {sent} requests sent, {completed} completed in {elapsed:.2} s = {rps:.0} \
         requests/s (connections: {conns} at start, {most} at most)"
    );
    if let Some(r) = args.rate {
        println!(
            "  target {r:.0} requests/s: {scheduled} scheduled, {} not sent; generator lateness \
             (due time -> write) p50 {} / p99 {} ms",
            scheduled - sent,
            late[0],
            late[1]
        );
    }
    println!("  latency {from}: p50 {p50} / p90 {p90} / p99 {p99} / p99.9 {p999} / max {max} ms");
    println!(
        "  errors: connect {}, read {}, non-2xx {}, 200 without verdict {}, timeout {}; \
         verdicts: valid {}, not valid {}",
        t.count(Outcome::Connect),
        t.count(Read),
        t.count(Status),
        t.count(NoVerdict),
        t.count(Timeout),
        t.count(Valid),
        t.count(NotValid)
    );
    let target = format!("{:.0}", args.rate.unwrap_or(0.0));
    let mut line = format!(
        "LOAD mode={mode} target_rps={target} seconds={elapsed:.2} connections={conns} \
         connections_max={most} scheduled={scheduled} sent={sent} unsent={} \
         completed={completed} ok={ok} rps={rps:.0} p50_ms={p50} p90_ms={p90} p99_ms={p99} \
         p999_ms={p999} max_ms={max} late_p99_ms={}",
        scheduled - sent,
        late[1]
    );
    for (k, n) in KEYS.iter().zip(t.counts) {
        line.push_str(&format!(" {k}={n}"));
    }
    println!("{line}");
}

/// The request bytes for each token of `path`.
fn requests(path: &std::path::Path, host: &str) -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(path).unwrap();
    let reqs: Vec<Vec<u8>> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|token| {
            let body = serde_json::json!({ "input": token }).to_string();
            format!(
                "POST /api/v1/verify HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        })
        .collect();
    assert!(!reqs.is_empty(), "no tokens in {}", path.display());
    reqs
}

fn main() {
    let args = Args::parse();
    assert!(args.max || args.rate.is_some(), "give --max or --rate R");
    assert!(args.rate.is_none_or(|r| r > 0.0), "--rate must be positive");
    let host = args
        .url
        .strip_prefix("http://")
        .expect("an http:// URL")
        .trim_end_matches('/')
        .to_owned();
    let requests = requests(&args.tokens, &host);
    // One thread: the generator is pinned to one core (scripts/load.sh).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (tally, elapsed, most) = rt.block_on(run(&args, requests, host));
    report(&args, tally, elapsed, most);
}
