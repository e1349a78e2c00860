/// The most rows one API request may carry.
pub const MAX_BATCH_ROWS: usize = 1000;

/// Between 1 and [`MAX_BATCH_ROWS`] items, in the order received.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch<T>(Vec<T>);

/// Why a list of rows is not a [`Batch`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// No rows at all.
    #[error("a batch needs at least 1 row, got none")]
    Empty,
    /// More rows than [`MAX_BATCH_ROWS`].
    #[error("a batch holds at most {max} rows, got {len}")]
    TooLarge {
        /// Rows received.
        len: usize,
        /// The limit.
        max: usize,
    },
}

impl<T> Batch<T> {
    /// Checks the size limits.
    pub fn new(rows: Vec<T>) -> Result<Self, BatchError> {
        match rows.len() {
            0 => Err(BatchError::Empty),
            len if len > MAX_BATCH_ROWS => Err(BatchError::TooLarge {
                len,
                max: MAX_BATCH_ROWS,
            }),
            _ => Ok(Self(rows)),
        }
    }

    /// Number of rows (1 to [`MAX_BATCH_ROWS`]).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The rows.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }

    /// Gives the rows back.
    pub fn into_inner(self) -> Vec<T> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_holds_one_to_a_thousand_rows() {
        assert_eq!(Batch::new(vec![1]).unwrap().len(), 1);
        assert_eq!(Batch::new(vec![0u8; MAX_BATCH_ROWS]).unwrap().len(), 1000);
        assert_eq!(Batch::<u8>::new(vec![]).unwrap_err(), BatchError::Empty);
        assert_eq!(
            Batch::new(vec![0u8; 1001]).unwrap_err(),
            BatchError::TooLarge {
                len: 1001,
                max: 1000
            }
        );
    }
}
