//! Creating the database a URL names, on a server that lacks it.

use super::url::{database_name, one_line, scrub, with_connect_timeout, with_database, UrlParts};
use crate::open_error::OpenError;
use diesel::connection::SimpleConnection;
use diesel::sql_types::{Bool, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

/// The server's own database, which every PostgreSQL server has, to connect to for `CREATE
/// DATABASE`.
const MAINTENANCE_DATABASE: &str = "postgres";

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

/// Creates the database `url` names when the server lacks it, connecting to the server's
/// `postgres` database for that (the URL's user needs the `CREATEDB` privilege). Returns whether
/// it was created; an existing database is left as it is. Messages never show the password.
pub fn create_database(url: &str) -> Result<bool, OpenError> {
    let fail = |reason: &str| OpenError::Postgres {
        url: scrub(&UrlParts::parse(url).redacted(), url),
        reason: scrub(&one_line(reason), url),
    };
    if let Some(reason) = super::url::malformed(url) {
        return Err(fail(&format!("malformed URL: {reason}")));
    }
    let name = database_name(url);
    if name.is_empty() {
        return Err(fail("the URL names no database to create"));
    }
    let server = with_connect_timeout(&with_database(url, MAINTENANCE_DATABASE));
    let mut conn = PgConnection::establish(&server).map_err(|e| fail(&e.to_string()))?;
    let found =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<Text, _>(&name)
            .get_result::<Exists>(&mut conn)
            .map_err(|e| fail(&e.to_string()))?;
    if found.exists {
        return Ok(false);
    }
    match conn.batch_execute(&format!("CREATE DATABASE {}", quoted(&name))) {
        Ok(()) => Ok(true),
        // Another process created it in between.
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("already exists") =>
        {
            Ok(false)
        }
        Err(e) => Err(fail(&e.to_string())),
    }
}

/// `name` as an SQL identifier.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quoted("hiring"), "\"hiring\"");
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
    }
}
