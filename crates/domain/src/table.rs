use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// The three tables of the data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    /// `departments.csv`: `id,department`.
    Departments,
    /// `jobs.csv`: `id,job`.
    Jobs,
    /// `hired_employees.csv`: `id,name,datetime,department_id,job_id`.
    HiredEmployees,
}

impl Table {
    /// Every table in dependency order: a table comes after the tables it references. Loads and
    /// restores follow this order; deletions go in reverse. `Table`'s own order (`Ord`) is the
    /// same, so sorting by table puts parents first.
    pub const ALL: [Table; 3] = [Table::Departments, Table::Jobs, Table::HiredEmployees];

    /// The SQL table name, also used in the API paths.
    pub fn name(self) -> &'static str {
        match self {
            Table::Departments => "departments",
            Table::Jobs => "jobs",
            Table::HiredEmployees => "hired_employees",
        }
    }

    /// The historical file name of the table (`departments.csv`, ...).
    pub fn file_name(self) -> &'static str {
        match self {
            Table::Departments => "departments.csv",
            Table::Jobs => "jobs.csv",
            Table::HiredEmployees => "hired_employees.csv",
        }
    }

    /// The columns in file order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Departments => &["id", "department"],
            Table::Jobs => &["id", "job"],
            Table::HiredEmployees => &["id", "name", "datetime", "department_id", "job_id"],
        }
    }

    /// The tables this one references through foreign keys, with the referencing column.
    pub fn parents(self) -> &'static [(Table, &'static str)] {
        match self {
            Table::Departments | Table::Jobs => &[],
            Table::HiredEmployees => &[
                (Table::Departments, "department_id"),
                (Table::Jobs, "job_id"),
            ],
        }
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A table name that is not one of [`Table::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown table {0:?}: expected one of departments, jobs, hired_employees")]
pub struct UnknownTable(pub String);

impl FromStr for Table {
    type Err = UnknownTable;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Table::ALL
            .into_iter()
            .find(|t| t.name() == s)
            .ok_or_else(|| UnknownTable(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dependency_order_puts_parents_first() {
        for (position, table) in Table::ALL.iter().enumerate() {
            for (parent, _) in table.parents() {
                let parent_position = Table::ALL.iter().position(|t| t == parent).unwrap();
                assert!(
                    parent_position < position,
                    "{parent} must come before {table}"
                );
            }
        }
        assert_eq!(Table::ALL.len(), 3);
    }

    #[test]
    fn the_order_of_tables_is_the_dependency_order() {
        let mut sorted = [Table::HiredEmployees, Table::Jobs, Table::Departments];
        sorted.sort();
        assert_eq!(sorted, Table::ALL);
    }

    #[test]
    fn names_round_trip() {
        for t in Table::ALL {
            assert_eq!(t.name().parse::<Table>().unwrap(), t);
            assert_eq!(t.file_name(), format!("{}.csv", t.name()));
        }
        let err = "employees".parse::<Table>().unwrap_err();
        assert!(err.to_string().contains("hired_employees"));
    }

    #[test]
    fn parent_columns_are_columns_of_the_table() {
        for t in Table::ALL {
            for (_, column) in t.parents() {
                assert!(t.columns().contains(column));
            }
        }
    }
}
