use super::*;
use crate::test_support::{dept, keys, racing_repo, recording_repo, repos, Written};
use crate::MockTableRepository;
use hiring_domain::{Department, HiredEmployee, Job};
use serde_json::json;

fn repos_with(
    departments: MockTableRepository<Department>,
    employees: MockTableRepository<HiredEmployee>,
) -> Repositories {
    repos(
        departments,
        MockTableRepository::<Job>::new(),
        employees,
        keys(),
    )
}

fn json_batch(table: Table, rows: serde_json::Value) -> Batch<IncomingRow> {
    let rows = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|v| IncomingRow::from_json(table, v))
        .collect();
    Batch::new(rows).unwrap()
}

fn departments_in(
    stored: Vec<Department>,
    rows: serde_json::Value,
    mode: Mode,
) -> (Result<IngestReport, IngestError>, Written<Department>) {
    let (repo, written) = recording_repo(stored);
    let repos = repos_with(repo, MockTableRepository::new());
    let batch = json_batch(Table::Departments, rows);
    (
        ingest(&repos, Table::Departments, "r1", batch, mode),
        written,
    )
}

fn messages(rejection: &RowRejection) -> Vec<String> {
    rejection.errors.iter().map(ToString::to_string).collect()
}

#[test]
fn valid_rows_are_stored_and_invalid_ones_rejected_with_index_id_and_reasons() {
    let (result, written) = departments_in(
        vec![],
        json!([{"id": 1, "department": "Sales"}, {"id": 2, "department": ""}, {"id": "x", "department": "Legal"}, {"id": 3, "department": "  Support "}]),
        Mode::Partial,
    );
    let report = result.unwrap();
    assert_eq!((report.received, report.inserted), (4, 2));
    assert_eq!(report.request_id, "r1");
    let rejected: Vec<(usize, Option<i32>, Vec<String>)> = report
        .rejected
        .iter()
        .map(|r| (r.index, r.id.map(Id::get), messages(r)))
        .collect();
    assert_eq!(
        rejected,
        vec![
            (1, Some(2), vec!["department: is required".to_owned()]),
            (
                2,
                None,
                vec!["id: must be a positive integer, got \"x\"".to_owned()]
            ),
        ]
    );
    let writes = written.lock().unwrap();
    assert_eq!(writes.len(), 1, "rows and rejects go in one write");
    assert_eq!(writes[0].0, vec![dept(1, "Sales"), dept(3, "Support")]);
    let sources: Vec<(&str, &str)> = writes[0].1.iter().map(|r| (r.source(), r.raw())).collect();
    assert_eq!(
        sources,
        vec![
            ("api r1 row 1", r#"{"department":"","id":2}"#),
            ("api r1 row 2", r#"{"department":"Legal","id":"x"}"#),
        ]
    );
}

#[test]
fn a_stored_id_is_rejected_even_with_identical_content_and_so_is_a_repeat() {
    let (result, written) = departments_in(
        vec![dept(1, "Sales")],
        json!([{"id": 1, "department": "Sales"}, {"id": 2, "department": "Legal"}, {"id": 2, "department": "Legal"}]),
        Mode::Partial,
    );
    let report = result.unwrap();
    assert_eq!(report.inserted, 1);
    assert_eq!(messages(&report.rejected[0]), ["id: id 1 already exists"]);
    assert_eq!(
        messages(&report.rejected[1]),
        ["id: id 2 appears earlier in this batch (row 1)"]
    );
    assert_eq!(written.lock().unwrap()[0].0, vec![dept(2, "Legal")]);
}

#[test]
fn json_values_become_fields_the_rules_judge() {
    let (result, _) = departments_in(
        vec![],
        json!([
            {"id": 1},
            {"id": null, "department": "A"},
            {"id": 2.5, "department": true},
            {"id": 3, "department": "B", "extra": 1},
            [1, "Sales"],
            {"id": 4, "department": ["x"]}
        ]),
        Mode::Partial,
    );
    let report = result.unwrap();
    assert_eq!(report.inserted, 0);
    let all: Vec<Vec<String>> = report.rejected.iter().map(messages).collect();
    assert_eq!(all[0], ["department: is required"]);
    assert_eq!(all[1], ["id: is required"]);
    assert_eq!(
        all[2],
        [
            "id: must be a positive integer, got \"2.5\"",
            "department: must be a string or a number, got true"
        ]
    );
    assert_eq!(
        all[3],
        ["record: unknown field \"extra\"; expected id, department"]
    );
    assert_eq!(
        all[4],
        ["record: must be a JSON object with the fields id, department"]
    );
    assert_eq!(report.rejected[4].id, None);
    assert_eq!(
        all[5],
        ["department: must be a string or a number, got [\"x\"]"]
    );
}

#[test]
fn missing_parents_are_rejected_naming_each_key() {
    let (repo, written) = recording_repo::<HiredEmployee>(vec![]);
    let repos = repos_with(MockTableRepository::new(), repo);
    let batch = json_batch(
        Table::HiredEmployees,
        json!([
            {"id": 1, "name": "Ann", "datetime": "2021-01-01T00:00:00Z", "department_id": 1, "job_id": 1},
            {"id": 2, "name": "Bob", "datetime": "2021-01-01T00:00:00Z", "department_id": 9, "job_id": 8}
        ]),
    );
    let report = ingest(&repos, Table::HiredEmployees, "r2", batch, Mode::Partial).unwrap();
    assert_eq!(report.inserted, 1);
    assert_eq!(
        messages(&report.rejected[0]),
        [
            "department_id: departments 9 does not exist",
            "job_id: jobs 8 does not exist"
        ]
    );
    assert_eq!(written.lock().unwrap()[0].1[0].source(), "api r2 row 1");
}

#[test]
fn an_atomic_batch_with_an_invalid_row_writes_nothing() {
    let mut repo = MockTableRepository::<Department>::new();
    repo.expect_find_by_ids().returning(|_| Ok(vec![]));
    repo.expect_write_batch().never();
    let repos = repos_with(repo, MockTableRepository::new());
    let batch = json_batch(
        Table::Departments,
        json!([{"id": 1, "department": "Sales"}, {"id": 0, "department": "Legal"}]),
    );
    match ingest(&repos, Table::Departments, "r3", batch, Mode::Atomic) {
        Err(IngestError::Refused(report)) => {
            assert_eq!((report.inserted, report.rejected.len()), (0, 1));
            assert_eq!(report.rejected[0].index, 1);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn an_atomic_batch_of_valid_rows_is_stored() {
    let (result, written) = departments_in(
        vec![],
        json!([{"id": 2, "department": "B"}, {"id": 1, "department": "A"}]),
        Mode::Atomic,
    );
    assert_eq!(result.unwrap().inserted, 2);
    assert_eq!(
        written.lock().unwrap()[0].0,
        vec![dept(1, "A"), dept(2, "B")],
        "rows are written in id order, so concurrent writers cannot deadlock"
    );
}

#[test]
fn a_conflict_is_checked_again_and_the_row_a_concurrent_writer_stored_is_rejected() {
    let (repo, written) = racing_repo();
    let repos = repos_with(repo, MockTableRepository::new());
    let batch = json_batch(
        Table::Departments,
        json!([{"id": 1, "department": "Sales"}, {"id": 2, "department": "Legal"}]),
    );
    let report = ingest(&repos, Table::Departments, "r4", batch, Mode::Partial).unwrap();
    assert_eq!(report.inserted, 1);
    assert_eq!(messages(&report.rejected[0]), ["id: id 1 already exists"]);
    assert_eq!(written.lock().unwrap()[0].0, vec![dept(2, "Legal")]);
}

#[test]
fn storage_failures_are_passed_on() {
    let mut repo = MockTableRepository::<Department>::new();
    repo.expect_find_by_ids()
        .returning(|_| Err(RepoError::Unavailable("down".into())));
    let repos = repos_with(repo, MockTableRepository::new());
    let batch = json_batch(Table::Departments, json!([{"id": 1, "department": "A"}]));
    let err = ingest(&repos, Table::Departments, "r5", batch, Mode::Partial).unwrap_err();
    assert!(matches!(
        err,
        IngestError::Storage(RepoError::Unavailable(_))
    ));
}

#[test]
fn csv_bodies_read_like_the_files() {
    let rows = rows_from_csv(
        Table::Departments,
        b"1,Sales\r\n\r\n2,\"Research, EMEA\"\n3,Ok\xff\n4",
    )
    .unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1].raw(), "2,\"Research, EMEA\"");
    assert_eq!(
        rows[1].parse::<Department>().unwrap(),
        dept(2, "Research, EMEA")
    );
    assert_eq!(
        rows[2].parse::<Department>().unwrap_err().to_string(),
        "department: contains bytes that are not valid UTF-8"
    );
    assert!(rows[3]
        .parse::<Department>()
        .unwrap_err()
        .to_string()
        .contains("expected 2 fields"));
    assert_eq!(rows[0].id().map(Id::get), Some(1));
    let err = rows_from_csv(Table::Jobs, b"PK\x03\x04zip").unwrap_err();
    assert!(err.to_string().contains("ZIP"));
}

#[test]
fn an_error_added_to_an_unreadable_row_is_kept() {
    let row = IncomingRow::unreadable("x", RowErrors::single("record", "bad"))
        .with_error(FieldError::new("id", "worse"));
    assert_eq!(
        row.parse::<Job>().unwrap_err().to_string(),
        "record: bad; id: worse"
    );
    assert_eq!(row.id(), None);
}
