//! Why the server gave up on a request body: the failure that [`crate::pacing`] and the buffered
//! body reader report, and that [`crate::ApiError`] answers with 408.

use std::time::Duration;

/// Why the server gave up on a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SlowBody {
    /// A buffered body did not arrive whole in time.
    #[error("the body did not arrive whole within {} s", .0.as_secs_f64())]
    Deadline(Duration),
    /// No bytes of the body came for this long.
    #[error("no bytes of the body came for {} s", .0.as_secs_f64())]
    Idle(Duration),
    /// The body came slower than this many bytes per second on average.
    #[error("the body came slower than {0} bytes per second")]
    Rate(u64),
}
