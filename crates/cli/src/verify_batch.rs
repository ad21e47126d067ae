//! `skillcert verify --batch FILE`: the auditor's bulk path. One credential per line (`-` =
//! stdin), one compact JSON verdict per line on stdout (the `verify --json` object plus
//! `line`), streaming, with a size limit per line.
//!
//! Every core works: a reader thread cuts the input into chunks of lines, worker threads
//! (one per core) parse a chunk and check it with [`Verifier::check_many`] (signatures in
//! batches), and this thread writes the chunks' verdicts in input order. Memory is bounded
//! whatever the input's length: at most [`IN_FLIGHT_PER_WORKER`] chunks per worker exist at
//! once (read, being checked, or waiting for their turn to be written), each of at most
//! [`CHUNK_LINES`] lines or about [`CHUNK_BYTES`] bytes (one line may be up to [`MAX_LINE`]).

use super::common::{exit_code_after, CliError, CmdResult, EXIT_OK};
use skillcert::input::trim_ascii;
use skillcert::verify::{Format, Rejected, Report, UnverifiedCredential, Verifier};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc::{channel, sync_channel, Receiver};
use std::sync::{Arc, Mutex};

/// Longest line accepted (a token of the largest document).
pub(crate) const MAX_LINE: usize = skillcert::token::MAX_TOKEN;
/// Most lines in a chunk.
const CHUNK_LINES: usize = 256;
/// A chunk is closed once it holds this many bytes.
const CHUNK_BYTES: usize = 1 << 20;
/// Lines of a chunk parsed and checked together (their signatures in one batch): few enough
/// that the memory of one group is reused by the next while still in the cache, rather than
/// handed back to the system and faulted in again.
const CHECK_TOGETHER: usize = 64;
/// Chunks in flight per worker thread.
const IN_FLIGHT_PER_WORKER: usize = 3;

/// One input line: its number and where its bytes are in [`Chunk::data`], or `None` when it
/// was longer than [`MAX_LINE`].
type Line = (usize, Option<std::ops::Range<usize>>);

/// Lines read together, numbered in input order; their bytes one after the other in `data`.
struct Chunk {
    seq: u64,
    data: Vec<u8>,
    lines: Vec<Line>,
}

/// Byte buffers used and given back (a chunk's lines once checked, its verdicts once written),
/// to be filled again: reading and writing then allocate nothing, and no memory freed by one
/// thread waits to be reused by another while fresh pages are faulted in.
#[derive(Default)]
struct Pool(Mutex<Vec<Vec<u8>>>);

impl Pool {
    /// An empty buffer: one given back, else a new one.
    fn take(&self) -> Vec<u8> {
        self.0
            .lock()
            .ok()
            .and_then(|mut p| p.pop())
            .unwrap_or_default()
    }

    /// Gives `buf` back, emptied, for [`take`](Self::take).
    fn give(&self, mut buf: Vec<u8>) {
        buf.clear();
        if let Ok(mut p) = self.0.lock() {
            p.push(buf);
        }
    }
}

/// A chunk's verdicts: the output text and the exit code they call for.
struct Done {
    seq: u64,
    text: Vec<u8>,
    code: i32,
}

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
    let input: Box<dyn Read + Send> = if source == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(source)
                .map_err(|e| CliError::unreadable(format!("{source}: {e}")))?,
        )
    };
    let workers = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let (work_tx, work_rx) = sync_channel::<Chunk>(workers);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = channel::<Done>();
    // A slot is taken per chunk read and given back once it is written: the bound on memory.
    let (slot_tx, slot_rx) = sync_channel::<()>(workers * IN_FLIGHT_PER_WORKER);
    let pool = Pool::default();
    std::thread::scope(|s| {
        let pool = &pool;
        let reader = s.spawn(move || read_chunks(input, &work_tx, &slot_tx, pool));
        for _ in 0..workers {
            let (rx, tx) = (Arc::clone(&work_rx), done_tx.clone());
            s.spawn(move || check_chunks(verifier, &rx, &tx, pool));
        }
        // Only the workers hold these now: when they are gone, the reader's sends fail.
        drop(work_rx);
        drop(done_tx);
        let written = write_in_order(&done_rx, &slot_rx, pool);
        // Unblock the reader and the workers if writing stopped early.
        drop(slot_rx);
        drop(done_rx);
        let read = reader
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("the reader thread panicked")));
        let code = written?;
        read.map_err(|e| CliError::unreadable(format!("{source}: {e}")))?;
        Ok(code)
    })
}

/// The reader: chunks of lines, each taking a slot first. A chunk is sent early when no more
/// input is waiting, so that a slow writer of lines (someone typing) sees each verdict soon.
fn read_chunks(
    input: Box<dyn Read + Send>,
    work: &std::sync::mpsc::SyncSender<Chunk>,
    slots: &std::sync::mpsc::SyncSender<()>,
    pool: &Pool,
) -> std::io::Result<()> {
    // As large as a chunk: from a file, chunks are full; from a pipe, a chunk is what the
    // writer had written (a read returns what is there).
    let mut reader = BufReader::with_capacity(CHUNK_BYTES, input);
    let mut buf = Vec::new();
    let (mut seq, mut line_no) = (0u64, 0usize);
    let mut chunk = Chunk {
        seq,
        data: pool.take(),
        lines: Vec::new(),
    };
    let mut send = |chunk: &mut Chunk| -> bool {
        seq += 1;
        let next = Chunk {
            seq,
            data: pool.take(),
            lines: Vec::new(),
        };
        let full = std::mem::replace(chunk, next);
        slots.send(()).is_ok() && work.send(full).is_ok()
    };
    while let Some(ok) = next_line(&mut reader, &mut buf)? {
        line_no += 1;
        let line = ok.map(|()| trim_ascii(&buf));
        if line.is_some_and(<[u8]>::is_empty) {
            continue;
        }
        let at = line.map(|l| {
            let start = chunk.data.len();
            chunk.data.extend_from_slice(l);
            start..chunk.data.len()
        });
        chunk.lines.push((line_no, at));
        let full = chunk.lines.len() >= CHUNK_LINES || chunk.data.len() >= CHUNK_BYTES;
        if (full || reader.buffer().is_empty()) && !send(&mut chunk) {
            return Ok(());
        }
    }
    if !chunk.lines.is_empty() {
        send(&mut chunk);
    }
    Ok(())
}

/// A worker: checks chunks until there are no more (or no one to hand them to).
fn check_chunks(
    verifier: &Verifier,
    work: &Mutex<Receiver<Chunk>>,
    done: &std::sync::mpsc::Sender<Done>,
    pool: &Pool,
) {
    loop {
        let next = match work.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(chunk) = next else { return };
        let (verdicts, data) = check_chunk(verifier, chunk, pool);
        pool.give(data);
        if done.send(verdicts).is_err() {
            return;
        }
    }
}

/// One chunk's verdicts: the lines parsed and checked together ([`CHECK_TOGETHER`] at a time),
/// the reports written in line order with `line` added. Gives back the chunk's buffer.
fn check_chunk(verifier: &Verifier, chunk: Chunk, pool: &Pool) -> (Done, Vec<u8>) {
    let mut text = pool.take();
    let mut code = EXIT_OK;
    for part in chunk.lines.chunks(CHECK_TOGETHER) {
        code = code.max(check_lines(verifier, &chunk.data, part, &mut text));
    }
    let done = Done {
        seq: chunk.seq,
        text,
        code,
    };
    (done, chunk.data)
}

/// Checks `lines` together and appends their verdicts to `text`; the exit code they call for.
fn check_lines(verifier: &Verifier, data: &[u8], lines: &[Line], text: &mut Vec<u8>) -> i32 {
    let mut parsed: Vec<UnverifiedCredential> = Vec::with_capacity(lines.len());
    let mut early: Vec<Option<Report>> = Vec::with_capacity(lines.len());
    for (line_no, line) in lines {
        let report = match line {
            None => Some(Report::malformed(
                Format::Token,
                format!("line {line_no}: longer than {MAX_LINE} bytes"),
            )),
            Some(at) => match skillcert_qrimage::parse_bytes(&data[at.clone()]) {
                Ok(u) => {
                    parsed.push(u);
                    None
                }
                Err(e) => {
                    let mut r = Rejected::from(e).into_report();
                    for c in &mut r.checks {
                        c.reason = format!("line {line_no}: {}", c.reason);
                    }
                    Some(r)
                }
            },
        };
        early.push(report);
    }
    let mut checked = verifier.check_many(&parsed).into_iter();
    let mut code = EXIT_OK;
    for ((line_no, _), early) in lines.iter().zip(early) {
        let Some(report) = early.or_else(|| checked.next()) else {
            continue;
        };
        code = exit_code_after(code, &report);
        // The `verify --json` object with `line` added last.
        serde_json::to_writer(&mut *text, &report).expect("serializable");
        text.pop();
        let _ = writeln!(text, ",\"line\":{line_no}}}");
    }
    code
}

/// Writes the chunks' verdicts in input order, giving back a slot per chunk written; the exit
/// code of them all.
fn write_in_order(done: &Receiver<Done>, slots: &Receiver<()>, pool: &Pool) -> CmdResult {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut waiting: BTreeMap<u64, Done> = BTreeMap::new();
    let (mut next, mut code) = (0u64, EXIT_OK);
    let fail = |e: std::io::Error| CliError::unreadable(format!("stdout: {e}"));
    for d in done {
        waiting.insert(d.seq, d);
        while let Some(d) = waiting.remove(&next) {
            out.write_all(&d.text).map_err(fail)?;
            code = code.max(d.code);
            pool.give(d.text);
            next += 1;
            let _ = slots.recv();
        }
        out.flush().map_err(fail)?;
    }
    Ok(code)
}
