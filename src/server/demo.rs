//! The demo issuer `skillcert serve` creates on an empty data dir: a `did:web` issuer at the
//! serve address and a few sample certificates from a bundled roster (same columns as
//! `../shared/reference/roster-sample.csv`), one of them revoked and one suspended, so that
//! every banner colour can be tried.

use super::backend::{Backend, Change};
use super::errors::ApiError;
use crate::issuer::{Issued, Issuer};
use crate::request::{HolderRequest, IssuanceRequest, LevelRequest, ProgramRequest};

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
    Issuer(#[from] crate::issuer::IssuerError),
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

/// Parses a roster in the `roster-sample.csv` columns into issuance requests.
pub fn parse_roster(text: &str) -> Result<Vec<IssuanceRequest>, DemoError> {
    let mut rd = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let headers = rd
        .headers()
        .map_err(|e| DemoError::Roster {
            line: 1,
            reason: e.to_string(),
        })?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let need = |name: &str| {
        col(name).ok_or_else(|| DemoError::Roster {
            line: 1,
            reason: format!("missing column {name}"),
        })
    };
    let (hn, pn, fw, lv) = (
        need("holder_name")?,
        need("program_name")?,
        need("level_framework")?,
        need("level")?,
    );
    let (hl, nid, pc, vy) = (
        col("holder_name_latin"),
        col("national_id"),
        col("program_code"),
        col("valid_years"),
    );
    let mut out = Vec::new();
    for (i, rec) in rd.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| DemoError::Roster {
            line,
            reason: e.to_string(),
        })?;
        let get = |c: usize| rec.get(c).unwrap_or("").trim().to_owned();
        let opt = |c: Option<usize>| c.map(get).filter(|s| !s.is_empty());
        let valid_years = opt(vy)
            .map(|s| {
                s.parse::<u32>().map_err(|_| DemoError::Roster {
                    line,
                    reason: "valid_years: not a whole number".into(),
                })
            })
            .transpose()?;
        out.push(IssuanceRequest {
            holder: HolderRequest {
                name: get(hn),
                name_latin: opt(hl),
                national_id: opt(nid),
            },
            program: ProgramRequest {
                name: get(pn),
                code: opt(pc),
            },
            level: LevelRequest {
                framework: get(fw),
                value: get(lv),
            },
            valid_from: None,
            valid_until: None,
            valid_years,
            id: None,
        });
    }
    Ok(out)
}

/// Creates the demo issuer in `dir` with its public site at `base_url`, issues the sample
/// certificates through the registry, revokes the second and suspends the third.
pub fn create(
    dir: &std::path::Path,
    base_url: &str,
) -> Result<(Backend, Vec<DemoCert>), DemoError> {
    let issuer = Issuer::init(dir, DEMO_ISSUER_NAME, Some(base_url))?;
    let backend = Backend::open(issuer)?;
    let mut certs = Vec::new();
    for (i, req) in parse_roster(DEMO_ROSTER)?.into_iter().enumerate() {
        let checked = req.check().map_err(|e| DemoError::Roster {
            line: i + 2,
            reason: e.to_string(),
        })?;
        let issued = backend.issue(&checked)?;
        let change = match i {
            1 => Some((Change::Revoke, "demo: a revoked sample")),
            2 => Some((Change::Suspend, "demo: a suspended sample")),
            _ => None,
        };
        let state = match change {
            Some((c, reason)) => {
                backend.change(&issued.claims.id, c, reason, "demo")?;
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
        let reqs = parse_roster(DEMO_ROSTER).unwrap();
        assert_eq!(reqs.len(), 4);
        for r in &reqs {
            r.check().unwrap();
        }
        assert_eq!(reqs[3].valid_years, Some(0));
        assert!(reqs[2].holder.national_id.is_none());
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
