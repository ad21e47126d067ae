//! `skillcert serve [--addr ADDR] [--metrics-addr ADDR]`: the HTTP service (metrics, when
//! asked for, on a listener of their own). On an empty data dir it first creates a
//! demo issuer whose public URL is the serve address, with sample certificates. The admin token
//! is generated from the OS's random source, printed once, and only its SHA-256 is kept
//! (`admin-token.sha256`, mode 0600).

use super::common::{CliError, CmdResult, Ctx, EXIT_OK};
use base64::Engine;
use rand_core::RngCore;
use skillcert::issuer::Issuer;
use skillcert_server::{self, admin::token_hash, backend::Backend, demo, AppState};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

mod startup;
pub(crate) use startup::DemoCertificate;

/// Directory of the data dir where a demo issuer's sample certificates are written.
const DEMO_DIR: &str = "demo";

/// File in the data dir holding the hex SHA-256 of the admin token.
pub(crate) const ADMIN_TOKEN_FILE: &str = "admin-token.sha256";

/// Arguments of `serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Public base URL given to the demo issuer created on an empty data dir
    /// (default: http://ADDR as bound).
    #[arg(long)]
    pub base_url: Option<String>,
    /// Replace the admin token with a new one (printed once).
    #[arg(long)]
    pub new_admin_token: bool,
    /// Serve Prometheus metrics (`GET /metrics`) on this separate address, e.g.
    /// 127.0.0.1:9090 (port 0: any free port). Without it metrics are not served.
    #[arg(long, value_name = "ADDR")]
    pub metrics_addr: Option<String>,
    /// Run a scheme's verification portal instead of an issuer's site: verify the
    /// certificates of every issuer this trust list (file or http(s) URL) accredits.
    /// Repeatable (several schemes).
    #[arg(long, value_name = "FILE|URL")]
    pub trust: Vec<String>,
    /// The key of the authority that must have signed the --trust list in the same position
    /// (as `skillcert authority key` prints it; `-` for an unsigned list).
    #[arg(long, value_name = "ANCHOR")]
    pub trust_anchor: Vec<String>,
    /// A hot standby (streaming replica) of the portal's register database: the query and the
    /// online ID check read it, falling back to --database when it is down; ingestion and the
    /// reads that must be current stay on --database.
    #[arg(
        long,
        value_name = "postgres://…",
        env = "SKILLCERT_READ_DATABASE",
        hide_env_values = true,
        requires = "trust"
    )]
    pub read_database: Option<String>,
    /// An issuer's site: report to this portal on a schedule (as `skillcert report --to`).
    #[arg(long, value_name = "PORTAL_URL", conflicts_with = "trust")]
    pub report_to: Option<String>,
    /// Seconds between two scheduled reports.
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub report_every: u64,
    /// A proxy (address or network, 10.0.0.0/8) in front of this server whose
    /// X-Forwarded-For names the client for the rate limits. Repeatable. Without it the
    /// header is ignored: the connection's address is the client.
    #[arg(long, value_name = "CIDR")]
    pub trusted_proxy: Vec<skillcert_server::client_ip::Cidr>,
}

fn bind(addr: &str, flag: &str) -> Result<(std::net::TcpListener, SocketAddr), CliError> {
    let err = |e: std::io::Error| CliError::unreadable(format!("{flag} {addr}: {e}"));
    let listener = std::net::TcpListener::bind(addr).map_err(err)?;
    listener.set_nonblocking(true).map_err(err)?;
    let local = listener.local_addr().map_err(err)?;
    Ok((listener, local))
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CliError + '_ {
    move |e| CliError::unreadable(format!("{}: {e}", path.display()))
}

/// A new admin token: 32 bytes from the OS's random source, base64url.
pub(crate) fn new_admin_token() -> String {
    let mut b = [0u8; 32];
    rand_core::OsRng.fill_bytes(&mut b);
    let t = format!(
        "sca_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
    );
    zeroize::Zeroize::zeroize(&mut b);
    t
}

fn write_hash_file(path: &Path, hash: &[u8; 32], replace: bool) -> Result<(), CliError> {
    use std::fs::OpenOptions;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let target = if replace {
        path.with_extension("sha256.tmp")
    } else {
        path.to_owned()
    };
    if replace {
        let _ = std::fs::remove_file(&target);
    }
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    o.mode(0o600);
    let mut f = o.open(&target).map_err(io(&target))?;
    writeln!(f, "{}", hex::encode(hash)).map_err(io(&target))?;
    f.sync_all().map_err(io(&target))?;
    if replace {
        std::fs::rename(&target, path).map_err(io(path))?;
    }
    Ok(())
}

/// The admin token's hash from the data dir, creating a token when there is none (or when
/// asked). Returns the hash and the new token, if one was made (to be shown once).
pub(crate) fn admin_token(dir: &Path, renew: bool) -> Result<([u8; 32], Option<String>), CliError> {
    let path = dir.join(ADMIN_TOKEN_FILE);
    if path.exists() && !renew {
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        let t = text.trim();
        let mut h = [0u8; 32];
        hex::decode_to_slice(t, &mut h).map_err(|_| {
            CliError::unreadable(format!("{}: not a SHA-256 hex digest", path.display()))
        })?;
        return Ok((h, None));
    }
    let token = new_admin_token();
    let h = token_hash(&token);
    write_hash_file(&path, &h, path.exists())?;
    Ok((h, Some(token)))
}

fn base_url_for(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) if a.ip().is_unspecified() => format!("http://127.0.0.1:{}", a.port()),
        SocketAddr::V4(a) => format!("http://{a}"),
        SocketAddr::V6(a) => format!("http://localhost:{}", a.port()),
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SKILLCERT_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,hyper=warn,tower_http=info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = if std::env::var("SKILLCERT_LOG_FORMAT").as_deref() == Ok("json") {
        b.json().try_init()
    } else {
        b.try_init()
    };
}

/// Runs `serve`.
pub(crate) fn run(cli: &Ctx, args: &ServeArgs) -> CmdResult {
    init_tracing();
    let (listener, local) = bind(&args.addr, "--addr")?;
    let metrics = match &args.metrics_addr {
        Some(a) => Some(bind(a, "--metrics-addr")?),
        None => None,
    };
    let anchors = super::verify::anchors(&args.trust, &args.trust_anchor)?;
    if !args.trust.is_empty() {
        let mut state = portal_state(cli, args, anchors, local)?;
        state.trusted_proxies = proxies(args);
        return run_state(listener, local, metrics, state);
    }
    let dir = &cli.data_dir;
    let (backend, demo) = open_issuer(cli, args, local)?;
    let (hash, token) = admin_token(dir, args.new_admin_token)?;
    let issuer = backend.issuer();
    let started = startup::IssuerStarted {
        url: format!("http://{local}"),
        public_url: issuer.public_url().to_owned(),
        issuer: issuer.config().id.clone(),
        metrics_url: metrics.as_ref().map(|(_, a)| format!("http://{a}/metrics")),
        admin_token: token,
        admin_token_file: dir.join(ADMIN_TOKEN_FILE),
        demo,
        issuer_name: issuer.config().name.clone(),
        demo_dir: dir.join(DEMO_DIR),
    };
    startup::print_issuer(cli.json, &started);
    let mut state = AppState::new(backend, Some(hash));
    state.trusted_proxies = proxies(args);
    if let Some(portal) = &args.report_to {
        spawn_reporter(cli.clone(), portal.clone(), args.report_every);
    }
    run_state(listener, local, metrics, state)
}

/// The issuer of the data dir; on an empty one, a demo issuer whose public URL is the serve
/// address (or `--base-url`), with its sample certificates written to `DATA_DIR/demo`.
fn open_issuer(
    cli: &Ctx,
    args: &ServeArgs,
    local: SocketAddr,
) -> Result<(Backend, Vec<startup::DemoCertificate>), CliError> {
    let dir = &cli.data_dir;
    let database = cli.database.as_deref();
    if Issuer::exists(dir) {
        let backend =
            Backend::open_with(Issuer::open(dir)?, database).map_err(CliError::unreadable)?;
        return Ok((backend, Vec::new()));
    }
    let base = args.base_url.clone().unwrap_or_else(|| base_url_for(local));
    let (backend, certs) = demo::create(dir, &base, database).map_err(CliError::refused)?;
    let out: PathBuf = dir.join(DEMO_DIR);
    skillcert::private_fs::create_dir_all(&out).map_err(io(&out))?;
    let issuer = backend.issuer();
    let demo = certs
        .into_iter()
        .map(|c| {
            let files = demo_files(&issuer, &c.issued, &out)?;
            Ok(startup::DemoCertificate::new(&issuer, c, files))
        })
        .collect::<Result<_, CliError>>()?;
    Ok((backend, demo))
}

/// Writes the files of one demo certificate to `out` (as `issue` does, with a QR code PNG
/// always): what each is, and where.
fn demo_files(
    issuer: &Issuer,
    issued: &skillcert::issuer::Issued,
    out: &Path,
) -> Result<Vec<(&'static str, PathBuf)>, CliError> {
    let extras = skillcert::request::PrintExtras::default();
    let mut files = super::issue::write_outputs(issuer, issued, &extras, out)?;
    if !files
        .iter()
        .any(|(_, p)| p.to_string_lossy().ends_with(".qr.png"))
    {
        let png =
            skillcert_qrimage::render::to_png(&issued.qr_text, 8).map_err(CliError::refused)?;
        let p = out.join(format!("{}.qr.png", issued.claims.id));
        skillcert::private_fs::write(&p, &png).map_err(io(&p))?;
        files.push(("qr_png", p));
    }
    Ok(files)
}

/// The `--trusted-proxy` networks.
fn proxies(args: &ServeArgs) -> std::sync::Arc<skillcert_server::client_ip::TrustedProxies> {
    std::sync::Arc::new(skillcert_server::client_ip::TrustedProxies::new(
        args.trusted_proxy.clone(),
    ))
}

/// The portal's receipt key, `DATA_DIR/portal-key.secret` (created on first use, 0600).
fn portal_key(dir: &Path) -> Result<skillcert::keys::SecretKey, CliError> {
    let path = dir.join("portal-key.secret");
    if path.exists() {
        return skillcert::keys::SecretKey::load(&path).map_err(CliError::unreadable);
    }
    let key = skillcert::keys::SecretKey::generate();
    key.write_new(&path).map_err(CliError::unreadable)?;
    Ok(key)
}

/// Reports to `portal` every `every` seconds in the background (an issuer's `serve
/// --report-to`); failures are logged and retried next time.
fn spawn_reporter(cli: Ctx, portal: String, every: u64) {
    std::thread::spawn(move || loop {
        std::thread::sleep(std::time::Duration::from_secs(every.max(1)));
        let run = || -> Result<super::report::Sent, super::report::ReportToError> {
            let issuer = Issuer::open(&cli.data_dir)?;
            let registry = cli.issuer_db()?;
            super::report::report_to(&issuer, &registry, &portal, skillcert::reporting::MAX_ITEMS)
        };
        match run() {
            Ok(s) if s.items > 0 => {
                tracing::info!(portal = %portal, items = s.items, bundles = s.bundles, "reported")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(portal = %portal, error = %e, "report failed; retrying later"),
        }
    });
}

/// Serves `state` until a signal.
fn run_state(
    listener: std::net::TcpListener,
    local: SocketAddr,
    metrics: Option<(std::net::TcpListener, SocketAddr)>,
    state: AppState,
) -> CmdResult {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::unreadable(format!("tokio runtime: {e}")))?;
    rt.block_on(serve_until_signal(listener, local, metrics, state))?;
    Ok(EXIT_OK)
}

/// The state of a scheme's portal (`serve --trust … --trust-anchor …`): no issuer, no demo;
/// the data dir only caches status lists.
fn portal_state(
    cli: &Ctx,
    args: &ServeArgs,
    anchors: Vec<Option<skillcert::trust::TrustAnchor>>,
    local: SocketAddr,
) -> Result<AppState, CliError> {
    use skillcert_online::trust_feed::TrustFeed;
    let feeds: Vec<TrustFeed> = args
        .trust
        .iter()
        .zip(anchors)
        .map(|(location, anchor)| TrustFeed::new(location, anchor).remembering(&cli.data_dir))
        .collect();
    let dir = &cli.data_dir;
    skillcert::private_fs::create_dir_all(dir).map_err(io(dir))?;
    let public = args.base_url.clone().unwrap_or_else(|| base_url_for(local));
    let register = skillcert_store::register::Register::open_with_replica(
        dir,
        cli.database.as_deref(),
        args.read_database.as_deref(),
    )
    .map_err(CliError::unreadable)?;
    let key = portal_key(dir)?;
    let portal =
        skillcert_server::portal::Portal::new(feeds, &public, Some(dir.join("status-cache")))
            .map_err(CliError::unreadable)?
            .with_register(skillcert_server::portal::PortalRegister::new(register, key));
    let now = chrono::Utc::now();
    let started = startup::PortalStarted {
        url: format!("http://{local}"),
        portal: true,
        trust_lists: portal
            .feeds()
            .iter()
            .map(|f| startup::TrustListState::of(f, now))
            .collect(),
    };
    startup::print_portal(cli.json, &started);
    Ok(AppState::portal(portal))
}

/// Serves the site on `listener`, and the metrics on theirs (if any), until SIGTERM or ctrl-c;
/// then both finish their requests in flight.
async fn serve_until_signal(
    listener: std::net::TcpListener,
    local: SocketAddr,
    metrics: Option<(std::net::TcpListener, SocketAddr)>,
    state: AppState,
) -> Result<(), CliError> {
    let listener = tokio::net::TcpListener::from_std(listener)
        .map_err(|e| CliError::unreadable(format!("--addr: {e}")))?;
    tracing::info!(addr = %local, "serving");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let metrics = match metrics {
        Some((l, addr)) => {
            let l = tokio::net::TcpListener::from_std(l)
                .map_err(|e| CliError::unreadable(format!("--metrics-addr: {e}")))?;
            tracing::info!(addr = %addr, "serving metrics");
            let mut rx = stop_rx;
            let stopped = async move {
                let _ = rx.wait_for(|s| *s).await;
            };
            let m = skillcert_server::metrics::serve_metrics(l, state.clone(), stopped);
            Some(tokio::spawn(m))
        }
        None => None,
    };
    let shutdown = async move {
        skillcert_server::shutdown_signal().await;
        let _ = stop_tx.send(true);
    };
    let r = skillcert_server::serve(listener, state, shutdown).await;
    if let Some(m) = metrics {
        let _ = m.await;
    }
    r.map_err(|e| CliError::unreadable(format!("serve: {e}")))
}
