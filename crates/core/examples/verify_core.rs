//! Verifies a certificate with the core library only (no CLI, server, registry, network or
//! image decoding): builds with the core crate alone.
//!
//! ```sh
//! cargo run -p skillcert --example verify_core -- \
//!     crates/cli/tests/vectors/valid_minimal_did_key_qr.txt crates/cli/tests/vectors/trust.json --at 2027-01-01T00:00:00Z
//! ```
//!
//! `verify_core INPUT TRUST [--at TIME] [--status FILE]...`: INPUT is a file holding a
//! credential document, a `vc+jwt` token or a QR text; TRUST a trust list; `--status` gives
//! status list credentials (without them a certificate with status entries is
//! `status_unknown`: the verifier fails closed). Prints the `verify --json` object; exits 0 for
//! `valid`, 1 for any other verdict, 2 when the arguments or files cannot be read.

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    missing_docs,
    reason = "test and tool code: a failed unwrap is a failed run; helpers are not an API"
)]
use skillcert::input::parse_bytes;
use skillcert::model::{parse_time, ModelError};
use skillcert::status::{FileStatusSource, StatusError};
use skillcert::trust::{TrustError, TrustList};
use skillcert::verify::{Report, Verdict, Verifier, VerifierError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

const USAGE: &str = "usage: verify_core INPUT TRUST [--at TIME] [--status FILE]...";

/// Why the example cannot verify (exit 2).
#[derive(Debug, thiserror::Error)]
enum ExampleError {
    #[error("{USAGE}")]
    Usage,
    #[error(transparent)]
    Trust(#[from] TrustError),
    #[error(transparent)]
    Status(#[from] StatusError),
    #[error(transparent)]
    Time(#[from] ModelError),
    #[error(transparent)]
    Verifier(#[from] VerifierError),
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

struct Args {
    input: PathBuf,
    trust: PathBuf,
    at: Option<String>,
    status: Vec<PathBuf>,
}

fn args() -> Result<Args, ExampleError> {
    let mut positional = Vec::new();
    let (mut at, mut status) = (None, Vec::new());
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--at" => at = Some(it.next().ok_or(ExampleError::Usage)?),
            "--status" => status.push(PathBuf::from(it.next().ok_or(ExampleError::Usage)?)),
            _ => positional.push(PathBuf::from(a)),
        }
    }
    let [input, trust] = <[PathBuf; 2]>::try_from(positional).map_err(|_| ExampleError::Usage)?;
    Ok(Args {
        input,
        trust,
        at,
        status,
    })
}

fn verifier(a: &Args) -> Result<Verifier, ExampleError> {
    let trust = TrustList::load(&a.trust)?;
    let files = FileStatusSource::load(&trust, &a.status)?;
    let mut b = Verifier::builder(trust).status_source(Arc::new(files));
    if let Some(t) = &a.at {
        b = b.at_time(parse_time("--at", t)?);
    }
    Ok(b.build()?)
}

fn read(p: &Path) -> Result<Vec<u8>, ExampleError> {
    std::fs::read(p).map_err(|source| ExampleError::Read {
        path: p.to_owned(),
        source,
    })
}

fn main() -> ExitCode {
    let run = || -> Result<bool, ExampleError> {
        let a = args()?;
        let verifier = verifier(&a)?;
        // Only verification turns the parsed input into a verified credential; anything else
        // is rejected with the report that says why.
        let report = match parse_bytes(&read(&a.input)?, None) {
            Ok(u) => match verifier.verify(u) {
                Ok(verified) => verified.into_report(),
                Err(rejected) => rejected.into_report(),
            },
            Err(malformed) => Report::from(malformed),
        };
        let valid = report.verdict == Verdict::Valid;
        let json = serde_json::to_value(&report).expect("a report serializes");
        println!("{}", serde_json::to_string_pretty(&json).expect("JSON"));
        Ok(valid)
    };
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("verify_core: {e}");
            ExitCode::from(2)
        }
    }
}
