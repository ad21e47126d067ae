use super::*;
use skillcert::model::number::NumberingScheme;
use skillcert::model::StatusPurpose;
use skillcert::request::IssuanceRequest;

fn setup() -> (tempfile::TempDir, Issuer, IssuerDb) {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::init(dir.path(), "Test Centre", Some("https://v.example.cn")).unwrap();
    let reg = IssuerDb::open(dir.path()).unwrap();
    (dir, issuer, reg)
}

pub(super) fn req(name: &str) -> CheckedRequest {
    let (_, r) = IssuanceRequest::parse(
        format!(
            r#"{{"holder": {{"name": "{name}"}}, "program": {{"name": "Welder", "code": "W-1"}},
                "level": {{"framework": "cn-nvq", "value": "3"}}}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    r
}

#[test]
fn issue_records_entries_and_hash() {
    let (_d, issuer, reg) = setup();
    let issued = reg.issue(&issuer, &req("王晓明")).unwrap();
    assert_eq!(issued.claims.status.len(), 2);
    let id = issued.claims.id_urn();
    let rec = reg.get(&id).unwrap();
    assert_eq!(rec.state, RecordState::Issued);
    assert_eq!(rec.status, CertStatus::Active);
    assert_eq!(rec.holder_name, "王晓明");
    let r = &issued.claims.status[0];
    assert_eq!(r.purpose, StatusPurpose::Revocation);
    assert_eq!(
        r.list_url,
        format!("https://v.example.cn/status/{}", rec.revocation.0)
    );
    assert_eq!(r.index, rec.revocation.1);
    let hash = skillcert::proof::jcs_hash(&issued.document).unwrap();
    assert_eq!(rec.document_sha256, Some(hex::encode(hash)));
    // The bare UUID finds it too.
    assert_eq!(reg.get(&issued.claims.id.to_string()).unwrap().id, id);
    // Re-signing with the same key gives the same document.
    let again = reg.complete(&issuer, &id).unwrap();
    assert_eq!(again.document, issued.document);
    assert!(reg.check_consistency().unwrap().is_empty());
}

#[test]
fn status_changes_and_history() {
    let (_d, issuer, reg) = setup();
    let id = reg.issue(&issuer, &req("A")).unwrap().claims.id_urn();
    assert!(matches!(
        reg.reinstate(&id, None, "t"),
        Err(IssuerDbError::NotSuspended(_))
    ));
    assert_eq!(
        reg.suspend(&id, Some("audit"), "cli:t").unwrap().status,
        CertStatus::Suspended
    );
    assert!(matches!(
        reg.suspend(&id, None, "t"),
        Err(IssuerDbError::AlreadySuspended(_))
    ));
    assert_eq!(
        reg.reinstate(&id, None, "cli:t").unwrap().status,
        CertStatus::Active
    );
    assert!(matches!(
        reg.revoke(&id, " ", "t"),
        Err(IssuerDbError::Invalid(_))
    ));
    assert_eq!(
        reg.revoke(&id, "fraud", "cli:t").unwrap().status,
        CertStatus::Revoked
    );
    assert!(matches!(
        reg.reinstate(&id, None, "t"),
        Err(IssuerDbError::Revoked(_))
    ));
    assert!(matches!(
        reg.suspend(&id, None, "t"),
        Err(IssuerDbError::Revoked(_))
    ));
    assert!(matches!(
        reg.revoke(&id, "again", "t"),
        Err(IssuerDbError::Revoked(_))
    ));
    let h = reg.history(&id).unwrap();
    let actions: Vec<&str> = h.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["issue", "sign", "suspend", "reinstate", "revoke"]);
    assert_eq!(h[2].reason.as_deref(), Some("audit"));
    assert_eq!(h[4].actor, "cli:t");
    let unknown = "urn:uuid:00000000-0000-4000-8000-000000000000";
    assert!(matches!(
        reg.reinstate(unknown, None, "t"),
        Err(IssuerDbError::NotFound(_))
    ));
    assert!(matches!(
        reg.get("no such id!"),
        Err(IssuerDbError::BadId(_))
    ));
    // A word could be a general-form certificate number: looked up, not found.
    assert!(matches!(
        reg.get("nonsense"),
        Err(IssuerDbError::NotFound(_))
    ));
    // Events are append-only.
    let mut handle = reg.lock().unwrap();
    let conn = handle.sqlite();
    assert!(conn.execute("DELETE FROM events", []).is_err());
    assert!(conn.execute("UPDATE events SET actor = 'x'", []).is_err());
    drop(handle);
    assert!(reg.check_consistency().unwrap().is_empty());
}

#[test]
fn list_credential_reflects_bits_and_is_cached() {
    let (_d, issuer, reg) = setup();
    let a = reg.issue(&issuer, &req("A")).unwrap();
    let (rl, ri) = reg.get(&a.claims.id_urn()).unwrap().revocation;
    let v1 = reg.status_list_credential(&issuer, rl).unwrap();
    assert_eq!(v1, reg.status_list_credential(&issuer, rl).unwrap());
    reg.revoke(&a.claims.id_urn(), "x", "t").unwrap();
    let v2 = reg.status_list_credential(&issuer, rl).unwrap();
    let l = skillcert::status::StatusListCredential::from_value(&v2).unwrap();
    assert_eq!(l.bits.ones(), vec![ri as usize]);
    assert_eq!(l.bits.len(), skillcert::status::MIN_LIST_BITS);
    assert!(l.verify_proof(&issuer.trust_list()).is_ok());
    let (p, bits) = reg.list_status_bits(rl).unwrap();
    assert_eq!(p, StatusPurpose::Revocation);
    assert_eq!(bits, l.bits);
    assert!(matches!(
        reg.status_list_credential(&issuer, 999),
        Err(IssuerDbError::NoSuchList(999))
    ));
}

#[test]
fn allocation_never_reuses_and_starts_new_list_when_full() {
    let (_d, issuer, reg) = setup();
    let mut seen = std::collections::HashSet::new();
    for i in 0..50 {
        let is = reg.issue(&issuer, &req(&format!("H{i}"))).unwrap();
        for s in &is.claims.status {
            assert!(seen.insert((s.list_url.clone(), s.index)), "reused {s:?}");
        }
    }
    // Fill the revocation list but one, then issue: the last free index is found, then a new
    // list starts.
    {
        let mut handle = reg.lock().unwrap();
        let conn = handle.sqlite();
        let rl: u64 = conn
            .query_row(
                "SELECT number FROM lists WHERE purpose = 'revocation'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let used: Vec<u32> = conn
            .prepare("SELECT idx FROM status_entries WHERE list = ?1")
            .unwrap()
            .query_map([rl], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let used: std::collections::HashSet<u32> = used.into_iter().collect();
        // Dummy certificate that owns the filler entries (a test-only shortcut).
        conn.execute_batch("PRAGMA foreign_keys = OFF; BEGIN;")
            .unwrap();
        let mut left = None;
        for i in 0..skillcert::status::MIN_LIST_BITS as u32 {
            if used.contains(&i) {
                continue;
            }
            if left.is_none() {
                left = Some(i);
                continue;
            }
            conn.execute(
                "INSERT INTO status_entries (list, idx, certificate, purpose) VALUES (?1, ?2, 'filler-' || ?2, 'revocation')",
                rusqlite::params![rl, i],
            )
            .unwrap();
        }
        conn.execute("UPDATE lists SET used = size - 1 WHERE number = ?1", [rl])
            .unwrap();
        conn.execute_batch("COMMIT; PRAGMA foreign_keys = ON;")
            .unwrap();
        drop(handle);
        let a = reg.issue(&issuer, &req("last")).unwrap();
        let rec = reg.get(&a.claims.id_urn()).unwrap();
        assert_eq!(rec.revocation, (rl, left.unwrap()));
        let b = reg.issue(&issuer, &req("next")).unwrap();
        let rec = reg.get(&b.claims.id_urn()).unwrap();
        assert_ne!(rec.revocation.0, rl);
        let lists = reg.lists().unwrap();
        assert_eq!(lists.len(), 3);
        assert!(lists.iter().any(|l| l.number == rl && l.used == l.size));
    }
}

#[test]
fn pending_is_completed() {
    let (_d, issuer, reg) = setup();
    let now = skillcert::issuer::now_secs();
    let mut claims = issuer.claims_for(&req("P"), now).unwrap();
    queries::record(
        &mut reg.lock().unwrap(),
        &issuer,
        &mut claims,
        now,
        &IssueOptions {
            actor: Some("t"),
            batch_key: Some("k1"),
            print: None,
            holder_id: None,
        },
    )
    .unwrap();
    let id = claims.id_urn();
    assert_eq!(reg.pending().unwrap(), vec![id.clone()]);
    assert_eq!(
        reg.find_batch_key("k1").unwrap().unwrap().state,
        RecordState::Pending
    );
    let done = reg.complete(&issuer, &id).unwrap();
    assert_eq!(done.claims, claims);
    assert!(reg.pending().unwrap().is_empty());
    assert_eq!(reg.get(&id).unwrap().state, RecordState::Issued);
    assert!(reg.check_consistency().unwrap().is_empty());
    // The same roster key cannot be recorded twice.
    let mut again = issuer.claims_for(&req("P"), now).unwrap();
    assert!(queries::record(
        &mut reg.lock().unwrap(),
        &issuer,
        &mut again,
        now,
        &IssueOptions {
            actor: None,
            batch_key: Some("k1"),
            print: None,
            holder_id: None,
        }
    )
    .is_err());
}

#[test]
fn registry_status_source_sees_every_change() {
    use super::IssuerDbStatusSource;
    use skillcert::verify::StatusSource;
    let (d, issuer, reg) = setup();
    let reg = std::sync::Arc::new(reg);
    let a = reg.issue(&issuer, &req("甲")).unwrap();
    let b = reg.issue(&issuer, &req("乙")).unwrap();
    let id = &issuer.config().id;
    let src = IssuerDbStatusSource::new(reg.clone(), id, issuer.public_url());
    let now = chrono::Utc::now();
    let bit = |c: &skillcert::issuer::Issued, i: usize| {
        src.status(&c.claims.status[i], id, now).unwrap().set
    };
    assert!(!bit(&a, 0) && !bit(&a, 1) && !bit(&b, 0));
    // A change through the same registry (the server's admin API).
    reg.revoke(&a.claims.id_urn(), "fraud", "test").unwrap();
    assert!(bit(&a, 0), "revocation through the same connection is seen");
    assert!(!bit(&b, 0));
    // A change through another connection (the CLI while the server runs).
    let other = IssuerDb::open(d.path()).unwrap();
    other.suspend(&b.claims.id_urn(), None, "cli").unwrap();
    assert!(bit(&b, 1), "suspension by another connection is seen");
    other.reinstate(&b.claims.id_urn(), None, "cli").unwrap();
    assert!(!bit(&b, 1), "reinstatement by another connection is seen");
    // A certificate issued after the lists were cached.
    let c = other.issue(&issuer, &req("丙")).unwrap();
    other.revoke(&c.claims.id_urn(), "error", "cli").unwrap();
    assert!(bit(&c, 0));
    // A list the issuer's database does not have is an error, not "not revoked".
    let mut missing = a.claims.status[0].clone();
    missing.list_url = format!("{}/status/999", issuer.public_url());
    assert!(src.status(&missing, id, now).is_err());
}

#[test]
fn recorded_claims_are_the_issued_ones_and_none_for_unknown_ids() {
    let (_d, issuer, reg) = setup();
    let a = reg.issue(&issuer, &req("甲")).unwrap();
    let b = reg.issue(&issuer, &req("乙")).unwrap();
    // Repeated lookups share one cached statement: each still answers its own id.
    for _ in 0..3 {
        let got = reg.recorded_claims(&a.claims.id_urn()).unwrap();
        assert_eq!(got.as_ref(), Some(&a.claims));
        let got = reg.recorded_claims(&b.claims.id.to_string()).unwrap();
        assert_eq!(got.as_ref(), Some(&b.claims), "the bare UUID finds it too");
    }
    let unknown = format!("urn:uuid:{}", uuid::Uuid::new_v4());
    assert_eq!(reg.recorded_claims(&unknown).unwrap(), None);
    assert_eq!(reg.recorded_claims("not-a-uuid").unwrap(), None);
    // Unreadable recorded claims are an error, not "never recorded".
    reg.lock()
        .unwrap()
        .sqlite()
        .execute(
            "UPDATE certificates SET claims_json = '{' WHERE id = ?1",
            [a.claims.id_urn()],
        )
        .unwrap();
    assert!(matches!(
        reg.recorded_claims(&a.claims.id_urn()),
        Err(IssuerDbError::Corrupt(_))
    ));
}

#[test]
fn registered_compares_by_content_whatever_the_layout_and_sees_every_change() {
    use super::IssuerDbStatusSource;
    use skillcert::verify::{Registered, StatusSource};
    let (d, issuer, reg) = setup();
    let reg = std::sync::Arc::new(reg);
    let a = reg.issue(&issuer, &req("甲")).unwrap();
    let id = a.claims.id_urn();
    let issuer_id = issuer.config().id.clone();
    let src = IssuerDbStatusSource::new(reg.clone(), &issuer_id, issuer.public_url());
    let ask = |i: &str, c: &Claims| src.registered(&issuer_id, Some(i), Some(c));
    let recorded = |r: Registered| matches!(r, Registered::Recorded);
    let mut other = a.claims.clone();
    other.holder.name = "乙".into();
    // Asked twice each: the second answer comes from the cache and must be the same.
    for _ in 0..2 {
        assert!(recorded(ask(&id, &a.claims)));
        assert!(
            recorded(ask(&a.claims.id.to_string(), &a.claims)),
            "the bare UUID"
        );
        assert!(matches!(ask(&id, &other), Registered::NotRecorded(m) if m.contains("differ")));
        let unknown = format!("urn:uuid:{}", uuid::Uuid::new_v4());
        assert!(
            matches!(ask(&unknown, &a.claims), Registered::NotRecorded(m) if m.contains("not in"))
        );
        assert!(matches!(
            ask("not-a-uuid", &a.claims),
            Registered::NotRecorded(_)
        ));
    }
    assert!(matches!(
        src.registered(&issuer_id, Some(&id), None),
        Registered::NotRecorded(_)
    ));
    assert!(matches!(
        src.registered("did:web:elsewhere.example", Some(&id), Some(&a.claims)),
        Registered::NoIssuerDb
    ));
    // The same claims recorded in another layout (pretty-printed, members reordered): the
    // text differs, the content does not. Each rewrite empties the cache.
    let mut doc = a.claims.to_document();
    doc.as_object_mut().unwrap().sort_keys();
    let pretty = serde_json::to_string_pretty(&doc).unwrap();
    assert_ne!(pretty, a.claims.document_json());
    let rewrite = |through: &IssuerDb, text: &str| {
        through
            .lock()
            .unwrap()
            .sqlite()
            .execute(
                "UPDATE certificates SET claims_json = ?1 WHERE id = ?2",
                [text, id.as_str()],
            )
            .unwrap()
    };
    let set = |text: &str| rewrite(&reg, text);
    set(&pretty);
    assert!(recorded(ask(&id, &a.claims)));
    assert!(!recorded(ask(&id, &other)));
    // Other recorded claims in the recorded layout: differ, though the old ones were cached.
    set(&other.document_json());
    assert!(!recorded(ask(&id, &a.claims)));
    assert!(recorded(ask(&id, &other)));
    // A change through another connection (the CLI while the server runs) is seen too.
    rewrite(
        &IssuerDb::open(d.path()).unwrap(),
        &a.claims.document_json(),
    );
    assert!(recorded(ask(&id, &a.claims)));
    // Unreadable recorded claims: "could not check", never "recorded" or "never issued".
    set("{");
    assert!(matches!(ask(&id, &a.claims), Registered::Unavailable(_)));
}

fn dated_req(name: &str, framework: &str, level: &str) -> CheckedRequest {
    let (_, r) = IssuanceRequest::parse(
        format!(
            r#"{{"holder": {{"name": "{name}"}}, "program": {{"name": "Welder", "code": "W-1"}},
                "level": {{"framework": "{framework}", "value": "{level}"}},
                "valid_from": "2026-10-12T00:00:00Z"}}"#
        )
        .as_bytes(),
    )
    .unwrap();
    r
}

#[test]
fn numbers_are_allocated_per_series_and_found() {
    let (_d, mut issuer, reg) = setup();
    let a = reg.issue(&issuer, &dated_req("甲", "cn-nvq", "3")).unwrap();
    let b = reg.issue(&issuer, &dated_req("乙", "iiw", "IWS")).unwrap();
    assert_eq!(a.claims.number.as_deref(), Some("SC-2026-000001"));
    assert_eq!(b.claims.number.as_deref(), Some("SC-2026-000002"));
    issuer
        .set_numbering(NumberingScheme::national('S', "0001", "33", "060200").unwrap())
        .unwrap();
    let c = reg.issue(&issuer, &dated_req("丙", "cn-nvq", "3")).unwrap();
    let d = reg.issue(&issuer, &dated_req("丁", "cn-nvq", "2")).unwrap();
    let e = reg.issue(&issuer, &dated_req("戊", "cn-nvq", "3")).unwrap();
    let f = reg.issue(&issuer, &dated_req("己", "eqf", "4")).unwrap();
    let numbers: Vec<_> = [&c, &d, &e, &f]
        .iter()
        .map(|i| i.claims.number.clone().unwrap())
        .collect();
    assert_eq!(
        numbers,
        [
            "S000133060200263000001",
            "S000133060200262000001",
            "S000133060200263000002",
            "SC-2026-000003"
        ]
    );
    // The number is signed into the document and found by number, in any case.
    assert_eq!(
        e.document["credentialSubject"]["licenseNumber"],
        "S000133060200263000002"
    );
    for q in ["S000133060200263000002", " s000133060200263000002 "] {
        assert_eq!(reg.get(q).unwrap().id, e.claims.id_urn());
    }
    assert_eq!(
        reg.get(&e.claims.id_urn()).unwrap().number.as_deref(),
        Some("S000133060200263000002")
    );
    assert_eq!(reg.history("S000133060200263000002").unwrap().len(), 2);
    assert!(matches!(
        reg.get("S000133060200263000099"),
        Err(IssuerDbError::NotFound(_))
    ));
    assert!(reg.check_consistency().unwrap().is_empty());
}

#[test]
fn a_pending_certificate_keeps_its_serial() {
    let (_d, issuer, reg) = setup();
    // A crash between record and sign leaves a pending row holding serial 1.
    let mut claims = issuer
        .claims_for(
            &dated_req("甲", "cn-nvq", "3"),
            skillcert::issuer::now_secs(),
        )
        .unwrap();
    queries::record(
        &mut reg.lock().unwrap(),
        &issuer,
        &mut claims,
        skillcert::issuer::now_secs(),
        &IssueOptions::default(),
    )
    .unwrap();
    let next = reg.issue(&issuer, &dated_req("乙", "cn-nvq", "3")).unwrap();
    assert_eq!(next.claims.number.as_deref(), Some("SC-2026-000002"));
    let done = reg.complete(&issuer, &claims.id_urn()).unwrap();
    assert_eq!(done.claims.number.as_deref(), Some("SC-2026-000001"));
    // A number can never be recorded twice, even by hand.
    let mut handle = reg.lock().unwrap();
    let conn = handle.sqlite();
    let dup = conn.execute(
        "UPDATE certificates SET number = 'SC-2026-000001' WHERE id = ?1",
        [next.claims.id_urn()],
    );
    assert!(dup.is_err());
}

#[test]
fn the_status_source_knows_when_and_the_published_reason() {
    use super::{IssuerDbStatusSource, StatusAction};
    use skillcert::verify::StatusSource;
    let (_d, issuer, reg) = setup();
    let reg = std::sync::Arc::new(reg);
    let a = reg.issue(&issuer, &req("甲")).unwrap();
    let id = &issuer.config().id;
    let src = IssuerDbStatusSource::new(reg.clone(), id, issuer.public_url());
    let now = chrono::Utc::now();
    let bit = |i: usize| src.status(&a.claims.status[i], id, now).unwrap();
    assert_eq!(bit(0).change, None, "nothing set, nothing to tell");
    let urn = a.claims.id_urn();
    reg.change_status(&urn, StatusAction::Suspend, None, Some("复核中"), "t")
        .unwrap();
    let change = bit(1).change.expect("the suspension's time");
    assert!((now - change.at).num_seconds().abs() < 5);
    assert_eq!(change.public_reason.as_deref(), Some("复核中"));
    assert_eq!(bit(0).change, None, "the revocation bit is not set");
    // A reinstatement clears it; a reason is published only with a revocation or suspension.
    let refused = reg.change_status(&urn, StatusAction::Reinstate, None, Some("x"), "t");
    assert!(matches!(refused, Err(IssuerDbError::Invalid(m)) if m.contains("--public-reason")));
    reg.change_status(&urn, StatusAction::Reinstate, None, None, "t")
        .unwrap();
    assert_eq!(bit(1).change, None);
    // The internal reason stays in the history only.
    reg.change_status(&urn, StatusAction::Revoke, Some("internal"), None, "t")
        .unwrap();
    let change = bit(0).change.expect("the revocation's time");
    assert_eq!(change.public_reason, None);
    let events = reg.history(&urn).unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.reason.as_deref()),
        ("revoke", Some("internal"))
    );
    assert!(reg
        .change_status(&urn, StatusAction::Revoke, None, None, "t")
        .is_err());
}

#[test]
fn a_version_3_registry_is_migrated_and_keeps_its_events() {
    let (d, issuer, reg) = setup();
    let a = reg.issue(&issuer, &req("甲")).unwrap();
    reg.revoke(&a.claims.id_urn(), "fraud", "t").unwrap();
    drop(reg);
    // Back to version 3: the column of version 4, the tables of version 5 and the columns of
    // version 6 removed, as an issuer's database written before them.
    let conn = rusqlite::Connection::open(d.path().join(REGISTRY_FILE)).unwrap();
    conn.execute_batch(
        "DROP TRIGGER events_append_only_update; DROP TRIGGER events_append_only_delete;
         ALTER TABLE events DROP COLUMN public_reason;
         DROP TABLE report_acks; DROP TABLE report_receipts; DROP TABLE report_portals;
         ALTER TABLE certificates DROP COLUMN holder_id;
         ALTER TABLE certificates DROP COLUMN holder_id_mac;
         PRAGMA user_version = 3;",
    )
    .unwrap();
    drop(conn);
    let reg = IssuerDb::open(d.path()).unwrap();
    let events = reg.history(&a.claims.id_urn()).unwrap();
    assert_eq!(events.last().unwrap().reason.as_deref(), Some("fraud"));
    assert_eq!(events.last().unwrap().public_reason, None);
}

#[test]
fn a_lost_holder_id_secret_is_refused_once_keyed_hashes_are_recorded() {
    let (dir, issuer, reg) = setup();
    let (_, checked) = IssuanceRequest::parse(
        r#"{"holder": {"name": "王晓明", "national_id": "330602199001011231"},
             "program": {"name": "Welder", "code": "W-1"},
             "level": {"framework": "cn-nvq", "value": "3"}}"#
            .as_bytes(),
    )
    .unwrap();
    let opts = IssueOptions {
        holder_id: checked.national_id.as_deref(),
        ..IssueOptions::default()
    };
    let id = reg
        .issue_with(&issuer, &checked, &opts)
        .unwrap()
        .claims
        .id_urn();
    assert!(reg
        .holder_check(&issuer, &id, "330602199001011231")
        .unwrap());
    drop(reg);
    let secret = dir.path().join(skillcert::issuer::ID_KEY_FILE);
    let kept = std::fs::read(&secret).unwrap_or_else(|e| panic!("{}: {e}", secret.display()));
    std::fs::remove_file(&secret).unwrap();
    let err = IssuerDb::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("holder-id.secret is missing"), "{err}");
    assert!(err.contains("1 certificate"), "{err}");
    assert!(!secret.exists(), "no new secret was made");
    std::fs::write(&secret, kept).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let reg = IssuerDb::open(dir.path()).unwrap();
    let issuer = Issuer::open(dir.path()).unwrap();
    assert!(reg
        .holder_check(&issuer, &id, "330602199001011231")
        .unwrap());
}
