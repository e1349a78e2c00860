//! The typed queries of the three tables: the [`TableOps`] trait that the shared code calls,
//! and the [`table_ops!`] macro with which each backend writes it for each table.

use super::dialect::Dialect;
use super::error::StoreError;
use super::hire_counts::Tally;
use hiring_domain::{Department, HiredEmployee, Job, Record, Table};

/// The typed queries of one table on one backend (written by [`table_ops!`]).
pub(crate) trait TableOps<D: Dialect>: Record {
    /// Rows whose ids are in `ids`.
    fn find(conn: &mut D::Conn, ids: &[i32]) -> Result<Vec<Self>, StoreError>;
    /// Up to `limit` rows with ids above `after`, in id order.
    fn page(conn: &mut D::Conn, after: i32, limit: i64) -> Result<Vec<Self>, StoreError>;
    /// Inserts every row, in as few statements as the backend allows.
    fn insert(conn: &mut D::Conn, rows: &[Self]) -> Result<u64, StoreError>;
    /// Like [`TableOps::insert`], leaving the `hire_counts` aggregate alone: for a writer of
    /// many batches in one transaction, which counts them with [`TableOps::tally`] and adds the
    /// tally once with [`TableOps::add_tally`].
    fn insert_uncounted(conn: &mut D::Conn, rows: &[Self]) -> Result<u64, StoreError>;
    /// Like [`TableOps::insert_uncounted`], into a table whose secondary indexes are set aside
    /// (a bulk load or a restore): with no index page to keep up to date, a backend may write
    /// several rows per statement. By default [`TableOps::insert_uncounted`].
    fn insert_unindexed(conn: &mut D::Conn, rows: &[Self]) -> Result<u64, StoreError> {
        Self::insert_uncounted(conn, rows)
    }
    /// Counts `rows` into `tally` (only hires count).
    fn tally(rows: &[Self], tally: &mut Tally);
    /// Adds `tally` to the aggregate and empties it.
    fn add_tally(conn: &mut D::Conn, tally: &mut Tally) -> Result<(), StoreError>;
    /// Number of rows.
    fn count(conn: &mut D::Conn) -> Result<u64, StoreError>;
    /// Deletes every row.
    fn delete_all(conn: &mut D::Conn) -> Result<u64, StoreError>;
    /// Which of `ids` are stored.
    fn existing(conn: &mut D::Conn, ids: &[i32]) -> Result<Vec<i32>, StoreError>;
    /// Up to `limit` stored ids, smallest first.
    fn first_ids(conn: &mut D::Conn, limit: i64) -> Result<Vec<i32>, StoreError>;
}

/// Up to `limit` ids stored in `table`, smallest first.
pub(crate) fn stored_ids<D: Dialect>(
    conn: &mut D::Conn,
    table: Table,
    limit: i64,
) -> Result<Vec<i32>, StoreError>
where
    Department: TableOps<D>,
    Job: TableOps<D>,
    HiredEmployee: TableOps<D>,
{
    match table {
        Table::Departments => Department::first_ids(conn, limit),
        Table::Jobs => Job::first_ids(conn, limit),
        Table::HiredEmployees => HiredEmployee::first_ids(conn, limit),
    }
}

/// The bitmap key of a stored id; ids below 1 cannot be asked for (they break the id rule).
pub(crate) fn id_bit(id: i32) -> Option<u32> {
    u32::try_from(id).ok()
}

/// `(first, last)` of `ids` when they are sorted, distinct and dense (the span holds fewer
/// than twice as many ids), so that one `id BETWEEN first AND last` statement, whose prepared
/// form the connection caches, finds them: at most twice the rows asked for come back, where a
/// list of ids (`id IN (...)`) is a new statement to prepare for every chunk of ids.
pub(crate) fn dense_span(ids: &[i32]) -> Option<(i32, i32)> {
    let (&first, &last) = (ids.first()?, ids.last()?);
    let span = i64::from(last) - i64::from(first);
    let sorted = ids.windows(2).all(|pair| pair[0] < pair[1]);
    (sorted && span < 2 * i64::try_from(ids.len()).unwrap_or(i64::MAX)).then_some((first, last))
}

/// Writes [`TableOps`] of `entity` for dialect `dialect`, on the table `crate::schema::$s::$t`.
/// `from_row` turns a loaded row into the entity; `insert` is the body of
/// [`TableOps::insert_uncounted`], given the connection and the rows under the names between
/// the bars, and evaluating to `Result<usize, StoreError>` (the rows inserted); the optional
/// `insert_unindexed`, written the same way, is the body of [`TableOps::insert_unindexed`].
macro_rules! table_ops {
    (
        dialect: $d:ty,
        entity: $entity:ty,
        table: $s:ident::$t:ident,
        from_row: $from_row:expr,
        insert: |$conn:ident, $rows:ident| $insert:expr
        $(, insert_unindexed: |$uconn:ident, $urows:ident| $uinsert:expr)? $(,)?
    ) => {
        impl $crate::db::tables::TableOps<$d> for $entity {
            fn find(
                conn: &mut <$d as $crate::db::dialect::Dialect>::Conn,
                ids: &[i32],
            ) -> Result<Vec<Self>, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                let mut found = Vec::with_capacity(ids.len());
                if let Some((low, high)) = $crate::db::tables::dense_span(ids) {
                    for row in t::table.filter(t::id.between(low, high)).load(conn)? {
                        // Rows in the gaps were not asked for: not even decoded.
                        if ids
                            .binary_search(&$crate::db::rows::first_key(&row))
                            .is_ok()
                        {
                            found.push($from_row(row)?);
                        }
                    }
                    return Ok(found);
                }
                for chunk in ids.chunks(<$d as $crate::db::dialect::Dialect>::IDS_PER_QUERY) {
                    for row in t::table.filter(t::id.eq_any(chunk)).load(conn)? {
                        found.push($from_row(row)?);
                    }
                }
                Ok(found)
            }

            fn page(
                conn: &mut <$d as $crate::db::dialect::Dialect>::Conn,
                after: i32,
                limit: i64,
            ) -> Result<Vec<Self>, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                t::table
                    .filter(t::id.gt(after))
                    .order(t::id)
                    .limit(limit)
                    .load(conn)?
                    .into_iter()
                    .map($from_row)
                    .collect()
            }

            fn insert(
                conn: &mut <$d as $crate::db::dialect::Dialect>::Conn,
                rows: &[Self],
            ) -> Result<u64, $crate::db::error::StoreError> {
                let inserted =
                    <Self as $crate::db::tables::TableOps<$d>>::insert_uncounted(conn, rows)?;
                <$entity as $crate::db::hire_counts::Counted>::inserted::<$d>(conn, rows)?;
                Ok(inserted)
            }

            fn insert_uncounted(
                $conn: &mut <$d as $crate::db::dialect::Dialect>::Conn,
                $rows: &[Self],
            ) -> Result<u64, $crate::db::error::StoreError> {
                let inserted: Result<usize, $crate::db::error::StoreError> = $insert;
                Ok($crate::db::rows::affected(inserted?))
            }

            $(
                fn insert_unindexed(
                    $uconn: &mut <$d as $crate::db::dialect::Dialect>::Conn,
                    $urows: &[Self],
                ) -> Result<u64, $crate::db::error::StoreError> {
                    let inserted: Result<usize, $crate::db::error::StoreError> = $uinsert;
                    Ok($crate::db::rows::affected(inserted?))
                }
            )?

            fn tally(rows: &[Self], tally: &mut $crate::db::hire_counts::Tally) {
                <$entity as $crate::db::hire_counts::Counted>::tally(rows, tally);
            }

            fn add_tally(
                conn: &mut <$d as $crate::db::dialect::Dialect>::Conn,
                tally: &mut $crate::db::hire_counts::Tally,
            ) -> Result<(), $crate::db::error::StoreError> {
                tally.apply::<$d>(conn)
            }

            fn count(
                conn: &mut <$d as $crate::db::dialect::Dialect>::Conn,
            ) -> Result<u64, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                Ok($crate::db::rows::row_count(
                    t::table.count().get_result::<i64>(conn)?,
                ))
            }

            fn delete_all(
                conn: &mut <$d as $crate::db::dialect::Dialect>::Conn,
            ) -> Result<u64, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                let deleted = diesel::delete(t::table).execute(conn)?;
                <$entity as $crate::db::hire_counts::Counted>::emptied::<$d>(conn)?;
                Ok($crate::db::rows::affected(deleted))
            }

            fn first_ids(
                conn: &mut <$d as $crate::db::dialect::Dialect>::Conn,
                limit: i64,
            ) -> Result<Vec<i32>, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                Ok(t::table
                    .select(t::id)
                    .order(t::id)
                    .limit(limit)
                    .load(conn)?)
            }

            fn existing(
                conn: &mut <$d as $crate::db::dialect::Dialect>::Conn,
                ids: &[i32],
            ) -> Result<Vec<i32>, $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::$t as t;
                let mut found = Vec::with_capacity(ids.len());
                if let Some((low, high)) = $crate::db::tables::dense_span(ids) {
                    let stored = t::table
                        .select(t::id)
                        .filter(t::id.between(low, high))
                        .load::<i32>(conn)?;
                    found.extend(
                        stored
                            .into_iter()
                            .filter(|id| ids.binary_search(id).is_ok()),
                    );
                    return Ok(found);
                }
                for chunk in ids.chunks(<$d as $crate::db::dialect::Dialect>::IDS_PER_QUERY) {
                    found.extend(
                        t::table
                            .select(t::id)
                            .filter(t::id.eq_any(chunk))
                            .load::<i32>(conn)?,
                    );
                }
                Ok(found)
            }
        }
    };
}
pub(crate) use table_ops;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_sorted_ids_are_one_span() {
        assert_eq!(dense_span(&[]), None);
        assert_eq!(dense_span(&[5]), Some((5, 5)));
        assert_eq!(dense_span(&[1, 2, 4]), Some((1, 4)));
        // A span of 6 for 3 ids is not dense.
        assert_eq!(dense_span(&[1, 2, 7]), None);
        // Unsorted or repeated ids are looked up as a list.
        assert_eq!(dense_span(&[2, 1]), None);
        assert_eq!(dense_span(&[1, 1, 2]), None);
        assert_eq!(dense_span(&[i32::MIN, i32::MAX]), None);
    }

    #[test]
    fn a_span_is_dense_below_twice_the_ids_asked_for() {
        // Two ids: a span (last - first) of 3 is dense, of 4 is not.
        assert_eq!(dense_span(&[1, 4]), Some((1, 4)));
        assert_eq!(dense_span(&[1, 5]), None);
        assert_eq!(dense_span(&[-3, -2, 0]), Some((-3, 0)));
        assert_eq!(
            dense_span(&[i32::MAX - 1, i32::MAX]),
            Some((i32::MAX - 1, i32::MAX))
        );
    }

    #[test]
    fn only_positive_ids_have_a_bit() {
        assert_eq!(id_bit(1), Some(1));
        assert_eq!(id_bit(0), Some(0));
        assert_eq!(id_bit(-1), None);
    }
}
