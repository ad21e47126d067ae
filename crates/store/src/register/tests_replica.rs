//! Which database each of the register's reads and writes goes to when it has a read replica,
//! and what happens when one of them is down, on the test PostgreSQL (`SKILLCERT_TEST_POSTGRES`,
//! started by `scripts/test.sh`). A second, unreplicated database stands in for the replica:
//! what it holds differs from the primary's, so every answer shows where it was read.

use super::tests::{fresh_database, suite};
use super::*;
use skillcert::keys::SecretKey;
use skillcert::signer::KeySigner;

const ANY: &dyn Fn(&str, &str) -> bool = &|_, _| true;

fn server() -> String {
    std::env::var("SKILLCERT_TEST_POSTGRES").expect(
        "SKILLCERT_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts \
         PostgreSQL (scripts/postgres.sh)",
    )
}

/// A URL on which nothing listens (a port just freed).
fn down() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("postgres://skillcert@127.0.0.1:{port}/skillcert?connect_timeout=2")
}

fn portal_key() -> SecretKey {
    SecretKey::from_seed(&[3; 32])
}

/// A bundle of one record `S{tag}` of holder 王晓明, from issuer `did:web:{tag}`.
fn one(tag: &str) -> VerifiedBundle {
    let id = format!("urn:uuid:{}", uuid::Uuid::new_v4());
    suite::bundle(
        &format!("did:web:{tag}"),
        vec![suite::record(&id, &format!("S{tag}"), "王晓明")],
        tag,
    )
}

fn ingest(reg: &Register, b: &VerifiedBundle) -> Result<serde_json::Value, IngestError> {
    let key = portal_key();
    let vm = skillcert::keys::did_key_vm(&key.public());
    reg.ingest(b, &KeySigner::new(&key, &vm), skillcert::model::now_secs())
}

fn found(reg: &Register, tag: &str) -> usize {
    reg.query(&format!("S{tag}"), "王晓明", None, ANY)
        .unwrap()
        .len()
}

fn tag() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[test]
#[ignore = "needs PostgreSQL (SKILLCERT_TEST_POSTGRES): scripts/test.sh installs it and runs the ignored tests"]
fn the_query_reads_the_replica_and_ingestion_the_primary() {
    let dir = tempfile::tempdir().unwrap();
    let (primary, replica) = (fresh_database(&server()), fresh_database(&server()));
    // The stand-in replica gets the schema (a real one gets it by replication).
    let on_replica = Register::open(dir.path(), Some(&replica)).unwrap();
    let reg = Register::open_with_replica(dir.path(), Some(&primary), Some(&replica)).unwrap();
    assert!(reg.has_replica());
    let (a, b) = (tag(), tag());
    let sent = one(&a);
    let receipt = ingest(&reg, &sent).unwrap();
    ingest(&on_replica, &one(&b)).unwrap();
    // Written to the primary only; the query and the ID check answer from the replica.
    assert_eq!(reg.count().unwrap(), 1, "counts read the primary");
    assert_eq!(on_replica.count().unwrap(), 1);
    assert_eq!(found(&reg, &a), 0, "not on the replica (yet)");
    assert_eq!(found(&reg, &b), 1, "on the replica");
    // The same bundle again gets the receipt the primary holds (the replica has none).
    assert_eq!(ingest(&reg, &sent).unwrap(), receipt);
    assert_eq!(reg.count().unwrap(), 1);
    // The export reads the primary: every item written through `reg`, none of the replica's.
    let mut issuers = Vec::new();
    reg.export(&mut |r| {
        issuers.push(r.issuer.clone());
        Ok(())
    })
    .unwrap();
    assert_eq!(issuers, vec![format!("did:web:{a}")]);
}

#[test]
#[ignore = "needs PostgreSQL (SKILLCERT_TEST_POSTGRES): scripts/test.sh installs it and runs the ignored tests"]
fn without_the_replica_the_reads_go_to_the_primary() {
    let dir = tempfile::tempdir().unwrap();
    let primary = fresh_database(&server());
    let reg = Register::open_with_replica(dir.path(), Some(&primary), Some(&down())).unwrap();
    let a = tag();
    ingest(&reg, &one(&a)).unwrap();
    assert_eq!(found(&reg, &a), 1, "read from the primary");
}

#[test]
#[ignore = "needs PostgreSQL (SKILLCERT_TEST_POSTGRES): scripts/test.sh installs it and runs the ignored tests"]
fn without_the_primary_the_query_answers_and_ingestion_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let replica = fresh_database(&server());
    let on_replica = Register::open(dir.path(), Some(&replica)).unwrap();
    let a = tag();
    ingest(&on_replica, &one(&a)).unwrap();
    let reg = Register::open_with_replica(dir.path(), Some(&down()), Some(&replica)).unwrap();
    assert_eq!(found(&reg, &a), 1, "the replica answers");
    let err = ingest(&reg, &one(&tag())).unwrap_err();
    assert!(
        matches!(err, IngestError::Db(DbError::Unavailable(_))),
        "{err}"
    );
    assert_eq!(on_replica.count().unwrap(), 1, "nothing stored");
    assert!(matches!(reg.count(), Err(DbError::Unavailable(_))));
    // Without the secret file, the primary must say whether keyed hashes are held: not
    // knowing is no reason to make a new secret.
    let empty = tempfile::tempdir().unwrap();
    let err = Register::open_with_replica(empty.path(), Some(&down()), Some(&replica)).unwrap_err();
    assert!(matches!(err, DbError::Unavailable(_)), "{err}");
    assert!(!empty.path().join(REGISTER_ID_KEY_FILE).exists());
    // Both down: no register at all.
    let err = Register::open_with_replica(dir.path(), Some(&down()), Some(&down())).unwrap_err();
    assert!(matches!(err, DbError::Unavailable(_)), "{err}");
}

#[test]
#[ignore = "needs PostgreSQL (SKILLCERT_TEST_POSTGRES): scripts/test.sh installs it and runs the ignored tests"]
fn connections_the_server_dropped_are_made_again() {
    let dir = tempfile::tempdir().unwrap();
    let (primary, replica) = (fresh_database(&server()), fresh_database(&server()));
    drop(Register::open(dir.path(), Some(&replica)).unwrap());
    let reg = Register::open_with_replica(dir.path(), Some(&primary), Some(&replica)).unwrap();
    ingest(&reg, &one(&tag())).unwrap();
    assert_eq!(found(&reg, &tag()), 0);
    // What a restart of the servers does to the connections the register keeps.
    let mut admin = postgres::Client::connect(&server(), postgres::NoTls).unwrap();
    let killed: i64 = admin
        .query_one(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = ANY($1) AND pid <> pg_backend_pid()",
            &[&vec![db_name(&primary), db_name(&replica)]],
        )
        .unwrap()
        .get(0);
    assert!(killed >= 2, "{killed}");
    let a = tag();
    ingest(&reg, &one(&a)).expect("ingestion on a new connection");
    assert_eq!(reg.count().unwrap(), 2);
    assert_eq!(found(&reg, &a), 0, "the query still reads the replica");
}

/// The database name of a URL.
fn db_name(url: &str) -> String {
    url.rsplit('/').next().unwrap_or_default().to_owned()
}
