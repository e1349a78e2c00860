//! Deterministic synthetic data shaped like the company's historical CSV files.
//!
//! [`generate`] writes `departments.csv`, `jobs.csv` and `hired_employees.csv` into a directory,
//! formatted exactly like the real files: no header, comma-separated, CRLF line endings, no line
//! ending after the last row, and a field quoted only when it contains a comma, a quote or a line
//! break.
//!
//! The same [`GenerateOptions`] always produce byte-identical files (the only randomness is a
//! [`ChaCha8Rng`] seeded from [`GenerateOptions::seed`]). Employee rows are streamed to disk, so
//! memory stays flat whatever the row count.
//!
//! About 3.5% of the employee rows have exactly one empty field and about 0.1% one malformed value
//! (an impossible or zone-less timestamp, a non-positive or non-numeric key, a department or job
//! that does not exist, a name longer than the data dictionary allows). The loader must reject
//! every one of them; [`GenerateReport`] says which they are. Departments and jobs are all valid.
//!
//! ```no_run
//! use hiring_adapters::generate::{generate, GenerateOptions};
//!
//! let report = generate(std::path::Path::new("data"), &GenerateOptions { rows: 1_000, seed: 42 })?;
//! assert_eq!(report.hired_employees, 1_000);
//! # Ok::<(), std::io::Error>(())
//! ```

use hiring_domain::Table;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

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

/// The departments, in id order (id = position + 1), with the share of hires each gets.
const DEPARTMENTS: [(&str, u32); 12] = [
    ("Product Management", 8),
    ("Sales", 12),
    ("Research and Development", 9),
    ("Business Development", 7),
    ("Engineering", 22),
    ("Human Resources", 3),
    ("Services", 10),
    ("Support", 14),
    ("Marketing", 6),
    ("Training", 2),
    ("Legal", 2),
    ("Accounting", 5),
];

/// Titles that come in four levels (`Accountant I` to `Accountant IV`): 30 × 4 = 120 jobs.
const LEVELED_TITLES: [&str; 30] = [
    "Accountant",
    "Account Representative",
    "Administrative Assistant",
    "Analyst Programmer",
    "Biostatistician",
    "Budget/Accounting Analyst",
    "Compensation Analyst",
    "Cost Accountant",
    "Database Administrator",
    "Design Engineer",
    "Developer",
    "Engineer",
    "Environmental Specialist",
    "Financial Analyst",
    "Geologist",
    "Graphic Designer",
    "Human Resources Assistant",
    "Information Systems Manager",
    "Legal Assistant",
    "Marketing Analyst",
    "Media Manager",
    "Operator",
    "Programmer Analyst",
    "Quality Engineer",
    "Research Assistant",
    "Safety Technician",
    "Software Test Engineer",
    "Statistician",
    "Support Specialist",
    "Systems Administrator",
];

/// Titles that come plain, `Senior` and `Staff`: 15 × 3 = 45 jobs.
const SENIORITY_TITLES: [&str; 15] = [
    "Software Engineer",
    "Data Scientist",
    "Data Engineer",
    "Product Designer",
    "Product Manager",
    "Site Reliability Engineer",
    "Security Engineer",
    "Frontend Engineer",
    "Backend Engineer",
    "Mobile Engineer",
    "Technical Writer",
    "UX Researcher",
    "Solutions Architect",
    "Account Executive",
    "Business Analyst",
];

/// Titles that exist once: 18 jobs. Some contain a comma, so they are quoted in the file.
const SINGLE_TITLES: [&str; 18] = [
    "VP Sales",
    "VP Marketing",
    "VP Product Management",
    "VP Accounting",
    "VP Quality Control",
    "Director, Sales",
    "Director, Engineering",
    "Director, Human Resources",
    "Chief Design Engineer",
    "General Manager",
    "Recruiter",
    "Marketing Assistant",
    "Marketing Manager",
    "Sales Associate",
    "Sales Representative",
    "Office Assistant",
    "Executive Secretary",
    "Payment Adjustment Coordinator",
];

/// Number of jobs: 120 + 45 + 18.
const JOB_COUNT: usize =
    LEVELED_TITLES.len() * 4 + SENIORITY_TITLES.len() * 3 + SINGLE_TITLES.len();

/// The job titles in id order (id = position + 1), interleaving the three families so that
/// neighbouring ids look like the real file.
fn job_titles() -> Vec<String> {
    let mut leveled = LEVELED_TITLES
        .iter()
        .flat_map(|t| ["I", "II", "III", "IV"].map(|level| format!("{t} {level}")));
    let mut seniority = SENIORITY_TITLES
        .iter()
        .flat_map(|t| [t.to_string(), format!("Senior {t}"), format!("Staff {t}")]);
    let mut single = SINGLE_TITLES.iter().map(|t| t.to_string());
    let mut titles = Vec::with_capacity(JOB_COUNT);
    // Pattern of 10 ids: 6 leveled, 3 seniority, 1 single, until a family runs out.
    let mut position = 0usize;
    while titles.len() < JOB_COUNT {
        let next = match position % 10 {
            0..=5 => leveled.next(),
            6..=8 => seniority.next(),
            _ => single.next(),
        };
        position += 1;
        if let Some(title) = next {
            titles.push(title);
        } else if position > 10 * JOB_COUNT {
            break; // unreachable: the families hold exactly JOB_COUNT titles
        }
    }
    titles
}

/// Share of hires of the job with 0-based index `index`: a Zipf-like curve over a fixed shuffle of
/// the ids, so popular jobs are spread over the whole id range (between ~37× and 1×).
fn job_weight(index: usize) -> u32 {
    let rank = (index * 67) % JOB_COUNT; // 67 is coprime with 183: a permutation
    100_000 / (rank as u32 + 5)
}

/// Writes `id,name` rows with ids from 1.
fn write_named_rows<'a, W: Write>(
    w: &mut W,
    names: impl Iterator<Item = &'a str>,
) -> io::Result<u64> {
    let mut line = Vec::with_capacity(128);
    let mut count = 0u64;
    for name in names {
        count += 1;
        line.clear();
        if count > 1 {
            line.extend_from_slice(b"\r\n");
        }
        push_u64(&mut line, count);
        line.push(b',');
        push_field(&mut line, name);
        w.write_all(&line)?;
    }
    Ok(count)
}

/// Given names; a few are not ASCII.
#[rustfmt::skip]
const FIRST_NAMES: [&str; 64] = [
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William",
    "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra",
    "Marcelo", "Lucía", "José", "María", "Zoë", "Chloé", "François", "Renée", "Jürgen", "Søren",
    "Björn", "Łukasz", "Ana", "Sofía", "Mateo", "Valentina", "Santiago", "Camila", "Lyman", "Ahmed",
    "Fatima", "Wei", "Mei", "Hiroshi", "Yuki", "Priya", "Arjun", "Olga", "Dmitri", "Ingrid",
    "Kwame", "Amara", "Liam", "Noah", "Emma", "Olivia",
];

/// Family names; a few are not ASCII.
#[rustfmt::skip]
const LAST_NAMES: [&str; 64] = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
    "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark",
    "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hadye",
    "Ñandú", "Muñoz", "Peña", "Gómez", "Díaz", "Müller", "Schäfer", "Østergaard", "Nguyễn",
    "Kowalczyk", "Dvořák", "O'Brien", "Fernández", "Castro", "Silva", "Costa", "Rossi", "Ferrari",
    "Tanaka", "Sato", "Kim", "Park", "Chen", "Wang", "Singh", "Patel", "Ivanova",
];

/// First hire instant: 2021-01-01T00:00:00Z, in seconds since the Unix epoch.
const FIRST_HIRE: i64 = 1_609_459_200;
/// Last hire instant: 2022-02-28T23:59:59Z, in seconds since the Unix epoch.
const LAST_HIRE: i64 = 1_646_092_799;

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
struct EmployeeTally {
    invalid: u64,
    recorded: Vec<(&'static str, u64)>,
}

/// Streams `options.rows` employee rows into `w`, listing at most `cap` invalid rows.
fn write_employees<W: Write>(
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

/// Appends `value` as a CSV field, quoted only if it contains a comma, a quote or a line break.
fn push_field(buf: &mut Vec<u8>, value: &str) {
    if value
        .bytes()
        .any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
    {
        buf.push(b'"');
        for b in value.bytes() {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(value.as_bytes());
    }
}

/// Appends `value` in decimal.
fn push_u64(buf: &mut Vec<u8>, mut value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[start..]);
}

/// Appends `secs` (since the Unix epoch, years 0 to 9999) as `YYYY-MM-DDTHH:MM:SSZ`.
fn push_datetime(buf: &mut Vec<u8>, secs: i64) {
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let mut text = *b"0000-00-00T00:00:00Z";
    put_digits(&mut text[0..4], year);
    put_digits(&mut text[5..7], month);
    put_digits(&mut text[8..10], day);
    put_digits(&mut text[11..13], of_day / 3_600);
    put_digits(&mut text[14..16], of_day % 3_600 / 60);
    put_digits(&mut text[17..19], of_day % 60);
    buf.extend_from_slice(&text);
}

/// Writes the last `out.len()` decimal digits of `value` (non-negative) into `out`.
fn put_digits(out: &mut [u8], mut value: i64) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// (year, month, day) of the proleptic Gregorian calendar for `days` since 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use hiring_domain::{Department, HiredEmployee, Job, Record};
    use std::collections::{BTreeSet, HashSet};

    fn opts(rows: u64, seed: u64) -> GenerateOptions {
        GenerateOptions { rows, seed }
    }

    fn read(dir: &Path, table: Table) -> Vec<u8> {
        std::fs::read(dir.join(table.file_name())).unwrap()
    }

    fn records(bytes: &[u8]) -> Vec<csv::StringRecord> {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes)
            .records()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    fn fields(record: &csv::StringRecord) -> Vec<&str> {
        record.iter().collect()
    }

    #[test]
    fn same_seed_gives_the_same_bytes_and_another_seed_does_not() {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let ra = generate(a.path(), &opts(3_000, 7)).unwrap();
        let rb = generate(b.path(), &opts(3_000, 7)).unwrap();
        let rc = generate(c.path(), &opts(3_000, 8)).unwrap();
        assert_eq!(ra, rb);
        for table in Table::ALL {
            assert_eq!(read(a.path(), table), read(b.path(), table), "{table}");
        }
        assert_ne!(
            read(a.path(), Table::HiredEmployees),
            read(c.path(), Table::HiredEmployees)
        );
        assert_ne!(ra.invalid_rows, rc.invalid_rows);
        // Departments and jobs do not depend on the seed.
        assert_eq!(read(a.path(), Table::Jobs), read(c.path(), Table::Jobs));
    }

    #[test]
    fn files_are_headerless_crlf_without_final_newline() {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), &opts(500, 1)).unwrap();
        for table in Table::ALL {
            let bytes = read(dir.path(), table);
            assert!(bytes.starts_with(b"1,"), "{table} has a header");
            assert!(
                !bytes.ends_with(b"\n") && !bytes.ends_with(b"\r"),
                "{table}"
            );
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'\n' {
                    assert_eq!(bytes[i - 1], b'\r', "{table}: bare LF at byte {i}");
                }
                if b == b'\r' {
                    assert_eq!(bytes.get(i + 1), Some(&b'\n'), "{table}: bare CR");
                }
            }
            let text = std::str::from_utf8(&bytes).unwrap();
            for (n, line) in text.split("\r\n").enumerate() {
                assert!(
                    line.starts_with(&format!("{},", n + 1)),
                    "{table} line {}: {line}",
                    n + 1
                );
            }
        }
    }

    #[test]
    fn twelve_departments_and_183_distinct_jobs_all_valid() {
        let dir = tempfile::tempdir().unwrap();
        let report = generate(dir.path(), &opts(10, 1)).unwrap();
        assert_eq!((report.departments, report.jobs), (12, 183));

        let departments = records(&read(dir.path(), Table::Departments));
        assert_eq!(departments.len(), 12);
        for (i, record) in departments.iter().enumerate() {
            let d = Department::from_fields(&fields(record)).unwrap();
            assert_eq!(d.id().get() as usize, i + 1);
        }
        assert_eq!(departments[4].get(1), Some("Engineering"));

        let jobs = records(&read(dir.path(), Table::Jobs));
        assert_eq!(jobs.len(), 183);
        let mut names = HashSet::new();
        for (i, record) in jobs.iter().enumerate() {
            let j = Job::from_fields(&fields(record)).unwrap();
            assert_eq!(j.id().get() as usize, i + 1);
            assert!(names.insert(j.job().to_owned()), "duplicate {}", j.job());
        }
        for expected in [
            "Director, Sales",
            "VP Sales",
            "Accountant IV",
            "Senior Data Scientist",
        ] {
            assert!(names.contains(expected), "{expected}");
        }
    }

    #[test]
    fn titles_with_commas_are_quoted_and_parse_back() {
        let dir = tempfile::tempdir().unwrap();
        generate(dir.path(), &opts(1, 1)).unwrap();
        let bytes = read(dir.path(), Table::Jobs);
        let text = std::str::from_utf8(&bytes).unwrap();
        let line = text
            .split("\r\n")
            .find(|l| l.contains("Director, Sales"))
            .unwrap();
        let (id, rest) = line.split_once(',').unwrap();
        assert_eq!(rest, "\"Director, Sales\"");
        let parsed = records(&bytes);
        let record = &parsed[id.parse::<usize>().unwrap() - 1];
        assert_eq!(record.len(), 2);
        assert_eq!(record.get(1), Some("Director, Sales"));
        // Nothing else is quoted.
        assert_eq!(text.matches('"').count(), 2 * 3);
    }

    #[test]
    fn every_row_is_valid_or_listed_as_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let rows = 20_000u64;
        let report = generate(dir.path(), &opts(rows, 2024)).unwrap();
        assert_eq!(report.hired_employees, rows);
        assert_eq!(report.invalid_employees, report.invalid_rows.len() as u64);
        let listed: BTreeSet<u64> = report
            .invalid_rows
            .iter()
            .map(|&(file, line)| {
                assert_eq!(file, "hired_employees.csv");
                line
            })
            .collect();
        assert_eq!(listed.len(), report.invalid_rows.len(), "duplicates");

        let first = DateTime::parse_from_rfc3339("2021-01-01T00:00:00Z").unwrap();
        let last = DateTime::parse_from_rfc3339("2022-02-28T23:59:59Z").unwrap();
        let (mut empty, mut malformed, mut non_ascii) = (0u64, 0u64, 0u64);
        let mut per_department = [0u64; 12];
        let parsed = records(&read(dir.path(), Table::HiredEmployees));
        assert_eq!(parsed.len() as u64, rows);
        // The row number, not `Position::line`: the csv crate miscounts lines of CRLF files
        // (BurntSushi/rust-csv#395).
        for (index, record) in parsed.iter().enumerate() {
            let line = index as u64 + 1;
            let f = fields(record);
            assert_eq!(f.len(), 5, "line {line}");
            assert_eq!(f[0], line.to_string(), "ids follow line numbers");
            let valid = HiredEmployee::from_fields(&f).ok().filter(|e| {
                (1..=12).contains(&e.department_id().get()) && (1..=183).contains(&e.job_id().get())
            });
            match valid {
                Some(e) => {
                    assert!(!listed.contains(&line), "line {line} is valid but listed");
                    let at = e.datetime().get();
                    assert!(at >= first && at <= last, "line {line}: {at}");
                    assert_eq!(e.datetime().to_rfc3339(), f[2], "canonical datetime");
                    per_department[e.department_id().get() as usize - 1] += 1;
                    non_ascii += u64::from(!e.name().is_ascii());
                }
                None => {
                    assert!(listed.contains(&line), "line {line} is invalid: {f:?}");
                    let empties = f.iter().filter(|v| v.is_empty()).count();
                    assert!(empties <= 1, "line {line}: {f:?}");
                    if empties == 1 {
                        empty += 1;
                    } else {
                        malformed += 1;
                    }
                }
            }
        }
        assert_eq!(empty + malformed, report.invalid_employees);
        let empty_share = empty as f64 / rows as f64;
        assert!((0.028..=0.042).contains(&empty_share), "{empty_share}");
        assert!((5..=60).contains(&malformed), "{malformed}");
        assert!(non_ascii > 0);
        // Skewed: Engineering gets several times more hires than Training.
        assert!(
            per_department[4] > 4 * per_department[9],
            "{per_department:?}"
        );
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
    fn zero_rows_gives_an_empty_employee_file_and_too_many_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let report = generate(&dir.path().join("nested/out"), &opts(0, 1)).unwrap();
        assert_eq!((report.hired_employees, report.invalid_employees), (0, 0));
        assert!(
            std::fs::read(dir.path().join("nested/out/hired_employees.csv"))
                .unwrap()
                .is_empty()
        );
        let err = generate(dir.path(), &opts(u64::from(u32::MAX), 1)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn datetime_formatting_matches_chrono() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let samples = (0..5_000)
            .map(|_| rng.random_range(-62_135_596_800i64..253_402_300_799))
            .chain([0, FIRST_HIRE, LAST_HIRE, 951_782_400, 4_107_542_400]);
        for secs in samples {
            let mut buf = Vec::new();
            push_datetime(&mut buf, secs);
            let expected = DateTime::<Utc>::from_timestamp(secs, 0)
                .unwrap()
                .format("%Y-%m-%dT%H:%M:%SZ")
                .to_string();
            assert_eq!(String::from_utf8(buf).unwrap(), expected);
        }
    }

    #[test]
    fn hire_bounds_are_the_documented_instants() {
        let first = DateTime::parse_from_rfc3339("2021-01-01T00:00:00Z").unwrap();
        let last = DateTime::parse_from_rfc3339("2022-02-28T23:59:59Z").unwrap();
        assert_eq!(first.timestamp(), FIRST_HIRE);
        assert_eq!(last.timestamp(), LAST_HIRE);
    }

    #[test]
    fn integers_and_fields_are_written_like_the_csv_crate() {
        for n in [0u64, 7, 10, 183, 9_999_999, u64::MAX] {
            let mut buf = Vec::new();
            push_u64(&mut buf, n);
            assert_eq!(buf, n.to_string().into_bytes());
        }
        for value in ["plain", "a,b", "say \"hi\"", "Zoë Ñandú", "O'Brien"] {
            let mut ours = Vec::new();
            push_field(&mut ours, value);
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::new());
            w.write_record([value]).unwrap();
            let mut theirs = w.into_inner().unwrap();
            theirs.truncate(theirs.len() - 2);
            assert_eq!(ours, theirs, "{value}");
        }
        for name in FIRST_NAMES.iter().chain(&LAST_NAMES) {
            assert!(hiring_domain::Text::parse(name).is_ok(), "{name}");
            assert!(!name.contains([',', '"']), "{name}");
        }
    }
}
