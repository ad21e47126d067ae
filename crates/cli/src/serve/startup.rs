//! What `serve` says when it starts: as types, printed as one JSON line (`--json`) or as text.

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};
use skillcert::issuer::Issuer;
use skillcert_online::trust_feed::TrustFeed;
use skillcert_server::demo::DemoCert;
use std::io::Write;
use std::path::PathBuf;

/// An issuer's site started.
#[derive(Debug, Serialize)]
pub(super) struct IssuerStarted {
    /// Where it listens.
    pub url: String,
    /// The issuer's public URL (what its QR codes point to).
    pub public_url: String,
    /// The issuer's id.
    pub issuer: String,
    /// Where the metrics are served, if they are.
    pub metrics_url: Option<String>,
    /// A new admin token (shown once), or `None` when the one set before stays.
    pub admin_token: Option<String>,
    /// The file keeping the admin token's SHA-256.
    pub admin_token_file: PathBuf,
    /// The sample certificates of a demo issuer created now (else empty).
    pub demo: Vec<DemoCertificate>,
    /// The issuer's name (in the text only).
    #[serde(skip)]
    pub issuer_name: String,
    /// Where the demo's files are (in the text only).
    #[serde(skip)]
    pub demo_dir: PathBuf,
}

/// One sample certificate of the demo issuer: its forms, its holder, what the demo made of it,
/// and its files.
#[derive(Debug, Serialize)]
pub(crate) struct DemoCertificate {
    /// `urn:uuid:…`.
    pub credential_id: String,
    /// The verification page.
    pub verify_url: Option<String>,
    /// The `vc+jwt` token form.
    pub token: String,
    /// The QR text form.
    pub qr_text: String,
    /// The holder's name.
    pub holder: String,
    /// `valid`, `revoked` or `suspended`.
    pub state: &'static str,
    /// Each file written: what it is (`pdf`, `token`, `qr_png`…) and where; a JSON object.
    #[serde(serialize_with = "files_object")]
    pub files: Vec<(&'static str, PathBuf)>,
}

fn files_object<S: Serializer>(files: &[(&'static str, PathBuf)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(files.iter().map(|(k, p)| (k, p.display().to_string())))
}

impl DemoCertificate {
    /// A demo certificate of `issuer` and the files written for it.
    pub(super) fn new(issuer: &Issuer, c: DemoCert, files: Vec<(&'static str, PathBuf)>) -> Self {
        let body = skillcert_server::backend::issued_body(issuer, &c.issued);
        DemoCertificate {
            credential_id: body.credential_id,
            verify_url: body.verify_url,
            token: body.token,
            qr_text: body.qr_text,
            holder: c.issued.claims.holder.name,
            state: c.state,
            files,
        }
    }

    /// The file of this kind, if one was written.
    pub(crate) fn file(&self, kind: &str) -> Option<&PathBuf> {
        self.files.iter().find(|(k, _)| *k == kind).map(|(_, p)| p)
    }
}

/// A scheme's portal started.
#[derive(Debug, Serialize)]
pub(super) struct PortalStarted {
    /// Where it listens.
    pub url: String,
    /// Always `true`: a portal, not an issuer's site.
    pub portal: bool,
    /// Its trust lists as read now.
    pub trust_lists: Vec<TrustListState>,
}

/// One `--trust` list of a portal as read at start.
#[derive(Debug, Serialize)]
pub(super) struct TrustListState {
    /// Its file or URL.
    pub location: String,
    /// The name of the authority that signed it, if any.
    pub authority: Option<String>,
    /// How many issuers it accredits.
    pub issuers: usize,
    /// `yes`, or why it does not count now; `None` when there is no list at all.
    pub in_force: Option<String>,
}

impl TrustListState {
    /// What `feed` holds at `now`.
    pub(super) fn of(feed: &TrustFeed, now: DateTime<Utc>) -> Self {
        let current = feed.current();
        let list = current.as_ref().map(|s| s.list());
        TrustListState {
            location: feed.location().to_owned(),
            authority: list
                .and_then(|l| l.authority.as_ref())
                .map(|a| a.name.clone()),
            issuers: list.map_or(0, |l| l.issuers.len()),
            in_force: current.as_ref().map(|s| {
                s.in_force(now)
                    .map_or_else(|e| e.to_string(), |()| "yes".into())
            }),
        }
    }
}

/// Prints what an issuer's site started with.
pub(super) fn print_issuer(json: bool, s: &IssuerStarted) {
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(out, "{}", to_line(s));
    } else {
        let _ = write!(out, "{}", issuer_text(s));
    }
    let _ = out.flush();
}

fn issuer_text(s: &IssuerStarted) -> String {
    let mut t = format!("skillcert serve: listening on {}\n", s.url);
    if let Some(m) = &s.metrics_url {
        t += &format!("Metrics: {m}\n");
    }
    t += &format!(
        "Issuer: {} ({}), public site {}\n",
        s.issuer_name, s.issuer, s.public_url
    );
    t += &match &s.admin_token {
        Some(tok) => format!(
            "Admin token (shown once; only its SHA-256 is kept in {}):\n  {tok}\n",
            s.admin_token_file.display()
        ),
        None => "Admin token: as set before (serve --new-admin-token replaces it)\n".to_owned(),
    };
    if s.demo.is_empty() {
        return t;
    }
    t += &format!(
        "Demo issuer created with sample certificates in {}:\n",
        s.demo_dir.display()
    );
    t += &super::super::demo_table::table(&s.demo);
    if let Some(qr) = s
        .demo
        .iter()
        .find_map(|d| d.file("qr_png").or(d.file("qr")))
    {
        t += &format!("Sample QR to try (scan it or open it): {}\n", qr.display());
    }
    t
}

/// Prints what a portal started with.
pub(super) fn print_portal(json: bool, s: &PortalStarted) {
    let mut out = std::io::stdout().lock();
    if json {
        let _ = writeln!(out, "{}", to_line(s));
    } else {
        let _ = writeln!(out, "skillcert serve: scheme portal listening on {}", s.url);
        for l in &s.trust_lists {
            let _ = writeln!(
                out,
                "Trust list {}: {} issuer(s) accredited by {} (in force: {})",
                l.location,
                l.issuers,
                l.authority.as_deref().unwrap_or("(no authority)"),
                l.in_force.as_deref().unwrap_or("no")
            );
        }
    }
    let _ = out.flush();
}

/// One line of JSON (these types always serialize).
fn to_line(v: &impl Serialize) -> String {
    serde_json::to_string(v).unwrap_or_default()
}
