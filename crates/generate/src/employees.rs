//! The rows of `hired_employees.csv`: who was hired when, where and for what job, and which rows
//! are spoiled (an empty field or a malformed value) for the loader to reject.

use crate::catalog::{job_weight, DEPARTMENTS, FIRST_NAMES, JOB_COUNT, LAST_NAMES};
use crate::csv_text::{push_datetime, push_field, push_u64};
use crate::options::GenerateOptions;
use hiring_domain::Table;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::{self, Write};

/// First hire instant: 2021-01-01T00:00:00Z, in seconds since the Unix epoch.
pub(crate) const FIRST_HIRE: i64 = 1_609_459_200;
/// Last hire instant: 2022-02-28T23:59:59Z, in seconds since the Unix epoch.
pub(crate) const LAST_HIRE: i64 = 1_646_092_799;

/// Rolls are drawn in `0..ROLL_RANGE`.
const ROLL_RANGE: u32 = 1_000_000;
/// Rolls below this leave one field empty (3.5%).
const EMPTY_BELOW: u32 = 35_000;
/// Rolls in `EMPTY_BELOW..MALFORMED_BELOW` make one value malformed (0.1%).
const MALFORMED_BELOW: u32 = 36_000;

/// Malformed timestamps: impossible dates, words, no zone.
const BAD_DATETIMES: [&str; 5] = [
    "2021-13-45T00:00:00Z",
    "yesterday",
    "2021-07-01 10:00:00",
    "2021-02-30T12:00:00Z",
    "2021-07-01",
];
/// Malformed department keys; `13` is well-formed but names no department.
const BAD_DEPARTMENT_IDS: [&str; 4] = ["0", "-3", "abc", "13"];
/// Malformed job keys; `999` is well-formed but names no job.
const BAD_JOB_IDS: [&str; 4] = ["999", "0", "-1", "7x"];

/// The columns of an employee row that can be spoiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Datetime,
    Department,
    Job,
}

impl Column {
    const SPOILABLE: [Column; 4] = [
        Column::Name,
        Column::Datetime,
        Column::Department,
        Column::Job,
    ];
}

/// What is wrong with a row, if anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dirt {
    Clean,
    Empty(Column),
    /// The column and which of its bad values (index into the matching list).
    Malformed(Column, usize),
}

/// Invalid rows found while writing employees.
pub(crate) struct EmployeeTally {
    pub(crate) invalid: u64,
    pub(crate) recorded: Vec<(&'static str, u64)>,
}

/// Streams `options.rows` employee rows into `w`, listing at most `cap` invalid rows.
pub(crate) fn write_employees<W: Write>(
    w: &mut W,
    options: &GenerateOptions,
    cap: usize,
) -> io::Result<EmployeeTally> {
    let file = Table::HiredEmployees.file_name();
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let departments = Cumulative::new(DEPARTMENTS.iter().map(|(_, weight)| *weight));
    let jobs = Cumulative::new((0..JOB_COUNT).map(job_weight));
    let mut tally = EmployeeTally {
        invalid: 0,
        recorded: Vec::new(),
    };
    let mut line: Vec<u8> = Vec::with_capacity(512);

    for id in 1..=options.rows {
        // The same draws for every row, then the dirt-specific ones.
        let roll = rng.random_range(0..ROLL_RANGE);
        let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len() as u32) as usize];
        let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len() as u32) as usize];
        let hired_at = rng.random_range(FIRST_HIRE..=LAST_HIRE);
        let department_id = departments.sample(&mut rng);
        let job_id = jobs.sample(&mut rng);
        let dirt = if roll < EMPTY_BELOW {
            Dirt::Empty(pick_column(&mut rng))
        } else if roll < MALFORMED_BELOW {
            let column = pick_column(&mut rng);
            let choices = match column {
                Column::Name => 1,
                Column::Datetime => BAD_DATETIMES.len(),
                Column::Department => BAD_DEPARTMENT_IDS.len(),
                Column::Job => BAD_JOB_IDS.len(),
            };
            Dirt::Malformed(column, rng.random_range(0..choices as u32) as usize)
        } else {
            Dirt::Clean
        };

        line.clear();
        if id > 1 {
            line.extend_from_slice(b"\r\n");
        }
        push_u64(&mut line, id);

        line.push(b',');
        match dirt {
            Dirt::Empty(Column::Name) => {}
            Dirt::Malformed(Column::Name, _) => {
                // Longer than the 255 characters the data dictionary allows.
                for i in 0..40 {
                    if i > 0 {
                        line.push(b' ');
                    }
                    push_field(&mut line, first);
                    line.push(b' ');
                    push_field(&mut line, last);
                }
            }
            _ => {
                push_field(&mut line, first);
                line.push(b' ');
                push_field(&mut line, last);
            }
        }

        line.push(b',');
        match dirt {
            Dirt::Empty(Column::Datetime) => {}
            Dirt::Malformed(Column::Datetime, i) => push_field(&mut line, BAD_DATETIMES[i]),
            _ => push_datetime(&mut line, hired_at),
        }

        line.push(b',');
        match dirt {
            Dirt::Empty(Column::Department) => {}
            Dirt::Malformed(Column::Department, i) => push_field(&mut line, BAD_DEPARTMENT_IDS[i]),
            _ => push_u64(&mut line, department_id),
        }

        line.push(b',');
        match dirt {
            Dirt::Empty(Column::Job) => {}
            Dirt::Malformed(Column::Job, i) => push_field(&mut line, BAD_JOB_IDS[i]),
            _ => push_u64(&mut line, job_id),
        }

        w.write_all(&line)?;

        if dirt != Dirt::Clean {
            tally.invalid += 1;
            if tally.recorded.len() < cap {
                // Headerless file, one row per line: the line number is the id.
                tally.recorded.push((file, id));
            }
        }
    }
    Ok(tally)
}

fn pick_column(rng: &mut ChaCha8Rng) -> Column {
    Column::SPOILABLE[rng.random_range(0..Column::SPOILABLE.len() as u32) as usize]
}

/// Weighted choice of an id `1..=n` through cumulative weights.
struct Cumulative {
    bounds: Vec<u32>,
    total: u32,
}

impl Cumulative {
    fn new(weights: impl Iterator<Item = u32>) -> Self {
        let mut total = 0u32;
        let bounds = weights
            .map(|weight| {
                total += weight;
                total
            })
            .collect();
        Self { bounds, total }
    }

    /// An id from 1 to the number of weights.
    fn sample(&self, rng: &mut ChaCha8Rng) -> u64 {
        let r = rng.random_range(0..self.total);
        self.bounds.partition_point(|&bound| bound <= r) as u64 + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use hiring_domain::{HiredEmployee, Record};

    fn opts(rows: u64, seed: u64) -> GenerateOptions {
        GenerateOptions { rows, seed }
    }

    #[test]
    fn malformed_values_are_all_rejected() {
        let good = ["1", "Ann Lee", "2021-05-05T10:00:00Z", "3", "4"];
        assert!(HiredEmployee::from_fields(&good).is_ok());
        for bad in BAD_DATETIMES {
            let mut f = good;
            f[2] = bad;
            assert!(HiredEmployee::from_fields(&f).is_err(), "{bad}");
        }
        for bad in BAD_DEPARTMENT_IDS {
            let ok = hiring_domain::Id::parse(bad).is_ok_and(|id| id.get() <= 12);
            assert!(!ok, "{bad}");
        }
        for bad in BAD_JOB_IDS {
            let ok = hiring_domain::Id::parse(bad).is_ok_and(|id| id.get() <= 183);
            assert!(!ok, "{bad}");
        }
    }

    #[test]
    fn invalid_rows_listing_is_capped_but_all_are_counted() {
        let mut out = Vec::new();
        let tally = write_employees(&mut out, &opts(2_000, 3), 5).unwrap();
        assert_eq!(tally.recorded.len(), 5);
        assert!(tally.invalid > 5);
        let mut full = Vec::new();
        let all = write_employees(&mut full, &opts(2_000, 3), usize::MAX).unwrap();
        assert_eq!(out, full);
        assert_eq!(all.invalid, tally.invalid);
        assert_eq!(all.recorded[..5], tally.recorded[..]);
    }

    #[test]
    fn hire_bounds_are_the_documented_instants() {
        let first = DateTime::parse_from_rfc3339("2021-01-01T00:00:00Z").unwrap();
        let last = DateTime::parse_from_rfc3339("2022-02-28T23:59:59Z").unwrap();
        assert_eq!(first.timestamp(), FIRST_HIRE);
        assert_eq!(last.timestamp(), LAST_HIRE);
    }
}
