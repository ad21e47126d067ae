//! The issuing body's data dir: config, keys, and signing of certificates.
//!
//! Layout of `--data-dir`: `config.json` (issuer profile and the public half of every key),
//! `keys/key-N.secret` (0600, create-new; a retired key's file is destroyed when rotated out),
//! and the issuer's database (the `registry` module, when built). Folders the issuer creates are 0700 and files it
//! writes 0600, whatever the umask ([`crate::private_fs`]).

use crate::keys::{self, IdKey, SecretKey};
use crate::model::number::NumberingScheme;
use crate::model::{Claims, Holder, IdBinding, IssuerProfile, Level, Program};
use crate::proof;
use crate::request::{CheckedRequest, Validity};
use crate::signer::{IssuerSigner, Signer};
use crate::trust::{TrustList, TrustedIssuer, TrustedKey};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::path::{Path, PathBuf};
use uuid::Uuid;

pub use crate::keys::{did_web_for, BaseUrlError};
pub use crate::model::{add_years, end_of_day_years, now_secs};

/// Public URL of an issuer created without `--base-url` (where `skillcert serve` listens by default).
pub const DEFAULT_PUBLIC_URL: &str = "http://localhost:8080";

/// Default freshness limit of status list credentials (24 h).
pub const DEFAULT_STATUS_TTL_SECS: u64 = 24 * 3600;

/// Errors of the issuer's data dir.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssuerError {
    /// No issuer in the data dir.
    #[error("no issuer in {0}")]
    NotInitialised(String),
    /// An issuer already exists.
    #[error("an issuer already exists in {0}")]
    AlreadyInitialised(String),
    /// Bad configuration or argument; names it.
    #[error("{0}")]
    Invalid(String),
    /// The base URL gives no `did:web` issuer.
    #[error("base URL: {0}")]
    BaseUrl(#[from] BaseUrlError),
    /// A `did:key` issuer cannot rotate: it *is* its key.
    #[error("key rotation needs a did:web issuer (one created with a base URL); a did:key issuer is its key")]
    NotRotatable,
    /// A key problem.
    #[error(transparent)]
    Key(#[from] keys::KeyError),
    /// I/O on the data dir.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A claim is wrong.
    #[error(transparent)]
    Model(#[from] crate::model::ModelError),
    /// Signing failed.
    #[error(transparent)]
    Proof(#[from] proof::ProofError),
    /// The rotation is done, but the retired secret key file could not be destroyed.
    #[error(
        "the new signing key {active_key} is active, but the retired secret key file {path} \
         could not be destroyed ({source}); remove it by hand"
    )]
    RetiredKeyNotDestroyed {
        /// The new active key.
        active_key: String,
        /// The retired key file.
        path: String,
        /// Why.
        source: keys::KeyError,
    },
}

/// What `key rotate` does with the retired key's secret file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetiredSecret {
    /// Overwrite and remove it (the default): a stolen retired key could still sign
    /// certificates dated inside its old signing life.
    Destroy,
    /// Keep it (mode 0600), for an operator who must; the CLI warns.
    Keep,
}

/// The outcome of a key rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// The new active key's verification method id.
    pub active_key: String,
    /// The retired key's verification method id.
    pub retired_key: String,
    /// The retired key's secret file (gone when destroyed).
    pub retired_file: PathBuf,
    /// What was done with it.
    pub retired_secret: RetiredSecret,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> IssuerError + '_ {
    move |source| IssuerError::Io {
        path: path.display().to_string(),
        source,
    }
}

mod config;
pub use config::{IdPrint, IssuerConfig, KeyRecord, PrintConfig};

/// A signed certificate in its document form, with its claims.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The claims.
    pub claims: Claims,
    /// The signed JSON document.
    pub document: Value,
    /// The `vc+jwt` token form.
    pub token: String,
    /// The QR text form (`HTTPS://HOST/V/<digits>`).
    pub qr_text: String,
    /// The holder's own copy of the document, when a national ID was given: the same claims
    /// plus the ID as an Open Badges salted hash under a salt of its own (see
    /// [`Issuer::holder_copy`]). Never published: it is for the holder to disclose.
    pub holder_copy: Option<Value>,
}

/// The file of the issuer's holder-ID secret, relative to the data dir.
pub const ID_KEY_FILE: &str = "keys/holder-id.secret";

/// An issuer opened from its data dir, holding its active secret key.
#[derive(Debug)]
pub struct Issuer {
    dir: PathBuf,
    config: IssuerConfig,
    key: SecretKey,
    /// The holder-ID secret, read on first use.
    id_key: std::sync::OnceLock<IdKey>,
}

/// Makes a kept secret key file owner-only (0600) again.
fn keep_owner_only(path: &Path) -> Result<(), IssuerError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(io_err(path))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

impl Issuer {
    /// Whether `dir` holds an issuer.
    pub fn exists(dir: &Path) -> bool {
        dir.join("config.json").exists()
    }

    /// Creates an issuer: key pair, config. Refuses an existing issuer.
    pub fn init(dir: &Path, name: &str, base_url: Option<&str>) -> Result<Issuer, IssuerError> {
        if Self::exists(dir) {
            return Err(IssuerError::AlreadyInitialised(dir.display().to_string()));
        }
        let name = crate::model::normalize_text("name", name, crate::model::MAX_NAME_CHARS)?;
        crate::model::text::check_name_chars("name", &name)?;
        let base_url = base_url.map(|u| u.trim_end_matches('/').to_owned());
        // Owner-only whatever the umask: the folder holds the secret keys.
        crate::private_fs::create_dir_all(&dir.join("keys")).map_err(io_err(dir))?;
        let key = SecretKey::generate();
        let public = keys::public_multibase(&key.public());
        let (id, vm) = match &base_url {
            Some(u) => {
                let did = did_web_for(u)?;
                (did.clone(), format!("{did}#key-1"))
            }
            None => (
                keys::did_key(&key.public()),
                keys::did_key_vm(&key.public()),
            ),
        };
        let file = "keys/key-1.secret".to_owned();
        key.write_new(&dir.join(&file))?;
        IdKey::generate().write_new(&dir.join(ID_KEY_FILE))?;
        let config = IssuerConfig {
            version: 1,
            id,
            name,
            base_url,
            keys: vec![KeyRecord {
                id: vm.clone(),
                file,
                public_key_multibase: public,
                valid_from: now_secs(),
                valid_until: None,
                compromised_from: None,
            }],
            active_key: vm,
            status_ttl_secs: DEFAULT_STATUS_TTL_SECS,
            numbering: NumberingScheme::default(),
            print: PrintConfig::default(),
            proofs: config::default_proofs(),
        };
        let issuer = Issuer {
            dir: dir.to_owned(),
            config,
            key,
            id_key: std::sync::OnceLock::new(),
        };
        issuer.save_config()?;
        Ok(issuer)
    }

    /// Sets how certificates are numbered from now on (serials already allocated stay used).
    pub fn set_numbering(&mut self, scheme: NumberingScheme) -> Result<(), IssuerError> {
        scheme.check()?;
        self.config.numbering = scheme;
        self.save_config()
    }

    /// Sets how certificates are printed.
    pub fn set_print(&mut self, print: PrintConfig) -> Result<(), IssuerError> {
        self.config.print = print;
        self.save_config()
    }

    /// The print extras of a certificate as recorded and printed: the ID number in full or
    /// masked (the issuer's choice), the ID type defaulting to 居民身份证 when an ID is given, the
    /// photo as an absolute path (relative paths are taken from `base`), so that the page can
    /// be printed again later.
    pub fn print_extras(
        &self,
        mut p: crate::request::PrintExtras,
        national_id: Option<&str>,
        base: &Path,
    ) -> crate::request::PrintExtras {
        let masked = self.config.print.id_number == IdPrint::Masked;
        p.id_number = national_id.map(|n| crate::request::PrintExtras::print_id(n, masked));
        if p.id_number.is_some() && p.id_type.is_none() {
            p.id_type = Some("居民身份证".into());
        }
        if let Some(photo) = p.photo.take() {
            let full = base.join(&photo);
            p.photo = Some(
                std::path::absolute(&full)
                    .unwrap_or(full)
                    .display()
                    .to_string(),
            );
        }
        p
    }

    /// Opens the issuer in `dir`.
    pub fn open(dir: &Path) -> Result<Issuer, IssuerError> {
        let path = dir.join("config.json");
        if !path.exists() {
            return Err(IssuerError::NotInitialised(dir.display().to_string()));
        }
        let text = std::fs::read(&path).map_err(io_err(&path))?;
        let config: IssuerConfig = serde_json::from_slice(&text)
            .map_err(|e| IssuerError::Invalid(format!("{}: {e}", path.display())))?;
        config
            .numbering
            .check()
            .map_err(|e| IssuerError::Invalid(format!("{}: {e}", path.display())))?;
        let rec = config
            .keys
            .iter()
            .find(|k| k.id == config.active_key)
            .ok_or_else(|| {
                IssuerError::Invalid("config.json: activeKey is not among keys".into())
            })?;
        let key = SecretKey::load(&dir.join(&rec.file))?;
        if keys::public_multibase(&key.public()) != rec.public_key_multibase {
            return Err(IssuerError::Invalid(format!(
                "{}: does not match config.json",
                rec.file
            )));
        }
        Ok(Issuer {
            dir: dir.to_owned(),
            config,
            key,
            id_key: std::sync::OnceLock::new(),
        })
    }

    fn save_config(&self) -> Result<(), IssuerError> {
        let path = self.dir.join("config.json");
        let tmp = self.dir.join("config.json.tmp");
        let text = serde_json::to_string_pretty(&self.config).expect("serializable");
        crate::private_fs::write(&tmp, text.as_bytes()).map_err(io_err(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io_err(&path))?;
        Ok(())
    }

    /// The data dir.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The configuration.
    pub fn config(&self) -> &IssuerConfig {
        &self.config
    }

    /// The issuer profile put on certificates.
    pub fn profile(&self) -> IssuerProfile {
        IssuerProfile {
            id: self.config.id.clone(),
            name: self.config.name.clone(),
            url: self.config.base_url.clone(),
        }
    }

    /// The active signing key.
    pub fn signing_key(&self) -> &SecretKey {
        &self.key
    }

    /// The active key's verification method id.
    pub fn verification_method(&self) -> &str {
        &self.config.active_key
    }

    /// The issuer id (DID).
    pub fn id(&self) -> &str {
        &self.config.id
    }

    /// A trust list naming this issuer and every one of its keys.
    pub fn trust_list(&self) -> TrustList {
        let mut t = TrustList::empty();
        t.issuers.push(TrustedIssuer {
            id: self.config.id.clone(),
            name: self.config.name.clone(),
            numbers: self.config.numbering.number_prefixes(),
            keys: self
                .config
                .keys
                .iter()
                .map(|k| TrustedKey {
                    id: k.id.clone(),
                    key_type: "Multikey".into(),
                    public_key_multibase: k.public_key_multibase.clone(),
                    valid_from: Some(k.valid_from),
                    valid_until: k.valid_until,
                    compromised_from: k.compromised_from,
                    compromise_grace_days: None,
                })
                .collect(),
            // Its status lists live under its public URL (`{public_url}/status/{n}`).
            status_origins: crate::trust::url_origin(self.public_url())
                .into_iter()
                .collect(),
            ..TrustedIssuer::default()
        });
        t
    }

    /// Starts a new signing key and destroys the retired one's secret file (see
    /// [`Issuer::rotate`]); returns the new verification method id.
    pub fn rotate_key(&mut self) -> Result<String, IssuerError> {
        Ok(self.rotate(RetiredSecret::Destroy)?.active_key)
    }

    /// Starts a new signing key; the old one's signing life ends now (what it signed stays
    /// valid: its public half stays in `config.json`). The retired secret file is destroyed
    /// unless `retired` is [`RetiredSecret::Keep`]; it is destroyed only after the new config
    /// is saved, so a crash never leaves the config without its active key. Only `did:web`
    /// issuers can rotate: a `did:key` issuer *is* its key.
    pub fn rotate(&mut self, retired: RetiredSecret) -> Result<Rotation, IssuerError> {
        if !self.config.id.starts_with("did:web:") {
            return Err(IssuerError::NotRotatable);
        }
        let now = now_secs();
        let n = self.config.keys.len() + 1;
        let key = SecretKey::generate();
        let file = format!("keys/key-{n}.secret");
        key.write_new(&self.dir.join(&file))?;
        let vm = format!("{}#key-{n}", self.config.id);
        let retired_key = self.config.active_key.clone();
        let mut retired_file = None;
        for k in &mut self.config.keys {
            if k.id == retired_key {
                // Proof times are whole seconds: a certificate signed in this very second, just
                // before the rotation, must stay inside the old key's signing life.
                k.valid_until = Some(now + Duration::seconds(1));
                retired_file = Some(self.dir.join(&k.file));
            }
        }
        self.config.keys.push(KeyRecord {
            id: vm.clone(),
            file,
            public_key_multibase: keys::public_multibase(&key.public()),
            valid_from: now,
            valid_until: None,
            compromised_from: None,
        });
        self.config.active_key = vm.clone();
        self.key = key;
        self.save_config()?;
        let retired_file = retired_file.expect("the active key is among the keys");
        match retired {
            RetiredSecret::Destroy if retired_file.exists() => {
                keys::destroy_key_file(&retired_file).map_err(|source| {
                    IssuerError::RetiredKeyNotDestroyed {
                        active_key: vm.clone(),
                        path: retired_file.display().to_string(),
                        source,
                    }
                })?
            }
            RetiredSecret::Destroy => {}
            RetiredSecret::Keep => keep_owner_only(&retired_file)?,
        }
        Ok(Rotation {
            active_key: vm,
            retired_key,
            retired_file,
            retired_secret: retired,
        })
    }

    /// The claims for a checked request (without status entries; the issuer's database adds those).
    pub fn claims_for(
        &self,
        req: &CheckedRequest,
        now: DateTime<Utc>,
    ) -> Result<Claims, IssuerError> {
        let id = req.id.unwrap_or_else(Uuid::new_v4);
        // Certificates speak in whole seconds (the QR form stores Unix seconds).
        let valid_from = req.valid_from.unwrap_or(now);
        let valid_from =
            valid_from - Duration::nanoseconds(i64::from(valid_from.timestamp_subsec_nanos()));
        let valid_until = match req.validity {
            Validity::Until(u) => {
                Some(u - Duration::nanoseconds(i64::from(u.timestamp_subsec_nanos())))
            }
            Validity::Years(0) => None,
            Validity::Years(y) => Some(end_of_day_years(valid_from, y)),
            Validity::Default => match req.framework.default_valid_years() {
                0 => None,
                y => Some(end_of_day_years(valid_from, y)),
            },
        };
        let claims = Claims {
            id,
            issuer: self.profile(),
            holder: Holder {
                name: req.holder_name.clone(),
                name_latin: req.holder_latin.clone(),
                // The public forms carry nothing derived from the ID: it goes to the issuer's database
                // (keyed) and to the holder's copy only.
                id_binding: None,
            },
            program: Program {
                name: req.program_name.clone(),
                code: req.program_code.clone(),
            },
            level: Level {
                framework: req.framework,
                value: req.level.clone(),
            },
            valid_from,
            valid_until,
            status: vec![],
            number: None,
        };
        claims.validate()?;
        // Also the issuer's name from config.json: nothing invisible is signed into a name.
        crate::model::text::check_claim_names(&claims)?;
        Ok(claims)
    }

    /// The cryptosuites of issued documents (`config.json` `proofs`), checked.
    pub fn proof_suites(&self) -> Result<Vec<proof::Cryptosuite>, IssuerError> {
        let suites = self
            .config
            .proofs
            .iter()
            .map(|n| {
                proof::Cryptosuite::from_name(n).ok_or_else(|| {
                    IssuerError::Invalid(format!("config.json proofs: unknown cryptosuite {n}"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let distinct = suites
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len();
        if suites.is_empty() || distinct != suites.len() {
            return Err(IssuerError::Invalid(
                "config.json proofs: one or more distinct cryptosuites are needed".into(),
            ));
        }
        Ok(suites)
    }

    /// Signs the document form of `claims` with a proof per configured cryptosuite
    /// (`eddsa-jcs-2022` and `eddsa-rdfc-2022` by default).
    pub fn sign_document(&self, claims: &Claims, now: DateTime<Utc>) -> Result<Value, IssuerError> {
        let suites = self.proof_suites()?;
        let mut doc = proof::sign_with(&claims.to_document(), self, &now, &suites)?;
        // The Open Badges 3.0 schema wants `proof` as an array: a proof set, maybe of one. The
        // signature does not depend on the form (`proof` is removed before hashing).
        if let Some(p) = doc.get_mut("proof").filter(|p| p.is_object()) {
            *p = Value::Array(vec![p.take()]);
        }
        Ok(doc)
    }

    /// The issuer's holder-ID secret (`keys/holder-id.secret`, made 0600 on first use).
    pub fn id_key(&self) -> Result<&IdKey, IssuerError> {
        if let Some(k) = self.id_key.get() {
            return Ok(k);
        }
        let k = IdKey::load_or_create(&self.dir.join(ID_KEY_FILE))?;
        Ok(self.id_key.get_or_init(|| k))
    }

    /// The holder's own copy of a certificate: `claims` plus `national_id` as an Open Badges
    /// salted hash, signed like the public document. The salt is 128 bits derived from the
    /// issuer's holder-ID secret and the credential id (unpredictable to anyone without the
    /// secret, unique per certificate, and the same each time the copy is made again); it
    /// appears in this copy only, never in the QR, the token, the register or a page.
    pub fn holder_copy(
        &self,
        claims: &Claims,
        national_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Value, IssuerError> {
        let salt = self.id_key()?.copy_salt(&claims.id);
        let mut copy = claims.clone();
        copy.holder.id_binding = Some(IdBinding::new(national_id, salt));
        self.sign_document(&copy, now)
    }

    /// [`sign_all`](Self::sign_all), plus the holder's copy when `national_id` is given.
    pub fn sign_all_for(
        &self,
        claims: Claims,
        national_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Issued, IssuerError> {
        let copy = national_id
            .map(|n| self.holder_copy(&claims, n, now))
            .transpose()?;
        let mut issued = self.sign_all(claims, now)?;
        issued.holder_copy = copy;
        Ok(issued)
    }

    /// Every public signed form of `claims` (the issuer's database calls this after adding status
    /// entries). Refuses claims that carry a holder's-copy ID binding: those are never public.
    pub fn sign_all(&self, claims: Claims, now: DateTime<Utc>) -> Result<Issued, IssuerError> {
        if claims
            .holder
            .id_binding
            .as_ref()
            .is_some_and(|b| !b.is_legacy(&claims.id))
        {
            return Err(IssuerError::Invalid(
                "a holder's copy is signed with Issuer::holder_copy, never as a public form".into(),
            ));
        }
        let document = self.sign_document(&claims, now)?;
        let token = crate::token::sign_token(self, &claims, &document, now);
        let qr_text = crate::qr::qr_text_for(self, &claims, now)
            .map_err(|e| IssuerError::Invalid(e.to_string()))?;
        Ok(Issued {
            claims,
            document,
            token,
            qr_text,
            holder_copy: None,
        })
    }

    /// Claims and signed forms for a request without an issuer's database (so without status entries).
    pub fn issue_unregistered(&self, req: &CheckedRequest) -> Result<Issued, IssuerError> {
        let now = now_secs();
        let claims = self.claims_for(req, now)?;
        self.sign_all_for(claims, req.national_id.as_deref(), now)
    }

    /// The URL the issuer's public site is reached at: the base URL, or
    /// [`DEFAULT_PUBLIC_URL`] for a `did:key` issuer without one.
    pub fn public_url(&self) -> &str {
        self.config
            .base_url
            .as_deref()
            .unwrap_or(DEFAULT_PUBLIC_URL)
    }
}

impl Signer for Issuer {
    fn verification_method(&self) -> &str {
        &self.config.active_key
    }

    fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg)
    }

    fn public_key(&self) -> ed25519_dalek::VerifyingKey {
        self.key.public()
    }
}

impl IssuerSigner for Issuer {
    fn issuer_id(&self) -> &str {
        &self.config.id
    }

    fn public_url(&self) -> &str {
        Issuer::public_url(self)
    }

    fn status_ttl_secs(&self) -> u64 {
        self.config.status_ttl_secs
    }
}
