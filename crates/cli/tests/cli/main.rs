//! The `skillcert` command line, run as a child process, in one test binary: core commands,
//! the forms, status lists and the hostile status/data-dir cases.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#![forbid(unsafe_code)]

#[path = "../support/files.rs"]
mod files;
pub use files::{read_dir, read_file, read_text};

mod accredit_possession;
mod batch_parallel;
mod cli_core;
mod cli_forms;
mod cli_printing;
mod cli_schemes;
mod hostile_status;
mod printing_edges;
mod readme;
mod report_lying_portal;
mod snapshots;
mod status_cli;
