//! Use case: tell whether the storage answers.

use crate::{RepoError, Repositories};

/// Runs one cheap query (the number of departments). `Ok` means the database is reachable now;
/// the pools reconnect by themselves, so a database that comes back is seen at the next check.
pub fn check(repos: &Repositories) -> Result<(), RepoError> {
    repos.departments.count().map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MockKeyLookup, MockRejectLog, MockTableRepository};
    use std::sync::Arc;

    fn repos(departments: MockTableRepository<hiring_domain::Department>) -> Repositories {
        Repositories {
            departments: Arc::new(departments),
            jobs: Arc::new(MockTableRepository::new()),
            hired_employees: Arc::new(MockTableRepository::new()),
            keys: Arc::new(MockKeyLookup::new()),
            rejects: Arc::new(MockRejectLog::new()),
            reports: Arc::new(crate::MockReports::new()),
            idempotency: Arc::new(crate::idempotency::MockIdempotencyStore::new()),
            description: "mock".into(),
        }
    }

    #[test]
    fn reachable_storage_is_healthy_and_a_failure_is_passed_on() {
        let mut up = MockTableRepository::new();
        up.expect_count().returning(|| Ok(12));
        assert_eq!(check(&repos(up)), Ok(()));
        let mut down = MockTableRepository::new();
        down.expect_count()
            .returning(|| Err(RepoError::Unavailable("refused".into())));
        assert_eq!(
            check(&repos(down)),
            Err(RepoError::Unavailable("refused".into()))
        );
    }
}
