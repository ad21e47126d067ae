//! The online ID check over the router, with the client address a socket would give: the
//! limits per certificate and per client (an IPv6 client by its /64), and the one answer time
//! for match, no match and unknown certificate.

use crate::server_support::{fixture, issue, req, send, Resp};
use axum::extract::ConnectInfo;
use skillcert::server::AppState;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The first two rate limits of `rate_limit` (burst per certificate, burst per client).
const PER_CERTIFICATE: usize = 5;
const PER_CLIENT: usize = 20;
/// The answer time of `holder_check::ANSWER_TIME`.
const ANSWER_TIME: Duration = Duration::from_millis(250);

/// One check of `certificate` with `id` from `client`.
async fn check(state: &AppState, client: &str, certificate: &str, id: &str) -> Resp {
    let mut r = req(
        "POST",
        "/api/v1/holder-check",
        Some("application/json"),
        serde_json::json!({"certificate": certificate, "id_number": id}).to_string(),
    );
    let addr: SocketAddr = client.parse().unwrap();
    r.extensions_mut().insert(ConnectInfo(addr));
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
