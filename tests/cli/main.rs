//! The `skillcert` command line, run as a child process, in one test binary: core commands,
//! the forms, status lists and the hostile status/data-dir cases.

#![forbid(unsafe_code)]

mod cli_core;
mod cli_forms;
mod hostile_status;
mod status_cli;
