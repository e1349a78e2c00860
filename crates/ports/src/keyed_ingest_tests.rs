use super::*;
use crate::idempotency::{IdempotencyKey, MockIdempotencyStore};
use crate::test_support::{dept, keys, repos};
use crate::MockTableRepository;
use hiring_domain::{Department, Job};
use std::sync::{Arc, Mutex};

fn request() -> KeyedRequest {
    KeyedRequest::new(
        IdempotencyKey::new("k1").unwrap(),
        "POST /api/v1/departments",
        &[b"body"],
        "r1",
    )
}

fn batch() -> Batch<IncomingRow> {
    let rows = [
        r#"{"id":1,"department":"Sales"}"#,
        r#"{"id":2,"department":""}"#,
    ]
    .iter()
    .map(|text| {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        IncomingRow::from_json(Table::Departments, &value)
    })
    .collect();
    Batch::new(rows).unwrap()
}

fn with_keys(
    departments: MockTableRepository<Department>,
    store: MockIdempotencyStore,
) -> Repositories {
    let mut repos = repos(
        departments,
        MockTableRepository::<Job>::new(),
        MockTableRepository::new(),
        keys(),
    );
    repos.idempotency = Arc::new(store);
    repos
}

fn render(report: &IngestReport) -> String {
    format!(
        "{} inserted, rejected {:?}",
        report.inserted,
        report.rejected.iter().map(|r| r.index).collect::<Vec<_>>()
    )
}

#[test]
fn a_granted_key_is_completed_with_the_answer_in_the_write_of_the_batch() {
    let mut store = MockIdempotencyStore::new();
    store
        .expect_claim()
        .times(1)
        .returning(|_, _| Ok(Claim::Granted));
    let completions: Arc<Mutex<Vec<Completion>>> = Arc::default();
    let sink = completions.clone();
    let mut departments = MockTableRepository::<Department>::new();
    departments.expect_find_by_ids().returning(|_| Ok(vec![]));
    departments
        .expect_write_batch_completing()
        .times(1)
        .returning(move |rows, rejects, completion| {
            assert_eq!(rows, &[dept(1, "Sales")][..]);
            assert_eq!(rejects.len(), 1);
            sink.lock().unwrap().push(completion.clone());
            Ok(1)
        });
    let repos = with_keys(departments, store);
    let outcome = ingest_keyed(
        &repos,
        Table::Departments,
        batch(),
        Mode::Partial,
        &request(),
        &render,
    )
    .unwrap();
    let KeyedIngest::Done { report, body } = outcome else {
        panic!("not ingested: {outcome:?}");
    };
    assert_eq!((report.inserted, report.request_id.as_str()), (1, "r1"));
    assert_eq!(body, "1 inserted, rejected [1]");
    let completions = completions.lock().unwrap();
    assert_eq!(completions[0].request, request());
    assert_eq!(completions[0].outcome.status, 200);
    assert_eq!(
        completions[0].outcome.body, body,
        "the answer given is the one stored"
    );
}

#[test]
fn a_completed_key_is_answered_from_its_outcome_without_writing() {
    let mut store = MockIdempotencyStore::new();
    let stored = StoredOutcome {
        status: 200,
        body: "first answer".into(),
    };
    let answer = stored.clone();
    store
        .expect_claim()
        .returning(move |_, _| Ok(Claim::Replay(answer.clone())));
    // No expectation on the table: any look-up or write would panic.
    let repos = with_keys(MockTableRepository::new(), store);
    let outcome = ingest_keyed(
        &repos,
        Table::Departments,
        batch(),
        Mode::Partial,
        &request(),
        &render,
    );
    assert_eq!(outcome.unwrap(), KeyedIngest::Replayed(stored));
}

#[test]
fn a_key_in_use_or_reused_is_refused_without_writing() {
    for (claim, refused) in [
        (Claim::Mismatch, "reused"),
        (Claim::InProgress, "in progress"),
    ] {
        let mut store = MockIdempotencyStore::new();
        store
            .expect_claim()
            .returning(move |_, _| Ok(claim.clone()));
        let repos = with_keys(MockTableRepository::new(), store);
        let result = ingest_keyed(
            &repos,
            Table::Departments,
            batch(),
            Mode::Partial,
            &request(),
            &render,
        );
        match (result, refused) {
            (Err(KeyedIngestError::KeyReused), "reused")
            | (Err(KeyedIngestError::KeyInProgress), "in progress") => {}
            (other, _) => panic!("{refused}: {other:?}"),
        }
    }
}

#[test]
fn a_batch_that_stores_nothing_gives_its_claim_up() {
    for mode in [Mode::Partial, Mode::Atomic] {
        let mut store = MockIdempotencyStore::new();
        store.expect_claim().returning(|_, _| Ok(Claim::Granted));
        store
            .expect_release()
            .times(1)
            .withf(|r| *r == request())
            .returning(|_| Ok(()));
        let mut departments = MockTableRepository::<Department>::new();
        departments.expect_find_by_ids().returning(|_| Ok(vec![]));
        departments
            .expect_write_batch_completing()
            .returning(|_, _, _| Err(RepoError::Unavailable("gone".into())));
        let repos = with_keys(departments, store);
        let result = ingest_keyed(
            &repos,
            Table::Departments,
            batch(),
            mode,
            &request(),
            &render,
        );
        match (mode, result) {
            (Mode::Partial, Err(KeyedIngestError::Ingest(IngestError::Storage(_))))
            | (Mode::Atomic, Err(KeyedIngestError::Ingest(IngestError::Refused(_)))) => {}
            (_, other) => panic!("{mode:?}: {other:?}"),
        }
    }
}

/// Renders every rejected row with its id and reasons.
fn render_rejects(report: &IngestReport) -> String {
    report
        .rejected
        .iter()
        .map(|r| {
            let reasons: Vec<String> = r.errors.iter().map(ToString::to_string).collect();
            format!("{} {:?} {}", r.index, r.id.map(Id::get), reasons.join("; "))
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn the_stored_answer_names_each_rejected_row_by_index_id_and_reasons_after_a_retry() {
    let mut store = MockIdempotencyStore::new();
    store.expect_claim().returning(|_, _| Ok(Claim::Granted));
    let completions: Arc<Mutex<Vec<Completion>>> = Arc::default();
    let sink = completions.clone();
    let mut departments = MockTableRepository::<Department>::new();
    // A concurrent writer stores department 4 between the first look-up and the first write.
    let mut lookups = 0;
    departments
        .expect_find_by_ids()
        .times(2)
        .returning(move |_| {
            lookups += 1;
            Ok(if lookups == 1 {
                vec![]
            } else {
                vec![dept(4, "Legal")]
            })
        });
    let mut writes = 0;
    departments
        .expect_write_batch_completing()
        .times(2)
        .returning(move |rows, rejects, completion| {
            writes += 1;
            if writes == 1 {
                return Err(RepoError::Conflict("duplicate key".into()));
            }
            assert_eq!(rows, &[dept(1, "Sales")][..]);
            assert_eq!(rejects.len(), 3);
            sink.lock().unwrap().push(completion.clone());
            Ok(1)
        });
    let rows = [
        r#"{"id":1,"department":"Sales"}"#,
        r#"{"id":2,"department":""}"#,
        r#"{"id":"x","department":"Legal"}"#,
        r#"{"id":4,"department":"Legal"}"#,
    ]
    .iter()
    .map(|text| {
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        IncomingRow::from_json(Table::Departments, &value)
    })
    .collect();
    let repos = with_keys(departments, store);
    let outcome = ingest_keyed(
        &repos,
        Table::Departments,
        Batch::new(rows).unwrap(),
        Mode::Partial,
        &request(),
        &render_rejects,
    )
    .unwrap();
    let KeyedIngest::Done { report, body } = outcome else {
        panic!("not ingested: {outcome:?}");
    };
    assert_eq!(
        body,
        "1 Some(2) department: is required \
         | 2 None id: must be a positive integer, got \"x\" \
         | 3 Some(4) id: id 4 already exists"
    );
    assert_eq!(
        render_rejects(&report),
        body,
        "the answer given is the one stored"
    );
    assert_eq!(completions.lock().unwrap()[0].outcome.body, body);
}
