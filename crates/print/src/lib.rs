//! # skillcert-print
//!
//! Printed certificates, on top of the core and `skillcert-qrimage`:
//!
//! - [`pdf`]: one A4 PDF page per certificate (the national `cn-nvq` layout and a bilingual
//!   one), made in-process with the bundled CJK font, and combined print sheets;
//! - [`printing`]: the page of an issued certificate from its claims, print extras and the
//!   issuer's print settings, and the checks that refuse an unprintable certificate before
//!   anything is recorded.
#![forbid(unsafe_code)]
// Reports are returned by value on the cold path; boxing them buys nothing measurable.
#![allow(clippy::result_large_err)]

pub mod pdf;
pub mod printing;
