//! Bodies that arrive too slowly. Every request body is read through [`PacedBody`], which gives
//! up on a body whose client stops sending (idle for `api.body_idle_timeout`) or dribbles it
//! (under `api.body_min_rate` bytes per second on average, once the server has waited
//! `api.body_idle_timeout` for it in all). [`pace_bodies`] puts it on every request and turns a
//! give-up into a 408 answer that closes the connection, whatever the handler made of the
//! failed read. Buffered bodies also have a deadline for the whole body ([`crate::routes`]).
//!
//! Only the time the server spends waiting for the client counts: while a handler is busy (an
//! upload waiting for the database), the body is not read and no clock runs against it.

use crate::error::ApiError;
use crate::slow_body::SlowBody;
use crate::state::AppState;
use crate::ApiConfig;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::rt::time::{sleep_until, Instant, Sleep};
use actix_web::web::Bytes;
use actix_web::{web, HttpMessage, ResponseError};
use futures_util::Stream;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

/// The pace rules a body must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pace {
    /// Longest wait for the next bytes; also the waiting allowed before the rate counts.
    pub idle: Duration,
    /// Slowest average, in bytes per second of waiting; 0: no rate rule.
    pub min_rate: u64,
}

impl Pace {
    pub(crate) fn of(config: &ApiConfig) -> Self {
        Self {
            idle: config.body_idle_timeout,
            min_rate: config.body_min_rate,
        }
    }
}

/// A body read under a [`Pace`]: once a rule is broken it yields one timed-out read error, ends,
/// and records why in `verdict`.
pub(crate) struct PacedBody<S> {
    inner: S,
    pace: Pace,
    /// Bytes received so far.
    received: u64,
    /// Time spent waiting for the client, waits in progress excluded.
    waited: Duration,
    /// When the wait in progress began.
    waiting_since: Option<Instant>,
    /// Fires when the wait in progress breaks a rule (made at the first wait).
    timer: Option<Pin<Box<Sleep>>>,
    verdict: Rc<Cell<Option<SlowBody>>>,
}

impl<S> PacedBody<S> {
    pub(crate) fn new(inner: S, pace: Pace, verdict: Rc<Cell<Option<SlowBody>>>) -> Self {
        Self {
            inner,
            pace,
            received: 0,
            waited: Duration::ZERO,
            waiting_since: None,
            timer: None,
            verdict,
        }
    }

    /// When a wait that began at `since` breaks a rule, and which.
    fn deadline(&self, since: Instant) -> (Instant, SlowBody) {
        let idle = (since + self.pace.idle, SlowBody::Idle(self.pace.idle));
        if self.pace.min_rate == 0 {
            return idle;
        }
        // The rate rule is broken once the total wait passes both the grace (the idle timeout)
        // and the time the bytes received would take at the minimum rate.
        let earned = Duration::from_secs_f64(self.received as f64 / self.pace.min_rate as f64);
        let allowed = earned.max(self.pace.idle);
        let rate = since + allowed.saturating_sub(self.waited);
        if rate < idle.0 {
            (rate, SlowBody::Rate(self.pace.min_rate))
        } else {
            idle
        }
    }
}

impl<S> Stream for PacedBody<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.verdict.get().is_some() {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(item) => {
                if let Some(since) = this.waiting_since.take() {
                    this.waited += since.elapsed();
                }
                if let Some(Ok(chunk)) = &item {
                    this.received += chunk.len() as u64;
                }
                Poll::Ready(item)
            }
            Poll::Pending => {
                let since = *this.waiting_since.get_or_insert_with(Instant::now);
                let (at, broken) = this.deadline(since);
                let timer = this.timer.get_or_insert_with(|| Box::pin(sleep_until(at)));
                if timer.deadline() != at {
                    timer.as_mut().reset(at);
                }
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.verdict.set(Some(broken));
                        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            broken.to_string(),
                        )))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

/// Reads every request body through a [`PacedBody`]. When it gave up, the answer is a 408
/// problem that closes the connection, whatever the handler answered after its failed read
/// (a batch, or an upload whose batches committed before stay stored).
pub async fn pace_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(pace) = req
        .app_data::<web::Data<AppState>>()
        .map(|state| Pace::of(&state.config))
    else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let verdict = Rc::new(Cell::new(None));
    let body = PacedBody::new(req.take_payload(), pace, Rc::clone(&verdict));
    req.set_payload(Payload::Stream {
        payload: Box::pin(body),
    });
    let response = next.call(req).await?;
    match verdict.get() {
        Some(slow) => {
            tracing::warn!(
                reason = %slow,
                "gave up on a slow request body and closed the connection; anything an upload committed before stays stored"
            );
            let answer = ApiError::SlowBody(slow).error_response();
            Ok(response.into_response(answer))
        }
        None => Ok(response.map_into_boxed_body()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(pace: Pace) -> PacedBody<futures_util::stream::Empty<Result<Bytes, PayloadError>>> {
        PacedBody::new(futures_util::stream::empty(), pace, Rc::default())
    }

    #[test]
    fn the_rate_rule_starts_after_the_grace_and_follows_the_bytes() {
        let pace = Pace {
            idle: Duration::from_secs(10),
            min_rate: 100,
        };
        let now = Instant::now();
        let mut paced = body(pace);
        assert_eq!(
            paced.deadline(now),
            (now + Duration::from_secs(10), SlowBody::Idle(pace.idle))
        );
        // 8 s of waiting behind it and 300 bytes (3 s worth): 2 s of grace are left.
        paced.waited = Duration::from_secs(8);
        paced.received = 300;
        assert_eq!(
            paced.deadline(now),
            (now + Duration::from_secs(2), SlowBody::Rate(100))
        );
        // 1,500 bytes earned 15 s of waiting: 7 s left, less than the idle timeout.
        paced.received = 1500;
        assert_eq!(
            paced.deadline(now),
            (now + Duration::from_secs(7), SlowBody::Rate(100))
        );
        // Far ahead: only the idle timeout counts.
        paced.received = 1_000_000;
        assert_eq!(paced.deadline(now).1, SlowBody::Idle(pace.idle));
        // Already behind: at once.
        paced.received = 0;
        paced.waited = Duration::from_secs(20);
        assert_eq!(paced.deadline(now), (now, SlowBody::Rate(100)));
        // No rate rule.
        let mut free = body(Pace {
            min_rate: 0,
            ..pace
        });
        free.waited = Duration::from_secs(60);
        assert_eq!(free.deadline(now).1, SlowBody::Idle(pace.idle));
    }
}
