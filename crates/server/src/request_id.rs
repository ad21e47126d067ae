//! The `x-request-id` the service gives a request that brings none: UUID-shaped (version 4
//! form), unique within the process, without a call for random bytes per request. The first
//! id is random; each next one differs from it in its last 48 bits (a counter), so ids of two
//! processes do not collide and ids within one never repeat (2^48 requests).

use axum::http::{HeaderValue, Request};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use tower_http::request_id::{MakeRequestId, RequestId};

/// Makes request ids (see the module's text); every copy draws from the same counter.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RequestIds;

/// The process's random base id.
fn base() -> u128 {
    static BASE: OnceLock<u128> = OnceLock::new();
    *BASE.get_or_init(|| uuid::Uuid::new_v4().as_u128())
}

/// The `n`th id of the process.
fn nth(n: u64) -> uuid::Uuid {
    uuid::Uuid::from_u128(base() ^ u128::from(n & 0xFFFF_FFFF_FFFF))
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let id = nth(NEXT.fetch_add(1, Ordering::Relaxed));
        let mut buf = uuid::Uuid::encode_buffer();
        HeaderValue::from_str(id.hyphenated().encode_lower(&mut buf))
            .ok()
            .map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_version_4_uuids() {
        let ids: std::collections::HashSet<String> =
            (0..1000).map(|n| nth(n).hyphenated().to_string()).collect();
        assert_eq!(ids.len(), 1000);
        for n in [0, 1, 0xFFFF_FFFF_FFFF] {
            let id = nth(n);
            assert_eq!(id.get_version_num(), 4, "{id}");
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122, "{id}");
        }
        let mut m = RequestIds;
        let req = Request::new(());
        let (a, b) = (
            m.make_request_id(&req).unwrap(),
            m.make_request_id(&req).unwrap(),
        );
        assert_ne!(a.header_value(), b.header_value());
    }
}
