//! Printed certificates: one A4 PDF page per certificate, made in-process (feature `pdf`).
//!
//! A [`PrintedCertificate`] is plain data the caller fills from a certificate and its issuer's
//! settings; a [`Printer`] (made once, shared across threads) turns it into a PDF with
//! [`Printer::pdf`], or many into one combined PDF for the print shop with [`Printer::sheets`].
//! `cn-nvq` certificates get the national layout of the 职业技能等级证书 (bilingual); `1x`,
//! `iiw` and `eqf` certificates a bilingual certificate layout of their own.
//!
//! Text is real text in a subset of the bundled font (Noto Serif CJK SC, SIL OFL 1.1, itself a
//! subset made by `scripts/make-font.sh`: the 8,105 characters of the 通用规范汉字表, CJK
//! Ext-A, Latin, Latin-1 and punctuation), with a ToUnicode map so that copied or extracted text
//! is the right characters. A character the font lacks is refused ([`Printer::check_printable`]),
//! never printed as an empty box. The QR code is drawn as vector rectangles.

mod draw;
mod images;
mod layout;
mod runfont;

use chrono::NaiveDate;
use skillcert::model::levels::{Framework, LevelInfo};
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;
use thiserror::Error;

/// The bundled font (Noto Serif CJK SC Regular, subset; `assets/fonts/`).
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/NotoSerifSC-Regular-subset.otf");

/// Longest text accepted in one field, in characters.
pub const MAX_FIELD_CHARS: usize = 300;
/// Most certificates in one [`Printer::sheets`] PDF.
pub const MAX_SHEETS: usize = 10_000;

/// Why a PDF could not be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PdfError {
    /// A character that no bundled font has.
    #[error("{field}: the character U+{:04X} ({ch}) is in no bundled font and cannot be printed", u32::from(*ch))]
    Unprintable {
        /// The field that holds it.
        field: String,
        /// The character.
        ch: char,
    },
    /// A field's value cannot be printed (too long, empty, unknown level, …).
    #[error("{field}: {message}")]
    Field {
        /// The field.
        field: String,
        /// What is wrong.
        message: String,
    },
    /// An image (photo, seal, logo) that cannot be used.
    #[error("{field}: {message}")]
    Image {
        /// The field (`photo`, `seal`, `logo`).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// The QR text cannot be drawn at a size a phone reads.
    #[error("qr_text: {0}")]
    Qr(String),
    /// The PDF writer failed.
    #[error("cannot write the PDF: {0}")]
    Write(String),
}

impl PdfError {
    fn field(field: &str, message: impl Into<String>) -> PdfError {
        PdfError::Field {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// One printed certificate: everything on the page, as the caller decided it.
#[derive(Debug, Clone, PartialEq)]
pub struct PrintedCertificate {
    /// The framework: chooses the layout and the level's names.
    pub framework: Framework,
    /// The certificate's title in Chinese (`职业技能等级证书`; see [`default_title`]).
    pub title_zh: String,
    /// The certificate's title in English.
    pub title_en: String,
    /// The holder's name as written on the ID.
    pub holder_name: String,
    /// The holder's name in Latin letters, if any.
    pub holder_name_latin: Option<String>,
    /// The ID type, e.g. `居民身份证 ID card`.
    pub id_type: String,
    /// The ID number as printed: full, or masked with [`mask_id`] (the caller decides).
    pub id_number: String,
    /// Occupation (职业): the program's name.
    pub occupation: String,
    /// Occupation code, e.g. `6-18-01-01` (empty: not printed).
    pub occupation_code: String,
    /// 工种/职业方向; `None` prints `--`.
    pub specialty: Option<String>,
    /// The level's value in the framework (`"3"` prints `三级/高级工` for cn-nvq).
    pub level: String,
    /// The certificate number.
    pub number: String,
    /// The evaluation organisation (评价机构), its filed name.
    pub organisation: String,
    /// Issue date.
    pub issued: NaiveDate,
    /// Last day of validity, if the certificate expires.
    pub valid_until: Option<NaiveDate>,
    /// The holder's photo (PNG or JPEG), printed in the photo box.
    pub photo: Option<Arc<[u8]>>,
    /// The issuer's seal (PNG, transparent), printed over the organisation's name.
    pub seal: Option<Arc<[u8]>>,
    /// The issuer's logo (PNG or JPEG).
    pub logo: Option<Arc<[u8]>>,
    /// The text the QR code encodes (the certificate's QR form).
    pub qr_text: String,
    /// Where the certificate can be checked: `(label, address)` pairs, printed in order (see
    /// [`default_query_addresses`]).
    pub query_addresses: Vec<(String, String)>,
}

/// The usual title of a framework's certificate: `(Chinese, English)`.
pub fn default_title(framework: Framework) -> (&'static str, &'static str) {
    match framework {
        Framework::CnNvq => ("职业技能等级证书", "Vocational Skill Level Certificate"),
        Framework::OneX => (
            "职业技能等级证书（1+X）",
            "1+X Vocational Skill Certificate",
        ),
        Framework::Iiw => ("国际焊接资格证书", "International Welding Qualification"),
        Framework::Eqf => ("职业资格证书", "Qualification Certificate"),
    }
}

/// The public query addresses printed on a certificate: for `cn-nvq` the national ones
/// (certificates: jndj.osta.org.cn; organisations: pjjg.osta.org.cn), and `verification_url`
/// (the issuer's verification page) for every framework.
pub fn default_query_addresses(
    framework: Framework,
    verification_url: &str,
) -> Vec<(String, String)> {
    let mut v = Vec::new();
    if framework == Framework::CnNvq {
        v.push((
            "证书查询 Certificate query".to_owned(),
            "jndj.osta.org.cn".to_owned(),
        ));
        v.push((
            "评价机构查询 Organisation query".to_owned(),
            "pjjg.osta.org.cn".to_owned(),
        ));
    }
    v.push((
        "在线验证 Verify online".to_owned(),
        verification_url.to_owned(),
    ));
    v
}

/// An ID number masked as the issuer's `--id-number masked` prints it
/// ([`skillcert::request::PrintExtras::print_id`]): `330602********123*`.
pub fn mask_id(id: &str) -> String {
    skillcert::request::PrintExtras::print_id(id, true)
}

impl PrintedCertificate {
    /// A printed certificate from signed `claims` and their QR text, with the framework's
    /// usual title and query addresses (the issuer's URL for online verification), the ID type
    /// `居民身份证 ID card`, no specialty and no images; the caller sets the rest.
    pub fn from_claims(
        claims: &skillcert::model::Claims,
        qr_text: &str,
        number: &str,
        id_number: &str,
    ) -> PrintedCertificate {
        let framework = claims.level.framework;
        let (title_zh, title_en) = default_title(framework);
        let url = claims
            .issuer
            .url
            .clone()
            .unwrap_or_else(|| claims.issuer.id.clone());
        PrintedCertificate {
            framework,
            title_zh: title_zh.to_owned(),
            title_en: title_en.to_owned(),
            holder_name: claims.holder.name.clone(),
            holder_name_latin: claims.holder.name_latin.clone(),
            id_type: "居民身份证 ID card".to_owned(),
            id_number: id_number.to_owned(),
            occupation: claims.program.name.clone(),
            occupation_code: claims.program.code.clone().unwrap_or_default(),
            specialty: None,
            level: claims.level.value.clone(),
            number: number.to_owned(),
            organisation: claims.issuer.name.clone(),
            issued: claims.valid_from.date_naive(),
            valid_until: claims.valid_until.map(|t| t.date_naive()),
            photo: None,
            seal: None,
            logo: None,
            qr_text: qr_text.to_owned(),
            query_addresses: default_query_addresses(framework, &url),
        }
    }

    /// The level's names in the framework.
    pub fn level_info(&self) -> Result<&'static LevelInfo, PdfError> {
        self.framework
            .level(&self.level)
            .map(|(_, l)| l)
            .ok_or_else(|| {
                PdfError::field(
                    "level",
                    format!(
                        "{:?} is not a level of the {} framework",
                        self.level, self.framework
                    ),
                )
            })
    }

    /// Every printed text field, with its name.
    fn texts(&self) -> Vec<(&'static str, &str)> {
        let mut v = vec![
            ("title_zh", self.title_zh.as_str()),
            ("title_en", self.title_en.as_str()),
            ("holder_name", self.holder_name.as_str()),
            ("id_type", self.id_type.as_str()),
            ("id_number", self.id_number.as_str()),
            ("occupation", self.occupation.as_str()),
            ("occupation_code", self.occupation_code.as_str()),
            ("number", self.number.as_str()),
            ("organisation", self.organisation.as_str()),
        ];
        if let Some(l) = &self.holder_name_latin {
            v.push(("holder_name_latin", l));
        }
        if let Some(s) = &self.specialty {
            v.push(("specialty", s));
        }
        for (label, address) in &self.query_addresses {
            v.push(("query_addresses", label));
            v.push(("query_addresses", address));
        }
        v
    }
}

/// Makes PDFs. Parses the bundled font once; `Send + Sync`, meant to be shared (`Arc`) and
/// reused across threads.
///
/// Each PDF embeds the subset of the font its page uses. A printer made with
/// [`Printer::for_texts`] takes those subsets from a run font (the bundled font cut down, once,
/// to the characters the run can print), which is much faster than subsetting the whole
/// bundled font for every PDF; the PDFs are the same.
pub struct Printer {
    font: krilla::text::Font,
    face: ttf_parser::Face<'static>,
    run: Option<runfont::RunFont>,
    images: images::Cache,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer").finish_non_exhaustive()
    }
}

impl Printer {
    /// A printer with the bundled font.
    pub fn new() -> Result<Printer, PdfError> {
        let font = krilla::text::Font::new(FONT.into(), 0)
            .ok_or_else(|| PdfError::Write("the bundled font cannot be read".into()))?;
        let face = ttf_parser::Face::parse(FONT, 0)
            .map_err(|e| PdfError::Write(format!("the bundled font cannot be read: {e}")))?;
        Ok(Printer {
            font,
            face,
            run: None,
            images: images::Cache::default(),
        })
    }

    /// A printer for a run of certificates whose printed text is among `texts` (a roster's
    /// text, the issuer's names): it makes, once, a subset of the bundled font with the glyphs
    /// of every character of `texts`, of the layouts' own text and of printable ASCII, and
    /// each PDF's subset is taken from it. A page with a character outside it is still
    /// printed, from the bundled font (only slower), so `texts` is a matter of speed, never of
    /// what is printed. Characters the font lacks are left out (pages that hold them are
    /// refused as with [`Printer::new`]).
    pub fn for_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<Printer, PdfError> {
        let mut printer = Printer::new()?;
        let mut seen: HashSet<char> = (' '..='~').collect();
        for t in texts.into_iter().chain(layout::FIXED_TEXTS.iter().copied()) {
            seen.extend(t.chars());
        }
        for f in Framework::ALL {
            let (zh, en) = default_title(f);
            seen.extend(zh.chars().chain(en.chars()).chain(f.title().chars()));
            for l in f.levels() {
                seen.extend(l.zh.chars().chain(l.en.chars()));
            }
            for (label, _) in default_query_addresses(f, "") {
                seen.extend(label.chars());
            }
        }
        seen.extend("居民身份证 ID card".chars());
        let chars: BTreeSet<char> = seen
            .into_iter()
            .filter(|c| !c.is_control() && printer.has_glyph(*c))
            .collect();
        printer.run = Some(runfont::RunFont::new(&printer.face, &chars)?);
        Ok(printer)
    }

    /// Whether the bundled font has a glyph for `ch`.
    pub fn has_glyph(&self, ch: char) -> bool {
        self.run.as_ref().is_some_and(|r| r.glyph(ch).is_some())
            || self.face.glyph_index(ch).is_some_and(|g| g.0 != 0)
    }

    /// Refuses `text` (the value of `field`) when it holds a character that no bundled font
    /// has, or a control character; the error names the field and the character.
    pub fn check_printable(&self, field: &str, text: &str) -> Result<(), PdfError> {
        if text.chars().count() > MAX_FIELD_CHARS {
            return Err(PdfError::field(
                field,
                format!("longer than {MAX_FIELD_CHARS} characters"),
            ));
        }
        match text.chars().find(|c| c.is_control() || !self.has_glyph(*c)) {
            Some(ch) => Err(PdfError::Unprintable {
                field: field.to_owned(),
                ch,
            }),
            None => Ok(()),
        }
    }

    /// Refuses a seal or logo (`field`) the page could not use: decoded as printing decodes it,
    /// within the same limits (file size, pixels, side, decoder memory).
    pub fn check_image(&self, field: &str, bytes: &[u8]) -> Result<(), PdfError> {
        images::decode(field, bytes, images::MARK_SIDE).map(|_| ())
    }

    /// Checks every text field of `cert` ([`Printer::check_printable`]) and its level.
    pub fn check(&self, cert: &PrintedCertificate) -> Result<(), PdfError> {
        for (field, text) in cert.texts() {
            self.check_printable(field, text)?;
        }
        if cert.holder_name.trim().is_empty() {
            return Err(PdfError::field("holder_name", "is empty"));
        }
        cert.level_info().map(|_| ())
    }

    /// One A4 page: the PDF of `cert`.
    pub fn pdf(&self, cert: &PrintedCertificate) -> Result<Vec<u8>, PdfError> {
        self.sheets(std::slice::from_ref(cert))
    }

    /// One PDF with a page per certificate, in order (for the print shop).
    pub fn sheets(&self, certs: &[PrintedCertificate]) -> Result<Vec<u8>, PdfError> {
        if certs.is_empty() || certs.len() > MAX_SHEETS {
            return Err(PdfError::field(
                "certificates",
                format!("give 1 to {MAX_SHEETS} certificates"),
            ));
        }
        let mut doc = krilla::Document::new_with(krilla::SerializeSettings {
            xmp_metadata: false,
            ..Default::default()
        });
        for cert in certs {
            self.check(cert)?;
            let pictures = self.images.pictures(cert)?;
            layout::page(self, &mut doc, cert, &pictures)?;
        }
        doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_masked_in_the_middle() {
        // Birth date and check character hidden: the check character is a function of them.
        assert_eq!(mask_id("330602199001011231"), "330602********123*");
        assert_eq!(mask_id("E12345678901"), "E12345**8901");
        assert_eq!(mask_id("A1234567"), "********");
        assert_eq!(mask_id("abc"), "***");
        assert_eq!(mask_id(""), "");
    }

    #[test]
    fn the_printer_is_shared_across_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Printer>();
    }

    fn cert() -> PrintedCertificate {
        let (title_zh, title_en) = default_title(Framework::CnNvq);
        PrintedCertificate {
            framework: Framework::CnNvq,
            title_zh: title_zh.into(),
            title_en: title_en.into(),
            holder_name: "王晓明".into(),
            holder_name_latin: None,
            id_type: "居民身份证 ID card".into(),
            id_number: mask_id("330602199001011231"),
            occupation: "数控铣工".into(),
            occupation_code: String::new(),
            specialty: None,
            level: "3".into(),
            number: "S000133060200263000042".into(),
            organisation: "绍兴市职业技能鉴定指导中心".into(),
            issued: NaiveDate::from_ymd_opt(2026, 10, 12).unwrap(),
            valid_until: None,
            photo: None,
            seal: None,
            logo: None,
            qr_text: "HTTPS://VERIFY.EXAMPLE.CN/V/123".into(),
            query_addresses: default_query_addresses(Framework::CnNvq, "https://verify.example.cn"),
        }
    }

    #[test]
    fn fields_are_checked_before_printing() {
        let p = Printer::new().unwrap();
        let c = cert();
        assert_eq!(c.level_info().unwrap().zh, "三级/高级工");
        assert!(p.pdf(&c).unwrap().starts_with(b"%PDF-"));
        let e = p
            .pdf(&PrintedCertificate {
                level: "6".into(),
                ..cert()
            })
            .unwrap_err();
        assert!(e.to_string().starts_with("level: "), "{e}");
        let e = p
            .pdf(&PrintedCertificate {
                holder_name: " ".into(),
                ..cert()
            })
            .unwrap_err();
        assert_eq!(e.to_string(), "holder_name: is empty");
        let long = "鑫".repeat(MAX_FIELD_CHARS + 1);
        let e = p
            .pdf(&PrintedCertificate {
                organisation: long,
                ..cert()
            })
            .unwrap_err();
        assert!(
            e.to_string().starts_with("organisation: longer than"),
            "{e}"
        );
        let e = p
            .pdf(&PrintedCertificate {
                qr_text: "9".repeat(8000),
                ..cert()
            })
            .unwrap_err();
        assert!(e.to_string().starts_with("qr_text: "), "{e}");
    }

    /// How many fonts a PDF embeds (one `FontFile3` stream each).
    fn fonts(pdf: &[u8]) -> usize {
        pdf.windows(9).filter(|w| w == b"FontFile3").count()
    }

    /// `pdf` without what names its font subset by the glyph numbers it was taken from: the
    /// six-letter tag before each `+Noto…` font name and the file's `/ID`, both hashes. The
    /// rest (the font programs, widths, ToUnicode maps and page contents) is compared as is.
    fn without_subset_names(pdf: &[u8]) -> Vec<u8> {
        let mut v = pdf.to_vec();
        for i in 6..v.len().saturating_sub(5) {
            if &v[i..i + 5] == b"+Noto" {
                v[i - 6..i].fill(b'-');
            }
        }
        let id = v.windows(4).position(|w| w == b"/ID ").unwrap();
        let end = id + v[id..].iter().position(|b| *b == b']').unwrap();
        v.drain(id..end);
        v
    }

    #[test]
    fn a_run_font_makes_the_same_pdfs() {
        let full = Printer::new().unwrap();
        let c = cert();
        let run =
            Printer::for_texts([c.holder_name.as_str(), &c.occupation, &c.organisation]).unwrap();
        let one = full.pdf(&c).unwrap();
        let same = |a: &[u8], b: &[u8]| without_subset_names(a) == without_subset_names(b);
        assert!(same(&run.pdf(&c).unwrap(), &one));
        assert_eq!(fonts(&one), 1);
        // Every layout, every field set, from the run font alone when the fields are Latin.
        for f in Framework::ALL {
            let level = f.levels()[0].value.to_owned();
            let latin = PrintedCertificate {
                framework: f,
                holder_name: "Wang Xiaoming".into(),
                holder_name_latin: Some("WANG Xiaoming".into()),
                occupation: "CNC milling".into(),
                occupation_code: "6-18-01-01".into(),
                specialty: Some("Five-axis".into()),
                organisation: "Shaoxing Centre".into(),
                valid_until: NaiveDate::from_ymd_opt(2031, 12, 31),
                level,
                query_addresses: default_query_addresses(f, "https://v.example.cn"),
                ..cert()
            };
            let (title_zh, title_en) = default_title(f);
            let latin = PrintedCertificate {
                title_zh: title_zh.into(),
                title_en: title_en.into(),
                ..latin
            };
            let pdf = Printer::for_texts([]).unwrap().pdf(&latin).unwrap();
            assert!(same(&pdf, &full.pdf(&latin).unwrap()), "{f}");
            let pages = run.sheets(&[latin.clone(), c.clone()]).unwrap();
            assert!(
                same(&pages, &full.sheets(&[latin, c.clone()]).unwrap()),
                "{f}"
            );
            assert_eq!(fonts(&pages), 1, "{f}: a character outside the run font");
        }
        // A character outside the run font: printed from the bundled font.
        let rare = PrintedCertificate {
            holder_name: "王䶮".into(),
            ..cert()
        };
        let pdf = run.pdf(&rare).unwrap();
        assert_eq!(fonts(&pdf), 2);
        assert!(run.check(&rare).is_ok());
    }

    #[test]
    fn unprintable_characters_are_named() {
        let p = Printer::new().unwrap();
        assert!(p
            .check_printable("holder_name", "王晓明 Wang Xiaoming")
            .is_ok());
        let e = p.check_printable("holder_name", "王\u{F0000}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "holder_name: the character U+F0000 (\u{F0000}) is in no bundled font and cannot be printed"
        );
        assert!(p.check_printable("x", "a\nb").is_err());
    }
}
