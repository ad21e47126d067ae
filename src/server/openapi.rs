//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of every route. A test walks the
//! router's routes and this document both ways.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

fn err(desc: &str) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn json_ok(desc: &str, schema: Value) -> Value {
    json!({"description": desc, "content": {"application/json": {"schema": schema}}})
}

fn html_ok(desc: &str) -> Value {
    json!({"description": desc, "content": {"text/html": {"schema": {"type": "string"}}}})
}

fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "description": "urn:uuid:… or the bare UUID", "schema": {"type": "string"}})
}

fn lang_param() -> Value {
    json!({"name": "lang", "in": "query", "required": false, "description": "page language (else Accept-Language)", "schema": {"type": "string", "enum": ["zh", "en"]}})
}

fn idempotency_param() -> Value {
    json!({"name": "Idempotency-Key", "in": "header", "required": false,
        "description": "1 to 255 printable ASCII characters. A retry with the same key and the same body (byte for byte) gets the first answer again, with Idempotent-Replayed: true, and issues nothing; the same key with another body is 422.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x20-\\x7e]+$"}})
}

fn replayed_header() -> Value {
    json!({"Idempotent-Replayed": {"description": "true when this is the stored first answer to the request's Idempotency-Key", "schema": {"type": "string", "const": "true"}}})
}

fn reason_body(required: bool) -> Value {
    json!({"required": required, "content": {"application/json": {"schema": {
        "type": "object", "additionalProperties": false,
        "properties": {"reason": {"type": "string", "maxLength": 500}},
        "required": if required { json!(["reason"]) } else { json!([]) }
    }}}})
}

fn admin_change(summary: &str, required: bool) -> Value {
    json!({"post": {
        "summary": summary, "tags": ["admin"], "security": [{"bearer": []}],
        "parameters": [id_param()],
        "requestBody": reason_body(required),
        "responses": {
            "200": json_ok("the certificate's record after the change", json!({"type": "object"})),
            "400": err("bad id or body"), "401": err("no or wrong admin token"),
            "404": err("no such certificate"), "409": err("the change conflicts with the record"),
            "415": err("not application/json"), "422": err("reason missing or too long"),
            "503": err("no registry")
        }
    }})
}

/// The OpenAPI document.
pub fn document() -> Value {
    let verify_responses = json!({
        "200": json_ok("the verdict (any verdict of a readable certificate)", json!({"$ref": "#/components/schemas/Report"})),
        "400": err("unreadable body (malformed JSON, not UTF-8, empty)"),
        "413": err("body too large"), "415": err("wrong content type"),
        "422": json_ok("not a certificate: the report with verdict malformed, plus error and message", json!({"$ref": "#/components/schemas/Report"}))
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "skillcert",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Verification site and admin API of a skill certificate issuer. Every error is JSON {error, message}, including the HTTP layer's 400 (unparsable request head), 414 (URI too long) and 431 (head too large). Prometheus metrics are not on this site: `serve --metrics-addr ADDR` serves GET /metrics on a listener of its own."
        },
        "paths": {
            "/": {"get": {"summary": "Home page: paste a token or upload a photo", "tags": ["pages"],
                "parameters": [lang_param()], "responses": {"200": html_ok("the page")}}},
            "/V/{payload}": {"get": {"summary": "The QR's URL: the verification page (HTML for browsers, the JSON report otherwise)", "tags": ["pages"],
                "parameters": [{"name": "payload", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 8192}}, lang_param()],
                "responses": {"200": {"description": "the verdict", "content": {"text/html": {"schema": {"type": "string"}}, "application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}},
                    "400": err("the payload is not a certificate (an HTML page for browsers)")}}},
            "/verify": {"post": {"summary": "Paste form target: the verification page", "tags": ["pages"],
                "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object", "required": ["input"], "properties": {"input": {"type": "string"}, "lang": {"type": "string"}}}}}},
                "responses": {"200": html_ok("the verdict"), "400": html_ok("not a certificate"), "413": err("too large"), "415": err("not a form")}}},
            "/verify/image": {"post": {"summary": "Upload form target: the verification page for a photo", "tags": ["pages"],
                "requestBody": {"required": true, "content": {"multipart/form-data": {"schema": {"type": "object", "required": ["image"], "properties": {"image": {"type": "string", "format": "binary"}, "lang": {"type": "string"}}}}}},
                "responses": {"200": html_ok("the verdict"), "400": html_ok("no QR code found"), "413": err("too large"), "415": err("not multipart")}}},
            "/api/v1/verify": {"post": {"summary": "Verify a document, token or QR text", "tags": ["verify"],
                "requestBody": {"required": true, "content": {
                    "application/json": {"schema": {"oneOf": [
                        {"type": "object", "description": "a credential document"},
                        {"type": "object", "required": ["input"], "additionalProperties": false, "properties": {"input": {"type": "string"}}}]}},
                    "text/plain": {"schema": {"type": "string", "description": "a token, QR text or document"}}}},
                "responses": verify_responses.clone()}},
            "/api/v1/verify/image": {"post": {"summary": "Verify a photo of a certificate's QR code", "tags": ["verify"],
                "requestBody": {"required": true, "content": {
                    "multipart/form-data": {"schema": {"type": "object", "required": ["image"], "properties": {"image": {"type": "string", "format": "binary"}}}},
                    "image/png": {"schema": {"type": "string", "format": "binary"}},
                    "image/jpeg": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": verify_responses}},
            "/status/{list}": {"get": {"summary": "A signed status list credential (Bitstring Status List)", "tags": ["status"],
                "parameters": [{"name": "list", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9]{1,9}(\\.json)?$"}},
                    {"name": "If-None-Match", "in": "header", "required": false, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "the list", "headers": {"ETag": {"schema": {"type": "string"}}, "Cache-Control": {"schema": {"type": "string"}}},
                    "content": {"application/vc+json": {"schema": {"type": "object"}}}},
                    "304": {"description": "not modified"}, "404": err("no such list")}}},
            "/.well-known/did.json": {"get": {"summary": "The did:web document of the issuer", "tags": ["keys"],
                "responses": {"200": {"description": "DID document", "content": {"application/did+json": {"schema": {"type": "object"}}}}, "304": {"description": "not modified"}, "404": err("not a did:web issuer")}}},
            "/.well-known/jwks.json": {"get": {"summary": "The issuer's keys as a JWK set (kid = verification method)", "tags": ["keys"],
                "responses": {"200": {"description": "JWK set", "content": {"application/jwk-set+json": {"schema": {"type": "object"}}}}, "304": {"description": "not modified"}}}},
            "/trust.json": {"get": {"summary": "A trust list holding this issuer and its keys", "tags": ["keys"],
                "responses": {"200": json_ok("trust list", json!({"type": "object"})), "304": {"description": "not modified"}}}},
            "/healthz": {"get": {"summary": "Liveness: the process answers (see /readyz for whether it can issue)", "tags": ["ops"],
                "responses": {"200": json_ok("ok", json!({"type": "object", "properties": {"status": {"const": "ok"}}}))}}},
            "/readyz": {"get": {"summary": "Readiness: the registry takes a write and the data dir has free space", "tags": ["ops"],
                "responses": {"200": json_ok("ready", json!({"type": "object", "properties": {"status": {"const": "ready"}}})),
                    "503": json_ok("not ready; the reason names the failed check", json!({"type": "object", "required": ["status", "reason"], "properties": {"status": {"const": "not_ready"}, "reason": {"type": "string"}}}))}}},
            "/api/v1/openapi.json": {"get": {"summary": "This document", "tags": ["ops"],
                "responses": {"200": json_ok("OpenAPI 3.1", json!({"type": "object"}))}}},
            "/api/v1/admin/certificates": {"post": {"summary": "Issue one certificate", "tags": ["admin"], "security": [{"bearer": []}],
                "parameters": [idempotency_param()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/IssuanceRequest"}}}},
                "responses": {"201": {"description": "issued (or, with Idempotent-Replayed, the first answer to the key)", "headers": replayed_header(),
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Issued"}}}},
                    "400": err("malformed JSON or Idempotency-Key"), "401": err("no or wrong admin token"),
                    "409": err("a request with this Idempotency-Key is still being answered"), "413": err("too large"),
                    "415": err("not application/json"), "422": err("refused; the message names the field (or the Idempotency-Key was used with another body)")}}},
            "/api/v1/admin/certificates/batch": {"post": {"summary": "Issue a batch (every request checked before any is issued)", "tags": ["admin"], "security": [{"bearer": []}],
                "parameters": [idempotency_param()],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {"$ref": "#/components/schemas/IssuanceRequest"}}}}},
                "responses": {"200": {"description": "per-request results (or, with Idempotent-Replayed, the first answer to the key)", "headers": replayed_header(),
                        "content": {"application/json": {"schema": {"type": "object", "properties": {"issued": {"type": "integer"}, "failed": {"type": "integer"}, "results": {"type": "array"}}}}}},
                    "400": err("malformed JSON or Idempotency-Key"), "401": err("no or wrong admin token"),
                    "409": err("a request with this Idempotency-Key is still being answered"), "413": err("too large"),
                    "415": err("not application/json"), "422": err("refused; the message names [index].field (or the Idempotency-Key was used with another body)")}}},
            "/api/v1/admin/certificates/{id}": {"get": {"summary": "Look up a certificate and its history", "tags": ["admin"], "security": [{"bearer": []}],
                "parameters": [id_param()],
                "responses": {"200": json_ok("record and history", json!({"type": "object"})), "400": err("bad id"), "401": err("no or wrong admin token"), "404": err("no such certificate")}}},
            "/api/v1/admin/certificates/{id}/revoke": admin_change("Revoke (final)", true),
            "/api/v1/admin/certificates/{id}/suspend": admin_change("Suspend", true),
            "/api/v1/admin/certificates/{id}/reinstate": admin_change("Lift a suspension", false)
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "the admin token printed once by `skillcert serve`"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error", "message"], "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
                "Report": {"type": "object", "required": ["verdict", "valid", "format", "checks"], "properties": {
                    "verdict": {"type": "string", "enum": ["valid", "revoked", "suspended", "expired", "not_yet_valid", "untrusted_issuer", "bad_signature", "malformed", "status_unknown"]},
                    "valid": {"type": "boolean"}, "format": {"type": "string", "enum": ["document", "token", "qr"]},
                    "credential_id": {"type": ["string", "null"]}, "issuer": {"type": ["string", "null"]}, "holder": {"type": ["string", "null"]},
                    "program": {"type": ["string", "null"]}, "level": {"type": ["string", "null"]},
                    "valid_from": {"type": ["string", "null"]}, "valid_until": {"type": ["string", "null"]},
                    "checks": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "outcome": {"type": "string", "enum": ["pass", "fail", "skip", "warn"]}, "reason": {"type": "string"}}}},
                    "notes": {"type": "array", "items": {"type": "string"}}}},
                "IssuanceRequest": {"description": "schemas/issuance-request.schema.json", "type": "object", "required": ["holder", "program", "level"], "properties": {
                    "holder": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "name_latin": {"type": "string"}, "national_id": {"type": "string"}}},
                    "program": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "code": {"type": "string"}}},
                    "level": {"type": "object", "required": ["framework", "value"], "properties": {"framework": {"type": "string", "enum": ["cn-nvq", "1x", "iiw", "eqf"]}, "value": {"type": "string"}}},
                    "valid_from": {"type": "string", "format": "date-time"}, "valid_until": {"type": "string", "format": "date-time"},
                    "valid_years": {"type": "integer", "minimum": 0, "maximum": 100}, "id": {"type": "string"}}},
                "Issued": {"type": "object", "required": ["credential_id", "document"], "properties": {
                    "credential_id": {"type": "string"}, "document": {"type": "object"}, "token": {"type": "string"},
                    "qr_text": {"type": "string"}, "verify_url": {"type": "string"}}}
            }
        }
    })
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi() -> Response {
    let mut r = document().to_string().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
