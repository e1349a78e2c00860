//! How many entries one page of a listing (the reject log, the audit log) holds, checked once
//! for every entry point.

use std::fmt;
use std::str::FromStr;

/// How many entries one page of a listing holds: 1 to [`PageLimit::MAX`],
/// [`PageLimit::DEFAULT`] unless asked. A value out of that range cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PageLimit(u32);

/// A page limit that was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// A number outside 1..=[`PageLimit::MAX`].
    #[error("limit must be between 1 and {max}, got {0}", max = PageLimit::MAX)]
    OutOfRange(u64),
    /// Not a whole number.
    #[error("limit must be a whole number between 1 and {max}, got {0:?}", max = PageLimit::MAX)]
    NotANumber(String),
}

impl PageLimit {
    /// Most entries one page holds.
    pub const MAX: u32 = 10_000;

    /// The entries one page holds unless asked otherwise.
    pub const DEFAULT: Self = Self(50);

    /// `limit` entries a page, when it is 1 to [`PageLimit::MAX`].
    pub fn new(limit: u32) -> Result<Self, LimitError> {
        if (1..=Self::MAX).contains(&limit) {
            Ok(Self(limit))
        } else {
            Err(LimitError::OutOfRange(limit.into()))
        }
    }

    /// The number of entries.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl From<PageLimit> for i64 {
    fn from(limit: PageLimit) -> Self {
        limit.0.into()
    }
}

impl fmt::Display for PageLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for PageLimit {
    type Err = LimitError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n: u64 = s
            .parse()
            .map_err(|_| LimitError::NotANumber(s.to_owned()))?;
        u32::try_from(n)
            .map_err(|_| LimitError::OutOfRange(n))
            .and_then(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_from_1_to_the_maximum_are_taken() {
        assert_eq!(PageLimit::new(1).map(PageLimit::get), Ok(1));
        assert_eq!(PageLimit::new(10_000).map(PageLimit::get), Ok(10_000));
        assert_eq!(PageLimit::default().get(), 50);
        assert_eq!(i64::from(PageLimit::DEFAULT), 50);
        assert_eq!("250".parse::<PageLimit>().map(PageLimit::get), Ok(250));
        assert_eq!(PageLimit::DEFAULT.to_string(), "50");
    }

    #[test]
    fn limits_out_of_range_are_refused_saying_the_range() {
        for (text, got) in [("0", 0), ("10001", 10_001), ("99999999999", 99_999_999_999)] {
            let error = text.parse::<PageLimit>().unwrap_err();
            assert_eq!(error, LimitError::OutOfRange(got));
            assert_eq!(
                error.to_string(),
                format!("limit must be between 1 and 10000, got {got}")
            );
        }
        assert_eq!(PageLimit::new(0), Err(LimitError::OutOfRange(0)));
        assert_eq!(PageLimit::new(10_001), Err(LimitError::OutOfRange(10_001)));
    }

    #[test]
    fn a_limit_that_is_no_number_is_refused() {
        for text in ["", "-1", "ten", "1.5"] {
            assert_eq!(
                text.parse::<PageLimit>(),
                Err(LimitError::NotANumber(text.to_owned()))
            );
        }
    }
}
