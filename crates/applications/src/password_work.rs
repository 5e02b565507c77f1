//! Argon2 off the async workers, one at a time a core.
//!
//! An Argon2id hash or verification of a password takes 19 MiB and tens of milliseconds of
//! a core. Each used to go to tokio's blocking pool as its request came, so a burst of
//! sign-ins ran as many at once as there were requests (the pool grows to hundreds of
//! threads): their memory added up, while they only shared the same cores. Now at most one
//! runs a core and the others wait their turn, first come first served, so the memory
//! passwords take is bounded by the machine's cores and not by how many people sign in at
//! once (the load script's 1 000 sign-ins, 16 at a time: see BENCHMARKS.md), at the same
//! rate of sign-ins.

use crate::error::ServiceError;
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// How many run at once: one a core.
fn slots() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| Semaphore::new(slots()));

/// Runs `work` (an Argon2 hash or verification) on the blocking pool once a slot is free.
pub(crate) async fn run<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T, ServiceError> {
    let _slot = SLOTS.acquire().await.map_err(|e| ServiceError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(work).await.map_err(|e| ServiceError::Internal(e.to_string()))
}

/// A password a person chose, kept under Argon2id (`jifen_auth::hash_password`) once a slot
/// is free.
pub(crate) async fn hash(password: &str) -> Result<String, ServiceError> {
    let password = password.to_string();
    run(move || jifen_auth::hash_password(&password)).await?.map_err(|e| ServiceError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_one_a_core_runs_and_every_one_runs() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..4 * slots())
            .map(|i| {
                let (running, most) = (running.clone(), most.clone());
                tokio::spawn(run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                    i
                }))
            })
            .collect();
        let mut done = Vec::new();
        for task in tasks {
            done.push(task.await.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| e.to_string())));
        }
        let done: Vec<usize> = done.into_iter().collect::<Result<_, _>>().unwrap_or_default();
        assert_eq!(done, (0..4 * slots()).collect::<Vec<_>>(), "every piece of work ran and gave its answer");
        let most = most.load(Ordering::SeqCst);
        assert!((1..=slots()).contains(&most), "{most} ran at once with {} slots", slots());
    }
}
