//! One error type for every route: each variant is a 4xx (or, for the last-resort cases, a 5xx)
//! with a small JSON body `{"error": CODE, "message": TEXT}` that never carries internals.
//! Axum's extractor rejections are mapped here too, so a bad request never gets a plain-text
//! or empty body.

use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::rejection::{BytesRejection, FormRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Errors of the HTTP service (the check could not run, or the caller asked wrongly).
/// A credential that is not valid is a verdict, not an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 400: the request is wrong (the text says how).
    #[error("{0}")]
    BadRequest(String),
    /// 400: the body is not JSON the service can read.
    #[error("{0}")]
    InvalidJson(String),
    /// 401: no or a wrong bearer token.
    #[error("a valid admin bearer token is required")]
    Unauthorized,
    /// 404: nothing here.
    #[error("{0}")]
    NotFound(String),
    /// 405: the route exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 408: the request took too long.
    #[error("the request took too long")]
    Timeout,
    /// 409: the change conflicts with the record (for example: revoking twice).
    #[error("{0}")]
    Conflict(String),
    /// 413: the body is larger than this route accepts.
    #[error("the request body is larger than this route accepts")]
    PayloadTooLarge,
    /// 413: the request is over a limit of its route (the text names the limit).
    #[error("{0}")]
    OverLimit(String),
    /// 415: wrong content type (the text names the accepted ones).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed but refused; the text names the field.
    #[error("{0}")]
    Unprocessable(String),
    /// 503: a part of the service is not available (for example: no registry).
    #[error("{0}")]
    Unavailable(String),
    /// 403: authenticated by signature, but not allowed (a bundle from an issuer the portal's
    /// trust lists do not accredit).
    #[error("{0}")]
    Forbidden(String),
    /// 429: too many requests from this client; retry after this many seconds.
    #[error("too many requests: try again in {0} s")]
    TooManyRequests(u64),
    /// 500: an unexpected failure; the details are logged, not shown.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::InvalidJson(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Timeout => StatusCode::REQUEST_TIMEOUT,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge | ApiError::OverLimit(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable code in the body.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::InvalidJson(_) => "invalid_json",
            ApiError::Unauthorized => "unauthorized",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Timeout => "timeout",
            ApiError::Conflict(_) => "conflict",
            ApiError::PayloadTooLarge | ApiError::OverLimit(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Unprocessable(_) => "invalid_request",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::TooManyRequests(_) => "too_many_requests",
            ApiError::Internal(_) => "internal",
        }
    }

    /// The JSON error body for a status (used for responses that had no body of ours).
    pub fn body_for(status: StatusCode, message: &str) -> Response {
        json_response(status, code_for(status), message)
    }

    /// The JSON text of this error's body, as its response carries it (an internal error's
    /// detail is logged, not shown).
    pub fn body_text(&self) -> String {
        if let ApiError::Internal(detail) = self {
            tracing::error!(detail = %detail, "internal error");
        }
        error_text(self.code(), &self.to_string())
    }
}

/// The error code in the body of an error answer with this status that has no variant of its
/// own (the HTTP layer's answers, bodies filled in by [`ApiError::body_for`]).
pub fn code_for(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::REQUEST_TIMEOUT => "timeout",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::URI_TOO_LONG => "uri_too_long",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::TOO_MANY_REQUESTS => "too_many_requests",
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => "headers_too_large",
        StatusCode::SERVICE_UNAVAILABLE => "unavailable",
        s if s.is_client_error() => "bad_request",
        _ => "internal",
    }
}

fn error_text(code: &str, message: &str) -> String {
    super::bodies::to_json(&super::bodies::ErrorBody {
        error: code.to_owned(),
        message: message.to_owned(),
    })
}

fn json_response(status: StatusCode, code: &str, message: &str) -> Response {
    let mut r = (status, error_text(code, message)).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            tracing::error!(detail = %detail, "internal error");
        }
        let mut r = json_response(self.status(), self.code(), &self.to_string());
        if let ApiError::TooManyRequests(secs) = &self {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if matches!(self, ApiError::Unauthorized) {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"skillcert-admin\""),
            );
        }
        r
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> Self {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest(format!(
                "could not read the request body: {}",
                r.body_text()
            ))
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::BadRequest(format!("bad path parameter: {}", r.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::BadRequest(format!("bad query string: {}", r.body_text()))
    }
}

impl From<FormRejection> for ApiError {
    fn from(r: FormRejection) -> Self {
        match r.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ApiError::UnsupportedMediaType("send application/x-www-form-urlencoded".into())
            }
            _ => ApiError::BadRequest(format!("bad form: {}", r.body_text())),
        }
    }
}

impl From<MultipartRejection> for ApiError {
    fn from(r: MultipartRejection) -> Self {
        ApiError::UnsupportedMediaType(format!(
            "send multipart/form-data with a boundary ({})",
            r.body_text()
        ))
    }
}

impl From<MultipartError> for ApiError {
    fn from(e: MultipartError) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest(format!("bad multipart body: {}", e.body_text()))
        }
    }
}

/// Runs `f` on the blocking pool (database writes, signing, decoding) and gives its result;
/// a task that panicked or was cancelled is an internal error.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("task failed: {e}")))?
}

/// One of `permits`, waiting at most `wait` (then 503 saying `busy`; when the semaphore is
/// closed, 503 too).
pub async fn permit(
    permits: std::sync::Arc<tokio::sync::Semaphore>,
    wait: std::time::Duration,
    busy: &str,
) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
    tokio::time::timeout(wait, permits.acquire_owned())
        .await
        .map_err(|_| ApiError::Unavailable(busy.to_owned()))?
        .map_err(|_| ApiError::Unavailable("the service is shutting down".into()))
}

/// The essence of the request's content type (`application/json`), lower-cased.
pub fn content_type(headers: &axum::http::HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(v.split(';').next()?.trim().to_ascii_lowercase())
}

/// Parses a JSON body strictly (size-limited, duplicate keys refused).
pub fn parse_json(bytes: &[u8], limit: usize) -> Result<serde_json::Value, ApiError> {
    skillcert::jcs::parse_strict(bytes, limit).map_err(|e| ApiError::InvalidJson(e.to_string()))
}

/// Requires `application/json`.
pub fn require_json(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    match content_type(headers).as_deref() {
        Some("application/json") => Ok(()),
        _ => Err(ApiError::UnsupportedMediaType(
            "send Content-Type: application/json".into(),
        )),
    }
}
