//! Costly verifications (JSON-LD documents: expansion and canonicalization for an
//! `eddsa-rdfc-2022` proof) run on a few threads of their own, at the lowest CPU priority
//! (nice 19), so that however many arrive, hostile or not, the cheap ones (tokens, QR codes,
//! pages) keep their share of the CPU: a nice-19 thread weighs 15 against a normal thread's
//! 1,024. When the machine is otherwise idle they run at full speed. The threads, one per
//! [`super::state::rdfc_concurrency`], start on first use; the caller holds a permit per job
//! (`AppState::rdfc_permits`), so the queue never grows beyond them.

use super::errors::ApiError;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex, OnceLock};

type Job = Box<dyn FnOnce() + Send>;

/// Jobs that may wait for a thread (the permits bound them further).
const QUEUE: usize = 64;

fn pool() -> &'static SyncSender<Job> {
    static POOL: OnceLock<SyncSender<Job>> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = sync_channel::<Job>(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..super::state::rdfc_concurrency() {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("skillcert-costly-{i}"))
                .spawn(move || work(&rx));
            if let Err(e) = spawned {
                tracing::error!("could not start a costly-verification thread: {e}");
            }
        }
        tx
    })
}

/// Lowers this thread's CPU priority to nice 19 (on Linux, `setpriority` with a thread id
/// sets that thread's nice value only).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 19) {
        tracing::warn!("costly verifications run at normal priority: {e}");
    }
}

fn work(rx: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        let job = {
            let guard = rx.lock().unwrap_or_else(|p| p.into_inner());
            guard.recv()
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// Runs `f` on a costly-verification thread and waits for its answer. A panic in `f` is a 500
/// (the thread lives on).
pub(super) async fn run<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let out = std::panic::catch_unwind(AssertUnwindSafe(f))
            .unwrap_or_else(|_| Err(ApiError::Internal("a costly verification panicked".into())));
        let _ = tx.send(out);
    });
    pool().try_send(job).map_err(|_| {
        ApiError::Unavailable("every document verifier is busy: try again shortly".into())
    })?;
    rx.await
        .map_err(|_| ApiError::Internal("a costly verification was lost".into()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_answer_and_a_panic_is_an_error_not_a_lost_thread() {
        assert_eq!(run(|| Ok(41 + 1)).await.unwrap(), 42);
        let e = run(|| -> Result<(), ApiError> { panic!("boom") })
            .await
            .unwrap_err();
        assert!(matches!(e, ApiError::Internal(_)), "{e:?}");
        for i in 0..8 {
            assert_eq!(run(move || Ok(i)).await.unwrap(), i);
        }
    }
}
