//! The register's suite, run on SQLite here and on PostgreSQL by `tests/library/register_pg.rs`
//! (the same [`suite`]).

use super::*;

/// Every issuer owns every number (the register alone, without trust lists).
const ANY: &dyn Fn(&str, &str) -> bool = &|_, _| true;

#[test]
fn the_suite_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Register::open(dir.path(), None).unwrap();
    suite::run(&reg);
}

#[test]
fn a_lost_register_secret_is_refused_once_keyed_hashes_are_held() {
    use skillcert::keys::SecretKey;
    use skillcert::signer::KeySigner;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join(REGISTER_ID_KEY_FILE);
    // An empty register may make its secret again (nothing depends on it yet).
    drop(Register::open(dir.path(), None).unwrap());
    std::fs::remove_file(&secret).unwrap();
    let reg = Register::open(dir.path(), None).unwrap();
    let key = SecretKey::from_seed(&[3; 32]);
    let vm = skillcert::keys::did_key_vm(&key.public());
    let portal = KeySigner::new(&key, &vm);
    let id = format!("urn:uuid:{}", uuid::Uuid::new_v4());
    let mut item = suite::record(&id, "S1", "王晓明");
    if let Item::Certificate(r) = &mut item {
        r.holder_id = Some("330602199001011231".into());
        r.holder_id_nonce = Some("ab".repeat(16));
    }
    reg.ingest(
        &suite::bundle("did:web:a", vec![item], "1"),
        &portal,
        skillcert::model::now_secs(),
    )
    .unwrap();
    assert_eq!(
        reg.query("S1", "王晓明", Some("330602199001011231"), ANY)
            .unwrap()
            .len(),
        1
    );
    drop(reg);
    let kept = std::fs::read(&secret).unwrap_or_else(|e| panic!("{}: {e}", secret.display()));
    std::fs::remove_file(&secret).unwrap();
    let err = Register::open(dir.path(), None).unwrap_err().to_string();
    assert!(err.contains("register-id.secret is missing"), "{err}");
    assert!(!secret.exists(), "no new secret was made");
    std::fs::write(&secret, kept).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let reg = Register::open(dir.path(), None).unwrap();
    assert_eq!(
        reg.query("S1", "王晓明", Some("330602199001011231"), ANY)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn finding_1_a_number_is_one_certificate_per_issuer_and_only_its_owner_is_shown() {
    use skillcert::keys::SecretKey;
    use skillcert::signer::KeySigner;
    let dir = tempfile::tempdir().unwrap();
    let reg = Register::open(dir.path(), None).unwrap();
    let key = SecretKey::from_seed(&[3; 32]);
    let vm = skillcert::keys::did_key_vm(&key.public());
    let portal = KeySigner::new(&key, &vm);
    let now = skillcert::model::now_secs();
    let number = "S000133060200263000002";
    let uuid = |n: u128| format!("urn:uuid:{}", uuid::Uuid::from_u128(n));
    // The welding institute squats: 100 records under the CNC centre's next number.
    let squat: Vec<Item> = (0..100)
        .map(|i| suite::record(&uuid(1000 + i), number, "王晓明"))
        .collect();
    let err = reg
        .ingest(&suite::bundle("did:web:weld", squat, "1"), &portal, now)
        .unwrap_err();
    assert!(
        matches!(err, IngestError::NumberTaken { index: 1, .. }),
        "{err}"
    );
    assert_eq!(reg.count().unwrap(), 0, "nothing of the bundle stored");
    // One squat record alone is stored (the register has no trust lists) ...
    let mut squat = suite::record(&uuid(2000), number, "王晓明");
    if let Item::Certificate(r) = &mut squat {
        r.holder_id = Some("330602199001011231".into());
        r.holder_id_nonce = Some("ab".repeat(16));
    }
    let one = vec![squat];
    reg.ingest(&suite::bundle("did:web:weld", one, "2"), &portal, now)
        .unwrap();
    let again = vec![suite::record(&uuid(2001), number, "王晓明")];
    assert!(reg
        .ingest(&suite::bundle("did:web:weld", again, "3"), &portal, now)
        .is_err());
    // ... the genuine certificate is reported, and the query shows it, not the squat, when
    // the trust lists give the number to the CNC centre.
    let genuine = vec![suite::record(&uuid(1), number, "王晓明")];
    reg.ingest(&suite::bundle("did:web:cnc", genuine, "4"), &portal, now)
        .unwrap();
    let cnc_owns = |issuer: &str, _: &str| issuer == "did:web:cnc";
    let found = reg.query(number, "王晓明", None, &cnc_owns).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].issuer, "did:web:cnc");
    assert_eq!(found[0].record.credential_id, uuid(1));
    assert_eq!(reg.query(number, "王晓明", None, ANY).unwrap().len(), 2);
    // The online ID check answers from the owner's records only: the squatter's ID does not
    // match the number.
    assert!(!reg
        .holder_check(number, "330602199001011231", &cnc_owns)
        .unwrap());
    assert!(reg.holder_check(number, "330602199001011231", ANY).unwrap());
}

/// The suite, public to the crate's tests so that it runs on every backend.
pub(in crate::register) mod suite {
    use super::*;
    use skillcert::keys::SecretKey;
    use skillcert::reporting::verify_receipt;
    use skillcert::signer::KeySigner;

    pub(in crate::register) fn record(id: &str, number: &str, name: &str) -> Item {
        Item::Certificate(Box::new(skillcert::reporting::sample_record(
            id, number, name,
        )))
    }

    pub(in crate::register) fn bundle(issuer: &str, items: Vec<Item>, tag: &str) -> VerifiedBundle {
        VerifiedBundle {
            issuer: issuer.into(),
            key_id: format!("{issuer}#key-1"),
            created: skillcert::model::now_secs(),
            items,
            digest: format!("{tag:0>64}"),
        }
    }

    /// Every behaviour the register promises, on `reg` (empty).
    pub(in crate::register) fn run(reg: &Register) {
        let key = SecretKey::from_seed(&[3; 32]);
        let vm = skillcert::keys::did_key_vm(&key.public());
        let portal = KeySigner::new(&key, &vm);
        let now = skillcert::model::now_secs();
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let id = |n: u32| format!("urn:uuid:{unique}-{n}");
        let num = |n: u32| format!("S{unique}{n}");
        let a = format!("did:web:a-{unique}");
        let b1 = bundle(
            &a,
            vec![
                record(&id(1), &num(1), "王晓明"),
                record(&id(2), &num(2), "李娜"),
            ],
            &format!("1{unique}"),
        );
        let r1 = reg.ingest(&b1, &portal, now).unwrap();
        let receipt = verify_receipt(&r1, None).unwrap();
        assert_eq!(receipt.items.len(), 2);
        let before = reg.count().unwrap();
        // The same bundle again: the same receipt, nothing stored twice.
        assert_eq!(reg.ingest(&b1, &portal, now).unwrap(), r1);
        assert_eq!(reg.count().unwrap(), before);
        // A new bundle resending one item and adding a revocation: one new row.
        let revoke = Item::Status(ReportedStatusChange {
            credential_id: id(1),
            change: "revoke".into(),
            at: now,
            seq: 9,
        });
        let b2 = bundle(
            &a,
            vec![record(&id(1), &num(1), "王晓明"), revoke],
            &format!("2{unique}"),
        );
        reg.ingest(&b2, &portal, now).unwrap();
        assert_eq!(reg.count().unwrap(), before + 1);
        // A status change of an unknown certificate: refused, nothing stored.
        let orphan = Item::Status(ReportedStatusChange {
            credential_id: id(99),
            change: "suspend".into(),
            at: now,
            seq: 10,
        });
        let b3 = bundle(
            &a,
            vec![record(&id(3), &num(3), "赵强"), orphan],
            &format!("3{unique}"),
        );
        let err = reg.ingest(&b3, &portal, now).unwrap_err();
        assert!(err.to_string().contains("items[1]"), "{err}");
        assert_eq!(reg.count().unwrap(), before + 1);
        assert!(reg.query(&num(3), "赵强", None, ANY).unwrap().is_empty());
        // The query: number and name, both; the same (empty) answer for every mismatch.
        let found = reg.query(&num(1), " 王晓明 ", None, ANY).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].changes.len(), 1);
        assert_eq!(found[0].changes[0].change, "revoke");
        assert!(reg.query(&num(1), "王小明", None, ANY).unwrap().is_empty());
        assert!(reg.query("S-none", "王晓明", None, ANY).unwrap().is_empty());
        assert!(reg.query(&num(1), "", None, ANY).unwrap().is_empty());
        assert!(
            reg.query(&num(1), "王晓明", Some("330602199001011231"), ANY)
                .unwrap()
                .is_empty(),
            "no ID hash held: an ID never matches"
        );
        // A correction (same key, new digest) is a new item; the query shows the latest.
        let mut fixed = record(&id(2), &num(2), "李娜");
        if let Item::Certificate(r) = &mut fixed {
            r.program = "数控铣工".into();
        }
        reg.ingest(
            &bundle(&a, vec![fixed], &format!("4{unique}")),
            &portal,
            now,
        )
        .unwrap();
        let found = reg.query(&num(2), "李娜", None, ANY).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].record.program, "数控铣工");
        // Export: every row, in order of arrival.
        let mut mine = Vec::new();
        reg.export(&mut |r| {
            if r.issuer == a {
                mine.push(r.item.clone());
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(mine.len(), 4, "{mine:?}");
        assert_eq!(mine[2], "status:9");
    }
}

/// Each PostgreSQL test gets a database of its own, since a register refuses to open without
/// the secret its keyed hashes were made with.
#[cfg(feature = "postgres")]
pub(super) use crate::test_pg::fresh_database_on as fresh_database;

/// The same suite on PostgreSQL: `SKILLCERT_TEST_POSTGRES` names the server `scripts/test.sh`
/// starts (`scripts/postgres.sh`). Without it the test fails: it never skips.
#[cfg(feature = "postgres")]
#[test]
#[ignore = "needs PostgreSQL (SKILLCERT_TEST_POSTGRES): scripts/test.sh installs it and runs the ignored tests"]
fn the_suite_on_postgres() {
    let url = std::env::var("SKILLCERT_TEST_POSTGRES").expect(
        "SKILLCERT_TEST_POSTGRES is not set: run the tests with scripts/test.sh, which starts \
         PostgreSQL (scripts/postgres.sh)",
    );
    let dir = tempfile::tempdir().unwrap();
    let reg = Register::open(dir.path(), Some(&fresh_database(&url))).unwrap();
    assert_eq!(reg.backend(), "postgres");
    suite::run(&reg);
}
