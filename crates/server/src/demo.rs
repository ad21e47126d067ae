//! The demo issuer `skillcert serve` creates on an empty data dir: a `did:web` issuer at the
//! serve address and a few sample certificates from a bundled roster (same columns as
//! `testdata/reference/roster-sample.csv`), one of them revoked and one suspended, so that
//! every banner colour can be tried.

use super::backend::{Backend, Change};
use super::errors::ApiError;
use skillcert::issuer::{Issued, Issuer};
use skillcert::roster::{Roster, RosterRow, RowError};

/// The bundled sample roster.
pub const DEMO_ROSTER: &str = include_str!("demo-roster.csv");

/// Name of the demo issuer.
pub const DEMO_ISSUER_NAME: &str = "演示职业技能鉴定中心 Demo Vocational Skills Assessment Centre";

/// One sample certificate and what was done to it.
#[derive(Debug)]
pub struct DemoCert {
    /// The certificate.
    pub issued: Issued,
    /// `valid`, `revoked` or `suspended` (what the demo made of it).
    pub state: &'static str,
}

/// Errors of the demo set-up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// The issuer could not be created.
    #[error(transparent)]
    Issuer(#[from] skillcert::issuer::IssuerError),
    /// The roster is wrong (names the line).
    #[error("demo roster line {line}: {reason}")]
    Roster {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Issuing or a status change failed.
    #[error("demo: {0}")]
    Api(#[from] ApiError),
}

impl From<RowError> for DemoError {
    fn from(e: RowError) -> DemoError {
        DemoError::Roster {
            line: e.line as usize,
            reason: match e.column {
                Some(c) => format!("{c}: {}", e.message),
                None => e.message,
            },
        }
    }
}

/// Reads a roster (columns and rules of [`skillcert::roster`]); the first bad row is an error.
pub fn parse_roster(text: &str) -> Result<Vec<RosterRow>, DemoError> {
    Ok(Roster::new(text.as_bytes())?.collect::<Result<_, _>>()?)
}

/// Creates the demo issuer in `dir` with its public site at `base_url`, issues the sample
/// certificates through the issuer's database, revokes the second and suspends the third.
pub fn create(
    dir: &std::path::Path,
    base_url: &str,
    database: Option<&str>,
) -> Result<(Backend, Vec<DemoCert>), DemoError> {
    let mut issuer = Issuer::init(dir, DEMO_ISSUER_NAME, Some(base_url))?;
    // National certificate numbers, as a filed evaluation organisation has them (demo codes:
    // organisation 0001, province 33 Zhejiang, site 060200).
    let scheme = skillcert::model::number::NumberingScheme::national('S', "0001", "33", "060200")
        .map_err(skillcert::issuer::IssuerError::from)?;
    issuer.set_numbering(scheme)?;
    let backend = Backend::open_with(issuer, database)?;
    let mut certs = Vec::new();
    for (i, row) in parse_roster(DEMO_ROSTER)?.into_iter().enumerate() {
        let checked = row.check()?;
        let issued = backend.issue(&checked)?;
        let change = match i {
            1 => Some((
                Change::Revoke,
                "demo: a revoked sample",
                "演示：考核结果作废 (demo: the assessment result was annulled)",
            )),
            2 => Some((
                Change::Suspend,
                "demo: a suspended sample",
                "演示：复核中 (demo: under review)",
            )),
            _ => None,
        };
        let state = match change {
            Some((c, reason, public)) => {
                backend.change(&issued.claims.id, c, (reason, Some(public)), "demo")?;
                if c == Change::Revoke {
                    "revoked"
                } else {
                    "suspended"
                }
            }
            None => "valid",
        };
        certs.push(DemoCert { issued, state });
    }
    Ok((backend, certs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_roster_is_valid() {
        let rows = parse_roster(DEMO_ROSTER).unwrap();
        assert_eq!(rows.len(), 4);
        for r in &rows {
            r.check().unwrap();
        }
        assert_eq!(rows[3].request.valid_years, Some(0));
        assert!(rows[2].request.holder.national_id.is_none());
    }

    #[test]
    fn roster_errors_name_the_line() {
        let e = parse_roster(
            "holder_name,program_name,level_framework,level,valid_years\na,b,cn-nvq,3,x\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse_roster("holder_name\n").unwrap_err();
        assert!(e.to_string().contains("program_name"), "{e}");
    }
}
