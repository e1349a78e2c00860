//! Whole tables streamed page by page out of the database, and chunk by chunk into it, so
//! that memory stays flat whatever their size.

use super::dialect::Dialect;
use super::error::StoreError;
use super::hire_counts::{ParentIds, Tally};
use super::tables::TableOps;
use hiring_domain::{Department, HiredEmployee, Job, Record};
use hiring_ports::{AnyRow, RepoError, RowSource, SnapshotSink};

/// Rows read per statement by `for_each` and snapshots (keyset pagination keeps memory flat).
pub(crate) const PAGE_ROWS: i64 = 10_000;

/// Rows taken from the iterator of `replace_all`, or from a replacement's source, before they
/// are written.
pub(crate) const REPLACE_CHUNK: usize = 10_000;

/// Takes a row of the entity's table out of an [`AnyRow`].
pub(crate) trait FromAnyRow: Sized {
    /// The entity, or `None` for a row of another table.
    fn from_any(row: AnyRow) -> Option<Self>;
}

impl FromAnyRow for Department {
    fn from_any(row: AnyRow) -> Option<Self> {
        match row {
            AnyRow::Department(row) => Some(row),
            _ => None,
        }
    }
}

impl FromAnyRow for Job {
    fn from_any(row: AnyRow) -> Option<Self> {
        match row {
            AnyRow::Job(row) => Some(row),
            _ => None,
        }
    }
}

impl FromAnyRow for HiredEmployee {
    fn from_any(row: AnyRow) -> Option<Self> {
        match row {
            AnyRow::HiredEmployee(row) => Some(row),
            _ => None,
        }
    }
}

/// Streams one table of a snapshot into `sink`: its row count, then its rows in id order, page
/// by page. Pages are read on a second thread while this one hands the previous page to the
/// sink, so that reading the database and encoding overlap; at most three pages are in memory.
pub(crate) fn stream_table<D: Dialect, E: TableOps<D> + Into<AnyRow>>(
    conn: &mut D::Conn,
    sink: &mut dyn SnapshotSink,
) -> Result<u64, StoreError> {
    let rows = E::count(conn)?;
    sink.begin_table(E::TABLE, rows).map_err(StoreError::Port)?;
    let visited = std::thread::scope(|scope| {
        let (pages, received) = std::sync::mpsc::sync_channel::<Vec<E>>(1);
        let reader = scope.spawn(move || read_pages::<D, E>(conn, |page| pages.send(page).is_ok()));
        let mut visited = 0;
        let mut sunk = Ok(());
        for page in received {
            for row in page {
                sunk = sink.row(row.into()).map_err(StoreError::Port);
                if sunk.is_err() {
                    break;
                }
                visited += 1;
            }
            if sunk.is_err() {
                // Dropping the receiver stops the reader at its next page.
                break;
            }
        }
        let read = reader.join().unwrap_or_else(|_| {
            Err(StoreError::Encode(
                "the thread reading rows panicked".to_owned(),
            ))
        });
        // A failed sink stops the reading early: its error is the one to report.
        sunk?;
        read?;
        Ok::<u64, StoreError>(visited)
    })?;
    sink.end_table(E::TABLE).map_err(StoreError::Port)?;
    Ok(visited)
}

/// Reads the entity's table in id order, [`PAGE_ROWS`] rows per statement, and hands each page
/// to `send` until the table ends or `send` returns false.
fn read_pages<D: Dialect, E: TableOps<D>>(
    conn: &mut D::Conn,
    mut send: impl FnMut(Vec<E>) -> bool,
) -> Result<(), StoreError> {
    let mut after = i32::MIN;
    loop {
        let page = E::page(conn, after, PAGE_ROWS)?;
        let last_page = i64::try_from(page.len()).unwrap_or(i64::MAX) < PAGE_ROWS;
        match page.last() {
            Some(row) => after = row.id().get(),
            None => return Ok(()),
        }
        if !send(page) || last_page {
            return Ok(());
        }
    }
}

/// Inserts the rows `source` gives for the entity's table, in chunks. Each chunk is written on
/// a second thread while this one reads the next, so that reading and checking the rows and
/// writing them overlap; at most three chunks are in memory. `unindexed`: the table's secondary
/// indexes are set aside, and the rows go in with [`TableOps::insert_unindexed`]. Returns the
/// rows stored and the parents they reference (none but for hires).
pub(crate) fn fill_table<D: Dialect, E: TableOps<D> + FromAnyRow>(
    conn: &mut D::Conn,
    source: &mut dyn RowSource,
    unindexed: bool,
) -> Result<(u64, ParentIds), StoreError> {
    std::thread::scope(|scope| {
        let (chunks, received) = std::sync::mpsc::sync_channel::<Vec<E>>(1);
        let writer = scope.spawn(move || {
            // The aggregate is brought up to date once, not chunk after chunk.
            let mut tally = Tally::default();
            let mut stored = 0;
            for chunk in received {
                stored += if unindexed {
                    E::insert_unindexed(conn, &chunk)?
                } else {
                    E::insert_uncounted(conn, &chunk)?
                };
                E::tally(&chunk, &mut tally);
            }
            let parents = tally.parent_ids();
            E::add_tally(conn, &mut tally)?;
            Ok::<_, StoreError>((stored, parents))
        });
        let read = read_chunks::<E>(source, |chunk| chunks.send(chunk).is_ok());
        drop(chunks);
        let written = writer.join().unwrap_or_else(|_| {
            Err(StoreError::Encode(
                "the thread writing rows panicked".to_owned(),
            ))
        });
        // A failed write stops the reading early: its error is the one to report.
        let stored = written?;
        read?;
        Ok(stored)
    })
}

/// Reads the rows `source` gives for the entity's table and hands them to `send` in chunks,
/// until the source ends or `send` returns false.
fn read_chunks<E: Record + FromAnyRow>(
    source: &mut dyn RowSource,
    mut send: impl FnMut(Vec<E>) -> bool,
) -> Result<(), StoreError> {
    let mut chunk: Vec<E> = Vec::with_capacity(REPLACE_CHUNK);
    while let Some(row) = source.next_row(E::TABLE).map_err(StoreError::Port)? {
        let given = row.table();
        let row = E::from_any(row).ok_or_else(|| {
            StoreError::Port(RepoError::Other(format!(
                "a {given} row was given for {}",
                E::TABLE
            )))
        })?;
        chunk.push(row);
        if chunk.len() == REPLACE_CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(REPLACE_CHUNK));
            if !send(full) {
                return Ok(());
            }
        }
    }
    if !chunk.is_empty() {
        send(chunk);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hiring_domain::Table;

    /// Gives `count` jobs, then one department.
    struct Jobs {
        count: usize,
        given: usize,
    }

    impl RowSource for Jobs {
        fn next_row(&mut self, table: Table) -> Result<Option<AnyRow>, RepoError> {
            assert_eq!(table, Table::Jobs);
            self.given += 1;
            let id = self.given.to_string();
            Ok(match self.given {
                n if n <= self.count => {
                    Some(AnyRow::Job(Job::from_fields(&[&id, "Clerk"]).unwrap()))
                }
                n if n == self.count + 1 => Some(AnyRow::Department(
                    Department::from_fields(&[&id, "Sales"]).unwrap(),
                )),
                _ => None,
            })
        }
    }

    #[test]
    fn rows_come_in_full_chunks_and_a_row_of_another_table_is_refused() {
        let mut source = Jobs {
            count: REPLACE_CHUNK + 1,
            given: 0,
        };
        let mut chunks = Vec::new();
        let read = read_chunks::<Job>(&mut source, |chunk| {
            chunks.push(chunk.len());
            true
        });
        assert_eq!(chunks, vec![REPLACE_CHUNK]);
        match read {
            Err(StoreError::Port(RepoError::Other(message))) => {
                assert_eq!(message, "a departments row was given for jobs");
            }
            other => panic!("expected the foreign row refused, got {other:?}"),
        }
    }

    #[test]
    fn reading_stops_when_the_writer_does() {
        let mut source = Jobs {
            count: 3 * REPLACE_CHUNK,
            given: 0,
        };
        let mut sent = 0;
        let read = read_chunks::<Job>(&mut source, |_| {
            sent += 1;
            false
        });
        assert!(read.is_ok());
        assert_eq!((sent, source.given), (1, REPLACE_CHUNK));
    }
}
