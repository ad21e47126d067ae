//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of every route, derived with
//! `utoipa` from the handlers' `#[utoipa::path]` attributes and the types the handlers answer
//! with ([`super::bodies`], [`skillcert::verify::Report`]). The issuance request's schema is the
//! JSON Schema `schemas/issuance-request.schema.json` itself (the one `IssuanceRequest::parse`
//! is tested against), not a copy.
//!
//! `tests/server_openapi.rs` walks the router's routes and this document both ways, and checks
//! every field of real answers against the schema of their route and status.

pub mod responses;

use super::schemas::*;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::OnceLock;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The admin API's bearer scheme.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let mut scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build();
        scheme.description = Some("the admin token printed once by `skillcert serve`".into());
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// `POST …/reinstate` takes an empty body too: its body is not required.
struct OptionalReinstateBody;

impl Modify for OptionalReinstateBody {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let body = doc
            .paths
            .paths
            .get_mut("/api/v1/admin/certificates/{id}/reinstate")
            .and_then(|p| p.post.as_mut())
            .and_then(|op| op.request_body.as_mut());
        if let Some(b) = body {
            b.required = Some(utoipa::openapi::Required::False);
        }
    }
}

/// The derived document (before the issuance request's schema is added).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "skillcert",
        description = "Verification site and admin API of a skill certificate issuer. Every error is JSON {error, message}, including the HTTP layer's 400 (unparsable request head), 414 (URI too long) and 431 (head too large). Prometheus metrics are not on this site: `serve --metrics-addr ADDR` serves GET /metrics on a listener of its own."
    ),
    paths(
        super::pages::home,
        super::assets::asset,
        super::pages::qr_page,
        super::pages::verify_form,
        super::pages::verify_image_form,
        super::api::verify,
        super::api::verify_image,
        super::batch::verify_batch,
        super::wellknown::status_list,
        super::wellknown::did_json,
        super::wellknown::jwks_json,
        super::wellknown::trust_json,
        super::wellknown::healthz,
        super::ready::readyz,
        openapi,
        super::admin::issue_one,
        super::admin::issue_batch,
        super::admin::lookup,
        super::admin::pdf,
        super::admin::revoke,
        super::admin::suspend,
        super::admin::reinstate,
        super::register_api::post_bundle,
        super::query::query_api,
        super::query::query_api_post,
        super::query::query_page,
        super::query::query_form,
        super::holder_check::holder_check_api,
        super::holder_check::holder_check_form,
    ),
    // utoipa collects the schemas of `(status = …, body = …)` rows, not those of the shared
    // responses (`responses::*`): every body those name is listed here.
    components(schemas(
        super::bodies::ErrorBody,
        super::bodies::CertificateBody,
        super::bodies::MalformedReport,
        skillcert::verify::Report,
        QueryAnswer,
    )),
    modifiers(&BearerScheme, &OptionalReinstateBody)
)]
pub struct ApiDoc;

/// The issuance request's JSON Schema as a component: its `$defs` become components of their
/// own (so every `$ref` resolves from the document's root), its `$schema` and `$id` go.
fn add_issuance_request(doc: &mut Value) {
    let mut schema: Value =
        serde_json::from_str(ISSUANCE_REQUEST_SCHEMA).expect("the issuance request schema is JSON");
    let defs = schema
        .as_object_mut()
        .and_then(|o| {
            // `shift_remove` keeps the order of the other keywords.
            o.shift_remove("$schema");
            o.shift_remove("$id");
            o.shift_remove("$defs")
        })
        .unwrap_or_default();
    let prefix = |name: &str| format!("IssuanceRequest.{name}");
    rewrite_refs(&mut schema, &prefix);
    let schemas = &mut doc["components"]["schemas"];
    if let Value::Object(defs) = defs {
        for (name, mut def) in defs {
            rewrite_refs(&mut def, &prefix);
            schemas[prefix(&name)] = def;
        }
    }
    schemas["IssuanceRequest"] = schema;
}

/// `#/$defs/NAME` → `#/components/schemas/<prefix(NAME)>`.
fn rewrite_refs(v: &mut Value, prefix: &dyn Fn(&str) -> String) {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get_mut("$ref") {
                if let Some(name) = r.strip_prefix("#/$defs/") {
                    *r = format!("#/components/schemas/{}", prefix(name));
                }
            }
            o.values_mut().for_each(|x| rewrite_refs(x, prefix));
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite_refs(x, prefix)),
        _ => {}
    }
}

/// The OpenAPI document.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serializes");
    add_issuance_request(&mut doc);
    doc
}

/// `GET /api/v1/openapi.json`.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "ops",
    summary = "This document",
    responses((status = 200, description = "OpenAPI 3.1", body = OpenApiDocument)))]
pub async fn openapi() -> Response {
    static DOC: OnceLock<String> = OnceLock::new();
    let body = DOC.get_or_init(|| document().to_string()).clone();
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
