//! Who the client is, for rate limits: the connection's peer address, or, when the peer is one
//! of the operator's trusted proxies (`serve --trusted-proxy CIDR`, e.g. HAProxy), the address
//! that proxy recorded in `X-Forwarded-For`: the rightmost entry that is not itself a trusted
//! proxy. A header from anyone else is ignored (a client cannot choose its own bucket), and a
//! header a trusted proxy garbled counts as the proxy itself (one bucket for all: the safe side).

use axum::http::HeaderMap;
use std::net::IpAddr;
use std::str::FromStr;

/// A network, `address/prefix` (or one address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

/// Why a `--trusted-proxy` value is not a network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CidrError {
    /// The part before `/` is not an IP address.
    #[error("{0:?}: not an IP address or network (10.0.0.0/8, ::1)")]
    NotAnAddress(String),
    /// The part after `/` is not a prefix length of the address's family.
    #[error("{given:?}: the prefix length must be 0-{max}")]
    BadPrefix {
        /// The value given.
        given: String,
        /// The longest prefix of the address's family (32 or 128).
        max: u8,
    },
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Cidr, CidrError> {
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr
            .trim()
            .parse()
            .map_err(|_| CidrError::NotAnAddress(s.to_owned()))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| CidrError::BadPrefix {
                    given: s.to_owned(),
                    max,
                })?,
        };
        Ok(Cidr { net, prefix })
    }
}

impl Cidr {
    /// Whether `ip` is in this network (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The operator's trusted proxies (none by default: the peer is the client).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Cidr>);

impl TrustedProxies {
    /// These networks.
    pub fn new(nets: Vec<Cidr>) -> Self {
        TrustedProxies(nets)
    }

    fn trusted(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client of a request that came from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusted(peer) {
            return peer;
        }
        let mut hops: Vec<&str> = Vec::new();
        for v in headers.get_all("x-forwarded-for") {
            let Ok(v) = v.to_str() else {
                return peer;
            };
            hops.extend(v.split(','));
        }
        let mut client = peer;
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                return peer;
            };
            client = ip;
            if !self.trusted(ip) {
                break;
            }
        }
        client
    }
}

/// The client of a request to a handler: its peer (when the server knows it), through
/// `proxies` (the state's trusted proxies).
pub(super) fn of(
    proxies: &TrustedProxies,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: &HeaderMap,
) -> Option<IpAddr> {
    peer.map(|axum::Extension(axum::extract::ConnectInfo(a))| proxies.client(a.ip(), headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn finding_6_only_a_trusted_proxy_names_the_client() {
        let proxies =
            TrustedProxies::new(vec!["10.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // Anyone else's header is ignored: rotating it does not rotate the bucket.
        let stranger = ip("203.0.113.7");
        assert_eq!(
            proxies.client(stranger, &headers(&["198.51.100.1"])),
            stranger
        );
        // Behind the proxy: the rightmost hop that is not a proxy.
        let proxy = ip("10.1.2.3");
        assert_eq!(
            proxies.client(proxy, &headers(&["1.2.3.4, 198.51.100.9, 10.9.9.9"])),
            ip("198.51.100.9")
        );
        assert_eq!(
            proxies.client(proxy, &headers(&["198.51.100.9", "10.9.9.9"])),
            ip("198.51.100.9")
        );
        // No header, or a garbled one: the proxy itself (one bucket).
        assert_eq!(proxies.client(proxy, &headers(&[])), proxy);
        assert_eq!(
            proxies.client(proxy, &headers(&["x, 1.2.3.4"])),
            ip("1.2.3.4")
        );
        assert_eq!(
            proxies.client(proxy, &headers(&["1.2.3.4, garbage"])),
            proxy
        );
        assert_eq!(
            proxies.client(ip("::1"), &headers(&["2001:db8::5"])),
            ip("2001:db8::5")
        );
        // No proxies configured: the header never counts.
        assert_eq!(
            TrustedProxies::default().client(proxy, &headers(&["1.2.3.4"])),
            proxy
        );
        for bad in ["10.0.0.0/33", "nonsense", "::/129"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        assert!("::ffff:10.0.0.0/104".parse::<Cidr>().is_ok());
    }
}
