//! Whole-table reads and writes ([`hiring_ports::BulkStorage`]): a snapshot of several tables
//! streamed from one read transaction, and their replacement in one write transaction that
//! checks, before it commits, that every hire's parents exist.

use super::bulk::BulkLoadOps;
use super::dialect::Dialect;
use super::error::{repo_error, StoreError};
use super::hire_counts::ParentIds;
use super::rows::row_count;
use super::store::Store;
use super::streaming::{fill_table, stream_table};
use super::tables::TableOps;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use hiring_domain::{Department, HiredEmployee, Id, Job, Table};
use hiring_ports::{MissingParents, ReplaceError, RepoError, RowSource, SnapshotSink};

/// Checked inside a restore before it commits; see the file.
pub(crate) const MISSING_PARENTS_SQL: &str = include_str!("../sql/missing_parents.sql");

/// The whole-table statements of one backend.
pub(crate) trait BulkOps: Dialect {
    /// Makes the foreign keys of the current transaction checked at commit instead of at each
    /// statement.
    fn defer_foreign_keys(conn: &mut Self::Conn) -> Result<(), StoreError> {
        conn.batch_execute(Self::DEFER_FOREIGN_KEYS)?;
        Ok(())
    }

    /// The departments and jobs that `hired_employees` rows reference but that do not exist:
    /// [`MISSING_PARENTS_SQL`]'s rows, grouped by [`missing_parents`].
    fn missing_parents(conn: &mut Self::Conn) -> Result<Vec<MissingParents>, StoreError>;
}

/// One row of [`MISSING_PARENTS_SQL`].
#[derive(diesel::QueryableByName)]
pub(crate) struct MissingParentRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    parent: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    id: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    hires: i64,
}

impl MissingParentRow {
    /// `hires` rows reference the missing `id` of `parent`.
    pub(crate) fn new(parent: Table, id: i32, hires: i64) -> Self {
        Self {
            parent: parent.name().to_owned(),
            id,
            hires,
        }
    }
}

/// Groups the rows of [`MISSING_PARENTS_SQL`] by parent table, naming at most
/// [`MissingParents::MAX_IDS`] ids each.
pub(crate) fn missing_parents(rows: Vec<MissingParentRow>) -> Vec<MissingParents> {
    let mut grouped: Vec<MissingParents> = Vec::new();
    for row in rows {
        let Ok(parent) = row.parent.parse::<Table>() else {
            continue;
        };
        let index = match grouped.iter().position(|m| m.parent == parent) {
            Some(index) => index,
            None => {
                let column = Table::HiredEmployees
                    .parents()
                    .iter()
                    .find(|(t, _)| *t == parent)
                    .map_or("?", |(_, column)| *column);
                grouped.push(MissingParents {
                    parent,
                    column,
                    ids: Vec::new(),
                    missing: 0,
                    rows: 0,
                });
                grouped.len() - 1
            }
        };
        let entry = &mut grouped[index];
        entry.missing += 1;
        entry.rows += row_count(row.hires);
        if entry.ids.len() < MissingParents::MAX_IDS {
            // Stored keys failing the id rule would be reported by reads; name them anyway.
            if let Ok(id) = Id::new(row.id.into()) {
                entry.ids.push(id);
            }
        }
    }
    grouped
}

/// The departments and jobs of `parents` (the parents some hires reference) that are not
/// stored, grouped as [`missing_parents`] does: one lookup per distinct id instead of a scan of
/// the hires.
pub(crate) fn missing_parents_of<D: Dialect>(
    conn: &mut D::Conn,
    parents: ParentIds,
) -> Result<Vec<MissingParents>, StoreError>
where
    Department: TableOps<D>,
    Job: TableOps<D>,
{
    let mut missing = Vec::new();
    let [departments, jobs] = parents;
    for (parent, hires) in [(Table::Departments, departments), (Table::Jobs, jobs)] {
        let ids: Vec<i32> = hires.keys().copied().collect();
        let stored: std::collections::BTreeSet<i32> = match parent {
            Table::Departments => <Department as TableOps<D>>::existing(conn, &ids)?,
            _ => <Job as TableOps<D>>::existing(conn, &ids)?,
        }
        .into_iter()
        .collect();
        missing.extend(
            hires
                .into_iter()
                .filter(|(id, _)| !stored.contains(id))
                .map(|(id, n)| MissingParentRow::new(parent, id, n)),
        );
    }
    Ok(missing_parents(missing))
}

/// Runs `statements` in order.
fn run_statements<C: Connection>(conn: &mut C, statements: &[String]) -> Result<(), StoreError> {
    for statement in statements {
        conn.batch_execute(statement)?;
    }
    Ok(())
}

impl<D> Store<D>
where
    D: BulkOps + BulkLoadOps,
    Department: TableOps<D>,
    Job: TableOps<D>,
    HiredEmployee: TableOps<D>,
{
    /// See [`hiring_ports::BulkStorage::snapshot`].
    pub(crate) fn snapshot(
        &self,
        tables: &[Table],
        sink: &mut dyn SnapshotSink,
    ) -> Result<u64, RepoError> {
        self.with_conn(|conn| {
            D::read(conn, |conn| {
                let mut total = 0;
                for table in tables {
                    total += match table {
                        Table::Departments => stream_table::<D, Department>(conn, sink)?,
                        Table::Jobs => stream_table::<D, Job>(conn, sink)?,
                        Table::HiredEmployees => stream_table::<D, HiredEmployee>(conn, sink)?,
                    };
                }
                Ok(total)
            })
        })
    }

    /// See [`hiring_ports::BulkStorage::replace`].
    pub(crate) fn replace(
        &self,
        tables: &[Table],
        source: &mut dyn RowSource,
    ) -> Result<Vec<u64>, ReplaceError> {
        let mut conn = self
            .bulk_pool
            .get()
            .map_err(|e| repo_error(StoreError::Pool(e.to_string())))?;
        D::replacing(&mut conn, |conn| {
            D::write(conn, |conn| {
                let set_aside = D::set_aside_for_replace(conn, tables)?;
                D::defer_foreign_keys(conn)?;
                // Children first, although with deferred checks the order only spares work.
                for table in tables.iter().rev() {
                    match table {
                        Table::Departments => <Department as TableOps<D>>::delete_all(conn)?,
                        Table::Jobs => <Job as TableOps<D>>::delete_all(conn)?,
                        Table::HiredEmployees => <HiredEmployee as TableOps<D>>::delete_all(conn)?,
                    };
                }
                let mut counts = Vec::with_capacity(tables.len());
                let unindexed = set_aside.is_some();
                // The parents of the new hires, when `hired_employees` is replaced.
                let mut hire_parents = None;
                for table in tables {
                    counts.push(match table {
                        Table::Departments => {
                            fill_table::<D, Department>(conn, source, unindexed)?.0
                        }
                        Table::Jobs => fill_table::<D, Job>(conn, source, unindexed)?.0,
                        Table::HiredEmployees => {
                            let (rows, parents) =
                                fill_table::<D, HiredEmployee>(conn, source, unindexed)?;
                            hire_parents = Some(parents);
                            rows
                        }
                    });
                }
                let mut refused = None;
                if let Some(set_aside) = &set_aside {
                    run_statements(conn, &set_aside.indexes)?;
                    // Re-added foreign keys check every row; only when they refuse (rolled back to
                    // a savepoint) does the missing-parents query run, to name the ids.
                    if !set_aside.foreign_keys.is_empty() {
                        match conn.transaction(|conn| run_statements(conn, &set_aside.foreign_keys))
                        {
                            Ok(()) => return Ok(counts),
                            Err(e) => refused = Some(e),
                        }
                    }
                }
                let missing = match hire_parents {
                    // Every stored hire is a new one: its parents are those counted.
                    Some(parents) => missing_parents_of::<D>(conn, parents)?,
                    None => D::missing_parents(conn)?,
                };
                match (missing.is_empty(), refused) {
                    (false, _) => Err(StoreError::MissingParents(missing)),
                    (true, Some(e)) => Err(e),
                    (true, None) => Ok(counts),
                }
            })
        })
        .map_err(|e| match e {
            StoreError::MissingParents(missing) => ReplaceError::MissingParents(missing),
            other => ReplaceError::Repo(repo_error(other)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(parent: &str, id: i32, hires: i64) -> MissingParentRow {
        MissingParentRow {
            parent: parent.to_owned(),
            id,
            hires,
        }
    }

    #[test]
    fn missing_parents_are_grouped_by_table_with_their_column_and_hires() {
        let grouped = missing_parents(vec![
            row("jobs", 4, 2),
            row("departments", 9, 1),
            row("jobs", 5, 3),
            // Not a table: skipped. An id breaking the id rule is counted, not named.
            row("projects", 1, 1),
            row("jobs", 0, 1),
        ]);
        let summary: Vec<_> = grouped
            .iter()
            .map(|m| {
                let ids: Vec<i32> = m.ids.iter().map(|id| id.get()).collect();
                (m.parent, m.column, ids, m.missing, m.rows)
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                (Table::Jobs, "job_id", vec![4, 5], 3, 6),
                (Table::Departments, "department_id", vec![9], 1, 1),
            ]
        );
    }

    #[test]
    fn at_most_max_ids_are_named() {
        let rows = (1..=i32::try_from(MissingParents::MAX_IDS).unwrap() + 5)
            .map(|id| row("departments", id, 1))
            .collect();
        let grouped = missing_parents(rows);
        assert_eq!(grouped[0].ids.len(), MissingParents::MAX_IDS);
        assert_eq!(grouped[0].missing, MissingParents::MAX_IDS as u64 + 5);
    }
}
