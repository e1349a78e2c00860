//! The `hire_counts` aggregate: hires per year, quarter (of the UTC timestamp), department and
//! job. Every path that inserts hires adds them to it in the same transaction, and every path
//! that empties `hired_employees` empties it too, so it always equals a `GROUP BY` over the
//! table; the reports read it instead of scanning every hire.

use super::dialect::Dialect;
use super::error::StoreError;
use chrono::Datelike;
use hiring_domain::{Department, HiredEmployee, Job, Record};
use std::collections::{BTreeMap, HashMap};

/// One group's key: year, quarter, department id, job id.
pub(crate) type GroupKey = (i32, i32, i32, i32);

/// The departments and the jobs some hires reference, each id with its number of hires.
pub(crate) type ParentIds = [BTreeMap<i32, i64>; 2];

/// Hires counted per group, not yet added to the stored aggregate.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Tally(HashMap<GroupKey, i64>);

impl Tally {
    /// Counts `hire`.
    pub(crate) fn add(&mut self, hire: &HiredEmployee) {
        let at = hire.datetime().get();
        let quarter = at.month0() / 3 + 1;
        let key = (
            at.year(),
            i32::try_from(quarter).unwrap_or(4),
            hire.department_id().get(),
            hire.job_id().get(),
        );
        *self.0.entry(key).or_default() += 1;
    }

    /// The counted groups, in key order (writers that upsert in one order cannot deadlock).
    pub(crate) fn groups(&self) -> Vec<(GroupKey, i64)> {
        let mut groups: Vec<(GroupKey, i64)> = self.0.iter().map(|(&k, &n)| (k, n)).collect();
        groups.sort_unstable();
        groups
    }

    /// The departments and the jobs the counted hires reference, each id with its number of
    /// hires, smallest id first.
    pub(crate) fn parent_ids(&self) -> ParentIds {
        let mut parents = [BTreeMap::new(), BTreeMap::new()];
        for (&(_, _, department, job), &n) in &self.0 {
            *parents[0].entry(department).or_default() += n;
            *parents[1].entry(job).or_default() += n;
        }
        parents
    }

    /// Adds the counted hires to the stored aggregate and forgets them.
    pub(crate) fn apply<D: HireCountOps>(&mut self, conn: &mut D::Conn) -> Result<(), StoreError> {
        if !self.0.is_empty() {
            D::add_counts(conn, &self.groups())?;
            self.0.clear();
        }
        Ok(())
    }
}

/// A backend's writes to the aggregate.
pub(crate) trait HireCountOps: Dialect {
    /// Adds `groups` to the stored counts (inserting groups not stored yet).
    fn add_counts(conn: &mut Self::Conn, groups: &[(GroupKey, i64)]) -> Result<(), StoreError>;
    /// Forgets every count (with the hires they counted).
    fn clear_counts(conn: &mut Self::Conn) -> Result<(), StoreError>;
}

/// What a table's writes do to the aggregate: only hires count.
pub(crate) trait Counted: Record {
    /// Called in the transaction that inserted `rows`.
    fn inserted<D: HireCountOps>(conn: &mut D::Conn, rows: &[Self]) -> Result<(), StoreError>;
    /// Called in the transaction that deleted every row of the table.
    fn emptied<D: HireCountOps>(conn: &mut D::Conn) -> Result<(), StoreError>;
    /// Counts `rows` into `tally`, for a writer that inserts many batches in one transaction
    /// and adds them to the aggregate once (updating the same counts batch after batch inside
    /// one transaction leaves a chain of row versions that every later update walks).
    fn tally(rows: &[Self], tally: &mut Tally) {
        let _ = (rows, tally);
    }
}

impl Counted for HiredEmployee {
    fn inserted<D: HireCountOps>(conn: &mut D::Conn, rows: &[Self]) -> Result<(), StoreError> {
        let mut tally = Tally::default();
        rows.iter().for_each(|hire| tally.add(hire));
        tally.apply::<D>(conn)
    }

    fn emptied<D: HireCountOps>(conn: &mut D::Conn) -> Result<(), StoreError> {
        D::clear_counts(conn)
    }

    fn tally(rows: &[Self], tally: &mut Tally) {
        rows.iter().for_each(|hire| tally.add(hire));
    }
}

impl Counted for Department {
    fn inserted<D: HireCountOps>(_: &mut D::Conn, _: &[Self]) -> Result<(), StoreError> {
        Ok(())
    }

    fn emptied<D: HireCountOps>(_: &mut D::Conn) -> Result<(), StoreError> {
        Ok(())
    }
}

impl Counted for Job {
    fn inserted<D: HireCountOps>(_: &mut D::Conn, _: &[Self]) -> Result<(), StoreError> {
        Ok(())
    }

    fn emptied<D: HireCountOps>(_: &mut D::Conn) -> Result<(), StoreError> {
        Ok(())
    }
}

/// The stripe of `hire_counts` this thread of this process adds to, out of `stripes`: a hash of
/// both, so that concurrent writers (threads of one server, or several processes) mostly update
/// different rows of a group instead of queueing for one row's lock until each commits.
pub(crate) fn stripe(stripes: u64) -> i32 {
    use std::hash::{Hash, Hasher};
    if stripes <= 1 {
        return 0;
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    std::process::id().hash(&mut hasher);
    std::thread::current().id().hash(&mut hasher);
    i32::try_from(hasher.finish() % stripes).unwrap_or(0)
}

/// Implements [`HireCountOps`] for dialect `$d`, whose diesel schema is `crate::schema::$s`
/// (invoked once by each backend).
macro_rules! hire_count_ops {
    ($d:ty, $s:ident) => {
        impl $crate::db::hire_counts::HireCountOps for $d {
            fn add_counts(
                conn: &mut Self::Conn,
                groups: &[($crate::db::hire_counts::GroupKey, i64)],
            ) -> Result<(), $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use diesel::upsert::excluded;
                use $crate::schema::$s::hire_counts as t;
                let stripe = $crate::db::hire_counts::stripe(
                    <Self as $crate::db::dialect::Dialect>::HIRE_COUNT_STRIPES,
                );
                // 6 parameters a row: stay far below either backend's limit.
                for chunk in groups.chunks(1_000) {
                    let values: Vec<_> = chunk
                        .iter()
                        .map(|&((year, quarter, department_id, job_id), hired)| {
                            (
                                t::year.eq(year),
                                t::quarter.eq(quarter),
                                t::department_id.eq(department_id),
                                t::job_id.eq(job_id),
                                t::hired.eq(hired),
                                t::stripe.eq(stripe),
                            )
                        })
                        .collect();
                    diesel::insert_into(t::table)
                        .values(values)
                        .on_conflict((t::year, t::department_id, t::job_id, t::quarter, t::stripe))
                        .do_update()
                        .set(t::hired.eq(t::hired + excluded(t::hired)))
                        .execute(conn)?;
                }
                Ok(())
            }

            fn clear_counts(conn: &mut Self::Conn) -> Result<(), $crate::db::error::StoreError> {
                use diesel::prelude::*;
                use $crate::schema::$s::hire_counts as t;
                diesel::delete(t::table).execute(conn)?;
                Ok(())
            }
        }
    };
}
pub(crate) use hire_count_ops;

#[cfg(test)]
mod tests {
    use super::*;

    fn hire(id: i64, at: &str, department: i64, job: i64) -> HiredEmployee {
        HiredEmployee::from_fields(&[
            &id.to_string(),
            "Ann",
            at,
            &department.to_string(),
            &job.to_string(),
        ])
        .unwrap()
    }

    #[test]
    fn tally_groups_by_utc_year_and_quarter() {
        let mut tally = Tally::default();
        for h in [
            hire(1, "2021-03-31T23:59:59Z", 1, 2),
            // 00:30 on April 1st at +02:00 is still March 31st in UTC.
            hire(2, "2021-04-01T00:30:00+02:00", 1, 2),
            hire(3, "2021-04-01T00:00:00Z", 1, 2),
            hire(4, "2021-12-31T23:59:59Z", 1, 2),
            hire(5, "2022-01-01T00:00:00Z", 1, 2),
            hire(6, "2021-01-01T00:00:00Z", 3, 2),
        ] {
            tally.add(&h);
        }
        assert_eq!(
            tally.groups(),
            vec![
                ((2021, 1, 1, 2), 2),
                ((2021, 1, 3, 2), 1),
                ((2021, 2, 1, 2), 1),
                ((2021, 4, 1, 2), 1),
                ((2022, 1, 1, 2), 1),
            ]
        );
    }

    #[test]
    fn parent_ids_sum_the_hires_of_each_department_and_job() {
        let mut tally = Tally::default();
        for h in [
            hire(1, "2021-01-01T00:00:00Z", 3, 2),
            hire(2, "2021-05-01T00:00:00Z", 3, 1),
            hire(3, "2022-01-01T00:00:00Z", 1, 2),
        ] {
            tally.add(&h);
        }
        let [departments, jobs] = tally.parent_ids();
        assert_eq!(
            departments.into_iter().collect::<Vec<_>>(),
            vec![(1, 1), (3, 2)]
        );
        assert_eq!(jobs.into_iter().collect::<Vec<_>>(), vec![(1, 1), (2, 2)]);
    }
}
