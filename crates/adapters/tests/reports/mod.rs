//! The report queries of each backend through the use cases, against hand-computed counts of
//! the fixture in `fixtures/reports/` (see its README).

use crate::support::TestDb;

mod aggregate;
use hiring_domain::{DepartmentHires, Id, QuarterHires, Record, ReportYear};
use hiring_ports::reports::{departments_above_mean, hires_by_quarter};
use hiring_ports::Repositories;

fn rows<E: Record>(file: &str) -> Vec<E> {
    crate::support::reports_fixture_rows(file)
}

/// Stores the fixture.
pub(crate) fn load_fixture(repos: &Repositories) {
    repos
        .departments
        .write_batch(&rows("departments.csv"), &[])
        .unwrap();
    repos.jobs.write_batch(&rows("jobs.csv"), &[]).unwrap();
    repos
        .hired_employees
        .write_batch(&rows("hired_employees.csv"), &[])
        .unwrap();
}

fn year(y: i64) -> ReportYear {
    ReportYear::new(y).unwrap()
}

fn q(department: &str, job: &str, [q1, q2, q3, q4]: [u64; 4]) -> QuarterHires {
    QuarterHires {
        department: department.into(),
        job: job.into(),
        q1,
        q2,
        q3,
        q4,
    }
}

fn d(id: i64, department: &str, hired: u64) -> DepartmentHires {
    DepartmentHires {
        id: Id::new(id).unwrap(),
        department: department.into(),
        hired,
    }
}

fn hires_by_quarter_follow_utc_quarters_and_the_name_order(db: &TestDb) {
    let repos = crate::open_db(db);
    load_fixture(&repos);
    assert_eq!(
        hires_by_quarter(&*repos.reports, year(2021)).unwrap(),
        [
            q("accounting", "Analyst", [0, 2, 1, 0]),
            q("accounting", "engineer", [0, 0, 2, 0]),
            q("accounting", "Manager", [0, 0, 0, 2]),
            q("Support", "Analyst", [0, 1, 0, 0]),
            q("Support", "engineer", [2, 0, 0, 0]),
            q("support", "engineer", [1, 0, 0, 0]),
        ]
    );
    assert_eq!(
        hires_by_quarter(&*repos.reports, year(2020)).unwrap(),
        [q("Legal", "engineer", [0, 0, 0, 1])]
    );
    assert_eq!(
        hires_by_quarter(&*repos.reports, year(2022)).unwrap(),
        [q("Support", "engineer", [1, 0, 0, 0])]
    );
    assert_eq!(hires_by_quarter(&*repos.reports, year(1999)).unwrap(), []);
}

fn departments_above_the_mean_count_departments_without_hires(db: &TestDb) {
    let repos = crate::open_db(db);
    load_fixture(&repos);
    // 2021: 3 + 7 + 0 + 0 + 1 = 11 hires over 5 departments, a mean of 2.2.
    let report = departments_above_mean(&*repos.reports, year(2021)).unwrap();
    assert!((report.mean - 2.2).abs() < 1e-9, "{}", report.mean);
    assert_eq!(
        report.departments,
        [d(2, "accounting", 7), d(1, "Support", 3)]
    );
    let report = departments_above_mean(&*repos.reports, year(2020)).unwrap();
    assert_eq!(report.departments, [d(3, "Legal", 1)]);
    let report = departments_above_mean(&*repos.reports, year(1999)).unwrap();
    assert_eq!(report.mean, 0.0);
    assert_eq!(report.departments, []);
}

fn reports_of_an_empty_database_are_empty(db: &TestDb) {
    let repos = crate::open_db(db);
    assert_eq!(
        hires_by_quarter(&*repos.reports, ReportYear::DEFAULT).unwrap(),
        []
    );
    let report = departments_above_mean(&*repos.reports, ReportYear::DEFAULT).unwrap();
    assert_eq!(report.departments, []);
}

on_every_backend!(
    hires_by_quarter_follow_utc_quarters_and_the_name_order,
    departments_above_the_mean_count_departments_without_hires,
    reports_of_an_empty_database_are_empty,
);
