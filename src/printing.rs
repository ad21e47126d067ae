//! Printing issued certificates (features `registry` and `pdf`): the [`PrintedCertificate`] of a
//! signed certificate from its claims and QR text, the print extras recorded with it (ID type,
//! the ID number as the issuer prints it, 工种, photo) and the issuer's print settings (seal,
//! logo, the organisation's filed name). One place for `issue`, `issue-batch` and the admin API,
//! so that a certificate's page is the same whoever prints it.

use crate::issuer::{Issued, Issuer};
use crate::model::{number::china_time, Framework};
use crate::pdf::{PdfError, PrintedCertificate};
use crate::qr::load::MAX_IMAGE_BYTES;
use crate::request::PrintExtras;
use chrono::{DateTime, NaiveDate, Utc};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a certificate could not be printed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PrintError {
    /// An image file (photo, seal, logo) could not be read.
    #[error("{field}: {path}: {message}")]
    File {
        /// `photo`, `seal` or `logo`.
        field: &'static str,
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The page could not be made (an unprintable character, a bad image, …).
    #[error(transparent)]
    Pdf(#[from] PdfError),
    /// The print extras recorded in the registry are not readable.
    #[error("recorded print data: {0}")]
    Recorded(String),
}

/// The issuer's print settings with their images read.
#[derive(Debug, Clone, Default)]
pub struct PrintAssets {
    /// The seal (PNG), printed over the organisation's name.
    pub seal: Option<Arc<[u8]>>,
    /// The logo (PNG).
    pub logo: Option<Arc<[u8]>>,
    /// The organisation's filed name, when it differs from the issuer name.
    pub organisation: Option<String>,
}

impl PrintAssets {
    /// Reads the seal and logo the issuer's config names (paths relative to its data dir).
    pub fn load(issuer: &Issuer) -> Result<PrintAssets, PrintError> {
        let p = &issuer.config().print;
        let read = |field: &'static str, path: &Option<String>| {
            path.as_deref()
                .map(|f| read_image(field, &issuer.dir().join(f)))
                .transpose()
        };
        Ok(PrintAssets {
            seal: read("seal", &p.seal)?,
            logo: read("logo", &p.logo)?,
            organisation: p.organisation.clone(),
        })
    }
}

/// Reads an image file for printing: at most [`MAX_IMAGE_BYTES`], PNG or JPEG (the bytes are
/// decoded, within limits, when the page is made).
pub fn read_image(field: &'static str, path: &Path) -> Result<Arc<[u8]>, PrintError> {
    let file_err = |message: String| PrintError::File {
        field,
        path: path.display().to_string(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| file_err(e.to_string()))?;
    if meta.len() > MAX_IMAGE_BYTES as u64 {
        return Err(file_err(format!(
            "{} bytes, more than the limit of {MAX_IMAGE_BYTES}",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| file_err(e.to_string()))?;
    if !crate::qr::looks_like_image(&bytes) {
        return Err(file_err("not a PNG or JPEG file".into()));
    }
    Ok(bytes.into())
}

/// The photo file of `extras`, relative to `base` (the roster's folder) when not absolute.
pub fn photo_path(extras: &PrintExtras, base: &Path) -> Option<PathBuf> {
    extras.photo.as_deref().map(|p| base.join(p))
}

/// The date a certificate shows for time `t`: in China Standard Time for `cn-nvq` (the
/// national number's year is counted there too), in UTC otherwise.
pub fn print_date(framework: Framework, t: &DateTime<Utc>) -> NaiveDate {
    match framework {
        Framework::CnNvq => t.with_timezone(&china_time()).date_naive(),
        _ => t.date_naive(),
    }
}

/// The printed certificate of `issued`: its claims and QR text, `extras` as recorded, the
/// issuer's `assets`, and `photo` (read by the caller with [`read_image`]).
pub fn printed(
    issued: &Issued,
    extras: &PrintExtras,
    assets: &PrintAssets,
    photo: Option<Arc<[u8]>>,
) -> PrintedCertificate {
    let number = issued.claims.number.clone().unwrap_or_default();
    let id_number = extras.id_number.clone().unwrap_or_else(|| "--".to_owned());
    let mut p =
        PrintedCertificate::from_claims(&issued.claims, &issued.qr_text, &number, &id_number);
    if let Some(t) = &extras.id_type {
        p.id_type = t.clone();
    }
    p.specialty = extras.work_type.clone();
    let f = issued.claims.level.framework;
    p.issued = print_date(f, &issued.claims.valid_from);
    p.valid_until = issued.claims.valid_until.map(|t| print_date(f, &t));
    if let Some(o) = &assets.organisation {
        p.organisation = o.clone();
    }
    p.seal = assets.seal.clone();
    p.logo = assets.logo.clone();
    p.photo = photo;
    p
}

/// Parses the print extras recorded in the registry (`None`: nothing recorded).
pub fn recorded_extras(json: Option<&str>) -> Result<PrintExtras, PrintError> {
    match json {
        None => Ok(PrintExtras::default()),
        Some(j) => serde_json::from_str(j).map_err(|e| PrintError::Recorded(e.to_string())),
    }
}
