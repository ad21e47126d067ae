//! Owner-only folders and files, whatever the process umask: every file the product writes.
//!
//! One rule, no exceptions: every folder skillcert creates is 0700 and every file it writes
//! 0600 — the data dir (secret keys, holder names, the admin token's hash) and everything
//! written to `--out` alike: issued documents, tokens, QR images, PDFs, print sheets, holder
//! copies, status lists (`status export`), trust lists (`trust export`, `authority publish`)
//! and the register's export. Files meant to be public (status and trust lists) are no
//! exception: publishing them is the operator's deliberate step (copy them to the web root
//! with the mode the web server needs, e.g. `install -m 0644`), never a side effect of a
//! umask; see docs/PRIVACY.md, "Files and modes".
//!
//! Modes are set at creation and then once more on the open file, so neither a lax umask
//! (`umask 000`) nor a leftover file from an earlier run can widen them. A folder that already
//! existed (the operator made it, e.g. an existing `--out`) keeps its mode.

use std::io::Write;
use std::path::Path;

/// Mode of folders the issuer creates.
pub const DIR_MODE: u32 = 0o700;
/// Mode of files the issuer writes.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents, each new one 0700.
pub fn create_dir_all(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        create_dir_all(parent)?;
    }
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(DIR_MODE);
    }
    match b.create(dir) {
        Ok(()) => set_mode(dir, DIR_MODE),
        // Created concurrently by someone else: theirs, keep it.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
        Err(e) => Err(e),
    }
}

/// Opens `path` for writing, created or truncated, with mode 0600 (also when it existed with
/// another mode): for output written as a stream.
pub fn create(path: &Path) -> std::io::Result<std::fs::File> {
    let f = open_options().truncate(true).open(path)?;
    set_file_mode(&f, FILE_MODE)?;
    Ok(f)
}

/// Writes `bytes` to `path` (created or truncated) with mode 0600, and syncs it.
pub fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// [`write()`] without the sync: for the many output files of a run (`issue-batch`), which a
/// re-run checks and rewrites when damaged.
pub fn write_unsynced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    create(path)?.write_all(bytes)
}

/// Writes `bytes` to a temporary file next to `path` (0600) and renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let r = write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, path));
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

/// Creates an empty file with mode 0600 unless `path` exists (which is left as it is).
pub fn create_empty(path: &Path) -> std::io::Result<()> {
    match open_options().create_new(true).open(path) {
        Ok(_) => set_mode(path, FILE_MODE),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

fn open_options() -> std::fs::OpenOptions {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE);
    }
    o
}

/// Sets the permission bits of the open file `f` to `mode` (no-op off Unix).
fn set_file_mode(f: &std::fs::File, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (f, mode);
        Ok(())
    }
}

/// Sets `path`'s permission bits to `mode` (no-op off Unix).
pub fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used, reason = "a failed unwrap is a failed test")]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_folders_and_files_are_owner_only_and_existing_folders_are_kept() {
        let t = tempfile::tempdir().unwrap();
        set_mode(t.path(), 0o755).unwrap();
        let d = t.path().join("a/b");
        create_dir_all(&d).unwrap();
        assert_eq!(mode(&t.path().join("a")), 0o700);
        assert_eq!(mode(&d), 0o700);
        assert_eq!(mode(t.path()), 0o755);
        // A leftover file with a lax mode is tightened when rewritten.
        let f = d.join("f");
        std::fs::write(&f, b"old").unwrap();
        set_mode(&f, 0o666).unwrap();
        write(&f, b"new").unwrap();
        assert_eq!(
            (mode(&f), std::fs::read(&f).unwrap()),
            (0o600, b"new".to_vec())
        );
        write_atomic(&d.join("g"), b"x").unwrap();
        assert_eq!(mode(&d.join("g")), 0o600);
        create_empty(&d.join("h")).unwrap();
        assert_eq!(mode(&d.join("h")), 0o600);
        create_empty(&f).unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"new");
        set_mode(&f, 0o644).unwrap();
        write_unsynced(&f, b"again").unwrap();
        assert_eq!(
            (mode(&f), std::fs::read(&f).unwrap()),
            (0o600, b"again".to_vec())
        );
        set_mode(&f, 0o666).unwrap();
        std::io::Write::write_all(&mut create(&f).unwrap(), b"s").unwrap();
        assert_eq!(
            (mode(&f), std::fs::read(&f).unwrap()),
            (0o600, b"s".to_vec())
        );
    }
}
