//! The HTTP service, in one test binary: in process through the router, over sockets, the
//! `skillcert serve` binary end to end, and a browser. Helpers in `server_support` (shared
//! with `tests/hostile_images.rs`, which stays a binary of its own for its allocator).

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#![forbid(unsafe_code)]

mod server_admin;
mod server_api;
mod server_batch;
mod server_browser;
mod server_e2e;
mod server_holder_check;
mod server_messages;
mod server_openapi;
mod server_portal;
mod server_print_checks;
mod server_robustness;
mod server_support;
