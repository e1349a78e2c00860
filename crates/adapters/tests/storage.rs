//! The storage adapters against the port contract, each test run on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

use hiring_adapters::{open, Backend, OpenError};
use hiring_domain::{Department, HiredEmployee, Id, Job, Record, Rejection, RowErrors, Table};
use hiring_ports::{PageLimit, RejectFilter, RepoError, Repositories, RowSink};
use std::time::{Duration, Instant};
use support::{Engine, TestDb};

fn dept(id: i32, name: &str) -> Department {
    Department::from_fields(&[&id.to_string(), name]).unwrap()
}

fn job(id: i32, name: &str) -> Job {
    Job::from_fields(&[&id.to_string(), name]).unwrap()
}

fn hire(id: i32, name: &str, datetime: &str, department: i32, job: i32) -> HiredEmployee {
    HiredEmployee::from_fields(&[
        &id.to_string(),
        name,
        datetime,
        &department.to_string(),
        &job.to_string(),
    ])
    .unwrap()
}

fn ids(values: impl IntoIterator<Item = i32>) -> Vec<Id> {
    values
        .into_iter()
        .map(|v| Id::new(v.into()).unwrap())
        .collect()
}

fn id_values<E: Record>(rows: &[E]) -> Vec<i32> {
    rows.iter().map(|r| r.id().get()).collect()
}

fn departments(range: impl IntoIterator<Item = i32>) -> Vec<Department> {
    range
        .into_iter()
        .map(|i| dept(i, &format!("Department {i}")))
        .collect()
}

fn reject(table: Table, source: &str, raw: &str) -> Rejection {
    Rejection::new(
        table,
        source,
        raw,
        RowErrors::single("id", "must be a positive integer, got \"x\""),
    )
}

fn open_db(db: &TestDb) -> Repositories {
    open(&db.url).unwrap_or_else(|e| panic!("open {}: {e}", db.url))
}

/// Departments 1..=3 and jobs 1..=2.
fn seed(repos: &Repositories) {
    repos
        .departments
        .write_batch(&departments(1..=3), &[])
        .unwrap();
    repos
        .jobs
        .write_batch(&[job(1, "Recruiter"), job(2, "Engineer")], &[])
        .unwrap();
}

fn sorted<E: Record>(mut rows: Vec<E>) -> Vec<E> {
    rows.sort_by_key(|r| r.id());
    rows
}

fn assert_conflict<T: std::fmt::Debug>(result: Result<T, RepoError>) {
    match result {
        Err(RepoError::Conflict(message)) => assert!(!message.is_empty()),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// The message of a [`RepoError::Corrupt`].
fn corrupt<T: std::fmt::Debug>(result: Result<T, RepoError>) -> String {
    match result {
        Err(RepoError::Corrupt(message)) => message,
        other => panic!("expected corrupt data, got {other:?}"),
    }
}

fn migrations_run_on_open_and_reopen(db: &TestDb) {
    let repos = open_db(db);
    assert_eq!(repos.departments.count().unwrap(), 0);
    repos
        .departments
        .write_batch(&[dept(1, "Sales")], &[])
        .unwrap();
    drop(repos);
    for _ in 0..2 {
        let repos = open_db(db);
        assert_eq!(repos.departments.count().unwrap(), 1);
    }
    // Every migration of the engine is applied once.
    let folder = match db.engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let migrations = std::fs::read_dir(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../migrations")
            .join(folder),
    )
    .unwrap()
    .count();
    assert_eq!(
        db.integer("(SELECT count(*) FROM __diesel_schema_migrations)"),
        migrations as i64
    );
}

fn concurrent_opens_of_a_new_database_both_succeed(db: &TestDb) {
    let opened: Vec<Result<Repositories, OpenError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..3).map(|_| scope.spawn(|| open(&db.url))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for repos in opened {
        assert_eq!(repos.unwrap().jobs.count().unwrap(), 0);
    }
}

fn description_names_the_storage_without_secrets(db: &TestDb) {
    let repos = open_db(db);
    match db.engine {
        Engine::Sqlite => assert_eq!(repos.description, format!("sqlite {}", db.url)),
        Engine::Postgres => {
            let name = db.url.rsplit('/').next().unwrap();
            assert!(repos.description.starts_with("postgresql "));
            assert!(repos.description.ends_with(&format!(":5432/{name}")));
            assert!(!repos.description.contains('@'));
        }
    }
}

fn every_table_round_trips(db: &TestDb) {
    let repos = open_db(db);
    let deps = vec![dept(2, "Supply Chain"), dept(1, "Zoë Ñandú")];
    let jobs = vec![job(7, "Recruiter"), job(3, &"é".repeat(255))];
    let hires = vec![
        hire(10, "Whole Seconds", "2021-11-07T02:48:42Z", 1, 7),
        hire(11, "Half", "2021-11-07T02:48:42.5Z", 2, 3),
        hire(12, "Micros", "2021-11-07T02:48:42.123456Z", 2, 7),
        hire(13, "Offset", "2021-07-27T16:02:08+02:00", 1, 3),
        hire(14, "Old", "0001-01-01T00:00:00Z", 1, 3),
    ];
    assert_eq!(repos.departments.write_batch(&deps, &[]).unwrap(), 2);
    assert_eq!(repos.jobs.write_batch(&jobs, &[]).unwrap(), 2);
    assert_eq!(repos.hired_employees.write_batch(&hires, &[]).unwrap(), 5);

    assert_eq!(repos.departments.count().unwrap(), 2);
    assert_eq!(repos.jobs.count().unwrap(), 2);
    assert_eq!(repos.hired_employees.count().unwrap(), 5);

    let found = repos.departments.find_by_ids(&ids([1, 2, 3])).unwrap();
    assert_eq!(sorted(found), sorted(deps));
    let found = repos.jobs.find_by_ids(&ids([3, 7])).unwrap();
    assert_eq!(sorted(found), sorted(jobs));
    let found = repos
        .hired_employees
        .find_by_ids(&ids([14, 13, 12, 11, 10, 99]))
        .unwrap();
    assert_eq!(sorted(found), sorted(hires.clone()));
    assert_eq!(
        repos.hired_employees.find_by_ids(&[]).unwrap(),
        Vec::<HiredEmployee>::new()
    );

    if db.engine == Engine::Sqlite {
        for h in &hires {
            let stored = db.text(&format!(
                "(SELECT datetime FROM hired_employees WHERE id = {})",
                h.id()
            ));
            assert_eq!(stored, h.datetime().to_rfc3339());
        }
        assert_eq!(
            db.text("(SELECT datetime FROM hired_employees WHERE id = 13)"),
            "2021-07-27T14:02:08Z"
        );
    }
}

fn find_by_ids_takes_ten_thousand_ids(db: &TestDb) {
    let repos = open_db(db);
    repos
        .departments
        .write_batch(&departments(1..=3000), &[])
        .unwrap();
    let found = repos
        .departments
        .find_by_ids(&ids((1..=10_000).rev()))
        .unwrap();
    let mut found = id_values(&found);
    found.sort_unstable();
    assert_eq!(found, (1..=3000).collect::<Vec<_>>());
}

fn duplicate_id_is_a_conflict_and_writes_nothing(db: &TestDb) {
    let repos = open_db(db);
    repos
        .departments
        .write_batch(&[dept(1, "Sales")], &[])
        .unwrap();
    let rejects = [reject(Table::Departments, "departments.csv:3", "x,Bad")];

    // Against a stored row.
    assert_conflict(
        repos
            .departments
            .write_batch(&[dept(2, "New"), dept(1, "Again")], &rejects),
    );
    // Within the batch itself.
    assert_conflict(
        repos
            .departments
            .write_batch(&[dept(3, "One"), dept(3, "Two")], &rejects),
    );

    assert_eq!(repos.departments.count().unwrap(), 1);
    assert_eq!(
        repos.departments.find_by_ids(&ids([1, 2, 3])).unwrap(),
        vec![dept(1, "Sales")]
    );
    assert_eq!(repos.rejects.count(None).unwrap(), 0);
}

fn employee_with_missing_parent_is_a_conflict(db: &TestDb) {
    let repos = open_db(db);
    seed(&repos);
    let rejects = [reject(Table::HiredEmployees, "hired_employees.csv:9", "x")];
    let missing_department = hire(1, "Ann", "2021-01-01T00:00:00Z", 99, 1);
    let missing_job = hire(2, "Bob", "2021-01-01T00:00:00Z", 1, 99);
    let fine = hire(3, "Cy", "2021-01-01T00:00:00Z", 1, 1);
    assert_conflict(
        repos
            .hired_employees
            .write_batch(&[fine.clone(), missing_department], &rejects),
    );
    assert_conflict(
        repos
            .hired_employees
            .write_batch(&[missing_job, fine.clone()], &rejects),
    );
    assert_eq!(repos.hired_employees.count().unwrap(), 0);
    assert_eq!(repos.rejects.count(None).unwrap(), 0);

    assert_eq!(
        repos
            .hired_employees
            .write_batch(&[fine], &rejects)
            .unwrap(),
        1
    );
    assert_eq!(repos.rejects.count(None).unwrap(), 1);
}

fn rejects_are_recorded_once(db: &TestDb) {
    let repos = open_db(db);
    let first = reject(Table::Jobs, "jobs.csv:2", "0,Recruiter");
    let second = reject(Table::Jobs, "jobs.csv:3", "0,Recruiter");
    let long = reject(Table::Jobs, "jobs.csv:4", &"r".repeat(20_000));
    let batch = [first.clone(), second.clone(), long.clone()];
    assert_eq!(repos.jobs.write_batch(&[], &batch).unwrap(), 0);
    assert_eq!(repos.jobs.write_batch(&[job(1, "A")], &batch).unwrap(), 1);
    assert_eq!(repos.rejects.count(None).unwrap(), 3);

    let third = reject(Table::Departments, "jobs.csv:2", "0,Recruiter");
    assert_eq!(
        repos
            .rejects
            .record(&[first, third.clone(), third, long])
            .unwrap(),
        1
    );
    assert_eq!(repos.rejects.count(None).unwrap(), 4);
    assert_eq!(repos.rejects.record(&[]).unwrap(), 0);

    // A NUL character, which PostgreSQL text cannot hold, is kept or replaced, never fatal.
    let nul = Rejection::new(
        Table::Jobs,
        "jobs.csv:5",
        "1,\0",
        RowErrors::single("job", "must not contain control characters, got \"\0\""),
    );
    assert_eq!(repos.rejects.record(&[nul.clone(), nul]).unwrap(), 1);
    let listed = repos
        .rejects
        .list(&RejectFilter {
            table: Some(Table::Jobs),
            limit: PageLimit::new(1).unwrap(),
        })
        .unwrap();
    let expected = match db.engine {
        Engine::Sqlite => '\0',
        Engine::Postgres => '\u{FFFD}',
    };
    assert_eq!(listed[0].raw, format!("1,{expected}"));
    assert!(listed[0].errors[0]
        .message()
        .ends_with(&format!("\"{expected}\"")));
}

fn reject_log_lists_newest_first(db: &TestDb) {
    let repos = open_db(db);
    let recorded = [
        reject(Table::Departments, "departments.csv:2", "d2"),
        reject(Table::HiredEmployees, "hired_employees.csv:2", "h2"),
        reject(Table::Departments, "departments.csv:3", "d3"),
        reject(Table::Jobs, "api req-1 row 1", "j1"),
        reject(Table::HiredEmployees, "hired_employees.csv:3", "h3"),
        reject(Table::HiredEmployees, "hired_employees.csv:4", "h4"),
    ];
    for r in &recorded {
        assert_eq!(repos.rejects.record(std::slice::from_ref(r)).unwrap(), 1);
    }
    let all = repos
        .rejects
        .list(&RejectFilter {
            table: None,
            limit: PageLimit::new(100).unwrap(),
        })
        .unwrap();
    let raws: Vec<&str> = all.iter().map(|r| r.raw.as_str()).collect();
    assert_eq!(raws, ["h4", "h3", "j1", "d3", "h2", "d2"]);
    assert!(all.windows(2).all(|w| w[0].id > w[1].id));

    let newest = &all[0];
    assert_eq!(newest.table, Table::HiredEmployees);
    assert_eq!(newest.source, "hired_employees.csv:4");
    assert_eq!(newest.errors, recorded[5].errors());
    assert!(newest.recorded_at.ends_with('Z'), "{}", newest.recorded_at);
    assert!(
        chrono::DateTime::parse_from_rfc3339(&newest.recorded_at).is_ok(),
        "{}",
        newest.recorded_at
    );

    let hires = repos
        .rejects
        .list(&RejectFilter {
            table: Some(Table::HiredEmployees),
            limit: PageLimit::new(2).unwrap(),
        })
        .unwrap();
    let raws: Vec<&str> = hires.iter().map(|r| r.raw.as_str()).collect();
    assert_eq!(raws, ["h4", "h3"]);
    let jobs = repos
        .rejects
        .list(&RejectFilter {
            table: Some(Table::Jobs),
            limit: PageLimit::new(1).unwrap(),
        })
        .unwrap();
    let raws: Vec<&str> = jobs.iter().map(|r| r.raw.as_str()).collect();
    assert_eq!(raws, ["j1"]);

    assert_eq!(repos.rejects.count(None).unwrap(), 6);
    assert_eq!(repos.rejects.count(Some(Table::Departments)).unwrap(), 2);
    assert_eq!(repos.rejects.count(Some(Table::Jobs)).unwrap(), 1);
    assert_eq!(repos.rejects.count(Some(Table::HiredEmployees)).unwrap(), 3);

    if db.engine == Engine::Sqlite {
        assert_eq!(
            db.text("(SELECT reasons FROM rejected_rows WHERE raw_record = 'd2')"),
            r#"[{"field":"id","message":"must be a positive integer, got \"x\""}]"#
        );
    }
}

fn key_lookup_reports_stored_ids(db: &TestDb) {
    let repos = open_db(db);
    repos
        .departments
        .write_batch(&departments(1..=1500), &[])
        .unwrap();
    repos.jobs.write_batch(&[job(4, "Analyst")], &[]).unwrap();
    repos
        .hired_employees
        .write_batch(&[hire(8, "Ann", "2021-01-01T00:00:00Z", 1500, 4)], &[])
        .unwrap();

    let mut found = repos
        .keys
        .existing_ids(Table::Departments, &ids([1501, 1, 1500, 5, 2000]))
        .unwrap();
    found.sort();
    assert_eq!(found, ids([1, 5, 1500]));
    let found = repos
        .keys
        .existing_ids(Table::Departments, &ids(1..=5000))
        .unwrap();
    assert_eq!(found.len(), 1500);
    assert_eq!(
        repos.keys.existing_ids(Table::Jobs, &ids([3, 4])).unwrap(),
        ids([4])
    );
    assert_eq!(
        repos
            .keys
            .existing_ids(Table::HiredEmployees, &ids([4, 8]))
            .unwrap(),
        ids([8])
    );
    assert!(repos
        .keys
        .existing_ids(Table::Jobs, &[])
        .unwrap()
        .is_empty());
}

fn for_each_visits_in_id_order_and_stops_on_error(db: &TestDb) {
    let repos = open_db(db);
    // More than two pages, written out of order.
    let rows: Vec<Department> = departments((1..=12_500).rev().chain(12_501..=25_001));
    repos.departments.write_batch(&rows, &[]).unwrap();

    let mut seen = Vec::new();
    let mut collect = |d: Department| {
        seen.push(d.id().get());
        Ok(())
    };
    assert_eq!(repos.departments.for_each(&mut collect).unwrap(), 25_001);
    assert_eq!(seen, (1..=25_001).collect::<Vec<_>>());

    let mut visited = Vec::new();
    let mut stop_at_third = |d: Department| {
        visited.push(d);
        if visited.len() == 3 {
            Err(RepoError::Other("enough".into()))
        } else {
            Ok(())
        }
    };
    let sink: &mut dyn RowSink<Department> = &mut stop_at_third;
    assert_eq!(
        repos.departments.for_each(sink),
        Err(RepoError::Other("enough".into()))
    );
    assert_eq!(id_values(&visited), [1, 2, 3]);
    assert_eq!(visited[0], dept(1, "Department 1"));

    let mut none = |_: Job| -> Result<(), RepoError> { panic!("no jobs are stored") };
    assert_eq!(repos.jobs.for_each(&mut none).unwrap(), 0);
}

fn replace_all_swaps_the_contents(db: &TestDb) {
    let repos = open_db(db);
    seed(&repos);
    let replacement = departments(100..12_100);
    let stored = repos
        .departments
        .replace_all(&mut replacement.clone().into_iter())
        .unwrap();
    assert_eq!(stored, 12_000);
    assert_eq!(repos.departments.count().unwrap(), 12_000);
    assert!(repos
        .departments
        .find_by_ids(&ids([1, 2, 3]))
        .unwrap()
        .is_empty());
    let mut back = Vec::new();
    repos
        .departments
        .for_each(&mut |d: Department| {
            back.push(d);
            Ok(())
        })
        .unwrap();
    assert_eq!(back, replacement);

    assert_eq!(repos.jobs.replace_all(&mut std::iter::empty()).unwrap(), 0);
    assert_eq!(repos.jobs.count().unwrap(), 0);
}

fn replace_all_failure_leaves_the_table_unchanged(db: &TestDb) {
    let repos = open_db(db);
    seed(&repos);
    let before = sorted(repos.departments.find_by_ids(&ids(1..=3)).unwrap());

    // A duplicate id among the new rows.
    let mut duplicates = [dept(5, "A"), dept(6, "B"), dept(5, "C")].into_iter();
    assert_conflict(repos.departments.replace_all(&mut duplicates));
    assert_eq!(
        sorted(repos.departments.find_by_ids(&ids(1..=6)).unwrap()),
        before
    );

    // Rows of another table still reference the ones being deleted.
    let ann = hire(1, "Ann", "2021-01-01T00:00:00Z", 1, 1);
    repos
        .hired_employees
        .write_batch(std::slice::from_ref(&ann), &[])
        .unwrap();
    assert_conflict(
        repos
            .departments
            .replace_all(&mut [dept(2, "Only")].into_iter()),
    );
    assert_eq!(
        sorted(repos.departments.find_by_ids(&ids(1..=6)).unwrap()),
        before
    );

    // A new row references a missing parent.
    let orphan = hire(2, "Bob", "2021-01-01T00:00:00Z", 42, 1);
    assert_conflict(repos.hired_employees.replace_all(&mut [orphan].into_iter()));
    assert_eq!(
        repos.hired_employees.find_by_ids(&ids([1, 2])).unwrap(),
        vec![ann]
    );
}

fn stored_values_breaking_a_rule_are_corrupt(db: &TestDb) {
    let repos = open_db(db);
    db.execute("INSERT INTO departments (id, department) VALUES (7, '')");
    db.execute("INSERT INTO jobs (id, job) VALUES (0, 'Zero')");
    db.execute("INSERT INTO jobs (id, job) VALUES (1, ' padded ')");

    let message = corrupt(repos.departments.find_by_ids(&ids([7])));
    assert!(
        message.contains("departments row with id 7: department"),
        "{message}"
    );
    let message = corrupt(repos.jobs.for_each(&mut |_: Job| Ok(())));
    assert!(message.contains("jobs row with id 0: id"), "{message}");
    let message = corrupt(repos.jobs.find_by_ids(&ids([1])));
    assert!(message.contains("white space"), "{message}");

    if db.engine == Engine::Sqlite {
        db.execute(
            "INSERT INTO hired_employees VALUES (5, 'Ann', 'yesterday', 7, 1);
             INSERT INTO rejected_rows (table_name, source, raw_record, reasons)
                 VALUES ('employees', 's', 'r', '[]')",
        );
        let message = corrupt(repos.hired_employees.find_by_ids(&ids([5])));
        assert!(message.contains("datetime"), "{message}");
        let message = corrupt(repos.rejects.list(&RejectFilter {
            table: None,
            limit: PageLimit::new(5).unwrap(),
        }));
        assert!(message.contains("table_name"), "{message}");
    }
}

on_every_backend!(
    migrations_run_on_open_and_reopen,
    concurrent_opens_of_a_new_database_both_succeed,
    description_names_the_storage_without_secrets,
    every_table_round_trips,
    find_by_ids_takes_ten_thousand_ids,
    duplicate_id_is_a_conflict_and_writes_nothing,
    employee_with_missing_parent_is_a_conflict,
    rejects_are_recorded_once,
    reject_log_lists_newest_first,
    key_lookup_reports_stored_ids,
    for_each_visits_in_id_order_and_stops_on_error,
    replace_all_swaps_the_contents,
    replace_all_failure_leaves_the_table_unchanged,
    stored_values_breaking_a_rule_are_corrupt,
);

#[test]
fn sqlite_creates_missing_folders() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("a/b/hiring.db");
    let url = format!("sqlite://{}", path.display());
    assert_eq!(Backend::from_url(&url), Ok(Backend::Sqlite));
    let repos = open(&url).unwrap();
    assert!(path.is_file());
    assert_eq!(repos.description, format!("sqlite {}", path.display()));
    assert_eq!(repos.hired_employees.count().unwrap(), 0);
}

#[test]
fn sqlite_reports_a_path_it_cannot_open() {
    let folder = tempfile::tempdir().unwrap();
    let blocker = folder.path().join("file");
    std::fs::write(&blocker, "not a folder").unwrap();
    let path = blocker.join("hiring.db");
    let error = open(path.to_str().unwrap()).unwrap_err();
    assert!(matches!(error, OpenError::Sqlite { .. }), "{error:?}");
    assert!(error
        .to_string()
        .starts_with(&format!("cannot open SQLite database {}: ", path.display())));
}

#[test]
fn unreachable_postgres_fails_fast_without_showing_the_password() {
    let started = Instant::now();
    let error = open("postgres://postgres:a-long-random-secret@127.0.0.1:1/hiring").unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let message = error.to_string();
    assert!(
        message.starts_with(
            "cannot connect to PostgreSQL at postgres://postgres@127.0.0.1:1/hiring: "
        ),
        "{message}"
    );
    assert!(!message.contains("a-long-random-secret"), "{message}");
    assert!(!format!("{error:?}").contains("a-long-random-secret"));
}

#[path = "backups/mod.rs"]
mod backups;

#[path = "reports/mod.rs"]
mod reports;

#[path = "bulk/mod.rs"]
mod bulk;

#[path = "timestamps/mod.rs"]
mod timestamps;
#[path = "url_secrets/mod.rs"]
mod url_secrets;
