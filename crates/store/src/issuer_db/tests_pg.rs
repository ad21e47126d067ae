//! The issuer's database on PostgreSQL: the same behaviour as on SQLite, and what only a
//! shared database must do (several processes allocating at once, one change stamp, one list
//! credential). Each test gets its own database on the server `scripts/test.sh` starts.

use super::idempotency::KeyState;
use super::tests::req;
use super::*;
use crate::test_pg::fresh_database;
use std::collections::HashSet;
use std::sync::Arc;

/// An issuer in a temporary data dir and its database on a fresh PostgreSQL database.
fn setup() -> (tempfile::TempDir, Issuer, String, IssuerDb) {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::init(dir.path(), "Test Centre", Some("https://v.example.cn")).unwrap();
    let url = fresh_database();
    let db = IssuerDb::open_postgres(dir.path(), &url).unwrap();
    (dir, issuer, url, db)
}

#[test]
#[ignore = "needs PostgreSQL (SKILLCERT_TEST_POSTGRES): scripts/test.sh installs it and runs the ignored tests"]
fn a_certificate_lives_its_life_on_postgres() {
    let (dir, issuer, url, db) = setup();
    assert_eq!(db.backend(), "postgres");
    let issued = db.issue(&issuer, &req("王晓明")).unwrap();
    let id = issued.claims.id_urn();
    let rec = db.get(&id).unwrap();
    assert_eq!(
        (rec.state, rec.status),
        (RecordState::Issued, CertStatus::Active)
    );
    assert_eq!(rec.holder_name, "王晓明");
    assert_eq!(
        db.resolve(issued.claims.number.as_deref().unwrap())
            .unwrap(),
        id
    );
    assert_eq!(
        db.recorded_claims(&id).unwrap().as_ref(),
        Some(&issued.claims)
    );
    assert_eq!(db.ids().unwrap(), vec![id.clone()]);
    assert!(db.pending().unwrap().is_empty());

    let before = db.change_stamp().unwrap();
    db.suspend(&id, Some("under review"), "cli:test").unwrap();
    assert_ne!(
        db.change_stamp().unwrap(),
        before,
        "a write moves the stamp"
    );
    assert!(matches!(
        db.suspend(&id, None, "cli:test"),
        Err(IssuerDbError::AlreadySuspended(_))
    ));
    db.reinstate(&id, None, "cli:test").unwrap();
    let rec = db
        .change_status(
            &id,
            StatusAction::Revoke,
            Some("fraud"),
            Some("withdrawn"),
            "cli:t",
        )
        .unwrap();
    assert_eq!(rec.status, CertStatus::Revoked);
    let (list, idx) = rec.revocation;
    let (purpose, bits) = db.list_status_bits(list).unwrap();
    assert_eq!(purpose, skillcert::model::StatusPurpose::Revocation);
    assert_eq!(bits.get(idx as usize), Some(true));
    let (_, reason) = db.last_change(list, idx).unwrap().unwrap();
    assert_eq!(reason.as_deref(), Some("withdrawn"));
    let actions: Vec<String> = db
        .history(&id)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["issue", "sign", "suspend", "reinstate", "revoke"]);

    // Events are append-only here too.
    let mut handle = db.lock().unwrap();
    assert!(handle.execute("DELETE FROM events", &[]).is_err());
    drop(handle);
    assert!(db.check_consistency().unwrap().is_empty());

    // Idempotency keys, and the readiness probe.
    assert_eq!(
        db.idempotency_reserve("k1", "h1").unwrap(),
        KeyState::Reserved
    );
    assert_eq!(
        db.idempotency_reserve("k1", "h2").unwrap(),
        KeyState::Mismatch
    );
    db.idempotency_answer("k1", 201, "{}").unwrap();
    assert!(db.idempotency_answer("k1", 201, "{}").is_err());
    db.write_probe(std::time::Duration::from_secs(2)).unwrap();

    // Reopening (a second process, a restart) migrates nothing and sees everything.
    drop(db);
    let again = IssuerDb::open_postgres(dir.path(), &url).unwrap();
    assert_eq!(again.get(&id).unwrap().status, CertStatus::Revoked);
    assert_eq!(
        again.idempotency_lookup("k1", "h1").unwrap(),
        Some(KeyState::Answered {
            status: 201,
            body: "{}".into()
        })
    );
}

#[test]
#[ignore = "needs PostgreSQL (SKILLCERT_TEST_POSTGRES): scripts/test.sh installs it and runs the ignored tests"]
fn processes_sharing_one_database_never_collide() {
    let (dir, issuer, url, first) = setup();
    let second = IssuerDb::open_postgres(dir.path(), &url).unwrap();
    let issuer = Arc::new(issuer);
    let dbs = [Arc::new(first), Arc::new(second)];
    const PER_THREAD: usize = 40;
    let threads: Vec<_> = (0..6)
        .map(|t| {
            let db = dbs[t % 2].clone();
            let issuer = issuer.clone();
            std::thread::spawn(move || {
                (0..PER_THREAD)
                    .map(|i| {
                        db.issue(&issuer, &req(&format!("工人{t}-{i}")))
                            .unwrap()
                            .claims
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let all: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    assert_eq!(all.len(), 6 * PER_THREAD);
    let numbers: HashSet<_> = all.iter().map(|c| c.number.clone().unwrap()).collect();
    assert_eq!(numbers.len(), all.len(), "every number used once");
    let entries: HashSet<_> = all
        .iter()
        .flat_map(|c| c.status.iter().map(|s| (s.list_url.clone(), s.index)))
        .collect();
    assert_eq!(entries.len(), 2 * all.len(), "every status index used once");
    let n = all.len() as u64;
    assert_eq!(dbs[1].usage().unwrap(), (n, n, n));
    assert!(dbs[0].check_consistency().unwrap().is_empty());

    // One list credential for everyone: whichever process signs it first, the others serve
    // those bytes.
    let list = dbs[0].lists().unwrap()[0].number;
    let a = dbs[0].status_list_credential(&issuer, list).unwrap();
    let b = dbs[1].status_list_credential(&issuer, list).unwrap();
    assert_eq!(a, b);
    // A change through one is seen through the other: the stamp moves, the bits follow.
    let stamp = dbs[1].change_stamp().unwrap();
    let victim = all[7].id_urn();
    let rec = dbs[0]
        .revoke(&victim, "issued in error", "cli:test")
        .unwrap();
    assert_ne!(dbs[1].change_stamp().unwrap(), stamp);
    let (rl, ri) = rec.revocation;
    assert_eq!(
        dbs[1].list_status_bits(rl).unwrap().1.get(ri as usize),
        Some(true)
    );
    let after = dbs[1].status_list_credential(&issuer, rl).unwrap();
    assert_eq!(after, dbs[0].status_list_credential(&issuer, rl).unwrap());
}

#[test]
#[ignore = "needs PostgreSQL (SKILLCERT_TEST_POSTGRES): scripts/test.sh installs it and runs the ignored tests"]
fn a_group_is_recorded_whole_and_resumes_after_a_crash() {
    let (_dir, issuer, _url, db) = setup();
    let items: Vec<NewCertificate> = (0..20)
        .map(|i| NewCertificate {
            claims: issuer
                .claims_for(&req(&format!("学员{i}")), skillcert::issuer::now_secs())
                .unwrap(),
            batch_key: Some(format!("row-{i}")),
            print: None,
            holder_id: None,
        })
        .collect();
    let to_sign = db.record_group(&issuer, items, "cli:test").unwrap();
    assert_eq!(
        db.pending().unwrap().len(),
        20,
        "recorded before anything is signed"
    );
    // The same roster row twice is refused, and nothing of that group is kept.
    let dup = vec![NewCertificate {
        claims: issuer
            .claims_for(&req("重复"), skillcert::issuer::now_secs())
            .unwrap(),
        batch_key: Some("row-3".into()),
        print: None,
        holder_id: None,
    }];
    assert!(matches!(
        db.record_group(&issuer, dup, "cli:test"),
        Err(IssuerDbError::Invalid(_))
    ));
    assert_eq!(db.ids().unwrap().len(), 20);
    // "Crash": sign half now, the rest from the database afterwards.
    let docs: Vec<_> = to_sign[..10]
        .iter()
        .map(|t| issuer.sign_all_for(t.claims.clone(), None, t.at).unwrap())
        .collect();
    let ids: Vec<String> = docs.iter().map(|d| d.claims.id_urn()).collect();
    let signed: Vec<Signed<'_>> = docs
        .iter()
        .zip(&ids)
        .map(|(d, id)| Signed {
            id,
            document: &d.document,
            note: None,
        })
        .collect();
    db.mark_signed_group(&issuer, &signed).unwrap();
    let left = db.pending().unwrap();
    assert_eq!(left.len(), 10);
    for id in &left {
        db.complete(&issuer, id).unwrap();
    }
    assert!(db.pending().unwrap().is_empty());
    assert_eq!(
        db.find_batch_key("row-15").unwrap().unwrap().state,
        RecordState::Issued
    );
    assert!(db.check_consistency().unwrap().is_empty());
}
