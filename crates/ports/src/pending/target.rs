//! Where a batch is checked and written: a table repository, or a bulk load in progress.

use crate::{BulkLoad, RepoError, TableRepository};
use hiring_domain::{Id, Record, Rejection};

/// What the classifier and the retry loop need of the storage a batch goes to.
pub(crate) trait LoadTarget<E> {
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError>;
    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError>;
}

impl<E: Record> LoadTarget<E> for dyn TableRepository<E> + '_ {
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError> {
        TableRepository::find_by_ids(self, ids)
    }

    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError> {
        TableRepository::write_batch(self, rows, rejects)
    }
}

impl<E: Record> LoadTarget<E> for dyn BulkLoad<E> + '_ {
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError> {
        BulkLoad::find_by_ids(self, ids)
    }

    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError> {
        BulkLoad::write_batch(self, rows, rejects)
    }
}
