//! The table `serve` prints after creating the demo issuer: for each sample certificate, its
//! holder, state, verification URL and files (the printable PDF included), so that whoever
//! tries the demo knows which file is whose.

use super::serve::DemoCertificate;

/// The table of the demo certificates (`serve`'s `demo` entries), one block a holder.
pub(crate) fn table(demo: &[DemoCertificate]) -> String {
    let mut out = String::from("  holder → state → verification URL → files\n");
    for d in demo {
        let url = d.verify_url.as_deref().unwrap_or(&d.credential_id);
        out.push_str(&format!("  {} → {} → {url}\n", d.holder, d.state));
        let mut names: Vec<(&str, String)> = d
            .files
            .iter()
            .filter_map(|(k, p)| {
                let name = p.file_name()?.to_string_lossy();
                Some((describe(k), name.into_owned()))
            })
            .collect();
        names.sort_by_key(|(k, _)| order(k));
        for (kind, name) in names {
            out.push_str(&format!("      {kind:<22} {name}\n"));
        }
    }
    out
}

/// What a file of the demo is, in words.
fn describe(kind: &str) -> &str {
    match kind {
        "pdf" => "printable certificate",
        "certificate" => "certificate page (HTML)",
        "document" => "credential (JSON)",
        "token" => "token (vc+jwt)",
        "qr_png" => "QR code (PNG)",
        "qr_svg" => "QR code (SVG)",
        other => other,
    }
}

fn order(kind: &str) -> usize {
    [
        "printable certificate",
        "QR code (PNG)",
        "QR code (SVG)",
        "credential (JSON)",
        "token (vc+jwt)",
        "certificate page (HTML)",
    ]
    .iter()
    .position(|k| *k == kind)
    .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_block_a_holder_with_the_pdf_first() {
        let d = DemoCertificate {
            credential_id: "urn:uuid:00000000-0000-4000-8000-000000000000".into(),
            token: "t".into(),
            qr_text: "q".into(),
            verify_url: Some("http://127.0.0.1:8080/V/123".into()),
            holder: "赵强".into(),
            state: "revoked",
            files: vec![
                ("token", "/d/demo/u.jwt".into()),
                ("pdf", "/d/demo/u.pdf".into()),
            ],
        };
        let t = table(&[d]);
        assert!(
            t.contains("赵强 → revoked → http://127.0.0.1:8080/V/123"),
            "{t}"
        );
        let pdf = t.find("printable certificate").unwrap();
        assert!(pdf < t.find("token (vc+jwt)").unwrap(), "{t}");
        assert!(t.contains("u.pdf"), "{t}");
    }
}
