//! HTML escaping for the page templates (`templates/*.html`, rendered by askama, which calls
//! [`Html`] on every value it writes; see `askama.toml`). Nothing escapes by hand.

use std::fmt;

/// askama's escaper for `.html` templates: `&`, `<`, `>`, `"` and `'` become `&amp;`, `&lt;`,
/// `&gt;`, `&quot;` and `&#39;`, so a value is safe in element content and in quoted
/// attribute values alike.
#[derive(Debug, Clone, Copy, Default)]
pub struct Html;

impl askama::filters::Escaper for Html {
    fn write_escaped_str<W: fmt::Write>(&self, mut dest: W, s: &str) -> fmt::Result {
        let mut done = 0;
        for (i, b) in s.bytes().enumerate() {
            let entity = match b {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                b'\'' => "&#39;",
                _ => continue,
            };
            dest.write_str(&s[done..i])?;
            dest.write_str(entity)?;
            done = i + 1;
        }
        dest.write_str(&s[done..])
    }
}

#[cfg(test)]
mod tests {
    use askama::filters::Escaper;

    fn escape(s: &str) -> String {
        let mut out = String::new();
        super::Html.write_escaped_str(&mut out, s).unwrap();
        out
    }

    #[test]
    fn escapes_every_markup_character() {
        assert_eq!(
            escape("<a href='x' title=\"y\">&</a>"),
            "&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape("技能 ok"), "技能 ok");
        assert_eq!(escape(""), "");
    }
}
