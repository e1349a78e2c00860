//! The store's per-table methods ([`hiring_ports::TableRepository`] and
//! [`hiring_ports::KeyLookup`]), written once over the [`TableOps`] of each table.

use super::bulk::BulkLoadOps;
use super::error::StoreError;
use super::rejects::RejectOps;
use super::store::Store;
use super::streaming::{PAGE_ROWS, REPLACE_CHUNK};
use super::tables::TableOps;
use hiring_domain::{Department, HiredEmployee, Id, Job, Rejection, Table};
use hiring_ports::{BulkLoad, RepoError, RowSink};

/// The distinct keys of `ids`, in order (a key asked twice is looked up once).
fn keys(ids: &[Id]) -> Vec<i32> {
    let mut keys: Vec<i32> = ids.iter().map(|id| id.get()).collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

impl<D> Store<D>
where
    D: RejectOps + BulkLoadOps,
    Department: TableOps<D>,
    Job: TableOps<D>,
    HiredEmployee: TableOps<D>,
{
    /// See [`hiring_ports::TableRepository::find_by_ids`].
    pub(crate) fn find_by_ids<E: TableOps<D>>(&self, ids: &[Id]) -> Result<Vec<E>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys = keys(ids);
        self.with_conn(|conn| D::read(conn, |conn| E::find(conn, &keys)))
    }

    /// See [`hiring_ports::TableRepository::write_batch`].
    pub(crate) fn write_batch<E: TableOps<D>>(
        &self,
        rows: &[E],
        rejects: &[Rejection],
    ) -> Result<u64, RepoError> {
        if rows.is_empty() && rejects.is_empty() {
            return Ok(0);
        }
        self.with_conn(|conn| {
            D::write(conn, |conn| {
                let inserted = if rows.is_empty() {
                    0
                } else {
                    E::insert(conn, rows)?
                };
                if !rejects.is_empty() {
                    D::insert_rejects(conn, rejects)?;
                }
                Ok(inserted)
            })
        })
    }

    /// See [`hiring_ports::TableRepository::bulk_load`].
    pub(crate) fn bulk_load<E: TableOps<D>>(
        &self,
    ) -> Result<Option<Box<dyn BulkLoad<E>>>, RepoError> {
        D::bulk_load_holding::<E>(&self.bulk_pool, &self.held)
    }

    /// See [`hiring_ports::TableRepository::count`].
    pub(crate) fn count<E: TableOps<D>>(&self) -> Result<u64, RepoError> {
        self.with_conn(|conn| E::count(conn))
    }

    /// See [`hiring_ports::TableRepository::for_each`].
    pub(crate) fn for_each<E: TableOps<D>>(
        &self,
        sink: &mut dyn RowSink<E>,
    ) -> Result<u64, RepoError> {
        self.with_conn(|conn| {
            D::read(conn, |conn| {
                let mut visited = 0;
                // Below every valid id, so that rows breaking the rules are reported too.
                let mut after = i32::MIN;
                loop {
                    let page = E::page(conn, after, PAGE_ROWS)?;
                    let last_page = i64::try_from(page.len()).unwrap_or(i64::MAX) < PAGE_ROWS;
                    for row in page {
                        after = row.id().get();
                        sink.accept(row).map_err(StoreError::Port)?;
                        visited += 1;
                    }
                    if last_page {
                        return Ok(visited);
                    }
                }
            })
        })
    }

    /// See [`hiring_ports::TableRepository::replace_all`].
    pub(crate) fn replace_all<E: TableOps<D>>(
        &self,
        rows: &mut dyn Iterator<Item = E>,
    ) -> Result<u64, RepoError> {
        self.with_conn(|conn| {
            D::write(conn, |conn| {
                E::delete_all(conn)?;
                let mut stored = 0;
                loop {
                    let chunk: Vec<E> = (&mut *rows).take(REPLACE_CHUNK).collect();
                    if chunk.is_empty() {
                        return Ok(stored);
                    }
                    stored += E::insert(conn, &chunk)?;
                }
            })
        })
    }

    /// See [`hiring_ports::KeyLookup::existing_ids`]: answered from the keys a bulk load holds
    /// when it holds the table's.
    pub(crate) fn existing_ids(&self, table: Table, ids: &[Id]) -> Result<Vec<Id>, RepoError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys = keys(ids);
        let found = match self.held.existing(table, &keys) {
            Some(found) => found,
            None => self.with_conn(|conn| {
                D::read(conn, |conn| match table {
                    Table::Departments => <Department as TableOps<D>>::existing(conn, &keys),
                    Table::Jobs => <Job as TableOps<D>>::existing(conn, &keys),
                    Table::HiredEmployees => <HiredEmployee as TableOps<D>>::existing(conn, &keys),
                })
            })?,
        };
        found
            .into_iter()
            .map(|id| {
                Id::new(id.into())
                    .map_err(|e| RepoError::Corrupt(format!("{table} row with id {id}: id {e}")))
            })
            .collect()
    }
}
