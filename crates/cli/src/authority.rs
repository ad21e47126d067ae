//! `skillcert authority …`: an authority that accredits issuers with scopes and publishes its
//! signed trust list (the data dir is `--data-dir`, as for an issuer; the two may share one).

use super::common::{CliError, CmdResult, Ctx, EXIT_OK};
use super::status::cli_actor;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use skillcert::authority::{describe_entry, Authority, AuthorityError, Grant, DEFAULT_VALID_DAYS};
use skillcert::model::format_time;
use skillcert::trust::{Scope, TrustList, TrustedIssuer, MAX_TRUST_LIST};
use std::path::{Path, PathBuf};

/// `authority` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum AuthorityCommand {
    /// Create an authority: key pair, config, an empty register.
    #[command(
        after_help = "Example:\n  skillcert --data-dir hrss authority init --name '浙江省职业技能鉴定指导中心'"
    )]
    Init {
        /// The authority's display name.
        #[arg(long)]
        name: String,
        /// Public base URL (gives a did:web authority; without it, did:key).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Accredit the issuer(s) of a trust list that `skillcert trust export` wrote, for a scope.
    #[command(
        after_help = "Example:\n  skillcert --data-dir hrss authority accredit cnc-trust.json \\\n    --frameworks cn-nvq --programs 6-18-01-01 --levels 3,4,5 --from 2026-01-01\n\n\
        A scope member not given is unrestricted for a new issuer and unchanged for one already \
        accredited. Accrediting again adds the issuer's new keys (after a key rotation).\n\n\
        A key is taken only with a proof by that key over the whole file (`trust export` signs \
        with the issuer's key) or when it is already accredited for the issuer; an unsigned or \
        altered file is refused."
    )]
    Accredit(AccreditArgs),
    /// Suspend an issuer's accreditation: what it signs from --from on is not trusted.
    #[command(
        after_help = "Example:\n  skillcert --data-dir hrss authority suspend did:web:weld.example.cn --reason 'audit'"
    )]
    Suspend {
        /// The issuer's id (DID).
        issuer: String,
        /// Start of the suspension (RFC 3339 or YYYY-MM-DD, UTC; default now).
        #[arg(long)]
        from: Option<String>,
        /// Why (kept in the history).
        #[arg(long)]
        reason: String,
    },
    /// Lift a suspension (what the issuer signed during it counts again).
    #[command(
        after_help = "Example:\n  skillcert --data-dir hrss authority reinstate did:web:weld.example.cn --reason 'audit closed'"
    )]
    Reinstate {
        /// The issuer's id (DID).
        issuer: String,
        /// Why (kept in the history).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Write the signed trust list.
    #[command(
        after_help = "Example:\n  skillcert --data-dir hrss authority publish --out scheme.json --valid-days 7"
    )]
    Publish {
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        /// Freshness limit in days (validUntil).
        #[arg(long, default_value_t = DEFAULT_VALID_DAYS)]
        valid_days: u32,
    },
    /// List accreditations and the history.
    #[command(after_help = "Example:\n  skillcert --data-dir hrss authority show")]
    Show,
    /// Print the trust anchor verifiers are given (`--trust-anchor`).
    #[command(
        after_help = "Example:\n  ANCHOR=$(skillcert --data-dir hrss authority key)\n  skillcert verify CERT.jwt --trust scheme.json --trust-anchor \"$ANCHOR\""
    )]
    Key,
}

/// Arguments of `authority accredit`.
#[derive(Debug, clap::Args)]
pub struct AccreditArgs {
    /// A trust list file written (and signed) by `skillcert trust export`.
    pub trust_file: PathBuf,
    /// Frameworks (cn-nvq, 1x, iiw, eqf, or another issuer's resultDescription id).
    #[arg(long, value_delimiter = ',')]
    pub frameworks: Option<Vec<String>>,
    /// Program codes (achievement.humanCode, e.g. 6-18-01-01).
    #[arg(long, value_delimiter = ',')]
    pub programs: Option<Vec<String>>,
    /// Level values (result value, e.g. 3).
    #[arg(long, value_delimiter = ',')]
    pub levels: Option<Vec<String>>,
    /// Start (RFC 3339 or YYYY-MM-DD, UTC; default now for a new issuer).
    #[arg(long)]
    pub from: Option<String>,
    /// End, exclusive (RFC 3339 or YYYY-MM-DD, UTC; default open-ended).
    #[arg(long)]
    pub until: Option<String>,
    /// The body's number space: prefixes of the certificate numbers it may use (national:
    /// S or Y and 12 digits of organisation, province and site, S000133060200; general:
    /// CNC-). Default: what the export claims. National prefixes of two bodies never overlap.
    #[arg(long, value_delimiter = ',')]
    pub numbers: Option<Vec<String>>,
}

impl From<AuthorityError> for CliError {
    fn from(e: AuthorityError) -> Self {
        match e {
            AuthorityError::Invalid(_)
            | AuthorityError::Possession(_)
            | AuthorityError::NotFound(_)
            | AuthorityError::AlreadyInitialised(_) => CliError::refused(e),
            _ => CliError::unreadable(e),
        }
    }
}

/// A time argument: RFC 3339, or a date (midnight UTC).
pub(crate) fn parse_time_arg(flag: &str, s: &str) -> Result<DateTime<Utc>, CliError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            CliError::unreadable(format!(
                "{flag}: {s:?} is not a time (give 2026-12-01 or 2026-12-01T08:00:00Z)"
            ))
        })
}

/// Runs an `authority` subcommand.
pub(crate) fn run(cli: &Ctx, command: &AuthorityCommand) -> CmdResult {
    let dir = &cli.data_dir;
    let actor = cli_actor(cli);
    match command {
        AuthorityCommand::Init { name, base_url } => {
            let a = Authority::init(dir, name, base_url.as_deref(), &actor)?;
            let c = a.config();
            if cli.json {
                println!(
                    "{}",
                    json!({"authority": c.id, "name": c.name, "trust_anchor": a.anchor().to_string()})
                );
            } else {
                println!(
                    "Created authority {} ({}) in {}",
                    c.name,
                    c.id,
                    dir.display()
                );
                println!("Trust anchor (give it to verifiers): {}", a.anchor());
            }
        }
        AuthorityCommand::Accredit(args) => accredit(cli, args, &actor)?,
        AuthorityCommand::Suspend {
            issuer,
            from,
            reason,
        } => {
            let mut a = Authority::open(dir)?;
            let from = match from {
                Some(f) => parse_time_arg("--from", f)?,
                None => skillcert::model::now_secs(),
            };
            a.suspend(issuer, from, reason, &actor)?;
            done(
                cli,
                "suspended",
                issuer,
                &format!("from {}", format_time(&from)),
            );
        }
        AuthorityCommand::Reinstate { issuer, reason } => {
            let mut a = Authority::open(dir)?;
            a.reinstate(issuer, reason, &actor)?;
            done(cli, "reinstated", issuer, "suspension lifted");
        }
        AuthorityCommand::Publish { out, valid_days } => {
            let a = Authority::open(dir)?;
            let signed = a.publish(skillcert::model::now_secs(), *valid_days, &actor)?;
            let text = serde_json::to_string_pretty(&signed).unwrap_or_default();
            // 0600 like every file written (skillcert::private_fs): publishing is the operator's step.
            skillcert::private_fs::write(out, format!("{text}\n").as_bytes())
                .map_err(|e| CliError::unreadable(format!("{}: {e}", out.display())))?;
            let until = signed["validUntil"].as_str().unwrap_or("");
            if cli.json {
                println!(
                    "{}",
                    json!({"trust_list": out, "valid_until": until, "issuers": a.register().len(),
                           "trust_anchor": a.anchor().to_string()})
                );
            } else {
                println!(
                    "Wrote the signed trust list {} ({} issuer(s), fresh until {until})",
                    out.display(),
                    a.register().len()
                );
            }
        }
        AuthorityCommand::Show => show(cli)?,
        AuthorityCommand::Key => {
            let a = Authority::open(dir)?;
            if cli.json {
                println!(
                    "{}",
                    json!({"trust_anchor": a.anchor().to_string(), "authority": a.config().id,
                           "verification_method": a.config().verification_method,
                           "public_key_multibase": a.config().public_key_multibase})
                );
            } else {
                println!("{}", a.anchor());
            }
        }
    }
    Ok(EXIT_OK)
}

fn done(cli: &Ctx, what: &str, issuer: &str, detail: &str) {
    if cli.json {
        println!(
            "{}",
            json!({"issuer": issuer, "change": what, "detail": detail})
        );
    } else {
        println!(
            "{issuer}: {what} ({detail}). Publish the trust list again for verifiers to see it."
        );
    }
}

fn accredit(cli: &Ctx, args: &AccreditArgs, actor: &str) -> Result<(), CliError> {
    let mut a = Authority::open(&cli.data_dir)?;
    let export = read_export(&args.trust_file)?;
    let clean = |v: &Option<Vec<String>>| {
        v.as_ref().map(|v| {
            v.iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        })
    };
    let grant = Grant {
        scope: Scope {
            frameworks: clean(&args.frameworks),
            programs: clean(&args.programs),
            levels: clean(&args.levels),
        },
        from: args
            .from
            .as_deref()
            .map(|f| parse_time_arg("--from", f))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|u| parse_time_arg("--until", u))
            .transpose()?,
        numbers: clean(&args.numbers),
    };
    let before = a.register().to_vec();
    let file = args.trust_file.display();
    let ids = a
        .accredit_export(&export, &grant, actor)
        .map_err(|e| match e {
            AuthorityError::Possession(p) => CliError::refused(format!("{file}: {p}")),
            e => e.into(),
        })?;
    note_added_keys(&before, a.register());
    for id in &ids {
        let e = a.register().iter().find(|e| &e.id == id);
        let what = e.map(describe_entry).unwrap_or_default();
        if cli.json {
            println!("{}", json!({"issuer": id, "accredited": what}));
        } else {
            println!("Accredited {id}: {what}");
        }
    }
    Ok(())
}

/// A trust-list export as parsed JSON (its proofs included), after checking that it is a
/// trust list.
fn read_export(path: &Path) -> Result<serde_json::Value, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::unreadable(format!("{}: {e}", path.display())))?;
    let raw = skillcert::jcs::parse_strict(&bytes, MAX_TRUST_LIST)
        .map_err(|e| CliError::unreadable(format!("{}: {e}", path.display())))?;
    TrustList::from_value(raw.clone())
        .map_err(|e| CliError::unreadable(format!("{}: {e}", path.display())))?;
    Ok(raw)
}

/// Says on stderr which keys an accreditation added to issuers that were accredited before:
/// the export proves its maker holds them, not that the issuer does.
fn note_added_keys(before: &[TrustedIssuer], after: &[TrustedIssuer]) {
    for old in before {
        let Some(new) = after.iter().find(|e| e.id == old.id) else {
            continue;
        };
        let added: Vec<&str> = new
            .keys
            .iter()
            .filter(|k| !old.keys.iter().any(|o| o.id == k.id))
            .map(|k| k.id.as_str())
            .collect();
        if !added.is_empty() {
            eprintln!(
                "skillcert: note: {} was already accredited; this adds key(s) {}. The file \
                 proves that whoever made it holds them: confirm with the issuer that they \
                 are its own before publishing.",
                old.id,
                added.join(", ")
            );
        }
    }
}

fn show(cli: &Ctx) -> Result<(), CliError> {
    let a = Authority::open(&cli.data_dir)?;
    let history = a.history()?;
    if cli.json {
        println!(
            "{}",
            json!({"authority": a.config().id, "name": a.config().name,
                   "trust_anchor": a.anchor().to_string(),
                   "issuers": a.register(), "history": history})
        );
        return Ok(());
    }
    let c = a.config();
    println!("Authority {} ({})", c.name, c.id);
    println!("Trust anchor: {}", a.anchor());
    println!("Accredited issuers: {}", a.register().len());
    for e in a.register() {
        println!("  {} ({})", e.id, e.name);
        println!("    {}", describe_entry(e));
    }
    println!("History:");
    for e in history {
        let who = e.issuer.map(|i| format!(" {i}")).unwrap_or_default();
        println!(
            "  {} {}{who} by {}: {}",
            format_time(&e.at),
            e.action,
            e.actor,
            e.details
        );
    }
    Ok(())
}
