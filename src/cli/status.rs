//! `revoke`, `suspend`, `reinstate`, `history`, `status export`.

use super::common::{CliError, CmdResult, Ctx, EXIT_OK};
use crate::issuer::Issuer;
use crate::registry::{CertificateRecord, Registry};
use std::path::{Path, PathBuf};

/// Arguments of `revoke`.
#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// Certificate id (`urn:uuid:…` as printed, or the bare UUID).
    pub id: String,
    /// Why (required; revocation is final).
    #[arg(long)]
    pub reason: String,
}

/// Arguments of `suspend` and `reinstate`.
#[derive(Debug, clap::Args)]
pub struct ChangeArgs {
    /// Certificate id (`urn:uuid:…` as printed, or the bare UUID).
    pub id: String,
    /// Why.
    #[arg(long)]
    pub reason: Option<String>,
}

/// Arguments of `history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Certificate id (`urn:uuid:…` as printed, or the bare UUID).
    pub id: String,
}

/// `status` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum StatusCommand {
    /// Write every signed status list credential as `DIR/<n>.json` (served at `/status/<n>`).
    Export {
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
    },
}

/// Who makes a change from the command line: `cli:$USER`.
pub(crate) fn cli_actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let user: String = user.chars().filter(|c| !c.is_control()).take(64).collect();
    format!("cli:{user}")
}

/// Opens the issuer (to be sure there is one) and its registry.
pub(crate) fn open(cli: &Ctx) -> Result<(Issuer, Registry), CliError> {
    let issuer = Issuer::open(&cli.data_dir)?;
    let reg = Registry::open(&cli.data_dir)?;
    Ok((issuer, reg))
}

fn print_record(cli: &Ctx, verb: &str, r: &CertificateRecord) {
    if cli.json {
        println!("{}", serde_json::to_string(r).expect("serializable"));
    } else {
        println!("{verb} {}: now {:?}", r.id, r.status);
    }
}

/// Runs `revoke`.
pub(crate) fn run_revoke(cli: &Ctx, a: &RevokeArgs) -> CmdResult {
    let (_, reg) = open(cli)?;
    let r = reg.revoke(&a.id, &a.reason, &cli_actor())?;
    print_record(cli, "Revoked", &r);
    Ok(EXIT_OK)
}

/// Runs `suspend`.
pub(crate) fn run_suspend(cli: &Ctx, a: &ChangeArgs) -> CmdResult {
    let (_, reg) = open(cli)?;
    let r = reg.suspend(&a.id, a.reason.as_deref(), &cli_actor())?;
    print_record(cli, "Suspended", &r);
    Ok(EXIT_OK)
}

/// Runs `reinstate`.
pub(crate) fn run_reinstate(cli: &Ctx, a: &ChangeArgs) -> CmdResult {
    let (_, reg) = open(cli)?;
    let r = reg.reinstate(&a.id, a.reason.as_deref(), &cli_actor())?;
    print_record(cli, "Reinstated", &r);
    Ok(EXIT_OK)
}

/// Runs `history`: the record and every event.
pub(crate) fn run_history(cli: &Ctx, a: &HistoryArgs) -> CmdResult {
    let (_, reg) = open(cli)?;
    let r = reg.get(&a.id)?;
    let events = reg.history(&a.id)?;
    let reported = reg.reported(&r.id)?;
    if cli.json {
        println!(
            "{}",
            serde_json::json!({"certificate": r, "events": events, "reported": reported})
        );
        return Ok(EXIT_OK);
    }
    println!("{}  {:?}, {:?}", r.id, r.status, r.state);
    println!("  holder    {}", r.holder_name);
    println!(
        "  program   {} (level {} {})",
        r.program, r.framework, r.level
    );
    println!("  issued    {} with {}", r.issued_at, r.key_id);
    println!(
        "  status    revocation list {} index {}, suspension list {} index {}",
        r.revocation.0, r.revocation.1, r.suspension.0, r.suspension.1
    );
    if let Some(h) = &r.document_sha256 {
        println!("  sha256    {h}");
    }
    for p in &reported {
        println!(
            "  reported {} to {} (receipt {}, `skillcert report --verify-receipts` checks it)",
            p.item, p.portal, p.receipt
        );
        println!("           received {}", p.received);
    }
    for e in &events {
        println!(
            "  #{:<6} {}  {:<9} by {}{}",
            e.seq,
            e.at,
            e.action,
            e.actor,
            e.reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default()
        );
    }
    Ok(EXIT_OK)
}

fn write_atomic(path: &Path, text: &str) -> Result<(), CliError> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)
        .and_then(|_| std::fs::rename(&tmp, path))
        .map_err(|e| CliError::unreadable(format!("{}: {e}", path.display())))
}

/// Runs `status export`: `DIR/<n>.json` for every list.
pub(crate) fn run_export(cli: &Ctx, out: &Path) -> CmdResult {
    let (issuer, reg) = open(cli)?;
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::unreadable(format!("{}: {e}", out.display())))?;
    let mut written = Vec::new();
    for l in reg.lists()? {
        let v = reg.status_list_credential(&issuer, l.number)?;
        let path = out.join(format!("{}.json", l.number));
        let text = serde_json::to_string_pretty(&v).expect("serializable");
        write_atomic(&path, &format!("{text}\n"))?;
        written.push((l, path, v));
    }
    if cli.json {
        let files: Vec<_> = written
            .iter()
            .map(|(l, p, v)| {
                serde_json::json!({"list": l.number, "purpose": l.purpose, "file": p,
                    "url": v.get("id"), "valid_until": v.get("validUntil")})
            })
            .collect();
        println!("{}", serde_json::json!({"lists": files}));
    } else {
        for (l, p, v) in &written {
            println!(
                "list {} ({}, {} of {} used) -> {}  valid until {}",
                l.number,
                l.purpose.as_str(),
                l.used,
                l.size,
                p.display(),
                v.get("validUntil").and_then(|x| x.as_str()).unwrap_or("?")
            );
        }
        if written.is_empty() {
            println!("No status lists yet (issue a certificate first).");
        }
    }
    Ok(EXIT_OK)
}
