//! `skillcert issue`.

use super::common::{CliError, CmdResult, Ctx, EXIT_OK};
use super::outputs::{self, FileFormat, OutputSpec};
use skillcert::issuer::{Issued, Issuer};
use skillcert::request::{
    HolderRequest, IssuanceRequest, LevelRequest, PrintExtras, ProgramRequest,
};
use skillcert_qrimage::render;
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
    #[arg(long, default_value_t = skillcert_qrimage::render::DEFAULT_MODULE_SIZE,
          value_parser = clap::value_parser!(u32).range(1..=skillcert_qrimage::render::MAX_MODULE_SIZE as i64))]
    pub module_size: u32,
    /// ID type as printed (default 居民身份证 when --holder-id is given).
    #[arg(long)]
    pub id_type: Option<String>,
    /// 工种/职业方向 printed on the certificate (`--` when absent).
    #[arg(long)]
    pub work_type: Option<String>,
    /// The holder's photo (PNG or JPEG), printed in the photo box.
    #[arg(long)]
    pub photo: Option<PathBuf>,
    /// Files to write, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = outputs::ISSUE_FORMATS)]
    pub formats: Vec<FileFormat>,
}

impl IssueArgs {
    /// The issuance request these arguments make.
    pub fn request(&self) -> IssuanceRequest {
        IssuanceRequest {
            holder: HolderRequest {
                name: self.holder.clone(),
                name_latin: self.holder_latin.clone(),
                national_id: self.holder_id.clone(),
                id_type: self.id_type.clone(),
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

impl IssueArgs {
    /// What the printed page carries besides the claims; the ID number as the issuer prints it.
    fn print_extras(
        &self,
        issuer: &Issuer,
        national_id: Option<&str>,
    ) -> Result<PrintExtras, CliError> {
        let raw = PrintExtras {
            id_type: self.id_type.clone(),
            id_number: None,
            work_type: self.work_type.clone(),
            photo: self.photo.as_ref().map(|p| p.display().to_string()),
        };
        let raw = raw.checked().map_err(CliError::refused)?;
        Ok(issuer.print_extras(raw, national_id, Path::new(".")))
    }
}

/// Writes the files of one issued certificate into `out` (every format `issue` writes by
/// default, default QR module size). Returns (kind, path) pairs.
pub(crate) fn write_outputs(
    issuer: &Issuer,
    issued: &Issued,
    extras: &PrintExtras,
    out: &Path,
) -> Result<Vec<(&'static str, PathBuf)>, CliError> {
    let formats = [
        FileFormat::Document,
        FileFormat::Token,
        FileFormat::QrPng,
        FileFormat::QrSvg,
        FileFormat::Html,
        FileFormat::Pdf,
    ];
    let spec = OutputSpec::new(
        &formats,
        render::DEFAULT_MODULE_SIZE,
        issuer,
        Path::new("."),
    )?;
    write_outputs_with(issued, extras, out, &spec)
}

/// Writes the files `spec` asks for of one issued certificate into `out`. Returns (kind, path)
/// pairs.
pub(crate) fn write_outputs_with(
    issued: &Issued,
    extras: &PrintExtras,
    out: &Path,
    spec: &OutputSpec,
) -> Result<Vec<(&'static str, PathBuf)>, CliError> {
    skillcert::private_fs::create_dir_all(out)
        .map_err(|e| CliError::unreadable(format!("{}: {e}", out.display())))?;
    let files = outputs::render_files(issued, extras, spec, None)?;
    let tmp = out.join(format!(".skillcert-tmp-{}", std::process::id()));
    let written = outputs::write_files(&files, out, &tmp);
    let _ = std::fs::remove_dir(&tmp);
    Ok(written?.into_iter().map(|(f, p)| (f.key(), p)).collect())
}

/// Runs `issue`.
pub(crate) fn run(cli: &Ctx, args: &IssueArgs) -> CmdResult {
    let issuer = Issuer::open(&cli.data_dir)?;
    let checked = args.request().check().map_err(CliError::refused)?;
    // Recorded in the issuer's database (with its status entries) before any file is written.
    let spec = OutputSpec::new(&args.formats, args.module_size, &issuer, Path::new("."))?;
    let extras = args.print_extras(&issuer, checked.national_id.as_deref())?;
    // Refused before anything is recorded: a name no bundled font has, a bad photo file.
    outputs::check_printable(spec.print.as_ref(), &checked, &extras)
        .map_err(|(_, e)| CliError::refused(e))?;
    let registry = cli.issuer_db()?;
    let actor = super::status::cli_actor(cli);
    let print_json = serde_json::to_string(&extras).map_err(CliError::refused)?;
    let opts = skillcert_store::issuer_db::IssueOptions {
        actor: Some(&actor),
        batch_key: None,
        print: Some(&print_json),
        holder_id: checked.national_id.as_deref(),
    };
    let issued = registry.issue_with(&issuer, &checked, &opts)?;
    let files = write_outputs_with(&issued, &extras, &args.out, &spec)?;
    if cli.json {
        let map: serde_json::Map<String, serde_json::Value> = files
            .iter()
            .map(|(k, p)| ((*k).to_owned(), p.display().to_string().into()))
            .collect();
        println!(
            "{}",
            serde_json::json!({"credential_id": issued.claims.id_urn(), "number": issued.claims.number, "files": map, "qr_text": issued.qr_text})
        );
    } else {
        println!("Issued {}", issued.claims.id_urn());
        if let Some(n) = &issued.claims.number {
            println!("  number      {n}");
        }
        for (k, p) in &files {
            println!("  {k:<11} {}", p.display());
        }
        println!("  QR text     {}", issued.qr_text);
    }
    Ok(EXIT_OK)
}
