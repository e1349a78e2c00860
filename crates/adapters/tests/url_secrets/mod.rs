//! A PostgreSQL URL's password never reaches an error, whatever is wrong with the URL: not in
//! its `Display`, not in its `Debug`.

#[path = "cases.rs"]
mod cases;

use cases::CASES;

#[test]
fn no_error_of_a_bad_postgres_url_shows_its_password() {
    for (url, secrets) in CASES {
        let errors = [
            hiring_adapters::open(url)
                .err()
                .map(|e| (e.to_string(), format!("{e:?}"))),
            hiring_adapters::PgStore::open(url)
                .err()
                .map(|e| (e.to_string(), format!("{e:?}"))),
        ];
        for error in errors {
            let (display, debug) = error.unwrap_or_else(|| panic!("{url} opened"));
            for secret in *secrets {
                assert!(!display.contains(secret), "{url}: {display}");
                assert!(!debug.contains(secret), "{url}: {debug}");
            }
        }
    }
}
