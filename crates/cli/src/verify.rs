//! `skillcert verify`.

use super::common::{exit_code_after, CliError, CmdResult, Ctx, EXIT_OK, EXIT_UNREADABLE};
use skillcert::issuer::Issuer;
use skillcert::trust::{TrustAnchor, TrustList, TrustStore};
use skillcert::verify::{Rejected, Report, Verdict, VerifiedCredential, Verifier};
use std::path::PathBuf;

/// Largest input file read (8 MiB: photos of certificates).
pub(crate) const MAX_INPUT_FILE: u64 = 8 << 20;

/// Arguments of `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Document files, tokens (file or text), QR URLs, or images of QR codes.
    pub inputs: Vec<String>,
    /// Trust list file or http(s) URL (repeatable; default: the issuer of the data dir).
    #[arg(long, value_name = "FILE|URL")]
    pub trust: Vec<String>,
    /// The key of the authority that must have signed the --trust list given in the same
    /// position (did:key:z6Mk… or METHOD=z6Mk…, as `skillcert authority key` prints it; `-`
    /// for an unsigned list). Give none, or one per --trust.
    #[arg(long, value_name = "ANCHOR")]
    pub trust_anchor: Vec<String>,
    /// Status list credential files (repeatable).
    #[arg(long)]
    pub status: Vec<PathBuf>,
    /// Never fetch status lists over the network.
    #[arg(long)]
    pub offline: bool,
    /// Accept status lists past their freshness limit (the output says so).
    #[arg(long)]
    pub accept_stale: bool,
    /// Bulk mode: one token or QR text per line of FILE (`-`: stdin); one JSON verdict per
    /// line on stdout.
    #[arg(long, value_name = "FILE", conflicts_with = "inputs")]
    pub batch: Option<String>,
    /// Also check that this ID number is the holder's, offline, from the holder's own copy
    /// (`….holder-copy.credential.json`) or a certificate issued with the legacy hash; a form
    /// that carries no ID (QR, token, public document) answers `not_bound` (ask the issuer's
    /// online check). Exit 1 unless it matches.
    #[arg(long, value_name = "ID", conflicts_with = "batch")]
    pub holder_id: Option<String>,
}

/// Why an input could not be read at all (exit 2).
#[derive(Debug)]
pub(crate) struct Unreadable(pub String);

/// Reads one input argument: a file path or inline text.
pub(crate) fn read_input(arg: &str) -> Result<Vec<u8>, Unreadable> {
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
    if t.starts_with('{')
        || skillcert::token::looks_like_token(t.as_bytes())
        || skillcert::qr::looks_like_qr_text(t.as_bytes())
    {
        return Ok(t.as_bytes().to_vec());
    }
    Err(Unreadable(format!(
        "{arg}: no such file, and not a token, a QR URL or a JSON document"
    )))
}

/// The verifier the arguments describe.
pub(crate) fn build_verifier(cli: &Ctx, args: &VerifyArgs) -> Result<Verifier, CliError> {
    // Without --trust the CLI trusts the issuer of its own data dir, and that issuer's own
    // registry is the authority on its status lists (no network needed).
    let (store, registry) = match trust_store(args)? {
        Some(store) => (store, None),
        None => match Issuer::open(&cli.data_dir) {
            Ok(i) => {
                let registry = cli.issuer_db().map_err(CliError::unreadable)?;
                let source = skillcert_store::issuer_db::IssuerDbStatusSource::new(
                    std::sync::Arc::new(registry),
                    &i.config().id,
                    i.public_url(),
                );
                (TrustStore::from(i.trust_list()), Some(source))
            }
            Err(skillcert::issuer::IssuerError::NotInitialised(_)) => {
                (TrustStore::from(TrustList::empty()), None)
            }
            Err(e) => return Err(CliError::unreadable(super::common::issuer_message(&e))),
        },
    };
    // Status: --status files and the own database (both, when both hold a list: the more
    // severe wins), else HTTP (with a cache in the data dir) unless --offline. Status lists
    // are checked against the issuers of every list that is not refused.
    let trust = store.merged();
    let files = skillcert::status::FileStatusSource::load(&trust, &args.status)
        .map_err(CliError::unreadable)?;
    let http = (!args.offline).then(|| {
        let cache = cli
            .data_dir
            .is_dir()
            .then(|| cli.data_dir.join("status-cache"));
        skillcert_online::HttpStatusSource::new(std::sync::Arc::new(trust.clone()), cache)
    });
    let source = super::status_sources::CombinedStatusSource {
        files,
        registry,
        http,
    };
    // The CLI's contract: with no issuer in the data dir and no --trust (or a trust list that
    // names nobody), nobody is trusted and every credential is `untrusted_issuer`.
    let mut b = Verifier::builder(store)
        .status_source(std::sync::Arc::new(source))
        .allow_empty_trust_list();
    if args.accept_stale {
        b = b.accept_stale_status_lists();
    }
    b.build().map_err(CliError::unreadable)
}

/// The trust lists of `--trust` / `--trust-anchor` (`None`: no `--trust`). Each list is read
/// once (file or URL); with an anchor, a list whose proof does not verify is kept as refused,
/// so that every verdict can say why its issuers are not trusted.
pub(crate) fn trust_store(args: &VerifyArgs) -> Result<Option<TrustStore>, CliError> {
    let anchors = anchors(&args.trust, &args.trust_anchor)?;
    if args.trust.is_empty() {
        return Ok(None);
    }
    let mut store = TrustStore::new();
    for (location, anchor) in args.trust.iter().zip(anchors) {
        let source = skillcert_online::trust_feed::read_source(location, anchor.as_ref())
            .map_err(CliError::unreadable)?;
        store.push(source);
    }
    Ok(Some(store))
}

/// The anchor of each `--trust` list (`None`: unsigned, `-` or no anchors at all), for `verify`
/// and `serve`: anchors pair with lists in order, one per list or none.
pub(crate) fn anchors(
    trust: &[String],
    given: &[String],
) -> Result<Vec<Option<TrustAnchor>>, CliError> {
    if trust.is_empty() && !given.is_empty() {
        return Err(CliError::unreadable(
            "--trust-anchor: give the trust list it signed with --trust",
        ));
    }
    if !given.is_empty() && given.len() != trust.len() {
        return Err(CliError::unreadable(format!(
            "--trust-anchor: give one per --trust, in the same order (`-` for an unsigned \
             list): {} --trust, {} --trust-anchor",
            trust.len(),
            given.len()
        )));
    }
    (0..trust.len())
        .map(|i| match given.get(i).map(String::as_str) {
            None | Some("-") => Ok(None),
            Some(a) => TrustAnchor::parse(a)
                .map(Some)
                .map_err(CliError::unreadable),
        })
        .collect()
}

/// Prints one report, human or JSON.
pub(crate) fn print_report(cli: &Ctx, input: &str, r: &Report) {
    if cli.json {
        println!("{}", serde_json::to_string(r).expect("serializable"));
        return;
    }
    println!("{input}: {}", r.verdict.as_str().to_uppercase());
    let s = &r.summary;
    // Names may hold bidi controls or invisible characters (a certificate of another issuer, or
    // one signed before they were refused): shown as visible `\u{…}` markers, never raw.
    let line = |k: &str, v: &Option<String>| {
        if let Some(v) = v {
            println!("  {k:<10} {}", skillcert::model::text::display_safe(v));
        }
    };
    println!("  {}", r.message_zh);
    println!("  {}", r.message_en);
    line("holder", &s.holder);
    line("program", &s.program);
    let level = s.level.as_ref().map(|l| {
        let name = match (s.level_name_zh.as_deref(), s.level_name_en.as_deref()) {
            (Some(zh), Some(en)) => format!(" ({zh} / {en})"),
            (Some(n), None) | (None, Some(n)) => format!(" ({n})"),
            (None, None) => String::new(),
        };
        let framework = s
            .level_framework
            .as_deref()
            .map(|f| format!(" — {f}"))
            .unwrap_or_default();
        format!("{l}{name}{framework}")
    });
    line("level", &level);
    line("number", &s.number);
    line("issuer", &s.issuer_name.clone().or(s.issuer.clone()));
    let day = |t: &str| {
        skillcert::model::parse_time("t", t)
            .map(|t| skillcert::verify::date_en(&t))
            .unwrap_or_else(|_| t.to_owned())
    };
    line(
        "accredited",
        &r.accredited_by
            .as_ref()
            .map(|a| format!("by {} for {}", a.authority_name, a.scope)),
    );
    line(
        "valid",
        &s.valid_from.as_ref().map(|f| {
            format!(
                "{} – {}",
                day(f),
                s.valid_until.as_deref().map_or("no end date".into(), day)
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
pub(crate) fn run(cli: &Ctx, args: &VerifyArgs) -> CmdResult {
    if let Some(batch) = &args.batch {
        let verifier = build_verifier(cli, args)?;
        return super::verify_batch::run(&verifier, batch);
    }
    if args.inputs.is_empty() {
        return Err(CliError::unreadable("verify: give at least one input"));
    }
    let verifier = build_verifier(cli, args)?;
    let mut code = EXIT_OK;
    let mut tally = Tally::default();
    for input in &args.inputs {
        let bytes = match read_input(input) {
            Ok(b) => b,
            Err(Unreadable(m)) => {
                if cli.json {
                    println!("{}", serde_json::json!({"input": input, "error": m}));
                }
                eprintln!("skillcert: {m}");
                code = EXIT_UNREADABLE;
                tally.unreadable += 1;
                continue;
            }
        };
        let outcome = skillcert_qrimage::verify_bytes(&verifier, &bytes);
        let id_answer = args
            .holder_id
            .as_deref()
            .map(|id| holder_id_answer(&outcome, id));
        let report = outcome.map_or_else(Rejected::into_report, VerifiedCredential::into_report);
        match id_answer {
            None => print_report(cli, input, &report),
            Some(a) => {
                print_report_with_id(cli, input, &report, a);
                if a != HolderIdAnswer::Match {
                    code = code.max(super::common::EXIT_INVALID);
                }
            }
        }
        code = exit_code_after(code, &report);
        tally.add(report.verdict);
    }
    if !cli.json && args.inputs.len() > 1 {
        println!("{}", tally.line());
    }
    Ok(code)
}

/// What `--holder-id` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum HolderIdAnswer {
    /// The verified credential carries the ID, and it is this one.
    Match,
    /// It carries another ID.
    NoMatch,
    /// This form carries no ID (only the holder's copy does).
    NotBound,
    /// The credential did not verify: nothing it says was checked.
    NotChecked,
}

fn holder_id_answer(outcome: &Result<VerifiedCredential, Rejected>, id: &str) -> HolderIdAnswer {
    let Ok(v) = outcome else {
        return HolderIdAnswer::NotChecked;
    };
    match v.claims().and_then(|c| c.holder.id_binding.as_ref()) {
        None => HolderIdAnswer::NotBound,
        Some(b) if b.matches(&skillcert::model::normalise_holder_id(id)) => HolderIdAnswer::Match,
        Some(_) => HolderIdAnswer::NoMatch,
    }
}

/// The report with the `--holder-id` answer (`holder_id` in `--json`; a line otherwise).
fn print_report_with_id(cli: &Ctx, input: &str, r: &Report, a: HolderIdAnswer) {
    if cli.json {
        let mut v = serde_json::to_value(r).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("holder_id".into(), serde_json::json!(a));
        }
        println!("{v}");
        return;
    }
    print_report(cli, input, r);
    let line = match a {
        HolderIdAnswer::Match => "matches the holder's ID bound in this copy",
        HolderIdAnswer::NoMatch => "does NOT match the holder's ID bound in this copy",
        HolderIdAnswer::NotBound => {
            "not checked: this form carries no ID (use the holder's copy, or the issuer's online check)"
        }
        HolderIdAnswer::NotChecked => "not checked: the credential did not verify",
    };
    println!("  holder ID  {line}");
}

/// How many inputs ended in each verdict, for the summary line after several inputs.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    counts: Vec<(Verdict, usize)>,
    unreadable: usize,
}

impl Tally {
    fn add(&mut self, v: Verdict) {
        match self.counts.iter_mut().find(|(x, _)| *x == v) {
            Some((_, n)) => *n += 1,
            None => self.counts.push((v, 1)),
        }
    }

    /// `21 checked: 18 valid, 2 revoked, 1 suspended` (verdicts in the order of
    /// [`Verdict::ALL`], then the inputs that could not be read).
    pub(crate) fn line(&self) -> String {
        let checked: usize = self.counts.iter().map(|(_, n)| n).sum::<usize>() + self.unreadable;
        let mut parts: Vec<String> = Verdict::ALL
            .iter()
            .filter_map(|v| {
                let (_, n) = self.counts.iter().find(|(x, _)| x == v)?;
                Some(format!("{n} {v}"))
            })
            .collect();
        if self.unreadable > 0 {
            parts.push(format!("{} unreadable", self.unreadable));
        }
        format!("{checked} checked: {}", parts.join(", "))
    }
}
