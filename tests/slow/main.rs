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

mod readme_scheme;
mod register_e2e;
mod status_batch;
mod status_crash;
