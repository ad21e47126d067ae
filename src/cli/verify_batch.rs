//! `skillcert verify --batch FILE`: the auditor's bulk path. One token or QR text per line
//! (`-` = stdin), one compact JSON verdict per line on stdout (the `verify --json` object plus
//! `line`), streaming, with a size limit per line.

use super::common::{exit_code_after, CliError, CmdResult, EXIT_OK};
use crate::input::trim_ascii;
use crate::verify::{Format, Report, Verifier};
use std::io::{BufRead, BufReader, Read, Write};

/// Longest line accepted (a token of the largest document).
pub(crate) const MAX_LINE: usize = crate::token::MAX_TOKEN;

/// One line: its bytes, or `None` when it was longer than [`MAX_LINE`] (the rest is skipped).
fn next_line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<Option<Option<()>>> {
    buf.clear();
    let n = r
        .by_ref()
        .take(MAX_LINE as u64 + 1)
        .read_until(b'\n', buf)?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() > MAX_LINE && buf.last() != Some(&b'\n') {
        // Skip to the end of the over-long line.
        let mut sink = Vec::new();
        loop {
            sink.clear();
            let m = r.by_ref().take(1 << 16).read_until(b'\n', &mut sink)?;
            if m == 0 || sink.last() == Some(&b'\n') {
                break;
            }
        }
        return Ok(Some(None));
    }
    Ok(Some(Some(())))
}

/// Verifies every line of `source` (a file path or `-`).
pub(crate) fn run(verifier: &Verifier, source: &str) -> CmdResult {
    let input: Box<dyn Read> = if source == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(source)
                .map_err(|e| CliError::unreadable(format!("{source}: {e}")))?,
        )
    };
    let mut reader = BufReader::with_capacity(1 << 16, input);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut code = EXIT_OK;
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    while let Some(ok) = next_line(&mut reader, &mut buf)
        .map_err(|e| CliError::unreadable(format!("{source}: {e}")))?
    {
        line_no += 1;
        let report = match ok {
            None => Report::malformed(
                Format::Token,
                format!("line {line_no}: longer than {MAX_LINE} bytes"),
            ),
            Some(()) => {
                let text = trim_ascii(&buf);
                if text.is_empty() {
                    continue;
                }
                match crate::input::verify_bytes(verifier, text) {
                    Ok(verified) => verified.into_report(),
                    Err(rejected) => {
                        let unreadable = rejected.parse_error().is_some();
                        let mut r = rejected.into_report();
                        if unreadable {
                            for c in &mut r.checks {
                                c.reason = format!("line {line_no}: {}", c.reason);
                            }
                        }
                        r
                    }
                }
            }
        };
        code = exit_code_after(code, &report);
        let mut v = serde_json::to_value(&report).expect("serializable");
        v["line"] = line_no.into();
        writeln!(out, "{v}").map_err(|e| CliError::unreadable(format!("stdout: {e}")))?;
        out.flush()
            .map_err(|e| CliError::unreadable(format!("stdout: {e}")))?;
    }
    Ok(code)
}
