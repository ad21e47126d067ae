//! `skillcert issue-batch ROSTER.csv --out DIR`: issues a roster, resumable and idempotent.
//!
//! The roster's columns and rules are those of [`crate::roster`]; each row's key
//! ([`crate::roster::row_key`]) is stored in the registry with the certificate. Re-running the
//! same roster (after a crash or after it finished) issues nothing twice: rows already registered are skipped, rows left `pending` by
//! a crash are signed from their recorded claims, and missing or damaged document files are
//! written again. Identical rows in one roster are one certificate (later copies are reported
//! as duplicates). A bad row is reported with its line and column and does not stop the
//! other rows; the exit code is then 1, and re-running after fixing it issues only that row.
//!
//! Files are written into `DIR/.skillcert-tmp-<pid>/` and renamed into `DIR`, the document
//! last, so a document in `DIR` means the certificate's files are complete. One batch at a
//! time per output folder.

use super::common::{CliError, CmdResult, Ctx, EXIT_INVALID, EXIT_OK};
use super::issue::write_outputs;
use super::status::cli_actor;
use crate::issuer::{Issued, Issuer};
use crate::registry::{IssueOptions, RecordState, Registry};
use crate::roster::{Roster, RowError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Largest roster accepted (64 MiB).
pub(crate) const MAX_ROSTER_BYTES: u64 = 64 << 20;

/// Arguments of `issue-batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// Roster CSV (UTF-8, header row).
    pub roster: PathBuf,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
}

/// The document file `write_outputs` gives certificate `uuid`.
fn document_path(out: &Path, issued_uuid: &str) -> PathBuf {
    out.join(format!("{issued_uuid}.credential.json"))
}

/// Whether the document file of a registered certificate is present and intact.
fn document_intact(out: &Path, uuid: &str, sha256: Option<&str>) -> bool {
    let Ok(bytes) = std::fs::read(document_path(out, uuid)) else {
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

/// Writes the files of `issued` into a temporary folder, then renames them into `out`,
/// the document last.
fn write_files(issued: &Issued, out: &Path, tmp: &Path) -> Result<(), CliError> {
    let files = write_outputs(issued, tmp)?;
    let (docs, others): (Vec<_>, Vec<_>) = files.into_iter().partition(|(k, _)| *k == "document");
    for (_, p) in others.iter().chain(docs.iter()) {
        let name = p
            .file_name()
            .ok_or_else(|| CliError::unreadable(format!("{}: no file name", p.display())))?;
        let dest = out.join(name);
        std::fs::rename(p, &dest)
            .map_err(|e| CliError::unreadable(format!("{}: {e}", dest.display())))?;
    }
    Ok(())
}

fn read_roster(path: &Path) -> Result<Vec<u8>, CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::unreadable(format!("{}: {e}", path.display())))?;
    if meta.len() > MAX_ROSTER_BYTES {
        return Err(CliError::unreadable(format!(
            "{}: {} bytes, more than the limit of {MAX_ROSTER_BYTES}",
            path.display(),
            meta.len()
        )));
    }
    std::fs::read(path).map_err(|e| CliError::unreadable(format!("{}: {e}", path.display())))
}

/// Runs `issue-batch`.
pub(crate) fn run(cli: &Ctx, args: &BatchArgs) -> CmdResult {
    let issuer = Issuer::open(&cli.data_dir)?;
    let reg = Registry::open(&cli.data_dir)?;
    let bytes = read_roster(&args.roster)?;
    let roster = args.roster.display().to_string();
    let rows =
        Roster::new(&bytes[..]).map_err(|e| CliError::unreadable(format!("{roster}: {e}")))?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| CliError::unreadable(format!("{}: {e}", args.out.display())))?;
    // Leftovers of an interrupted run: every file in them is already in the registry.
    if let Ok(rd) = std::fs::read_dir(&args.out) {
        for e in rd.flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with(".skillcert-tmp-")
            {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let tmp = args
        .out
        .join(format!(".skillcert-tmp-{}", std::process::id()));
    let actor = cli_actor();
    let (mut issued_n, mut already, mut rewritten, mut completed) = (0u64, 0u64, 0u64, 0u64);
    let mut errors: Vec<RowError> = Vec::new();
    let mut duplicates: Vec<(u64, u64)> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in rows {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if let Some(first) = seen.get(&row.key) {
            duplicates.push((row.line, *first));
            continue;
        }
        seen.insert(row.key.clone(), row.line);
        let checked = match row.check() {
            Ok(c) => c,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match reg.find_batch_key(&row.key)? {
            Some(r) => {
                let uuid = r.id.trim_start_matches("urn:uuid:").to_owned();
                if r.state == RecordState::Issued
                    && document_intact(&args.out, &uuid, r.document_sha256.as_deref())
                {
                    already += 1;
                    continue;
                }
                let issued = reg.complete(&issuer, &r.id)?;
                write_files(&issued, &args.out, &tmp)?;
                if r.state == RecordState::Pending {
                    completed += 1;
                } else {
                    rewritten += 1;
                }
            }
            None => {
                let opts = IssueOptions {
                    actor: Some(&actor),
                    batch_key: Some(&row.key),
                };
                let issued = reg.issue_with(&issuer, &checked, &opts)?;
                write_files(&issued, &args.out, &tmp)?;
                issued_n += 1;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&tmp);
    if cli.json {
        println!(
            "{}",
            serde_json::json!({
                "issued": issued_n, "already_issued": already, "completed_pending": completed,
                "files_rewritten": rewritten,
                "duplicates": duplicates.iter().map(|(l, f)| serde_json::json!({"line": l, "same_as_line": f})).collect::<Vec<_>>(),
                "errors": errors,
            })
        );
    } else {
        println!(
            "{roster}: issued {issued_n}, already issued {already}, completed after a crash {completed}, files rewritten {rewritten}, duplicate rows {}, bad rows {}",
            duplicates.len(),
            errors.len()
        );
        for (l, f) in &duplicates {
            println!("  line {l}: same as line {f}; issued once");
        }
    }
    for e in &errors {
        eprintln!("skillcert: {roster}: {e}");
    }
    Ok(if errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_INVALID
    })
}
