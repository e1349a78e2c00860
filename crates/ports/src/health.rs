//! Use case: tell whether the storage answers, and answers in time.

use crate::{RepoError, Repositories};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Runs one cheap query (the number of departments). `Ok` means the database is reachable now;
/// the pools reconnect by themselves, so a database that comes back is seen at the next check.
/// It may take as long as the storage takes to give up (its pool's connection timeout): see
/// [`HealthCheck`] for an answer within a time limit.
pub fn check(repos: &Repositories) -> Result<(), RepoError> {
    repos.departments.count().map(|_| ())
}

type Probe = Receiver<Result<(), RepoError>>;

/// [`check`] with a time limit of its own, shorter than the storage's timeouts: a database
/// that has not answered within `within` is [`RepoError::Unavailable`]. The query runs on a
/// thread of its own; one that has not answered yet is waited for by the next check instead of
/// starting another, so a database that hangs costs one thread, not one per check.
/// Cloning shares that probe.
#[derive(Debug, Clone)]
pub struct HealthCheck {
    within: Duration,
    pending: Arc<Mutex<Option<Probe>>>,
}

impl HealthCheck {
    /// Checks that answer within `within`.
    pub fn new(within: Duration) -> Self {
        Self {
            within,
            pending: Arc::default(),
        }
    }

    /// The time limit.
    pub fn within(&self) -> Duration {
        self.within
    }

    /// Like [`check`], failing with [`RepoError::Unavailable`] when the storage has not
    /// answered within the time limit.
    pub fn check(&self, repos: &Repositories) -> Result<(), RepoError> {
        let probe = match self.take_pending() {
            Some(probe) => probe,
            None => Self::start(repos)?,
        };
        match probe.recv_timeout(self.within) {
            Ok(result) => result,
            Err(RecvTimeoutError::Timeout) => {
                let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
                pending.get_or_insert(probe);
                Err(RepoError::Unavailable(format!(
                    "the database did not answer within {} ms",
                    self.within.as_millis()
                )))
            }
            Err(RecvTimeoutError::Disconnected) => {
                Err(RepoError::Other("the health probe stopped".into()))
            }
        }
    }

    /// The probe of an earlier check that is still waiting for the database, if any (one that
    /// answered since is stale and dropped).
    fn take_pending(&self) -> Option<Probe> {
        let probe = self
            .pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()?;
        match probe.try_recv() {
            Err(TryRecvError::Empty) => Some(probe),
            Ok(_) | Err(TryRecvError::Disconnected) => None,
        }
    }

    fn start(repos: &Repositories) -> Result<Probe, RepoError> {
        let (sender, receiver) = mpsc::sync_channel(1);
        let repos = repos.clone();
        std::thread::Builder::new()
            .name("health-probe".into())
            .spawn(move || {
                // The receiver may be gone (dropped as stale): nobody needs the answer then.
                let _ = sender.send(check(&repos));
            })
            .map_err(|e| RepoError::Other(format!("cannot start the health probe: {e}")))?;
        Ok(receiver)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support;
    use crate::{MockKeyLookup, MockTableRepository};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Instant;

    fn repos(departments: MockTableRepository<hiring_domain::Department>) -> Repositories {
        test_support::repos(
            departments,
            MockTableRepository::new(),
            MockTableRepository::new(),
            MockKeyLookup::new(),
        )
    }

    #[test]
    fn reachable_storage_is_healthy_and_a_failure_is_passed_on() {
        let mut up = MockTableRepository::new();
        up.expect_count().returning(|| Ok(12));
        assert_eq!(check(&repos(up)), Ok(()));
        let mut down = MockTableRepository::new();
        down.expect_count()
            .returning(|| Err(RepoError::Unavailable("refused".into())));
        let down = repos(down);
        assert_eq!(check(&down), Err(RepoError::Unavailable("refused".into())));
        assert_eq!(
            HealthCheck::new(Duration::from_secs(5)).check(&down),
            Err(RepoError::Unavailable("refused".into()))
        );
    }

    #[test]
    fn a_storage_that_does_not_answer_in_time_is_unavailable_and_probed_once() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&calls);
        let mut slow = MockTableRepository::new();
        slow.expect_count().returning(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(600));
            Ok(1)
        });
        let repos = repos(slow);
        let health = HealthCheck::new(Duration::from_millis(100));
        for _ in 0..3 {
            let started = Instant::now();
            let result = health.check(&repos);
            assert!(
                matches!(&result, Err(RepoError::Unavailable(m)) if m.contains("100 ms")),
                "{result:?}"
            );
            assert!(started.elapsed() < Duration::from_millis(500));
        }
        // The three checks waited for the same query.
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Given the time, the storage answers; its stale answer is dropped and asked again.
        std::thread::sleep(Duration::from_millis(700));
        let patient = HealthCheck {
            within: Duration::from_secs(5),
            ..health.clone()
        };
        assert_eq!(patient.check(&repos), Ok(()));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
