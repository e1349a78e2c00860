//! Runs the synchronous use cases off the async workers.

use crate::error::ApiError;
use actix_web::web;
use std::future::Future;

/// Runs `f` on the blocking thread pool inside the caller's tracing span (so its logs carry the
/// request id). The work starts at once, before the returned future is awaited.
pub fn spawn_blocking_with_tracing<F, T>(f: F) -> impl Future<Output = Result<T, ApiError>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let span = tracing::Span::current();
    let work = web::block(move || span.in_scope(f));
    async move {
        work.await
            .map_err(|e| ApiError::Internal(format!("blocking task failed: {e}")))
    }
}
