//! The online ID check over the router, with the client address a socket would give: the
//! limits per certificate and per client (an IPv6 client by its /64), and the one answer time
//! for match, no match and unknown certificate.

use crate::server_support::{fixture, issue, req, send, Resp};
use axum::extract::ConnectInfo;
use skillcert_server::AppState;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The first two rate limits of `rate_limit` (burst per certificate, burst per client).
const PER_CERTIFICATE: usize = 5;
const PER_CLIENT: usize = 20;
/// The answer time of `holder_check::ANSWER_TIME`.
const ANSWER_TIME: Duration = Duration::from_millis(250);

/// One check of `certificate` with `id` from `client`.
async fn check(state: &AppState, client: &str, certificate: &str, id: &str) -> Resp {
    check_via(state, client, None, certificate, id).await
}

/// [`check`] with an `X-Forwarded-For` header.
async fn check_via(
    state: &AppState,
    client: &str,
    forwarded: Option<&str>,
    certificate: &str,
    id: &str,
) -> Resp {
    let mut r = req(
        "POST",
        "/api/v1/holder-check",
        Some("application/json"),
        serde_json::json!({"certificate": certificate, "id_number": id}).to_string(),
    );
    let addr: SocketAddr = client.parse().unwrap();
    r.extensions_mut().insert(ConnectInfo(addr));
    if let Some(f) = forwarded {
        r.headers_mut()
            .insert("x-forwarded-for", f.parse().unwrap());
    }
    send(state, r).await
}

/// Runs the checks at once (each waits out the answer time) and returns the statuses in order.
async fn all(state: &AppState, asks: Vec<(String, String, String)>) -> Vec<u16> {
    let mut set = tokio::task::JoinSet::new();
    for (i, (client, cert, id)) in asks.into_iter().enumerate() {
        let state = state.clone();
        set.spawn(async move { (i, check(&state, &client, &cert, &id).await.status.as_u16()) });
    }
    let mut out = set.join_all().await;
    out.sort_unstable();
    out.into_iter().map(|(_, s)| s).collect()
}

#[tokio::test]
async fn one_certificate_gets_five_guesses_whoever_asks() {
    let f = fixture();
    let cert = issue(&f.state, "王晓明").claims.id_urn();
    let other = issue(&f.state, "李娜").claims.id_urn();
    // Five clients each guess once: all answered; the sixth guess, from a sixth client, not.
    let asks = (0..PER_CERTIFICATE)
        .map(|i| {
            (
                format!("10.0.{i}.1:4000"),
                cert.clone(),
                "330602199001011248".to_owned(),
            )
        })
        .collect();
    assert_eq!(all(&f.state, asks).await, vec![200; PER_CERTIFICATE]);
    let r = check(&f.state, "10.9.9.9:4000", &cert, "330602199001011231").await;
    assert_eq!(r.assert_error(429), "too_many_requests");
    let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait >= 1, "{wait}");
    // The same certificate written another way is the same bucket; another certificate is not.
    let bare = cert.trim_start_matches("urn:uuid:").to_ascii_uppercase();
    let r = check(&f.state, "10.9.9.10:4000", &bare, "330602199001011231").await;
    assert_eq!(r.status, 429);
    let r = check(&f.state, "10.9.9.11:4000", &other, "330602199001011231").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["match"], true);
}

#[tokio::test]
async fn a_client_gets_twenty_checks_and_an_ipv6_client_is_its_slash_64() {
    let f = fixture();
    for (first, same_net, other_net) in [
        ("10.1.1.1:5000", "10.1.1.1:5001", "10.1.1.2:5000"),
        (
            "[2001:db8:1:2::1]:5000",
            "[2001:db8:1:2:ffff:ffff:ffff:fffe]:5000",
            "[2001:db8:1:3::1]:5000",
        ),
    ] {
        // Twenty different (unknown) certificates, so only the client's bucket empties.
        let asks = (0..PER_CLIENT)
            .map(|i| {
                (
                    first.to_owned(),
                    format!("S0001999900000{i:08}"),
                    "330602199001011231".to_owned(),
                )
            })
            .collect();
        assert_eq!(all(&f.state, asks).await, vec![200; PER_CLIENT], "{first}");
        let r = check(&f.state, same_net, "S000199990000099999999", "1").await;
        assert_eq!(r.status, 429, "{same_net} is counted with {first}");
        let r = check(&f.state, other_net, "S000199990000099999998", "1").await;
        assert_eq!(r.status, 200, "{other_net} has its own share");
    }
}

#[tokio::test]
async fn match_no_match_and_unknown_take_the_answer_time_and_look_alike() {
    let f = fixture();
    let cert = issue(&f.state, "王晓明").claims.id_urn();
    let mut bodies = Vec::new();
    for (i, (c, id)) in [
        (cert.as_str(), "330602199001011231"),
        (cert.as_str(), "330602199001011248"),
        ("S000199990000000000001", "330602199001011231"),
    ]
    .into_iter()
    .enumerate()
    {
        let t = Instant::now();
        let r = check(&f.state, &format!("10.2.0.{i}:1"), c, id).await;
        assert!(t.elapsed() >= ANSWER_TIME, "{:?}", t.elapsed());
        assert_eq!(r.status, 200);
        assert_eq!(r.headers["cache-control"], "no-store");
        bodies.push((r.content_type().to_owned(), r.text().len()));
    }
    // `{"match":true}` and `{"match":false}` differ by one byte; nothing else differs.
    assert_eq!(bodies[1], bodies[2]);
    assert_eq!(bodies[0].0, bodies[1].0);
    assert_eq!(bodies[0].1 + 1, bodies[1].1);
}

#[tokio::test]
async fn finding_6_clients_behind_a_trusted_proxy_are_counted_apart_and_others_cannot_pick_a_bucket(
) {
    let mut f = fixture();
    f.state.trusted_proxies =
        std::sync::Arc::new(skillcert_server::client_ip::TrustedProxies::new(vec![
            "10.0.0.0/8".parse().unwrap(),
        ]));
    let unknown = |i: usize| format!("S0001999900000{i:08}");
    // Behind the proxy: the client the proxy names has its own share.
    for i in 0..PER_CLIENT {
        let r = check_via(
            &f.state,
            "10.0.0.1:1",
            Some("198.51.100.1"),
            &unknown(i),
            "1",
        )
        .await;
        assert_eq!(r.status, 200);
    }
    let r = check_via(
        &f.state,
        "10.0.0.1:1",
        Some("198.51.100.1"),
        &unknown(90),
        "1",
    )
    .await;
    assert_eq!(r.status, 429, "198.51.100.1 used its share");
    let r = check_via(
        &f.state,
        "10.0.0.2:1",
        Some("198.51.100.2"),
        &unknown(91),
        "1",
    )
    .await;
    assert_eq!(r.status, 200, "another client behind the proxy");
    // Anyone else's X-Forwarded-For is ignored: rotating it does not rotate the bucket.
    for i in 0..PER_CLIENT {
        let xff = format!("192.0.2.{i}");
        let r = check_via(
            &f.state,
            "203.0.113.5:1",
            Some(&xff),
            &unknown(100 + i),
            "1",
        )
        .await;
        assert_eq!(r.status, 200);
    }
    let r = check_via(
        &f.state,
        "203.0.113.5:1",
        Some("192.0.2.250"),
        &unknown(200),
        "1",
    )
    .await;
    assert_eq!(r.status, 429);
}
