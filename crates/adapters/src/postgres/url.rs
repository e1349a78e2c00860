//! PostgreSQL URLs without their passwords: what may be shown of a URL, the malformed URLs that
//! are refused before libpq reads them (libpq echoes the URL, or a piece of it, in some of its
//! parse errors), and the scrubbing of every message that comes back from libpq.

use std::borrow::Cow;

/// What replaces a password in a message.
const HIDDEN: &str = "***";

/// The pieces of a `postgres://` URL needed to show it without its password.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    scheme: &'a str,
    user: Option<&'a str>,
    /// `host[:port]`.
    address: &'a str,
    database: &'a str,
    query: &'a str,
}

impl<'a> UrlParts<'a> {
    pub(crate) fn parse(url: &'a str) -> Self {
        let (scheme, rest) = url.split_once("://").unwrap_or(("postgresql", url));
        // The last `@` ends the credentials even when an unescaped password holds `@`, `/` or
        // `?`: when in doubt, more is hidden.
        let (user, location) = match rest.rsplit_once('@') {
            Some((credentials, location)) => (
                Some(credentials.split_once(':').map_or(credentials, |(u, _)| u)),
                location,
            ),
            None => (None, rest),
        };
        let (path, query) = location.split_once('?').unwrap_or((location, ""));
        let (address, database) = path.split_once('/').unwrap_or((path, ""));
        Self {
            scheme,
            user: user.filter(|u| !u.is_empty()),
            address,
            database,
            query,
        }
    }

    /// The URL without the password (nor a `password` query parameter).
    pub(crate) fn redacted(&self) -> String {
        let user = self.user.map(|u| format!("{u}@")).unwrap_or_default();
        let params: Vec<String> = query_params(self.query)
            .filter(|(key, _)| !is_password_key(key))
            .map(|(key, value)| format!("{key}={value}"))
            .collect();
        let query = if params.is_empty() {
            String::new()
        } else {
            format!("?{}", params.join("&"))
        };
        format!(
            "{}://{user}{}/{}{query}",
            self.scheme, self.address, self.database
        )
    }

    /// `postgresql host:port/dbname`, with libpq's defaults filled in.
    pub(crate) fn description(&self) -> String {
        let address = if self.address.is_empty() {
            "localhost"
        } else {
            self.address
        };
        // `[::1]` and `host` lack a port; `[::1]:5432` and `host:5432` have one.
        let has_port = address
            .rsplit_once(':')
            .is_some_and(|(_, port)| !port.contains(']'));
        let port = if has_port { "" } else { ":5432" };
        let database = match (self.database, self.user) {
            ("", Some(user)) => user,
            ("", None) => "postgres",
            (database, _) => database,
        };
        format!("postgresql {address}{port}/{database}")
    }
}

/// The `key=value` pairs of a query string (without its `?`).
pub(crate) fn query_params(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|param| !param.is_empty())
        .map(|param| param.split_once('=').unwrap_or((param, "")))
}

/// libpq decodes the keys of the query too: `pass%77ord` is `password`.
fn is_password_key(key: &str) -> bool {
    decoded(key).eq_ignore_ascii_case("password")
}

/// Why `url` is refused before libpq sees it, or `None` when libpq may parse it. The reasons
/// never quote the URL: each of these makes libpq's own message quote it, or a piece of the
/// password, or read a piece of the password as the host or the database.
pub(crate) fn malformed(url: &str) -> Option<&'static str> {
    let Some(rest) = url
        .strip_prefix("postgres://")
        .or_else(|| url.strip_prefix("postgresql://"))
    else {
        return Some("a PostgreSQL URL starts with postgres:// or postgresql://");
    };
    if let Some(reason) = bad_percent_escape(url) {
        return Some(reason);
    }
    // libpq takes the credentials up to the first `@`, unless a `/` comes first; then the host
    // up to a `/` or `?`. Another `@` before the query means a user or password holding an
    // unescaped `@` or `/`, which libpq would read as part of the host or the database.
    let after_credentials = match rest.find(['@', '/']) {
        Some(end) if rest[end..].starts_with('@') => &rest[end + 1..],
        _ => rest,
    };
    let (location, query) = after_credentials
        .split_once('?')
        .unwrap_or((after_credentials, ""));
    if location.contains('@') {
        return Some(
            "the user or password holds an unescaped '@' or '/': percent-encode them (%40, %2F)",
        );
    }
    let host = location.split_once('/').map_or(location, |(host, _)| host);
    if host.matches('[').count() != host.matches(']').count() {
        return Some("unbalanced brackets around an IPv6 host address");
    }
    if query
        .split('&')
        .filter(|param| !param.is_empty())
        .any(|param| param.matches('=').count() != 1)
    {
        return Some("every query parameter must be one key=value pair");
    }
    None
}

/// libpq refuses (quoting the piece) a `%` not followed by two hexadecimal digits, and `%00`.
fn bad_percent_escape(url: &str) -> Option<&'static str> {
    let bytes = url.as_bytes();
    for (i, _) in url.match_indices('%') {
        let digits = bytes.get(i + 1..i + 3);
        match digits {
            Some([a, b]) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit() => {
                if *a == b'0' && *b == b'0' {
                    return Some("the URL holds %00, which PostgreSQL refuses");
                }
            }
            _ => {
                return Some(
                    "the URL holds an invalid percent escape: `%` must start two hexadecimal \
                     digits (write `%` itself as %25)",
                )
            }
        }
    }
    None
}

/// `message` (from libpq, or anything else that saw `url`) with every password `url` may hold
/// replaced by `***`: the password as libpq reads it and as the last `@` delimits it, each also
/// percent-decoded, and the values of `password` query parameters.
pub(crate) fn scrub(message: &str, url: &str) -> String {
    let mut secrets = secrets(url);
    // Longer first, so that a secret holding another is hidden whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut scrubbed = message.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        scrubbed = scrubbed.replace(secret.as_str(), HIDDEN);
    }
    scrubbed
}

/// Every reading of the passwords in `url`, raw and percent-decoded.
fn secrets(url: &str) -> Vec<String> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let mut raw: Vec<&str> = Vec::new();
    // As libpq reads it: up to the first `@`, unless a `/` comes first.
    if let Some(end) = rest.find(['@', '/']) {
        if rest[end..].starts_with('@') {
            raw.extend(rest[..end].split_once(':').map(|(_, password)| password));
        }
    }
    // Up to the last `@`.
    if let Some((credentials, _)) = rest.rsplit_once('@') {
        raw.extend(credentials.split_once(':').map(|(_, password)| password));
    }
    // Query parameters, wherever the `?` is.
    for (_, query) in rest.match_indices('?').map(|(i, _)| rest.split_at(i + 1)) {
        raw.extend(
            query_params(query)
                .filter(|(key, _)| is_password_key(key))
                .map(|(_, value)| value),
        );
    }
    let mut all: Vec<String> = raw.iter().map(|s| (*s).to_owned()).collect();
    all.extend(raw.iter().map(|s| decoded(s).into_owned()));
    all.sort();
    all.dedup();
    all
}

/// `text` percent-decoded; invalid escapes are kept as they are.
fn decoded(text: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy()
}

/// libpq's `connect_timeout`, in seconds, unless the URL sets its own: an unreachable server
/// fails fast.
const CONNECT_TIMEOUT_SECS: u32 = 3;

/// libpq's multi-line messages on one line.
pub(crate) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Adds `connect_timeout` to `url` unless it sets one.
pub(crate) fn with_connect_timeout(url: &str) -> String {
    let query = url.split_once('?').map_or("", |(_, query)| query);
    if query_params(query).any(|(key, _)| key == "connect_timeout") {
        url.to_owned()
    } else {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}connect_timeout={CONNECT_TIMEOUT_SECS}")
    }
}

/// The database a libpq connection error says does not exist (`database "x" does not exist`).
pub(crate) fn missing_database(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("database \"")?;
    let (name, after) = rest.split_once('"')?;
    after
        .trim_start()
        .starts_with("does not exist")
        .then_some(name)
}

/// `url` with its database replaced by `database` (for the server's maintenance database).
pub(crate) fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgresql", url));
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, format!("?{query}")),
        None => (rest, String::new()),
    };
    // The authority ends at the first `/` after the credentials (which may hold a `/`).
    let after_credentials = rest.rfind('@').map_or(0, |at| at + 1);
    let authority_end = rest[after_credentials..]
        .find('/')
        .map_or(rest.len(), |slash| after_credentials + slash);
    format!("{scheme}://{}/{database}{query}", &rest[..authority_end])
}

/// The database a URL names, percent-escapes decoded; empty when it names none.
pub(crate) fn database_name(url: &str) -> String {
    decoded(UrlParts::parse(url).database).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_drops_every_password() {
        let cases = [
            (
                "postgres://postgres:s3cret@127.0.0.1:5432/x",
                "postgres://postgres@127.0.0.1:5432/x",
            ),
            (
                "postgresql://u:p@ss/w?rd@db.example:6000/hiring?sslmode=require&password=two",
                "postgresql://u@db.example:6000/hiring?sslmode=require",
            ),
            ("postgres://localhost/db", "postgres://localhost/db"),
            ("postgres://u@h", "postgres://u@h/"),
            ("postgres://h/db?pass%77ord=x&a=b", "postgres://h/db?a=b"),
        ];
        for (url, shown) in cases {
            assert_eq!(UrlParts::parse(url).redacted(), shown, "{url}");
        }
    }

    #[test]
    fn description_names_host_port_and_database() {
        let cases = [
            (
                "postgres://postgres:pw@127.0.0.1:5432/hiring",
                "postgresql 127.0.0.1:5432/hiring",
            ),
            ("postgresql://db.example/x", "postgresql db.example:5432/x"),
            ("postgres://ann@[::1]", "postgresql [::1]:5432/ann"),
            ("postgres://[::1]:6543/y", "postgresql [::1]:6543/y"),
            ("postgres://", "postgresql localhost:5432/postgres"),
        ];
        for (url, description) in cases {
            assert_eq!(UrlParts::parse(url).description(), description, "{url}");
            assert!(!description.contains("pw"));
        }
    }

    #[test]
    fn urls_that_libpq_would_quote_or_misread_are_refused() {
        let refused = [
            "postgres://user:SECRETPW@[::1:5499/db",
            "postgres://user:SECRETPW@::1]:5499/db",
            "postgres://user:SEC%zzRET@host/db",
            "postgres://us%zer:SECRET@host/db",
            "postgres://user:SECRET%@host/db",
            "postgres://user:SEC%00RET@host/db",
            "postgres://user:SE@CRET@host/db",
            "postgres://user:SE/CRET@host/db",
            "postgres://host/db?password=SE%zzCRET",
            "postgres://host/db?password=SE=CRET",
            "postgres://host/db?SECRET",
            "POSTGRES://user:SECRET@host/db",
            "postgres:/user:SECRET@host/db",
        ];
        for url in refused {
            assert!(malformed(url).is_some(), "{url}");
        }
        let accepted = [
            "postgres://postgres@127.0.0.1:5432/postgres",
            "postgresql://user:SE%40CR%2FET@[::1]:5432/db?sslmode=disable&connect_timeout=3",
            "postgres://user:pa:ss@host/db",
            "postgres://user:pa?ss@host/db",
            "postgres://user:SEC RET@host/db",
            "postgres://",
            "postgres:///db?host=/tmp",
            "postgres://h1:5432,h2:5433/db",
        ];
        for url in accepted {
            assert_eq!(malformed(url), None, "{url}");
        }
    }

    #[test]
    fn scrubbing_hides_every_reading_of_the_password() {
        let url = "postgres://user:SE%40CRET@host/db?password=OTHER%21";
        let message = "x \"postgres://user:SE%40CRET@host/db?password=OTHER%21\" SE@CRET OTHER!";
        let scrubbed = scrub(message, url);
        for secret in ["SE%40CRET", "SE@CRET", "OTHER%21", "OTHER!"] {
            assert!(!scrubbed.contains(secret), "{scrubbed}");
        }
        assert!(
            scrubbed.contains("postgres://user:***@host/db"),
            "{scrubbed}"
        );
        // An unescaped `@` in the password: both readings are hidden.
        let url = "postgres://u:pa@ss@host/db";
        assert_eq!(scrub("pa@ss and pa", url), "*** and ***");
        assert_eq!(scrub("nothing", "postgres://u@host/db"), "nothing");
    }

    #[test]
    fn connect_timeout_is_added_once() {
        assert_eq!(
            with_connect_timeout("postgres://h/db"),
            "postgres://h/db?connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?sslmode=disable"),
            "postgres://h/db?sslmode=disable&connect_timeout=3"
        );
        assert_eq!(
            with_connect_timeout("postgres://h/db?connect_timeout=9"),
            "postgres://h/db?connect_timeout=9"
        );
    }

    #[test]
    fn libpq_messages_fit_on_one_line() {
        assert_eq!(
            one_line("connection failed: refused\n\tIs the server running?\n"),
            "connection failed: refused Is the server running?"
        );
    }

    #[test]
    fn a_missing_database_is_recognised_in_libpq_messages() {
        assert_eq!(
            missing_database("connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  database \"hiring_x\" does not exist"),
            Some("hiring_x")
        );
        assert_eq!(missing_database("FATAL:  role \"x\" does not exist"), None);
        assert_eq!(missing_database("connection refused"), None);
    }

    #[test]
    fn the_database_of_a_url_can_be_swapped() {
        assert_eq!(
            with_database("postgres://u:p@h:5432/hiring?sslmode=disable", "postgres"),
            "postgres://u:p@h:5432/postgres?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://u:p/w@h/db", "postgres"),
            "postgres://u:p/w@h/postgres"
        );
        assert_eq!(
            with_database("postgresql://h", "postgres"),
            "postgresql://h/postgres"
        );
        assert_eq!(database_name("postgres://h/my%20db?x=1"), "my db");
    }
}
