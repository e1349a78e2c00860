//! Writing a planned batch, checked again and retried when a concurrent writer made it conflict.

use super::batch::PendingBatch;
use super::plan::Plan;
use super::target::LoadTarget;
use crate::RepoError;
use hiring_domain::Record;

/// How many times a batch is re-checked and re-written after a concurrent writer made it
/// conflict, by default.
pub(crate) const WRITE_ATTEMPTS: usize = 5;

/// Plans the batch with `plan_for` and, when `write` agrees, writes its inserts and rejects in
/// one transaction. On a [`RepoError::Conflict`] the batch is planned and written again, at most
/// `attempts` times in all. `write` sees every plan made, the returned one last. Returns the
/// plan and the rows inserted (0 when not written).
pub(crate) fn commit<E: Record>(
    repo: &(impl LoadTarget<E> + ?Sized),
    batch: &mut PendingBatch<E>,
    attempts: usize,
    mut plan_for: impl FnMut(&PendingBatch<E>) -> Result<Plan, RepoError>,
    mut write: impl FnMut(&Plan, &PendingBatch<E>) -> bool,
) -> Result<(Plan, u64), RepoError> {
    let mut attempt = 1;
    loop {
        let plan = plan_for(batch)?;
        if !write(&plan, batch) {
            return Ok((plan, 0));
        }
        let rows = batch.take_rows(&plan.inserts);
        let rejects = plan.rejections(batch);
        match repo.write_batch(&rows, &rejects) {
            Ok(inserted) => return Ok((plan, inserted)),
            Err(RepoError::Conflict(reason)) if attempt < attempts => {
                tracing::debug!(%reason, attempt, "batch conflicted with a concurrent writer; checking it again");
                batch.put_back(&plan.inserts, rows);
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}
