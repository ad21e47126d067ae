//! Token buckets ([`Buckets`]): per client ([`client_key`]) for the register query
//! ([`QUERY_BURST`] queries at once, one more every [`QUERY_REFILL`]), and per client and per
//! certificate for the online ID check ([`HolderCheckLimits`]).

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

/// The online ID check's limits ([`super::holder_check`]).
/// Checks of one certificate: (burst, one more per interval): 5 at once, 5 an hour.
pub const PER_CERTIFICATE: (u32, Duration) = (5, Duration::from_secs(12 * 60));
/// Checks by one client (IPv4 address or IPv6 /64): 20 at once, one more every 3 minutes.
pub const PER_CLIENT: (u32, Duration) = (20, Duration::from_secs(3 * 60));
/// The rate limits of the ID check.
#[derive(Debug)]
pub struct HolderCheckLimits {
    clients: Buckets<IpAddr>,
    certificates: Buckets<String>,
}

impl Default for HolderCheckLimits {
    fn default() -> Self {
        HolderCheckLimits {
            clients: Buckets::new(PER_CLIENT.0, PER_CLIENT.1),
            certificates: Buckets::new(PER_CERTIFICATE.0, PER_CERTIFICATE.1),
        }
    }
}

impl HolderCheckLimits {
    /// `Ok` when `client` may check `certificate` now (and counts it), else the wait.
    pub fn admit(&self, client: IpAddr, certificate: &str, now: Instant) -> Result<(), Duration> {
        self.clients.take(client_key(client), now)?;
        self.certificates.take(certificate_key(certificate), now)
    }
}

/// One bucket per certificate however it is written (`urn:uuid:`, bare UUID, any case).
fn certificate_key(s: &str) -> String {
    let t = s.trim();
    match skillcert_store::issuer_db::parse_id(t) {
        Some(u) => u.to_string(),
        None => t.to_ascii_uppercase(),
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

    #[test]
    fn limits_count_per_certificate_and_per_client() {
        let l = HolderCheckLimits::default();
        let t = Instant::now();
        let c = |i: u8| IpAddr::from([10, 0, 0, i]);
        for i in 0..PER_CERTIFICATE.0 {
            assert!(l.admit(c(i as u8), "S0001", t).is_ok());
        }
        // Another client, the same certificate (written another way): refused.
        assert!(l.admit(c(99), " s0001 ", t).is_err());
        assert!(l.admit(c(99), "S0002", t).is_ok());
        let uuid = "urn:uuid:7c9e6679-7425-40de-944b-e07fc1f90ae7";
        for _ in 0..PER_CERTIFICATE.0 {
            assert!(l.admit(c(50), uuid, t).is_ok());
        }
        assert!(l
            .admit(c(51), "7C9E6679-7425-40DE-944B-E07FC1F90AE7", t)
            .is_err());
    }

    #[test]
    fn an_ipv6_client_counts_by_its_64() {
        let l = HolderCheckLimits::default();
        let t = Instant::now();
        for i in 0..PER_CLIENT.0 {
            let addr: IpAddr = format!("2001:db8:1:2::{:x}", i + 1).parse().unwrap();
            assert!(l.admit(addr, &format!("S{i}"), t).is_ok());
        }
        let same64: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        assert!(l.admit(same64, "S-other", t).is_err());
        let other64: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(l.admit(other64, "S-other", t).is_ok());
    }
}
