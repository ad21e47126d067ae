//! Per-client token buckets (the register query: [`QUERY_BURST`] queries at once, one more
//! every [`QUERY_REFILL`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Queries a client may make at once.
pub const QUERY_BURST: u32 = 20;
/// One more query per this interval.
pub const QUERY_REFILL: Duration = Duration::from_secs(3);

/// Per-client token buckets.
#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// `Ok` when `client` may query now, else how long to wait.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut m = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() > 100_000 {
            m.retain(|_, (_, t)| now.duration_since(*t) < QUERY_REFILL * QUERY_BURST);
        }
        let (tokens, last) = m.entry(client).or_insert((f64::from(QUERY_BURST), now));
        let refill = now.duration_since(*last).as_secs_f64() / QUERY_REFILL.as_secs_f64();
        *tokens = (*tokens + refill).min(f64::from(QUERY_BURST));
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(QUERY_REFILL.mul_f64(1.0 - *tokens))
        }
    }
}
