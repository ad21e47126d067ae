//! Certificate numbers: the national 22-character form of the 职业技能等级证书, and the general
//! form every other certificate gets, with the numbering scheme an issuer configures.
//!
//! **National form** (`cn-nvq` only): one letter and 21 digits,
//! `S000133060200263000042` = `S` (social evaluation organisation; `Y` = employer), organisation
//! `0001` (`0000` when filed at provincial level), province `33`, site `060200`, year `26`,
//! level `3`, serial `000042`. The year is the year of the certificate's `validFrom` in China
//! Standard Time (UTC+8) and the level digit is the certificate's level; [`check_number`]
//! refuses a national number that disagrees with either, so the QR form does not need to carry
//! them.
//!
//! **General form**: 1–32 characters of `A-Z 0-9 -`, beginning and ending with a letter or
//! digit. The default scheme writes `{PREFIX}-{YYYY}-{SERIAL}` (`SC-2026-000042`): prefix from
//! the issuer's config (default `SC`), the year of `validFrom` (UTC), a 6-digit serial.
//!
//! A number's **series** is the number without its serial; the issuer's database allocates serials per
//! series, from 1, never reusing one.

use super::{field_err, Framework, ModelError};
use chrono::{DateTime, Datelike, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

/// Longest general-form number.
pub const MAX_NUMBER_CHARS: usize = 32;
/// Largest serial of one series (6 digits).
pub const MAX_SERIAL: u32 = 999_999;
/// Default prefix of general-form numbers.
pub const DEFAULT_PREFIX: &str = "SC";

/// China Standard Time, in which the national number's year is counted.
pub fn china_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// The year of `t` in China Standard Time (the national number's year).
pub fn china_year(t: &DateTime<Utc>) -> i32 {
    t.with_timezone(&china_time()).year()
}

/// The parts of a national-form number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NationalNumber {
    /// `S` (social evaluation organisation) or `Y` (employer).
    pub kind: char,
    /// Organisation code, 0–9999 (`0000` when filed at provincial level).
    pub organisation: u16,
    /// Province code, 0–99.
    pub province: u8,
    /// Site code, 0–999999.
    pub site: u32,
    /// Two-digit year.
    pub year: u8,
    /// Level, 1–5.
    pub level: u8,
    /// Serial, 0–999999.
    pub serial: u32,
}

impl NationalNumber {
    /// Reads `S…`/`Y…` with 21 digits; `None` for anything else.
    pub fn parse(s: &str) -> Option<NationalNumber> {
        let b = s.as_bytes();
        if b.len() != 22 || !matches!(b[0], b'S' | b'Y') {
            return None;
        }
        if !b[1..].iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = |from: usize, to: usize| -> u32 {
            b[from..to]
                .iter()
                .fold(0u32, |a, d| a * 10 + u32::from(d - b'0'))
        };
        let level = n(15, 16) as u8;
        if !(1..=5).contains(&level) {
            return None;
        }
        Some(NationalNumber {
            kind: char::from(b[0]),
            organisation: n(1, 5) as u16,
            province: n(5, 7) as u8,
            site: n(7, 13),
            year: n(13, 15) as u8,
            level,
            serial: n(16, 22),
        })
    }

    /// The 22-character text.
    pub fn text(&self) -> String {
        format!("{}{:06}", self.series(), self.serial)
    }

    /// The number without its serial (16 characters).
    pub fn series(&self) -> String {
        format!(
            "{}{:04}{:02}{:06}{:02}{}",
            self.kind, self.organisation, self.province, self.site, self.year, self.level
        )
    }
}

/// Checks a certificate number of a certificate of `framework`, valid from `valid_from`, at
/// level `level`: the general form, or the national form on a `cn-nvq` certificate whose year
/// and level it matches.
pub fn check_number(
    field: &str,
    number: &str,
    framework: Framework,
    level: &str,
    valid_from: &DateTime<Utc>,
) -> Result<(), ModelError> {
    if let Some(n) = NationalNumber::parse(number) {
        if framework != Framework::CnNvq {
            return Err(field_err(
                field,
                "the national 22-character form is for cn-nvq certificates only",
            ));
        }
        if level != n.level.to_string() {
            return Err(field_err(
                field,
                format!(
                    "level digit {} differs from the certificate's level {level}",
                    n.level
                ),
            ));
        }
        let year = china_year(valid_from).rem_euclid(100) as u8;
        if n.year != year {
            return Err(field_err(
                field,
                format!(
                    "year {:02} differs from the year of validFrom in China Standard Time ({year:02})",
                    n.year
                ),
            ));
        }
        return Ok(());
    }
    check_general(field, number)
}

/// Checks the general form: 1–32 characters of `A-Z 0-9 -`, starting and ending with a letter
/// or digit. A 22-character `S`/`Y` number with 21 digits is the national form, not this one.
pub fn check_general(field: &str, number: &str) -> Result<(), ModelError> {
    let b = number.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= MAX_NUMBER_CHARS
        && b.iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-';
    if !ok {
        return Err(field_err(
            field,
            "a certificate number is the national form (S or Y and 21 digits) or 1-32 \
             characters of A-Z 0-9 - beginning and ending with a letter or digit",
        ));
    }
    let national_shape =
        b.len() == 22 && matches!(b[0], b'S' | b'Y') && b[1..].iter().all(u8::is_ascii_digit);
    if national_shape {
        return Err(field_err(
            field,
            "national form with a level digit outside 1-5",
        ));
    }
    Ok(())
}

/// Checks a number prefix of a trust list's `numberPrefixes`: the national prefix (`S`/`Y`,
/// organisation, province and site: one letter and 12 digits, `S000133060200`) or a general
/// one (1–16 of `A-Z 0-9` and a final `-`, `CNC-`).
pub fn check_number_prefix(field: &str, p: &str) -> Result<(), ModelError> {
    let b = p.as_bytes();
    let national =
        b.len() == 13 && matches!(b[0], b'S' | b'Y') && b[1..].iter().all(u8::is_ascii_digit);
    let general = b.len() >= 2
        && b.len() <= 17
        && b[b.len() - 1] == b'-'
        && b[..b.len() - 1]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if national || general {
        Ok(())
    } else {
        Err(field_err(
            field,
            format!(
                "{p:?} is not a number prefix: S or Y and 12 digits (kind, organisation, \
                 province, site), or 1-16 of A-Z 0-9 followed by -"
            ),
        ))
    }
}

/// Whether two number prefixes can cover a common number (one starts with the other).
pub fn prefixes_overlap(a: &str, b: &str) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// Whether `number` is in the space of `prefixes` (starts with one of them).
pub fn in_number_space(prefixes: &[String], number: &str) -> bool {
    prefixes.iter().any(|p| number.starts_with(p.as_str()))
}

/// Whether `s` has the shape of a certificate number (national or general form); says nothing
/// of whether it matches any certificate. Front ends tell numbers from ids with it.
pub fn is_number_shape(s: &str) -> bool {
    NationalNumber::parse(s).is_some() || check_general("number", s).is_ok()
}

/// How an issuer numbers its certificates (`numbering` in its `config.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "kebab-case", deny_unknown_fields)]
pub enum NumberingScheme {
    /// The national form for `cn-nvq` certificates (other frameworks get the general form with
    /// `prefix`).
    CnNvq {
        /// `S` or `Y`.
        kind: char,
        /// Organisation code (4 digits; `0000` when filed at provincial level).
        organisation: String,
        /// Province code (2 digits).
        province: String,
        /// Site code (6 digits).
        site: String,
        /// Prefix of the general form used for other frameworks.
        #[serde(default = "default_prefix")]
        prefix: String,
    },
    /// The general form `{prefix}-{YYYY}-{serial}` for every certificate.
    General {
        /// Prefix (1–16 of `A-Z 0-9`).
        #[serde(default = "default_prefix")]
        prefix: String,
    },
}

fn default_prefix() -> String {
    DEFAULT_PREFIX.to_owned()
}

impl Default for NumberingScheme {
    fn default() -> Self {
        NumberingScheme::General {
            prefix: default_prefix(),
        }
    }
}

fn digits(field: &str, s: &str, n: usize) -> Result<u32, ModelError> {
    if s.len() != n || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(field_err(field, format!("must be exactly {n} digits")));
    }
    s.parse()
        .map_err(|_| field_err(field, format!("must be exactly {n} digits")))
}

impl NumberingScheme {
    /// The national scheme from its codes, checked.
    pub fn national(
        kind: char,
        organisation: &str,
        province: &str,
        site: &str,
    ) -> Result<NumberingScheme, ModelError> {
        let s = NumberingScheme::CnNvq {
            kind,
            organisation: organisation.to_owned(),
            province: province.to_owned(),
            site: site.to_owned(),
            prefix: default_prefix(),
        };
        s.check()?;
        Ok(s)
    }

    /// Checks the configured codes; names the bad one.
    pub fn check(&self) -> Result<(), ModelError> {
        let prefix = match self {
            NumberingScheme::CnNvq {
                kind,
                organisation,
                province,
                site,
                prefix,
            } => {
                if !matches!(kind, 'S' | 'Y') {
                    return Err(field_err(
                        "numbering.kind",
                        "must be S (social evaluation organisation) or Y (employer)",
                    ));
                }
                digits("numbering.organisation", organisation, 4)?;
                digits("numbering.province", province, 2)?;
                digits("numbering.site", site, 6)?;
                prefix
            }
            NumberingScheme::General { prefix } => prefix,
        };
        let ok = !prefix.is_empty()
            && prefix.len() <= 16
            && prefix
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
        if !ok {
            return Err(field_err("numbering.prefix", "must be 1-16 of A-Z 0-9"));
        }
        Ok(())
    }

    /// The prefixes of every number this scheme writes: the national prefix (kind,
    /// organisation, province, site) and the general `{prefix}-`, or the general one only.
    pub fn number_prefixes(&self) -> Vec<String> {
        match self {
            NumberingScheme::CnNvq {
                kind,
                organisation,
                province,
                site,
                prefix,
            } => vec![
                format!("{kind}{organisation}{province}{site}"),
                format!("{prefix}-"),
            ],
            NumberingScheme::General { prefix } => vec![format!("{prefix}-")],
        }
    }

    /// The series (the number without its serial) of a certificate of `framework` at `level`,
    /// valid from `valid_from`.
    pub fn series(
        &self,
        framework: Framework,
        level: &str,
        valid_from: &DateTime<Utc>,
    ) -> Result<String, ModelError> {
        self.check()?;
        match self {
            NumberingScheme::CnNvq {
                kind,
                organisation,
                province,
                site,
                ..
            } if framework == Framework::CnNvq => {
                let level: u8 = level
                    .parse()
                    .ok()
                    .filter(|l| (1..=5).contains(l))
                    .ok_or_else(|| field_err("level", "not a cn-nvq level (1-5)"))?;
                let n = NationalNumber {
                    kind: *kind,
                    organisation: digits("numbering.organisation", organisation, 4)? as u16,
                    province: digits("numbering.province", province, 2)? as u8,
                    site: digits("numbering.site", site, 6)?,
                    year: china_year(valid_from).rem_euclid(100) as u8,
                    level,
                    serial: 0,
                };
                Ok(n.series())
            }
            NumberingScheme::CnNvq { prefix, .. } | NumberingScheme::General { prefix } => {
                Ok(format!("{prefix}-{:04}-", valid_from.year()))
            }
        }
    }
}

/// The number of serial `serial` in `series` (see [`NumberingScheme::series`]).
pub fn number_in_series(series: &str, serial: u32) -> Result<String, ModelError> {
    if serial == 0 || serial > MAX_SERIAL {
        return Err(field_err(
            "number",
            format!("serial {serial} outside 1-{MAX_SERIAL} in series {series}"),
        ));
    }
    Ok(format!("{series}{serial:06}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_prefixes_cover_what_the_scheme_writes_and_are_checked() {
        let national = NumberingScheme::national('S', "0001", "33", "060200").unwrap();
        let prefixes = national.number_prefixes();
        assert_eq!(prefixes, ["S000133060200", "SC-"]);
        for p in &prefixes {
            check_number_prefix("p", p).unwrap();
        }
        assert!(in_number_space(&prefixes, "S000133060200263000042"));
        assert!(in_number_space(&prefixes, "SC-2026-000001"));
        assert!(!in_number_space(&prefixes, "S000233060200263000042"));
        assert!(!in_number_space(&prefixes, "SCX-2026-000001"));
        for bad in [
            "S00013306020",
            "S0001330602001",
            "X000133060200",
            "SC",
            "-",
            "sc-",
            "A-B-",
        ] {
            assert!(check_number_prefix("p", bad).is_err(), "{bad}");
        }
        assert!(prefixes_overlap("SC-", "SC-"));
        assert!(!prefixes_overlap("SC-", "SCX-"));
        assert!(prefixes_overlap("S000133060200", "S0001330602"));
    }
    use crate::model::parse_time;

    #[test]
    fn national_numbers_read_and_write() {
        let n = NationalNumber::parse("S000133060200263000042").unwrap();
        assert_eq!(
            n,
            NationalNumber {
                kind: 'S',
                organisation: 1,
                province: 33,
                site: 60200,
                year: 26,
                level: 3,
                serial: 42
            }
        );
        assert_eq!(n.text(), "S000133060200263000042");
        assert_eq!(n.series(), "S000133060200263");
        for bad in [
            "S00013306020026300004",
            "X000133060200263000042",
            "S000133060200260000042",
            "S000133060200266000042",
            "S00013306020026300004a",
            "s000133060200263000042",
        ] {
            assert!(NationalNumber::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn national_numbers_must_match_the_certificate() {
        let t = parse_time("t", "2026-10-12T00:00:00Z").unwrap();
        let n = "S000133060200263000042";
        check_number("n", n, Framework::CnNvq, "3", &t).unwrap();
        let e = check_number("n", n, Framework::CnNvq, "2", &t).unwrap_err();
        assert!(e.to_string().contains("level digit 3"), "{e}");
        // 2026-12-31T16:00Z is already 2027 in China.
        let late = parse_time("t", "2026-12-31T16:00:00Z").unwrap();
        let e = check_number("n", n, Framework::CnNvq, "3", &late).unwrap_err();
        assert!(e.to_string().contains("year 26"), "{e}");
        let e = check_number("n", n, Framework::Iiw, "3", &t).unwrap_err();
        assert!(e.to_string().contains("cn-nvq"), "{e}");
    }

    #[test]
    fn general_numbers() {
        let t = parse_time("t", "2026-10-12T00:00:00Z").unwrap();
        for ok in ["SC-2026-000042", "A", "IIW-IWE-7"] {
            check_number("n", ok, Framework::Iiw, "IWS", &t).unwrap();
        }
        for bad in [
            "",
            "-A",
            "A-",
            "sc-1",
            "A B",
            "甲1",
            "S000133060200260000042",
            &"A".repeat(33),
        ] {
            assert!(
                check_number("n", bad, Framework::Iiw, "IWS", &t).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn schemes_make_series() {
        let t = parse_time("t", "2026-10-12T00:00:00Z").unwrap();
        let s = NumberingScheme::national('S', "0001", "33", "060200").unwrap();
        let series = s.series(Framework::CnNvq, "3", &t).unwrap();
        let n = number_in_series(&series, 42).unwrap();
        assert_eq!(n, "S000133060200263000042");
        check_number("n", &n, Framework::CnNvq, "3", &t).unwrap();
        assert_eq!(s.series(Framework::Eqf, "5", &t).unwrap(), "SC-2026-");
        let g = NumberingScheme::default();
        assert_eq!(
            number_in_series(&g.series(Framework::CnNvq, "3", &t).unwrap(), 7).unwrap(),
            "SC-2026-000007"
        );
        assert!(number_in_series("SC-2026-", 1_000_000).is_err());
        assert!(NumberingScheme::national('X', "0001", "33", "060200").is_err());
        let e = NumberingScheme::national('S', "001", "33", "060200").unwrap_err();
        assert!(e.to_string().contains("numbering.organisation"), "{e}");
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["scheme"], "cn-nvq");
        let back: NumberingScheme = serde_json::from_value(json).unwrap();
        assert_eq!(back, s);
    }
}
