//! # skillcert-online
//!
//! What a verifier fetches over HTTP(S), on top of the core's status lists and trust lists:
//!
//! - [`http::HttpStatusSource`]: status list credentials fetched from the origins the trust list
//!   allows, with an HTTP cache ([`http_cache`]) in memory and on disk;
//! - [`trust_feed::TrustFeed`]: a trust list read from a file or a URL and kept current for a
//!   long-running verifier, never rolled back ([`trust_feed`]'s floor).
#![forbid(unsafe_code)]

pub mod http;
pub mod http_cache;
pub mod trust_feed;

pub use http::{HttpStatusSource, FETCH_TIMEOUT};
pub use trust_feed::TrustFeed;
