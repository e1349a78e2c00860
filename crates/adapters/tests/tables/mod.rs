//! The three tables through [`hiring_ports::TableRepository`] and [`hiring_ports::KeyLookup`]:
//! round trips, conflicts, lookups, visits, replacements and stored values that break a rule.

use crate::support::{Engine, TestDb};
use crate::{
    assert_conflict, corrupt, departments, dept, hire, id_values, ids, job, open_db, reject, seed,
    sorted,
};
use hiring_domain::{Department, HiredEmployee, Job, Record, Table};
use hiring_ports::{PageLimit, RejectFilter, RepoError, RowSink};

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
    assert_eq!(repos.rejects.count(&RejectFilter::default()).unwrap(), 0);
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
    assert_eq!(repos.rejects.count(&RejectFilter::default()).unwrap(), 0);

    assert_eq!(
        repos
            .hired_employees
            .write_batch(&[fine], &rejects)
            .unwrap(),
        1
    );
    assert_eq!(repos.rejects.count(&RejectFilter::default()).unwrap(), 1);
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
            ..RejectFilter::default()
        }));
        assert!(message.contains("table_name"), "{message}");
    }
}

on_every_backend!(
    every_table_round_trips,
    find_by_ids_takes_ten_thousand_ids,
    duplicate_id_is_a_conflict_and_writes_nothing,
    employee_with_missing_parent_is_a_conflict,
    key_lookup_reports_stored_ids,
    for_each_visits_in_id_order_and_stops_on_error,
    replace_all_swaps_the_contents,
    replace_all_failure_leaves_the_table_unchanged,
    stored_values_breaking_a_rule_are_corrupt,
);
