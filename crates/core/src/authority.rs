//! An authority's data dir: its key, its register of accredited issuers with an append-only
//! history, and the signed trust list it publishes (`docs/CONTRACT.md`, "Schemes and
//! accreditation").
//!
//! Layout (files 0600, folders 0700): `authority.json` (name, id, the public half of its key),
//! `authority-key.secret` (create-new), `accreditations.json` (the register as it stands,
//! replaced atomically) and `authority-history.jsonl` (one event per line, appended and synced
//! before the register is replaced: the history never lags the register).
//!
//! Decisions where the format is silent:
//! - `accredit` of an issuer already in the register updates it: keys from the new trust
//!   export are added (a rotated issuer key keeps its predecessors), and scope and window are
//!   replaced by what is given (a member not given keeps its value);
//! - `reinstate` lifts a suspension entirely: certificates the issuer signed during it count
//!   again (a suspension is precautionary). To end an accreditation for good, accredit again
//!   with `until`;
//! - the default start of an accreditation is the moment it is granted: what an issuer signed
//!   before is not vouched for unless the authority says so with `from`.

use crate::keys::{self, SecretKey};
use crate::model::format_time;
use crate::signer::KeySigner;
use crate::trust::{Scope, TrustAnchor, TrustList, TrustListAuthority, TrustedIssuer};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

mod possession;
pub use possession::{sign_export, verify_export, PossessionError, MAX_EXPORT_PROOFS};

const CONFIG: &str = "authority.json";
const KEY: &str = "authority-key.secret";
const REGISTER: &str = "accreditations.json";
const HISTORY: &str = "authority-history.jsonl";

/// Default freshness of a published trust list, days.
pub const DEFAULT_VALID_DAYS: u32 = 7;
/// Longest freshness of a published trust list, days.
pub const MAX_VALID_DAYS: u32 = 366;

/// Errors of an authority's data dir.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorityError {
    /// No authority in the data dir.
    #[error("no authority in {0} (create one with `skillcert authority init --name NAME`)")]
    NotInitialised(String),
    /// An authority already exists.
    #[error("an authority already exists in {0}")]
    AlreadyInitialised(String),
    /// A bad argument; names it.
    #[error("{0}")]
    Invalid(String),
    /// The issuer is not in the register.
    #[error("issuer {0} is not accredited by this authority (see `skillcert authority show`)")]
    NotFound(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A key file.
    #[error(transparent)]
    Key(#[from] keys::KeyError),
    /// A stored file is damaged.
    #[error("{0}")]
    Corrupt(String),
    /// A trust-list export does not prove possession of a key it lists.
    #[error(transparent)]
    Possession(#[from] PossessionError),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> AuthorityError + '_ {
    move |source| AuthorityError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// `authority.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AuthorityConfig {
    /// DID (`did:key:…`, or `did:web:…` with a base URL).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Public base URL, if any.
    pub base_url: Option<String>,
    /// The verification method of its key.
    pub verification_method: String,
    /// The public key, multibase.
    pub public_key_multibase: String,
    /// When it was created.
    pub created: DateTime<Utc>,
}

/// One event of the authority's history (`authority-history.jsonl`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuthorityEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`cli:USER`).
    pub actor: String,
    /// `init`, `accredit`, `suspend`, `reinstate`, `publish`.
    pub action: String,
    /// The issuer concerned (none for `init` and `publish`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// What changed, in words.
    pub details: String,
}

/// What `accredit` grants.
#[derive(Debug, Clone, Default)]
pub struct Grant {
    /// Scope members to set (`None`: keep, or unrestricted for a new issuer).
    pub scope: Scope,
    /// Start (`None`: keep, or now for a new issuer).
    pub from: Option<DateTime<Utc>>,
    /// End (`None`: keep, or open-ended for a new issuer).
    pub until: Option<DateTime<Utc>>,
    /// Number prefixes (`None`: keep, or for a new issuer the ones its export claims).
    pub numbers: Option<Vec<String>>,
}

/// An authority opened from its data dir.
pub struct Authority {
    dir: PathBuf,
    config: AuthorityConfig,
    key: SecretKey,
    register: Vec<TrustedIssuer>,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority")
            .field("id", &self.config.id)
            .field("issuers", &self.register.len())
            .field("key", &"[redacted]")
            .finish()
    }
}

impl Authority {
    /// Whether `dir` holds an authority.
    pub fn exists(dir: &Path) -> bool {
        dir.join(CONFIG).is_file()
    }

    /// Creates an authority in `dir`: a new key, its config, an empty register.
    pub fn init(
        dir: &Path,
        name: &str,
        base_url: Option<&str>,
        actor: &str,
    ) -> Result<Authority, AuthorityError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AuthorityError::Invalid(
                "--name: give the authority's name (1 to 200 characters)".into(),
            ));
        }
        if Authority::exists(dir) {
            return Err(AuthorityError::AlreadyInitialised(
                dir.display().to_string(),
            ));
        }
        crate::private_fs::create_dir_all(dir).map_err(io_err(dir))?;
        let key = SecretKey::generate();
        let public = key.public();
        let (id, vm) = match base_url {
            Some(u) => {
                let did = keys::did_web_for(u).map_err(|e| AuthorityError::Invalid(e.0))?;
                (did.clone(), format!("{did}#key-1"))
            }
            None => (keys::did_key(&public), keys::did_key_vm(&public)),
        };
        key.write_new(&dir.join(KEY))?;
        let config = AuthorityConfig {
            id,
            name: name.to_owned(),
            base_url: base_url.map(|u| u.trim_end_matches('/').to_owned()),
            verification_method: vm,
            public_key_multibase: keys::public_multibase(&public),
            created: crate::model::now_secs(),
        };
        let a = Authority {
            dir: dir.to_owned(),
            config,
            key,
            register: Vec::new(),
        };
        let text = serde_json::to_string_pretty(&a.config).unwrap_or_default();
        crate::private_fs::write_atomic(&dir.join(CONFIG), text.as_bytes()).map_err(io_err(dir))?;
        a.record(
            "init",
            None,
            actor,
            format!("authority {} created", a.config.id),
        )?;
        a.save_register()?;
        Ok(a)
    }

    /// Opens the authority in `dir`.
    pub fn open(dir: &Path) -> Result<Authority, AuthorityError> {
        if !Authority::exists(dir) {
            return Err(AuthorityError::NotInitialised(dir.display().to_string()));
        }
        let path = dir.join(CONFIG);
        let text = std::fs::read(&path).map_err(io_err(&path))?;
        let config: AuthorityConfig = serde_json::from_slice(&text)
            .map_err(|e| AuthorityError::Corrupt(format!("{}: {e}", path.display())))?;
        let key = SecretKey::load(&dir.join(KEY))?;
        if keys::public_multibase(&key.public()) != config.public_key_multibase {
            return Err(AuthorityError::Corrupt(format!(
                "{}: the key file does not match the public key in {CONFIG}",
                dir.join(KEY).display()
            )));
        }
        let path = dir.join(REGISTER);
        let bytes = std::fs::read(&path).map_err(io_err(&path))?;
        let list = TrustList::parse(&bytes)
            .map_err(|e| AuthorityError::Corrupt(format!("{}: {e}", path.display())))?;
        Ok(Authority {
            dir: dir.to_owned(),
            config,
            key,
            register: list.issuers,
        })
    }

    /// The config.
    pub fn config(&self) -> &AuthorityConfig {
        &self.config
    }

    /// The accredited issuers, as the register stands.
    pub fn register(&self) -> &[TrustedIssuer] {
        &self.register
    }

    /// The trust anchor verifiers are given.
    pub fn anchor(&self) -> TrustAnchor {
        TrustAnchor::new(&self.config.verification_method, self.key.public())
    }

    /// The history, oldest first.
    pub fn history(&self) -> Result<Vec<AuthorityEvent>, AuthorityError> {
        let path = self.dir.join(HISTORY);
        let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| {
                serde_json::from_str(l).map_err(|e| {
                    AuthorityError::Corrupt(format!("{} line {}: {e}", path.display(), n + 1))
                })
            })
            .collect()
    }

    /// Accredits the issuers of `issuers` (a file `skillcert trust export` wrote) as `grant`
    /// says. Returns their ids. Takes every key listed: for a file from elsewhere use
    /// [`Authority::accredit_export`], which first checks the file's proofs of possession.
    pub fn accredit(
        &mut self,
        issuers: &TrustList,
        grant: &Grant,
        actor: &str,
    ) -> Result<Vec<String>, AuthorityError> {
        if issuers.issuers.is_empty() {
            return Err(AuthorityError::Invalid(
                "the trust list names no issuer to accredit".into(),
            ));
        }
        if let (Some(f), Some(u)) = (grant.from, grant.until) {
            if u <= f {
                return Err(AuthorityError::Invalid(
                    "--until: must be after --from".into(),
                ));
            }
        }
        let now = crate::model::now_secs();
        let mut next = self.register.clone();
        let mut events = Vec::new();
        for incoming in &issuers.issuers {
            if incoming.keys.is_empty() {
                return Err(AuthorityError::Invalid(format!(
                    "issuer {} has no key in the trust list",
                    incoming.id
                )));
            }
            let entry = match next.iter_mut().find(|i| i.id == incoming.id) {
                Some(e) => e,
                None => {
                    next.push(TrustedIssuer {
                        id: incoming.id.clone(),
                        name: incoming.name.clone(),
                        status_origins: incoming.status_origins.clone(),
                        accredited_from: Some(now),
                        scope: Some(Scope::default()),
                        ..TrustedIssuer::default()
                    });
                    next.last_mut().expect("just pushed")
                }
            };
            apply(entry, incoming, grant);
            events.push((entry.id.clone(), describe_entry(entry)));
        }
        // The whole register must still be a valid list (one key, one issuer).
        self.list_of(next.clone())
            .check()
            .map_err(|e| AuthorityError::Invalid(e.to_string()))?;
        for (id, what) in &events {
            self.record("accredit", Some(id), actor, what.clone())?;
        }
        self.register = next;
        self.save_register()?;
        Ok(events.into_iter().map(|(id, _)| id).collect())
    }

    /// Suspends `issuer_id`'s accreditation from `from`.
    pub fn suspend(
        &mut self,
        issuer_id: &str,
        from: DateTime<Utc>,
        reason: &str,
        actor: &str,
    ) -> Result<(), AuthorityError> {
        if reason.trim().is_empty() {
            return Err(AuthorityError::Invalid("--reason: say why".into()));
        }
        let i = self.position(issuer_id)?;
        let what = format!("suspended from {}: {}", format_time(&from), reason.trim());
        self.record("suspend", Some(issuer_id), actor, what)?;
        self.register[i].suspended_from = Some(from);
        self.save_register()
    }

    /// Lifts `issuer_id`'s suspension.
    pub fn reinstate(
        &mut self,
        issuer_id: &str,
        reason: &str,
        actor: &str,
    ) -> Result<(), AuthorityError> {
        let i = self.position(issuer_id)?;
        let Some(was) = self.register[i].suspended_from else {
            return Err(AuthorityError::Invalid(format!(
                "issuer {issuer_id} is not suspended"
            )));
        };
        let what = format!(
            "suspension from {} lifted{}",
            format_time(&was),
            if reason.trim().is_empty() {
                String::new()
            } else {
                format!(": {}", reason.trim())
            }
        );
        self.record("reinstate", Some(issuer_id), actor, what)?;
        self.register[i].suspended_from = None;
        self.save_register()
    }

    /// The signed trust list as of `now`, fresh for `valid_days` days.
    pub fn publish(
        &self,
        now: DateTime<Utc>,
        valid_days: u32,
        actor: &str,
    ) -> Result<serde_json::Value, AuthorityError> {
        if valid_days == 0 || valid_days > MAX_VALID_DAYS {
            return Err(AuthorityError::Invalid(format!(
                "--valid-days: between 1 and {MAX_VALID_DAYS}"
            )));
        }
        let mut list = self.list_of(self.register.clone());
        list.valid_from = Some(now);
        list.valid_until = Some(now + Duration::days(i64::from(valid_days)));
        let signer = KeySigner::new(&self.key, &self.config.verification_method);
        let signed = list
            .sign(&signer, &now)
            .map_err(|e| AuthorityError::Invalid(e.to_string()))?;
        let what = format!(
            "trust list of {} issuer(s), fresh until {}",
            self.register.len(),
            format_time(&(now + Duration::days(i64::from(valid_days))))
        );
        self.record("publish", None, actor, what)?;
        Ok(signed)
    }

    fn list_of(&self, issuers: Vec<TrustedIssuer>) -> TrustList {
        let mut list = TrustList::empty();
        list.authority = Some(TrustListAuthority {
            id: self.config.id.clone(),
            name: self.config.name.clone(),
        });
        list.issuers = issuers;
        list
    }

    fn position(&self, issuer_id: &str) -> Result<usize, AuthorityError> {
        self.register
            .iter()
            .position(|i| i.id == issuer_id)
            .ok_or_else(|| AuthorityError::NotFound(issuer_id.to_owned()))
    }

    /// Appends one event to the history and syncs it.
    fn record(
        &self,
        action: &str,
        issuer: Option<&str>,
        actor: &str,
        details: String,
    ) -> Result<(), AuthorityError> {
        let e = AuthorityEvent {
            at: Utc::now(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            issuer: issuer.map(str::to_owned),
            details,
        };
        let path = self.dir.join(HISTORY);
        if !path.exists() {
            crate::private_fs::create_empty(&path).map_err(io_err(&path))?;
        }
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io_err(&path))?;
        let line = serde_json::to_string(&e).unwrap_or_default();
        writeln!(f, "{line}").map_err(io_err(&path))?;
        f.sync_all().map_err(io_err(&path))
    }

    fn save_register(&self) -> Result<(), AuthorityError> {
        let list = self.list_of(self.register.clone());
        let path = self.dir.join(REGISTER);
        crate::private_fs::write_atomic(&path, list.to_json_pretty().as_bytes())
            .map_err(io_err(&path))
    }
}

/// Applies `grant` and the keys of `incoming` to a register entry.
fn apply(entry: &mut TrustedIssuer, incoming: &TrustedIssuer, grant: &Grant) {
    if !incoming.name.is_empty() {
        entry.name = incoming.name.clone();
    }
    for k in &incoming.keys {
        match entry.keys.iter_mut().find(|m| m.id == k.id) {
            Some(mine) => *mine = k.clone(),
            None => entry.keys.push(k.clone()),
        }
    }
    for o in &incoming.status_origins {
        if !entry.status_origins.contains(o) {
            entry.status_origins.push(o.clone());
        }
    }
    match &grant.numbers {
        Some(n) => entry.numbers = n.clone(),
        None if entry.numbers.is_empty() => entry.numbers = incoming.numbers.clone(),
        None => {}
    }
    let scope = entry.scope.get_or_insert_with(Scope::default);
    if grant.scope.frameworks.is_some() {
        scope.frameworks = grant.scope.frameworks.clone();
    }
    if grant.scope.programs.is_some() {
        scope.programs = grant.scope.programs.clone();
    }
    if grant.scope.levels.is_some() {
        scope.levels = grant.scope.levels.clone();
    }
    if grant.from.is_some() {
        entry.accredited_from = grant.from;
    }
    if grant.until.is_some() {
        entry.accredited_until = grant.until;
    }
}

/// `scope …; from … until …` of an entry, for the history.
pub fn describe_entry(e: &TrustedIssuer) -> String {
    let t = |x: &Option<DateTime<Utc>>| x.as_ref().map_or("-".to_owned(), format_time);
    format!(
        "{}; numbers {}; accredited from {} until {}{}; {} key(s)",
        e.scope.clone().unwrap_or_default().describe(),
        if e.numbers.is_empty() {
            "none".to_owned()
        } else {
            e.numbers.join(", ")
        },
        t(&e.accredited_from),
        t(&e.accredited_until),
        e.suspended_from
            .map(|s| format!("; suspended from {}", format_time(&s)))
            .unwrap_or_default(),
        e.keys.len()
    )
}

#[cfg(test)]
mod tests;
