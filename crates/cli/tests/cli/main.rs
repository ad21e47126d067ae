//! The `skillcert` command line, run as a child process, in one test binary: core commands,
//! the forms, status lists and the hostile status/data-dir cases.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#![forbid(unsafe_code)]

/// The bytes of the file `path`; a failure names the path (a bare "No such file or directory"
/// does not say which fixture is missing).
#[track_caller]
pub fn read_file(path: impl AsRef<std::path::Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of the file `path`; a failure names the path.
#[track_caller]
pub fn read_text(path: impl AsRef<std::path::Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The entries of the folder `path`; a failure names the path.
#[track_caller]
pub fn read_dir(path: impl AsRef<std::path::Path>) -> std::fs::ReadDir {
    let path = path.as_ref();
    std::fs::read_dir(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

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
