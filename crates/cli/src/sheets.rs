//! `issue-batch --print-sheets N`: the PDFs of a run combined into files of N certificates, in
//! roster order, for the print shop: `DIR/sheets/sheet-00001.pdf` holds the first N
//! certificates of the roster (bad rows left out), and so on. Each file is written under a
//! temporary name and renamed, so a file under its final name is complete; files are 0600 and
//! the folder 0700 ([`skillcert::private_fs`]).

use super::common::CliError;
use super::outputs::PrintCtx;
use skillcert_print::pdf::PrintedCertificate;
use std::path::{Path, PathBuf};

/// The sheet files being written.
pub(crate) struct Sheets {
    per: usize,
    dir: PathBuf,
    ctx: PrintCtx,
    pages: Vec<PrintedCertificate>,
    written: Vec<PathBuf>,
}

impl Sheets {
    /// Sheets of `per` certificates in `out/sheets/` (old sheet files there are removed: every
    /// run writes the whole roster's sheets).
    pub(crate) fn new(out: &Path, per: usize, ctx: PrintCtx) -> Result<Sheets, CliError> {
        let dir = out.join("sheets");
        let io = |e: std::io::Error| CliError::unreadable(format!("{}: {e}", dir.display()));
        skillcert::private_fs::create_dir_all(&dir).map_err(io)?;
        for e in std::fs::read_dir(&dir).map_err(io)?.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with("sheet-") && name.ends_with(".pdf") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        Ok(Sheets {
            per: per.max(1),
            dir,
            ctx,
            pages: Vec::new(),
            written: Vec::new(),
        })
    }

    /// Adds the next certificate's page; writes a sheet file when `per` are together.
    pub(crate) fn push(&mut self, page: PrintedCertificate) -> Result<(), CliError> {
        self.pages.push(page);
        if self.pages.len() >= self.per {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the last, partly filled sheet file.
    pub(crate) fn finish(&mut self) -> Result<(), CliError> {
        if self.pages.is_empty() {
            return Ok(());
        }
        self.flush()
    }

    /// The sheet files written.
    pub(crate) fn written(&self) -> Vec<PathBuf> {
        self.written.clone()
    }

    fn flush(&mut self) -> Result<(), CliError> {
        let bytes = self
            .ctx
            .printer
            .sheets(&self.pages)
            .map_err(CliError::refused)?;
        let path = self
            .dir
            .join(format!("sheet-{:05}.pdf", self.written.len() + 1));
        let tmp = self.dir.join(format!(".sheet-{}.tmp", std::process::id()));
        let io = |e: std::io::Error| CliError::unreadable(format!("{}: {e}", path.display()));
        let _ = std::fs::remove_file(&tmp);
        skillcert::private_fs::write_unsynced(&tmp, &bytes).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        self.written.push(path);
        self.pages.clear();
        Ok(())
    }
}
