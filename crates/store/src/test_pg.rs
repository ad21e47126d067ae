//! PostgreSQL for the store's tests: `SKILLCERT_TEST_POSTGRES` names the server
//! `scripts/test.sh` starts (`scripts/postgres.sh`). Tests that need it are ignored in a plain
//! `cargo test` and fail (never skip) without it.

/// The test server's URL; panics with what to do when it is not set.
pub(crate) fn server_url() -> String {
    std::env::var("SKILLCERT_TEST_POSTGRES").expect(
        "SKILLCERT_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts \
         PostgreSQL (scripts/postgres.sh)",
    )
}

/// A new, empty database on the test server (the tests' role may create them); its URL.
pub(crate) fn fresh_database() -> String {
    fresh_database_on(&server_url())
}

/// A new, empty database on the server of `url`; its URL.
pub(crate) fn fresh_database_on(url: &str) -> String {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let name = format!("t_{}", uuid::Uuid::new_v4().simple());
    c.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (server, _) = url.rsplit_once('/').unwrap();
    format!("{server}/{name}")
}
