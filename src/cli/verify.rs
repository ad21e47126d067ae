//! `skillcert verify`.

use super::{Cli, CliError, CmdResult, EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE};
use crate::input::parse_bytes;
use crate::issuer::Issuer;
use crate::trust::TrustList;
use crate::verify::{Report, Verifier};
use std::path::PathBuf;

/// Largest input file read (8 MiB: photos of certificates).
pub const MAX_INPUT_FILE: u64 = 8 << 20;

/// Arguments of `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Document files, tokens (file or text), QR URLs, or images of QR codes.
    pub inputs: Vec<String>,
    /// Trust list (default: the issuer of the data dir).
    #[arg(long)]
    pub trust: Option<PathBuf>,
    /// Status list credential files (repeatable).
    #[arg(long)]
    pub status: Vec<PathBuf>,
    /// Never fetch status lists over the network.
    #[arg(long)]
    pub offline: bool,
    /// Accept status lists past their freshness limit (the output says so).
    #[arg(long)]
    pub accept_stale: bool,
}

/// Why an input could not be read at all (exit 2).
#[derive(Debug)]
pub struct Unreadable(pub String);

/// Reads one input argument: a file path or inline text.
pub fn read_input(arg: &str) -> Result<Vec<u8>, Unreadable> {
    let path = std::path::Path::new(arg);
    if arg.len() < 4096 && path.is_file() {
        let meta = std::fs::metadata(path).map_err(|e| Unreadable(format!("{arg}: {e}")))?;
        if meta.len() > MAX_INPUT_FILE {
            return Err(Unreadable(format!(
                "{arg}: file is {} bytes, more than the limit of {MAX_INPUT_FILE}",
                meta.len()
            )));
        }
        return std::fs::read(path).map_err(|e| Unreadable(format!("{arg}: {e}")));
    }
    let t = arg.trim();
    if t.starts_with('{') {
        return Ok(t.as_bytes().to_vec());
    }
    Err(Unreadable(format!(
        "{arg}: no such file, and not a token, a QR URL or a JSON document"
    )))
}

/// The verifier the arguments describe.
pub fn build_verifier(cli: &Cli, args: &VerifyArgs) -> Result<Verifier, CliError> {
    let trust = match &args.trust {
        Some(p) => TrustList::load(p).map_err(CliError::unreadable)?,
        None => match Issuer::open(&cli.data_dir) {
            Ok(i) => i.trust_list(),
            Err(crate::issuer::IssuerError::NotInitialised(_)) => TrustList::empty(),
            Err(e) => return Err(CliError::unreadable(e)),
        },
    };
    // Status: --status files first, then HTTP (with a cache in the data dir) unless --offline.
    let files = crate::status::FileStatusSource::load(&trust, &args.status)
        .map_err(CliError::unreadable)?;
    let http = (!args.offline).then(|| {
        let cache = cli
            .data_dir
            .is_dir()
            .then(|| cli.data_dir.join("status-cache"));
        crate::status::HttpStatusSource::new(std::sync::Arc::new(trust.clone()), cache)
    });
    let source = crate::status::CombinedStatusSource { files, http };
    let mut b = Verifier::builder(trust).status_source(std::sync::Arc::new(source));
    if args.accept_stale {
        b = b.accept_stale_status_lists();
    }
    Ok(b.build())
}

/// Prints one report, human or JSON.
pub fn print_report(cli: &Cli, input: &str, r: &Report) {
    if cli.json {
        println!("{}", serde_json::to_string(r).expect("serializable"));
        return;
    }
    println!("{input}: {}", r.verdict.as_str().to_uppercase());
    let s = &r.summary;
    let line = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            println!("  {k:<10} {v}");
        }
    };
    line("holder", &s.holder);
    line("program", &s.program);
    let level = s.level.as_ref().map(|l| {
        let name = [s.level_name_zh.as_deref(), s.level_name_en.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        format!(
            "{l} {name} [{}] {}",
            s.level_framework.as_deref().unwrap_or("?"),
            s.level_position.as_deref().unwrap_or("")
        )
    });
    line("level", &level);
    line("issuer", &s.issuer_name.clone().or(s.issuer.clone()));
    line(
        "valid",
        &s.valid_from.as_ref().map(|f| {
            format!(
                "{f} .. {}",
                s.valid_until.as_deref().unwrap_or("(no expiry)")
            )
        }),
    );
    line("id", &s.credential_id);
    for c in &r.checks {
        println!(
            "  - {:<18} {:<4} {}",
            c.name,
            format!("{:?}", c.outcome).to_lowercase(),
            c.reason
        );
    }
    for n in &r.notes {
        println!("  NOTE: {n}");
    }
}

/// Runs `verify`.
pub fn run(cli: &Cli, args: &VerifyArgs) -> CmdResult {
    if args.inputs.is_empty() {
        return Err(CliError::unreadable("verify: give at least one input"));
    }
    let verifier = build_verifier(cli, args)?;
    let mut code = EXIT_OK;
    for input in &args.inputs {
        let bytes = match read_input(input) {
            Ok(b) => b,
            Err(Unreadable(m)) => {
                if cli.json {
                    println!("{}", serde_json::json!({"input": input, "error": m}));
                }
                eprintln!("skillcert: {m}");
                code = EXIT_UNREADABLE;
                continue;
            }
        };
        let report = match parse_bytes(&bytes) {
            Ok(u) => verifier.check(u),
            Err(r) => r,
        };
        print_report(cli, input, &report);
        if !report.valid && code == EXIT_OK {
            code = EXIT_INVALID;
        }
    }
    Ok(code)
}
