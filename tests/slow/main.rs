//! The slow tests, in one test binary: a large roster through `issue-batch`, and
//! `issue-batch` killed with SIGKILL at random moments (each kills only its own children).

#![forbid(unsafe_code)]

mod status_batch;
mod status_crash;
