//! The files of one issued certificate: which ones (`--formats`), their bytes, and writing them
//! so that a crash never leaves a half-written file under its final name.

use super::common::CliError;
use crate::issuer::Issued;
use crate::qr::render;
use std::path::{Path, PathBuf};

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
}

/// What `issue` writes unless told otherwise.
pub(crate) const ISSUE_FORMATS: &str = "document,token,qr-png,qr-svg,html";
/// What `issue-batch` writes unless told otherwise.
pub(crate) const BATCH_FORMATS: &str = "document,token,qr-png";

impl FileFormat {
    /// The key in `--json` output.
    pub fn key(self) -> &'static str {
        match self {
            FileFormat::Document => "document",
            FileFormat::Token => "token",
            FileFormat::QrPng => "qr_png",
            FileFormat::QrSvg => "qr_svg",
            FileFormat::Html => "certificate",
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
        };
        format!("{uuid}.{ext}")
    }
}

/// How files are made: which ones, the QR module size.
#[derive(Debug, Clone)]
pub(crate) struct OutputSpec {
    /// The kinds, each once, in the order given.
    pub(crate) formats: Vec<FileFormat>,
    /// Pixels per QR module (PNG) / user units (SVG).
    pub(crate) module_size: u32,
}

impl OutputSpec {
    /// `formats` without repeats.
    pub(crate) fn new(formats: &[FileFormat], module_size: u32) -> OutputSpec {
        let mut f = Vec::new();
        for x in formats {
            if !f.contains(x) {
                f.push(*x);
            }
        }
        OutputSpec {
            formats: f,
            module_size,
        }
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

/// The bytes of every file of `issued` that `spec` asks for.
pub(crate) fn render_files(issued: &Issued, spec: &OutputSpec) -> Result<Vec<FileBytes>, CliError> {
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
/// final name is always complete. Returns (kind, final path) pairs in `files` order.
pub(crate) fn write_files(
    files: &[FileBytes],
    out: &Path,
    tmp: &Path,
) -> Result<Vec<(FileFormat, PathBuf)>, CliError> {
    std::fs::create_dir_all(tmp).map_err(io(tmp))?;
    for f in files {
        let p = tmp.join(&f.name);
        std::fs::write(&p, &f.bytes).map_err(io(&p))?;
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
/// document must hash to the registry's `sha256`; the others must be present and non-empty.
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
            _ => std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() > 0),
        }
    })
}

fn document_intact(path: &Path, sha256: Option<&str>) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let Ok(v) = crate::jcs::parse_strict(&bytes, crate::verify::MAX_DOCUMENT) else {
        return false;
    };
    let Ok(h) = crate::proof::jcs_hash(&v) else {
        return false;
    };
    sha256 == Some(hex::encode(h).as_str())
}
