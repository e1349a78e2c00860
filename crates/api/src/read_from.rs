//! The headers that say where a read was served from when the server has a read replica:
//! `Read-From: replica` with `Replica-Lag-Ms` (how far behind its primary it was), or
//! `Read-From: primary` when the replica was skipped (`/health` says why). Without a replica
//! no such header is sent.

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::HttpResponse;
use hiring_ports::replica::ReadSource;

/// `replica` or `primary`.
pub const READ_FROM: &str = "read-from";
/// The replica's lag in whole milliseconds, when it served the read.
pub const REPLICA_LAG_MS: &str = "replica-lag-ms";

/// Adds to `response` the headers that say where it was read.
pub(crate) fn mark(mut response: HttpResponse, source: &ReadSource) -> HttpResponse {
    let headers = response.headers_mut();
    let read_from = HeaderName::from_static(READ_FROM);
    match source {
        ReadSource::Primary => {}
        ReadSource::Replica { lag } => {
            headers.insert(read_from, HeaderValue::from_static("replica"));
            let millis = u64::try_from(lag.as_millis()).unwrap_or(u64::MAX);
            headers.insert(HeaderName::from_static(REPLICA_LAG_MS), millis.into());
        }
        ReadSource::ReplicaSkipped { .. } => {
            headers.insert(read_from, HeaderValue::from_static("primary"));
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn headers(source: ReadSource) -> Vec<(String, String)> {
        let response = mark(HttpResponse::Ok().finish(), &source);
        let mut headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        headers.sort();
        headers
    }

    #[test]
    fn the_headers_say_where_the_read_was_served() {
        assert!(headers(ReadSource::Primary).is_empty());
        assert_eq!(
            headers(ReadSource::Replica {
                lag: Duration::from_micros(12_700)
            }),
            [
                ("read-from".to_owned(), "replica".to_owned()),
                ("replica-lag-ms".to_owned(), "12".to_owned())
            ]
        );
        assert_eq!(
            headers(ReadSource::ReplicaSkipped {
                reason: "down".to_owned()
            }),
            [("read-from".to_owned(), "primary".to_owned())]
        );
    }
}
