//! Runs the independent libraries of `tests/tooling/` (node `jose` and Digital Bazaar's
//! libraries, Python `joserfc`): one JSON request on stdin, one JSON answer on stdout.
//! `scripts/test.sh` installs them; a missing tool fails the test (it never skips).

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// `tests/tooling`.
pub fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tooling")
}

/// The OB 3.0 context the loaders serve (the shared copy; no network).
pub fn ob_context_path() -> String {
    concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../testdata/vectors/open-badges-3.0/context-3.0.3.json"
    )
    .to_owned()
}

/// Runs `program script args…` in `tests/tooling` with `request` on stdin: `Ok(answer)` when it
/// exits 0, else `Err(stdout + stderr)`. Panics when the program cannot be started.
pub fn call(program: &str, script: &str, args: &[&str], request: &Value) -> Result<Value, String> {
    let mut child = Command::new(program)
        .arg(script)
        .args(args)
        .current_dir(dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} {script} (scripts/test.sh installs it): {e}")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.success() {
        Ok(serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{script}: not JSON ({e}): {stdout}")))
    } else {
        Err(format!("{stdout}{}", String::from_utf8_lossy(&out.stderr)))
    }
}

/// [`call`] that must succeed.
pub fn ok(program: &str, script: &str, args: &[&str], request: &Value) -> Value {
    call(program, script, args, request).unwrap_or_else(|e| panic!("{script} failed: {e}"))
}
