//! Reading fixtures so that a failure names the path (a bare "No such file or directory" does
//! not say which fixture is missing). One file, included by each test binary that reads
//! fixtures (`#[path = "../support/files.rs"] mod files;`).

use std::path::Path;

/// The bytes of the file `path`; a failure names the path.
#[track_caller]
pub fn read_file(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The text of the file `path`; a failure names the path.
#[track_caller]
pub fn read_text(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The entries of the folder `path`; a failure names the path.
#[track_caller]
pub fn read_dir(path: impl AsRef<Path>) -> std::fs::ReadDir {
    let path = path.as_ref();
    std::fs::read_dir(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
