//! The printable certificate: one self-contained HTML page (no external resources) with the
//! holder, program, level (Chinese and English, with its place in the framework), issuer,
//! dates, id and the QR code as inline SVG. The page is `templates/certificate.html`, rendered
//! by askama, which escapes every value.

use askama::Template;
use skillcert::issuer::Issued;
use skillcert::verify::Summary;

/// `templates/certificate.html`.
#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage<'a> {
    holder: &'a str,
    latin: Option<&'a str>,
    program: &'a str,
    code: Option<&'a str>,
    level: &'a str,
    zh: &'a str,
    en: &'a str,
    framework: &'static str,
    position: &'a str,
    issuer: &'a str,
    from: String,
    until: String,
    /// The QR code: SVG markup made by [`skillcert_qrimage::render::to_svg`], put in as it is.
    svg: String,
    id: String,
}

/// The HTML page of an issued certificate; `svg` is its QR code (as made by
/// [`skillcert_qrimage::render::to_svg`]: trusted markup, inserted unescaped).
pub(crate) fn html(issued: &Issued, svg: &str) -> String {
    let c = &issued.claims;
    let s = Summary::from_claims(c);
    let svg = svg.find("<svg").map_or(svg, |i| &svg[i..]).replacen(
        "<svg",
        "<svg class=\"qr\" role=\"img\" aria-label=\"QR code\"",
        1,
    );
    let text = |v: &'_ Option<String>| v.as_deref().unwrap_or("").to_owned();
    let (zh, en, position) = (
        text(&s.level_name_zh),
        text(&s.level_name_en),
        text(&s.level_position),
    );
    let page = CertificatePage {
        holder: &c.holder.name,
        latin: c.holder.name_latin.as_deref(),
        program: &c.program.name,
        code: c.program.code.as_deref(),
        level: &c.level.value,
        zh: &zh,
        en: &en,
        framework: c.level.framework.title(),
        position: &position,
        issuer: &c.issuer.name,
        from: both_dates(&c.valid_from),
        until: c
            .valid_until
            .as_ref()
            .map_or_else(|| "长期有效 no expiry".to_owned(), both_dates),
        svg,
        id: c.id_urn(),
    };
    // Rendering into a String fails only if a value's Display fails; none here does.
    page.render().expect("the certificate template renders")
}

/// `2026年12月2日 2 December 2026` (China Standard Time, as the verification pages show it).
fn both_dates(t: &chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{} {}",
        skillcert::verify::date_zh(t),
        skillcert::verify::date_en(t)
    )
}

#[cfg(test)]
mod tests {
    use skillcert::issuer::Issuer;
    use skillcert::request::IssuanceRequest;

    #[test]
    fn values_are_escaped_and_the_qr_code_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let issuer = Issuer::init(dir.path(), "Centre <A> & \"B\"", None).unwrap();
        let req = serde_json::json!({
            "holder": {"name": "王<b>小明'", "name_latin": "Wang <i>"},
            "program": {"name": "CNC & <Milling>", "code": "6-18-01-01"},
            "level": {"framework": "cn-nvq", "value": "2"},
        });
        let (_, checked) = IssuanceRequest::from_value(req).unwrap();
        let issued = issuer.issue_unregistered(&checked).unwrap();
        let svg = "<?xml version=\"1.0\"?><svg viewBox=\"0 0 1 1\"><rect/></svg>";
        let page = super::html(&issued, svg);
        assert!(page.contains("<div class=\"holder\">王&lt;b&gt;小明&#39;</div>"));
        assert!(page.contains("<div class=\"latin\">Wang &lt;i&gt;</div>"));
        assert!(page.contains(
            "<td>CNC &amp; &lt;Milling&gt; <span class=\"code\">(6-18-01-01)</span></td>"
        ));
        assert!(page.contains("<td>Centre &lt;A&gt; &amp; &quot;B&quot;</td>"));
        assert!(!page.contains("<b>") && !page.contains("<i>") && !page.contains("<?xml"));
        assert!(page.contains(
            "<svg class=\"qr\" role=\"img\" aria-label=\"QR code\" viewBox=\"0 0 1 1\"><rect/></svg>"
        ));
        assert!(page.contains(&issued.claims.id_urn()));
        // Dates as people write them, never raw timestamps.
        let from = super::both_dates(&issued.claims.valid_from);
        assert!(page.contains(&format!("<td>{from} – ")), "{page}");
        assert!(!page.contains(&skillcert::model::format_time(&issued.claims.valid_from)));
        assert!(page.starts_with("<!DOCTYPE html>\n") && page.ends_with("</html>\n"));
    }
}
