use super::*;
use crate::pending::batch::Origin;
use crate::test_support::{dept, keys};
use crate::MockKeyLookup;
use hiring_domain::{Department, HiredEmployee};

/// Stored rows, as a load target that only answers look-ups.
struct Stored<E>(Vec<E>);

impl<E: Record> LoadTarget<E> for Stored<E> {
    fn find_by_ids(&self, ids: &[Id]) -> Result<Vec<E>, RepoError> {
        Ok(self
            .0
            .iter()
            .filter(|row| ids.contains(&row.id()))
            .cloned()
            .collect())
    }

    fn write_batch(&self, _: &[E], _: &[hiring_domain::Rejection]) -> Result<u64, RepoError> {
        unreachable!("classifying writes nothing")
    }
}

/// A batch of `rows`, each given as its CSV fields: read from a file (lines 1, 2, ...) or
/// received by the API (indexes 0, 1, ...).
fn batch_of<E: Record>(origin: Origin, rows: &[&[&str]]) -> PendingBatch<E> {
    let first = match origin {
        Origin::File(_) => 1,
        Origin::Api(_) => 0,
    };
    let mut batch = PendingBatch::new(origin, rows.len());
    for (position, fields) in (first..).zip(rows) {
        batch.push(
            position,
            |out| out.push_str(&fields.join(",")),
            E::from_fields(fields),
        );
    }
    batch
}

fn file_batch<E: Record>(rows: &[&[&str]]) -> PendingBatch<E> {
    batch_of(Origin::File("rows.csv".to_owned()), rows)
}

fn api_batch<E: Record>(rows: &[&[&str]]) -> PendingBatch<E> {
    batch_of(Origin::Api("r1".to_owned()), rows)
}

fn hire(id: i64, department: i64, job: i64) -> HiredEmployee {
    HiredEmployee::from_fields(&[
        &id.to_string(),
        "Ana",
        "2021-01-01T00:00:00Z",
        &department.to_string(),
        &job.to_string(),
    ])
    .unwrap()
}

fn plan_of<E: Record>(
    stored: Vec<E>,
    batch: &PendingBatch<E>,
    duplicates: Duplicates,
    accepted: &HashMap<Table, RoaringBitmap>,
) -> Plan {
    classify(&keys(), &Stored(stored), batch, duplicates, accepted).unwrap()
}

/// Each reject of `plan` as its row and its reasons (`None`: refused by the rules).
fn rejects(plan: &Plan) -> Vec<(usize, Option<Vec<String>>)> {
    plan.rejects
        .iter()
        .map(|(i, errors)| {
            let reasons = errors
                .as_ref()
                .map(|errors| errors.iter().map(ToString::to_string).collect());
            (*i, reasons)
        })
        .collect()
}

fn reasons(plan: &Plan, row: usize) -> Vec<String> {
    rejects(plan)
        .into_iter()
        .find(|(i, _)| *i == row)
        .and_then(|(_, reasons)| reasons)
        .unwrap_or_default()
}

#[test]
fn valid_new_rows_are_inserted_in_id_order() {
    let batch = file_batch::<Department>(&[&["3", "Legal"], &["1", "Sales"], &["2", "Support"]]);
    for duplicates in [Duplicates::Reject, Duplicates::CompareContent] {
        let plan = plan_of(vec![], &batch, duplicates, &HashMap::new());
        assert_eq!(plan.inserts, vec![1, 2, 0]);
        assert!(plan.present.is_empty() && plan.rejects.is_empty());
        assert_eq!(plan.considered, 3);
    }
}

#[test]
fn rows_the_rules_refused_are_rejected_with_their_own_rejection() {
    let batch = file_batch::<Department>(&[&["x", "Sales"], &["2", ""], &["3", "Legal"]]);
    let plan = plan_of(vec![], &batch, Duplicates::Reject, &HashMap::new());
    assert_eq!(plan.inserts, vec![2]);
    assert_eq!(rejects(&plan), vec![(0, None), (1, None)]);
}

#[test]
fn a_duplicate_in_the_batch_is_refused_by_the_api() {
    let batch = api_batch::<Department>(&[&["1", "Sales"], &["1", "Sales"], &["1", "Legal"]]);
    let plan = plan_of(vec![], &batch, Duplicates::Reject, &HashMap::new());
    assert_eq!(plan.inserts, vec![0]);
    assert_eq!(
        reasons(&plan, 1),
        vec!["id: id 1 appears earlier in this batch (row 0)"]
    );
    assert_eq!(
        reasons(&plan, 2),
        vec!["id: id 1 appears earlier in this batch (row 0)"]
    );
}

#[test]
fn a_duplicate_in_the_input_is_present_when_equal_and_refused_when_not() {
    let batch = file_batch::<Department>(&[&["1", "Sales"], &["1", "Sales"], &["1", "Legal"]]);
    let plan = plan_of(vec![], &batch, Duplicates::CompareContent, &HashMap::new());
    assert_eq!(plan.inserts, vec![0]);
    assert_eq!(plan.present, vec![1]);
    assert_eq!(
        reasons(&plan, 2),
        vec!["id: 1 appears earlier in this input (line 1) with different content"]
    );
}

#[test]
fn a_stored_id_is_refused_by_the_api() {
    let batch = api_batch::<Department>(&[&["1", "Sales"], &["2", "Legal"]]);
    let plan = plan_of(
        vec![dept(1, "Sales")],
        &batch,
        Duplicates::Reject,
        &HashMap::new(),
    );
    assert_eq!(plan.inserts, vec![1]);
    assert_eq!(reasons(&plan, 0), vec!["id: id 1 already exists"]);
}

#[test]
fn a_stored_id_is_present_when_equal_and_never_overwritten_when_not() {
    let batch = file_batch::<Department>(&[&["1", "Sales"], &["2", "Legal"], &["3", "Ops"]]);
    let stored = vec![dept(1, "Sales"), dept(2, "Support")];
    let plan = plan_of(stored, &batch, Duplicates::CompareContent, &HashMap::new());
    assert_eq!(plan.inserts, vec![2]);
    assert_eq!(plan.present, vec![0]);
    assert_eq!(
        reasons(&plan, 1),
        vec!["id: 2 is already stored with different content (2,Support); it is never overwritten"]
    );
}

#[test]
fn missing_departments_and_jobs_are_named_in_column_order_with_the_id_reason() {
    // Keys: departments 1..=3 and jobs 1..=5 exist.
    let rows = [hire(1, 1, 1), hire(2, 9, 1), hire(3, 1, 8), hire(4, 9, 8)];
    let mut batch = PendingBatch::new(Origin::Api("r1".to_owned()), rows.len());
    for (index, row) in (0..).zip(&rows) {
        batch.push(index, |_| {}, Ok(row.clone()));
    }
    let stored = vec![hire(4, 1, 1)];
    let plan = plan_of(stored, &batch, Duplicates::Reject, &HashMap::new());
    assert_eq!(plan.inserts, vec![0]);
    assert_eq!(
        rejects(&plan),
        vec![
            (
                1,
                Some(vec![
                    "department_id: departments 9 does not exist".to_owned()
                ])
            ),
            (2, Some(vec!["job_id: jobs 8 does not exist".to_owned()])),
            (
                3,
                Some(vec![
                    "department_id: departments 9 does not exist".to_owned(),
                    "job_id: jobs 8 does not exist".to_owned(),
                    "id: id 4 already exists".to_owned(),
                ])
            ),
        ]
    );
}

#[test]
fn a_dry_run_counts_accepted_parents_as_stored_and_refuses_accepted_ids() {
    let accepted = HashMap::from([
        (Table::Departments, RoaringBitmap::from_iter([9u32])),
        (Table::HiredEmployees, RoaringBitmap::from_iter([1u32])),
    ]);
    let mut batch = PendingBatch::new(Origin::File("rows.csv".to_owned()), 2);
    batch.push(1, |_| {}, Ok(hire(1, 1, 1)));
    batch.push(2, |_| {}, Ok(hire(2, 9, 1)));
    let plan = plan_of(vec![], &batch, Duplicates::CompareContent, &accepted);
    assert_eq!(plan.inserts, vec![1]);
    assert_eq!(
        reasons(&plan, 0),
        vec!["id: 1 appears earlier in this input (dry run: content not compared)"]
    );
}

#[test]
fn missing_parents_asks_each_parent_table_once_for_its_distinct_keys() {
    let mut keys = MockKeyLookup::new();
    keys.expect_existing_ids()
        .withf(|table, ids| {
            *table == Table::Departments && ids == [Id::new(1).unwrap(), Id::new(9).unwrap()]
        })
        .times(1)
        .returning(|_, _| Ok(vec![Id::new(1).unwrap()]));
    keys.expect_existing_ids()
        .withf(|table, ids| *table == Table::Jobs && ids == [Id::new(2).unwrap()])
        .times(1)
        .returning(|_, _| Ok(vec![]));
    let rows = [hire(1, 9, 2), hire(2, 1, 2), hire(3, 9, 2)];
    let accepted = HashMap::new();
    let missing = missing_parents(&keys, rows.iter(), &accepted).unwrap();
    let mut missing: Vec<(Table, i32)> = missing.into_iter().map(|(t, id)| (t, id.get())).collect();
    missing.sort_unstable_by_key(|&(t, id)| (t.name(), id));
    assert_eq!(missing, vec![(Table::Departments, 9), (Table::Jobs, 2)]);
}

#[test]
fn missing_parents_skips_keys_a_dry_run_accepted_and_asks_nothing_without_parents() {
    let mut keys = MockKeyLookup::new();
    keys.expect_existing_ids().returning(|_, _| Ok(vec![]));
    let accepted = HashMap::from([
        (Table::Departments, RoaringBitmap::from_iter([1u32])),
        (Table::Jobs, RoaringBitmap::from_iter([1u32])),
    ]);
    let rows = [hire(1, 1, 1)];
    assert!(missing_parents(&keys, rows.iter(), &accepted)
        .unwrap()
        .is_empty());
    // Departments reference nothing; no rows, nothing asked.
    let mut never = MockKeyLookup::new();
    never.expect_existing_ids().never();
    let departments = [dept(1, "Sales")];
    assert!(missing_parents(&never, departments.iter(), &HashMap::new())
        .unwrap()
        .is_empty());
    assert!(
        missing_parents::<HiredEmployee>(&never, [].iter(), &accepted)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_failed_look_up_is_the_classifier_s_error() {
    let mut keys = MockKeyLookup::new();
    keys.expect_existing_ids()
        .returning(|_, _| Err(RepoError::Unavailable("down".to_owned())));
    let mut batch = PendingBatch::new(Origin::Api("r1".to_owned()), 1);
    batch.push(0, |_| {}, Ok(hire(1, 1, 1)));
    let result = classify(
        &keys,
        &Stored(vec![]),
        &batch,
        Duplicates::Reject,
        &HashMap::new(),
    );
    assert!(matches!(result, Err(RepoError::Unavailable(_))));
}
