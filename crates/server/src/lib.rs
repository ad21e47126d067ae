//! # skillcert-server
//!
//! `skillcert serve`: the issuer's public verification site and its admin API, or a portal's
//! register (contract in `docs/CONTRACT.md`), built with axum on tokio over the core, the store, the
//! printer and the QR image reader.
//!
//! [`app`] builds the router over an [`AppState`]; tests drive it in process with
//! `tower::ServiceExt::oneshot`, and [`serve`] runs it on a listener until a shutdown signal.
//!
//! Every request gets an `x-request-id`, a span with the route template (never the raw path,
//! which may carry a certificate, nor any header, which may carry the admin token), a timeout,
//! a place under a global concurrency limit and a body limit; every error is a JSON body.

#![forbid(unsafe_code)]
#![allow(clippy::result_large_err)]

pub mod admin;
pub mod api;
pub mod assets;
pub mod backend;
pub mod batch;
pub mod bodies;
pub mod client_ip;
mod costly;
mod counters;
pub mod demo;
pub mod errors;
mod guards;
pub mod holder_check;
pub mod html;
pub mod i18n;
pub mod idempotency;
mod listen;
pub mod metrics;
pub mod openapi;
pub mod pages;
pub mod parse_errors;
pub mod portal;
pub mod query;
mod query_page;
pub mod rate_limit;
pub mod ready;
pub mod register_api;
mod request_id;
pub mod schemas;
pub mod state;
pub mod wellknown;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use errors::ApiError;
use listen::serve_connections;
pub use listen::SHUTDOWN_GRACE;
pub use state::{image_concurrency, AppState, Limits, Site, HEADER_READ_TIMEOUT};
use std::sync::Arc;
use std::time::Duration;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// How often `serve` checks whether the issuer's `config.json` changed (key rotation).
pub const CONFIG_POLL: Duration = Duration::from_secs(2);

/// Largest body of any route without its own limit (64 KiB).
pub const DEFAULT_BODY_LIMIT: usize = 64 << 10;

/// Every route: (method, path template). The OpenAPI test checks both ways against this list.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/assets/{file}"),
    ("GET", "/V/{payload}"),
    ("POST", "/verify"),
    ("POST", "/verify/image"),
    ("POST", "/api/v1/verify"),
    ("POST", "/api/v1/verify/image"),
    ("POST", "/api/v1/verify/batch"),
    ("GET", "/status/{list}"),
    ("GET", "/.well-known/did.json"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/trust.json"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/api/v1/openapi.json"),
    ("POST", "/api/v1/register/bundles"),
    ("GET", "/api/v1/query"),
    ("POST", "/api/v1/query"),
    ("POST", "/api/v1/holder-check"),
    ("POST", "/holder-check"),
    ("GET", "/query"),
    ("POST", "/query"),
    ("POST", "/api/v1/admin/certificates"),
    ("POST", "/api/v1/admin/certificates/batch"),
    ("GET", "/api/v1/admin/certificates/{id}"),
    ("GET", "/api/v1/admin/certificates/{id}/pdf"),
    ("POST", "/api/v1/admin/certificates/{id}/revoke"),
    ("POST", "/api/v1/admin/certificates/{id}/suspend"),
    ("POST", "/api/v1/admin/certificates/{id}/reinstate"),
];

/// The router with every route and layer.
pub fn app(state: AppState) -> Router {
    let limits = state.limits;
    routes(&state)
        // Inner to outer from here on.
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(RequestBodyLimitLayer::new(api::MAX_IMAGE_BODY + (64 << 10)))
        .layer(GlobalConcurrencyLimitLayer::new(limits.concurrency))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(make_span)
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(request_id::RequestIds))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .with_state(state)
}

/// Every route ([`ROUTES`]), each with its body limit ([`DEFAULT_BODY_LIMIT`] unless its own),
/// and the fallbacks.
fn routes(state: &AppState) -> Router<AppState> {
    let verify_limit = DefaultBodyLimit::max(api::MAX_VERIFY_BODY);
    let image_limit = DefaultBodyLimit::max(api::MAX_IMAGE_BODY + (64 << 10));
    Router::new()
        .route("/", get(pages::home))
        .route("/assets/{file}", get(assets::asset))
        .route("/V/{payload}", get(pages::qr_page))
        .route("/verify", post(pages::verify_form).layer(verify_limit))
        .route(
            "/verify/image",
            post(pages::verify_image_form).layer::<_, std::convert::Infallible>(image_limit),
        )
        .route("/api/v1/verify", post(api::verify).layer(verify_limit))
        .route(
            "/api/v1/verify/image",
            post(api::verify_image).layer::<_, std::convert::Infallible>(image_limit),
        )
        .route(
            "/api/v1/verify/batch",
            post(batch::verify_batch).layer(DefaultBodyLimit::max(batch::MAX_BATCH_BODY)),
        )
        .route("/status/{list}", get(wellknown::status_list))
        .route("/.well-known/did.json", get(wellknown::did_json))
        .route("/.well-known/jwks.json", get(wellknown::jwks_json))
        .route("/trust.json", get(wellknown::trust_json))
        .route("/healthz", get(wellknown::healthz))
        .route("/readyz", get(ready::readyz))
        .route("/api/v1/openapi.json", get(openapi::openapi))
        .route(
            "/api/v1/register/bundles",
            post(register_api::post_bundle)
                .layer(DefaultBodyLimit::max(skillcert::reporting::MAX_BUNDLE)),
        )
        .route(
            "/api/v1/query",
            get(query::query_api)
                .post(query::query_api_post)
                .layer(DefaultBodyLimit::max(query::MAX_BODY)),
        )
        .route(
            "/api/v1/holder-check",
            post(holder_check::holder_check_api)
                .layer(DefaultBodyLimit::max(holder_check::MAX_BODY)),
        )
        .route(
            "/holder-check",
            post(holder_check::holder_check_form)
                .layer(DefaultBodyLimit::max(holder_check::MAX_BODY)),
        )
        .route(
            "/query",
            get(query::query_page)
                .post(query::query_form)
                .layer(DefaultBodyLimit::max(query::MAX_BODY)),
        )
        .merge(admin::routes(state.clone()))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(DEFAULT_BODY_LIMIT))
}

/// The span of a request: id, method and route template only.
fn make_span(req: &Request) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str());
    tracing::info_span!("request", id = %id, method = %req.method(), route = %route)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    ApiError::body_for(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
}

/// Turns any error response that is not ours (empty or plain text: the timeout's 408, a body
/// limit's 413, a rejection) into a JSON error.
async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if ct.starts_with("application/json") || ct.starts_with("text/html") {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let msg = std::str::from_utf8(&text)
        .ok()
        .filter(|t| !t.trim().is_empty())
        .map(|t| t.trim().to_owned())
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .unwrap_or("error")
                .to_ascii_lowercase()
        });
    let mut r = ApiError::body_for(status, &msg);
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            r.headers_mut().insert(k.clone(), v.clone());
        }
    }
    r.into_response()
}

/// Serves `app(state)` on `listener` until `shutdown` completes, then lets requests in flight
/// finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // An issuer's site picks up a key rotated by the CLI while it runs; a portal renews its
    // trust lists before they go stale.
    let background = match &state.site {
        Site::Issuer { backend, .. } => tokio::spawn(reload_loop(backend.clone())),
        Site::Portal(portal) => tokio::spawn(portal::refresh_loop(portal.clone())),
    };
    let header_timeout = state.limits.header_read_timeout;
    let r = serve_connections(listener, app(state), header_timeout, shutdown).await;
    background.abort();
    r
}

/// Re-reads the issuer's config when it changes on disk, until the process ends.
async fn reload_loop(backend: Arc<backend::Backend>) {
    let mut tick = tokio::time::interval(CONFIG_POLL);
    loop {
        tick.tick().await;
        let b = backend.clone();
        match tokio::task::spawn_blocking(move || b.reload_if_changed()).await {
            Ok(Ok(true)) => tracing::info!(
                active_key = %backend.issuer().config().active_key,
                "issuer config changed on disk: reloaded"
            ),
            Ok(Ok(false)) => {}
            Ok(Err(e)) => tracing::error!(
                error = %e,
                "issuer config changed on disk but cannot be loaded; still using the previous one"
            ),
            Err(_) => {}
        }
    }
}

/// Completes on SIGTERM or ctrl-c.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
