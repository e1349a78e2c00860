//! # hiring-generate
//!
//! Deterministic synthetic data shaped like the company's historical CSV files, for the
//! `hiring generate` command, the benchmarks and the tests. It adapts no port: it only writes
//! files.
//!
//! [`generate`] writes `departments.csv`, `jobs.csv` and `hired_employees.csv` into a directory,
//! formatted exactly like the real files: no header, comma-separated, CRLF line endings, no line
//! ending after the last row, and a field quoted only when it contains a comma, a quote or a line
//! break.
//!
//! The same [`GenerateOptions`] always produce byte-identical files (the only randomness is a
//! ChaCha8 generator seeded from [`GenerateOptions::seed`]). Employee rows are streamed to disk, so
//! memory stays flat whatever the row count.
//!
//! About 3.5% of the employee rows have exactly one empty field and about 0.1% one malformed value
//! (an impossible or zone-less timestamp, a non-positive or non-numeric key, a department or job
//! that does not exist, a name longer than the data dictionary allows). The loader must reject
//! every one of them; [`GenerateReport`] says which they are. Departments and jobs are all valid.
//!
//! ```no_run
//! use hiring_generate::{generate, GenerateOptions};
//!
//! let report = generate(std::path::Path::new("data"), &GenerateOptions { rows: 1_000, seed: 42 })?;
//! assert_eq!(report.hired_employees, 1_000);
//! # Ok::<(), std::io::Error>(())
//! ```

mod catalog;
mod csv_text;
mod employees;
mod options;

use catalog::{job_titles, DEPARTMENTS};
use csv_text::write_named_rows;
use employees::write_employees;
use hiring_domain::Table;
use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;

pub use options::{GenerateOptions, GenerateReport, MAX_RECORDED_INVALID_ROWS};

/// Writes `departments.csv`, `jobs.csv` and `hired_employees.csv` into `out_dir` (created if
/// missing, existing files overwritten).
///
/// # Errors
///
/// Any I/O error, and [`io::ErrorKind::InvalidInput`] when `options.rows` exceeds `i32::MAX`
/// (ids would not fit the id column).
pub fn generate(out_dir: &Path, options: &GenerateOptions) -> io::Result<GenerateReport> {
    if options.rows > MAX_ROWS {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "at most {MAX_ROWS} hired_employees rows can be generated, asked for {}",
                options.rows
            ),
        ));
    }
    std::fs::create_dir_all(out_dir)?;

    let departments = write_file(&out_dir.join(Table::Departments.file_name()), |w| {
        write_named_rows(w, DEPARTMENTS.iter().map(|(name, _)| *name))
    })?;
    let titles = job_titles();
    let jobs = write_file(&out_dir.join(Table::Jobs.file_name()), |w| {
        write_named_rows(w, titles.iter().map(String::as_str))
    })?;
    let employees = write_file(&out_dir.join(Table::HiredEmployees.file_name()), |w| {
        write_employees(w, options, MAX_RECORDED_INVALID_ROWS)
    })?;

    Ok(GenerateReport {
        departments,
        jobs,
        hired_employees: options.rows,
        invalid_employees: employees.invalid,
        invalid_rows: employees.recorded,
    })
}

/// Ids must fit a signed 32-bit column.
const MAX_ROWS: u64 = i32::MAX as u64;

/// Buffer size of the file writers.
const BUFFER_BYTES: usize = 1 << 20;

/// Creates `path`, lets `body` write it through a buffer, and flushes.
fn write_file<T>(
    path: &Path,
    body: impl FnOnce(&mut BufWriter<File>) -> io::Result<T>,
) -> io::Result<T> {
    let mut w = BufWriter::with_capacity(BUFFER_BYTES, File::create(path)?);
    let result = body(&mut w)?;
    w.into_inner().map_err(io::IntoInnerError::into_error)?;
    Ok(result)
}
