//! Verifications of concurrent requests checked together: the signatures of whatever is
//! waiting are verified in one batch ([`Verifier::check_many`], the CLI's `verify --batch`
//! path), which costs less per signature than one at a time. Nothing waits for company: a
//! request's credential is queued, and if fewer than [`leaders`] requests are checking, this
//! one checks everything queued (at most [`MOST`], its own among them) at once, on its own
//! task, as a single request's check ran before. Alone on the server, a request is checked
//! alone, at once; under load, the credentials that arrived during one check are checked
//! together by the next. Each credential gets the report [`Verifier::check`] would give it
//! (`check_many`'s promise); a credential is only ever checked with its own verifier (a key
//! rotation reloads the issuer's verifier between two requests).

use super::errors::ApiError;
use skillcert::verify::{Report, UnverifiedCredential, Verifier};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use tokio::sync::{oneshot, Notify};

/// Most credentials checked together (the CLI's group size).
pub(crate) const MOST: usize = 64;

/// Requests checking at once: one per core.
fn leaders() -> usize {
    static LEADERS: OnceLock<usize> = OnceLock::new();
    *LEADERS
        .get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

/// A credential waiting for its check, and where its report goes.
struct Waiting {
    verifier: Arc<Verifier>,
    credential: UnverifiedCredential,
    answer: oneshot::Sender<Report>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Waiting>,
    /// Requests checking now.
    checking: usize,
}

/// The process's queue of credentials to check.
#[derive(Default)]
pub(crate) struct Coalescer {
    queue: Mutex<Queue>,
    /// Wakes a waiting request when credentials are queued and a checker's place is free.
    wake: Notify,
}

/// Gives back a checker's place when dropped (also when a check panics), waking a waiting
/// request if credentials are left.
struct Place<'a>(&'a Coalescer);

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let more = {
            let mut q = self.0.lock();
            q.checking -= 1;
            !q.waiting.is_empty()
        };
        if more {
            self.0.wake.notify_one();
        }
    }
}

impl Coalescer {
    /// The process's coalescer.
    pub(crate) fn shared() -> &'static Coalescer {
        static SHARED: OnceLock<Coalescer> = OnceLock::new();
        SHARED.get_or_init(Coalescer::default)
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Checks `credential` with `verifier`, together with whatever else is waiting. `Err`
    /// (an internal error) only if its check panicked.
    pub(crate) async fn check(
        &self,
        verifier: Arc<Verifier>,
        credential: UnverifiedCredential,
    ) -> Result<Report, ApiError> {
        let (answer, mut report) = oneshot::channel();
        self.lock().waiting.push(Waiting {
            verifier,
            credential,
            answer,
        });
        let lost = || ApiError::Internal("a verification was lost (its check panicked)".into());
        loop {
            match report.try_recv() {
                Ok(r) => return Ok(self.pass_on(r)),
                Err(oneshot::error::TryRecvError::Closed) => return Err(lost()),
                Err(oneshot::error::TryRecvError::Empty) => {}
            }
            if let Some(place) = self.take_place() {
                self.check_waiting(place);
                continue;
            }
            tokio::select! {
                biased;
                r = &mut report => return r.map(|r| self.pass_on(r)).map_err(|_| lost()),
                () = self.wake.notified() => {}
            }
        }
    }

    /// Before a request leaves with its report: if credentials wait while a checker's place
    /// is free (a wake-up this request took but no longer needs), wakes another request.
    fn pass_on(&self, report: Report) -> Report {
        let idle = {
            let q = self.lock();
            !q.waiting.is_empty() && q.checking < leaders()
        };
        if idle {
            self.wake.notify_one();
        }
        report
    }

    /// A checker's place, when one is free and credentials are waiting.
    fn take_place(&self) -> Option<Place<'_>> {
        let mut q = self.lock();
        if q.checking >= leaders() || q.waiting.is_empty() {
            return None;
        }
        q.checking += 1;
        Some(Place(self))
    }

    /// Checks up to [`MOST`] waiting credentials (the oldest first) and answers them.
    fn check_waiting(&self, place: Place<'_>) {
        let mut taken: Vec<Waiting> = {
            let mut q = self.lock();
            let n = q.waiting.len().min(MOST);
            q.waiting.drain(..n).collect()
        };
        while let Some(first) = taken.first() {
            let verifier = first.verifier.clone();
            let (same, rest): (Vec<Waiting>, Vec<Waiting>) = taken
                .into_iter()
                .partition(|w| Arc::ptr_eq(&w.verifier, &verifier));
            let (credentials, answers): (Vec<_>, Vec<_>) =
                same.into_iter().map(|w| (w.credential, w.answer)).unzip();
            let reports = verifier.check_many(&credentials);
            for (answer, report) in answers.into_iter().zip(reports) {
                // A request that went away (timeout, client gone) no longer listens.
                let _ = answer.send(report);
            }
            taken = rest;
        }
        drop(place);
    }
}
