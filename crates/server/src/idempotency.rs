//! `Idempotency-Key` on the admin issuance routes (`POST /api/v1/admin/certificates` and
//! `…/batch`): a client that retries a request whose answer it never got (a timeout, a kill
//! of the server after the commit) gets the first answer again instead of new certificates.
//!
//! The key (1 to 255 printable ASCII characters) is held in the issuer's database with the SHA-256 of
//! the route and the body, byte for byte:
//!
//! - first request: the key is reserved before anything is issued; each certificate issued
//!   for it is recorded, in its own issuance transaction, under a row key derived from it
//!   (`idem:<sha256 of the key>:<index>`); the answer (status and body) is stored before it is
//!   sent;
//! - retry with the same body, answered: the stored status and body, with
//!   `Idempotent-Replayed: true`;
//! - retry with the same body, not answered (the server was killed in between): the
//!   certificates already recorded are completed from the issuer's database (re-signed: the same key
//!   and time give the same bytes), the missing ones issued, and that answer stored;
//! - the same key with another body (or route): 422; while a request with the key is being
//!   answered by this server: 409.
//!
//! Requests refused before issuing (bad JSON, a bad field) store nothing: the key may be used
//! again once the request is corrected.

use super::backend::Backend;
use super::errors::{blocking, ApiError};
pub use super::guards::{Claim, InFlight};
use super::state::AppState;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use skillcert::issuer::Issued;
use skillcert::request::CheckedRequest;
use skillcert_store::issuer_db::idempotency::KeyState;
use skillcert_store::issuer_db::IssueOptions;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The answer header on a replayed answer (`true`).
pub const REPLAYED: &str = "idempotent-replayed";
/// Longest key, in characters.
pub const MAX_KEY_LEN: usize = 255;

/// An answer of an issuance route: JSON, never cached; `replayed` when it is the stored one.
#[derive(Debug)]
pub struct Answer {
    /// Status.
    pub status: StatusCode,
    /// JSON text.
    pub body: String,
    /// Served from the issuer's database (a retry).
    pub replayed: bool,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut r = (self.status, self.body).into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if self.replayed {
            h.insert(
                HeaderName::from_static(REPLAYED),
                HeaderValue::from_static("true"),
            );
        }
        r
    }
}

/// The request's `Idempotency-Key`, checked: `None` when there is none.
pub fn key_of(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let mut values = headers.get_all(HEADER).iter();
    let Some(v) = values.next() else {
        return Ok(None);
    };
    let bad = || {
        ApiError::BadRequest(format!(
            "Idempotency-Key: one key of 1 to {MAX_KEY_LEN} printable ASCII characters"
        ))
    };
    if values.next().is_some() {
        return Err(bad());
    }
    let k = v.as_bytes();
    if k.is_empty() || k.len() > MAX_KEY_LEN || !k.iter().all(|b| (0x20..=0x7e).contains(b)) {
        return Err(bad());
    }
    Ok(Some(String::from_utf8_lossy(k).into_owned()))
}

/// SHA-256 (hex) of a request: its route and body.
pub fn request_hash(route: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(b"skillcert-idempotency-v1\0");
    h.update(route.as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

fn mismatch() -> ApiError {
    ApiError::Unprocessable(
        "Idempotency-Key: already used with a different request; send a new key".into(),
    )
}

/// What an issuance route does with a request's key.
#[derive(Debug)]
pub enum Start {
    /// Answer with the stored answer.
    Replay(Answer),
    /// Go on (holding the key, if the request has one).
    Go(Option<Claim>),
}

/// Before the request is checked: takes its key (409 when it is being answered), then
/// replays the stored answer or refuses a different request with the key (422).
pub async fn start(
    state: &AppState,
    headers: &HeaderMap,
    route: &str,
    body: &[u8],
) -> Result<Start, ApiError> {
    let Some(key) = key_of(headers)? else {
        return Ok(Start::Go(None));
    };
    let backend = state.issuer_site()?.clone();
    let claim = backend.in_flight().claim(key, request_hash(route, body))?;
    let (k, h) = (claim.key.clone(), claim.request_sha256.clone());
    let known = blocking(move || Ok(backend.registry().idempotency_lookup(&k, &h)?)).await?;
    match known {
        Some(KeyState::Answered { status, body }) => Ok(Start::Replay(stored(status, body)?)),
        Some(KeyState::Mismatch) => Err(mismatch()),
        _ => Ok(Start::Go(Some(claim))),
    }
}

fn stored(status: u16, body: String) -> Result<Answer, ApiError> {
    let status = StatusCode::from_u16(status)
        .map_err(|_| ApiError::Internal(format!("stored status {status}")))?;
    Ok(Answer {
        status,
        body,
        replayed: true,
    })
}

/// What [`issue`] did.
#[derive(Debug)]
pub enum Issuance {
    /// The key was answered meanwhile (by another process): its answer.
    Replay(Answer),
    /// Each request's certificate, or why it failed.
    Done(Vec<Result<Issued, ApiError>>),
}

/// Issues `items` (blocking). With a key: reserves it, and issues each under the row key
/// derived from it, completing the ones an earlier, cut-off request recorded.
pub fn issue(
    backend: &Backend,
    claim: Option<&Claim>,
    items: &[CheckedRequest],
) -> Result<Issuance, ApiError> {
    let Some(claim) = claim else {
        return Ok(Issuance::Done(
            items.iter().map(|c| backend.issue(c)).collect(),
        ));
    };
    let registry = backend.registry();
    match registry.idempotency_reserve(&claim.key, &claim.request_sha256)? {
        KeyState::Reserved | KeyState::Unanswered => {}
        KeyState::Answered { status, body } => return Ok(Issuance::Replay(stored(status, body)?)),
        KeyState::Mismatch => return Err(mismatch()),
    }
    let prefix = format!("idem:{}", hex::encode(Sha256::digest(claim.key.as_bytes())));
    let issuer = backend.issuer();
    let one = |i: usize, c: &CheckedRequest| -> Result<Issued, ApiError> {
        let row = format!("{prefix}:{i}");
        Ok(match registry.find_batch_key(&row)? {
            Some(rec) => registry.complete(&issuer, &rec.id)?,
            None => {
                let print = super::backend::print_json(&issuer, c);
                let opts = IssueOptions {
                    actor: None,
                    batch_key: Some(&row),
                    print: Some(&print),
                    holder_id: c.national_id.as_deref(),
                };
                registry.issue_with(&issuer, c, &opts)?
            }
        })
    };
    Ok(Issuance::Done(
        items.iter().enumerate().map(|(i, c)| one(i, c)).collect(),
    ))
}

/// The answer to a request (blocking): with a key, stored first, so that a retry gets it.
pub fn answer(
    backend: &Backend,
    claim: Option<&Claim>,
    status: StatusCode,
    body: String,
) -> Answer {
    if let Some(c) = claim {
        if let Err(e) = backend
            .registry()
            .idempotency_answer(&c.key, status.as_u16(), &body)
        {
            // Still safe: a retry completes the recorded certificates and answers the same.
            tracing::error!(error = %e, "the answer to an idempotency key could not be stored");
        }
    }
    Answer {
        status,
        body,
        replayed: false,
    }
}
