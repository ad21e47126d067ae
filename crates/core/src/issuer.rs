//! The issuing body's data dir: config, keys, and signing of certificates.
//!
//! The [`Issuer`] is opened (or created) here; its signed forms are made in `issuing.rs`
//! ([`Issuer::claims_for`], [`Issuer::sign_all`], [`Issued`]) and its keys rotated in
//! `rotation.rs` ([`Issuer::rotate`]).
//!
//! Layout of `--data-dir`: `config.json` (issuer profile and the public half of every key),
//! `keys/key-N.secret` (0600, create-new; a retired key's file is destroyed when rotated out),
//! and the issuer's database (the `registry` module, when built). Folders the issuer creates are 0700 and files it
//! writes 0600, whatever the umask ([`crate::private_fs`]).

use crate::keys::{self, IdKey, SecretKey};
use crate::model::number::NumberingScheme;
use crate::model::IssuerProfile;
use crate::proof;
use crate::signer::{IssuerSigner, Signer};
use crate::trust::{TrustList, TrustedIssuer, TrustedKey};
use std::path::{Path, PathBuf};

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

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> IssuerError + '_ {
    move |source| IssuerError::Io {
        path: path.display().to_string(),
        source,
    }
}

mod config;
mod issuing;
mod rotation;
pub use config::{IdPrint, IssuerConfig, KeyRecord, PrintConfig};
pub use issuing::Issued;
pub use rotation::{RetiredSecret, Rotation};

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
