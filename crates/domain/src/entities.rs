use crate::error::Collector;
use crate::{HireTime, Id, RowErrors, Table, Text};
use serde::Serialize;
use std::fmt::Debug;

/// What every entity offers to generic loaders, repositories and backups.
pub trait Record: Clone + PartialEq + Debug + Send + Sync + 'static {
    /// The table the entity lives in.
    const TABLE: Table;

    /// The primary key.
    fn id(&self) -> Id;

    /// Builds the entity from the fields of one CSV line (in [`Table::columns`] order), checking
    /// every rule and reporting every violation.
    fn from_fields(fields: &[&str]) -> Result<Self, RowErrors>;

    /// The key this row references in `parent`, if `parent` is one of [`Table::parents`].
    fn parent_id(&self, parent: Table) -> Option<Id> {
        let _ = parent;
        None
    }

    /// The fields in file order, as text (the inverse of [`Record::from_fields`]).
    fn to_fields(&self) -> Vec<String>;
}

fn check_field_count(table: Table, fields: &[&str]) -> Result<(), RowErrors> {
    let columns = table.columns();
    if fields.len() == columns.len() {
        Ok(())
    } else {
        Err(RowErrors::single(
            "record",
            format!(
                "expected {} fields ({}), found {}",
                columns.len(),
                columns.join(","),
                fields.len()
            ),
        ))
    }
}

/// Parses the `id,<name>` shape that departments and jobs share; the name's column is the
/// table's second.
fn id_and_name(table: Table, fields: &[&str]) -> Result<(Id, Text), RowErrors> {
    check_field_count(table, fields)?;
    let mut errors = Collector::default();
    let id = errors.take("id", Id::parse(fields[0]));
    let name = errors.take(table.columns()[1], Text::parse(fields[1]));
    match (id, name) {
        (Some(id), Some(name)) => Ok((id, name)),
        _ => Err(errors.finish()),
    }
}

/// A department: `id,department`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Department {
    id: Id,
    department: Text,
}

impl Department {
    /// Builds a department from validated parts.
    pub fn new(id: Id, department: Text) -> Self {
        Self { id, department }
    }

    /// The department's name.
    pub fn department(&self) -> &str {
        self.department.as_str()
    }
}

impl Record for Department {
    const TABLE: Table = Table::Departments;

    fn id(&self) -> Id {
        self.id
    }

    fn from_fields(fields: &[&str]) -> Result<Self, RowErrors> {
        let (id, department) = id_and_name(Self::TABLE, fields)?;
        Ok(Self { id, department })
    }

    fn to_fields(&self) -> Vec<String> {
        vec![self.id.to_string(), self.department.to_string()]
    }
}

/// A job: `id,job`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Job {
    id: Id,
    job: Text,
}

impl Job {
    /// Builds a job from validated parts.
    pub fn new(id: Id, job: Text) -> Self {
        Self { id, job }
    }

    /// The job's title.
    pub fn job(&self) -> &str {
        self.job.as_str()
    }
}

impl Record for Job {
    const TABLE: Table = Table::Jobs;

    fn id(&self) -> Id {
        self.id
    }

    fn from_fields(fields: &[&str]) -> Result<Self, RowErrors> {
        let (id, job) = id_and_name(Self::TABLE, fields)?;
        Ok(Self { id, job })
    }

    fn to_fields(&self) -> Vec<String> {
        vec![self.id.to_string(), self.job.to_string()]
    }
}

/// A hire: `id,name,datetime,department_id,job_id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct HiredEmployee {
    id: Id,
    name: Text,
    datetime: HireTime,
    department_id: Id,
    job_id: Id,
}

impl HiredEmployee {
    /// Builds a hire from validated parts. Whether the department and job exist is checked
    /// against storage, not here.
    pub fn new(id: Id, name: Text, datetime: HireTime, department_id: Id, job_id: Id) -> Self {
        Self {
            id,
            name,
            datetime,
            department_id,
            job_id,
        }
    }

    /// The employee's name.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// When the employee was hired (UTC).
    pub fn datetime(&self) -> HireTime {
        self.datetime
    }

    /// The department the employee was hired into.
    pub fn department_id(&self) -> Id {
        self.department_id
    }

    /// The job the employee was hired for.
    pub fn job_id(&self) -> Id {
        self.job_id
    }
}

impl Record for HiredEmployee {
    const TABLE: Table = Table::HiredEmployees;

    fn id(&self) -> Id {
        self.id
    }

    fn from_fields(fields: &[&str]) -> Result<Self, RowErrors> {
        check_field_count(Self::TABLE, fields)?;
        let parsed = (
            Id::parse(fields[0]),
            Text::parse(fields[1]),
            HireTime::parse(fields[2]),
            Id::parse(fields[3]),
            Id::parse(fields[4]),
        );
        if let (Ok(id), Ok(name), Ok(datetime), Ok(department_id), Ok(job_id)) = parsed {
            return Ok(Self::new(id, name, datetime, department_id, job_id));
        }
        let mut errors = Collector::default();
        errors.take("id", parsed.0);
        errors.take("name", parsed.1);
        errors.take("datetime", parsed.2);
        errors.take("department_id", parsed.3);
        errors.take("job_id", parsed.4);
        Err(errors.finish())
    }

    fn parent_id(&self, parent: Table) -> Option<Id> {
        match parent {
            Table::Departments => Some(self.department_id),
            Table::Jobs => Some(self.job_id),
            Table::HiredEmployees => None,
        }
    }

    fn to_fields(&self) -> Vec<String> {
        vec![
            self.id.to_string(),
            self.name.to_string(),
            self.datetime.to_string(),
            self.department_id.to_string(),
            self.job_id.to_string(),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(errors: &RowErrors) -> Vec<&str> {
        errors.iter().map(|e| e.field()).collect()
    }

    #[test]
    fn department_and_job_parse_and_print_back() {
        let d = Department::from_fields(&["1", " Product Management "]).unwrap();
        assert_eq!((d.id().get(), d.department()), (1, "Product Management"));
        assert_eq!(d.to_fields(), ["1", "Product Management"]);
        let j = Job::from_fields(&["183", "Recruiter"]).unwrap();
        assert_eq!((j.id().get(), j.job()), (183, "Recruiter"));
        assert_eq!(
            Job::from_fields(&j.to_fields().iter().map(String::as_str).collect::<Vec<_>>())
                .unwrap(),
            j
        );
    }

    #[test]
    fn department_and_job_report_each_broken_field() {
        let e = Department::from_fields(&["-1", ""]).unwrap_err();
        assert_eq!(fields_of(&e), ["id", "department"]);
        let e = Job::from_fields(&["abc", "ok"]).unwrap_err();
        assert_eq!(fields_of(&e), ["id"]);
    }

    #[test]
    fn employee_parses_and_exposes_its_keys() {
        let e =
            HiredEmployee::from_fields(&["2", "Lyman Hadye", "2021-09-01T23:27:38Z", "5", "52"])
                .unwrap();
        assert_eq!(e.name(), "Lyman Hadye");
        assert_eq!(e.datetime().to_rfc3339(), "2021-09-01T23:27:38Z");
        assert_eq!(e.parent_id(Table::Departments).unwrap().get(), 5);
        assert_eq!(e.parent_id(Table::Jobs).unwrap().get(), 52);
        assert_eq!(e.parent_id(Table::HiredEmployees), None);
        assert_eq!(e.to_fields()[2], "2021-09-01T23:27:38Z");
    }

    #[test]
    fn employee_reports_every_violation_with_its_field() {
        let e = HiredEmployee::from_fields(&["0", "", "2021-13-01T00:00:00Z", "x", "99999999999"])
            .unwrap_err();
        assert_eq!(
            fields_of(&e),
            ["id", "name", "datetime", "department_id", "job_id"]
        );
        let e =
            HiredEmployee::from_fields(&["5", "Ann", "2021-01-01T00:00:00Z", "", "3"]).unwrap_err();
        assert_eq!(fields_of(&e), ["department_id"]);
        assert_eq!(e.as_slice()[0].message(), "is required");
    }

    #[test]
    fn wrong_field_count_is_one_record_error() {
        for fields in [&["1"][..], &["1", "a", "b"][..]] {
            let e = Department::from_fields(fields).unwrap_err();
            assert_eq!(fields_of(&e), ["record"]);
            assert!(e.to_string().contains("expected 2 fields (id,department)"));
        }
        let e = HiredEmployee::from_fields(&["1", "a", "2021-01-01T00:00:00Z", "1"]).unwrap_err();
        assert!(e.to_string().contains("found 4"));
    }

    #[test]
    fn entities_serialize_with_the_csv_column_names() {
        let e =
            HiredEmployee::from_fields(&["2", "Lyman", "2021-09-01T23:27:38Z", "5", "52"]).unwrap();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"id": 2, "name": "Lyman", "datetime": "2021-09-01T23:27:38Z", "department_id": 5, "job_id": 52})
        );
    }
}
