//! The national-style query page (`GET /query`, its form `POST /query`): a form (certificate number, holder name,
//! optional ID number) and what the register holds, in Chinese or English, no JavaScript.

use super::i18n::Lang;
use super::pages::{render, Frame};
use askama::Template;
use serde_json::Value;

/// The query's parameters (`Debug` never shows the ID number).
#[derive(Default)]
pub(super) struct QueryParams {
    /// Certificate number.
    pub(super) number: Option<String>,
    /// Holder name.
    pub(super) name: Option<String>,
    /// National ID number (optional).
    pub(super) id: Option<String>,
    /// Page language.
    pub(super) lang: Option<String>,
}

impl std::fmt::Debug for QueryParams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueryParams")
            .field("number", &self.number)
            .field("name", &self.name)
            .field("id", &self.id.as_ref().map(|_| "<redacted>"))
            .field("lang", &self.lang)
            .finish()
    }
}

/// The words of the page.
struct Words {
    title: &'static str,
    intro: &'static str,
    number: &'static str,
    name: &'static str,
    id: &'static str,
    search: &'static str,
    none: &'static str,
    issuer: &'static str,
    program: &'static str,
    level: &'static str,
    valid: &'static str,
    reported: &'static str,
    changes: &'static str,
    states: [&'static str; 4],
}

const ZH: Words = Words {
    title: "证书查询",
    intro: "输入证书编号和持证人姓名（可加身份证件号码）查询职业技能等级证书的登记信息和当前状态。",
    number: "证书编号",
    name: "姓名",
    id: "身份证件号码（选填）",
    search: "查询",
    none: "未查到与该证书编号和姓名（及证件号码）相符的证书。",
    issuer: "发证机构",
    program: "职业（工种）",
    level: "等级",
    valid: "有效期",
    reported: "登记时间",
    changes: "状态变更",
    states: ["有效", "已撤销", "已暂停", "状态无法确认"],
};

const EN: Words = Words {
    title: "Certificate query",
    intro: "Enter the certificate number and the holder's name (and, if you like, the ID number) to see what the register holds and the certificate's current status.",
    number: "Certificate number",
    name: "Holder name",
    id: "ID number (optional)",
    search: "Search",
    none: "No certificate with this number and name (and ID number) is in the register.",
    issuer: "Issuer",
    program: "Occupation",
    level: "Level",
    valid: "Valid",
    reported: "Reported",
    changes: "Status changes",
    states: ["Valid", "Revoked", "Suspended", "Status cannot be confirmed"],
};

/// One found certificate as shown.
struct Shown {
    tone: &'static str,
    state: &'static str,
    rows: Vec<(&'static str, String)>,
}

/// `templates/query.html`.
#[derive(Template)]
#[template(path = "query.html")]
struct QueryPage<'a> {
    page: Frame<'a>,
    t: &'static Words,
    number: String,
    name: String,
    asked: bool,
    results: Vec<Shown>,
}

fn shown(t: &'static Words, v: &Value) -> Shown {
    // What the register held before it validated names may carry bidi or invisible
    // characters: shown with a visible marker, never raw.
    let s = |p: &str| {
        skillcert::model::text::display_safe(v.pointer(p).and_then(Value::as_str).unwrap_or(""))
            .into_owned()
    };
    let (tone, state) = match s("/current_status").as_str() {
        "active" => ("green", t.states[0]),
        "revoked" => ("red", t.states[1]),
        "suspended" => ("amber", t.states[2]),
        _ => ("amber", t.states[3]),
    };
    let changes: Vec<String> = v["status_changes"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    skillcert::model::text::display_safe(&format!(
                        "{} {}",
                        c["at"].as_str().unwrap_or(""),
                        c["change"].as_str().unwrap_or("")
                    ))
                    .into_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    let mut rows = vec![
        (t.number, s("/record/number")),
        (t.name, s("/record/holderName")),
        (
            t.program,
            format!("{} {}", s("/record/program"), s("/record/programCode")),
        ),
        (
            t.level,
            format!("{} ({})", s("/record/level"), s("/record/framework")),
        ),
        (
            t.valid,
            format!("{} – {}", s("/record/validFrom"), s("/record/validUntil")),
        ),
        (
            t.issuer,
            format!("{} {}", s("/issuer_name"), s("/issuer"))
                .trim()
                .to_owned(),
        ),
        (t.reported, s("/first_reported")),
    ];
    if !changes.is_empty() {
        rows.push((t.changes, changes.join("; ")));
    }
    Shown { tone, state, rows }
}

/// The page: the form, and the results when a query was made (`found`).
pub(super) fn render_page(lang: Lang, q: &QueryParams, found: Option<&[Value]>) -> String {
    let t = match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    };
    let switch = format!("?lang={}", lang.other().code());
    render(&QueryPage {
        page: Frame::new(lang, t.title, &switch),
        t,
        number: q.number.clone().unwrap_or_default(),
        name: q.name.clone().unwrap_or_default(),
        asked: found.is_some(),
        results: found
            .unwrap_or_default()
            .iter()
            .map(|v| shown(t, v))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finding_2_names_held_from_before_validation_show_their_hidden_characters() {
        let v = serde_json::json!({"current_status": "active",
            "record": {"holderName": "王\u{202E}晓明", "number": "S1"},
            "status_changes": [{"at": "2026", "change": "revoke\u{200B}"}]});
        let shown = shown(&ZH, &v);
        let all: String = shown.rows.iter().map(|(_, r)| r.as_str()).collect();
        assert!(
            !all.contains('\u{202E}') && !all.contains('\u{200B}'),
            "{all}"
        );
        assert!(all.contains("王"), "{all}");
    }
}
