//! The holder's identity-document number, checked at entry by document type and normalised
//! (surrounding whitespace trimmed, letters upper-cased).
//!
//! The 18-character numbers (居民身份证, 港澳台居民居住证, 2023 外国人永久居留身份证) follow
//! GB 11643-1999: 6-digit address code, 8-digit birth date `YYYYMMDD`, 3-digit sequence code and
//! an ISO 7064 MOD 11-2 check character (`0`-`9` or `X`). The other kinds are only checked for
//! their published shape: their numbers carry no check character this module can verify.

use chrono::NaiveDate;

use super::{field_err, ModelError};

/// The kind of identity document a holder's ID number belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    /// 居民身份证 (GB 11643-1999): 17 digits and a MOD 11-2 check character. The first two
    /// digits must be a province-level code (11-15, 21-23, 31-37, 41-46, 50-54, 61-65, 71, and
    /// 81-83 as used by residence permits); the rest of the address code is not checked.
    ResidentCard,
    /// 港澳台居民居住证: as [`IdKind::ResidentCard`], with address code 810000 (Hong Kong),
    /// 820000 (Macao) or 830000 (Taiwan).
    HkMacaoTaiwanResidencePermit,
    /// 外国人永久居留身份证: the 2023 card's 18 characters (`9`, 2-digit province code,
    /// 3-digit nationality code, birth date, sequence code, MOD 11-2 check character; the `9`,
    /// the birth date and the check character are checked), or earlier cards' 3 letters and 12
    /// digits.
    ForeignPermanentResident,
    /// 港澳居民来往内地通行证: `H` (Hong Kong) or `M` (Macao) then 8 or 10 digits.
    HomeReturnPermit,
    /// 台湾居民来往大陆通行证: 8 digits, or 10 letters and digits (older cards).
    TaiwanCompatriotPermit,
    /// 护照: 5-17 letters and digits, at least one of them a digit.
    Passport,
    /// A document type the product does not know: 4-32 letters and digits.
    Other,
}

/// Type texts as issuers write them, `|`-separated, compared after dropping whitespace and
/// ASCII punctuation and lower-casing. (港澳通行证 is the mainland residents' permit to visit
/// Hong Kong and Macao, not a 港澳居民来往内地通行证, so it is [`IdKind::Other`].)
const TYPE_NAMES: [(IdKind, &str); 6] = [
    (
        IdKind::ResidentCard,
        "居民身份证|身份证|中华人民共和国居民身份证|公民身份号码|residentidentitycard|\
         residentidcard|chineseidcard|prcidcard|idcard",
    ),
    (
        IdKind::HkMacaoTaiwanResidencePermit,
        "港澳台居民居住证|港澳居民居住证|台湾居民居住证|\
         residencepermitforhongkongmacaoandtaiwanresidents",
    ),
    (
        IdKind::ForeignPermanentResident,
        "外国人永久居留身份证|中华人民共和国外国人永久居留身份证|外国人永久居留证|永居证|\
         foreignpermanentresidentidcard|foreignerspermanentresidenceidcard|\
         foreignpermanentresidentcard|permanentresidencecard",
    ),
    (
        IdKind::HomeReturnPermit,
        "港澳居民来往内地通行证|回乡证|homereturnpermit|\
         mainlandtravelpermitforhongkongandmacaoresidents",
    ),
    (
        IdKind::TaiwanCompatriotPermit,
        "台湾居民来往大陆通行证|台胞证|mainlandtravelpermitfortaiwanresidents|\
         taiwancompatriotpermit",
    ),
    (IdKind::Passport, "护照|中华人民共和国护照|passport"),
];

impl IdKind {
    /// The kind for an ID type as printed on the certificate. `None`, or only whitespace, is
    /// 居民身份证 (what the product prints when no type is given); a text it does not know is
    /// [`IdKind::Other`]. English names are matched ignoring case, spaces and punctuation.
    pub fn from_type_text(t: Option<&str>) -> IdKind {
        let key: String = t
            .unwrap_or_default()
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_ascii_punctuation())
            .flat_map(char::to_lowercase)
            .collect();
        if key.is_empty() {
            return IdKind::ResidentCard;
        }
        TYPE_NAMES
            .iter()
            .find(|(_, names)| names.split('|').any(|n| n == key))
            .map_or(IdKind::Other, |(kind, _)| *kind)
    }

    /// The document's Chinese name, as used in error messages.
    pub fn label_zh(self) -> &'static str {
        match self {
            IdKind::ResidentCard => "居民身份证",
            IdKind::HkMacaoTaiwanResidencePermit => "港澳台居民居住证",
            IdKind::ForeignPermanentResident => "外国人永久居留身份证",
            IdKind::HomeReturnPermit => "港澳居民来往内地通行证",
            IdKind::TaiwanCompatriotPermit => "台湾居民来往大陆通行证",
            IdKind::Passport => "护照",
            IdKind::Other => "证件",
        }
    }
}

/// ISO 7064 MOD 11-2 weights of GB 11643-1999 for the 17 body digits.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The GB 11643-1999 check character (`b'0'`-`b'9'` or `b'X'`) of 17 ASCII digits, or `None`
/// when `first17` is not exactly 17 ASCII digits.
pub fn gb11643_check_char(first17: &[u8]) -> Option<u8> {
    if first17.len() != 17 || !first17.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    b"10X98765432".get((sum % 11) as usize).copied()
}

/// Checks `raw` as a number of document `kind` and returns it trimmed and upper-cased. `today`
/// bounds birth dates. Errors name `field` and say what is wrong.
pub fn check_holder_id(
    field: &str,
    kind: IdKind,
    raw: &str,
    today: NaiveDate,
) -> Result<String, ModelError> {
    let trimmed = raw.trim();
    let id = trimmed.to_ascii_uppercase();
    check(kind, trimmed, id.as_bytes(), today).map_err(|e| field_err(field, e.to_string()))?;
    Ok(id)
}

/// Why a text is not a number of its [`IdKind`] (the reason of the [`ModelError`] that
/// [`check_holder_id`] gives; `a 居民身份证 number` is the kind's label).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum HolderIdError {
    /// Nothing was given.
    #[error("a {} number is needed, this is empty", .0.label_zh())]
    Empty(IdKind),
    /// A character that is not an ASCII letter or digit.
    #[error("a {} number has only letters and digits, this has {found:?}", kind.label_zh())]
    NotAlphanumeric { kind: IdKind, found: char },
    /// The number breaks a rule of its kind's form (`has 18 characters, this has 17`).
    #[error("a {} number {rule}", kind.label_zh())]
    Form { kind: IdKind, rule: String },
    /// A character at a place where the form allows another (`has 8 digits`, character 3).
    #[error("a {} number {rule}, character {at} is {found:?}", kind.label_zh())]
    Character {
        kind: IdKind,
        rule: &'static str,
        /// 1-based.
        at: usize,
        found: char,
    },
    /// The birth date is not a calendar date.
    #[error("birth date {0} is not a date")]
    NotADate(String),
    /// The birth date is before 1900.
    #[error("birth date {0} is before 1900")]
    BornBefore1900(String),
    /// The birth date is after today.
    #[error("birth date {date} is after today ({today})")]
    BornAfterToday { date: String, today: NaiveDate },
    /// The GB 11643-1999 check character does not match.
    #[error("check character is {got}, expected {want}")]
    CheckCharacter { got: char, want: char },
}

/// A [`HolderIdError::Form`] of `kind`.
fn form(kind: IdKind, rule: String) -> HolderIdError {
    HolderIdError::Form { kind, rule }
}

/// Why `trimmed` (upper-cased: `b`) is not a number of `kind`.
fn check(kind: IdKind, trimmed: &str, b: &[u8], today: NaiveDate) -> Result<(), HolderIdError> {
    if trimmed.is_empty() {
        return Err(HolderIdError::Empty(kind));
    }
    // Checked before upper-casing could turn `ı` or `ſ` into ASCII `I` or `S`.
    if let Some(found) = trimmed.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(HolderIdError::NotAlphanumeric { kind, found });
    }
    let n = b.len();
    match kind {
        IdKind::ResidentCard | IdKind::HkMacaoTaiwanResidencePermit => {
            check_gb11643(kind, b, today)
        }
        IdKind::ForeignPermanentResident if n == 18 => check_gb11643(kind, b, today),
        IdKind::ForeignPermanentResident if n != 15 => Err(form(
            kind,
            format!("has 18 characters (2023 card) or 15 (earlier cards), this has {n}"),
        )),
        IdKind::ForeignPermanentResident => each(
            kind,
            b,
            |i, c| (i < 3 && c.is_ascii_uppercase()) || (i >= 3 && c.is_ascii_digit()),
            "of the earlier cards has 3 letters then 12 digits",
        ),
        IdKind::HomeReturnPermit if n != 9 && n != 11 => Err(form(
            kind,
            format!("has H or M then 8 or 10 digits, this has {n} characters"),
        )),
        IdKind::HomeReturnPermit => each(
            kind,
            b,
            |i, c| (i == 0 && (c == b'H' || c == b'M')) || (i > 0 && c.is_ascii_digit()),
            "has H or M then 8 or 10 digits",
        ),
        IdKind::TaiwanCompatriotPermit if n == 8 => {
            each(kind, b, |_, c| c.is_ascii_digit(), "has 8 digits")
        }
        IdKind::TaiwanCompatriotPermit if n != 10 => Err(form(
            kind,
            format!(
                "has 8 digits (or 10 letters and digits on older cards), this has {n} characters"
            ),
        )),
        IdKind::Passport if !(5..=17).contains(&n) => Err(form(
            kind,
            format!("has 5-17 letters and digits, this has {n}"),
        )),
        IdKind::Passport if !b.iter().any(u8::is_ascii_digit) => {
            Err(form(kind, "has at least one digit, this has none".into()))
        }
        IdKind::Other if !(4..=32).contains(&n) => Err(form(
            kind,
            format!("has 4-32 letters and digits, this has {n}"),
        )),
        IdKind::TaiwanCompatriotPermit | IdKind::Passport | IdKind::Other => Ok(()),
    }
}

/// A [`HolderIdError::Character`] for the first byte of `b` that `ok(index, byte)` refuses.
fn each(
    kind: IdKind,
    b: &[u8],
    ok: impl Fn(usize, u8) -> bool,
    rule: &'static str,
) -> Result<(), HolderIdError> {
    match b.iter().enumerate().find(|&(i, &c)| !ok(i, c)) {
        Some((i, &c)) => Err(HolderIdError::Character {
            kind,
            rule,
            at: i + 1,
            found: char::from(c),
        }),
        None => Ok(()),
    }
}

/// The value of a run of ASCII digits (callers pass digits only; saturates rather than panic).
fn digits_value(b: &[u8]) -> u32 {
    b.iter().fold(0, |v: u32, d| {
        v.saturating_mul(10)
            .saturating_add(u32::from(d.wrapping_sub(b'0')))
    })
}

/// GB 11643-1999: length, characters, address code, birth date, check character.
fn check_gb11643(kind: IdKind, b: &[u8], today: NaiveDate) -> Result<(), HolderIdError> {
    let Some((&last, body)) = b.split_last().filter(|_| b.len() == 18) else {
        return Err(form(
            kind,
            format!("has 18 characters, this has {}", b.len()),
        ));
    };
    each(
        kind,
        body,
        |_, c| c.is_ascii_digit(),
        "has 17 digits then a digit or X",
    )?;
    let got = char::from(last);
    if !(last.is_ascii_digit() || last == b'X') {
        return Err(form(
            kind,
            format!("ends in a digit or X, this ends in {got:?}"),
        ));
    }
    check_address(kind, body)?;
    check_birth_date(body.get(6..14).unwrap_or_default(), today)?;
    // `body` is 17 digits here, so there is a check character.
    let want = gb11643_check_char(body).map_or('?', char::from);
    if got != want {
        return Err(HolderIdError::CheckCharacter { got, want });
    }
    Ok(())
}

/// The address code (the first 6 digits) must suit `kind`.
fn check_address(kind: IdKind, body: &[u8]) -> Result<(), HolderIdError> {
    let code = String::from_utf8_lossy(body.get(..6).unwrap_or_default());
    let (ok, rule) = match kind {
        IdKind::HkMacaoTaiwanResidencePermit => (
            matches!(&*code, "810000" | "820000" | "830000"),
            "starts with 810000, 820000 or 830000",
        ),
        IdKind::ForeignPermanentResident => {
            (code.starts_with('9'), "of the 2023 cards starts with 9")
        }
        _ => return check_province(kind, digits_value(body.get(..2).unwrap_or_default())),
    };
    if ok {
        Ok(())
    } else {
        Err(form(kind, format!("{rule}, this starts with {code}")))
    }
}

/// The first two digits of a 居民身份证 number must be a province-level code.
fn check_province(kind: IdKind, p: u32) -> Result<(), HolderIdError> {
    if matches!(p, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81..=83) {
        return Ok(());
    }
    let hint = if p >= 90 {
        " (numbers starting with 9 are 外国人永久居留身份证 numbers)"
    } else {
        ""
    };
    Err(form(
        kind,
        format!("starts with a province-level code, {p:02} is not one{hint}"),
    ))
}

/// `YYYYMMDD` must be a calendar date from 1900 up to `today`.
fn check_birth_date(date: &[u8], today: NaiveDate) -> Result<(), HolderIdError> {
    let text = String::from_utf8_lossy(date).into_owned();
    let part = |r: std::ops::Range<usize>| digits_value(date.get(r).unwrap_or_default());
    let year = part(0..4);
    let born = i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, part(4..6), part(6..8)));
    match born {
        None => Err(HolderIdError::NotADate(text)),
        Some(_) if year < 1900 => Err(HolderIdError::BornBefore1900(text)),
        Some(d) if d > today => Err(HolderIdError::BornAfterToday { date: text, today }),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: &str = "holder.national_id";

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
    }

    /// `Kind: input => normalised` or `Kind: input => error: reason`; `{L}` in a reason stands
    /// for `a <label> number`. Today is 2025-06-01.
    const CASES: &[&str] = &[
        "ResidentCard: 11010519491231002X => 11010519491231002X",
        "ResidentCard: 330602199001011231 => 330602199001011231",
        "ResidentCard: 11010519491231002x => 11010519491231002X",
        "ResidentCard:   330602199001011231 \t => 330602199001011231",
        "ResidentCard: 110105200002290013 => 110105200002290013",
        "ResidentCard:  => error: {L} is needed, this is empty",
        "ResidentCard: 33060219900101123 => error: {L} has 18 characters, this has 17",
        "ResidentCard: 3306021990010112311 => error: {L} has 18 characters, this has 19",
        "ResidentCard: 3306021990010112-1 => error: {L} has only letters and digits, this has '-'",
        "ResidentCard: 3306021990010112A1 => error: {L} has 17 digits then a digit or X, \
            character 17 is 'A'",
        "ResidentCard: 33060219900101123Y => error: {L} ends in a digit or X, this ends in 'Y'",
        "ResidentCard: 330602199013011231 => error: birth date 19901301 is not a date",
        "ResidentCard: 110105190002290017 => error: birth date 19000229 is not a date",
        "ResidentCard: 110105189912310017 => error: birth date 18991231 is before 1900",
        "ResidentCard: 110105202506020017 => error: birth date 20250602 is after today \
            (2025-06-01)",
        "ResidentCard: 330602199001011234 => error: check character is 4, expected 1",
        "ResidentCard: 650102202406010010 => error: check character is 0, expected X",
        "ResidentCard: 160105194912310021 => error: {L} starts with a province-level code, 16 \
            is not one",
        "ResidentCard: 990105194912310021 => error: {L} starts with a province-level code, 99 \
            is not one (numbers starting with 9 are 外国人永久居留身份证 numbers)",
        "HkMacaoTaiwanResidencePermit: 810000199001010019 => 810000199001010019",
        "HkMacaoTaiwanResidencePermit: 830000200002290023 => 830000200002290023",
        "HkMacaoTaiwanResidencePermit: 11010519491231002X => error: {L} starts with 810000, \
            820000 or 830000, this starts with 110105",
        "ForeignPermanentResident: 911840198001010013 => 911840198001010013",
        "ForeignPermanentResident: usa110080010100 => USA110080010100",
        "ForeignPermanentResident: 911840198001010012 => error: check character is 2, expected 3",
        "ForeignPermanentResident: 911840198013010013 => error: birth date 19801301 is not a date",
        "ForeignPermanentResident: 11010519491231002X => error: {L} of the 2023 cards starts \
            with 9, this starts with 110105",
        "ForeignPermanentResident: US1110080010100 => error: {L} of the earlier cards has 3 \
            letters then 12 digits, character 3 is '1'",
        "ForeignPermanentResident: USA1100800101 => error: {L} has 18 characters (2023 card) \
            or 15 (earlier cards), this has 13",
        "HomeReturnPermit: h12345678 => H12345678",
        "HomeReturnPermit: M1234567801 => M1234567801",
        "HomeReturnPermit: C12345678 => error: {L} has H or M then 8 or 10 digits, character 1 \
            is 'C'",
        "HomeReturnPermit: H1234567 => error: {L} has H or M then 8 or 10 digits, this has 8 \
            characters",
        "TaiwanCompatriotPermit: 01234567 => 01234567",
        "TaiwanCompatriotPermit: 0123456789 => 0123456789",
        "TaiwanCompatriotPermit: 0123456b => error: {L} has 8 digits, character 8 is 'B'",
        "TaiwanCompatriotPermit: 012345678 => error: {L} has 8 digits (or 10 letters and digits \
            on older cards), this has 9 characters",
        "Passport: e12345678 => E12345678",
        "Passport: ABCDEFGH => error: {L} has at least one digit, this has none",
        "Passport: E123 => error: {L} has 5-17 letters and digits, this has 4",
        "Passport: E1234 5678 => error: {L} has only letters and digits, this has ' '",
        "Other: x1234567 => X1234567",
        "Other: X12 => error: {L} has 4-32 letters and digits, this has 3",
        "Other: \u{131}1234 => error: {L} has only letters and digits, this has 'ı'",
    ];

    const KINDS: [IdKind; 7] = [
        IdKind::ResidentCard,
        IdKind::HkMacaoTaiwanResidencePermit,
        IdKind::ForeignPermanentResident,
        IdKind::HomeReturnPermit,
        IdKind::TaiwanCompatriotPermit,
        IdKind::Passport,
        IdKind::Other,
    ];

    #[test]
    fn check_holder_id_cases() {
        for case in CASES {
            let (kind, rest) = case.split_once(": ").unwrap();
            let kind = *KINDS.iter().find(|k| format!("{k:?}") == kind).unwrap();
            let (raw, want) = rest.split_once(" => ").unwrap();
            let l = format!("a {} number", kind.label_zh());
            let want = match want.strip_prefix("error: ") {
                Some(reason) => Err(field_err(F, reason.replace("{L}", &l))),
                None => Ok(want.to_owned()),
            };
            assert_eq!(check_holder_id(F, kind, raw, today()), want, "{case}");
        }
    }

    #[test]
    fn error_names_the_field() {
        let e = check_holder_id(F, IdKind::ResidentCard, "33060219900101123", today());
        assert_eq!(
            e.unwrap_err().to_string(),
            "holder.national_id: a 居民身份证 number has 18 characters, this has 17"
        );
    }

    #[test]
    fn check_char_of_known_numbers() {
        assert_eq!(gb11643_check_char(b"11010519491231002"), Some(b'X'));
        assert_eq!(gb11643_check_char(b"33060219900101123"), Some(b'1'));
        assert_eq!(gb11643_check_char(b"91184019800101001"), Some(b'3'));
        assert_eq!(gb11643_check_char(b"1101051949123100"), None);
        assert_eq!(gb11643_check_char(b"1101051949123100A"), None);
    }

    #[test]
    fn from_type_text_maps_printed_types() {
        assert_eq!(IdKind::from_type_text(None), IdKind::ResidentCard);
        for case in [
            "   => ResidentCard",
            "居民身份证 => ResidentCard",
            "身份证 => ResidentCard",
            "Resident Identity Card => ResidentCard",
            "港澳台居民居住证 => HkMacaoTaiwanResidencePermit",
            "外国人永久居留身份证 => ForeignPermanentResident",
            "Foreigner's Permanent Residence ID Card => ForeignPermanentResident",
            "港澳居民来往内地通行证 => HomeReturnPermit",
            "Mainland Travel Permit for Hong Kong and Macao Residents => HomeReturnPermit",
            "台湾居民来往大陆通行证 => TaiwanCompatriotPermit",
            " 护照  => Passport",
            "PASSPORT => Passport",
            "港澳通行证 => Other",
            "军官证 => Other",
        ] {
            let (text, want) = case.split_once(" => ").unwrap();
            let got = format!("{:?}", IdKind::from_type_text(Some(text)));
            assert_eq!(got, want, "{text:?}");
        }
        for kind in KINDS {
            let back = IdKind::from_type_text(Some(kind.label_zh()));
            assert!(back == kind || kind == IdKind::Other, "{kind:?}");
        }
    }
}
