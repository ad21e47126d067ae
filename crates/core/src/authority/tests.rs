use super::*;
use crate::trust::{ScopeFacts, SigningTime, TrustSource};

fn issuer_list(dir: &Path, name: &str) -> TrustList {
    crate::issuer::Issuer::init(dir, name, Some("https://weld.example.cn"))
        .unwrap()
        .trust_list()
}

#[test]
fn accredit_suspend_reinstate_publish_with_history() {
    let a_dir = tempfile::tempdir().unwrap();
    let i_dir = tempfile::tempdir().unwrap();
    let mut a = Authority::init(a_dir.path(), "焊接认证委员会", None, "cli:test").unwrap();
    assert!(Authority::init(a_dir.path(), "again", None, "t").is_err());
    let list = issuer_list(i_dir.path(), "Welding Institute");
    let grant = Grant {
        scope: Scope {
            frameworks: Some(vec!["iiw".into()]),
            ..Scope::default()
        },
        from: Some("2026-01-01T00:00:00Z".parse().unwrap()),
        until: None,
        numbers: None,
    };
    let ids = a.accredit(&list, &grant, "cli:test").unwrap();
    assert_eq!(ids, ["did:web:weld.example.cn"]);
    let id = &ids[0];
    let t = |s: &str| -> DateTime<Utc> { s.parse().unwrap() };
    a.suspend(
        id,
        t("2026-11-01T00:00:00Z"),
        "audit found forged records",
        "cli:test",
    )
    .unwrap();
    assert!(a
        .suspend("did:web:nobody", t("2026-11-01T00:00:00Z"), "x", "t")
        .is_err());
    // Reopened: the register and the history survive.
    let mut a = Authority::open(a_dir.path()).unwrap();
    assert_eq!(
        a.register()[0].suspended_from,
        Some(t("2026-11-01T00:00:00Z"))
    );
    a.reinstate(id, "audit closed", "cli:test").unwrap();
    assert!(a.reinstate(id, "", "t").is_err(), "not suspended any more");
    let now = crate::model::now_secs();
    let signed = a.publish(now, 7, "cli:test").unwrap();
    let bytes = serde_json::to_vec(&signed).unwrap();
    let src = TrustSource::anchored(&bytes, &a.anchor(), "published").unwrap();
    assert!(
        src.is_signed() && src.in_force(now).is_ok(),
        "{:?}",
        src.standing()
    );
    let e = &src.list().issuers[0];
    let facts = ScopeFacts {
        frameworks: vec!["iiw".into()],
        program: None,
        levels: vec!["IWE".into()],
    };
    assert!(e
        .check_accreditation(&facts, &SigningTime::document(Some(now), None), now)
        .is_ok());
    let actions: Vec<String> = a.history().unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        ["init", "accredit", "suspend", "reinstate", "publish"]
    );
    assert!(a.publish(now, 0, "t").is_err());
    // The secret is never in the Debug form.
    assert!(format!("{a:?}").contains("redacted"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(a_dir.path().join(KEY))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn reaccrediting_adds_rotated_keys_and_keeps_unstated_members() {
    let a_dir = tempfile::tempdir().unwrap();
    let i_dir = tempfile::tempdir().unwrap();
    let mut a =
        Authority::init(a_dir.path(), "HRSS", Some("https://hrss.example.cn"), "t").unwrap();
    assert_eq!(a.anchor().did(), "did:web:hrss.example.cn");
    let mut issuer =
        crate::issuer::Issuer::init(i_dir.path(), "CNC Centre", Some("https://cnc.example.cn"))
            .unwrap();
    let grant = Grant {
        scope: Scope {
            programs: Some(vec!["6-18-01-01".into()]),
            ..Scope::default()
        },
        ..Grant::default()
    };
    a.accredit(&issuer.trust_list(), &grant, "t").unwrap();
    issuer.rotate_key().unwrap();
    a.accredit(&issuer.trust_list(), &Grant::default(), "t")
        .unwrap();
    let e = &a.register()[0];
    assert_eq!(e.keys.len(), 2);
    assert_eq!(
        e.scope.as_ref().unwrap().programs.as_deref(),
        Some(&["6-18-01-01".to_owned()][..])
    );
    assert!(a.accredit(&TrustList::empty(), &grant, "t").is_err());
}
