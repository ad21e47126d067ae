//! A scheme's verification portal against two issuer servers over loopback (issue 14):
//! certificates of both verify at the portal (token, document and the `/V/{payload}` path),
//! with the accrediting authority named; a certificate outside an issuer's scope is
//! `untrusted_issuer`; a revocation at one issuer shows at the portal within its cache time;
//! an issuer server that is down gives `status_unknown` for its certificates and nothing else
//! changes; 200 concurrent requests for an uncached list cause one fetch per list; the portal
//! has no admin API and serves the list in force at `/trust.json`.

use crate::server_support::{qr_path, request_json, Loopback, TOKEN};
use skillcert::authority::{Authority, Grant};
use skillcert::issuer::{Issued, Issuer};
use skillcert::request::IssuanceRequest;
use skillcert::trust::Scope;
use skillcert_online::trust_feed::TrustFeed;
use skillcert_server::admin::token_hash;
use skillcert_server::backend::{Backend, Change};
use skillcert_server::portal::Portal;
use skillcert_server::AppState;
use std::time::Duration;

struct Site {
    _dir: tempfile::TempDir,
    state: AppState,
    server: Option<Loopback>,
    issuer: Issuer,
}

/// An issuer served over loopback at the URL its certificates name, its status lists
/// cacheable for `ttl` seconds.
fn site(name: &str, ttl: u64) -> Site {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    Issuer::init(dir.path(), name, Some(&base)).unwrap();
    let path = dir.path().join("config.json");
    let mut cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    cfg["statusTtlSecs"] = ttl.into();
    std::fs::write(&path, cfg.to_string()).unwrap();
    let issuer = Issuer::open(dir.path()).unwrap();
    let state = AppState::new(
        Backend::open(Issuer::open(dir.path()).unwrap()).unwrap(),
        Some(token_hash(TOKEN)),
    );
    let server = Some(Loopback::start_on(listener, state.clone()));
    Site {
        _dir: dir,
        state,
        server,
        issuer,
    }
}

impl Site {
    fn issue(&self, holder: &str, code: &str) -> Issued {
        let mut req = request_json(holder);
        req["program"]["code"] = code.into();
        let (_, checked) = IssuanceRequest::from_value(req).unwrap();
        self.state.issuer_site().unwrap().issue(&checked).unwrap()
    }

    /// GET requests the issuer's site answered for its status lists.
    fn status_fetches(&self) -> u64 {
        self.state
            .metrics
            .render()
            .lines()
            .filter(|l| l.starts_with("skillcert_http_requests_total") && l.contains("/status/"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
            .sum()
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// The portal's `verify --json` answer for a token.
fn verify(a: &ureq::Agent, base: &str, token: &str) -> serde_json::Value {
    let mut r = a
        .post(&format!("{base}/api/v1/verify"))
        .header("content-type", "text/plain")
        .send(token.as_bytes())
        .unwrap();
    serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
}

#[test]
fn portal_verifies_every_accredited_issuer_and_fails_closed() {
    let cnc = site("CNC Machining Centre", 2);
    let weld = site("Welding Institute", 3600);
    let a_dir = tempfile::tempdir().unwrap();
    let mut authority = Authority::init(a_dir.path(), "绍兴市人社局", None, "test").unwrap();
    let scoped = |programs: &[&str]| Grant {
        scope: Scope {
            frameworks: Some(vec!["cn-nvq".into()]),
            programs: Some(programs.iter().map(|p| p.to_string()).collect()),
            levels: None,
        },
        from: Some(skillcert::issuer::now_secs() - chrono::Duration::days(1)),
        until: None,
        numbers: None,
    };
    authority
        .accredit(&cnc.issuer.trust_list(), &scoped(&["6-18-01-01"]), "t")
        .unwrap();
    authority
        .accredit(&weld.issuer.trust_list(), &scoped(&["6-25-04-08"]), "t")
        .unwrap();
    let list = a_dir.path().join("scheme.json");
    let signed = authority
        .publish(skillcert::issuer::now_secs(), 7, "t")
        .unwrap();
    std::fs::write(&list, signed.to_string()).unwrap();
    let feed = TrustFeed::new(list.to_str().unwrap(), Some(authority.anchor()));
    let portal = Portal::new(vec![feed], "http://portal.example", None).unwrap();
    let pstate = AppState::portal(portal);
    let psrv = Loopback::start(pstate.clone());
    let base = psrv.base();
    let a = agent();

    let lathe = cnc.issue("王晓明", "6-18-01-01");
    let welder = weld.issue("李娜", "6-25-04-08");
    let outside = cnc.issue("赵强", "6-25-04-08");

    // 200 concurrent requests for the welder's (uncached) lists: one fetch per list.
    let before = weld.status_fetches();
    let threads: Vec<_> = (0..200)
        .map(|_| {
            let (a, base, token) = (a.clone(), base.clone(), welder.token.clone());
            std::thread::spawn(move || verify(&a, &base, &token))
        })
        .collect();
    for t in threads {
        let r = t.join().unwrap();
        assert_eq!(r["verdict"], "valid", "{r}");
    }
    assert_eq!(
        weld.status_fetches() - before,
        2,
        "one fetch each of the revocation and the suspension list"
    );

    // Both issuers' certificates, in every form the portal takes.
    let r = verify(&a, &base, &lathe.token);
    assert_eq!(r["verdict"], "valid", "{r}");
    assert_eq!(r["accredited_by"]["authority_name"], "绍兴市人社局");
    let mut page = a
        .get(&format!("{base}{}", qr_path(&welder)))
        .header("accept", "application/json")
        .call()
        .unwrap();
    let r: serde_json::Value =
        serde_json::from_str(&page.body_mut().read_to_string().unwrap()).unwrap();
    assert_eq!(r["verdict"], "valid", "{r}");
    assert!(
        !r["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "qr_host"),
        "the portal does not warn that the QR points to the issuer's own site: {r}"
    );
    let html = a
        .get(&format!("{base}{}", qr_path(&welder)))
        .header("accept", "text/html")
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert!(
        html.contains("绍兴市人社局") && html.contains("6-25-04-08"),
        "{html}"
    );
    let r = verify(&a, &base, &outside.token);
    assert_eq!(r["verdict"], "untrusted_issuer");
    assert!(
        r.to_string()
            .contains("not accredited for program 6-25-04-08"),
        "{r}"
    );

    // Revoked at the CNC centre: the portal sees it once the list's cache time (2 s) is over.
    cnc.state
        .issuer_site()
        .unwrap()
        .change(&lathe.claims.id, Change::Revoke, ("fraud", None), "test")
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let v = verify(&a, &base, &lathe.token)["verdict"].clone();
        if v == "revoked" {
            break;
        }
        assert_eq!(v, "valid");
        assert!(
            std::time::Instant::now() < deadline,
            "revocation not seen in time"
        );
        std::thread::sleep(Duration::from_millis(500));
    }

    // The CNC centre goes down: its certificates become status_unknown once its cached lists
    // are past their cache time; the welding institute's are unaffected.
    let second = cnc.issue("孙丽", "6-18-01-01");
    assert_eq!(verify(&a, &base, &second.token)["verdict"], "valid");
    let mut cnc = cnc;
    cnc.server.take().unwrap().stop();
    std::thread::sleep(Duration::from_secs(3));
    let r = verify(&a, &base, &second.token);
    assert_eq!(r["verdict"], "status_unknown", "{r}");
    assert_eq!(verify(&a, &base, &welder.token)["verdict"], "valid");

    // The authority suspends the CNC centre and publishes: once the portal re-reads its list,
    // what the centre signs from then on is untrusted there.
    std::thread::sleep(Duration::from_millis(1100));
    authority
        .suspend(
            &cnc.issuer.config().id,
            skillcert::issuer::now_secs(),
            "audit",
            "t",
        )
        .unwrap();
    let renewed = authority
        .publish(skillcert::issuer::now_secs(), 7, "t")
        .unwrap();
    std::fs::write(&list, renewed.to_string()).unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let third = cnc.issue("周杰", "6-18-01-01");
    let portal = pstate.portal_site().unwrap().clone();
    let outcomes = portal.refresh(chrono::Utc::now());
    assert!(matches!(
        outcomes[0],
        Ok(skillcert_online::trust_feed::Refreshed::Replaced)
    ));
    let r = verify(&a, &base, &third.token);
    assert_eq!(r["verdict"], "untrusted_issuer", "{r}");
    assert!(r.to_string().contains("suspended from"), "{r}");
    assert_eq!(verify(&a, &base, &welder.token)["verdict"], "valid");

    // No admin API, no issuer keys; the list in force is served as read.
    let g = a
        .get(&format!(
            "{base}/api/v1/admin/certificates/{}",
            welder.claims.id
        ))
        .header("authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap();
    assert!(g.status().is_client_error());
    assert_eq!(
        a.get(&format!("{base}/.well-known/jwks.json"))
            .call()
            .unwrap()
            .status(),
        404
    );
    let served = a
        .get(&format!("{base}/trust.json"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap();
    assert_eq!(served, renewed.to_string());
    assert_eq!(
        a.get(&format!("{base}/readyz")).call().unwrap().status(),
        200
    );
    psrv.stop();
    weld.server.unwrap().stop();
}

#[test]
fn a_portal_whose_list_is_stale_is_not_ready_and_trusts_nobody() {
    let dir = tempfile::tempdir().unwrap();
    let authority = Authority::init(dir.path(), "HRSS", None, "t").unwrap();
    let old = skillcert::issuer::now_secs() - chrono::Duration::days(10);
    let list = dir.path().join("old.json");
    std::fs::write(&list, authority.publish(old, 7, "t").unwrap().to_string()).unwrap();
    let feed = TrustFeed::new(list.to_str().unwrap(), Some(authority.anchor()));
    let portal = Portal::new(vec![feed], "http://portal.example", None).unwrap();
    let why = portal
        .readiness(chrono::Utc::now())
        .unwrap_err()
        .to_string();
    assert!(why.contains("past its freshness limit"), "{why}");
    // A list that cannot be read at all: the portal does not start.
    let feed = TrustFeed::new("/nonexistent/scheme.json", Some(authority.anchor()));
    assert!(Portal::new(vec![feed], "http://portal.example", None).is_err());
}
