//! The reject log through [`hiring_ports::RejectLog`].

use crate::support::{Engine, TestDb};
use crate::{job, open_db, reject};
use hiring_domain::{Rejection, RowErrors, Table};
use hiring_ports::{PageLimit, RejectFilter};

mod runs;

fn rejects_are_recorded_once(db: &TestDb) {
    let repos = open_db(db);
    let first = reject(Table::Jobs, "jobs.csv:2", "0,Recruiter");
    let second = reject(Table::Jobs, "jobs.csv:3", "0,Recruiter");
    let long = reject(Table::Jobs, "jobs.csv:4", &"r".repeat(20_000));
    let batch = [first.clone(), second.clone(), long.clone()];
    assert_eq!(repos.jobs.write_batch(&[], &batch).unwrap(), 0);
    assert_eq!(repos.jobs.write_batch(&[job(1, "A")], &batch).unwrap(), 1);
    assert_eq!(repos.rejects.count(&RejectFilter::default()).unwrap(), 3);

    let third = reject(Table::Departments, "jobs.csv:2", "0,Recruiter");
    assert_eq!(
        repos
            .rejects
            .record(&[first, third.clone(), third, long])
            .unwrap(),
        1
    );
    assert_eq!(repos.rejects.count(&RejectFilter::default()).unwrap(), 4);
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
            ..RejectFilter::default()
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
            ..RejectFilter::default()
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
            ..RejectFilter::default()
        })
        .unwrap();
    let raws: Vec<&str> = hires.iter().map(|r| r.raw.as_str()).collect();
    assert_eq!(raws, ["h4", "h3"]);
    let jobs = repos
        .rejects
        .list(&RejectFilter {
            table: Some(Table::Jobs),
            limit: PageLimit::new(1).unwrap(),
            ..RejectFilter::default()
        })
        .unwrap();
    let raws: Vec<&str> = jobs.iter().map(|r| r.raw.as_str()).collect();
    assert_eq!(raws, ["j1"]);

    assert_eq!(repos.rejects.count(&RejectFilter::default()).unwrap(), 6);
    assert_eq!(
        repos
            .rejects
            .count(&RejectFilter {
                table: Some(Table::Departments),
                ..RejectFilter::default()
            })
            .unwrap(),
        2
    );
    assert_eq!(
        repos
            .rejects
            .count(&RejectFilter {
                table: Some(Table::Jobs),
                ..RejectFilter::default()
            })
            .unwrap(),
        1
    );
    assert_eq!(
        repos
            .rejects
            .count(&RejectFilter {
                table: Some(Table::HiredEmployees),
                ..RejectFilter::default()
            })
            .unwrap(),
        3
    );

    if db.engine == Engine::Sqlite {
        assert_eq!(
            db.text("(SELECT reasons FROM rejected_rows WHERE raw_record = 'd2')"),
            r#"[{"field":"id","message":"must be a positive integer, got \"x\""}]"#
        );
    }
}

on_every_backend!(rejects_are_recorded_once, reject_log_lists_newest_first);
