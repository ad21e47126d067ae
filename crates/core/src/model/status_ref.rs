//! Reading the `BitstringStatusListEntry` form of a [`StatusRef`] (written in `document.rs`).

use super::{field_err, ModelError, StatusPurpose, StatusRef};
use serde_json::Value;

impl StatusRef {
    /// Reads a `credentialStatus` value as VC 2.0 allows it: absent, one entry object, or an
    /// array of entries.
    pub fn list_from_json(v: Option<&Value>) -> Result<Vec<StatusRef>, ModelError> {
        match v {
            None => Ok(vec![]),
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, e)| StatusRef::from_json(&format!("credentialStatus[{i}]"), e))
                .collect(),
            Some(e @ Value::Object(_)) => Ok(vec![StatusRef::from_json("credentialStatus", e)?]),
            Some(_) => Err(field_err(
                "credentialStatus",
                "must be an object or an array",
            )),
        }
    }

    /// Reads a `BitstringStatusListEntry`; `field` names it in errors.
    pub fn from_json(field: &str, v: &Value) -> Result<StatusRef, ModelError> {
        let o = v
            .as_object()
            .ok_or_else(|| field_err(field, "must be an object"))?;
        let get = |k: &str| {
            o.get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| field_err(format!("{field}.{k}"), "missing or not a string"))
        };
        if get("type")? != "BitstringStatusListEntry" {
            return Err(field_err(
                format!("{field}.type"),
                "must be BitstringStatusListEntry",
            ));
        }
        let purpose = StatusPurpose::parse(get("statusPurpose")?).ok_or_else(|| {
            field_err(
                format!("{field}.statusPurpose"),
                "must be revocation or suspension",
            )
        })?;
        let idx = get("statusListIndex")?;
        if idx.is_empty()
            || idx.len() > 10
            || !idx.bytes().all(|b| b.is_ascii_digit())
            || (idx.len() > 1 && idx.starts_with('0'))
        {
            return Err(field_err(
                format!("{field}.statusListIndex"),
                "must be a decimal integer string",
            ));
        }
        let index: u32 = idx
            .parse()
            .map_err(|_| field_err(format!("{field}.statusListIndex"), "out of range"))?;
        let list_url = get("statusListCredential")?.to_owned();
        if !(list_url.starts_with("https://") || list_url.starts_with("http://")) {
            return Err(field_err(
                format!("{field}.statusListCredential"),
                "must be an http(s) URL",
            ));
        }
        Ok(StatusRef {
            purpose,
            list_url,
            index,
        })
    }
}
