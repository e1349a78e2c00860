//! The decision on every row of a batch — insert, already present, or reject and why — with one
//! set-wise look-up of the foreign keys and one of the ids already stored.

use super::batch::PendingBatch;
use super::plan::{Decision, Plan};
use super::target::LoadTarget;
use crate::{KeyLookup, RepoError};
use hiring_domain::{FieldError, Id, Record, RowErrors, Table};
use roaring::RoaringBitmap;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::HashMap;

// The per-batch maps of ids use the Fx hash (one multiply-rotate per word) instead of SipHash,
// which dominated classifying a batch. Keys come from the input, but a batch holds at most a
// few thousand of them: even keys chosen to collide cost milliseconds, not an outage.

/// What to do with a row whose id is already stored or appears earlier in the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Duplicates {
    /// Same content: already present; different content: a conflict (the migration).
    CompareContent,
    /// Always a reject (the API: a row is new or refused).
    Reject,
}

/// Decides for every row of the batch: insert, already present, or reject (and why).
/// `accepted` holds ids a dry run accepted without writing them, per table.
pub(crate) fn classify<E: Record>(
    keys: &dyn KeyLookup,
    repo: &(impl LoadTarget<E> + ?Sized),
    batch: &PendingBatch<E>,
    duplicates: Duplicates,
    accepted: &HashMap<Table, RoaringBitmap>,
) -> Result<Plan, RepoError> {
    let valid: Vec<(usize, &E)> = batch.valid_rows().collect();
    let missing_parents = missing_parents(keys, valid.iter().map(|(_, row)| *row), accepted)?;
    let mut ids = IdCheck {
        batch,
        duplicates,
        stored: stored_rows(repo, &valid)?,
        seen_in_run: accepted.get(&E::TABLE),
        first_in_batch: FxHashMap::with_capacity_and_hasher(valid.len(), Default::default()),
    };
    let mut plan = Plan::new(batch.len());
    for i in 0..batch.len() {
        let Some(row) = batch.row(i) else {
            plan.decide(i, Decision::Reject(None));
            continue;
        };
        let mut errors = parent_errors(row, &missing_parents);
        let present = match ids.verdict(row) {
            IdVerdict::New => false,
            IdVerdict::Present => true,
            IdVerdict::Refused(error) => {
                errors.push(error);
                false
            }
        };
        match RowErrors::from_vec(errors) {
            Some(errors) => plan.decide(i, Decision::Reject(Some(errors))),
            None if present => plan.decide(i, Decision::Present),
            None => {
                ids.first_in_batch.insert(row.id(), i);
                plan.decide(i, Decision::Insert);
            }
        }
    }
    // Concurrent writers that insert in one order cannot deadlock on each other's keys.
    plan.inserts.sort_by_key(|&i| batch.row(i).map(Record::id));
    Ok(plan)
}

/// The stored rows that have the ids of the `valid` rows, by id.
fn stored_rows<E: Record>(
    repo: &(impl LoadTarget<E> + ?Sized),
    valid: &[(usize, &E)],
) -> Result<FxHashMap<Id, E>, RepoError> {
    let ids: Vec<Id> = valid.iter().map(|(_, row)| row.id()).collect();
    if ids.is_empty() {
        return Ok(FxHashMap::default());
    }
    Ok(repo
        .find_by_ids(&ids)?
        .into_iter()
        .map(|row| (row.id(), row))
        .collect())
}

/// A violation for each key `row` references that is in `missing_parents`.
fn parent_errors<E: Record>(row: &E, missing_parents: &FxHashSet<(Table, Id)>) -> Vec<FieldError> {
    E::TABLE
        .parents()
        .iter()
        .filter_map(|&(parent, column)| {
            let key = row.parent_id(parent)?;
            (!missing_parents.is_empty() && missing_parents.contains(&(parent, key)))
                .then(|| FieldError::new(column, format!("{parent} {key} does not exist")))
        })
        .collect()
}

/// What a valid row's id says about it.
enum IdVerdict {
    /// Neither stored nor seen before: the row is new.
    New,
    /// Stored or seen before with the same content (the migration only).
    Present,
    /// Why the id refuses the row.
    Refused(FieldError),
}

/// What the ids of a batch are checked against.
struct IdCheck<'a, E> {
    batch: &'a PendingBatch<E>,
    duplicates: Duplicates,
    /// The stored rows with the batch's ids.
    stored: FxHashMap<Id, E>,
    /// Ids a dry run accepted earlier in this table.
    seen_in_run: Option<&'a RoaringBitmap>,
    /// The first row of the batch decided as an insert, per id.
    first_in_batch: FxHashMap<Id, usize>,
}

impl<E: Record> IdCheck<'_, E> {
    fn verdict(&self, row: &E) -> IdVerdict {
        let id = row.id();
        let stored_row = if self.stored.is_empty() {
            None
        } else {
            self.stored.get(&id)
        };
        match (self.duplicates, stored_row, self.first_in_batch.get(&id)) {
            (Duplicates::Reject, Some(_), _) => {
                IdVerdict::Refused(FieldError::new("id", format!("id {id} already exists")))
            }
            (Duplicates::Reject, None, Some(&first)) => IdVerdict::Refused(FieldError::new(
                "id",
                format!(
                    "id {id} appears earlier in this batch ({})",
                    self.batch.position_text(first)
                ),
            )),
            (Duplicates::CompareContent, Some(existing), _) => {
                if existing == row {
                    IdVerdict::Present
                } else {
                    IdVerdict::Refused(FieldError::new(
                        "id",
                        format!(
                            "{id} is already stored with different content ({}); it is never overwritten",
                            existing.to_fields().join(",")
                        ),
                    ))
                }
            }
            (Duplicates::CompareContent, None, Some(&first)) => {
                if self.batch.row(first) == Some(row) {
                    IdVerdict::Present
                } else {
                    IdVerdict::Refused(FieldError::new(
                        "id",
                        format!(
                            "{id} appears earlier in this input ({}) with different content",
                            self.batch.position_text(first)
                        ),
                    ))
                }
            }
            (_, None, None) => {
                if self
                    .seen_in_run
                    .is_some_and(|seen| seen.contains(id.get().unsigned_abs()))
                {
                    IdVerdict::Refused(FieldError::new(
                        "id",
                        format!(
                            "{id} appears earlier in this input (dry run: content not compared)"
                        ),
                    ))
                } else {
                    IdVerdict::New
                }
            }
        }
    }
}

/// The (parent table, key) pairs referenced by `rows` that exist neither in storage nor among
/// the ids in `accepted`.
fn missing_parents<'r, E: Record>(
    keys: &dyn KeyLookup,
    rows: impl Iterator<Item = &'r E> + Clone,
    accepted: &HashMap<Table, RoaringBitmap>,
) -> Result<FxHashSet<(Table, Id)>, RepoError> {
    let mut missing = FxHashSet::default();
    for &(parent, _) in E::TABLE.parents() {
        let mut wanted: Vec<Id> = rows
            .clone()
            .filter_map(|row| row.parent_id(parent))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            continue;
        }
        let found: FxHashSet<Id> = keys.existing_ids(parent, &wanted)?.into_iter().collect();
        let seen = accepted.get(&parent);
        for key in wanted {
            let accepted_here = seen.is_some_and(|s| s.contains(key.get().unsigned_abs()));
            if !found.contains(&key) && !accepted_here {
                missing.insert((parent, key));
            }
        }
    }
    Ok(missing)
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
