//! Harness for storage suites: a fresh database per test on each backend.
//!
//! ```ignore
//! #[macro_use]
//! mod support;
//! use support::TestDb;
//!
//! fn counts_nothing(db: &TestDb) { /* hiring_adapters::open(&db.url) ... */ }
//!
//! on_every_backend!(counts_nothing);
//! ```
//!
//! SQLite tests get a file in a temporary folder. PostgreSQL tests get a database of their own
//! (`hiring_test_<pid>_<counter>_<nanos>`) on the server of `TEST_DATABASE_URL` (default
//! [`DEFAULT_TEST_DATABASE_URL`]), dropped when the test ends. When that server cannot be
//! reached a PostgreSQL test prints `skipped: no PostgreSQL at <url>` and passes, unless `CI` is
//! `true`: then it fails.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use diesel::connection::SimpleConnection;
use diesel::sql_types::Text;
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The server used when `TEST_DATABASE_URL` is not set.
pub const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Writes, for every listed `fn name(db: &TestDb)`, one test per backend and layout:
/// `sqlite::name`, `postgres::name` and `postgres_by_year::name` (`hired_employees`
/// partitioned by hire year).
macro_rules! on_every_backend {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    super::$name(&$crate::support::TestDb::sqlite());
                }
            )+
        }

        mod postgres {
            $(
                #[test]
                fn $name() {
                    if let Some(db) = $crate::support::TestDb::postgres() {
                        super::$name(&db);
                    }
                }
            )+
        }

        mod postgres_by_year {
            $(
                #[test]
                fn $name() {
                    if let Some(db) = $crate::support::TestDb::postgres_by_year() {
                        super::$name(&db);
                    }
                }
            )+
        }
    };
}

/// Which engine a [`TestDb`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A file in a temporary folder.
    Sqlite,
    /// A database of its own on the test server.
    Postgres,
}

/// A database that lives as long as one test.
pub struct TestDb {
    /// What `hiring_adapters::open` takes.
    pub url: String,
    /// The engine.
    pub engine: Engine,
    /// PostgreSQL: `hired_employees` partitioned by hire year.
    by_year: bool,
    _keep: Keep,
}

enum Keep {
    Folder(tempfile::TempDir),
    Database(DropDatabase),
}

impl TestDb {
    /// A new SQLite file (not created yet) in a temporary folder.
    pub fn sqlite() -> Self {
        let folder = tempfile::tempdir().expect("a temporary folder");
        let url = folder
            .path()
            .join("hiring.db")
            .to_str()
            .expect("a UTF-8 temporary path")
            .to_owned();
        Self {
            url,
            engine: Engine::Sqlite,
            by_year: false,
            _keep: Keep::Folder(folder),
        }
    }

    /// A new, empty PostgreSQL database; `None` when no server answers (and `CI` is not
    /// `true`).
    pub fn postgres() -> Option<Self> {
        let (db, mut admin, name) = Self::postgres_name()?;
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("CREATE DATABASE");
        Some(db)
    }

    /// Like [`TestDb::postgres`], with `hired_employees` partitioned by hire year
    /// (`hiring_adapters::partition_hires_by_year`).
    pub fn postgres_by_year() -> Option<Self> {
        let mut db = Self::postgres()?;
        let converted = hiring_adapters::partition_hires_by_year(&db.url)
            .unwrap_or_else(|e| panic!("partition {}: {e}", db.url));
        assert!(converted, "a new database's hired_employees is plain");
        db.by_year = true;
        Some(db)
    }

    /// Another new database of the same engine and layout, on the same server.
    #[allow(dead_code)]
    pub fn another(&self) -> Self {
        match (self.engine, self.by_year) {
            (Engine::Sqlite, _) => Some(Self::sqlite()),
            (Engine::Postgres, false) => Self::postgres(),
            (Engine::Postgres, true) => Self::postgres_by_year(),
        }
        .unwrap_or_else(|| panic!("the server of {}", without_password(&self.url)))
    }

    /// The URL of a PostgreSQL database that does not exist (yet): whatever creates it, it is
    /// dropped after the test. `None` as for [`TestDb::postgres`].
    #[allow(dead_code)]
    pub fn postgres_absent() -> Option<Self> {
        Self::postgres_name().map(|(db, _, _)| db)
    }

    /// A unique database name on the test server, an admin connection, and the guard that
    /// drops the database.
    fn postgres_name() -> Option<(Self, PgConnection, String)> {
        let server = admin_url();
        let admin = match PgConnection::establish(&server) {
            Ok(conn) => conn,
            Err(e) if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("no PostgreSQL at {}: {e}", without_password(&server))
            }
            Err(_) => {
                println!("skipped: no PostgreSQL at {}", without_password(&server));
                return None;
            }
        };
        let name = unique_name();
        let db = Self {
            url: with_database(&server, &name),
            engine: Engine::Postgres,
            by_year: false,
            _keep: Keep::Database(DropDatabase {
                server,
                name: name.clone(),
            }),
        };
        Some((db, admin, name))
    }

    /// A connection of its own to the SQLite file, waiting (like the store's) when the file is
    /// busy: the store's pool may still be opening connections in the background.
    fn sqlite_connection(&self) -> SqliteConnection {
        let mut conn = SqliteConnection::establish(&self.url).unwrap();
        conn.batch_execute("PRAGMA busy_timeout = 30000").unwrap();
        conn
    }

    /// Runs `sql` on the database directly, beside the store (to plant rows it would refuse).
    pub fn execute(&self, sql: &str) {
        match self.engine {
            Engine::Sqlite => self.sqlite_connection().batch_execute(sql),
            Engine::Postgres => PgConnection::establish(&self.url)
                .unwrap()
                .batch_execute(sql),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// The integer that `sql` (an expression, such as a parenthesised subquery) evaluates to.
    pub fn integer(&self, sql: &str) -> i64 {
        let text = self.text(&format!("CAST({sql} AS TEXT)"));
        text.parse()
            .unwrap_or_else(|e| panic!("{sql} gave {text:?}: {e}"))
    }

    /// The text that `sql` (an expression, such as a parenthesised subquery) evaluates to.
    pub fn text(&self, sql: &str) -> String {
        let query = diesel::select(diesel::dsl::sql::<Text>(sql));
        match self.engine {
            Engine::Sqlite => query.get_result(&mut self.sqlite_connection()),
            Engine::Postgres => query.get_result(&mut PgConnection::establish(&self.url).unwrap()),
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

impl TestDb {
    /// The constraints and indexes of the data tables, as another connection sees them, to
    /// check that bulk writes put back exactly what the migrations created: on PostgreSQL as
    /// the catalog describes them ([`TestDb::pg_schema`]), on SQLite the definitions of the
    /// tables and their indexes.
    pub fn schema(&self) -> String {
        match self.engine {
            Engine::Postgres => self.pg_schema(),
            Engine::Sqlite => self.text(
                "(SELECT group_concat(line, char(10)) FROM (SELECT type || ' ' || name || ': ' || \
                 coalesce(sql, '') AS line FROM sqlite_master \
                 WHERE tbl_name IN ('departments', 'jobs', 'hired_employees') ORDER BY type, name))",
            ),
        }
    }

    /// PostgreSQL only: every constraint and index of the three data tables as the catalog
    /// describes them (names, definitions with DEFERRABLE, deferral and validation flags).
    pub fn pg_schema(&self) -> String {
        let constraints = self.text(
            "(SELECT string_agg(conrelid::regclass || ' ' || conname || ' ' \
             || pg_get_constraintdef(oid) || ' deferrable=' || condeferrable \
             || ' deferred=' || condeferred || ' validated=' || convalidated, E'\\n' \
             ORDER BY conrelid::regclass::text, conname) FROM pg_constraint \
             WHERE conrelid IN ('departments'::regclass, 'jobs'::regclass, \
             'hired_employees'::regclass))",
        );
        let indexes = self.text(
            "(SELECT string_agg(indexname || ' ' || indexdef, E'\\n' ORDER BY indexname) \
             FROM pg_indexes WHERE tablename IN ('departments', 'jobs', 'hired_employees'))",
        );
        format!("{constraints}\n{indexes}")
    }
}

/// Drops the test database, even when connections to it are still open.
struct DropDatabase {
    server: String,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let dropped = PgConnection::establish(&self.server).and_then(|mut admin| {
            admin
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))
        });
        if let Err(e) = dropped {
            eprintln!("could not drop test database {}: {e}", self.name);
        }
    }
}

/// The server tests create their databases on.
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_owned())
}

/// A database name no other test (of this or another process) uses.
fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "hiring_test_{}_{}_{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// `url` naming database `name` instead of its own.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[authority_start..]
        .find('/')
        .map_or(base.len(), |i| authority_start + i);
    format!("{}/{name}{query}", &base[..authority_end])
}

/// `url` with the password of its credentials left out, for messages.
pub fn without_password(url: &str) -> String {
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, rest)), Some((_, location))) if rest.contains('@') => {
            let credentials = &rest[..rest.len() - location.len() - 1];
            let user = credentials.split_once(':').map_or(credentials, |(u, _)| u);
            format!("{scheme}://{user}@{location}")
        }
        _ => url.to_owned(),
    }
}

/// The folder of the reports fixture (`crates/adapters/tests/fixtures/reports`), from any crate
/// of the workspace that includes this module.
pub fn reports_fixture_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../adapters/tests/fixtures/reports")
}

/// The rows of one file of the reports fixture, parsed by the domain rules.
pub fn reports_fixture_rows<E: hiring_domain::Record>(file: &str) -> Vec<E> {
    std::fs::read_to_string(reports_fixture_dir().join(file))
        .unwrap()
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            E::from_fields(&fields).unwrap_or_else(|e| panic!("{line}: {e:?}"))
        })
        .collect()
}
