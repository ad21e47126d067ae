//! # skillcert-online
//!
//! What a verifier fetches over HTTP(S), on top of the core's status lists and trust lists:
//!
//! - [`http::HttpStatusSource`]: status list credentials fetched from the origins the trust list
//!   allows, with an HTTP cache ([`http_cache`]) in memory and on disk;
//! - [`trust_feed::TrustFeed`]: a trust list read from a file or a URL and kept current for a
//!   long-running verifier, never rolled back ([`trust_feed`]'s floor).
//!
//! ## Example
//!
//! A scheme authority publishes its signed trust list to a file; a portal's [`TrustFeed`] of
//! that file, checked against the authority's anchor, takes it and then trusts the issuer the
//! list names (a feed reads an `https://` URL the same way):
//!
//! ```
//! use skillcert::authority::{Authority, Grant};
//! use skillcert::issuer::Issuer;
//! use skillcert_online::trust_feed::{Refreshed, TrustFeed};
//!
//! let (authority_dir, issuer_dir) = (tempfile::tempdir()?, tempfile::tempdir()?);
//! let mut authority = Authority::init(authority_dir.path(), "Skills Authority", None, "admin")?;
//! let issuer = Issuer::init(issuer_dir.path(), "CNC Training", Some("https://cnc.example.cn"))?;
//! authority.accredit(&issuer.trust_list(), &Grant::default(), "admin")?;
//! let now = skillcert::model::now_secs();
//! let file = authority_dir.path().join("scheme.json");
//! std::fs::write(&file, serde_json::to_vec(&authority.publish(now, 7, "admin")?)?)?;
//!
//! let feed = TrustFeed::new(file.to_str().unwrap(), Some(authority.anchor()));
//! assert_eq!(feed.refresh(now)?, Refreshed::Replaced);
//! let list = feed.current().expect("a list is in force");
//! assert!(list.list().issuer(issuer.id()).is_some());
//! // The same bytes again: nothing to replace.
//! assert_eq!(feed.refresh(now)?, Refreshed::Unchanged);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod http;
pub mod http_cache;
pub mod trust_feed;

pub use http::{HttpStatusSource, FETCH_TIMEOUT};
pub use trust_feed::TrustFeed;
