//! `skillcert issue`.

use super::common::{CliError, CmdResult, Ctx, EXIT_OK};
use crate::issuer::{Issued, Issuer};
use crate::qr::render;
use crate::request::{HolderRequest, IssuanceRequest, LevelRequest, ProgramRequest};
use std::path::{Path, PathBuf};

/// Arguments of `issue`.
#[derive(Debug, clap::Args)]
pub struct IssueArgs {
    /// Holder display name (any script).
    #[arg(long)]
    pub holder: String,
    /// Holder name in Latin script.
    #[arg(long)]
    pub holder_latin: Option<String>,
    /// Program name.
    #[arg(long)]
    pub program: String,
    /// Program code.
    #[arg(long)]
    pub program_code: Option<String>,
    /// Level reached, in the framework's terms.
    #[arg(long)]
    pub level: String,
    /// Level framework: cn-nvq, 1x, iiw, eqf.
    #[arg(long, default_value = "cn-nvq")]
    pub framework: String,
    /// National ID (only its salted hash goes on the certificate).
    #[arg(long)]
    pub holder_id: Option<String>,
    /// Years of validity (0 = no expiry; default: the framework's).
    #[arg(long)]
    pub valid_years: Option<u32>,
    /// Start of validity (RFC 3339; default now).
    #[arg(long)]
    pub valid_from: Option<String>,
    /// Output folder.
    #[arg(long, default_value = ".")]
    pub out: PathBuf,
    /// Pixels per QR module in the PNG (and user units in the SVG).
    #[arg(long, default_value_t = crate::qr::render::DEFAULT_MODULE_SIZE,
          value_parser = clap::value_parser!(u32).range(1..=crate::qr::render::MAX_MODULE_SIZE as i64))]
    pub module_size: u32,
}

impl IssueArgs {
    /// The issuance request these arguments make.
    pub fn request(&self) -> IssuanceRequest {
        IssuanceRequest {
            holder: HolderRequest {
                name: self.holder.clone(),
                name_latin: self.holder_latin.clone(),
                national_id: self.holder_id.clone(),
            },
            program: ProgramRequest {
                name: self.program.clone(),
                code: self.program_code.clone(),
            },
            level: LevelRequest {
                framework: self.framework.clone(),
                value: self.level.clone(),
            },
            valid_from: self.valid_from.clone(),
            valid_until: None,
            valid_years: self.valid_years,
            id: None,
        }
    }
}

/// Writes the files of one issued certificate into `out` (default QR module size); see
/// [`write_outputs_with`].
#[allow(dead_code)] // the batch issuer's entry point
pub(crate) fn write_outputs(
    issued: &Issued,
    out: &Path,
) -> Result<Vec<(&'static str, PathBuf)>, CliError> {
    write_outputs_with(issued, out, render::DEFAULT_MODULE_SIZE)
}

/// Writes the files of one issued certificate into `out`: the document, the token, the QR
/// code as PNG and SVG (`module_size` pixels per module), and the printable certificate
/// (self-contained HTML). Returns (kind, path) pairs.
pub(crate) fn write_outputs_with(
    issued: &Issued,
    out: &Path,
    module_size: u32,
) -> Result<Vec<(&'static str, PathBuf)>, CliError> {
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::unreadable(format!("{}: {e}", out.display())))?;
    let base = issued.claims.id.to_string();
    let text = serde_json::to_string_pretty(&issued.document).expect("serializable");
    let png = render::to_png(&issued.qr_text, module_size).map_err(CliError::refused)?;
    let svg = render::to_svg(&issued.qr_text, module_size).map_err(CliError::refused)?;
    let html = super::certificate::html(issued, &svg);
    let outputs: [(&'static str, String, Vec<u8>); 5] = [
        (
            "document",
            format!("{base}.credential.json"),
            format!("{text}\n").into_bytes(),
        ),
        (
            "token",
            format!("{base}.jwt"),
            format!("{}\n", issued.token).into_bytes(),
        ),
        ("qr_png", format!("{base}.qr.png"), png),
        ("qr_svg", format!("{base}.qr.svg"), svg.into_bytes()),
        ("certificate", format!("{base}.html"), html.into_bytes()),
    ];
    let mut files = Vec::new();
    for (kind, name, bytes) in outputs {
        let path = out.join(name);
        std::fs::write(&path, bytes)
            .map_err(|e| CliError::unreadable(format!("{}: {e}", path.display())))?;
        files.push((kind, path));
    }
    Ok(files)
}

/// Runs `issue`.
pub(crate) fn run(cli: &Ctx, args: &IssueArgs) -> CmdResult {
    let issuer = Issuer::open(&cli.data_dir)?;
    let checked = args.request().check().map_err(CliError::refused)?;
    // Recorded in the registry (with its status entries) before any file is written.
    let registry = crate::registry::Registry::open(&cli.data_dir)?;
    let actor = super::status::cli_actor();
    let opts = crate::registry::IssueOptions {
        actor: Some(&actor),
        batch_key: None,
    };
    let issued = registry.issue_with(&issuer, &checked, &opts)?;
    let files = write_outputs_with(&issued, &args.out, args.module_size)?;
    if cli.json {
        let map: serde_json::Map<String, serde_json::Value> = files
            .iter()
            .map(|(k, p)| ((*k).to_owned(), p.display().to_string().into()))
            .collect();
        println!(
            "{}",
            serde_json::json!({"credential_id": issued.claims.id_urn(), "files": map, "qr_text": issued.qr_text})
        );
    } else {
        println!("Issued {}", issued.claims.id_urn());
        for (k, p) in &files {
            println!("  {k:<11} {}", p.display());
        }
        println!("  QR text     {}", issued.qr_text);
    }
    Ok(EXIT_OK)
}
