//! Use case: where a read goes. With a streaming read replica configured, reads (reports, the
//! reject log, backups' snapshots) go to it while it answers and is no further behind its
//! primary than allowed; otherwise to the primary, saying why. Writes always go to the primary.

use crate::{RepoError, Repositories};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How long a replica that did not answer is skipped before it is asked again: reads do not
/// each wait for a replica that is down.
pub const RECHECK_AFTER: Duration = Duration::from_secs(5);

/// How far a read replica is behind its primary.
#[cfg_attr(feature = "mock", mockall::automock)]
pub trait ReplicaLag: Send + Sync {
    /// The age of the newest change the replica has applied, or zero when it has applied
    /// everything it received. Fails when the replica does not answer, or is not a replica.
    fn lag(&self) -> Result<Duration, RepoError>;
}

/// A read replica: its storage ports, used for reads only, and its lag.
#[derive(Clone)]
pub struct Replica {
    /// The ports on the replica's database (read-only: a hot standby refuses writes).
    pub repos: Repositories,
    /// How far it is behind.
    pub lag: Arc<dyn ReplicaLag>,
}

/// Where a read was served from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadSource {
    /// The primary: no replica is configured.
    Primary,
    /// The replica, this far behind its primary.
    Replica {
        /// The replica's lag when the read was routed.
        lag: Duration,
    },
    /// The primary, because the replica was skipped.
    ReplicaSkipped {
        /// Why: down, or too far behind.
        reason: String,
    },
}

/// Routes reads to the replica or the primary (see the module documentation). Cloning shares
/// the ports and what is known of the replica.
#[derive(Clone)]
pub struct ReadRouter {
    primary: Repositories,
    replica: Option<Replica>,
    max_lag: Duration,
    recheck_after: Duration,
    /// When the replica last failed to answer, and why.
    down: Arc<Mutex<Option<(Instant, String)>>>,
}

impl ReadRouter {
    /// Reads go to `replica`, when there is one, while its lag is at most `max_lag`.
    pub fn new(primary: Repositories, replica: Option<Replica>, max_lag: Duration) -> Self {
        Self {
            primary,
            replica,
            max_lag,
            recheck_after: RECHECK_AFTER,
            down: Arc::default(),
        }
    }

    /// The same router, asking a replica that did not answer again only after `recheck_after`
    /// (default [`RECHECK_AFTER`]).
    pub fn recheck_after(mut self, recheck_after: Duration) -> Self {
        self.recheck_after = recheck_after;
        self
    }

    /// The primary's ports: every write, and reads that must see the writes just made.
    pub fn primary(&self) -> &Repositories {
        &self.primary
    }

    /// Whether a replica is configured.
    pub fn has_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// The most a replica may lag and still be read.
    pub fn max_lag(&self) -> Duration {
        self.max_lag
    }

    /// The ports a read should use now, and where they lead. Asks the replica for its lag each
    /// time (one cheap query), except within [`ReadRouter::recheck_after`] of its last failure
    /// to answer.
    pub fn reads(&self) -> (&Repositories, ReadSource) {
        let Some(replica) = &self.replica else {
            return (&self.primary, ReadSource::Primary);
        };
        let mut down = self.down.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((since, reason)) = down.as_ref() {
            if since.elapsed() < self.recheck_after {
                let reason = reason.clone();
                return (&self.primary, ReadSource::ReplicaSkipped { reason });
            }
        }
        let lag = replica.lag.lag();
        *down = match &lag {
            Err(e) => Some((Instant::now(), format!("the replica does not answer: {e}"))),
            Ok(_) => None,
        };
        drop(down);
        match lag {
            Ok(lag) if lag <= self.max_lag => (&replica.repos, ReadSource::Replica { lag }),
            Ok(lag) => (
                &self.primary,
                ReadSource::ReplicaSkipped {
                    reason: format!(
                        "the replica is {} ms behind its primary, more than the {} ms allowed",
                        lag.as_millis(),
                        self.max_lag.as_millis()
                    ),
                },
            ),
            Err(e) => (
                &self.primary,
                ReadSource::ReplicaSkipped {
                    reason: format!("the replica does not answer: {e}"),
                },
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support;
    use crate::{MockKeyLookup, MockTableRepository};

    /// Ports that nothing is called on, told apart by their description.
    fn repos(description: &str) -> Repositories {
        let mut repos = test_support::repos(
            MockTableRepository::new(),
            MockTableRepository::new(),
            MockTableRepository::new(),
            MockKeyLookup::new(),
        );
        repos.description = description.to_owned();
        repos
    }

    fn router(lag: Result<Duration, RepoError>) -> ReadRouter {
        let mut probe = MockReplicaLag::new();
        probe.expect_lag().times(1).return_once(move || lag);
        with_probe(probe)
    }

    fn with_probe(probe: MockReplicaLag) -> ReadRouter {
        let replica = Replica {
            repos: repos("replica"),
            lag: Arc::new(probe),
        };
        ReadRouter::new(repos("primary"), Some(replica), Duration::from_secs(5))
    }

    #[test]
    fn without_a_replica_reads_go_to_the_primary() {
        let router = ReadRouter::new(repos("primary"), None, Duration::from_secs(5));
        let (repos, source) = router.reads();
        assert_eq!(
            (repos.description.as_str(), source),
            ("primary", ReadSource::Primary)
        );
        assert!(!router.has_replica());
    }

    #[test]
    fn a_replica_within_the_allowed_lag_serves_the_read() {
        for lag in [Duration::ZERO, Duration::from_secs(5)] {
            let router = router(Ok(lag));
            let (repos, source) = router.reads();
            assert_eq!(repos.description, "replica");
            assert_eq!(source, ReadSource::Replica { lag });
        }
    }

    #[test]
    fn a_replica_too_far_behind_is_skipped_saying_by_how_much() {
        let router = router(Ok(Duration::from_millis(5_001)));
        let (repos, source) = router.reads();
        assert_eq!(repos.description, "primary");
        assert_eq!(
            source,
            ReadSource::ReplicaSkipped {
                reason: "the replica is 5001 ms behind its primary, more than the 5000 ms allowed"
                    .to_owned()
            }
        );
    }

    #[test]
    fn a_replica_that_does_not_answer_is_skipped_saying_why() {
        let router = router(Err(RepoError::Unavailable("connection refused".to_owned())));
        let (repos, source) = router.reads();
        assert_eq!(repos.description, "primary");
        let ReadSource::ReplicaSkipped { reason } = source else {
            panic!("{source:?}")
        };
        assert!(
            reason.starts_with("the replica does not answer: "),
            "{reason}"
        );
        assert!(reason.contains("connection refused"), "{reason}");
    }

    #[test]
    fn a_replica_that_did_not_answer_is_asked_again_only_after_a_while() {
        let mut probe = MockReplicaLag::new();
        probe
            .expect_lag()
            .times(1)
            .returning(|| Err(RepoError::Unavailable("timed out".to_owned())));
        let router = with_probe(probe);
        for _ in 0..3 {
            let (repos, source) = router.reads();
            assert_eq!(repos.description, "primary");
            assert!(matches!(source, ReadSource::ReplicaSkipped { .. }));
        }

        let mut probe = MockReplicaLag::new();
        let mut answers = vec![
            Ok(Duration::ZERO),
            Err(RepoError::Unavailable("down".into())),
        ];
        probe
            .expect_lag()
            .times(2)
            .returning(move || answers.pop().unwrap());
        let router = with_probe(probe).recheck_after(Duration::ZERO);
        assert_eq!(router.reads().0.description, "primary");
        // Asked again at once: it answers, and serves the read.
        assert_eq!(
            router.reads().1,
            ReadSource::Replica {
                lag: Duration::ZERO
            }
        );
    }
}
