//! The printable certificate: one self-contained HTML page (no external resources) with the
//! holder, program, level (Chinese and English, with its place in the framework), issuer,
//! dates, id and the QR code as inline SVG.

use crate::issuer::Issued;
use crate::model::format_time;
use crate::verify::Summary;

use crate::html::escape;

/// The HTML page of an issued certificate; `svg` is its QR code.
pub fn html(issued: &Issued, svg: &str) -> String {
    let c = &issued.claims;
    let s = Summary::from_claims(c);
    let svg = svg.find("<svg").map_or(svg, |i| &svg[i..]).replacen(
        "<svg",
        "<svg class=\"qr\" role=\"img\" aria-label=\"QR code\"",
        1,
    );
    let e = |v: &Option<String>| escape(v.as_deref().unwrap_or(""));
    let latin = c
        .holder
        .name_latin
        .as_deref()
        .map(|l| format!("<div class=\"latin\">{}</div>", escape(l)))
        .unwrap_or_default();
    let code = c
        .program
        .code
        .as_deref()
        .map(|k| format!(" <span class=\"code\">({})</span>", escape(k)))
        .unwrap_or_default();
    let until = c
        .valid_until
        .as_ref()
        .map_or_else(|| "无期限 no expiry".to_owned(), format_time);
    format!(
        r#"<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{title} – {holder}</title>
<style>
body{{font-family:"Noto Serif CJK SC","Songti SC",serif;margin:0;background:#fff;color:#111}}
.cert{{max-width:780px;margin:24px auto;padding:40px;border:6px double #7a5c1e}}
h1{{text-align:center;font-size:28px;margin:0 0 4px}} h2{{text-align:center;font-size:16px;font-weight:normal;margin:0 0 28px}}
.holder{{text-align:center;font-size:30px;font-weight:bold}} .latin{{text-align:center;font-size:18px}}
table{{margin:24px auto;border-collapse:collapse}} th{{text-align:right;padding:4px 12px;font-weight:normal;color:#555}} td{{padding:4px 12px}}
.qr{{display:block;margin:16px auto;width:240px;height:240px}} .id{{text-align:center;font-family:monospace;font-size:12px}}
.note{{text-align:center;font-size:12px;color:#555}}
</style></head>
<body><div class="cert">
<h1>职业技能等级证书</h1><h2>Vocational Skill Certificate</h2>
<div class="holder">{holder}</div>{latin}
<table>
<tr><th>项目 Program</th><td>{program}{code}</td></tr>
<tr><th>等级 Level</th><td>{level} {zh} {en}<br><small>{framework}: {position}</small></td></tr>
<tr><th>颁发机构 Issuer</th><td>{issuer}</td></tr>
<tr><th>有效期 Valid</th><td>{from} – {until}</td></tr>
</table>
{svg}
<div class="note">扫描二维码验证 Scan the QR code to verify</div>
<div class="id">{id}</div>
</div></body></html>
"#,
        title = "职业技能等级证书 Vocational Skill Certificate",
        holder = escape(&c.holder.name),
        program = escape(&c.program.name),
        level = escape(&c.level.value),
        zh = e(&s.level_name_zh),
        en = e(&s.level_name_en),
        framework = escape(c.level.framework.title()),
        position = e(&s.level_position),
        issuer = escape(&c.issuer.name),
        from = format_time(&c.valid_from),
        until = escape(&until),
        id = escape(&c.id_urn()),
    )
}
