//! A request to stop a long operation between two of its steps (Ctrl-C in the command line).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Shared by the one who may ask for a stop (a signal handler) and the operation, which looks
/// at it between batches. Clones share the flag; two flags are equal when they are the same.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag nobody has raised.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the operation to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// True once a stop was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl PartialEq for Cancel {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Cancel {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_sees_the_stop_and_is_the_same_flag() {
        let flag = Cancel::new();
        let seen = flag.clone();
        assert!(!seen.is_cancelled());
        flag.cancel();
        assert!(seen.is_cancelled());
        assert_eq!(flag, seen);
        assert_ne!(flag, Cancel::new());
    }
}
