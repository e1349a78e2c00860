//! `POST /api/v1/{table}/upload`: a whole historical CSV file through the migration use case,
//! streamed from the request to the loader without holding the file in memory.

use super::BodyFormat;
use crate::blocking::spawn_blocking_with_tracing;
use crate::dto::{TableName, UploadSummary};
use crate::error::{ApiError, Problem};
use crate::middleware::RequestId;
use crate::startup::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::{Stream, StreamExt};
use hiring_domain::Table;
use hiring_ports::migrate::{LoadOptions, Migration};
use std::io::{Read, Seek, Write};
use tokio::sync::mpsc;

/// Chunks of the body in flight between the request and the loader.
const CHUNKS_IN_FLIGHT: usize = 16;

/// Loads a headerless CSV file of any size into the table, exactly like `hiring migrate`:
/// batches of 10,000 rows, each with its rejects in one transaction; rows already stored with
/// the same content count as already present.
#[utoipa::path(
    post,
    path = "/api/v1/{table}/upload",
    tag = "ingest",
    params(("table" = TableName, Path, description = "departments, jobs or hired_employees")),
    request_body(
        description = "A whole headerless CSV file in the historical format",
        content((String = "text/csv")),
    ),
    responses(
        (status = 200, description = "The file was loaded; the summary of the table", body = UploadSummary),
        (status = 400, description = "The body is not CSV text or could not be read", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid bearer token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown table", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Database unavailable; batches committed before stay stored", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = [])),
)]
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    request_id: RequestId,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let table = super::table(&path)?;
    BodyFormat::of(&req, &[BodyFormat::Csv], "text/csv")?;
    let summary = load_streamed(&state, table, &request_id, payload).await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// The name an upload has in the reject log.
fn source_of(request_id: &RequestId) -> String {
    format!("api {request_id} upload")
}

/// Streams `body`, a headerless CSV file, through the migration use case into `table`, chunk
/// by chunk: the file is never held in memory.
pub(crate) async fn load_streamed<S, E>(
    state: &AppState,
    table: Table,
    request_id: &RequestId,
    body: S,
) -> Result<UploadSummary, ApiError>
where
    S: Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let repos = state.repos.clone();
    let source = source_of(request_id);
    let summary = feed_blocking(body, move |reader| {
        Migration::new(&repos, LoadOptions::default()).load(table, reader, &source, &())
    })
    .await??;
    Ok(UploadSummary::from(summary))
}

/// Loads a file spooled by [`spool`] like [`load_streamed`].
pub(crate) async fn load_spooled(
    state: &AppState,
    table: Table,
    request_id: &RequestId,
    file: std::fs::File,
) -> Result<UploadSummary, ApiError> {
    let repos = state.repos.clone();
    let source = source_of(request_id);
    let summary = spawn_blocking_with_tracing(move || {
        Migration::new(&repos, LoadOptions::default()).load(table, file, &source, &())
    })
    .await??;
    Ok(UploadSummary::from(summary))
}

/// Copies `body` into an anonymous temporary file (removed when dropped), chunk by chunk, for
/// a file that must wait for others to be loaded first.
pub(crate) async fn spool<S, E>(body: S) -> Result<std::fs::File, ApiError>
where
    S: Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    feed_blocking(body, |mut reader| {
        let internal = |e: std::io::Error| ApiError::Internal(format!("spooling an upload: {e}"));
        let mut file = tempfile::tempfile().map_err(internal)?;
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let n = reader
                .read(&mut buffer)
                .map_err(|e| ApiError::BadRequest(format!("the upload could not be read: {e}")))?;
            if n == 0 {
                break;
            }
            file.write_all(&buffer[..n]).map_err(internal)?;
        }
        file.rewind().map_err(internal)?;
        Ok(file)
    })
    .await?
}

/// Runs `consume` on the blocking pool with a reader of `body`, sending it the chunks as they
/// arrive (at most [`CHUNKS_IN_FLIGHT`] waiting). A failed chunk is a read error of the reader;
/// when `consume` stops reading early, the rest of `body` is left unread.
async fn feed_blocking<S, E, T, F>(mut body: S, consume: F) -> Result<T, ApiError>
where
    S: Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
    F: FnOnce(ChannelReader) -> T + Send + 'static,
    T: Send + 'static,
{
    let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let work = spawn_blocking_with_tracing(move || consume(ChannelReader::new(receiver)));
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| std::io::Error::other(e.to_string()));
        let failed = chunk.is_err();
        // A closed channel means the reader stopped early (not CSV, storage failure).
        if sender.send(chunk).await.is_err() || failed {
            break;
        }
    }
    drop(sender);
    work.await
}

type Chunk = Result<web::Bytes, std::io::Error>;

/// Reads the chunks sent by the request handler, blocking while none is there.
struct ChannelReader {
    receiver: mpsc::Receiver<Chunk>,
    current: web::Bytes,
}

impl ChannelReader {
    fn new(receiver: mpsc::Receiver<Chunk>) -> Self {
        Self {
            receiver,
            current: web::Bytes::new(),
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.receiver.blocking_recv() {
                Some(chunk) => self.current = chunk?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_joins_chunks_and_ends_when_the_sender_is_gone() {
        let (sender, receiver) = mpsc::channel(4);
        for part in ["1,Sa", "", "les\n2,Legal"] {
            sender
                .try_send(Ok(web::Bytes::from_static(part.as_bytes())))
                .unwrap();
        }
        drop(sender);
        let mut text = String::new();
        ChannelReader::new(receiver)
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "1,Sales\n2,Legal");
    }

    #[test]
    fn a_failed_chunk_is_a_read_error() {
        let (sender, receiver) = mpsc::channel(1);
        sender
            .try_send(Err(std::io::Error::other("client went away")))
            .unwrap();
        let err = ChannelReader::new(receiver).read(&mut [0; 8]).unwrap_err();
        assert_eq!(err.to_string(), "client went away");
    }
}
