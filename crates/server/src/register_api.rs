//! A portal's register over HTTP: `POST /api/v1/register/bundles` (signed bundles from
//! accredited issuers, answered with the portal's signed receipt). The query over what they
//! reported is [`super::query`].

use super::bodies::ErrorBody;
use super::errors::{blocking, ApiError};
use super::openapi::responses::TooLarge;
use super::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use skillcert::reporting::{verify_bundle, ReportError};
use skillcert_store::register::{DbError, IngestError};

/// How long a bundle waits for a permit ([`super::portal::BUNDLE_PERMITS`]) before a 503.
pub const BUNDLE_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Seconds an issuer is told to wait (`Retry-After`) when the register's primary database
/// cannot store a bundle.
pub const RETRY_AFTER_SECS: u64 = 30;

/// What an issuer is told when the register's primary database is unavailable (nothing stored).
const NO_PRIMARY: &str =
    "the register cannot store reports now: nothing of this bundle was stored; send it again later";

pub(super) fn json(status: StatusCode, v: &serde_json::Value) -> Response {
    let mut r = (status, v.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// `POST /api/v1/register/bundles`.
#[utoipa::path(post, path = "/api/v1/register/bundles", tag = "register",
    summary = "A portal's register: a bundle of certificate records and status changes signed by an accredited issuer",
    request_body(content = Object, content_type = "application/json", description = "a SkillcertReportBundle with an eddsa-jcs-2022 proof by the issuer's key"),
    responses(
        (status = 200, description = "stored (or held already): the portal's signed receipt", body = super::schemas::ReceiptDocument),
        (status = 400, description = "not a bundle; the message names the member", body = ErrorBody),
        (status = 403, description = "not from a key of an issuer the portal's trust lists accredit, or the signature does not verify", body = ErrorBody),
        (status = 404, description = "this site keeps no register", body = ErrorBody),
        TooLarge,
        (status = 503, description = "the register is busy checking other bundles, or its database cannot take writes now (Retry-After); nothing was stored; send it again later", body = ErrorBody),
        (status = 422, description = "a record outside the issuer's scope or accreditation, or a status change of an unknown certificate; nothing was stored", body = ErrorBody),
    ))]
pub async fn post_bundle(
    State(state): State<AppState>,
    body: axum::body::Body,
) -> Result<Response, ApiError> {
    let portal = state.portal_site()?.clone();
    let permits = portal
        .register()
        .ok_or_else(|| ApiError::NotFound("this portal keeps no register".into()))?
        .bundle_permits();
    // A permit before the body is read: what waits holds no bundle in memory.
    let busy = "the register is busy: send the bundle again later";
    let permit = super::errors::permit(permits, BUNDLE_WAIT, busy).await?;
    let body = axum::body::to_bytes(body, skillcert::reporting::MAX_BUNDLE)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)?;
    let receipt = blocking(move || {
        let _permit = permit;
        let now = chrono::Utc::now();
        let verifier = portal.verifier();
        let bundle = verify_bundle(&body, verifier.trust(), now).map_err(|e| match e {
            ReportError::Malformed(_) => ApiError::BadRequest(e.to_string()),
            ReportError::Untrusted(_) => ApiError::Forbidden(e.to_string()),
            _ => ApiError::Unprocessable(e.to_string()),
        })?;
        let reg = portal
            .register()
            .ok_or_else(|| ApiError::NotFound("this portal keeps no register".into()))?;
        reg.register
            .ingest(&bundle, &reg.signer(), skillcert::model::now_secs())
            .map_err(|e| match e {
                IngestError::UnknownCertificate { .. } | IngestError::NumberTaken { .. } => {
                    ApiError::Unprocessable(e.to_string())
                }
                IngestError::Db(DbError::Unavailable(why)) => {
                    tracing::warn!(reason = %why, "register: the primary database is unavailable; bundle refused");
                    ApiError::Unavailable(NO_PRIMARY.into())
                }
                other => ApiError::Internal(other.to_string()),
            })
    })
    .await;
    match receipt {
        Ok(receipt) => Ok(json(StatusCode::OK, &receipt)),
        Err(e @ ApiError::Unavailable(_)) => {
            let mut r = e.into_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            Ok(r)
        }
        Err(e) => Err(e),
    }
}
