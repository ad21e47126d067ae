//! The public web pages: `GET /` (paste a token or upload a photo), `GET /V/{payload}` (the
//! QR's URL: the verification page), and the two form targets `POST /verify` and
//! `POST /verify/image`. Mobile-first HTML with one inline style sheet allowed by its hash in a
//! strict Content-Security-Policy; no script, no external resource; Chinese and English.
//!
//! The markup is in `templates/` (`page.html`, `home.html`, `report.html`), rendered by askama,
//! which escapes every value; this module decides what the pages show.

use super::api::{read_image_field, verify_bytes};
use super::bodies::{ErrorBody, MalformedReport};
use super::errors::ApiError;
use super::i18n::{tone, verdict_text, words, Lang, Tone, Words};
use super::openapi::responses::{TooLarge, VerdictPage};
use super::schemas::ImageForm;
use super::state::AppState;
use askama::Template;
use axum::extract::multipart::Multipart;
use axum::extract::rejection::{FormRejection, PathRejection, QueryRejection};
use axum::extract::{Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use skillcert::model::Framework;
use skillcert::verify::{Outcome, Report, Summary, Verdict};
use std::sync::OnceLock;

/// Longest `/V/{payload}` accepted (a version-40 QR holds at most 4,296 alphanumeric characters).
pub const MAX_QR_PAYLOAD: usize = 8192;

/// The style sheet: the system's fonts first, then the site's own (`super::assets`): the UI
/// subset, then the printed certificate's whole font for names the subset lacks.
///
/// The list names no generic `system-ui`: on a system without Chinese fonts, Chromium drew
/// boxes for the Chinese text it laid out with `system-ui` before the web font had loaded
/// (seen in the browser test's screenshots), and never redrew it.
fn css() -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(|| {
        format!(
            "@font-face{{font-family:'Skillcert UI';src:url({}) format('woff')}}\
             @font-face{{font-family:'Skillcert CJK';src:url({}) format('opentype')}}{CSS_RULES}",
            super::assets::ui_font_path(),
            super::assets::cjk_font_path()
        )
    })
}

const CSS_RULES: &str = "\
*{box-sizing:border-box}\
body{margin:0;font:16px/1.5 -apple-system,'Segoe UI',Roboto,'Helvetica Neue','PingFang SC','Noto Sans CJK SC','Microsoft YaHei','Skillcert UI','Skillcert CJK',sans-serif;background:#f4f5f7;color:#1b1f24}\
header{display:flex;justify-content:space-between;align-items:center;padding:.6rem 1rem;background:#fff;border-bottom:1px solid #dde1e6;font-size:.95rem}\
header a{color:#0b57d0}\
main{max-width:40rem;margin:0 auto;padding:1rem}\
.banner{border-radius:14px;padding:1.2rem 1.2rem 1rem;color:#fff;text-align:center;margin-bottom:1rem}\
.banner .icon svg{width:3.2rem;height:3.2rem}\
.banner h1{margin:.3rem 0;font-size:1.9rem}\
.banner p{margin:0;font-size:1.05rem}\
.green{background:#137333}.amber{background:#b26a00}.red{background:#c5221f}\
dl{background:#fff;border-radius:12px;padding:.4rem 1rem;margin:0 0 1rem}\
dt{font-size:.85rem;color:#5f6368;margin-top:.6rem}\
dd{margin:0 0 .5rem;font-size:1.1rem;font-weight:600;word-break:break-word}\
dd small{display:block;font-weight:400;color:#3c4043;font-size:.9rem}\
.why{background:#fff;border-left:6px solid #c5221f;border-radius:8px;padding:.6rem 1rem;margin-bottom:1rem}\
.why.green{border-left-color:#137333}\
.why.amber{border-left-color:#b26a00;background:#fff}\
details{background:#fff;border-radius:12px;padding:.6rem 1rem;font-size:.9rem}\
summary{cursor:pointer;color:#0b57d0}\
table{border-collapse:collapse;width:100%;table-layout:fixed}\
td{padding:.2rem .4rem;vertical-align:top;overflow-wrap:anywhere}\
td:first-child{width:3.2rem}td:nth-child(2){width:7.5rem}\
.pass{color:#137333}.fail{color:#c5221f}.skip,.warn{color:#b26a00}\
form{background:#fff;border-radius:12px;padding:1rem;margin-bottom:1rem}\
textarea{width:100%;min-height:8rem;font:14px monospace}\
button{margin-top:.6rem;padding:.6rem 1.4rem;font-size:1rem;border:0;border-radius:8px;background:#0b57d0;color:#fff}\
footer{text-align:center;font-size:.85rem;color:#5f6368;padding:1rem}";

/// The Content-Security-Policy of every page: nothing but the inline style sheet (by hash),
/// images from data URLs, the site's own web font, and forms posting to this site.
pub fn csp() -> &'static str {
    static CSP: OnceLock<String> = OnceLock::new();
    CSP.get_or_init(|| {
        let h = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(css().as_bytes()));
        format!(
            "default-src 'none'; style-src 'sha256-{h}'; img-src data:; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
        )
    })
}

/// An HTML response with the security headers.
pub fn html(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(csp()) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// What the frame of every page (`templates/page.html`) shows.
pub(super) struct Frame<'a> {
    pub(super) tag: &'static str,
    pub(super) title: &'a str,
    pub(super) css: &'static str,
    pub(super) code: &'static str,
    pub(super) site: &'static str,
    pub(super) switch_href: &'a str,
    pub(super) other_tag: &'static str,
    pub(super) other_name: &'static str,
}

impl<'a> Frame<'a> {
    pub(super) fn new(lang: Lang, title: &'a str, switch_href: &'a str) -> Frame<'a> {
        let other = lang.other();
        Frame {
            tag: lang.tag(),
            title,
            css: css(),
            code: lang.code(),
            site: words(lang).site,
            switch_href,
            other_tag: other.tag(),
            other_name: other.name(),
        }
    }
}

/// Renders a page template. Rendering into a `String` fails only if a value's `Display`
/// fails, which none here does.
pub(super) fn render(t: &impl Template) -> String {
    t.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "a page template failed to render");
        String::new()
    })
}

/// `templates/home.html`.
#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    page: Frame<'a>,
    w: &'static Words,
}

/// One claim shown on the verification page: its label, value and a second line.
struct Row {
    key: &'static str,
    value: String,
    small: Option<String>,
}

/// One check in the table of the verification page.
struct CheckRow<'a> {
    class: &'static str,
    name: &'a str,
    reason: &'a str,
}

/// `templates/report.html`.
#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    page: Frame<'a>,
    w: &'static Words,
    tone: &'static str,
    verdict: &'static str,
    icon: &'static str,
    head: &'static str,
    message: &'a str,
    notes: &'a [String],
    rows: Option<Vec<Row>>,
    checks: Vec<CheckRow<'a>>,
    /// The certificate the "check an ID card" form asks about (its number, else its id).
    id_check: Option<String>,
}

/// `templates/holder_check.html`: the answer of the page's ID card check.
#[derive(Template)]
#[template(path = "holder_check.html")]
struct HolderCheckPage<'a> {
    page: Frame<'a>,
    w: &'static Words,
    tone: &'static str,
    matched: bool,
    message: &'static str,
}

/// The answer page of the verification page's ID card check.
pub fn holder_check_page(lang: Lang, matched: bool) -> String {
    let w = words(lang);
    let (tone, message) = if matched {
        (Tone::Green, w.id_match)
    } else {
        (Tone::Amber, w.id_no_match)
    };
    render(&HolderCheckPage {
        page: Frame::new(lang, w.id_check, &format!("?lang={}", lang.other().code())),
        w,
        tone: tone.class(),
        matched,
        message,
    })
}

const ICON_CHECK: &str = r##"<svg viewBox="0 0 24 24"><path d="M4 12.5l5 5L20 6.5" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round"/></svg>"##;
const ICON_BANG: &str = r##"<svg viewBox="0 0 24 24"><path d="M12 4v10" stroke="#fff" stroke-width="3.2" stroke-linecap="round"/><circle cx="12" cy="19.5" r="1.9" fill="#fff"/></svg>"##;
const ICON_CROSS: &str = r##"<svg viewBox="0 0 24 24"><path d="M6 6l12 12M18 6L6 18" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>"##;

/// The verification page for a report.
pub fn report_page(lang: Lang, r: &Report, switch_href: &str) -> String {
    let (head, _) = verdict_text(r.verdict, lang);
    let t = tone(r.verdict);
    // Drawn, not typed: no font needs a glyph for them.
    let icon = match t {
        Tone::Green => ICON_CHECK,
        Tone::Amber => ICON_BANG,
        Tone::Red => ICON_CROSS,
    };
    let checks = r
        .checks
        .iter()
        .map(|c| CheckRow {
            class: match c.outcome {
                Outcome::Pass => "pass",
                Outcome::Fail => "fail",
                Outcome::Skip => "skip",
                Outcome::Warn => "warn",
            },
            name: c.name.as_str(),
            reason: &c.reason,
        })
        .collect();
    render(&ReportPage {
        page: Frame::new(lang, head, switch_href),
        w: words(lang),
        tone: t.class(),
        verdict: r.verdict.as_str(),
        icon,
        head,
        message: match lang {
            Lang::Zh => &r.message_zh,
            Lang::En => &r.message_en,
        },
        notes: &r.notes,
        rows: (r.summary.holder.is_some() || r.summary.program.is_some()).then(|| {
            let mut rows = claim_rows(lang, &r.summary);
            if let Some(a) = &r.accredited_by {
                rows.push(accreditation_row(lang, a));
            }
            rows
        }),
        checks,
        id_check: r
            .summary
            .number
            .clone()
            .or_else(|| r.summary.credential_id.clone()),
    })
}

/// The row naming the authority that accredits the issuer, and for what.
fn accreditation_row(lang: Lang, a: &skillcert::verify::AccreditedBy) -> Row {
    use skillcert::model::text::display_safe;
    let name = if a.authority_name.is_empty() {
        &a.authority
    } else {
        &a.authority_name
    };
    let scope = match lang {
        Lang::Zh => &a.scope_zh,
        Lang::En => &a.scope,
    };
    Row {
        key: words(lang).accredited_by,
        value: display_safe(name).into_owned(),
        small: Some(display_safe(scope).into_owned()),
    }
}

/// The claims of the verification page. Bidi controls and invisible characters in names are
/// shown as visible `\u{…}` markers.
fn claim_rows(lang: Lang, s: &Summary) -> Vec<Row> {
    use skillcert::model::text::display_safe;
    let w = words(lang);
    let mut rows = Vec::new();
    let mut row = |key: &'static str, value: String, small: Option<String>| {
        rows.push(Row {
            key,
            value: display_safe(&value).into_owned(),
            small: small.map(|x| display_safe(&x).into_owned()),
        });
    };
    if let Some(h) = &s.holder {
        row(w.holder, h.clone(), s.holder_latin.clone());
    }
    if let Some(p) = &s.program {
        row(w.program, p.clone(), s.program_code.clone());
    }
    if let Some(l) = &s.level {
        let (head, place) = level_text(lang, s, l);
        row(w.level, head, place);
    }
    if let Some(n) = &s.number {
        row(w.cert_number, n.clone(), None);
    }
    if let Some(i) = s.issuer_name.as_ref().or(s.issuer.as_ref()) {
        row(w.issuer, i.clone(), s.issuer.clone().filter(|x| x != i));
    }
    if let Some(f) = &s.valid_from {
        row(w.valid_from, date(lang, f), None);
    }
    if s.valid_from.is_some() {
        let until = s
            .valid_until
            .as_deref()
            .map_or(w.no_expiry.to_owned(), |d| date(lang, d));
        row(w.valid_until, until, None);
    }
    if let Some(id) = &s.credential_id {
        row(w.cert_id, id.clone(), None);
    }
    rows
}

/// The level's line (`2 · 中级工`) and where it sits in its framework.
fn level_text(lang: Lang, s: &Summary, l: &str) -> (String, Option<String>) {
    let name = match lang {
        Lang::Zh => s.level_name_zh.as_ref().or(s.level_name_en.as_ref()),
        Lang::En => s.level_name_en.as_ref().or(s.level_name_zh.as_ref()),
    };
    let head = match name {
        Some(n) => format!("{l} · {n}"),
        None => l.to_owned(),
    };
    let framework = s.level_framework.as_deref().and_then(Framework::from_id);
    let fw = framework.map(|f| f.title().to_owned());
    let position = match (lang, framework) {
        (Lang::Zh, Some(f)) => position_zh(f, l).or(s.level_position.clone()),
        _ => s.level_position.clone(),
    };
    let place = [fw, position]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" — ");
    (head, (!place.is_empty()).then_some(place))
}

/// Where a level sits in its framework, in Chinese.
fn position_zh(f: Framework, value: &str) -> Option<String> {
    let (i, _) = f.level(value)?;
    let n = f.levels().len();
    Some(match f {
        Framework::CnNvq => format!("共 5 级中的{value}级（5 级最低，1 级最高）"),
        _ => format!("共 {n} 级中的第 {} 级（1 最低，{n} 最高）", i + 1),
    })
}

/// A date as its reader writes it (`2026年12月2日`, `2 December 2026`; China Standard Time);
/// text that is not an RFC 3339 time is shown as it is.
fn date(lang: Lang, rfc3339: &str) -> String {
    match skillcert::model::parse_time("date", rfc3339) {
        Ok(t) => match lang {
            Lang::Zh => skillcert::verify::date_zh(&t),
            Lang::En => skillcert::verify::date_en(&t),
        },
        Err(_) => rfc3339.to_owned(),
    }
}

/// The home page: paste a token or upload a photo.
pub fn home_page(lang: Lang) -> String {
    let w = words(lang);
    let switch_href = format!("/?lang={}", lang.other().code());
    render(&HomePage {
        page: Frame::new(lang, w.home_title, &switch_href),
        w,
    })
}

/// `?lang=`.
#[derive(Debug, Deserialize)]
pub struct LangQuery {
    /// `zh` or `en`.
    pub lang: Option<String>,
}

fn lang_of(q: &Result<Query<LangQuery>, QueryRejection>, headers: &HeaderMap) -> Lang {
    let ql = q.as_ref().ok().and_then(|Query(q)| q.lang.as_deref());
    Lang::negotiate(ql, headers)
}

/// `GET /`.
#[utoipa::path(get, path = "/", tag = "pages",
    summary = "Home page: paste a token or upload a photo",
    params(("lang" = Option<Lang>, Query, description = "page language (else Accept-Language)")),
    responses((status = 200, description = "the page", body = String, content_type = "text/html")))]
pub async fn home(q: Result<Query<LangQuery>, QueryRejection>, headers: HeaderMap) -> Response {
    html(StatusCode::OK, home_page(lang_of(&q, &headers)))
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// The HTTP status of a verification shown as a page: 400 for input that is not a certificate.
fn page_status(r: &Report) -> StatusCode {
    if r.verdict == Verdict::Malformed {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

/// `GET /V/{payload}`: the QR's URL. HTML for browsers; the JSON report (or a JSON error for
/// input that is not a certificate) for other clients.
#[utoipa::path(get, path = "/V/{payload}", tag = "pages",
    summary = "The QR's URL: the verification page (HTML for browsers, the JSON report otherwise)",
    params(
        ("payload" = String, Path, max_length = 8192, description = "the QR code's payload"),
        ("lang" = Option<Lang>, Query, description = "page language (else Accept-Language)"),
    ),
    responses(
        (status = 200, description = "the verdict (any verdict of a readable certificate)",
            content((String = "text/html"), (Report = "application/json"))),
        (status = 400, description = "browsers: the page for input that is not a certificate; others: a payload too long",
            content((String = "text/html"), (ErrorBody = "application/json"))),
        (status = 422, description = "not a certificate (clients other than browsers): the report with verdict malformed, plus error and message",
            body = MalformedReport),
    ))]
pub async fn qr_page(
    State(state): State<AppState>,
    q: Result<Query<LangQuery>, QueryRejection>,
    headers: HeaderMap,
    payload: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    let Path(payload) = payload?;
    if payload.len() > MAX_QR_PAYLOAD {
        return Err(ApiError::BadRequest(format!(
            "the QR payload is longer than {MAX_QR_PAYLOAD} characters"
        )));
    }
    let report = super::api::verify_qr_payload(&state, &payload).await?;
    if wants_html(&headers) {
        let lang = lang_of(&q, &headers);
        let sw = format!("?lang={}", lang.other().code());
        return Ok(html(page_status(&report), report_page(lang, &report, &sw)));
    }
    Ok(super::api::report_response(report))
}

/// The fields of the paste form.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VerifyForm {
    /// Token, QR text or document.
    pub input: String,
    /// Page language.
    pub lang: Option<String>,
}

/// `POST /verify` (the paste form): the verification page.
#[utoipa::path(post, path = "/verify", tag = "pages",
    summary = "Paste form target: the verification page",
    request_body(content = VerifyForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        VerdictPage,
        (status = 400, description = "not a certificate", body = String, content_type = "text/html"),
        TooLarge,
        (status = 415, description = "not a form", body = ErrorBody),
    ))]
pub async fn verify_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<VerifyForm>, FormRejection>,
) -> Result<Response, ApiError> {
    let Form(f) = form?;
    let lang = Lang::negotiate(f.lang.as_deref(), &headers);
    let report = verify_bytes(&state, f.input.into_bytes()).await?;
    let sw = format!("/?lang={}", lang.other().code());
    Ok(html(page_status(&report), report_page(lang, &report, &sw)))
}

/// `POST /verify/image` (the upload form): the verification page.
#[utoipa::path(post, path = "/verify/image", tag = "pages",
    summary = "Upload form target: the verification page for a photo",
    request_body(content = ImageForm, content_type = "multipart/form-data"),
    responses(
        VerdictPage,
        (status = 400, description = "no QR code found", body = String, content_type = "text/html"),
        TooLarge,
        (status = 415, description = "not multipart", body = ErrorBody),
        (status = 503, description = "every image decoder is busy", body = ErrorBody),
    ))]
pub async fn verify_image_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let (bytes, lang_field) = read_image_field(mp?).await?;
    let lang = Lang::negotiate(lang_field.as_deref(), &headers);
    let report = verify_bytes(&state, bytes).await?;
    let sw = format!("/?lang={}", lang.other().code());
    Ok(html(page_status(&report), report_page(lang, &report, &sw)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_position_in_chinese() {
        assert_eq!(
            position_zh(Framework::CnNvq, "2").unwrap(),
            "共 5 级中的2级（5 级最低，1 级最高）"
        );
        assert_eq!(
            position_zh(Framework::Iiw, "IWT").unwrap(),
            "共 3 级中的第 2 级（1 最低，3 最高）"
        );
        assert!(position_zh(Framework::Eqf, "9").is_none());
    }

    #[test]
    fn the_fonts_are_named_after_the_system_fonts_and_without_system_ui() {
        let body = css().split("body{").nth(1).unwrap();
        let family = body.split(';').find(|d| d.starts_with("font:")).unwrap();
        assert!(!family.contains("system-ui"), "{family}");
        let ui = family.find("'Skillcert UI'").unwrap();
        assert!(family.find("'Microsoft YaHei'").unwrap() < ui, "{family}");
        assert!(ui < family.find("'Skillcert CJK'").unwrap(), "{family}");
        assert!(css().contains(&super::super::assets::ui_font_path()));
    }

    #[test]
    fn csp_pins_the_style_sheet() {
        let c = csp();
        assert!(c.starts_with("default-src 'none'; style-src 'sha256-"));
        assert!(!c.contains("unsafe-inline"));
        assert!(!c.contains("script-src"));
    }

    #[test]
    fn the_style_sheet_of_every_page_is_the_one_the_policy_pins() {
        let r = Report::malformed(skillcert::verify::Format::Document, "x");
        for page in [home_page(Lang::Zh), report_page(Lang::En, &r, "?lang=zh")] {
            let style = page
                .split_once("<style>")
                .and_then(|(_, rest)| rest.split_once("</style>"))
                .map(|(css, _)| css)
                .expect("one inline style sheet");
            let h = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(style));
            assert!(csp().contains(&format!("'sha256-{h}'")), "{}", csp());
            assert_eq!(page.matches("<style>").count(), 1);
        }
    }

    #[test]
    fn malformed_page_shows_reason_escaped() {
        let r = Report::malformed(skillcert::verify::Format::Document, "<script>x</script>");
        let p = report_page(Lang::En, &r, "?lang=zh");
        assert!(p.contains("data-verdict=\"malformed\""));
        assert!(p.contains("&lt;script&gt;x&lt;/script&gt;"));
        // The reason is a technical check: it is inside the folded details, after the message.
        let details = p.find("<details>").expect("a details section");
        assert!(p.find("&lt;script&gt;").unwrap() > details);
        assert!(p.find(r.message_en.as_str()).unwrap() < details);
        assert!(!p.contains("<script>"));
    }
}
