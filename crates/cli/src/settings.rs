//! `skillcert init`, `skillcert settings` (numbering and printing) and `skillcert show`.

use super::common::{CliError, CmdResult, Ctx, EXIT_OK};
use skillcert::issuer::{IdPrint, Issuer, PrintConfig};
use skillcert::model::number::NumberingScheme;
use std::path::Path;

/// How certificates are numbered (`init` and `settings`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct NumberingArgs {
    /// National certificate numbers for cn-nvq: S (social evaluation organisation) or Y
    /// (employer). Needs --organisation-code, --province-code and --site-code.
    #[arg(long, value_parser = ["S", "Y"], requires_all = ["organisation_code", "province_code", "site_code"])]
    pub number_kind: Option<String>,
    /// Organisation code of the national number (4 digits; 0000 when filed at provincial level).
    #[arg(long, requires = "number_kind")]
    pub organisation_code: Option<String>,
    /// Province code of the national number (2 digits, e.g. 33).
    #[arg(long, requires = "number_kind")]
    pub province_code: Option<String>,
    /// Site code of the national number (6 digits).
    #[arg(long, requires = "number_kind")]
    pub site_code: Option<String>,
    /// Prefix of general certificate numbers (PREFIX-YYYY-NNNNNN; default SC).
    #[arg(long)]
    pub number_prefix: Option<String>,
}

impl NumberingArgs {
    /// The scheme these arguments give, starting from `current`; `None` when none was given.
    fn scheme(&self, current: &NumberingScheme) -> Result<Option<NumberingScheme>, CliError> {
        let prefix = self.number_prefix.clone().unwrap_or_else(|| match current {
            NumberingScheme::CnNvq { prefix, .. } | NumberingScheme::General { prefix } => {
                prefix.clone()
            }
        });
        let scheme = match (&self.number_kind, current) {
            (Some(kind), _) => NumberingScheme::CnNvq {
                kind: kind.chars().next().unwrap_or('S'),
                organisation: self.organisation_code.clone().unwrap_or_default(),
                province: self.province_code.clone().unwrap_or_default(),
                site: self.site_code.clone().unwrap_or_default(),
                prefix,
            },
            (None, _) if self.number_prefix.is_none() => return Ok(None),
            (None, NumberingScheme::CnNvq { .. }) => {
                let mut s = current.clone();
                if let NumberingScheme::CnNvq { prefix: p, .. } = &mut s {
                    *p = prefix;
                }
                s
            }
            (None, NumberingScheme::General { .. }) => NumberingScheme::General { prefix },
        };
        scheme.check().map_err(CliError::refused)?;
        Ok(Some(scheme))
    }
}

/// How certificates are printed (`settings`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PrintArgs {
    /// Print the holder's ID number in full (the national rule) or masked.
    #[arg(long, value_parser = ["full", "masked"])]
    pub id_number: Option<String>,
    /// The seal: a transparent PNG printed over the organisation's name ("" removes it).
    #[arg(long)]
    pub seal: Option<String>,
    /// The logo: a PNG printed in the header ("" removes it).
    #[arg(long)]
    pub logo: Option<String>,
    /// The evaluation organisation's filed name (评价机构), when it differs from the issuer
    /// name ("" removes it).
    #[arg(long)]
    pub organisation: Option<String>,
}

/// Longest seal or logo path, in characters.
const MAX_PATH_CHARS: usize = 1000;

impl PrintArgs {
    /// What is stored is checked now, not at the next print, so that a setting can never make
    /// every issue fail: images decode within printing's limits, the organisation's name keeps
    /// the name rules and is in the bundled font. Errors name the option.
    fn check(&self) -> Result<Option<String>, CliError> {
        let needs_printer = [&self.seal, &self.logo, &self.organisation]
            .iter()
            .any(|a| a.as_deref().is_some_and(|v| !v.trim().is_empty()));
        if !needs_printer {
            return Ok(None);
        }
        let printer = skillcert_print::pdf::Printer::new().map_err(CliError::refused)?;
        for (option, arg) in [("--seal", &self.seal), ("--logo", &self.logo)] {
            if let Some(f) = arg.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
                if f.chars().count() > MAX_PATH_CHARS || f.chars().any(char::is_control) {
                    return Err(CliError::refused(format!(
                        "{option}: must be a file path of 1-{MAX_PATH_CHARS} characters"
                    )));
                }
                skillcert_print::printing::check_mark_image(&printer, option, Path::new(f))
                    .map_err(CliError::refused)?;
            }
        }
        self.organisation
            .as_deref()
            .filter(|v| !v.trim().is_empty())
            .map(|v| skillcert_print::printing::setting_text(&printer, "--organisation", v))
            .transpose()
            .map_err(CliError::refused)
    }

    fn apply(&self, current: &PrintConfig) -> Result<Option<PrintConfig>, CliError> {
        // Images are kept by absolute path.
        let organisation = self.check()?;
        let mut p = current.clone();
        let mut changed = false;
        let opt = |v: &str| {
            (!v.trim().is_empty()).then(|| {
                let t = v.trim();
                std::path::absolute(t)
                    .map(|a| a.display().to_string())
                    .unwrap_or_else(|_| t.to_owned())
            })
        };
        if let Some(m) = &self.id_number {
            p.id_number = if m == "masked" {
                IdPrint::Masked
            } else {
                IdPrint::Full
            };
            changed = true;
        }
        for (arg, field) in [(&self.seal, &mut p.seal), (&self.logo, &mut p.logo)] {
            if let Some(v) = arg {
                *field = opt(v);
                changed = true;
            }
        }
        if self.organisation.is_some() {
            // Checked and normalised; None for "" (removes it).
            p.organisation = organisation;
            changed = true;
        }
        Ok(changed.then_some(p))
    }
}

/// Arguments of `settings`.
#[derive(Debug, Clone, clap::Args)]
pub struct SettingsArgs {
    /// Numbering.
    #[command(flatten)]
    pub numbering: NumberingArgs,
    /// Printing.
    #[command(flatten)]
    pub print: PrintArgs,
}

fn show_settings(cli: &Ctx, issuer: &Issuer) {
    let c = issuer.config();
    if cli.json {
        println!(
            "{}",
            serde_json::json!({"numbering": c.numbering, "print": c.print})
        );
        return;
    }
    match &c.numbering {
        NumberingScheme::CnNvq {
            kind,
            organisation,
            province,
            site,
            prefix,
        } => println!(
            "Numbering: national form for cn-nvq ({kind}, organisation {organisation}, province \
             {province}, site {site}: {kind}{organisation}{province}{site}YYLNNNNNN); \
             {prefix}-YYYY-NNNNNN for other frameworks"
        ),
        NumberingScheme::General { prefix } => {
            println!("Numbering: {prefix}-YYYY-NNNNNN for every certificate")
        }
    }
    let id = match c.print.id_number {
        IdPrint::Full => "in full",
        IdPrint::Masked => "masked",
    };
    println!("Printing: ID number {id}");
    for (k, v) in [
        ("seal", &c.print.seal),
        ("logo", &c.print.logo),
        ("organisation", &c.print.organisation),
    ] {
        if let Some(v) = v {
            println!("  {k}: {v}");
        }
    }
}

/// Runs `init`.
pub(crate) fn run_init(
    cli: &Ctx,
    name: &str,
    base_url: Option<&str>,
    numbering: &NumberingArgs,
) -> CmdResult {
    // Checked before anything is created.
    let scheme = numbering.scheme(&NumberingScheme::default())?;
    let mut issuer = Issuer::init(&cli.data_dir, name, base_url)?;
    if let Some(s) = scheme {
        issuer.set_numbering(s)?;
    }
    cli.issuer_db()?;
    let c = issuer.config();
    if cli.json {
        println!(
            "{}",
            serde_json::json!({"issuer": c.id, "name": c.name, "key": c.active_key,
                "data_dir": cli.data_dir, "numbering": c.numbering})
        );
    } else {
        println!("Created issuer {} ({})", c.name, c.id);
        println!(
            "Signing key {} in {}",
            c.active_key,
            cli.data_dir.join("keys").display()
        );
        show_settings(cli, &issuer);
    }
    Ok(EXIT_OK)
}

/// Runs `settings`: checks everything given, then changes it (nothing is stored when any
/// of it is refused), then shows the settings.
pub(crate) fn run_settings(cli: &Ctx, args: &SettingsArgs) -> CmdResult {
    let mut issuer = Issuer::open(&cli.data_dir)?;
    let numbering = args.numbering.scheme(&issuer.config().numbering)?;
    let print = args.print.apply(&issuer.config().print)?;
    if let Some(s) = numbering {
        issuer.set_numbering(s)?;
    }
    if let Some(p) = print {
        issuer.set_print(p)?;
    }
    show_settings(cli, &issuer);
    Ok(EXIT_OK)
}

/// Arguments of `show`.
#[derive(Debug, Clone, clap::Args)]
pub struct ShowArgs {
    /// Certificate number, `urn:uuid:…` id or bare UUID.
    pub number_or_id: String,
}

/// Runs `show`: the issuer's database record and history of a certificate found by number or id.
pub(crate) fn run_show(cli: &Ctx, args: &ShowArgs) -> CmdResult {
    let reg = cli.issuer_db()?;
    let rec = reg.get(&args.number_or_id)?;
    let events = reg.history(&rec.id)?;
    if cli.json {
        println!(
            "{}",
            serde_json::json!({"certificate": rec, "history": events})
        );
        return Ok(EXIT_OK);
    }
    println!("{}", rec.id);
    if let Some(n) = &rec.number {
        println!("  number   {n}");
    }
    println!("  holder   {}", rec.holder_name);
    match &rec.program_code {
        Some(c) => println!("  program  {} ({c})", rec.program),
        None => println!("  program  {}", rec.program),
    }
    println!("  level    {} {}", rec.framework, rec.level);
    println!("  issued   {}", rec.issued_at);
    let status = serde_json::to_value(rec.status).unwrap_or_default();
    println!("  status   {}", status.as_str().unwrap_or_default());
    for e in &events {
        let reason = e
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        println!("  {} {} by {}{reason}", e.at, e.action, e.actor);
    }
    Ok(EXIT_OK)
}
