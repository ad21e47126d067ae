//! Where an issuer is reached: the QR URL prefix of its public URL, and the URL a `did:web` id
//! names. Shared by the QR form (which writes the prefix) and the verifier (which checks that a
//! QR code sits behind its issuer's own address).

/// The QR URL prefix of an issuer's public URL: upper-cased, with `/V/`.
pub fn qr_url_prefix(public_url: &str) -> String {
    format!(
        "{}/V/",
        public_url.trim_end_matches('/').to_ascii_uppercase()
    )
}

/// `https://host[:port][/path]` of a `did:web` id (`None` for other ids).
pub fn did_web_url(id: &str) -> Option<String> {
    let rest = id.strip_prefix("did:web:")?;
    let mut parts = rest.split(':');
    let host = parts.next()?.replace("%3A", ":").replace("%3a", ":");
    let path: Vec<&str> = parts.collect();
    Some(if path.is_empty() {
        format!("https://{host}")
    } else {
        format!("https://{host}/{}", path.join("/"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_did_web_urls() {
        assert_eq!(
            qr_url_prefix("https://verify.example.cn/"),
            "HTTPS://VERIFY.EXAMPLE.CN/V/"
        );
        assert_eq!(
            did_web_url("did:web:verify.example.cn").as_deref(),
            Some("https://verify.example.cn")
        );
        assert_eq!(
            did_web_url("did:web:localhost%3A8443:issuers:a").as_deref(),
            Some("https://localhost:8443/issuers/a")
        );
        assert_eq!(did_web_url("did:key:z6Mk"), None);
    }
}
