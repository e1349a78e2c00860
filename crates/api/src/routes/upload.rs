//! `POST /api/v1/{table}/upload`: a whole historical CSV file through the migration use case,
//! streamed from the request to the loader without holding the file in memory.

use super::problems::{problems, NO_TOKEN};
use super::request::{self, BodyFormat};
use crate::audit;
use crate::blocking::spawn_blocking_with_tracing;
use crate::dto::{TableName, UploadSummary};
use crate::error::ApiError;
use crate::metrics::{EntryPoint, RowCounts};
use crate::middleware::{Caller, RequestId};
use crate::state::AppState;
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use futures_util::{Stream, StreamExt};
use hiring_domain::Table;
use hiring_ports::idempotency::IdempotencyKey;
use hiring_ports::migrate::{binary_kind, LoadError, LoadOptions, TableSummary};
use hiring_ports::migrate_run::{RunEnd, RunHooks, RunReport, Source};
use hiring_ports::runs::{self, NewRun, RunKind};
use hiring_ports::Repositories;
use std::io::{Read, Seek, Write};
use std::time::Instant;
use tokio::sync::mpsc;

/// Chunks of the body in flight between the request and the loader.
const CHUNKS_IN_FLIGHT: usize = 16;

problems!(UploadProblems {
    400 => "The body is not CSV text or could not be read, or a malformed Idempotency-Key",
    401 => NO_TOKEN,
    404 => "Unknown table",
    415 => "Not text/csv",
    503 => "Database unavailable; batches committed before stay stored",
});

/// Upload a whole CSV file.
///
/// Loads a headerless CSV file of any size into the table, exactly like `hiring migrate`:
/// batches of 10,000 rows, each with its rejects in one transaction; rows already stored with
/// the same content count as already present.
///
/// Rejects are logged with the source `api <request id> upload:<line>`, or with an
/// `Idempotency-Key` header `api key <key> upload:<line>`: sending the whole file again with
/// the same key after an upload was cut short completes it (rows stored by the first attempt
/// count as already present) without logging any reject twice.
#[utoipa::path(
    post,
    path = "/api/v1/{table}/upload",
    tag = "ingest",
    params(
        ("table" = TableName, Path, description = "departments, jobs or hired_employees"),
        ("Idempotency-Key" = Option<String>, Header, description = "Names the upload in the reject log instead of the request id, so that a retry of the same file logs no reject twice: 1 to 255 visible ASCII characters, bare or in double quotes", min_length = 1, max_length = 255, pattern = "^[!-~]+$"),
    ),
    request_body(
        description = "A whole CSV file in the historical format: headerless, or with a first line that is exactly the table's column names (skipped)",
        content((String = "text/csv")),
    ),
    responses(
        (status = 200, description = "The file was loaded; the summary of the table", body = UploadSummary),
        UploadProblems,
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
    let table = request::table(&path)?;
    BodyFormat::of(&req, &[BodyFormat::Csv], "text/csv")?;
    let key = super::idempotency::key(&req)?;
    let source = UploadSource::new(&request_id, key.as_ref());
    let summary = load_streamed(&req, &state, table, &source, payload).await?;
    Ok(HttpResponse::Ok().json(summary))
}

/// An upload as the reject log names it: `api <request id> upload`, or `api key <key> upload`
/// when the client sent an idempotency key, so that the rejects of a retry (same key, same
/// lines) are the ones already logged.
#[derive(Debug, Clone)]
pub(crate) struct UploadSource {
    name: String,
    keyed: bool,
}

impl UploadSource {
    pub(crate) fn new(request_id: &RequestId, key: Option<&IdempotencyKey>) -> Self {
        match key {
            Some(key) => Self {
                name: format!("api key {key} upload"),
                keyed: true,
            },
            None => Self {
                name: format!("api {request_id} upload"),
                keyed: false,
            },
        }
    }
}

/// Streams `body`, a headerless CSV file, through the migration use case into `table`, chunk
/// by chunk: the file is never held in memory.
pub(crate) async fn load_streamed<S, E>(
    req: &HttpRequest,
    state: &AppState,
    table: Table,
    source: &UploadSource,
    body: S,
) -> Result<UploadSummary, ApiError>
where
    S: Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let repos = state.repos.clone();
    let source = source.clone();
    let run = NewRun::new(
        RunKind::Upload,
        &actor(req),
        &format!("{table}: {}", source.name),
    );
    let loaded = feed_blocking(body, move |reader| {
        load(&repos, table, reader, &source, &run)
    })
    .await??;
    if let Ok(summary) = &loaded {
        count_rows(state, EntryPoint::Upload, summary);
    }
    noted(req, loaded)
}

/// Counts the rows of one table loaded, for `GET /metrics`.
fn count_rows(state: &AppState, entry_point: EntryPoint, summary: &TableSummary) {
    let counts = RowCounts {
        inserted: summary.inserted,
        rejected: summary.rejected,
        already_present: summary.already_present,
    };
    state
        .metrics
        .record_rows(&summary.table.to_string(), entry_point, counts);
}

/// Who sent the request, as the load history names them: the token's name.
fn actor(req: &HttpRequest) -> String {
    req.extensions()
        .get::<Caller>()
        .map_or_else(|| "anonymous".to_owned(), |caller| caller.name.clone())
}

/// Loads `sources` as one run of the history (an upload), tagging its rejects with the run.
fn load_run<R: Read>(
    repos: &Repositories,
    run: &NewRun,
    sources: Vec<Source<R>>,
    source: &UploadSource,
) -> Result<RunReport, ApiError> {
    runs::load_as_run(repos, LoadOptions::default(), run, sources, source)
        .map_err(ApiError::Storage)
}

/// Loads files spooled by [`spool`] like [`load_streamed`], through one migration run:
/// parents first, stopping at the first that fails (those loaded before stay stored). The
/// summaries parents first; each file loaded, and the one that failed, is noted for the audit
/// trail.
pub(crate) async fn load_spooled(
    req: &HttpRequest,
    state: &AppState,
    source: &UploadSource,
    files: Vec<(Table, std::fs::File)>,
) -> Result<Vec<UploadSummary>, ApiError> {
    let repos = state.repos.clone();
    let source = source.clone();
    let run = NewRun::new(
        RunKind::Upload,
        &actor(req),
        &format!("form: {}", source.name),
    );
    let report = spawn_blocking_with_tracing(move || {
        let sources = files
            .into_iter()
            .map(|(table, file)| Source::new(table, source.name.clone(), file))
            .collect();
        load_run(&repos, &run, sources, &source)
    })
    .await??;
    for summary in &report.summaries {
        audit::note(req, summary);
        count_rows(state, EntryPoint::LegacyUpload, summary);
    }
    if let RunEnd::Failed { error, .. } = report.end {
        audit::note(req, &error);
        return Err(error.into());
    }
    Ok(report
        .summaries
        .into_iter()
        .map(UploadSummary::from)
        .collect())
}

/// Notes what a load did for the audit trail: its summary, or what it committed before it
/// failed.
fn noted(
    req: &HttpRequest,
    loaded: Result<TableSummary, LoadError>,
) -> Result<UploadSummary, ApiError> {
    match &loaded {
        Ok(summary) => audit::note(req, summary),
        Err(error) => audit::note(req, error),
    }
    Ok(UploadSummary::from(loaded?))
}

/// Runs the migration use case on `input`, as one run of the history.
fn load<R: Read>(
    repos: &Repositories,
    table: Table,
    input: R,
    source: &UploadSource,
    run: &NewRun,
) -> Result<Result<TableSummary, LoadError>, ApiError> {
    let sources = vec![Source::new(table, source.name.clone(), input)];
    let mut report = load_run(repos, run, sources, source)?;
    if let RunEnd::Failed { error, .. } = report.end {
        return Ok(Err(error));
    }
    let summary = report.summaries.pop();
    summary
        .map(Ok)
        .ok_or_else(|| ApiError::Internal("an upload ended without a summary".into()))
}

/// A load cut short (the body broke off, the client went away, the server stopped, storage
/// failed) logs one WARN line with what it committed: loads run on a blocking thread, so it
/// logs even when the request is gone.
fn warn_if_cut_short(result: &Result<TableSummary, LoadError>, source: &UploadSource) {
    let (summary, reason) = match result {
        Err(LoadError::Interrupted { summary, message }) => (summary, message.clone()),
        Err(LoadError::Storage { summary, error }) => (summary, error.to_string()),
        _ => return,
    };
    let retry = if source.keyed {
        "send the whole file again with the same Idempotency-Key to complete it: stored rows count as already present and no reject is logged twice"
    } else {
        "send the whole file again to complete it (sent with an Idempotency-Key header, a retry logs no reject twice)"
    };
    tracing::warn!(
        table = %summary.table,
        source = %summary.source,
        inserted = summary.inserted,
        already_present = summary.already_present,
        rejected = summary.rejected,
        %reason,
        retry,
        "upload interrupted; the counts are what it committed"
    );
}

/// Each file of a run of uploaded files warns like a single upload when it is cut short.
impl<R> RunHooks<R> for UploadSource {
    fn finished(&self, _: Table, loaded: &Result<TableSummary, LoadError>, _: Instant) {
        warn_if_cut_short(loaded, self);
    }
}

/// Bytes of the start of a spooled file given to the migration's binary check (as many as the
/// migration's reader holds when it makes the check).
const SNIFFED_BYTES: usize = 64 * 1024;

/// A file spooled by [`spool`].
pub(crate) struct Spooled {
    /// The file, rewound.
    pub(crate) file: std::fs::File,
    /// Why the migration would refuse it as evidently not text, if it would
    /// ([`binary_kind`] of its start).
    pub(crate) not_text: Option<&'static str>,
}

/// Copies `body` into an anonymous temporary file (removed when dropped), chunk by chunk, for
/// a file to be checked, or to wait for others, before it is loaded.
pub(crate) async fn spool<S, E>(body: S) -> Result<Spooled, ApiError>
where
    S: Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    feed_blocking(body, |mut reader| {
        let internal = |e: std::io::Error| ApiError::Internal(format!("spooling an upload: {e}"));
        let mut file = tempfile::tempfile().map_err(internal)?;
        let mut head = Vec::new();
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let n = reader
                .read(&mut buffer)
                .map_err(|e| ApiError::BadRequest(format!("the upload could not be read: {e}")))?;
            if n == 0 {
                break;
            }
            let wanted = SNIFFED_BYTES.saturating_sub(head.len()).min(n);
            head.extend_from_slice(&buffer[..wanted]);
            file.write_all(&buffer[..n]).map_err(internal)?;
        }
        file.rewind().map_err(internal)?;
        Ok(Spooled {
            file,
            not_text: binary_kind(&head),
        })
    })
    .await?
}

/// Runs `consume` on the blocking pool with a reader of `body`, sending it the chunks as they
/// arrive (at most [`CHUNKS_IN_FLIGHT`] waiting). A failed chunk is a read error of the reader,
/// and so is a body that stops before its end because this future was dropped (the client went
/// away, the server stopped): only a body read to its end ends the reader's input. When
/// `consume` stops reading early, the rest of `body` is left unread.
async fn feed_blocking<S, E, T, F>(mut body: S, consume: F) -> Result<T, ApiError>
where
    S: Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
    F: FnOnce(ChannelReader) -> T + Send + 'static,
    T: Send + 'static,
{
    let (sender, receiver) = mpsc::channel(CHUNKS_IN_FLIGHT);
    let work = spawn_blocking_with_tracing(move || consume(ChannelReader::new(receiver)));
    loop {
        let chunk = match body.next().await {
            Some(Ok(bytes)) => Ok(Some(bytes)),
            Some(Err(e)) => Err(std::io::Error::other(e.to_string())),
            None => Ok(None),
        };
        let last = !matches!(chunk, Ok(Some(_)));
        // A closed channel means the reader stopped early (not CSV, storage failure).
        if sender.send(chunk).await.is_err() || last {
            break;
        }
    }
    drop(sender);
    work.await
}

/// A piece of the body, `None` once it was read to its end.
type Chunk = Result<Option<web::Bytes>, std::io::Error>;

/// Reads the chunks sent by the request handler, blocking while none is there.
struct ChannelReader {
    receiver: mpsc::Receiver<Chunk>,
    current: web::Bytes,
    ended: bool,
}

impl ChannelReader {
    fn new(receiver: mpsc::Receiver<Chunk>) -> Self {
        Self {
            receiver,
            current: web::Bytes::new(),
            ended: false,
        }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            if self.ended {
                return Ok(0);
            }
            match self.receiver.blocking_recv() {
                Some(Ok(Some(chunk))) => self.current = chunk,
                Some(Ok(None)) => self.ended = true,
                Some(Err(e)) => return Err(e),
                // The sender is gone before the end: the body was cut off.
                None => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the request ended before its body did",
                    ))
                }
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
    fn the_reader_joins_chunks_and_ends_at_the_end_of_the_body() {
        let (sender, receiver) = mpsc::channel(8);
        for part in ["1,Sa", "", "les\n2,Legal"] {
            sender
                .try_send(Ok(Some(web::Bytes::from_static(part.as_bytes()))))
                .unwrap();
        }
        sender.try_send(Ok(None)).unwrap();
        drop(sender);
        let mut reader = ChannelReader::new(receiver);
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        assert_eq!(text, "1,Sales\n2,Legal");
        assert_eq!(reader.read(&mut [0; 8]).unwrap(), 0);
    }

    #[test]
    fn a_body_whose_sender_is_gone_before_its_end_is_cut_off() {
        let (sender, receiver) = mpsc::channel(4);
        sender
            .try_send(Ok(Some(web::Bytes::from_static(b"1,Sales\n2,Le"))))
            .unwrap();
        drop(sender);
        let mut read = Vec::new();
        let err = ChannelReader::new(receiver)
            .read_to_end(&mut read)
            .unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
        assert_eq!(read, b"1,Sales\n2,Le");
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
