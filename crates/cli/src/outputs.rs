//! The files of one issued certificate: which ones (`--formats`), their bytes, and writing them
//! so that a crash never leaves a half-written file under its final name.

use super::common::CliError;
use skillcert::issuer::{Issued, Issuer};
use skillcert::request::PrintExtras;
use skillcert_print::pdf::{PrintedCertificate, Printer};
use skillcert_print::printing::{self, PrintAssets, PrintError};
use skillcert_qrimage::render;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file kind `issue` and `issue-batch` can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum FileFormat {
    /// `UUID.credential.json`: the signed document.
    Document,
    /// `UUID.jwt`: the `vc+jwt` token.
    Token,
    /// `UUID.qr.png`: the QR code as PNG.
    QrPng,
    /// `UUID.qr.svg`: the QR code as SVG.
    QrSvg,
    /// `UUID.html`: the printable certificate as one HTML page.
    Html,
    /// `UUID.pdf`: the printed certificate, one A4 page.
    Pdf,
    /// `UUID.holder-copy.credential.json`: the holder's own copy, with the ID as a salted
    /// hash under a salt of its own (mode 0600; only for a certificate issued with an ID).
    HolderCopy,
}

/// What `issue` writes unless told otherwise.
pub(crate) const ISSUE_FORMATS: &str = "document,token,qr-png,qr-svg,html,pdf,holder-copy";
/// What `issue-batch` writes unless told otherwise.
pub(crate) const BATCH_FORMATS: &str = "document,token,qr-png,pdf,holder-copy";

impl FileFormat {
    /// The key in `--json` output.
    pub fn key(self) -> &'static str {
        match self {
            FileFormat::Document => "document",
            FileFormat::Token => "token",
            FileFormat::QrPng => "qr_png",
            FileFormat::QrSvg => "qr_svg",
            FileFormat::Html => "certificate",
            FileFormat::Pdf => "pdf",
            FileFormat::HolderCopy => "holder_copy",
        }
    }

    /// The file name for certificate `uuid`.
    pub fn file_name(self, uuid: &str) -> String {
        let ext = match self {
            FileFormat::Document => "credential.json",
            FileFormat::Token => "jwt",
            FileFormat::QrPng => "qr.png",
            FileFormat::QrSvg => "qr.svg",
            FileFormat::Html => "html",
            FileFormat::Pdf => "pdf",
            FileFormat::HolderCopy => "holder-copy.credential.json",
        };
        format!("{uuid}.{ext}")
    }
}

/// How files are made: which ones, the QR module size, and what printing needs.
#[derive(Clone)]
pub(crate) struct OutputSpec {
    /// The kinds, each once, in the order given.
    pub(crate) formats: Vec<FileFormat>,
    /// Pixels per QR module (PNG) / user units (SVG).
    pub(crate) module_size: u32,
    /// The printer and the issuer's print settings (when a PDF is wanted).
    pub(crate) print: Option<PrintCtx>,
}

/// What making PDFs needs: the printer (fonts parsed once), the issuer's seal, logo and
/// organisation name, and the folder photo paths are relative to.
#[derive(Clone)]
pub(crate) struct PrintCtx {
    pub(crate) printer: Arc<Printer>,
    pub(crate) assets: PrintAssets,
    pub(crate) photo_base: PathBuf,
}

impl PrintCtx {
    /// The issuer's print context; photos relative to `photo_base`.
    pub(crate) fn new(issuer: &Issuer, photo_base: &Path) -> Result<PrintCtx, CliError> {
        let ctx = PrintCtx {
            printer: Arc::new(Printer::new().map_err(CliError::refused)?),
            assets: PrintAssets::load(issuer).map_err(CliError::refused)?,
            photo_base: photo_base.to_owned(),
        };
        // The organisation's name is on every page: refused once, here, if it cannot be printed.
        printing::check_organisation(&ctx.printer, issuer).map_err(CliError::refused)?;
        Ok(ctx)
    }

    /// The same context with a printer for a run whose printed text is among `texts` (a
    /// roster's text) and the issuer's names ([`Printer::for_texts`]): one subset of the font
    /// for the run instead of one per PDF. Pages are the same either way.
    pub(crate) fn for_run<'a>(
        self,
        issuer: &'a Issuer,
        texts: impl IntoIterator<Item = &'a str>,
    ) -> Result<PrintCtx, CliError> {
        let names = [
            issuer.config().name.as_str(),
            printing::organisation_name(issuer),
        ];
        let printer =
            Printer::for_texts(texts.into_iter().chain(names)).map_err(CliError::refused)?;
        Ok(PrintCtx {
            printer: Arc::new(printer),
            ..self
        })
    }

    /// The printed certificate of `issued` with `extras` (reads the photo).
    pub(crate) fn printed(
        &self,
        issued: &Issued,
        extras: &PrintExtras,
    ) -> Result<PrintedCertificate, PrintError> {
        let photo = printing::photo_path(extras, &self.photo_base)
            .map(|p| printing::read_image("photo", &p))
            .transpose()?;
        Ok(printing::printed(issued, extras, &self.assets, photo))
    }
}

impl OutputSpec {
    /// `formats` without repeats.
    pub(crate) fn new(
        formats: &[FileFormat],
        module_size: u32,
        issuer: &Issuer,
        photo_base: &Path,
    ) -> Result<OutputSpec, CliError> {
        let mut f = Vec::new();
        for x in formats {
            if !f.contains(x) {
                f.push(*x);
            }
        }
        let print = if f.contains(&FileFormat::Pdf) {
            Some(PrintCtx::new(issuer, photo_base)?)
        } else {
            None
        };
        Ok(OutputSpec {
            formats: f,
            module_size,
            print,
        })
    }
}

/// One file's kind, name and bytes.
#[derive(Debug)]
pub(crate) struct FileBytes {
    /// Its kind.
    pub(crate) format: FileFormat,
    /// File name (no folder).
    pub(crate) name: String,
    /// Contents.
    pub(crate) bytes: Vec<u8>,
}

/// The bytes of every file of `issued` that `spec` asks for; `extras` is what its printed page
/// carries besides the claims, `page` the page when the caller has made it already.
pub(crate) fn render_files(
    issued: &Issued,
    extras: &PrintExtras,
    spec: &OutputSpec,
    page: Option<&PrintedCertificate>,
) -> Result<Vec<FileBytes>, CliError> {
    let uuid = issued.claims.id.to_string();
    let mut svg_cache: Option<String> = None;
    let mut svg = |issued: &Issued| -> Result<String, CliError> {
        if let Some(s) = &svg_cache {
            return Ok(s.clone());
        }
        let s = render::to_svg(&issued.qr_text, spec.module_size).map_err(CliError::refused)?;
        svg_cache = Some(s.clone());
        Ok(s)
    };
    let mut out = Vec::with_capacity(spec.formats.len());
    for &format in &spec.formats {
        let bytes = match format {
            FileFormat::HolderCopy => match &issued.holder_copy {
                // Only a certificate issued with an ID has one.
                None => continue,
                Some(copy) => {
                    let text = serde_json::to_string_pretty(copy)
                        .map_err(|e| CliError::refused(format!("holder copy: {e}")))?;
                    format!("{text}\n").into_bytes()
                }
            },
            FileFormat::Document => {
                let text = serde_json::to_string_pretty(&issued.document)
                    .map_err(|e| CliError::refused(format!("document: {e}")))?;
                format!("{text}\n").into_bytes()
            }
            FileFormat::Token => format!("{}\n", issued.token).into_bytes(),
            FileFormat::QrPng => {
                render::to_png(&issued.qr_text, spec.module_size).map_err(CliError::refused)?
            }
            FileFormat::QrSvg => svg(issued)?.into_bytes(),
            FileFormat::Html => super::certificate::html(issued, &svg(issued)?).into_bytes(),
            FileFormat::Pdf => {
                let ctx = spec
                    .print
                    .as_ref()
                    .ok_or_else(|| CliError::refused("pdf: no printer"))?;
                match page {
                    Some(p) => ctx.printer.pdf(p),
                    None => ctx
                        .printer
                        .pdf(&ctx.printed(issued, extras).map_err(CliError::refused)?),
                }
                .map_err(CliError::refused)?
            }
        };
        out.push(FileBytes {
            format,
            name: format.file_name(&uuid),
            bytes,
        });
    }
    Ok(out)
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CliError + '_ {
    move |e| CliError::unreadable(format!("{}: {e}", path.display()))
}

/// Writes `files` into `tmp`, then renames each into `out`, the document last: a file under its
/// final name is always complete. Every file is 0600 and `tmp` 0700, whatever the umask
/// ([`skillcert::private_fs`]). Returns (kind, final path) pairs in `files` order.
pub(crate) fn write_files(
    files: &[FileBytes],
    out: &Path,
    tmp: &Path,
) -> Result<Vec<(FileFormat, PathBuf)>, CliError> {
    skillcert::private_fs::create_dir_all(tmp).map_err(io(tmp))?;
    for f in files {
        let p = tmp.join(&f.name);
        // A leftover of a killed run is replaced, not written through.
        let _ = std::fs::remove_file(&p);
        if f.format == FileFormat::HolderCopy {
            // The ID can be found from it by guessing: synced, like the issuer's database's record.
            skillcert::private_fs::write(&p, &f.bytes).map_err(io(&p))?;
        } else {
            skillcert::private_fs::write_unsynced(&p, &f.bytes).map_err(io(&p))?;
        }
    }
    let order = files
        .iter()
        .filter(|f| f.format != FileFormat::Document)
        .chain(files.iter().filter(|f| f.format == FileFormat::Document));
    for f in order {
        let dest = out.join(&f.name);
        std::fs::rename(tmp.join(&f.name), &dest).map_err(io(&dest))?;
    }
    Ok(files
        .iter()
        .map(|f| (f.format, out.join(&f.name)))
        .collect())
}

/// Whether every file `spec` asks for of certificate `uuid` is in `out` and intact: the
/// document must hash to the issuer's database's `sha256`; the others must be present and non-empty.
pub(crate) fn files_intact(
    out: &Path,
    uuid: &str,
    sha256: Option<&str>,
    spec: &OutputSpec,
) -> bool {
    spec.formats.iter().all(|f| {
        let path = out.join(f.file_name(uuid));
        match f {
            FileFormat::Document => document_intact(&path, sha256),
            // Written only for a certificate with an ID: its absence says nothing.
            FileFormat::HolderCopy => true,
            _ => std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() > 0),
        }
    })
}

fn document_intact(path: &Path, sha256: Option<&str>) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let Ok(v) = skillcert::jcs::parse_strict(&bytes, skillcert::verify::MAX_DOCUMENT) else {
        return false;
    };
    let Ok(h) = skillcert::proof::jcs_hash(&v) else {
        return false;
    };
    sha256 == Some(hex::encode(h).as_str())
}

/// Refuses, before anything is recorded, a certificate whose page cannot be printed: a
/// character no bundled font has (naming the field; [`printing::check_texts`], as the admin
/// API; checked whether or not a PDF is made now), a photo file that cannot be read (when
/// one is printed now). The field is returned with the error
/// (`holder_name`, `photo`, …).
pub(crate) fn check_printable(
    ctx: Option<&PrintCtx>,
    req: &skillcert::request::CheckedRequest,
    extras: &PrintExtras,
) -> Result<(), (&'static str, String)> {
    let names = printing::FieldNames::Column;
    // Without a PDF now, the texts still: the page may be printed later (the admin API's
    // PDF, a re-run with --formats pdf), and a recorded certificate must be printable.
    let printer = match ctx {
        Some(c) => &c.printer,
        None => printing::shared_printer().map_err(|e| ("", e.to_string()))?,
    };
    printing::check_texts(printer, req, extras, names)
        .map_err(|(field, e)| (field.name(names), e.to_string()))?;
    if let Some(p) = ctx.and_then(|c| printing::photo_path(extras, &c.photo_base)) {
        printing::read_image("photo", &p).map_err(|e| ("photo", e.to_string()))?;
    }
    Ok(())
}
