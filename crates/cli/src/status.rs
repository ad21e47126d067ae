//! `revoke`, `suspend`, `reinstate`, `history`, `status export`.

use super::common::{CliError, CmdResult, Ctx, EXIT_OK};
use skillcert::issuer::Issuer;
use skillcert_store::issuer_db::{CertificateRecord, IssuerDb, StatusAction};
use std::path::{Path, PathBuf};

/// Arguments of `revoke`.
#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    /// Certificate id (`urn:uuid:…` as printed, the bare UUID, or the certificate number).
    pub id: String,
    /// Why (required; revocation is final). Internal: kept in the issuer's database's history.
    #[arg(long)]
    pub reason: String,
    /// The reason shown to whoever verifies the certificate (on the verification page, in the
    /// API's answer and in `verify`'s output). Optional; publish only what the holder may read.
    #[arg(long, value_name = "TEXT")]
    pub public_reason: Option<String>,
}

/// Arguments of `suspend` and `reinstate`.
#[derive(Debug, clap::Args)]
pub struct ChangeArgs {
    /// Certificate id (`urn:uuid:…` as printed, the bare UUID, or the certificate number).
    pub id: String,
    /// Why. Internal: kept in the issuer's database's history.
    #[arg(long)]
    pub reason: Option<String>,
    /// `suspend` only: the reason shown to whoever verifies the certificate.
    #[arg(long, value_name = "TEXT")]
    pub public_reason: Option<String>,
}

/// Arguments of `history`.
#[derive(Debug, clap::Args)]
pub struct HistoryArgs {
    /// Certificate id (`urn:uuid:…` as printed, the bare UUID, or the certificate number).
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

/// Who makes a change from the command line: `cli:NAME`, NAME from `--actor`, else the OS
/// user (`$USER`, `$USERNAME`, else the account name of the process's user id, else `uid N`).
/// Never a silent `unknown`: when nothing names the user, the actor says so.
pub(crate) fn cli_actor(cli: &Ctx) -> String {
    let user = cli
        .actor
        .clone()
        .filter(|a| !a.trim().is_empty())
        .or_else(|| env_user("USER"))
        .or_else(|| env_user("USERNAME"))
        .or_else(os_user)
        .unwrap_or_else(|| "unnamed (no --actor, no $USER)".into());
    let user: String = user
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    format!("cli:{user}")
}

fn env_user(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|u| !u.trim().is_empty())
}

/// The account name of the process's user id (from /etc/passwd), else `uid N`.
#[cfg(unix)]
fn os_user() -> Option<String> {
    let uid = rustix::process::getuid().as_raw();
    let name = std::fs::read_to_string("/etc/passwd").ok().and_then(|p| {
        p.lines().find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            (f.nth(1)?.parse::<u32>().ok()? == uid).then(|| name.to_owned())
        })
    });
    Some(name.unwrap_or_else(|| format!("uid {uid}")))
}

#[cfg(not(unix))]
fn os_user() -> Option<String> {
    None
}

/// A status in words: `active`, `suspended`, `revoked`.
pub(crate) fn status_word(s: skillcert_store::issuer_db::CertStatus) -> &'static str {
    use skillcert_store::issuer_db::CertStatus;
    match s {
        CertStatus::Active => "active",
        CertStatus::Suspended => "suspended",
        CertStatus::Revoked => "revoked",
    }
}

/// Whether the certificate is signed yet, in words.
fn state_word(s: skillcert_store::issuer_db::RecordState) -> &'static str {
    use skillcert_store::issuer_db::RecordState;
    match s {
        RecordState::Issued => "issued",
        RecordState::Pending => "pending (recorded, not signed yet)",
    }
}

/// Opens the issuer (to be sure there is one) and its database.
pub(crate) fn open(cli: &Ctx) -> Result<(Issuer, IssuerDb), CliError> {
    let issuer = Issuer::open(&cli.data_dir)?;
    let reg = cli.issuer_db()?;
    Ok((issuer, reg))
}

fn print_record(cli: &Ctx, verb: &str, r: &CertificateRecord) {
    if cli.json {
        println!("{}", serde_json::to_string(r).expect("serializable"));
    } else {
        let number = r
            .number
            .as_deref()
            .map(|n| format!(" (No. {n})"))
            .unwrap_or_default();
        println!(
            "{verb} {}{number}, {}: now {}",
            r.id,
            r.holder_name,
            status_word(r.status)
        );
    }
}

/// Runs `revoke`.
pub(crate) fn run_revoke(cli: &Ctx, a: &RevokeArgs) -> CmdResult {
    let (_, reg) = open(cli)?;
    let r = reg.change_status(
        &a.id,
        StatusAction::Revoke,
        Some(&a.reason),
        a.public_reason.as_deref(),
        &cli_actor(cli),
    )?;
    print_record(cli, "Revoked", &r);
    Ok(EXIT_OK)
}

/// Runs `suspend`.
pub(crate) fn run_suspend(cli: &Ctx, a: &ChangeArgs) -> CmdResult {
    let (_, reg) = open(cli)?;
    let r = reg.change_status(
        &a.id,
        StatusAction::Suspend,
        a.reason.as_deref(),
        a.public_reason.as_deref(),
        &cli_actor(cli),
    )?;
    print_record(cli, "Suspended", &r);
    Ok(EXIT_OK)
}

/// Runs `reinstate`.
pub(crate) fn run_reinstate(cli: &Ctx, a: &ChangeArgs) -> CmdResult {
    let (_, reg) = open(cli)?;
    let r = reg.change_status(
        &a.id,
        StatusAction::Reinstate,
        a.reason.as_deref(),
        a.public_reason.as_deref(),
        &cli_actor(cli),
    )?;
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
    println!(
        "{}  {}, {}",
        r.id,
        status_word(r.status),
        state_word(r.state)
    );
    if let Some(n) = &r.number {
        println!("  number    {n}");
    }
    println!("  holder    {}", r.holder_name);
    println!("  program   {}", r.program);
    println!("  level     {}", level_words(&r.framework, &r.level));
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
        if let Some(p) = &e.public_reason {
            println!("          shown to verifiers: {p}");
        }
    }
    Ok(EXIT_OK)
}

/// A level as people read it: `3 (高级工 / Advanced) — cn-nvq`.
pub(crate) fn level_words(framework: &str, level: &str) -> String {
    let info = skillcert::model::Framework::from_id(framework)
        .and_then(|f| f.level(level))
        .map(|(_, i)| i);
    match info {
        Some(i) => format!("{level} ({} / {}) — {framework}", i.zh, i.en),
        None => format!("{level} — {framework}"),
    }
}

fn write_atomic(path: &Path, text: &str) -> Result<(), CliError> {
    skillcert::private_fs::write_atomic(path, text.as_bytes())
        .map_err(|e| CliError::unreadable(format!("{}: {e}", path.display())))
}

/// Runs `status export`: `DIR/<n>.json` for every list. The files are 0600 and a folder made
/// for them 0700, like every file skillcert writes ([`skillcert::private_fs`]): the lists are
/// public, but publishing them (a copy to the web root, with the web server's mode) is the
/// operator's step.
pub(crate) fn run_export(cli: &Ctx, out: &Path) -> CmdResult {
    let (issuer, reg) = open(cli)?;
    skillcert::private_fs::create_dir_all(out)
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
