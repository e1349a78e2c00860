//! Use case: ingest a batch sent with an idempotency key, so that a retry stores and logs
//! nothing twice.
//!
//! The key is claimed first ([`IdempotencyStore::claim`]). A key completed by an earlier request
//! with the same fingerprint is answered with that request's stored outcome, and nothing is
//! written; another fingerprint, or a request still holding the key, is refused. Otherwise the
//! batch is ingested as by [`crate::ingest::ingest`], and its answer is stored with the key in
//! the same transaction as its rows and rejects
//! ([`TableRepository::write_batch_completing`]): either all of it is stored, or none of it
//! and the claim is given up.

use crate::idempotency::{
    Claim, ClaimTimes, Completion, IdempotencyStore, KeyedRequest, StoredOutcome,
};
use crate::ingest::{ingest_into, IncomingRow, IngestError, IngestReport, Mode, RowRejection};
use crate::pending::LoadTarget;
use crate::{RepoError, Repositories, TableRepository};
use hiring_domain::{Batch, Id, Record, Rejection, Table};
use std::cell::RefCell;

/// Renders a batch's report as the answer to store and give (its JSON body).
pub type Render<'a> = dyn Fn(&IngestReport) -> String + 'a;

/// What a keyed batch came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyedIngest {
    /// The batch was ingested now; `body` is its rendered report, stored with the key.
    Done {
        /// What became of the batch.
        report: IngestReport,
        /// The answer stored with the key.
        body: String,
    },
    /// The key was completed before, with this answer; nothing was written now.
    Replayed(StoredOutcome),
}

/// Why a keyed batch was not ingested.
#[derive(Debug, thiserror::Error)]
pub enum KeyedIngestError {
    /// The key was used for a request with another body or other options.
    #[error(
        "the idempotency key was used for another request: send a new key for a different request"
    )]
    KeyReused,
    /// Another request holds the key and has not completed.
    #[error("a request with this idempotency key is still being processed: retry later")]
    KeyInProgress,
    /// The batch was refused or storage failed; nothing was written and the key is free again.
    #[error(transparent)]
    Ingest(#[from] IngestError),
}

impl From<RepoError> for KeyedIngestError {
    fn from(e: RepoError) -> Self {
        Self::Ingest(IngestError::Storage(e))
    }
}

/// [`crate::ingest::ingest`] under the key of `request`: answered from the stored outcome when
/// the key was completed by the same request before, stored with its outcome otherwise.
/// `render` gives the answer stored for the report (status 200).
pub fn ingest_keyed(
    repos: &Repositories,
    table: Table,
    rows: Batch<IncomingRow>,
    mode: Mode,
    request: &KeyedRequest,
    render: &Render<'_>,
) -> Result<KeyedIngest, KeyedIngestError> {
    let keys: &dyn IdempotencyStore = &*repos.idempotency;
    match keys.claim(request, &ClaimTimes::now())? {
        Claim::Granted => {}
        Claim::Replay(outcome) => return Ok(KeyedIngest::Replayed(outcome)),
        Claim::Mismatch => return Err(KeyedIngestError::KeyReused),
        Claim::InProgress => return Err(KeyedIngestError::KeyInProgress),
    }
    let ingested = match table {
        Table::Departments => completing(repos, &*repos.departments, rows, mode, request, render),
        Table::Jobs => completing(repos, &*repos.jobs, rows, mode, request, render),
        Table::HiredEmployees => {
            completing(repos, &*repos.hired_employees, rows, mode, request, render)
        }
    };
    match ingested {
        Ok((report, body)) => Ok(KeyedIngest::Done { report, body }),
        Err(e) => {
            if let Err(release) = keys.release(request) {
                tracing::warn!(key = %request.key(), error = %release, "idempotency key not released; it frees itself after the claim timeout");
            }
            Err(e.into())
        }
    }
}

fn completing<E: Record>(
    repos: &Repositories,
    repo: &dyn TableRepository<E>,
    rows: Batch<IncomingRow>,
    mode: Mode,
    request: &KeyedRequest,
    render: &Render<'_>,
) -> Result<(IngestReport, String), IngestError> {
    let target = Completing {
        repo,
        request,
        render,
        received: rows.len(),
        rejected: RefCell::new(Vec::new()),
        stored: RefCell::new(None),
    };
    let on_write = |rejected: &[RowRejection]| {
        *target.rejected.borrow_mut() = rejected.to_vec();
    };
    let report = ingest_into(
        &*repos.keys,
        &target,
        request.claimant(),
        rows,
        mode,
        &on_write,
    )?;
    let body = target.stored.take().ok_or_else(|| {
        IngestError::Storage(RepoError::Other(
            "a keyed batch ended without storing its answer".into(),
        ))
    })?;
    Ok((report, body))
}

/// Writes a batch with its answer: the answer is rendered from exactly what is written.
struct Completing<'a, E> {
    repo: &'a dyn TableRepository<E>,
    request: &'a KeyedRequest,
    render: &'a Render<'a>,
    received: usize,
    /// The rejected rows about to be written, in batch order.
    rejected: RefCell<Vec<RowRejection>>,
    /// The answer stored by the last successful write.
    stored: RefCell<Option<String>>,
}

impl<E: Record> Completing<'_, E> {
    fn report(&self, rows: &[E]) -> IngestReport {
        IngestReport {
            table: E::TABLE,
            request_id: self.request.claimant().to_owned(),
            received: self.received,
            inserted: rows.len() as u64,
            rejected: self.rejected.borrow().clone(),
        }
    }
}

impl<E: Record> LoadTarget<E> for Completing<'_, E> {
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError> {
        self.repo.find_by_ids(ids)
    }

    fn write_batch(&self, rows: &[E], rejects: &[Rejection]) -> Result<u64, RepoError> {
        let body = (self.render)(&self.report(rows));
        let completion = Completion {
            request: self.request.clone(),
            outcome: StoredOutcome { status: 200, body },
        };
        let inserted = self
            .repo
            .write_batch_completing(rows, rejects, &completion)?;
        *self.stored.borrow_mut() = Some(completion.outcome.body);
        Ok(inserted)
    }
}

#[cfg(test)]
#[path = "keyed_ingest_tests.rs"]
mod tests;
