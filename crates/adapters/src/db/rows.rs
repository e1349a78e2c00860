//! Stored rows as domain entities: every value read back is checked against the domain's rules,
//! and a value that breaks one is reported as corrupt, naming its table, row and column.

use super::dialect::Dialect;
use super::error::StoreError;
use hiring_domain::{Department, HiredEmployee, Id, Job, Text};
use hiring_ports::StoredRejection;

/// A row count from SQL (never negative) as `u64`.
pub(crate) fn row_count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// A row count from diesel's `execute` as `u64`.
pub(crate) fn affected(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// A stored row whose first column is its id.
pub(crate) trait IdFirst {
    /// The id.
    fn id_first(&self) -> i32;
}

impl<A> IdFirst for (i32, A) {
    fn id_first(&self) -> i32 {
        self.0
    }
}

impl<A, B, C, D> IdFirst for (i32, A, B, C, D) {
    fn id_first(&self) -> i32 {
        self.0
    }
}

/// The id of a stored row, before it is decoded.
pub(crate) fn first_key<R: IdFirst>(row: &R) -> i32 {
    row.id_first()
}

/// Checks values read back from one stored row, naming the row in every complaint.
pub(crate) struct StoredRow {
    table: &'static str,
    id: i64,
}

impl StoredRow {
    /// The row of `table` with id `id`.
    pub(crate) fn new(table: &'static str, id: impl Into<i64>) -> Self {
        Self {
            table,
            id: id.into(),
        }
    }

    /// `field` of this row breaks a rule.
    pub(crate) fn corrupt(&self, field: &str, message: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt(format!(
            "{} row with id {}: {field} {message}",
            self.table, self.id
        ))
    }

    /// `value` of `field` as an id.
    pub(crate) fn id(&self, field: &str, value: i32) -> Result<Id, StoreError> {
        Id::new(value.into()).map_err(|e| self.corrupt(field, e))
    }

    /// `value` of `field` as a text, exactly as stored.
    pub(crate) fn text(&self, field: &str, value: &str) -> Result<Text, StoreError> {
        match Text::parse(value) {
            Ok(text) if text.as_str() == value => Ok(text),
            Ok(_) => Err(self.corrupt(field, "has surrounding white space")),
            Err(e) => Err(self.corrupt(field, e)),
        }
    }
}

/// A stored `departments` row as an entity.
pub(crate) fn department_from((id, name): (i32, String)) -> Result<Department, StoreError> {
    let row = StoredRow::new("departments", id);
    Ok(Department::new(
        row.id("id", id)?,
        row.text("department", &name)?,
    ))
}

/// A stored `jobs` row as an entity.
pub(crate) fn job_from((id, name): (i32, String)) -> Result<Job, StoreError> {
    let row = StoredRow::new("jobs", id);
    Ok(Job::new(row.id("id", id)?, row.text("job", &name)?))
}

/// A stored `hired_employees` row as an entity.
pub(crate) fn employee_from<D: Dialect>(
    (id, name, datetime, department_id, job_id): (i32, String, D::Instant, i32, i32),
) -> Result<HiredEmployee, StoreError> {
    let row = StoredRow::new("hired_employees", id);
    Ok(HiredEmployee::new(
        row.id("id", id)?,
        row.text("name", &name)?,
        D::decode_time(datetime).map_err(|e| row.corrupt("datetime", e))?,
        row.id("department_id", department_id)?,
        row.id("job_id", job_id)?,
    ))
}

/// A stored `rejected_rows` row.
pub(crate) type RejectRow<D> = (
    i64,
    String,
    String,
    String,
    <D as Dialect>::Json,
    <D as Dialect>::Instant,
    Option<i64>,
);

/// A stored `rejected_rows` row as the port's type.
pub(crate) fn stored_rejection<D: Dialect>(
    (id, table_name, source, raw, reasons, recorded_at, run): RejectRow<D>,
) -> Result<StoredRejection, StoreError> {
    let row = StoredRow::new("rejected_rows", id);
    Ok(StoredRejection {
        id,
        table: table_name
            .parse()
            .map_err(|e| row.corrupt("table_name", e))?,
        source,
        raw,
        errors: D::decode_reasons(reasons).map_err(|e| row.corrupt("reasons", e))?,
        recorded_at: D::instant_text(recorded_at),
        run: run.map(hiring_domain::RunId::new),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hiring_domain::Record;

    /// The message of a corrupt-row error (panics on any other outcome).
    fn corrupt<T: std::fmt::Debug>(decoded: Result<T, StoreError>) -> String {
        match decoded {
            Err(StoreError::Corrupt(message)) => message,
            other => panic!("expected a corrupt row, got {other:?}"),
        }
    }

    #[test]
    fn valid_rows_become_entities() {
        let department = department_from((3, "Sales".to_owned())).unwrap();
        assert_eq!(
            (department.id().get(), department.department()),
            (3, "Sales")
        );
        let job = job_from((4, "Engineer".to_owned())).unwrap();
        assert_eq!((job.id().get(), job.job()), (4, "Engineer"));
    }

    #[test]
    fn a_value_breaking_a_rule_is_corrupt_naming_table_row_and_column() {
        assert_eq!(
            corrupt(department_from((3, " Sales".to_owned()))),
            "departments row with id 3: department has surrounding white space"
        );
        let message = corrupt(job_from((0, "Engineer".to_owned())));
        assert!(message.starts_with("jobs row with id 0: id "), "{message}");
        let message = corrupt(job_from((5, String::new())));
        assert!(message.starts_with("jobs row with id 5: job "), "{message}");
    }

    #[test]
    fn counts_never_wrap() {
        assert_eq!(row_count(-1), 0);
        assert_eq!(row_count(42), 42);
        assert_eq!(affected(7), 7);
    }
}
