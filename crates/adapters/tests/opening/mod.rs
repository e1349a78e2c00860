//! Opening the storage: migrations, concurrent opens, descriptions without secrets, and the
//! failures of a path or server that cannot be opened.

use crate::support::{Engine, TestDb};
use crate::{dept, open_db};
use hiring_adapters::{open, Backend, OpenError};
use hiring_ports::Repositories;
use std::time::{Duration, Instant};

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

on_every_backend!(
    migrations_run_on_open_and_reopen,
    concurrent_opens_of_a_new_database_both_succeed,
    description_names_the_storage_without_secrets,
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

#[test]
fn a_pooler_and_a_replica_must_be_postgresql() {
    let folder = tempfile::tempdir().unwrap();
    let file = folder.path().join("hiring.db");
    let file = file.to_str().unwrap();
    let postgres = "postgres://app@127.0.0.1:1/hiring";
    for (url, direct) in [(file, postgres), (postgres, file)] {
        match hiring_adapters::open_pooled(url, direct) {
            Err(OpenError::PoolerNotPostgres) => {}
            other => panic!("{url} + {direct}: {:?}", other.map(|r| r.description)),
        }
    }
    for (replica, primary) in [(file, postgres), (postgres, file)] {
        assert!(matches!(
            hiring_adapters::open_replica(replica, primary),
            Err(OpenError::ReplicaNotPostgres)
        ));
    }
    // A replica is not connected to when opened: one that is down is found by its lag.
    let replica = hiring_adapters::open_replica(postgres, postgres).unwrap();
    assert!(replica.lag.lag().is_err());
}
