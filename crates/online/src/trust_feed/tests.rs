use super::*;
use chrono::Duration as Days;
use skillcert::authority::{Authority, Grant};
use skillcert::trust::{ScopeFacts, SigningTime};

struct Fixture {
    _dirs: Vec<tempfile::TempDir>,
    authority: Authority,
    issuer_id: String,
    file: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let mut authority = Authority::init(dirs[0].path(), "HRSS", None, "t").unwrap();
    let issuer =
        skillcert::issuer::Issuer::init(dirs[1].path(), "CNC", Some("https://cnc.example.cn"))
            .unwrap();
    authority
        .accredit(&issuer.trust_list(), &Grant::default(), "t")
        .unwrap();
    let file = dirs[2].path().join("scheme.json");
    Fixture {
        issuer_id: issuer.config().id.clone(),
        _dirs: dirs,
        authority,
        file,
    }
}

impl Fixture {
    /// Publishes at `t` for `days` into the file; returns the bytes.
    fn publish(&self, t: DateTime<Utc>, days: u32) -> Vec<u8> {
        let v = self.authority.publish(t, days, "t").unwrap();
        let b = serde_json::to_vec(&v).unwrap();
        std::fs::write(&self.file, &b).unwrap();
        b
    }

    fn feed(&self) -> TrustFeed {
        TrustFeed::new(self.file.to_str().unwrap(), Some(self.authority.anchor()))
    }

    fn suspended_in(&self, feed: &TrustFeed) -> bool {
        let cur = feed.current().unwrap();
        cur.list()
            .issuer(&self.issuer_id)
            .unwrap()
            .suspended_from
            .is_some()
    }
}

#[test]
fn a_feed_keeps_the_list_in_force_until_a_better_one_comes() {
    let mut f = fixture();
    let t0 = skillcert::model::now_secs();
    f.publish(t0, 7);
    let feed = f.feed();
    assert_eq!(feed.refresh(t0), Ok(Refreshed::Replaced));
    assert_eq!(feed.refresh(t0), Ok(Refreshed::Unchanged));
    // A tampered list does not replace the good one.
    let mut v: serde_json::Value = serde_json::from_slice(&f.publish(t0, 7)).unwrap();
    v["issuers"][0]["name"] = "forged".into();
    std::fs::write(&f.file, serde_json::to_vec(&v).unwrap()).unwrap();
    let t1 = t0 + Days::days(1);
    assert!(matches!(
        feed.refresh(t1),
        Ok(Refreshed::Kept(TrustFeedError::NotInForce(
            ListNotInForce::BadSignature(_)
        )))
    ));
    assert!(feed.current().unwrap().in_force(t1).is_ok());
    // A newer good list (a suspension) replaces it…
    f.authority
        .suspend(&f.issuer_id.clone(), t1, "audit", "t")
        .unwrap();
    let newer = f.publish(t1, 7);
    assert_eq!(feed.refresh(t1), Ok(Refreshed::Replaced));
    assert!(f.suspended_in(&feed));
    // …and a replayed older list cannot roll the suspension back.
    f.authority
        .reinstate(&f.issuer_id.clone(), "", "t")
        .unwrap();
    let old = f.authority.publish(t0, 7, "t").unwrap();
    std::fs::write(&f.file, serde_json::to_vec(&old).unwrap()).unwrap();
    assert!(matches!(
        feed.refresh(t1),
        Ok(Refreshed::Kept(TrustFeedError::OlderThanCurrent))
    ));
    assert!(f.suspended_in(&feed));
    // The source disappears: the list in force stays until it expires, then it counts no more.
    std::fs::remove_file(&f.file).unwrap();
    assert!(matches!(feed.refresh(t1), Ok(Refreshed::Kept(_))));
    assert_eq!(feed.current_bytes().as_deref(), Some(&newer[..]));
    let expired = t1 + Days::days(8);
    assert!(feed.current().unwrap().in_force(expired).is_err());
    let facts = ScopeFacts::default();
    let e = feed.current().unwrap();
    let entry = e.list().issuer(&f.issuer_id).unwrap();
    assert!(entry
        .check_accreditation(&facts, &SigningTime::document(Some(t1), None), t1)
        .is_err());
    // Renewed well before it goes stale: half the time left, within the bounds.
    assert_eq!(
        feed.next_refresh(t1),
        MIN_REFRESH,
        "the last read failed: retry soon"
    );
    std::fs::write(&f.file, &newer).unwrap();
    assert_eq!(feed.refresh(t1), Ok(Refreshed::Unchanged));
    assert_eq!(feed.next_refresh(t1), MAX_REFRESH);
    assert_eq!(
        feed.next_refresh(t1 + Days::days(7) - Days::minutes(10)),
        std::time::Duration::from_secs(300)
    );
    // A feed whose first read fails has nothing: an error, not an empty list.
    let missing = TrustFeed::new("/nonexistent/scheme.json", None);
    assert!(missing.refresh(t1).is_err());
    assert!(missing.current().is_none());
}

#[test]
fn a_url_feed_revalidates_with_its_etag() {
    let f = fixture();
    let t0 = skillcert::model::now_secs();
    let (port, served) = crate::http::tests::serve();
    {
        let mut s = served.lock().unwrap();
        s.body = f.publish(t0, 7);
        s.etag = "\"v1\"".into();
    }
    let url = format!("http://127.0.0.1:{port}/trust.json");
    let feed = TrustFeed::new(&url, Some(f.authority.anchor()));
    assert_eq!(feed.refresh(t0), Ok(Refreshed::Replaced));
    assert_eq!(feed.refresh(t0), Ok(Refreshed::Unchanged));
    let seen = &served.lock().unwrap().requests;
    assert_eq!(seen.len(), 2);
    assert!(seen[1].contains("if-none-match: \"v1\""), "{}", seen[1]);
    assert!(feed.current().unwrap().is_signed());
}

#[test]
fn finding_4_an_older_list_is_never_taken_again_across_a_restart() {
    let mut f = fixture();
    let state = tempfile::tempdir().unwrap();
    let t0 = skillcert::model::now_secs() - Days::hours(2);
    let old = f.publish(t0, 7);
    // The issuer is suspended; the authority publishes the newer list, the portal takes it.
    let t1 = t0 + Days::hours(1);
    f.authority
        .suspend(&f.issuer_id.clone(), t1, "audit", "t")
        .unwrap();
    f.publish(t1, 7);
    let feed = f.feed().remembering(state.path());
    assert_eq!(feed.refresh(t1), Ok(Refreshed::Replaced));
    assert!(f.suspended_in(&feed));
    drop(feed);
    // Restart: the feed serves the older list, still fresh. It is refused: no list at all
    // rather than the rolled-back one.
    std::fs::write(&f.file, &old).unwrap();
    let now = skillcert::model::now_secs();
    let restarted = f.feed().remembering(state.path());
    let e = restarted.refresh(now).unwrap_err();
    assert!(matches!(e, TrustFeedError::BelowFloor { .. }), "{e}");
    assert!(
        e.to_string()
            .contains("older than the newest one this portal accepted"),
        "{e}"
    );
    assert!(restarted.current().is_none());
    // Without the memory (the old behaviour) it would have been taken.
    assert_eq!(f.feed().refresh(now), Ok(Refreshed::Replaced));
    // The newer list again, or a newer one still, is taken; a damaged floor takes nothing.
    f.publish(t1 + Days::minutes(1), 7);
    assert_eq!(restarted.refresh(now), Ok(Refreshed::Replaced));
    assert!(f.suspended_in(&restarted));
    let floor = floor::Floor::new(state.path(), &f.authority.anchor().to_string());
    std::fs::write(floor.path(), b"{garbage").unwrap();
    f.publish(t1 + Days::minutes(2), 7);
    let again = f.feed().remembering(state.path());
    let e = again.refresh(now).unwrap_err();
    assert!(matches!(e, TrustFeedError::FloorDamaged { .. }), "{e}");
    assert!(e.to_string().contains("damaged"), "{e}");
}
