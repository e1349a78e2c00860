//! What to generate and what was written.

/// At most this many invalid rows are listed in [`GenerateReport::invalid_rows`]; all of them are
/// counted in [`GenerateReport::invalid_employees`].
pub const MAX_RECORDED_INVALID_ROWS: usize = 10_000;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GenerateOptions {
    /// Number of `hired_employees.csv` rows (ids `1..=rows`); at most `i32::MAX`.
    pub rows: u64,
    /// Seed of the random generator: the same seed and row count give byte-identical files.
    pub seed: u64,
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateReport {
    /// Rows of `departments.csv` (all valid).
    pub departments: u64,
    /// Rows of `jobs.csv` (all valid).
    pub jobs: u64,
    /// Rows of `hired_employees.csv`, valid or not.
    pub hired_employees: u64,
    /// Rows of `hired_employees.csv` deliberately invalid (empty field or malformed value).
    pub invalid_employees: u64,
    /// Every deliberately invalid row: (file name, 1-based line number), in file order. Only the
    /// first [`MAX_RECORDED_INVALID_ROWS`] are listed.
    pub invalid_rows: Vec<(&'static str, u64)>,
}
