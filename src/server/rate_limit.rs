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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_burst_then_one_per_refill_and_others_are_unaffected() {
        let l = RateLimiter::default();
        let (a, b) = (IpAddr::from([10, 0, 0, 1]), IpAddr::from([10, 0, 0, 2]));
        let t0 = Instant::now();
        for _ in 0..QUERY_BURST {
            assert!(l.check(a, t0).is_ok());
        }
        let wait = l.check(a, t0).unwrap_err();
        assert!(wait > Duration::ZERO && wait <= QUERY_REFILL);
        assert!(l.check(b, t0).is_ok(), "another client has its own bucket");
        assert!(
            l.check(a, t0 + QUERY_REFILL).is_ok(),
            "one more after a refill"
        );
        assert!(l.check(a, t0 + QUERY_REFILL).is_err());
    }
}
