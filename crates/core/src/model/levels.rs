//! Skill-level frameworks (`testdata/reference/levels.md`): the levels of each, lowest first,
//! with Chinese and English names.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A skill-level framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Framework {
    /// China's national vocational skill levels (5 lowest … 1 highest).
    #[serde(rename = "cn-nvq")]
    CnNvq,
    /// The "1+X" vocational skill certificates.
    #[serde(rename = "1x")]
    OneX,
    /// International Institute of Welding qualifications.
    #[serde(rename = "iiw")]
    Iiw,
    /// European Qualifications Framework.
    #[serde(rename = "eqf")]
    Eqf,
}

/// One level of a framework.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelInfo {
    /// The value as written on certificates (`"2"`, `"advanced"`, `"IWT"`).
    pub value: &'static str,
    /// Chinese name.
    pub zh: &'static str,
    /// English name.
    pub en: &'static str,
}

const CN_NVQ: &[LevelInfo] = &[
    LevelInfo {
        value: "5",
        zh: "五级/初级工",
        en: "Elementary",
    },
    LevelInfo {
        value: "4",
        zh: "四级/中级工",
        en: "Intermediate",
    },
    LevelInfo {
        value: "3",
        zh: "三级/高级工",
        en: "Senior",
    },
    LevelInfo {
        value: "2",
        zh: "二级/技师",
        en: "Technician",
    },
    LevelInfo {
        value: "1",
        zh: "一级/高级技师",
        en: "Senior Technician",
    },
];
const ONE_X: &[LevelInfo] = &[
    LevelInfo {
        value: "elementary",
        zh: "初级",
        en: "Elementary",
    },
    LevelInfo {
        value: "intermediate",
        zh: "中级",
        en: "Intermediate",
    },
    LevelInfo {
        value: "advanced",
        zh: "高级",
        en: "Advanced",
    },
];
const IIW: &[LevelInfo] = &[
    LevelInfo {
        value: "IWS",
        zh: "国际焊接技士",
        en: "International Welding Specialist",
    },
    LevelInfo {
        value: "IWT",
        zh: "国际焊接技师",
        en: "International Welding Technician",
    },
    LevelInfo {
        value: "IWE",
        zh: "国际焊接工程师",
        en: "International Welding Engineer",
    },
];
const EQF: &[LevelInfo] = &[
    LevelInfo {
        value: "1",
        zh: "欧洲资格框架1级",
        en: "EQF level 1",
    },
    LevelInfo {
        value: "2",
        zh: "欧洲资格框架2级",
        en: "EQF level 2",
    },
    LevelInfo {
        value: "3",
        zh: "欧洲资格框架3级",
        en: "EQF level 3",
    },
    LevelInfo {
        value: "4",
        zh: "欧洲资格框架4级",
        en: "EQF level 4",
    },
    LevelInfo {
        value: "5",
        zh: "欧洲资格框架5级",
        en: "EQF level 5",
    },
    LevelInfo {
        value: "6",
        zh: "欧洲资格框架6级",
        en: "EQF level 6",
    },
    LevelInfo {
        value: "7",
        zh: "欧洲资格框架7级",
        en: "EQF level 7",
    },
    LevelInfo {
        value: "8",
        zh: "欧洲资格框架8级",
        en: "EQF level 8",
    },
];

impl Framework {
    /// All frameworks, in their compact-code order.
    pub const ALL: [Framework; 4] = [
        Framework::CnNvq,
        Framework::OneX,
        Framework::Iiw,
        Framework::Eqf,
    ];

    /// The framework id (`cn-nvq`, `1x`, `iiw`, `eqf`).
    pub fn id(self) -> &'static str {
        match self {
            Framework::CnNvq => "cn-nvq",
            Framework::OneX => "1x",
            Framework::Iiw => "iiw",
            Framework::Eqf => "eqf",
        }
    }

    /// Parses a framework id.
    pub fn from_id(s: &str) -> Option<Framework> {
        Framework::ALL.into_iter().find(|f| f.id() == s)
    }

    /// Compact one-byte code used by the QR form (1-based).
    pub fn code(self) -> u8 {
        Framework::ALL
            .iter()
            .position(|f| *f == self)
            .expect("listed") as u8
            + 1
    }

    /// The framework with this compact code.
    pub fn from_code(c: u8) -> Option<Framework> {
        Framework::ALL.get(usize::from(c).checked_sub(1)?).copied()
    }

    /// Levels, lowest first.
    pub fn levels(self) -> &'static [LevelInfo] {
        match self {
            Framework::CnNvq => CN_NVQ,
            Framework::OneX => ONE_X,
            Framework::Iiw => IIW,
            Framework::Eqf => EQF,
        }
    }

    /// Human title, English and Chinese.
    pub fn title(self) -> &'static str {
        match self {
            Framework::CnNvq => "国家职业技能等级 China National Vocational Skill Levels",
            Framework::OneX => "1+X 职业技能等级证书 1+X Vocational Skill Certificates",
            Framework::Iiw => "国际焊接学会资格 International Institute of Welding Qualifications",
            Framework::Eqf => "欧洲资格框架 European Qualifications Framework",
        }
    }

    /// Default validity in years for a certificate of this framework (0 = no expiry).
    pub fn default_valid_years(self) -> u32 {
        match self {
            Framework::Iiw => 0,
            Framework::OneX => 3,
            _ => 5,
        }
    }

    /// The level with this value, if the framework has it.
    pub fn level(self, value: &str) -> Option<(usize, &'static LevelInfo)> {
        self.levels()
            .iter()
            .enumerate()
            .find(|(_, l)| l.value == value)
    }

    /// Where a level sits, in words: `"2 of 5, 1 = highest"` style for cn-nvq.
    pub fn position_text(self, value: &str) -> Option<String> {
        let (i, _) = self.level(value)?;
        let n = self.levels().len();
        Some(match self {
            Framework::CnNvq => format!("level {value} of 5 (5 = lowest, 1 = highest)"),
            _ => format!("{} of {n} (1 = lowest, {n} = highest)", i + 1),
        })
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for f in Framework::ALL {
            assert_eq!(Framework::from_code(f.code()), Some(f));
            assert_eq!(Framework::from_id(f.id()), Some(f));
        }
        assert_eq!(Framework::from_code(0), None);
        assert_eq!(Framework::from_code(5), None);
    }

    #[test]
    fn cn_nvq_level_1_is_highest() {
        let (i, l) = Framework::CnNvq.level("1").unwrap();
        assert_eq!(i, 4);
        assert_eq!(l.en, "Senior Technician");
        assert!(Framework::CnNvq.level("6").is_none());
        assert_eq!(Framework::Iiw.default_valid_years(), 0);
    }
}
