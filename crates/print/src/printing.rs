//! Printing issued certificates (features `registry` and `pdf`): the [`PrintedCertificate`] of a
//! signed certificate from its claims and QR text, the print extras recorded with it (ID type,
//! the ID number as the issuer prints it, 工种, photo) and the issuer's print settings (seal,
//! logo, the organisation's filed name). One place for `issue`, `issue-batch` and the admin API,
//! so that a certificate's page is the same whoever prints it, and so that all three refuse,
//! before anything is recorded, a certificate whose page could not be printed
//! ([`check_texts`], [`check_organisation`]); `settings` stores only what a page can use
//! ([`setting_text`], [`check_mark_image`]).

use crate::pdf::{PdfError, PrintedCertificate, Printer};
use chrono::{DateTime, NaiveDate, Utc};
use skillcert::issuer::{Issued, Issuer};
use skillcert::model::{number::china_time, Framework, ModelError};
use skillcert::request::{CheckedRequest, PrintExtras};
use skillcert_qrimage::load::MAX_IMAGE_BYTES;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

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
    /// The print extras recorded in the issuer's database are not readable.
    #[error("recorded print data: {0}")]
    Recorded(String),
    /// A text refused by the name rules (too long, control or bidi characters, …).
    #[error(transparent)]
    Text(#[from] ModelError),
}

/// The printer of the process (the bundled font parsed once), for callers without one of
/// their own (the admin API).
pub fn shared_printer() -> Result<&'static Printer, PrintError> {
    static PRINTER: OnceLock<Result<Printer, PdfError>> = OnceLock::new();
    PRINTER
        .get_or_init(Printer::new)
        .as_ref()
        .map_err(|e| PrintError::Pdf(e.clone()))
}

/// A text of an issuance that its page prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrintedText {
    /// The holder's name.
    HolderName,
    /// The holder's name in Latin letters.
    HolderNameLatin,
    /// The program's name (职业).
    ProgramName,
    /// The ID type.
    IdType,
    /// 工种.
    WorkType,
}

/// How a refusal names a [`PrintedText`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldNames {
    /// As roster columns and the CLI name them: `holder_name`.
    Column,
    /// As the issuance request (JSON, the admin API) names them: `holder.name`.
    Request,
}

impl PrintedText {
    /// Its name in `names`.
    pub fn name(self, names: FieldNames) -> &'static str {
        use PrintedText::*;
        match (names, self) {
            (FieldNames::Column, HolderName) => "holder_name",
            (FieldNames::Column, HolderNameLatin) => "holder_name_latin",
            (FieldNames::Column, ProgramName) => "program_name",
            (FieldNames::Column, IdType) => "id_type",
            (FieldNames::Column, WorkType) | (FieldNames::Request, WorkType) => "work_type",
            (FieldNames::Request, HolderName) => "holder.name",
            (FieldNames::Request, HolderNameLatin) => "holder.name_latin",
            (FieldNames::Request, ProgramName) => "program.name",
            (FieldNames::Request, IdType) => "holder.id_type",
        }
    }
}

/// Refuses, before anything is recorded, a request whose printed texts its page could not
/// print: a character no bundled font has, a control character, too long
/// ([`Printer::check_printable`]). The error names the field (in `names`) and the character;
/// the field is also returned. The one check of `issue`, `issue-batch` and the admin API.
pub fn check_texts(
    printer: &Printer,
    req: &CheckedRequest,
    extras: &PrintExtras,
    names: FieldNames,
) -> Result<(), (PrintedText, PdfError)> {
    let texts = [
        (PrintedText::HolderName, Some(req.holder_name.as_str())),
        (PrintedText::HolderNameLatin, req.holder_latin.as_deref()),
        (PrintedText::ProgramName, Some(req.program_name.as_str())),
        (PrintedText::IdType, extras.id_type.as_deref()),
        (PrintedText::WorkType, extras.work_type.as_deref()),
    ];
    for (field, text) in texts {
        if let Some(t) = text {
            printer
                .check_printable(field.name(names), t)
                .map_err(|e| (field, e))?;
        }
    }
    Ok(())
}

/// The evaluation organisation's name printed on every page of `issuer`: its filed name from
/// the settings, else the issuer's name.
pub fn organisation_name(issuer: &Issuer) -> &str {
    let c = issuer.config();
    c.print.organisation.as_deref().unwrap_or(&c.name)
}

/// Refuses an issuer whose organisation name ([`organisation_name`]) cannot be printed: no
/// page of it could be.
pub fn check_organisation(printer: &Printer, issuer: &Issuer) -> Result<(), PdfError> {
    printer.check_printable("organisation", organisation_name(issuer))
}

/// The organisation's filed name as `settings` stores it (`option` names it in errors): the
/// rules of a name in an issuance request (at most [`skillcert::model::MAX_NAME_CHARS`]
/// characters; no control, bidi or invisible format characters; trimmed, NFC), and every
/// character in the bundled font.
pub fn setting_text(printer: &Printer, option: &str, text: &str) -> Result<String, PrintError> {
    let t = skillcert::request::request_text(option, text)?;
    printer.check_printable(option, &t)?;
    Ok(t)
}

/// Reads a seal or logo file as `settings` stores it (`option` names it in errors): at most
/// [`MAX_IMAGE_BYTES`], and decoded as printing decodes it, within the same limits.
pub fn check_mark_image(
    printer: &Printer,
    option: &'static str,
    path: &Path,
) -> Result<(), PrintError> {
    let bytes = read_image(option, path)?;
    printer
        .check_image(option, &bytes)
        .map_err(|e| PrintError::File {
            field: option,
            path: path.display().to_string(),
            message: match e {
                PdfError::Image { message, .. } => message,
                other => other.to_string(),
            },
        })
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
    if !skillcert::qr::looks_like_image(&bytes) {
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

/// Parses the print extras recorded in the issuer's database (`None`: nothing recorded).
pub fn recorded_extras(json: Option<&str>) -> Result<PrintExtras, PrintError> {
    match json {
        None => Ok(PrintExtras::default()),
        Some(j) => serde_json::from_str(j).map_err(|e| PrintError::Recorded(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(name: &str) -> CheckedRequest {
        let v = serde_json::json!({
            "holder": {"name": name, "name_latin": "Zhang San"},
            "program": {"name": "焊工 Welder"},
            "level": {"framework": "cn-nvq", "value": "3"}
        });
        skillcert::request::IssuanceRequest::from_value(v)
            .unwrap()
            .1
    }

    #[test]
    fn unprintable_texts_are_named_as_the_caller_names_them() {
        let p = shared_printer().unwrap();
        let extras = PrintExtras::default();
        assert!(check_texts(p, &request("张三"), &extras, FieldNames::Request).is_ok());
        for (names, want) in [
            (FieldNames::Request, "holder.name: "),
            (FieldNames::Column, "holder_name: "),
        ] {
            let (field, e) = check_texts(p, &request("张\u{2000B}"), &extras, names).unwrap_err();
            assert_eq!(field, PrintedText::HolderName);
            let m = e.to_string();
            assert!(m.starts_with(want) && m.contains("U+2000B"), "{m}");
        }
        let extras = PrintExtras {
            work_type: Some("焊\u{2000B}".into()),
            ..PrintExtras::default()
        };
        let (field, _) = check_texts(p, &request("张三"), &extras, FieldNames::Column).unwrap_err();
        assert_eq!(field.name(FieldNames::Column), "work_type");
    }

    #[test]
    fn setting_texts_keep_the_name_rules_and_the_fonts() {
        let p = shared_printer().unwrap();
        assert_eq!(
            setting_text(p, "--organisation", " 绍兴市鉴定中心 ").unwrap(),
            "绍兴市鉴定中心"
        );
        for (bad, want) in [
            ("鉴".repeat(201), "longer than 200"),
            ("a\u{202E}b".to_owned(), "U+202E"),
            ("a\u{7}b".to_owned(), "control"),
            ("张\u{2000B}".to_owned(), "U+2000B"),
        ] {
            let m = setting_text(p, "--organisation", &bad)
                .unwrap_err()
                .to_string();
            assert!(m.starts_with("--organisation: ") && m.contains(want), "{m}");
        }
    }
}
