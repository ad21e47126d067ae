//! The token form: a `vc+jwt` compact JWS (W3C VC-JOSE-COSE), `alg` `EdDSA` (Ed25519).
//!
//! Header `{"alg":"EdDSA","kid":<verification method>,"typ":"vc+jwt","cty":"vc"}`; payload =
//! the credential document without `proof`, plus `iss` (issuer id), `jti` (credential id) and
//! NumericDate `iat`, `nbf` (= `validFrom`) and `exp` (= `validUntil`, when there is one).
//! Any JOSE library with the issuer's public key verifies it.

use crate::jcs;
use crate::keys::SecretKey;
use crate::model::{parse_time, time_from_unix, Claims, StatusRef, VC_V2_CONTEXT};
use crate::signer::{KeySigner, Signer};
use crate::trust::SigningTime;
use crate::verify::{Format, ParseError, Parts, UnverifiedCredential, MAX_DOCUMENT};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// Largest token accepted (characters): the base64url form of the largest document, plus room.
pub const MAX_TOKEN: usize = MAX_DOCUMENT / 3 * 4 + (8 << 10);
/// Largest protected header accepted (bytes, decoded).
pub const MAX_HEADER: usize = 4096;
/// The `typ` of a VC-JOSE-COSE credential token.
pub const TYP: &str = "vc+jwt";
/// The `cty` of a VC-JOSE-COSE credential token.
pub const CTY: &str = "vc";
/// JWT claims the token adds to the credential.
const JWT_CLAIMS: [&str; 5] = ["iss", "jti", "iat", "nbf", "exp"];

pub use crate::verify::TokenError;

/// Signs `document` (its `proof`, if any, is left out) as a `vc+jwt` with `signer`'s key.
pub fn sign_token(
    signer: &dyn Signer,
    claims: &Claims,
    document: &Value,
    now: DateTime<Utc>,
) -> String {
    let header =
        json!({"alg": "EdDSA", "kid": signer.verification_method(), "typ": TYP, "cty": CTY});
    let mut payload = document.as_object().cloned().unwrap_or_default();
    payload.remove("proof");
    payload.insert("iss".into(), json!(claims.issuer.id));
    payload.insert("jti".into(), json!(claims.id_urn()));
    payload.insert("iat".into(), json!(now.timestamp()));
    payload.insert("nbf".into(), json!(claims.valid_from.timestamp()));
    if let Some(u) = claims.valid_until {
        payload.insert("exp".into(), json!(u.timestamp()));
    }
    let input = format!(
        "{}.{}",
        B64URL.encode(serde_json::to_vec(&header).expect("serializable")),
        B64URL.encode(serde_json::to_vec(&Value::Object(payload)).expect("serializable"))
    );
    let sig = signer.sign(input.as_bytes());
    format!("{input}.{}", B64URL.encode(sig))
}

/// [`sign_token`] with an explicit key and verification method (test vectors).
pub fn sign_token_with(
    key: &SecretKey,
    verification_method: &str,
    claims: &Claims,
    document: &Value,
    now: DateTime<Utc>,
) -> String {
    sign_token(
        &KeySigner::new(key, verification_method),
        claims,
        document,
        now,
    )
}

/// Whether `b` looks like a compact JWS (before full parsing): `eyJ`, base64url characters
/// and exactly two dots. One pass over a table: this runs on every line of a batch.
pub fn looks_like_token(b: &[u8]) -> bool {
    /// The characters of a compact JWS: base64url's and the dot (marked 2, to be counted).
    const JWS: [u8; 256] = {
        let mut t = [0u8; 256];
        let mut c = 0;
        while c < 256 {
            let ch = c as u8;
            if ch.is_ascii_alphanumeric() || ch == b'-' || ch == b'_' {
                t[c] = 1;
            }
            c += 1;
        }
        t[b'.' as usize] = 2;
        t
    };
    let mut dots = 0usize;
    let mut bad = false;
    for c in b {
        let k = JWS[usize::from(*c)];
        bad |= k == 0;
        dots += usize::from(k >> 1);
    }
    b.starts_with(b"eyJ") && !bad && dots == 2
}

fn syntax(m: impl Into<String>) -> TokenError {
    TokenError::Syntax(m.into())
}
fn header_err(m: impl Into<String>) -> TokenError {
    TokenError::Header(m.into())
}
fn payload_err(m: impl Into<String>) -> TokenError {
    TokenError::Payload(m.into())
}

fn b64_part(name: &str, s: &str) -> Result<Vec<u8>, TokenError> {
    B64URL
        .decode(s)
        .map_err(|e| syntax(format!("{name} is not base64url without padding: {e}")))
}

fn numeric_date(name: &str, v: &Value) -> Result<DateTime<Utc>, TokenError> {
    v.as_i64()
        .and_then(time_from_unix)
        .ok_or_else(|| payload_err(format!("{name}: must be a NumericDate (integer seconds)")))
}

/// A parsed, unverified token.
#[derive(Debug, Clone)]
pub struct ParsedToken {
    /// The protected header.
    pub header: Map<String, Value>,
    /// The payload (credential plus JWT claims).
    pub payload: Map<String, Value>,
    /// The JWS signing input (`header.payload`, ASCII).
    pub signing_input: Vec<u8>,
    /// The Ed25519 signature.
    pub signature: [u8; 64],
}

/// Parses a compact JWS and checks its header (`alg` EdDSA/Ed25519, `typ` vc+jwt, `cty` vc,
/// no `crit`, a `kid`). Does not check the signature.
pub fn parse_token(text: &str) -> Result<ParsedToken, TokenError> {
    let t = text.trim();
    if t.len() > MAX_TOKEN {
        return Err(syntax(format!("longer than {MAX_TOKEN} characters")));
    }
    let mut parts = t.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(syntax(
            "a compact JWS has exactly three dot-separated parts",
        ));
    };
    if h.len() > MAX_HEADER * 4 / 3 + 4 {
        return Err(header_err("too long"));
    }
    let hb = b64_part("header", h)?;
    let header = match jcs::parse_strict(&hb, MAX_HEADER) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return Err(header_err("must be a JSON object")),
        Err(e) => return Err(header_err(e.to_string())),
    };
    let str_param = |k: &str| -> Result<Option<&str>, TokenError> {
        match header.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(header_err(format!("{k}: must be a string"))),
        }
    };
    match str_param("alg")? {
        Some("EdDSA" | "Ed25519") => {}
        Some(a) => return Err(header_err(format!("alg: {a:?} is not EdDSA/Ed25519"))),
        None => return Err(header_err("alg: missing")),
    }
    match str_param("typ")? {
        None | Some("vc+jwt" | "application/vc+jwt") => {}
        Some(x) => return Err(header_err(format!("typ: {x:?} is not vc+jwt"))),
    }
    match str_param("cty")? {
        None | Some("vc" | "application/vc") => {}
        Some(x) => return Err(header_err(format!("cty: {x:?} is not vc"))),
    }
    if header.contains_key("crit") {
        return Err(header_err("crit: no critical extensions are supported"));
    }
    match str_param("kid")? {
        Some(k) if !k.is_empty() && k.len() <= 1024 => {}
        _ => return Err(header_err("kid: missing or empty")),
    }
    let pb = b64_part("payload", p)?;
    let payload = match jcs::parse_strict(&pb, MAX_DOCUMENT) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return Err(payload_err("must be a JSON object")),
        Err(e) => return Err(payload_err(e.to_string())),
    };
    let sb = b64_part("signature", s)?;
    let signature: [u8; 64] = sb
        .try_into()
        .map_err(|_| syntax("signature: an Ed25519 signature is 64 bytes"))?;
    Ok(ParsedToken {
        header,
        payload,
        signing_input: t.as_bytes()[..h.len() + 1 + p.len()].to_vec(),
        signature,
    })
}

fn credential_of(tok: ParsedToken) -> Result<UnverifiedCredential, TokenError> {
    let p = &tok.payload;
    for k in ["vc", "vp"] {
        if p.contains_key(k) {
            return Err(payload_err(format!(
                "{k}: VC-JOSE-COSE forbids the JWT claim {k:?}; the payload is the credential itself"
            )));
        }
    }
    if p.get("@context")
        .and_then(|c| c.get(0))
        .and_then(Value::as_str)
        != Some(VC_V2_CONTEXT)
    {
        return Err(payload_err(format!(
            "@context: the first context must be {VC_V2_CONTEXT}"
        )));
    }
    let is_vc = p
        .get("type")
        .and_then(Value::as_array)
        .is_some_and(|t| t.iter().any(|x| x == "VerifiableCredential"));
    if !is_vc {
        return Err(payload_err("type: must contain VerifiableCredential"));
    }
    if !p.contains_key("credentialSubject") {
        return Err(payload_err("credentialSubject: missing"));
    }
    let issuer_id = match p.get("issuer") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(o)) => o
            .get("id")
            .and_then(Value::as_str)
            .ok_or_else(|| payload_err("issuer.id: missing or not a string"))?
            .to_owned(),
        _ => {
            return Err(payload_err(
                "issuer: missing, must be a string or an object with id",
            ))
        }
    };
    match p.get("iss") {
        None => {}
        Some(Value::String(s)) if *s == issuer_id => {}
        Some(_) => return Err(payload_err("iss: does not match issuer")),
    }
    match (p.get("jti"), p.get("id")) {
        (None, _) => {}
        (Some(j), Some(id)) if j == id => {}
        _ => return Err(payload_err("jti: does not match id")),
    }
    let iat = match p.get("iat") {
        None => None,
        // The VC-JOSE-COSE test suite writes iat as a date-time string; tolerate it.
        Some(Value::String(s)) => {
            Some(parse_time("iat", s).map_err(|e| payload_err(e.to_string()))?)
        }
        Some(v) => Some(numeric_date("iat", v)?),
    };
    let time = |k: &str| -> Result<Option<DateTime<Utc>>, TokenError> {
        match p.get(k) {
            None => Ok(None),
            Some(Value::String(s)) => parse_time(k, s)
                .map(Some)
                .map_err(|e| payload_err(e.to_string())),
            Some(_) => Err(payload_err(format!("{k}: must be a string"))),
        }
    };
    let mut valid_from = time("validFrom")?;
    let mut valid_until = time("validUntil")?;
    let nbf = p.get("nbf").map(|v| numeric_date("nbf", v)).transpose()?;
    let signing_time = SigningTime::token(iat, nbf, valid_from);
    for (jwt, vc, slot) in [
        ("nbf", "validFrom", &mut valid_from),
        ("exp", "validUntil", &mut valid_until),
    ] {
        if let Some(v) = p.get(jwt) {
            let t = numeric_date(jwt, v)?;
            match slot {
                Some(x) if x.timestamp() != t.timestamp() => {
                    return Err(payload_err(format!("{jwt}: does not match {vc}")))
                }
                Some(_) => {}
                None => *slot = Some(t),
            }
        }
    }
    let status = StatusRef::list_from_json(p.get("credentialStatus"))
        .map_err(|e| payload_err(e.to_string()))?;
    let key_id = match tok.header.get("kid") {
        Some(Value::String(k)) => k.clone(),
        _ => String::new(),
    };
    let mut doc = tok.payload;
    for k in JWT_CLAIMS {
        doc.remove(k);
    }
    let doc = Value::Object(doc);
    Ok(UnverifiedCredential::from_parts(Parts {
        format: Format::Token,
        claims: Claims::from_document(&doc).ok(),
        document: Some(doc),
        issuer_id,
        key_id,
        signing_time,
        message: tok.signing_input,
        signature: tok.signature,
        valid_from,
        valid_until,
        status,
        qr_prefix: None,
    }))
}

impl UnverifiedCredential {
    /// Parses a `vc+jwt` compact JWS. The error names the part or claim.
    pub fn from_token(text: &str) -> Result<UnverifiedCredential, ParseError> {
        Ok(credential_of(parse_token(text)?)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass table gives the plain definition's answer (starts `eyJ`, two dots, only
    /// base64url characters and dots) on every byte in every position.
    #[test]
    fn looks_like_token_is_the_plain_definition() {
        let plain = |b: &[u8]| {
            b.starts_with(b"eyJ")
                && b.iter().filter(|c| **c == b'.').count() == 2
                && b.iter()
                    .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
        };
        let base = b"eyJhbGciOiJFZERTQSJ9.e30.AA-_z9".to_vec();
        for at in 0..base.len() {
            for byte in 0..=255u8 {
                let mut b = base.clone();
                b[at] = byte;
                assert_eq!(looks_like_token(&b), plain(&b), "{b:?}");
            }
        }
        for t in [
            &b""[..],
            b"eyJ",
            b"eyJ..",
            b"eyJ...",
            b"eyJa.b",
            b"eyJ.\xe5\xbc\xa0.",
        ] {
            assert_eq!(looks_like_token(t), plain(t), "{t:?}");
        }
    }

    #[test]
    fn shape_errors_name_the_part() {
        let e = |t: &str| UnverifiedCredential::from_token(t).unwrap_err().to_string();
        assert!(e("a.b").contains("three"));
        assert!(e("eyJ!.b.c").contains("header"));
        let h = B64URL.encode(br#"{"alg":"none","kid":"k"}"#);
        assert!(e(&format!("{h}.e30.AA")).contains("alg"));
        let h = B64URL.encode(br#"{"alg":"EdDSA","kid":"k","crit":["b64"],"b64":false}"#);
        assert!(e(&format!("{h}.e30.AA")).contains("crit"));
        let h = B64URL.encode(br#"{"alg":"EdDSA","kid":"k"}"#);
        assert!(e(&format!("{h}.e30.AA")).contains("64 bytes"));
        assert!(e(&format!("{h}.e30=.AA")).contains("payload"));
        assert!(looks_like_token(format!("{h}.e30.AA").as_bytes()));
    }
}
