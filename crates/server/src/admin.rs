//! The admin API, behind `Authorization: Bearer <admin token>`: issue one, issue a batch,
//! revoke, suspend, reinstate, look up a certificate and its history.
//!
//! The token is compared as SHA-256 digests in constant time; only the digest is held. It is
//! checked by [`require_admin`] before any handler runs, so a request without it gets its 401
//! with its body unread (and the connection closed rather than drained).

use super::backend::{issued_body, Change};
use super::bodies::{
    to_json, BatchBody, BatchFailure, BatchItem, CertificateBody, ErrorBody, IssuedBody,
};
use super::errors::{blocking, parse_json, require_json, ApiError};
use super::idempotency::{self, Claim, Issuance, Start};
use super::openapi::responses::{
    AdminTokenRefused, BadId, IssuanceRefusals, NoSuchCertificate, NotJson, StatusChangeAnswers,
    TooLarge,
};
use super::schemas::{BatchRequest, IssuanceRequestSchema, ReasonOptional, ReasonRequired};
pub use super::schemas::{MAX_BATCH, MAX_REASON_CHARS};
use super::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use sha2::{Digest, Sha256};
use skillcert::request::{CheckedRequest, IssuanceRequest, MAX_REQUEST};
use skillcert_store::issuer_db::{check_reason, ReasonError};
use subtle::ConstantTimeEq;
use uuid::Uuid;

/// Largest batch body (4 MiB).
pub const MAX_BATCH_BODY: usize = 4 << 20;

/// SHA-256 of an admin token (what the data dir stores).
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Checks the bearer token; returns the actor name recorded with changes (a short digest prefix,
/// never the token).
pub fn authorize(state: &AppState, headers: &HeaderMap) -> Result<String, ApiError> {
    let expected = state.admin_hash().ok_or(ApiError::Unauthorized)?;
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
        .filter(|t| !t.is_empty() && t.len() <= 512)
        .ok_or(ApiError::Unauthorized)?;
    let got = token_hash(presented);
    if bool::from(got.ct_eq(expected)) {
        Ok(format!("admin-token:{}", hex::encode(&got[..4])))
    } else {
        tracing::warn!("admin request with a wrong token");
        Err(ApiError::Unauthorized)
    }
}

/// The admin routes, each behind [`require_admin`].
pub fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/api/v1/admin/certificates", post(issue_one))
        .route(
            "/api/v1/admin/certificates/batch",
            post(issue_batch).layer(DefaultBodyLimit::max(MAX_BATCH_BODY)),
        )
        .route("/api/v1/admin/certificates/{id}", get(lookup))
        .route("/api/v1/admin/certificates/{id}/pdf", get(pdf))
        .route("/api/v1/admin/certificates/{id}/revoke", post(revoke))
        .route("/api/v1/admin/certificates/{id}/suspend", post(suspend))
        .route("/api/v1/admin/certificates/{id}/reinstate", post(reinstate))
        .route_layer(middleware::from_fn_with_state(state, require_admin))
}

/// Middleware of the admin routes: checks the bearer token from the headers alone, before
/// anything reads the body. A refused request gets its 401 with `Connection: close`: its body
/// (up to 4 MiB for a batch) is neither read nor drained.
pub async fn require_admin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match authorize(&state, req.headers()) {
        Ok(_) => next.run(req).await,
        Err(e) => {
            let mut r = e.into_response();
            r.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            r
        }
    }
}

fn json_status(status: StatusCode, body: &impl serde::Serialize) -> Response {
    let mut r = (status, to_json(body)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

fn check_request(v: Value, at: &str) -> Result<CheckedRequest, ApiError> {
    IssuanceRequest::from_value(v)
        .map(|(_, c)| c)
        .map_err(|e| ApiError::Unprocessable(format!("{at}{e}")))
}

/// Refuses (blocking: the first call parses the font), before anything is recorded, requests
/// whose page could not be printed, as `issue` and `issue-batch` do
/// ([`skillcert_print::printing::check_texts`]): a character no bundled font has is 422, naming the
/// field (`holder.name`; `[3].holder.name` in a batch) and the character. So is an issuer
/// whose organisation name cannot be printed: none of its pages could be.
fn check_printable(
    issuer: &skillcert::issuer::Issuer,
    items: &[CheckedRequest],
    batch: bool,
) -> Result<(), ApiError> {
    use skillcert_print::printing::{self, FieldNames};
    let printer = printing::shared_printer().map_err(|e| ApiError::Internal(e.to_string()))?;
    printing::check_organisation(printer, issuer)
        .map_err(|e| ApiError::Unprocessable(format!("the issuer's settings: {e}")))?;
    for (i, req) in items.iter().enumerate() {
        // The extras the certificate is recorded with (backend::print_json).
        let extras = issuer.print_extras(
            skillcert::request::PrintExtras::default(),
            req.national_id.as_deref(),
            std::path::Path::new("."),
        );
        printing::check_texts(printer, req, &extras, FieldNames::Request).map_err(|(_, e)| {
            let at = if batch {
                format!("[{i}].")
            } else {
                String::new()
            };
            ApiError::Unprocessable(format!("{at}{e}"))
        })?;
    }
    Ok(())
}

/// `POST /api/v1/admin/certificates`: issue one (body: an issuance request). With an
/// `Idempotency-Key`, a retry gets the first answer (see [`idempotency`]).
#[utoipa::path(post, path = "/api/v1/admin/certificates", tag = "admin",
    summary = "Issue one certificate",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[\\x20-\\x7e]+$",
            description = "1 to 255 printable ASCII characters. A retry with the same key and the same body (byte for byte) gets the first answer again, with Idempotent-Replayed: true, and issues nothing; the same key with another body is 422.")),
    request_body(content = inline(IssuanceRequestSchema), content_type = "application/json"),
    responses(
        (status = 201, description = "issued (or, with Idempotent-Replayed, the first answer to the key)", body = IssuedBody, headers(("Idempotent-Replayed" = String, description = "true when this is the stored first answer to the request's Idempotency-Key"))),
        IssuanceRefusals,
        TooLarge,
        NotJson,
        AdminTokenRefused,
        (status = 422, description = "refused; the message names the field (or the Idempotency-Key was used with another body)", body = ErrorBody),
    ))]
pub async fn issue_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Admitted { actor, body, claim } = match admit(&state, &headers, body, ROUTE_ONE).await? {
        Ok(a) => a,
        Err(replay) => return Ok(replay),
    };
    let checked = check_request(parse_json(&body, MAX_REQUEST)?, "")?;
    let backend = state.issuer_site()?.clone();
    let (answer, id) = blocking(move || {
        check_printable(&backend.issuer(), std::slice::from_ref(&checked), false)?;
        let issued = match idempotency::issue(&backend, claim.as_ref(), &[checked])? {
            Issuance::Replay(a) => return Ok((a, None)),
            Issuance::Done(v) => v
                .into_iter()
                .next()
                .ok_or_else(|| ApiError::Internal("one request, no result".into()))??,
        };
        let id = issued.claims.id_urn();
        let out = to_json(&issued_body(&backend.issuer(), &issued));
        let a = idempotency::answer(&backend, claim.as_ref(), StatusCode::CREATED, out);
        Ok((a, Some(id)))
    })
    .await?;
    if let Some(id) = id {
        tracing::info!(actor = %actor, credential_id = %id, "issued");
    }
    Ok(answer.into_response())
}

/// An issuance request let in: who asked, its body, and its `Idempotency-Key` (if any).
struct Admitted {
    actor: String,
    body: Bytes,
    claim: Option<Claim>,
}

/// The common start of the issuance routes: the admin token, the content type, the body, then
/// the `Idempotency-Key`. `Ok(Err(answer))`: the stored first answer to replay.
async fn admit(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    route: &str,
) -> Result<Result<Admitted, Response>, ApiError> {
    let actor = authorize(state, headers)?;
    require_json(headers)?;
    let body = body?;
    Ok(
        match idempotency::start(state, headers, route, &body).await? {
            Start::Replay(a) => Err(a.into_response()),
            Start::Go(claim) => Ok(Admitted { actor, body, claim }),
        },
    )
}

/// Route name of `issue_one` in the hash of an idempotent request (see
/// [`idempotency::request_hash`]).
pub const ROUTE_ONE: &str = "POST /api/v1/admin/certificates";
/// Route name of `issue_batch` in the hash of an idempotent request.
pub const ROUTE_BATCH: &str = "POST /api/v1/admin/certificates/batch";

fn parse_batch(body: &[u8]) -> Result<Vec<CheckedRequest>, ApiError> {
    let Value::Array(items) = parse_json(body, MAX_BATCH_BODY)? else {
        return Err(ApiError::Unprocessable(
            "$: send a JSON array of issuance requests".into(),
        ));
    };
    if items.is_empty() || items.len() > MAX_BATCH {
        return Err(ApiError::Unprocessable(format!(
            "$: a batch holds 1 to {MAX_BATCH} requests, not {}",
            items.len()
        )));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| check_request(v, &format!("[{i}].")))
        .collect()
}

/// `POST /api/v1/admin/certificates/batch`: issue many (body: a JSON array of issuance
/// requests). Every request is checked (its page printable too) before any is issued; a
/// refusal names its index.
/// With an `Idempotency-Key`, a retry gets the first answer (see [`idempotency`]).
#[utoipa::path(post, path = "/api/v1/admin/certificates/batch", tag = "admin",
    summary = "Issue a batch (every request checked before any is issued)",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = "^[\\x20-\\x7e]+$",
            description = "1 to 255 printable ASCII characters. A retry with the same key and the same body (byte for byte) gets the first answer again, with Idempotent-Replayed: true, and issues nothing; the same key with another body is 422.")),
    request_body(content = inline(BatchRequest), content_type = "application/json"),
    responses(
        (status = 200, description = "per-request results (or, with Idempotent-Replayed, the first answer to the key)", body = BatchBody, headers(("Idempotent-Replayed" = String, description = "true when this is the stored first answer to the request's Idempotency-Key"))),
        IssuanceRefusals,
        TooLarge,
        NotJson,
        AdminTokenRefused,
        (status = 422, description = "refused; the message names [index].field (or the Idempotency-Key was used with another body)", body = ErrorBody),
    ))]
pub async fn issue_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Admitted { actor, body, claim } = match admit(&state, &headers, body, ROUTE_BATCH).await? {
        Ok(a) => a,
        Err(replay) => return Ok(replay),
    };
    let checked = parse_batch(&body)?;
    let backend = state.issuer_site()?.clone();
    let (answer, failed) = blocking(move || {
        check_printable(&backend.issuer(), &checked, true)?;
        let done = match idempotency::issue(&backend, claim.as_ref(), &checked)? {
            Issuance::Replay(a) => return Ok((a, None)),
            Issuance::Done(v) => v,
        };
        let issuer = backend.issuer();
        let results: Vec<BatchItem> = done
            .iter()
            .enumerate()
            .map(|(i, r)| match r {
                Ok(issued) => BatchItem::Issued(issued_body(&issuer, issued)),
                Err(e) => BatchItem::Failed(BatchFailure {
                    index: i,
                    error: e.code().to_owned(),
                    message: e.to_string(),
                }),
            })
            .collect();
        let failed = done.iter().filter(|r| r.is_err()).count();
        let out = BatchBody {
            issued: results.len() - failed,
            failed,
            results,
        };
        let a = idempotency::answer(&backend, claim.as_ref(), StatusCode::OK, to_json(&out));
        Ok((a, Some((done.len() - failed, failed))))
    })
    .await?;
    if let Some((issued, failed)) = failed {
        tracing::info!(actor = %actor, issued, failed, "batch issued");
    }
    Ok(answer.into_response())
}

/// Parses a certificate id from the path: `urn:uuid:…` or the bare UUID.
pub fn parse_id(s: &str) -> Result<Uuid, ApiError> {
    skillcert_store::issuer_db::parse_id(s)
        .ok_or_else(|| ApiError::BadRequest("id: must be urn:uuid:<uuid> or a UUID".into()))
}

/// Parses the look-up path: a certificate id (`urn:uuid:…`, bare UUID) or a certificate number
/// (any case).
pub fn parse_id_or_number(s: &str) -> Result<String, ApiError> {
    if let Some(u) = skillcert_store::issuer_db::parse_id(s) {
        return Ok(format!("urn:uuid:{u}"));
    }
    let n = s.trim().to_ascii_uppercase();
    if skillcert::model::number::is_number_shape(&n) {
        Ok(n)
    } else {
        Err(ApiError::BadRequest(
            "id: must be urn:uuid:<uuid>, a UUID or a certificate number".into(),
        ))
    }
}

/// The internal reason and the public one of a status change body.
struct Reasons {
    reason: String,
    public_reason: Option<String>,
}

fn reason_of(headers: &HeaderMap, body: &[u8], what: Change) -> Result<Reasons, ApiError> {
    let required = what != Change::Reinstate;
    if body.is_empty() && !required {
        return Ok(Reasons {
            reason: String::new(),
            public_reason: None,
        });
    }
    require_json(headers)?;
    let v = parse_json(body, 16 << 10)?;
    let obj = v
        .as_object()
        .ok_or_else(|| ApiError::Unprocessable("$: send {\"reason\": \"...\"}".into()))?;
    let known: &[&str] = if required {
        &["reason", "public_reason"]
    } else {
        &["reason"]
    };
    if let Some(k) = obj.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(ApiError::Unprocessable(format!("{k}: unknown field")));
    }
    let text = |field: &str, required: bool| -> Result<Option<String>, ApiError> {
        let value = match obj.get(field) {
            Some(Value::String(s)) => Some(s.as_str()),
            None => None,
            Some(_) => {
                return Err(ApiError::Unprocessable(format!(
                    "{field}: must be a string"
                )))
            }
        };
        match check_reason(field, value, required) {
            Ok(r) => Ok(r),
            Err(ReasonError::Missing) => Err(ApiError::Unprocessable(format!(
                "{field}: required, a non-empty string"
            ))),
            Err(ReasonError::Invalid(e)) => Err(ApiError::Unprocessable(e.to_string())),
        }
    };
    Ok(Reasons {
        reason: text("reason", required)?.unwrap_or_default(),
        public_reason: text("public_reason", false)?,
    })
}

async fn change(
    state: AppState,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
    what: Change,
) -> Result<Response, ApiError> {
    let actor = authorize(&state, &headers)?;
    let Path(id) = id?;
    let id = parse_id(&id)?;
    let body = body?;
    let r = reason_of(&headers, &body, what)?;
    let backend = state.issuer_site()?.clone();
    let a = actor.clone();
    let out =
        blocking(move || backend.change(&id, what, (&r.reason, r.public_reason.as_deref()), &a))
            .await?;
    tracing::info!(actor = %actor, credential_id = %id, change = what.as_str(), "status changed");
    Ok(json_status(StatusCode::OK, &out))
}

/// `POST /api/v1/admin/certificates/{id}/revoke` (body `{"reason": …}`, required, and an
/// optional `public_reason` shown on the verification page).
#[utoipa::path(post, path = "/api/v1/admin/certificates/{id}/revoke", tag = "admin",
    summary = "Revoke (final)",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "urn:uuid:… or the bare UUID")),
    request_body(content = inline(ReasonRequired), content_type = "application/json", description = "why (required)"),
    responses(StatusChangeAnswers, NoSuchCertificate, NotJson, AdminTokenRefused))]
pub async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    change(state, headers, id, body, Change::Revoke).await
}

/// `POST /api/v1/admin/certificates/{id}/suspend` (body `{"reason": …}`, required).
#[utoipa::path(post, path = "/api/v1/admin/certificates/{id}/suspend", tag = "admin",
    summary = "Suspend",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "urn:uuid:… or the bare UUID")),
    request_body(content = inline(ReasonRequired), content_type = "application/json", description = "why (required)"),
    responses(StatusChangeAnswers, NoSuchCertificate, NotJson, AdminTokenRefused))]
pub async fn suspend(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    change(state, headers, id, body, Change::Suspend).await
}

/// `POST /api/v1/admin/certificates/{id}/reinstate` (body optional `{"reason": …}`).
#[utoipa::path(post, path = "/api/v1/admin/certificates/{id}/reinstate", tag = "admin",
    summary = "Lift a suspension",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "urn:uuid:… or the bare UUID")),
    request_body(content = inline(ReasonOptional), content_type = "application/json", description = "why (optional; the body may be empty)"),
    responses(StatusChangeAnswers, NoSuchCertificate, NotJson, AdminTokenRefused))]
pub async fn reinstate(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    change(state, headers, id, body, Change::Reinstate).await
}

/// `GET /api/v1/admin/certificates/{id}/pdf`: the printed certificate.
#[utoipa::path(get, path = "/api/v1/admin/certificates/{id}/pdf", tag = "admin",
    summary = "The printed certificate (one A4 PDF page)",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "urn:uuid:…, the bare UUID, or the certificate number")),
    responses(
        (status = 200, description = "the PDF", content_type = "application/pdf", body = Vec<u8>),
        BadId,
        NoSuchCertificate,
        AdminTokenRefused,
        (status = 422, description = "the certificate cannot be printed (the message says why)", body = ErrorBody),
    ))]
pub async fn pdf(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let Path(id) = id?;
    let id = parse_id_or_number(&id)?;
    let backend = state.issuer_site()?.clone();
    let (bytes, warning) = blocking(move || backend.pdf(&id)).await?;
    let mut r = (
        StatusCode::OK,
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response();
    if let Some(w) = warning {
        if let Ok(v) = axum::http::HeaderValue::from_str(&w) {
            r.headers_mut().insert("x-skillcert-warning", v);
        }
    }
    Ok(r)
}

/// `GET /api/v1/admin/certificates/{id}`: the record and its history.
#[utoipa::path(get, path = "/api/v1/admin/certificates/{id}", tag = "admin",
    summary = "Look up a certificate and its history",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "urn:uuid:…, the bare UUID, or the certificate number")),
    responses(
        (status = 200, description = "record and history", body = CertificateBody),
        BadId,
        NoSuchCertificate,
        AdminTokenRefused,
    ))]
pub async fn lookup(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    authorize(&state, &headers)?;
    let Path(id) = id?;
    let id = parse_id_or_number(&id)?;
    let backend = state.issuer_site()?.clone();
    let out = blocking(move || backend.lookup(&id)).await?;
    Ok(json_status(StatusCode::OK, &out))
}
