//! The slow tests, in one test binary: a large roster through `issue-batch`, and
//! `issue-batch` killed with SIGKILL at random moments (each kills only its own children).

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
#![forbid(unsafe_code)]

/// The `i`-th test holder's ID number: a valid GB 11643 number of region 330602, born on a
/// day from 1990-01-01 on, sequence `i % 1000`, with its check character.
pub fn test_id(i: usize) -> String {
    let day = chrono::NaiveDate::from_ymd_opt(1990, 1, 1).unwrap()
        + chrono::Duration::days(i64::try_from(i / 1000).unwrap());
    let first17 = format!("330602{}{:03}", day.format("%Y%m%d"), i % 1000);
    let check = skillcert::model::holder_id::gb11643_check_char(first17.as_bytes()).unwrap();
    format!("{first17}{}", char::from(check))
}

/// A new, empty database on the server of `url` (the tests' role may create them): each
/// PostgreSQL test gets its own, since a register refuses to open without the secret its
/// keyed hashes were made with.
pub fn fresh_database(url: &str) -> String {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (server, _) = url.rsplit_once('/').unwrap();
    format!("{server}/{name}")
}

#[path = "../support/files.rs"]
mod files;
pub use files::{read_dir, read_file, read_text};

mod issuer_cluster;
mod readme_scheme;
mod register_e2e;
mod status_batch;
mod status_crash;
