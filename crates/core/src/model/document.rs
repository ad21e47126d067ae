//! The `OpenBadgeCredential` document of a [`Claims`], defined once as a [`Serialize`] view of
//! the claims: [`Claims::to_document`] writes it out as JSON, and [`Claims::matches_document`]
//! compares a document with it without building it ([`same`](super::same)).

use super::same::serializes_to_object;
use super::{
    format_time, Claims, Framework, Holder, IssuerProfile, LevelInfo, Program, StatusRef,
    OB_V3_CONTEXT, VC_V2_CONTEXT,
};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::fmt;

impl Claims {
    /// The unsigned `OpenBadgeCredential` document.
    pub fn to_document(&self) -> Value {
        // Every key of the view is a string: writing it as a JSON value cannot fail.
        serde_json::to_value(Document(self)).unwrap_or(Value::Null)
    }

    /// [`to_document`](Self::to_document) as compact JSON text, written without building it
    /// (the form the issuer's database records).
    pub fn document_json(&self) -> String {
        serde_json::to_string(&Document(self)).unwrap_or_default()
    }

    /// Whether `doc`, leaving out its `proof`, is exactly [`to_document`](Self::to_document)
    /// (found without building it).
    pub fn matches_document(&self, doc: &Map<String, Value>) -> bool {
        serializes_to_object(&Document(self), doc, &["proof"])
    }
}

/// A string written through `Display`: compared piece by piece, never allocated for that.
struct Fmt<'a>(fmt::Arguments<'a>);

impl Serialize for Fmt<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// `urn:skillcert:framework:<id>`.
struct FrameworkId(Framework);

impl fmt::Display for FrameworkId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "urn:skillcert:framework:{}", self.0.id())
    }
}

/// `urn:skillcert:framework:<id>:<level>`.
struct LevelId<'a>(Framework, &'a str);

impl fmt::Display for LevelId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "urn:skillcert:framework:{}:{}", self.0.id(), self.1)
    }
}

/// `urn:skillcert:program:<code>`, or a hash of the name for a program without a code.
struct AchievementId<'a>(&'a Program);

impl fmt::Display for AchievementId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0.code {
            Some(code) => write!(f, "urn:skillcert:program:{code}"),
            None => {
                let digest = Sha256::digest(self.0.name.as_bytes());
                f.write_str("urn:skillcert:program:sha256-")?;
                digest[..8].iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
    }
}

struct Document<'a>(&'a Claims);

impl Serialize for Document<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let mut m = s.serialize_struct("OpenBadgeCredential", 9)?;
        m.serialize_field("@context", &[VC_V2_CONTEXT, OB_V3_CONTEXT])?;
        m.serialize_field("id", &Fmt(format_args!("urn:uuid:{}", c.id)))?;
        m.serialize_field("type", &["VerifiableCredential", "OpenBadgeCredential"])?;
        m.serialize_field("name", &c.program.name)?;
        m.serialize_field("issuer", &Issuer(&c.issuer))?;
        m.serialize_field("validFrom", &format_time(&c.valid_from))?;
        if let Some(u) = &c.valid_until {
            m.serialize_field("validUntil", &format_time(u))?;
        }
        m.serialize_field("credentialSubject", &Subject(c))?;
        if !c.status.is_empty() {
            let entries: Vec<Status<'_>> = c.status.iter().map(Status).collect();
            m.serialize_field("credentialStatus", &entries)?;
        }
        m.end()
    }
}

struct Issuer<'a>(&'a IssuerProfile);

impl Serialize for Issuer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Profile", 4)?;
        m.serialize_field("id", &self.0.id)?;
        m.serialize_field("type", &["Profile"])?;
        m.serialize_field("name", &self.0.name)?;
        if let Some(u) = &self.0.url {
            m.serialize_field("url", u)?;
        }
        m.end()
    }
}

struct Subject<'a>(&'a Claims);

impl Serialize for Subject<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.0;
        let f = c.level.framework;
        let mut m = s.serialize_struct("AchievementSubject", 5)?;
        m.serialize_field("type", &["AchievementSubject"])?;
        m.serialize_field("identifier", &Identifiers(c))?;
        m.serialize_field("achievement", &Achievement(&c.program, f))?;
        m.serialize_field("result", &[AchievedResult(f, &c.level.value)])?;
        if let Some(n) = &c.number {
            m.serialize_field("licenseNumber", n)?;
        }
        m.end()
    }
}

/// The holder's `IdentityObject`s: name, Latin name, hashed national ID.
struct Identifiers<'a>(&'a Claims);

impl Serialize for Identifiers<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let Holder {
            name,
            name_latin,
            id_binding,
        } = &self.0.holder;
        let mut seq = s.serialize_seq(None)?;
        seq.serialize_element(&Identity("name", name, None))?;
        if let Some(l) = name_latin {
            seq.serialize_element(&Identity("ext:nameLatin", l, None))?;
        }
        if let Some(b) = id_binding {
            let hash = format!("sha256${}", hex::encode(b.hash));
            seq.serialize_element(&Identity("nationalIdentityNumber", &hash, Some(&b.salt)))?;
        }
        seq.end()
    }
}

/// One `IdentityObject`: type, value, and the salt (32 lower-case hex digits) when hashed.
struct Identity<'a>(&'static str, &'a str, Option<&'a [u8; 16]>);

impl Serialize for Identity<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("IdentityObject", 5)?;
        m.serialize_field("type", "IdentityObject")?;
        m.serialize_field("identityType", self.0)?;
        m.serialize_field("hashed", &self.2.is_some())?;
        m.serialize_field("identityHash", self.1)?;
        if let Some(salt) = self.2 {
            m.serialize_field("salt", &Fmt(format_args!("{}", HexSalt(salt))))?;
        }
        m.end()
    }
}

/// 16 bytes as 32 lower-case hex digits.
struct HexSalt<'a>(&'a [u8; 16]);

impl fmt::Display for HexSalt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

struct Achievement<'a>(&'a Program, Framework);

impl Serialize for Achievement<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (p, f) = (self.0, self.1);
        let mut m = s.serialize_struct("Achievement", 8)?;
        m.serialize_field("id", &Fmt(format_args!("{}", AchievementId(p))))?;
        m.serialize_field("type", &["Achievement"])?;
        m.serialize_field("achievementType", "Certificate")?;
        m.serialize_field("name", &p.name)?;
        m.serialize_field(
            "description",
            &Fmt(format_args!("Vocational skill certificate: {}", p.name)),
        )?;
        m.serialize_field("criteria", &Criteria(f))?;
        m.serialize_field("resultDescription", &[ResultDescription(f)])?;
        if let Some(code) = &p.code {
            m.serialize_field("humanCode", code)?;
        }
        m.end()
    }
}

struct Criteria(Framework);

impl Serialize for Criteria {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Criteria", 1)?;
        m.serialize_field(
            "narrative",
            &Fmt(format_args!(
                "Assessed and certified at a level of the {} framework.",
                self.0.id()
            )),
        )?;
        m.end()
    }
}

/// The framework's levels as an Open Badges rubric.
struct ResultDescription(Framework);

impl Serialize for ResultDescription {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.0;
        let levels = f.levels();
        let mut m = s.serialize_struct("ResultDescription", 6)?;
        m.serialize_field("id", &Fmt(format_args!("{}", FrameworkId(f))))?;
        m.serialize_field("type", &["ResultDescription"])?;
        m.serialize_field("name", f.title())?;
        m.serialize_field("resultType", "RubricCriterionLevel")?;
        let values: Vec<&str> = levels.iter().map(|l| l.value).collect();
        m.serialize_field("allowedValue", &values)?;
        let rubric: Vec<RubricLevel> = levels.iter().map(|l| RubricLevel(f, l)).collect();
        m.serialize_field("rubricCriterionLevel", &rubric)?;
        m.end()
    }
}

struct RubricLevel(Framework, &'static LevelInfo);

impl Serialize for RubricLevel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let l = self.1;
        let mut m = s.serialize_struct("RubricCriterionLevel", 4)?;
        m.serialize_field("id", &Fmt(format_args!("{}", LevelId(self.0, l.value))))?;
        m.serialize_field("type", &["RubricCriterionLevel"])?;
        m.serialize_field("name", &Fmt(format_args!("{} {}", l.zh, l.en)))?;
        m.serialize_field("level", l.value)?;
        m.end()
    }
}

/// The holder's `Result`: the level achieved.
struct AchievedResult<'a>(Framework, &'a str);

impl Serialize for AchievedResult<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (f, value) = (self.0, self.1);
        let mut m = s.serialize_struct("Result", 4)?;
        m.serialize_field("type", &["Result"])?;
        m.serialize_field(
            "resultDescription",
            &Fmt(format_args!("{}", FrameworkId(f))),
        )?;
        m.serialize_field("achievedLevel", &Fmt(format_args!("{}", LevelId(f, value))))?;
        m.serialize_field("value", value)?;
        m.end()
    }
}

/// A `BitstringStatusListEntry`.
struct Status<'a>(&'a StatusRef);

impl Serialize for Status<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.0;
        let mut m = s.serialize_struct("BitstringStatusListEntry", 5)?;
        m.serialize_field("id", &Fmt(format_args!("{}#{}", r.list_url, r.index)))?;
        m.serialize_field("type", "BitstringStatusListEntry")?;
        m.serialize_field("statusPurpose", r.purpose.as_str())?;
        m.serialize_field("statusListIndex", &Fmt(format_args!("{}", r.index)))?;
        m.serialize_field("statusListCredential", &r.list_url)?;
        m.end()
    }
}

impl StatusRef {
    /// The `BitstringStatusListEntry` JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(Status(self)).unwrap_or(Value::Null)
    }
}
