//! # skillcert-print
//!
//! Printed certificates, on top of the core and `skillcert-qrimage`:
//!
//! - [`pdf`]: one A4 PDF page per certificate (the national `cn-nvq` layout and a bilingual
//!   one), made in-process with the bundled CJK font, and combined print sheets;
//! - [`printing`]: the page of an issued certificate from its claims, print extras and the
//!   issuer's print settings, and the checks that refuse an unprintable certificate before
//!   anything is recorded.
//!
//! ## Example
//!
//! The page of a certificate issued without a database (no images, the issuer's name as the
//! organisation), made into a one-page PDF:
//!
//! ```
//! use skillcert::issuer::Issuer;
//! use skillcert::request::{IssuanceRequest, PrintExtras};
//! use skillcert_print::pdf::Printer;
//! use skillcert_print::printing::{printed, PrintAssets};
//!
//! let dir = tempfile::tempdir()?;
//! let issuer = Issuer::init(dir.path(), "绍兴市职业技能鉴定指导中心", Some("https://v.example.cn"))?;
//! let (_, request) = IssuanceRequest::parse(
//!     r#"{"holder": {"name": "王晓明", "name_latin": "Wang Xiaoming"},
//!          "program": {"name": "数控车工", "code": "6-18-01-01"},
//!          "level": {"framework": "cn-nvq", "value": "3"}}"#
//!         .as_bytes(),
//! )?;
//! let issued = issuer.issue_unregistered(&request)?;
//! let page = printed(&issued, &PrintExtras::default(), &PrintAssets::load(&issuer)?, None);
//! assert_eq!(page.holder_name, "王晓明");
//! let pdf = Printer::new()?.pdf(&page)?;
//! assert!(pdf.starts_with(b"%PDF"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
// Reports are returned by value on the cold path; boxing them buys nothing measurable.
#![allow(clippy::result_large_err)]

pub mod pdf;
pub mod printing;
