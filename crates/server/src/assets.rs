//! The web fonts of the verification pages, served by the binary itself (`GET /assets/{file}`)
//! so that a page reads on a device without Chinese fonts:
//!
//! - `ui-font-<hash>.woff`: Noto Serif SC (the printed certificate's family) subset to every
//!   character of the pages' own words, Latin and punctuation (`scripts/make-ui-font.sh`);
//! - `cjk-font-<hash>.otf`: the printed certificate's whole font (8,105 common characters and
//!   CJK Ext-A), the last fallback, which a browser fetches only when a name needs it.
//!
//! Each name carries the first 16 hex digits of the file's SHA-256, so the files can be cached
//! for a year (`immutable`): another font is another URL.

use super::errors::ApiError;
use axum::extract::rejection::PathRejection;
use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

/// The UI subset (WOFF).
pub const UI_FONT: &[u8] = include_bytes!("../assets/fonts/ui-font.woff");

/// One served asset: its name and bytes, and its media type.
struct Asset {
    name: String,
    bytes: &'static [u8],
    media_type: &'static str,
}

fn named(stem: &str, ext: &str, bytes: &'static [u8], media_type: &'static str) -> Asset {
    let h = hex::encode(Sha256::digest(bytes));
    Asset {
        name: format!("{stem}-{}.{ext}", &h[..16]),
        bytes,
        media_type,
    }
}

fn assets() -> &'static [Asset; 2] {
    static A: OnceLock<[Asset; 2]> = OnceLock::new();
    A.get_or_init(|| {
        [
            named("ui-font", "woff", UI_FONT, "font/woff"),
            named("cjk-font", "otf", skillcert_print::pdf::FONT, "font/otf"),
        ]
    })
}

/// The path of the UI font (`/assets/ui-font-<hash>.woff`).
pub fn ui_font_path() -> String {
    format!("/assets/{}", assets()[0].name)
}

/// The path of the whole CJK font (`/assets/cjk-font-<hash>.otf`).
pub fn cjk_font_path() -> String {
    format!("/assets/{}", assets()[1].name)
}

/// `GET /assets/{file}`: a web font of the pages.
#[utoipa::path(get, path = "/assets/{file}", tag = "pages",
    summary = "The pages' web fonts (names carry a content hash; cached for a year)",
    params(("file" = String, Path, description = "ui-font-<hash>.woff or cjk-font-<hash>.otf, as the pages' style sheet names them")),
    responses(
        (status = 200, description = "the font", content_type = "font/woff", body = Vec<u8>),
        (status = 404, description = "no such file", body = super::bodies::ErrorBody),
    ))]
pub async fn asset(file: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let Path(file) = file?;
    let a = assets()
        .iter()
        .find(|a| a.name == file)
        .ok_or_else(|| ApiError::NotFound("no such asset".into()))?;
    let mut r = (StatusCode::OK, a.bytes).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(a.media_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_the_content_hash() {
        assert!(ui_font_path().starts_with("/assets/ui-font-"));
        assert!(ui_font_path().ends_with(".woff"));
        assert!(cjk_font_path().ends_with(".otf"));
        assert_ne!(ui_font_path(), cjk_font_path());
    }

    #[test]
    fn the_ui_font_is_small() {
        assert!(UI_FONT.len() < 300 << 10, "{} bytes", UI_FONT.len());
    }
}
