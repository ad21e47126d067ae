//! `POST /api/v1/verify/batch`: every line's answer is what `POST /api/v1/verify` answers for
//! that line alone, in input order; the batch's own limits are refused as a whole.

use crate::server_support::*;
use skillcert_server::backend::Change;
use skillcert_server::batch::{MAX_BATCH_BODY, MAX_BATCH_LINES};
use skillcert_server::AppState;

const VERIFY: &str = "/api/v1/verify";
const BATCH: &str = "/api/v1/verify/batch";
const NDJSON: &str = "application/x-ndjson";
const TEXT: &str = "text/plain";

/// The single route's body for `line` sent alone with content type `ct`.
async fn single(state: &AppState, ct: &str, line: &[u8]) -> String {
    send(state, req("POST", VERIFY, Some(ct), line.to_vec()))
        .await
        .text()
}

/// The batch's answer lines for `lines` (joined with `\n`, with a final line break).
async fn batch(state: &AppState, ct: &str, lines: &[Vec<u8>]) -> Vec<String> {
    let mut body = lines.join(&b'\n');
    body.push(b'\n');
    let r = send(state, req("POST", BATCH, Some(ct), body)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.content_type(), NDJSON);
    assert_eq!(r.headers["cache-control"], "no-store");
    let text = r.text();
    assert!(text.ends_with('\n'), "{text}");
    text.lines().map(str::to_owned).collect()
}

/// Sends `cases` (name, line) as one batch of content type `ct` and compares every answer
/// line with the single route's answer for the same input under `single_ct`.
async fn same_as_single(state: &AppState, ct: &str, single_ct: &str, cases: &[(&str, Vec<u8>)]) {
    let lines: Vec<Vec<u8>> = cases.iter().map(|(_, l)| l.clone()).collect();
    let answers = batch(state, ct, &lines).await;
    assert_eq!(answers.len(), cases.len(), "one answer a line");
    for ((name, line), answer) in cases.iter().zip(&answers) {
        let want = single(state, single_ct, line).await;
        assert_eq!(
            answer, &want,
            "{name}: the batch's line differs from the single route"
        );
    }
    // The same lines in reverse order: the answers follow them.
    let reversed: Vec<Vec<u8>> = lines.iter().rev().cloned().collect();
    let back = batch(state, ct, &reversed).await;
    let mut expected = answers.clone();
    expected.reverse();
    assert_eq!(back, expected, "order kept");
}

/// A valid token, a revoked one, its QR text and document, and a tampered token.
struct Inputs {
    token: String,
    revoked: String,
    qr: String,
    document: String,
    tampered: String,
}

fn inputs(state: &AppState) -> Inputs {
    let valid = issue(state, "王晓明");
    let revoked = issue(state, "李娜");
    let backend = state.issuer_site().unwrap();
    let id =
        uuid::Uuid::parse_str(revoked.claims.id_urn().trim_start_matches("urn:uuid:")).unwrap();
    backend
        .change(&id, Change::Revoke, ("test", None), "test")
        .unwrap();
    let mut tampered = valid.token.clone().into_bytes();
    let k = tampered.len() - 5;
    tampered[k] = if tampered[k] == b'A' { b'B' } else { b'A' };
    Inputs {
        token: valid.token.clone(),
        revoked: revoked.token,
        qr: valid.qr_text,
        document: serde_json::to_string(&valid.document).unwrap(),
        tampered: String::from_utf8(tampered).unwrap(),
    }
}

#[tokio::test]
async fn text_lines_answer_as_the_single_route() {
    let f = fixture();
    let i = inputs(&f.state);
    let oversize = vec![b'a'; skillcert_server::api::MAX_VERIFY_BODY + 1];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("valid token", i.token.clone().into()),
        (
            "document (JSON-LD proof: the costly path)",
            i.document.into(),
        ),
        ("QR text", i.qr.into()),
        ("revoked", i.revoked.into()),
        ("tampered", i.tampered.into()),
        ("garbage", b"garbage".to_vec()),
        ("empty line", Vec::new()),
        ("spaces only", b"   ".to_vec()),
        ("carriage return kept", format!("{}\r", i.token).into()),
        ("not UTF-8", vec![0xff, 0xfe, b'x']),
        ("oversize line", oversize),
        ("valid token again", i.token.into()),
    ];
    same_as_single(&f.state, TEXT, TEXT, &cases).await;
}

#[tokio::test]
async fn ndjson_lines_answer_as_the_single_routes_json_body() {
    let f = fixture();
    let i = inputs(&f.state);
    let wrap = |s: &str| serde_json::json!({ "input": s }).to_string().into_bytes();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("token in {input}", wrap(&i.token)),
        ("document itself", i.document.clone().into()),
        ("document text in {input}", wrap(&i.document)),
        ("QR text in {input}", wrap(&i.qr)),
        ("revoked", wrap(&i.revoked)),
        ("tampered", wrap(&i.tampered)),
        ("garbage in {input}", wrap("garbage")),
        ("a bare JSON string", serde_json::to_vec(&i.token).unwrap()),
        ("input not a string", br#"{"input": 5}"#.to_vec()),
        ("unparsable JSON", b"{".to_vec()),
        ("duplicate key", br#"{"input": "a", "input": "b"}"#.to_vec()),
        ("empty input", wrap("")),
        ("empty line", Vec::new()),
    ];
    same_as_single(&f.state, NDJSON, "application/json", &cases).await;
}

#[tokio::test]
async fn many_lines_keep_their_order_across_groups() {
    let f = fixture();
    let i = inputs(&f.state);
    // 300 lines over several check groups: valid, garbage and revoked in a pattern.
    let lines: Vec<Vec<u8>> = (0..300)
        .map(|k| match k % 3 {
            0 => i.token.clone().into_bytes(),
            1 => format!("garbage {k}").into_bytes(),
            _ => i.revoked.clone().into_bytes(),
        })
        .collect();
    let answers = batch(&f.state, TEXT, &lines).await;
    assert_eq!(answers.len(), 300);
    for (k, a) in answers.iter().enumerate() {
        let v: serde_json::Value = serde_json::from_str(a).unwrap();
        let want = ["valid", "malformed", "revoked"][k % 3];
        assert_eq!(v["verdict"], want, "line {}", k + 1);
        if k % 3 == 1 {
            assert!(
                v["message"]
                    .as_str()
                    .unwrap()
                    .contains("not a JSON document"),
                "{v}"
            );
        }
    }
}

#[tokio::test]
async fn batch_limits_and_content_types_are_refused_whole() {
    let f = fixture();
    let s = &f.state;
    let post = |ct: Option<&'static str>, body: Vec<u8>| send(s, req("POST", BATCH, ct, body));
    // Line count: the limit itself is taken, one more is refused (a final line break ends
    // the last line, it starts no other).
    let at_limit = "x\n".repeat(MAX_BATCH_LINES).into_bytes();
    let r = post(Some(TEXT), at_limit).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text().lines().count(), MAX_BATCH_LINES);
    let over = "x\n".repeat(MAX_BATCH_LINES + 1).into_bytes();
    let r = post(Some(TEXT), over).await;
    assert_eq!(r.assert_error(413), "payload_too_large");
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains(&MAX_BATCH_LINES.to_string()));
    // Body size.
    let r = post(Some(TEXT), vec![b'x'; MAX_BATCH_BODY + 1]).await;
    assert_eq!(r.assert_error(413), "payload_too_large");
    assert!(
        r.json()["message"].as_str().unwrap().contains("8 MiB"),
        "{}",
        r.text()
    );
    // Empty, and content types the route does not take.
    let r = post(Some(TEXT), Vec::new()).await;
    assert_eq!(r.assert_error(400), "bad_request");
    for ct in [
        Some("application/json"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let r = post(ct, b"x\n".to_vec()).await;
        assert_eq!(r.assert_error(415), "unsupported_media_type", "{ct:?}");
    }
    // One line without a final line break is one line.
    let r = post(Some(TEXT), b"x".to_vec()).await;
    assert_eq!(r.text().lines().count(), 1);
}

/// Concurrent requests to the single route are checked together (their signatures in one
/// batch): each still gets the answer it gets alone, whatever else is checked beside it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_single_requests_answer_as_alone() {
    let f = fixture();
    let i = inputs(&f.state);
    let inputs: Vec<Vec<u8>> = [
        i.token.as_bytes(),
        i.revoked.as_bytes(),
        i.tampered.as_bytes(),
        i.qr.as_bytes(),
        b"garbage",
    ]
    .iter()
    .map(|b| b.to_vec())
    .collect();
    let mut alone = Vec::new();
    for input in &inputs {
        alone.push(single(&f.state, TEXT, input).await);
    }
    let tasks: Vec<_> = (0..200)
        .map(|k| {
            let (state, input) = (f.state.clone(), inputs[k % inputs.len()].clone());
            tokio::spawn(async move { single(&state, TEXT, &input).await })
        })
        .collect();
    for (k, t) in tasks.into_iter().enumerate() {
        assert_eq!(t.await.unwrap(), alone[k % inputs.len()], "request {k}");
    }
}
