//! From a checked request to a certificate: its claims, and every signed form of them (the
//! document, the token, the QR text and, when an ID is given, the holder's own copy).

use super::{end_of_day_years, now_secs, Issuer, IssuerError, ID_KEY_FILE};
use crate::keys::IdKey;
use crate::model::{Claims, Holder, IdBinding, Level, Program};
use crate::proof;
use crate::request::{CheckedRequest, Validity};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use uuid::Uuid;

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

impl Issuer {
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
}
