//! `skillcert issue-batch ROSTER.csv --out DIR`: issues a roster, resumable and idempotent,
//! on every core.
//!
//! The roster's columns and rules are those of [`skillcert::roster`]; each row's key
//! ([`skillcert::roster::row_key`]) is stored in the issuer's database with the certificate. Re-running the
//! same roster (after a crash or after it finished) issues nothing twice: rows already registered
//! are skipped, rows left `pending` by a crash are signed from their recorded claims, and missing
//! or damaged files are written again. Identical rows in one roster are one certificate (later
//! copies are reported as duplicates). A bad row is reported with its line and column and does
//! not stop the other rows; the exit code is then 1, and re-running after fixing it issues only
//! that row.
//!
//! Rows go in groups ([`BatchArgs::group`]): the group's new certificates are recorded in one
//! database transaction (status entries and numbers included), then signed and their files
//! written on every core, then marked signed in one transaction; while one group is signed,
//! the next is classified and recorded, so the cores are not idle during the database's
//! work. Files are written into
//! `DIR/.skillcert-tmp-<pid>/` and renamed into `DIR`, the document last. One batch at a time
//! per output folder.

use super::common::{CliError, CmdResult, Ctx, EXIT_INVALID, EXIT_OK};
use super::outputs::{self, FileFormat, OutputSpec};
use super::sheets::Sheets;
use super::status::cli_actor;
use skillcert::issuer::{Issued, Issuer};
use skillcert::roster::{Roster, RosterRow, RowError};
use skillcert_print::printing;
use skillcert_store::issuer_db::{IssuerDb, NewCertificate, RecordState, Signed, ToSign};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Largest roster accepted (64 MiB).
pub(crate) const MAX_ROSTER_BYTES: u64 = 64 << 20;

/// Arguments of `issue-batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// Roster CSV (UTF-8, header row).
    pub roster: PathBuf,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Files to write for each certificate, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = outputs::BATCH_FORMATS)]
    pub formats: Vec<FileFormat>,
    /// Certificates recorded per database transaction.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub group: u32,
    /// Also write the PDFs in combined files of N certificates each, in roster order, for the
    /// print shop (`DIR/sheets/sheet-00001.pdf`, …).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=skillcert_print::pdf::MAX_SHEETS as i64))]
    pub print_sheets: Option<u32>,
    /// Worker threads (default: one per core).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub jobs: Option<u32>,
}

/// What happened to the rows.
#[derive(Debug, Default)]
struct Tally {
    issued: u64,
    already: u64,
    completed: u64,
    rewritten: u64,
    bytes: u64,
    errors: Vec<RowError>,
    duplicates: Vec<(u64, u64)>,
    sheets: Vec<PathBuf>,
}

/// One row's work in a group (with the row's line).
enum Work {
    /// Not in the issuer's database: record, sign, write.
    New(u64, NewCertificate),
    /// Recorded: sign again and write (pending, files damaged), or only print on the sheets.
    Again(u64, ToSign, Kind),
}

/// What a recorded row needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Recorded now.
    New,
    /// Left pending by a crash.
    Pending,
    /// Issued, files missing or damaged.
    Rewrite,
    /// Issued with its files: only its page for the print sheets.
    SheetOnly,
}

/// A signed certificate, the bytes of its files, and its page for the print sheets.
type Done = (
    Issued,
    u64,
    Option<skillcert_print::pdf::PrintedCertificate>,
);

/// The roster column of a printed field.
fn column_of_print(field: &str) -> &str {
    match field {
        "program_name" | "holder_name" | "holder_name_latin" | "id_type" | "work_type"
        | "photo" => field,
        _ => "",
    }
}

fn read_roster(path: &Path) -> Result<Vec<u8>, CliError> {
    let meta = std::fs::metadata(path)
        .map_err(|e| CliError::unreadable(format!("{}: {e}", path.display())))?;
    if meta.len() > MAX_ROSTER_BYTES {
        return Err(CliError::unreadable(format!(
            "{}: {} bytes, more than the limit of {MAX_ROSTER_BYTES}",
            path.display(),
            meta.len()
        )));
    }
    std::fs::read(path).map_err(|e| CliError::unreadable(format!("{}: {e}", path.display())))
}

/// Removes the temporary folders of interrupted runs (every file in them is in the issuer's database).
fn clear_leftovers(out: &Path) {
    if let Ok(rd) = std::fs::read_dir(out) {
        for e in rd.flatten() {
            if e.file_name()
                .to_string_lossy()
                .starts_with(".skillcert-tmp-")
            {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
}

/// The state a run carries from group to group.
struct Run<'a> {
    issuer: &'a Issuer,
    reg: &'a IssuerDb,
    out: &'a Path,
    roster_dir: PathBuf,
    spec: &'a OutputSpec,
    actor: String,
    seen: HashMap<String, u64>,
    tally: Tally,
    sheets: Option<Sheets>,
}

/// A group's rows recorded in the issuer's database, in roster order: what signing takes.
type Items = Vec<(u64, ToSign, Kind)>;

/// What signing and writing a group reads (shared with the worker threads while the next
/// group is classified and recorded).
struct Signing<'a> {
    issuer: &'a Issuer,
    out: &'a Path,
    tmp: &'a Path,
    spec: &'a OutputSpec,
    jobs: usize,
    /// Whether each certificate's page is wanted for the print sheets.
    pages: bool,
}

impl Run<'_> {
    /// Decides what each row of a group needs; bad rows and duplicates are tallied.
    fn classify(&mut self, rows: Vec<Result<RosterRow, RowError>>) -> Result<Vec<Work>, CliError> {
        let mut work = Vec::new();
        for row in rows {
            let row = match row {
                Ok(r) => r,
                Err(e) => {
                    self.tally.errors.push(e);
                    continue;
                }
            };
            if let Some(first) = self.seen.get(&row.key) {
                self.tally.duplicates.push((row.line, *first));
                continue;
            }
            self.seen.insert(row.key.clone(), row.line);
            let checked = match row.check() {
                Ok(c) => c,
                Err(e) => {
                    self.tally.errors.push(e);
                    continue;
                }
            };
            match self.reg.find_batch_key(&row.key)? {
                Some(r) => {
                    let uuid = r.id.trim_start_matches("urn:uuid:");
                    let sha = r.document_sha256.as_deref();
                    let kind = match r.state {
                        RecordState::Pending => Kind::Pending,
                        RecordState::Issued
                            if outputs::files_intact(self.out, uuid, sha, self.spec) =>
                        {
                            self.tally.already += 1;
                            if self.sheets.is_none() {
                                continue;
                            }
                            Kind::SheetOnly
                        }
                        RecordState::Issued => Kind::Rewrite,
                    };
                    let t = self.reg.to_sign(self.issuer, &r.id)?;
                    work.push(Work::Again(row.line, t, kind));
                }
                None => {
                    let claims = match self
                        .issuer
                        .claims_for(&checked, skillcert::issuer::now_secs())
                    {
                        Ok(c) => c,
                        Err(e) => {
                            self.tally.errors.push(RowError {
                                line: row.line,
                                column: None,
                                message: e.to_string(),
                            });
                            continue;
                        }
                    };
                    let extras = self.issuer.print_extras(
                        row.print.clone(),
                        checked.national_id.as_deref(),
                        &self.roster_dir,
                    );
                    if let Err((field, message)) =
                        outputs::check_printable(self.spec.print.as_ref(), &checked, &extras)
                    {
                        self.tally.errors.push(RowError {
                            line: row.line,
                            column: Some(column_of_print(field).to_owned()),
                            message,
                        });
                        continue;
                    }
                    let print = serde_json::to_string(&extras).map_err(CliError::refused)?;
                    work.push(Work::New(
                        row.line,
                        NewCertificate {
                            claims,
                            batch_key: Some(row.key.clone()),
                            print: Some(print),
                            holder_id: checked
                                .national_id
                                .clone()
                                .map(skillcert_store::issuer_db::HolderIdText),
                        },
                    ));
                }
            }
        }
        Ok(work)
    }

    /// Records a group's new certificates (pending) in one transaction; returns every row
    /// to sign, in roster order.
    fn record(&mut self, work: Vec<Work>) -> Result<Items, CliError> {
        let mut fresh = Vec::new();
        let mut fresh_lines = Vec::new();
        let mut items: Vec<(u64, ToSign, Kind)> = Vec::new();
        for w in work {
            match w {
                Work::New(line, n) => {
                    fresh_lines.push(line);
                    fresh.push(n);
                }
                Work::Again(line, t, k) => items.push((line, t, k)),
            }
        }
        let recorded = self
            .reg
            .record_group(self.issuer, fresh, &self.actor)
            .map_err(CliError::from)?;
        items.extend(
            fresh_lines
                .into_iter()
                .zip(recorded)
                .map(|(l, t)| (l, t, Kind::New)),
        );
        // Roster order, for the print sheets.
        items.sort_by_key(|(line, _, _)| *line);
        Ok(items)
    }

    /// Tallies a signed group, adds its pages to the sheets and marks it signed in one
    /// transaction.
    fn finish(
        &mut self,
        items: Items,
        results: Vec<Result<Done, CliError>>,
    ) -> Result<(), CliError> {
        let mut done: Vec<(Issued, Option<String>)> = Vec::with_capacity(items.len());
        for ((line, t, kind), r) in items.into_iter().zip(results) {
            match r {
                Ok((issued, bytes, page)) => {
                    self.tally.bytes += bytes;
                    match kind {
                        Kind::New => self.tally.issued += 1,
                        Kind::Pending => self.tally.completed += 1,
                        Kind::Rewrite => self.tally.rewritten += 1,
                        Kind::SheetOnly => {}
                    }
                    if let (Some(sheets), Some(page)) = (&mut self.sheets, page) {
                        sheets.push(page)?;
                    }
                    if kind != Kind::SheetOnly {
                        done.push((issued, t.note));
                    }
                }
                // Recorded but not signed: the row stays pending, and a re-run after fixing
                // what is wrong (a photo file, say) finishes it.
                Err(e) => self.tally.errors.push(RowError {
                    line,
                    column: None,
                    message: e.message,
                }),
            }
        }
        let ids: Vec<String> = done.iter().map(|(i, _)| i.claims.id_urn()).collect();
        let signed: Vec<Signed<'_>> = done
            .iter()
            .zip(&ids)
            .map(|((i, note), id)| Signed {
                id,
                document: &i.document,
                note: note.as_deref(),
            })
            .collect();
        self.reg.mark_signed_group(self.issuer, &signed)?;
        Ok(())
    }
}

impl Signing<'_> {
    /// Signs every item and writes its files, on `jobs` threads; results in item order.
    fn sign_and_write(&self, items: &[(u64, ToSign, Kind)]) -> Vec<Result<Done, CliError>> {
        let next = AtomicUsize::new(0);
        let one = |t: &ToSign, kind: Kind| -> Result<Done, CliError> {
            // The holder's copy is a second signature (a second canonicalization): made only
            // when it is written.
            let holder_id = t
                .holder_id
                .as_ref()
                .filter(|_| self.spec.formats.contains(&FileFormat::HolderCopy))
                .map(|h| h.0.as_str());
            let issued = self
                .issuer
                .sign_all_for(t.claims.clone(), holder_id, t.at)?;
            let extras =
                printing::recorded_extras(t.print.as_deref()).map_err(CliError::refused)?;
            let page = match (self.pages, &self.spec.print) {
                (true, Some(ctx)) => {
                    Some(ctx.printed(&issued, &extras).map_err(CliError::refused)?)
                }
                _ => None,
            };
            if kind == Kind::SheetOnly {
                return Ok((issued, 0, page));
            }
            // The sheets' page (photo read once) is the PDF's page too.
            let files = outputs::render_files(&issued, &extras, self.spec, page.as_ref())?;
            let bytes = files.iter().map(|f| f.bytes.len() as u64).sum();
            // The run's temporary folder, shared: every file name holds the certificate's
            // UUID (no folder made and removed per certificate).
            outputs::write_files(&files, self.out, self.tmp)?;
            Ok((issued, bytes, page))
        };
        let mut slots: Vec<Option<Result<Done, CliError>>> =
            (0..items.len()).map(|_| None).collect();
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..self.jobs.min(items.len()).max(1))
                .map(|_| {
                    s.spawn(|| {
                        let mut mine = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some((_, t, kind)) = items.get(i) else {
                                break;
                            };
                            mine.push((i, one(t, *kind)));
                        }
                        mine
                    })
                })
                .collect();
            for h in handles {
                let mine = h.join().unwrap_or_default();
                for (i, r) in mine {
                    slots[i] = Some(r);
                }
            }
        });
        slots
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(CliError::unreadable("a worker thread failed"))))
            .collect()
    }
}

/// Issues `rows` in groups of `size`, pipelined: while the worker threads sign and write a
/// group, the next one is classified and recorded (pending) on this thread; a group is
/// tallied and marked signed, in roster order, once its files are written. On an error the
/// group being signed is still finished, and no group after it is started.
fn groups(
    run: &mut Run<'_>,
    signing: &Signing<'_>,
    rows: Vec<Result<RosterRow, RowError>>,
    size: usize,
    bar: &indicatif::ProgressBar,
) -> Result<(), CliError> {
    let mut rows = rows.into_iter().peekable();
    std::thread::scope(|s| {
        let mut signed: Option<std::thread::ScopedJoinHandle<'_, _>> = None;
        loop {
            let next = rows.peek().is_some().then(|| {
                let group: Vec<_> = rows.by_ref().take(size).collect();
                bar.inc(group.len() as u64);
                run.classify(group).and_then(|w| run.record(w))
            });
            if let Some(h) = signed.take() {
                let (items, results) = h
                    .join()
                    .map_err(|_| CliError::unreadable("a worker thread failed"))?;
                run.finish(items, results)?;
            }
            match next {
                None => return Ok(()),
                Some(Err(e)) => return Err(e),
                Some(Ok(items)) => {
                    signed = Some(s.spawn(move || {
                        let results = signing.sign_and_write(&items);
                        (items, results)
                    }));
                }
            }
        }
    })
}

/// Runs `issue-batch`.
pub(crate) fn run(cli: &Ctx, args: &BatchArgs) -> CmdResult {
    let started = std::time::Instant::now();
    let issuer = Issuer::open(&cli.data_dir)?;
    let reg = cli.issuer_db()?;
    let bytes = read_roster(&args.roster)?;
    let roster = args.roster.display().to_string();
    let roster_dir = args
        .roster
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let rows: Vec<_> = Roster::new(&bytes[..])
        .map_err(|e| CliError::unreadable(format!("{roster}: {e}")))?
        .collect();
    let mut spec = OutputSpec::new(
        &args.formats,
        skillcert_qrimage::render::DEFAULT_MODULE_SIZE,
        &issuer,
        &roster_dir,
    )?;
    // One font subset for the run: every character of the roster (it holds every printed
    // text a row brings), not one subset of the whole font per PDF.
    if let Some(ctx) = spec.print.take() {
        let text = String::from_utf8_lossy(&bytes);
        spec.print = Some(ctx.for_run(&issuer, [text.as_ref()])?);
    }
    skillcert::private_fs::create_dir_all(&args.out)
        .map_err(|e| CliError::unreadable(format!("{}: {e}", args.out.display())))?;
    clear_leftovers(&args.out);
    let jobs = args.jobs.map(|j| j as usize).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(1)
    });
    let tmp = args
        .out
        .join(format!(".skillcert-tmp-{}", std::process::id()));
    let mut run = Run {
        issuer: &issuer,
        reg: &reg,
        out: &args.out,
        roster_dir: roster_dir.clone(),
        spec: &spec,
        actor: cli_actor(cli),
        seen: HashMap::new(),
        tally: Tally::default(),
        sheets: None,
    };
    if let Some(n) = args.print_sheets {
        let ctx = spec.print.clone().ok_or_else(|| {
            CliError::unreadable("--print-sheets needs pdf among --formats".to_owned())
        })?;
        run.sheets = Some(Sheets::new(&args.out, n as usize, ctx)?);
    }
    let signing = Signing {
        issuer: &issuer,
        out: &args.out,
        tmp: &tmp,
        spec: &spec,
        jobs,
        pages: run.sheets.is_some(),
    };
    let bar = super::progress::bar(cli, rows.len() as u64, "issuing");
    let mut result = groups(&mut run, &signing, rows, args.group as usize, &bar);
    if result.is_ok() {
        if let Some(sheets) = &mut run.sheets {
            result = sheets.finish();
        }
    }
    bar.finish_and_clear();
    let _ = std::fs::remove_dir_all(&tmp);
    result?;
    if let Some(s) = &run.sheets {
        run.tally.sheets = s.written();
    }
    report(cli, &roster, &run.tally, started.elapsed());
    Ok(if run.tally.errors.is_empty() {
        EXIT_OK
    } else {
        EXIT_INVALID
    })
}

fn report(cli: &Ctx, roster: &str, t: &Tally, took: std::time::Duration) {
    let written = t.issued + t.completed + t.rewritten;
    let per_cert = t.bytes.checked_div(written).unwrap_or(0);
    let secs = took.as_secs_f64();
    let rate = if secs > 0.0 {
        written as f64 / secs
    } else {
        0.0
    };
    if cli.json {
        println!(
            "{}",
            serde_json::json!({
                "issued": t.issued, "already_issued": t.already, "completed_pending": t.completed,
                "files_rewritten": t.rewritten,
                "duplicates": t.duplicates.iter().map(|(l, f)| serde_json::json!({"line": l, "same_as_line": f})).collect::<Vec<_>>(),
                "errors": t.errors,
                "bytes_written": t.bytes, "bytes_per_certificate": per_cert,
                "sheets": t.sheets,
                "seconds": (secs * 1000.0).round() / 1000.0,
            })
        );
    } else {
        println!(
            "{roster}: issued {}, already issued {}, completed after a crash {}, files rewritten {}, duplicate rows {}, bad rows {}",
            t.issued,
            t.already,
            t.completed,
            t.rewritten,
            t.duplicates.len(),
            t.errors.len()
        );
        if written > 0 {
            println!(
                "  wrote {written} certificates in {secs:.1} s ({rate:.0}/s), {per_cert} bytes of files each"
            );
        }
        if !t.sheets.is_empty() {
            println!(
                "  print sheets: {} file{} in {}",
                t.sheets.len(),
                if t.sheets.len() == 1 { "" } else { "s" },
                t.sheets[0]
                    .parent()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
        }
        for (l, f) in &t.duplicates {
            println!("  line {l}: same as line {f}; issued once");
        }
    }
    for e in &t.errors {
        eprintln!("skillcert: {roster}: {e}");
    }
}
