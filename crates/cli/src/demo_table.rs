//! The table `serve` prints after creating the demo issuer: for each sample certificate, its
//! holder, state, verification URL and files (the printable PDF included), so that whoever
//! tries the demo knows which file is whose.

use serde_json::Value;

/// The table of the demo certificates (`serve`'s `demo` JSON entries), one block a holder.
pub(crate) fn table(demo: &[Value]) -> String {
    let text = |d: &Value, k: &str| d[k].as_str().unwrap_or("").to_owned();
    let mut out = String::from("  holder → state → verification URL → files\n");
    for d in demo {
        let url = d["verify_url"]
            .as_str()
            .or(d["credential_id"].as_str())
            .unwrap_or("");
        out.push_str(&format!(
            "  {} → {} → {url}\n",
            text(d, "holder"),
            text(d, "state")
        ));
        if let Some(files) = d["files"].as_object() {
            let mut names: Vec<(String, String)> = files
                .iter()
                .filter_map(|(k, p)| {
                    let p = p.as_str()?;
                    let name = std::path::Path::new(p).file_name()?.to_string_lossy();
                    Some((describe(k).to_owned(), name.into_owned()))
                })
                .collect();
            names.sort_by_key(|(k, _)| order(k));
            for (kind, name) in names {
                out.push_str(&format!("      {kind:<22} {name}\n"));
            }
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
        let d = serde_json::json!([{"holder": "赵强", "state": "revoked",
            "verify_url": "http://127.0.0.1:8080/V/123",
            "files": {"token": "/d/demo/u.jwt", "pdf": "/d/demo/u.pdf"}}]);
        let t = table(d.as_array().unwrap());
        assert!(
            t.contains("赵强 → revoked → http://127.0.0.1:8080/V/123"),
            "{t}"
        );
        let pdf = t.find("printable certificate").unwrap();
        assert!(pdf < t.find("token (vc+jwt)").unwrap(), "{t}");
        assert!(t.contains("u.pdf"), "{t}");
    }
}
