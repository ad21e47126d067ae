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

/// Token buckets by key: `burst` at once, one more every `refill`.
#[derive(Debug)]
pub struct Buckets<K> {
    burst: u32,
    refill: Duration,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: std::hash::Hash + Eq> Buckets<K> {
    /// Empty buckets.
    pub fn new(burst: u32, refill: Duration) -> Self {
        Buckets {
            burst,
            refill,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token from `key`'s bucket, or says how long to wait for one.
    pub fn take(&self, key: K, now: Instant) -> Result<(), Duration> {
        let mut m = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if m.len() > 100_000 {
            let full = self.refill * self.burst;
            m.retain(|_, (_, t)| now.duration_since(*t) < full);
        }
        let burst = f64::from(self.burst);
        let (tokens, last) = m.entry(key).or_insert((burst, now));
        let refill = now.duration_since(*last).as_secs_f64() / self.refill.as_secs_f64();
        *tokens = (*tokens + refill).min(burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(self.refill.mul_f64(1.0 - *tokens))
        }
    }
}

/// The key a client is counted by: its IPv4 address, or its IPv6 /64 (one subscriber's
/// network: an attacker has 2^64 addresses in it).
pub fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(std::net::Ipv6Addr::from(
                u128::from(v6) & !((1u128 << 64) - 1),
            )),
        },
    }
}

/// Per-client token buckets of the register query (clients by [`client_key`]).
#[derive(Debug)]
pub struct RateLimiter {
    buckets: Buckets<IpAddr>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            buckets: Buckets::new(QUERY_BURST, QUERY_REFILL),
        }
    }
}

impl RateLimiter {
    /// `Ok` when `client` may query now, else how long to wait.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        self.buckets.take(client_key(client), now)
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
