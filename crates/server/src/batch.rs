//! `POST /api/v1/verify/batch`: many inputs in one request, one a line, for integrators.
//!
//! A line is what one `POST /api/v1/verify` body would be, and its answer is exactly that
//! route's JSON body for it, one answer a line, in input order (`application/x-ndjson`):
//!
//! - `text/plain`: each line is a token, a QR text or a one-line document (a `text/plain`
//!   body of the single route);
//! - `application/x-ndjson`: each line is a JSON value as the single route's
//!   `application/json` body: a credential document, or `{"input": "<token, QR text or
//!   document>"}` (a bare JSON string is refused there, and so here, with the same answer).
//!
//! Every line gets an answer, an empty one too (the single route's `the input is empty`), so
//! answer *k* is always input line *k*; the body's final line break ends the last line, it
//! does not start another. A line over the single route's body limit gets its 413 body; an
//! unreadable line its 400 or 422: a line's failure is its answer, never the batch's.
//!
//! The batch as a whole is refused before any line is checked: over [`MAX_BATCH_BODY`] bytes
//! or [`MAX_BATCH_LINES`] lines (413, naming the limit), empty (400), another content type
//! (415), or when [`BATCH_CONCURRENCY`] batches are already being checked and none finishes
//! within [`BATCH_WAIT`] (503). Lines are parsed and checked in groups with
//! [`Verifier::check_many`] (signatures in batches), on one blocking thread per core; JSON-LD
//! documents (`eddsa-rdfc-2022`) go, as on the single route, to the low-priority costly
//! verifiers under one of their permits.

use super::api::{input_of, mentions_rdfc, nonempty_input, rdfc_permit, report_json};
use super::errors::{content_type, ApiError};
use super::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use skillcert::verify::{Report, UnverifiedCredential, Verdict, Verifier};
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Largest body of a batch (8 MiB: about 2,000 tokens).
pub const MAX_BATCH_BODY: usize = 8 << 20;
/// Most lines in a batch.
pub const MAX_BATCH_LINES: usize = 2_000;
/// Batches checked at once (each uses every core); the rest wait up to [`BATCH_WAIT`].
pub const BATCH_CONCURRENCY: usize = 2;
/// How long a batch waits for its turn before the answer is 503.
pub const BATCH_WAIT: Duration = Duration::from_secs(5);
/// Lines parsed and checked together (their signatures in one batch).
const GROUP: usize = 64;

/// How the lines of a batch are written.
#[derive(Debug, Clone, Copy)]
enum Lines {
    /// `text/plain`: each line is the input itself.
    Text,
    /// `application/x-ndjson`: each line is a JSON body of the single route.
    Ndjson,
}

impl Lines {
    /// The single route's content type a line stands for.
    fn single_route_type(self) -> &'static str {
        match self {
            Lines::Text => "text/plain",
            Lines::Ndjson => "application/json",
        }
    }
}

/// What the checking threads share: the body, where its lines are, the next group to take.
struct Job {
    body: Bytes,
    lines: Vec<Range<usize>>,
    kind: Lines,
    verifier: Arc<Verifier>,
    next_group: AtomicUsize,
    /// The batch's turn, given back when the last thread holding the job stops (not when the
    /// request does: a timed-out batch still holds it while its threads run).
    _permit: tokio::sync::OwnedSemaphorePermit,
}

/// One line's answer: the single route's JSON body, and the verdict it counts (none for an
/// error); `None` while the line waits for a costly verifier.
type Answer = Option<(String, Option<Verdict>)>;

/// `POST /api/v1/verify/batch`.
#[utoipa::path(post, path = "/api/v1/verify/batch", tag = "verify",
    summary = "Verify many documents, tokens or QR texts, one a line",
    description = "One input a line: text/plain lines are tokens, QR texts or one-line documents; application/x-ndjson lines are JSON bodies of POST /api/v1/verify (a document, or {\"input\": \"...\"}). The answer has one line per input line, in order, each exactly the JSON body POST /api/v1/verify answers for that input alone (an empty line: its 400 body). At most 8 MiB and 2,000 lines.",
    request_body(content(
        (super::schemas::TextInput = "text/plain"),
        (super::schemas::TextInput = "application/x-ndjson"),
    )),
    responses(
        (status = 200, description = "one answer a line, in input order: a report (any verdict), a malformed report, or an error body", content_type = "application/x-ndjson", body = super::schemas::BatchLine),
        (status = 400, description = "empty body", body = super::bodies::ErrorBody),
        (status = 413, description = "over the body or line limit (named in the message)", body = super::bodies::ErrorBody),
        (status = 415, description = "not text/plain or application/x-ndjson", body = super::bodies::ErrorBody),
        (status = 503, description = "every batch verifier is busy: try again shortly", body = super::bodies::ErrorBody),
    ))]
pub async fn verify_batch(
    State(state): State<AppState>,
    headers: HeaderMap,
    req: Request,
) -> Result<Response, ApiError> {
    let kind =
        match content_type(&headers).as_deref() {
            Some("text/plain") => Lines::Text,
            Some("application/x-ndjson") => Lines::Ndjson,
            _ => return Err(ApiError::UnsupportedMediaType(
                "send text/plain (a token, QR text or document a line) or application/x-ndjson \
                 (a verify request body a line)"
                    .into(),
            )),
        };
    let busy = "every batch verifier is busy: try again shortly";
    let permit = super::errors::permit(state.batch_permits.clone(), BATCH_WAIT, busy).await?;
    let body: Result<Bytes, BytesRejection> = Bytes::from_request(req, &state).await;
    let body = body.map_err(|r| match ApiError::from(r) {
        ApiError::PayloadTooLarge => ApiError::OverLimit(format!(
            "the batch is larger than {MAX_BATCH_BODY} bytes (8 MiB): send it in parts"
        )),
        other => other,
    })?;
    let lines = split_lines(&body)?;
    tracing::debug!(lines = lines.len(), "verify batch");
    let job = Arc::new(Job {
        body,
        lines,
        kind,
        verifier: state.verifier(),
        next_group: AtomicUsize::new(0),
        _permit: permit,
    });
    let mut answers = check_groups(&job).await?;
    costly_lines(&state, &job, &mut answers).await;
    let mut out = Vec::with_capacity(answers.len() * 2048);
    for answer in answers {
        let (text, verdict) = answer.unwrap_or_else(|| {
            let e = ApiError::Internal("a batch line was left unanswered".into());
            (e.body_text(), None)
        });
        if let Some(v) = verdict {
            state.metrics.verdict(v);
        }
        out.extend_from_slice(text.as_bytes());
        out.push(b'\n');
    }
    let mut r = (StatusCode::OK, out).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-ndjson"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}

/// Where each line of `body` is: split at `\n`, the final line break ending the last line.
/// Refuses an empty body (400) and more than [`MAX_BATCH_LINES`] lines (413).
fn split_lines(body: &[u8]) -> Result<Vec<Range<usize>>, ApiError> {
    if body.is_empty() {
        return Err(ApiError::BadRequest(
            "the batch is empty: send one input a line".into(),
        ));
    }
    let content = body.strip_suffix(b"\n").unwrap_or(body);
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, b) in content.iter().enumerate() {
        if *b == b'\n' {
            lines.push(start..i);
            start = i + 1;
            if lines.len() >= MAX_BATCH_LINES {
                return Err(too_many_lines());
            }
        }
    }
    lines.push(start..content.len());
    if lines.len() > MAX_BATCH_LINES {
        return Err(too_many_lines());
    }
    Ok(lines)
}

fn too_many_lines() -> ApiError {
    ApiError::OverLimit(format!(
        "the batch has more than {MAX_BATCH_LINES} lines: send at most {MAX_BATCH_LINES} inputs a request"
    ))
}

/// Every line's answer but those of costly documents (`None`), checked in groups by one
/// blocking thread per core.
async fn check_groups(job: &Arc<Job>) -> Result<Vec<Answer>, ApiError> {
    let groups = job.lines.len().div_ceil(GROUP);
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .min(groups);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let job = job.clone();
            tokio::task::spawn_blocking(move || take_groups(&job))
        })
        .collect();
    let mut answers: Vec<Answer> = vec![None; job.lines.len()];
    for h in handles {
        let done = h
            .await
            .map_err(|e| ApiError::Internal(format!("batch task failed: {e}")))?;
        for (group, group_answers) in done {
            let at = group * GROUP;
            for (k, a) in group_answers.into_iter().enumerate() {
                answers[at + k] = a;
            }
        }
    }
    Ok(answers)
}

/// One thread's work: groups taken in turn until none is left; each group's answers.
fn take_groups(job: &Job) -> Vec<(usize, Vec<Answer>)> {
    let mut done = Vec::new();
    loop {
        let group = job.next_group.fetch_add(1, Ordering::Relaxed);
        let start = group * GROUP;
        if start >= job.lines.len() {
            return done;
        }
        let end = (start + GROUP).min(job.lines.len());
        done.push((group, check_group(job, &job.lines[start..end])));
    }
}

/// A line before its check: answered already, to be checked with its group, or costly.
enum Prepared {
    Answered(String),
    Parsed(Box<UnverifiedCredential>),
    Costly,
}

/// The answers of `lines`: read as the single route reads a body, the readable ones parsed
/// and checked together.
fn check_group(job: &Job, lines: &[Range<usize>]) -> Vec<Answer> {
    let mut parsed: Vec<UnverifiedCredential> = Vec::with_capacity(lines.len());
    let mut slots = Vec::with_capacity(lines.len());
    for r in lines {
        slots.push(match prepare(job.kind, &job.body[r.clone()]) {
            Prepared::Answered(text) => Some(Some((text, None))),
            Prepared::Parsed(u) => {
                parsed.push(*u);
                None
            }
            Prepared::Costly => Some(None),
        });
    }
    let mut reports = job.verifier.check_many(&parsed).into_iter();
    slots
        .into_iter()
        .map(|slot| match slot {
            Some(answer) => answer,
            None => reports.next().map(answered),
        })
        .collect()
}

/// A report's answer: the single route's body and the verdict.
fn answered(report: Report) -> (String, Option<Verdict>) {
    let verdict = report.verdict;
    (report_json(report).1, Some(verdict))
}

/// One line read as the single route reads a body of its content type: an error's or a
/// malformed input's answer at once, a parsed credential, or a costly document.
fn prepare(kind: Lines, line: &[u8]) -> Prepared {
    if line.len() > super::api::MAX_VERIFY_BODY {
        return Prepared::Answered(ApiError::PayloadTooLarge.body_text());
    }
    let input = match nonempty_input(Some(kind.single_route_type()), line) {
        Ok(input) => input,
        Err(e) => return Prepared::Answered(e.body_text()),
    };
    // A line is UTF-8 (text lines are refused otherwise, JSON strings are), so it never
    // starts as a PNG or JPEG does: no photo reaches this route.
    if mentions_rdfc(&input) {
        return Prepared::Costly;
    }
    match skillcert_qrimage::parse_bytes(&input) {
        Ok(u) => Prepared::Parsed(Box::new(u)),
        Err(e) => Prepared::Answered(report_json(Report::from(e)).1),
    }
}

/// The answers of the costly lines (JSON-LD documents), as the single route gives them: on a
/// costly verifier under one of their permits, or that route's 503 for each when none is free.
async fn costly_lines(state: &AppState, job: &Arc<Job>, answers: &mut [Answer]) {
    let costly: Vec<usize> = answers
        .iter()
        .enumerate()
        .filter_map(|(i, a)| a.is_none().then_some(i))
        .collect();
    if costly.is_empty() {
        return;
    }
    let checked = match rdfc_permit(state).await {
        Err(e) => Err(e),
        Ok(permit) => {
            let (job, which) = (job.clone(), costly.clone());
            super::costly::run(move || {
                let ct = Some(job.kind.single_route_type());
                let out: Vec<_> = which
                    .iter()
                    .map(|&i| match input_of(ct, &job.body[job.lines[i].clone()]) {
                        Ok(input) => answered(
                            skillcert_qrimage::verify_bytes(&job.verifier, &input).map_or_else(
                                skillcert::verify::Rejected::into_report,
                                skillcert::verify::VerifiedCredential::into_report,
                            ),
                        ),
                        Err(e) => (e.body_text(), None),
                    })
                    .collect();
                drop(permit);
                Ok(out)
            })
            .await
        }
    };
    match checked {
        Ok(out) => {
            for (i, a) in costly.into_iter().zip(out) {
                answers[i] = Some(a);
            }
        }
        Err(e) => {
            let text = e.body_text();
            for i in costly {
                answers[i] = Some((text.clone(), None));
            }
        }
    }
}
