//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of every route, derived with
//! `utoipa` from the handlers' `#[utoipa::path]` attributes and the types the handlers answer
//! with ([`super::bodies`], [`crate::verify::Report`]). The issuance request's schema is the
//! JSON Schema `schemas/issuance-request.schema.json` itself (the one `IssuanceRequest::parse`
//! is tested against), not a copy.
//!
//! `tests/server_openapi.rs` walks the router's routes and this document both ways, and checks
//! every field of real answers against the schema of their route and status.

use super::admin::{MAX_BATCH, MAX_REASON_CHARS};
use super::i18n::Lang;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::OnceLock;
use utoipa::openapi::schema::{
    AdditionalProperties, ArrayBuilder, ObjectBuilder, Ref, Schema, Type,
};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::RefOr;
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

/// The issuance request's JSON Schema (draft 2020-12, which OpenAPI 3.1 speaks).
const ISSUANCE_REQUEST_SCHEMA: &str = include_str!("../../schemas/issuance-request.schema.json");

/// The JSON body of `POST /api/v1/verify`: a credential document, or the input wrapped.
#[derive(ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum VerifyRequest {
    /// A signed credential document.
    Document(super::bodies::CredentialDocument),
    /// A token, QR text or document as a string.
    Input(InputBody),
}

/// `{"input": "<token, QR text or document>"}`.
#[derive(ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InputBody {
    /// A token, QR text or document.
    pub input: String,
}

/// A token, QR text or document as text.
#[derive(ToSchema)]
#[schema(value_type = String)]
pub struct TextInput(pub String);

/// Raw bytes of a file.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Binary(pub Vec<u8>);

/// The multipart body of `POST /api/v1/verify/image`.
#[derive(ToSchema)]
pub struct ImageUpload {
    /// The photo (PNG or JPEG; the first file field is taken when none is named `image`).
    #[schema(value_type = String, format = Binary)]
    pub image: Vec<u8>,
}

/// The multipart body of the upload form (`POST /verify/image`).
#[derive(ToSchema)]
pub struct ImageForm {
    /// The photo (PNG or JPEG).
    #[schema(value_type = String, format = Binary)]
    pub image: Vec<u8>,
    /// Page language.
    pub lang: Option<Lang>,
}

/// The body of `POST /api/v1/admin/certificates`: the issuance request's JSON Schema.
pub struct IssuanceRequestSchema;

impl PartialSchema for IssuanceRequestSchema {
    fn schema() -> RefOr<Schema> {
        Ref::from_schema_name("IssuanceRequest").into()
    }
}

impl ToSchema for IssuanceRequestSchema {}

/// The body of a batch: 1 to [`MAX_BATCH`] issuance requests.
pub struct BatchRequest;

impl PartialSchema for BatchRequest {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(Ref::from_schema_name("IssuanceRequest"))
            .min_items(Some(1))
            .max_items(Some(MAX_BATCH))
            .into()
    }
}

impl ToSchema for BatchRequest {}

/// `{"reason": …}` with the reason required.
pub struct ReasonRequired;
/// `{"reason": …}` with the reason optional.
pub struct ReasonOptional;

fn reason_body(required: bool) -> RefOr<Schema> {
    let mut o = ObjectBuilder::new()
        .property(
            "reason",
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(MAX_REASON_CHARS))
                .description(Some("why (recorded in the certificate's history)")),
        )
        .additional_properties(Some(AdditionalProperties::FreeForm(false)));
    if required {
        o = o.required("reason");
    }
    o.into()
}

impl PartialSchema for ReasonRequired {
    fn schema() -> RefOr<Schema> {
        reason_body(true)
    }
}
impl ToSchema for ReasonRequired {}

impl PartialSchema for ReasonOptional {
    fn schema() -> RefOr<Schema> {
        reason_body(false)
    }
}
impl ToSchema for ReasonOptional {}

/// The issuer's DID document (W3C DID Core 1.0, `Multikey` verification methods).
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct DidDocument(pub Value);

/// The issuer's keys as a JWK set (RFC 7517; OKP Ed25519 keys, `kid` = verification method).
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct JwkSet(pub Value);

/// A skillcert trust list (see `keys/README.md`) holding this issuer and its keys.
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct TrustListDocument(pub Value);

/// A signed `BitstringStatusListCredential` (W3C Bitstring Status List 1.0).
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct StatusListCredential(pub Value);

/// An OpenAPI 3.1 document.
#[derive(ToSchema)]
#[schema(value_type = Object)]
pub struct OpenApiDocument(pub Value);

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
        super::pages::qr_page,
        super::pages::verify_form,
        super::pages::verify_image_form,
        super::api::verify,
        super::api::verify_image,
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
        super::admin::revoke,
        super::admin::suspend,
        super::admin::reinstate,
    ),
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
