//! What every command shares: the global options, exit codes, and errors (with the library's
//! errors worded for the command line: field names become the flags that set them).

use skillcert::issuer::IssuerError;
use skillcert::model::ModelError;
use skillcert::verify::{Report, Verdict};
use skillcert_store::issuer_db::IssuerDbError;
use std::path::PathBuf;

/// Exit code: everything valid / done.
pub const EXIT_OK: i32 = 0;
/// Exit code: something is not valid, or the command was refused.
pub const EXIT_INVALID: i32 = 1;
/// Exit code: input cannot be read, or usage error.
pub const EXIT_UNREADABLE: i32 = 2;

/// The global options every command sees.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The issuer's data dir (`--data-dir`).
    pub data_dir: PathBuf,
    /// The PostgreSQL database (`--database`); `None`: SQLite in the data dir.
    pub database: Option<String>,
    /// Machine-readable JSON output (`--json`).
    pub json: bool,
    /// Who makes the changes this command records (`--actor`; default: the OS user).
    pub actor: Option<String>,
}

impl Ctx {
    /// The issuer's database: in PostgreSQL with `--database`, else SQLite in the data dir.
    pub fn issuer_db(
        &self,
    ) -> Result<skillcert_store::issuer_db::IssuerDb, skillcert_store::issuer_db::IssuerDbError>
    {
        skillcert_store::issuer_db::IssuerDb::open_with(&self.data_dir, self.database.as_deref())
    }
}

/// A command failure: message and exit code.
#[derive(Debug)]
pub struct CliError {
    /// What went wrong (never contains a secret).
    pub message: String,
    /// Exit code.
    pub code: i32,
}

impl CliError {
    /// Refused (exit 1).
    pub fn refused(m: impl std::fmt::Display) -> Self {
        CliError {
            message: m.to_string(),
            code: EXIT_INVALID,
        }
    }
    /// Unreadable input or usage (exit 2).
    pub fn unreadable(m: impl std::fmt::Display) -> Self {
        CliError {
            message: m.to_string(),
            code: EXIT_UNREADABLE,
        }
    }
}

/// Result of a command: the exit code.
pub type CmdResult = Result<i32, CliError>;

/// The flag that sets a library field, for the fields the library names in its errors.
fn flag_for(field: &str) -> Option<&'static str> {
    match field {
        "name" => Some("--name"),
        "reason" => Some("--reason"),
        _ => None,
    }
}

/// A library message `field: reason` as `--flag: reason` when a flag sets that field.
fn with_flag(message: String) -> String {
    match message.split_once(": ") {
        Some((field, reason)) => match flag_for(field) {
            Some(flag) => format!("{flag}: {reason}"),
            None => message,
        },
        None => message,
    }
}

/// An issuer error in the command line's words.
pub(crate) fn issuer_message(e: &IssuerError) -> String {
    match e {
        IssuerError::NotInitialised(dir) => {
            format!("no issuer in {dir}: run `skillcert init --name NAME` first")
        }
        IssuerError::BaseUrl(why) => format!("--base-url: {why}"),
        IssuerError::NotRotatable => "key rotation needs a did:web issuer (init with --base-url); \
                                      a did:key issuer is its key"
            .into(),
        IssuerError::Model(ModelError::Field { field, reason }) => match flag_for(field) {
            Some(flag) => format!("{flag}: {reason}"),
            None => e.to_string(),
        },
        _ => e.to_string(),
    }
}

impl From<IssuerError> for CliError {
    fn from(e: IssuerError) -> Self {
        let message = issuer_message(&e);
        match e {
            IssuerError::NotInitialised(_) | IssuerError::Io { .. } | IssuerError::Key(_) => {
                CliError::unreadable(message)
            }
            _ => CliError::refused(message),
        }
    }
}

impl From<IssuerDbError> for CliError {
    fn from(e: IssuerDbError) -> Self {
        match e {
            IssuerDbError::Sqlite(_)
            | IssuerDbError::Io { .. }
            | IssuerDbError::Corrupt(_)
            | IssuerDbError::BadId(_) => CliError::unreadable(e),
            IssuerDbError::Issuer(i) => i.into(),
            IssuerDbError::Invalid(m) => CliError::refused(with_flag(m)),
            _ => CliError::refused(e),
        }
    }
}

/// The exit code after one more report: 2 for unreadable (`malformed`) input, 1 for any other
/// verdict than `valid`; the worst code wins.
pub(crate) fn exit_code_after(code: i32, r: &Report) -> i32 {
    let this = match r.verdict {
        Verdict::Valid => EXIT_OK,
        Verdict::Malformed => EXIT_UNREADABLE,
        _ => EXIT_INVALID,
    };
    code.max(this)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_fields_become_flags() {
        let e: CliError = IssuerDbError::Invalid("reason: a reason is required".into()).into();
        assert_eq!(e.message, "--reason: a reason is required");
        assert_eq!(e.code, EXIT_INVALID);
        let e: CliError = IssuerError::NotInitialised("d".into()).into();
        assert_eq!(
            e.message,
            "no issuer in d: run `skillcert init --name NAME` first"
        );
        assert_eq!(e.code, EXIT_UNREADABLE);
        let e = skillcert::keys::did_web_for("ftp://x").unwrap_err();
        let e: CliError = IssuerError::from(e).into();
        assert_eq!(e.message, "--base-url: must start with https://");
        let e = skillcert::model::normalize_text("name", " ", 10).unwrap_err();
        assert_eq!(
            CliError::from(IssuerError::from(e)).message,
            "--name: must not be empty"
        );
    }
}
