//! # skillcert-cli
//!
//! The `skillcert` command line (contract in `docs/CONTRACT.md`). Not a library for others: its
//! items serve the binary, its tests and benchmarks.
//!
//! Exit codes: 0 all inputs valid / command done, 1 some input not valid / command refused,
//! 2 input unreadable or usage error.

#![forbid(unsafe_code)]
#![allow(clippy::result_large_err)]

mod authority;
mod batch;
mod certificate;
mod common;
mod demo_table;
mod issue;
mod outputs;
mod progress;
mod report;
mod serve;
mod settings;
mod sheets;
mod status;
mod status_sources;
mod verify;
mod verify_batch;

mod help;
use help::*;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

pub use common::{CliError, CmdResult, Ctx, EXIT_INVALID, EXIT_OK, EXIT_UNREADABLE};

/// Issue and verify vocational skill certificates.
#[derive(Debug, Parser)]
#[command(name = "skillcert", version, about, long_about = None)]
pub struct Cli {
    /// The issuer's data dir (config, keys, registry).
    #[arg(
        long,
        global = true,
        env = "SKILLCERT_DATA_DIR",
        default_value = "./skillcert-data"
    )]
    pub data_dir: PathBuf,
    /// The database: the issuer's (certificates, status, idempotency keys) or, for `serve
    /// --trust`, the portal's register, in PostgreSQL (`postgres://user@host:port/name`,
    /// shared by every process of the issuer or portal). Default: SQLite in the data dir.
    #[arg(
        long,
        global = true,
        env = "SKILLCERT_DATABASE",
        value_name = "postgres://…",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// Machine-readable JSON output on stdout.
    #[arg(long, global = true)]
    pub json: bool,
    /// Who makes the changes recorded in the issuer's database's history (`cli:NAME`; default: the OS
    /// user, from $USER, else the account of the process's user id).
    #[arg(long, global = true, env = "SKILLCERT_ACTOR", value_name = "NAME")]
    pub actor: Option<String>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an issuer: key pair, config, registry.
    #[command(after_help = HELP_INIT)]
    Init {
        /// Issuer display name.
        #[arg(long)]
        name: String,
        /// Public base URL (gives a did:web issuer; without it, did:key).
        #[arg(long)]
        base_url: Option<String>,
        /// Certificate numbering.
        #[command(flatten)]
        numbering: settings::NumberingArgs,
    },
    /// Show or change how certificates are numbered and printed.
    #[command(after_help = HELP_SETTINGS)]
    Settings(settings::SettingsArgs),
    /// Show a certificate from the issuer's database, found by number or id, with its history.
    #[command(after_help = HELP_SHOW)]
    Show(settings::ShowArgs),
    /// Issue one certificate.
    #[command(after_help = HELP_ISSUE)]
    Issue(issue::IssueArgs),
    /// Verify certificates: document files, tokens, QR URLs, images of QR codes.
    #[command(after_help = HELP_VERIFY)]
    Verify(verify::VerifyArgs),
    /// Trust lists.
    #[command(after_help = HELP_TRUST)]
    Trust {
        /// Subcommand.
        #[command(subcommand)]
        command: TrustCommand,
    },
    /// The HTTP service: verification site and admin API (demo issuer on an empty data dir).
    #[command(after_help = HELP_SERVE)]
    Serve(serve::ServeArgs),
    /// Issuer keys.
    #[command(after_help = HELP_KEY)]
    Key {
        /// Subcommand.
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Issue every row of a roster CSV (resumable, idempotent).
    #[command(after_help = HELP_ISSUE_BATCH)]
    IssueBatch(batch::BatchArgs),
    /// Revoke a certificate (final).
    #[command(after_help = HELP_REVOKE)]
    Revoke(status::RevokeArgs),
    /// Suspend a certificate (can be lifted with reinstate).
    #[command(after_help = HELP_SUSPEND)]
    Suspend(status::ChangeArgs),
    /// Lift a suspension.
    #[command(after_help = HELP_REINSTATE)]
    Reinstate(status::ChangeArgs),
    /// Show a certificate's record in the issuer's database and every status change.
    #[command(after_help = HELP_HISTORY)]
    History(status::HistoryArgs),
    /// Status lists.
    #[command(after_help = HELP_STATUS)]
    Status {
        /// Subcommand.
        #[command(subcommand)]
        command: status::StatusCommand,
    },
    /// Report issued certificates and status changes to a register (a scheme's portal).
    Report(report::ReportArgs),
    /// A portal's register.
    #[command(
        after_help = "Example:\n  skillcert --data-dir portal register export --format jsonl --out register.jsonl"
    )]
    Register {
        /// Subcommand.
        #[command(subcommand)]
        command: report::RegisterCommand,
    },
    /// An authority: accredits issuers with scopes, publishes its signed trust list.
    #[command(
        after_help = "Example:\n  skillcert --data-dir hrss authority init --name '浙江省职业技能鉴定指导中心'\n  skillcert --data-dir hrss authority accredit cnc-trust.json --programs 6-18-01-01\n  skillcert --data-dir hrss authority publish --out scheme.json"
    )]
    Authority {
        /// Subcommand.
        #[command(subcommand)]
        command: authority::AuthorityCommand,
    },
}

/// `trust` subcommands.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Write a trust list holding this issuer and its keys, signed with its key (the proof of
    /// possession `authority accredit` checks).
    #[command(after_help = HELP_TRUST)]
    Export {
        /// Output file (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// `key` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Start a new signing key; earlier certificates stay verifiable. The retired key's secret
    /// file is overwritten and removed (its public key stays in the config).
    #[command(after_help = HELP_KEY)]
    Rotate {
        /// Keep the retired secret key file (0600). Not recommended: whoever copies it can sign
        /// certificates dated inside the key's old signing life.
        #[arg(long)]
        keep_retired: bool,
    },
}

/// Runs the CLI with the process arguments; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_UNREADABLE
            } else {
                EXIT_OK
            };
            let _ = e.print();
            return code;
        }
    };
    run(cli)
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> i32 {
    let ctx = Ctx {
        data_dir: cli.data_dir.clone(),
        database: cli.database.clone(),
        json: cli.json,
        actor: cli.actor.clone(),
    };
    let result = dispatch(&ctx, &cli.command);
    match result {
        Ok(code) => code,
        Err(e) => {
            if ctx.json {
                println!("{}", serde_json::json!({"error": e.message}));
            }
            eprintln!("skillcert: {}", e.message);
            e.code
        }
    }
}

fn dispatch(cli: &Ctx, command: &Command) -> CmdResult {
    match command {
        Command::Init {
            name,
            base_url,
            numbering,
        } => settings::run_init(cli, name, base_url.as_deref(), numbering),
        Command::Settings(args) => settings::run_settings(cli, args),
        Command::Show(args) => settings::run_show(cli, args),
        Command::Issue(args) => issue::run(cli, args),
        Command::Verify(args) => verify::run(cli, args),
        Command::Serve(args) => serve::run(cli, args),
        Command::Trust {
            command: TrustCommand::Export { out },
        } => cmd_trust_export(cli, out.as_ref()),
        Command::Key {
            command: KeyCommand::Rotate { keep_retired },
        } => cmd_rotate(cli, *keep_retired),
        Command::IssueBatch(args) => batch::run(cli, args),
        Command::Revoke(args) => status::run_revoke(cli, args),
        Command::Suspend(args) => status::run_suspend(cli, args),
        Command::Reinstate(args) => status::run_reinstate(cli, args),
        Command::History(args) => status::run_history(cli, args),
        Command::Status {
            command: status::StatusCommand::Export { out },
        } => status::run_export(cli, out),
        Command::Authority { command } => authority::run(cli, command),
        Command::Report(args) => report::run(cli, args),
        Command::Register { command } => report::run_register(cli, command),
    }
}

/// `trust export`: the issuer's trust list with a proof by its active key (an `eddsa-jcs-2022`
/// proof over the whole list), so that an authority can check the issuer holds the key.
fn cmd_trust_export(cli: &Ctx, out: Option<&PathBuf>) -> CmdResult {
    let issuer = skillcert::issuer::Issuer::open(&cli.data_dir)?;
    let signers: [&dyn skillcert::signer::Signer; 1] = [&issuer];
    let signed = skillcert::authority::sign_export(
        &issuer.trust_list(),
        &signers,
        &skillcert::model::now_secs(),
    )
    .map_err(CliError::unreadable)?;
    let text = serde_json::to_string_pretty(&signed).map_err(CliError::unreadable)?;
    match out {
        Some(p) => {
            // 0600 like every file written (skillcert::private_fs): publishing is the operator's step.
            skillcert::private_fs::write(p, format!("{text}\n").as_bytes())
                .map_err(|e| CliError::unreadable(format!("{}: {e}", p.display())))?;
            if cli.json {
                println!("{}", serde_json::json!({"trust_list": p}));
            } else {
                println!("Wrote trust list {}", p.display());
            }
        }
        None => println!("{text}"),
    }
    Ok(EXIT_OK)
}

fn cmd_rotate(cli: &Ctx, keep_retired: bool) -> CmdResult {
    use skillcert::issuer::RetiredSecret;
    let mut issuer = skillcert::issuer::Issuer::open(&cli.data_dir)?;
    let policy = if keep_retired {
        RetiredSecret::Keep
    } else {
        RetiredSecret::Destroy
    };
    let r = issuer.rotate(policy)?;
    let kept = r.retired_secret == RetiredSecret::Keep;
    if kept {
        eprintln!(
            "skillcert: warning: the retired secret key {} stays in {}; whoever copies it can \
             sign certificates dated inside its old signing life. Move it offline or delete it.",
            r.retired_key,
            r.retired_file.display()
        );
    }
    if cli.json {
        println!(
            "{}",
            serde_json::json!({"active_key": r.active_key, "retired_key": r.retired_key,
                "retired_secret": if kept { "kept" } else { "destroyed" }})
        );
    } else {
        println!(
            "New signing key {}; earlier certificates stay verifiable.",
            r.active_key
        );
        if !kept {
            println!(
                "Destroyed the retired secret key file {} (its public key stays in config.json).",
                r.retired_file.display()
            );
        }
    }
    Ok(EXIT_OK)
}
