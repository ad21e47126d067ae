//! `skillcert report --to PORTAL_URL` (send what the portal has not acknowledged, in signed
//! bundles, storing each receipt), `report --verify-receipts`, and `skillcert register export`
//! (a portal's register for the department's own systems).

use super::common::{CliError, CmdResult, Ctx, EXIT_INVALID, EXIT_OK};
use serde_json::{json, Value};
use skillcert::issuer::Issuer;
use skillcert::reporting::{
    bundle_digest, check_receipt, sign_bundle, Item, ReceiptMismatch, SentBundle, MAX_ITEMS,
};
use skillcert_store::issuer_db::{IssuerDb, IssuerDbError};
use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  skillcert report --to https://portal.hrss.example.cn\n  skillcert report --verify-receipts\n\n\
    Resumable and idempotent: only what the portal has not acknowledged is sent, 1,000 items a \
    bundle; an interrupted report goes on where it stopped."
)]
pub struct ReportArgs {
    /// The portal's base URL.
    #[arg(
        long,
        value_name = "PORTAL_URL",
        required_unless_present = "verify_receipts"
    )]
    pub to: Option<String>,
    /// Check every stored receipt: the portal's signature, and that what it received is what
    /// this issuer's database holds (exit 1 if not).
    #[arg(long)]
    pub verify_receipts: bool,
    /// Items per bundle (at most 1000).
    #[arg(long, default_value_t = MAX_ITEMS)]
    pub bundle_size: usize,
}

/// What one report run did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub(crate) struct Sent {
    pub bundles: usize,
    pub items: usize,
}

/// Why a report to a portal stopped (what was acknowledged before stays acknowledged).
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReportToError {
    /// The issuer's data dir could not be opened (a scheduled report opens it each time).
    #[error(transparent)]
    Issuer(#[from] skillcert::issuer::IssuerError),
    /// The issuer's database failed.
    #[error(transparent)]
    Db(#[from] IssuerDbError),
    /// The bundle could not be signed.
    #[error(transparent)]
    Sign(#[from] skillcert::proof::ProofError),
    /// The signed bundle could not be canonicalized for its digest.
    #[error(transparent)]
    Digest(#[from] skillcert::reporting::ReportError),
    /// An item acknowledged in this run came back unreported.
    #[error(
        "{url}: no progress: {item} was acknowledged in this run but is still unreported; \
         stopping"
    )]
    NoProgress {
        /// The portal's bundle endpoint.
        url: String,
        /// The item sent again.
        item: String,
    },
    /// The portal could not be reached, or its answer read.
    #[error("{url}: {source}")]
    Http {
        /// The portal's bundle endpoint.
        url: String,
        /// What failed.
        source: ureq::Error,
    },
    /// The portal refused the bundle.
    #[error("{url}: the portal refused the bundle (HTTP {status}): {message}")]
    Refused {
        /// The portal's bundle endpoint.
        url: String,
        /// Its HTTP status.
        status: u16,
        /// Its error message (or its whole answer, if that is not a JSON error).
        message: String,
    },
    /// The portal's answer is not JSON.
    #[error("{url}: receipt: {source}")]
    Receipt {
        /// The portal's bundle endpoint.
        url: String,
        /// Why it does not parse.
        source: serde_json::Error,
    },
    /// The receipt does not acknowledge exactly the bundle sent.
    #[error(
        "{url}: the portal's receipt does not acknowledge the bundle sent, so it is not \
         stored: {source}"
    )]
    Mismatch {
        /// The portal's bundle endpoint.
        url: String,
        /// What does not match.
        source: ReceiptMismatch,
    },
}

/// Sends every unacknowledged item to `portal` (base URL), bundle by bundle, storing each
/// receipt before the next bundle. A receipt is stored only when it acknowledges exactly the
/// bundle just sent ([`check_receipt`]: the portal's signature, pinned once known, the bundle's
/// digest, this issuer, a time within [`skillcert::reporting::RECEIPT_TIME_WINDOW_SECS`] of now,
/// every item sent and nothing else). Stops at the first refusal, network failure or receipt
/// that does not match (what was acknowledged stays acknowledged), and when a round makes no
/// progress (an item acknowledged in this run comes back unreported), so it never loops.
pub(crate) fn report_to(
    issuer: &Issuer,
    registry: &IssuerDb,
    portal: &str,
    bundle_size: usize,
) -> Result<Sent, ReportToError> {
    let portal = portal.trim_end_matches('/');
    let url = format!("{portal}/api/v1/register/bundles");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let size = bundle_size.clamp(1, MAX_ITEMS);
    let issuer_id = issuer.config().id.as_str();
    let mut sent = Sent::default();
    let mut acked: HashSet<String> = HashSet::new();
    loop {
        let items = registry.unreported(portal, size)?;
        if items.is_empty() {
            return Ok(sent);
        }
        if let Some(again) = items.iter().map(Item::key).find(|k| acked.contains(k)) {
            return Err(ReportToError::NoProgress { url, item: again });
        }
        let bundle = sign_bundle(issuer, issuer_id, &items, skillcert::model::now_secs())?;
        let digest = bundle_digest(&bundle)?;
        let receipt = post_bundle(&agent, &url, &bundle)?;
        let pinned = registry.portal_key(portal)?;
        let expected = SentBundle {
            digest: &digest,
            issuer: issuer_id,
            items: &items,
        };
        check_receipt(&receipt, pinned.as_deref(), &expected, chrono::Utc::now()).map_err(
            |source| ReportToError::Mismatch {
                url: url.clone(),
                source,
            },
        )?;
        registry.store_receipt(portal, &receipt, &items)?;
        acked.extend(items.iter().map(Item::key));
        sent.bundles += 1;
        sent.items += items.len();
    }
}

/// Posts a signed bundle to `url` and returns the portal's answer (its receipt, unchecked),
/// or why the portal refused it.
fn post_bundle(agent: &ureq::Agent, url: &str, bundle: &Value) -> Result<Value, ReportToError> {
    let http = |source| ReportToError::Http {
        url: url.to_owned(),
        source,
    };
    let mut resp = agent
        .post(url)
        .header("content-type", "application/json")
        .send(bundle.to_string().as_bytes())
        .map_err(http)?;
    let status = resp.status().as_u16();
    let body = resp
        .body_mut()
        .with_config()
        .limit(skillcert::reporting::MAX_RECEIPT as u64 * 4)
        .read_to_string()
        .map_err(http)?;
    if status != 200 {
        /// The portal's error body (`ErrorBody`), as far as it is read here.
        #[derive(serde::Deserialize)]
        struct Refusal {
            message: String,
        }
        let message = serde_json::from_str::<Refusal>(&body).map_or(body, |r| r.message);
        return Err(ReportToError::Refused {
            url: url.to_owned(),
            status,
            message,
        });
    }
    serde_json::from_str(&body).map_err(|source| ReportToError::Receipt {
        url: url.to_owned(),
        source,
    })
}

/// Runs `report`.
pub(crate) fn run(cli: &Ctx, args: &ReportArgs) -> CmdResult {
    let issuer = Issuer::open(&cli.data_dir)?;
    let registry = cli.issuer_db()?;
    if args.verify_receipts {
        let c = registry.verify_receipts(&issuer.config().id)?;
        if cli.json {
            println!("{}", json!(c));
        } else if c.receipts == 0 {
            println!(
                "No receipt is stored: nothing to check (`report --to PORTAL_URL` stores them)."
            );
        } else {
            println!(
                "{} receipt(s) naming {} item(s) checked: {}",
                c.receipts,
                c.items,
                if c.problems.is_empty() {
                    "every one matches what this issuer's database holds".to_owned()
                } else {
                    format!("{} problem(s)", c.problems.len())
                }
            );
            for p in &c.problems {
                println!("  {p}");
            }
        }
        return Ok(if c.problems.is_empty() {
            EXIT_OK
        } else {
            EXIT_INVALID
        });
    }
    let portal = args.to.as_deref().unwrap_or_default();
    let sent =
        report_to(&issuer, &registry, portal, args.bundle_size).map_err(CliError::refused)?;
    if cli.json {
        println!(
            "{}",
            json!({"portal": portal, "bundles": sent.bundles, "items": sent.items})
        );
    } else if sent.items == 0 {
        println!("{portal} has acknowledged everything already.");
    } else {
        println!(
            "Reported {} item(s) in {} bundle(s) to {portal}; every receipt is stored.",
            sent.items, sent.bundles
        );
    }
    Ok(EXIT_OK)
}

/// `register` subcommands (a portal's register).
#[derive(Debug, clap::Subcommand)]
pub enum RegisterCommand {
    /// Write every item of the register, in order of arrival.
    #[command(
        after_help = "Example:\n  skillcert --data-dir portal register export --format csv --out register.csv"
    )]
    Export {
        /// `csv` or `jsonl`.
        #[arg(long, default_value = "jsonl")]
        format: String,
        /// Output file (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// A CSV cell that a spreadsheet shows as text: a cell beginning with `=`, `+`, `-`, `@`, a
/// tab or a carriage return (what spreadsheets read as a formula, OWASP's list) gets a leading
/// `'`. The register validates what it takes, but older rows were stored before that.
fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Runs `register export`.
pub(crate) fn run_register(cli: &Ctx, cmd: &RegisterCommand) -> CmdResult {
    let RegisterCommand::Export { format, out } = cmd;
    if format != "csv" && format != "jsonl" {
        return Err(CliError::unreadable("--format: csv or jsonl"));
    }
    let reg = skillcert_store::register::Register::open(&cli.data_dir, cli.database.as_deref())
        .map_err(CliError::unreadable)?;
    let sink: Box<dyn Write> = match out {
        Some(p) => Box::new(
            skillcert::private_fs::create(p)
                .map_err(|e| CliError::unreadable(format!("{}: {e}", p.display())))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let w = std::io::BufWriter::new(sink);
    let io =
        |e: std::io::Error| skillcert_store::register::DbError::Backend(format!("writing: {e}"));
    let n = if format == "csv" {
        let mut c = csv::Writer::from_writer(w);
        c.write_record([
            "seq",
            "issuer",
            "item",
            "kind",
            "credential",
            "number",
            "digest",
            "received_at",
            "body",
        ])
        .map_err(CliError::unreadable)?;
        let n = reg
            .export(&mut |r| {
                let seq = r.seq.to_string();
                let cells = [
                    seq.as_str(),
                    &r.issuer,
                    &r.item,
                    &r.kind,
                    &r.credential,
                    r.number.as_deref().unwrap_or(""),
                    &r.digest,
                    &r.received_at,
                    &r.body,
                ]
                .map(spreadsheet_safe);
                c.write_record(cells.iter().map(|c| c.as_ref()))
                    .map_err(|e| io(std::io::Error::other(e)))
            })
            .map_err(CliError::unreadable)?;
        c.flush().map_err(CliError::unreadable)?;
        n
    } else {
        let mut w = w;
        let n = reg
            .export(&mut |r| {
                let line = json!({"seq": r.seq, "issuer": r.issuer, "item": r.item,
                    "kind": r.kind, "credential": r.credential, "number": r.number,
                    "digest": r.digest, "received_at": r.received_at,
                    "body": serde_json::from_str::<serde_json::Value>(&r.body).unwrap_or_default()});
                writeln!(w, "{line}").map_err(io)
            })
            .map_err(CliError::unreadable)?;
        w.flush().map_err(CliError::unreadable)?;
        n
    };
    if out.is_some() {
        eprintln!("Exported {n} item(s).");
    }
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn finding_2_csv_cells_never_start_a_formula() {
        for (cell, want) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("S000133060200263000002", "S000133060200263000002"),
            ("{\"kind\":\"certificate\"}", "{\"kind\":\"certificate\"}"),
            ("", ""),
        ] {
            assert_eq!(spreadsheet_safe(cell), want);
        }
    }
}
