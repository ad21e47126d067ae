//! The slow tests, in one test binary: a large roster through `issue-batch`, and
//! `issue-batch` killed with SIGKILL at random moments (each kills only its own children).

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#![forbid(unsafe_code)]

mod readme_scheme;
mod register_e2e;
mod status_batch;
mod status_crash;
