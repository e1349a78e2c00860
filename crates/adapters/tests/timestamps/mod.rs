//! Property: a timestamp text the data dictionary accepts is one UTC instant on every path of
//! each backend. Stored and read back it is the parsed instant (sub-microsecond digits
//! dropped); the `hire_counts` aggregate and the hires-by-quarter report count it under the UTC
//! instant's year and quarter; a backup then a restore keeps it; loading the same file again
//! finds it already present. A leap second (`:60`) is refused, in any offset.
//!
//! The expected instant is worked out from the parts the text is written from (calendar
//! arithmetic, not the RFC 3339 parser), so the rules and the storage are checked against an
//! independent answer.

use crate::backups::{contents, dept, fill, job, Contents};
use crate::support::{Engine, TestDb};
use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, TimeDelta};
use hiring_adapters::{open, AvroBackupStore};
use hiring_domain::{HireTime, Record, ReportYear, Table};
use hiring_ports::backup::Backups;
use hiring_ports::migrate::{LoadOptions, Migration, TableSummary};
use hiring_ports::reports::hires_by_quarter;
use hiring_ports::Codec;
use hiring_ports::Repositories;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How a text ends: `Z` (or `z`), or an offset east of UTC in minutes (`-00:00` when `minus`
/// and zero).
#[derive(Debug, Clone, Copy)]
enum Zone {
    Zulu(char),
    Offset { east: i32, minus: bool },
}

/// The parts a timestamp text is written from.
#[derive(Debug, Clone)]
struct Parts {
    date: (i32, u32, u32),
    time: (u32, u32, u32),
    /// 0 to 9 digits after the seconds.
    fraction: String,
    /// `T`, `t` or a space.
    separator: char,
    zone: Zone,
}

impl Parts {
    fn text(&self) -> String {
        let (year, month, day) = self.date;
        let (hour, minute, second) = self.time;
        let fraction = if self.fraction.is_empty() {
            String::new()
        } else {
            format!(".{}", self.fraction)
        };
        let zone = match self.zone {
            Zone::Zulu(z) => z.to_string(),
            Zone::Offset { east, minus } => {
                let sign = if east < 0 || (east == 0 && minus) {
                    '-'
                } else {
                    '+'
                };
                let abs = east.unsigned_abs();
                format!("{sign}{:02}:{:02}", abs / 60, abs % 60)
            }
        };
        format!(
            "{year:04}-{month:02}-{day:02}{}{hour:02}:{minute:02}:{second:02}{fraction}{zone}",
            self.separator
        )
    }

    /// Microseconds since the Unix epoch of the instant the text names, the digits past the
    /// sixth dropped; `None` when the rules must refuse it (a leap second, a date that does
    /// not exist, a UTC year outside 1..=9999).
    fn expected_micros(&self) -> Option<i64> {
        let (year, month, day) = self.date;
        let (hour, minute, second) = self.time;
        if second == 60 {
            return None;
        }
        let local = NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(hour, minute, second)?;
        let east = match self.zone {
            Zone::Zulu(_) => 0,
            Zone::Offset { east, .. } => east,
        };
        let utc = local - TimeDelta::minutes(east.into());
        let micros: i64 = format!("{:0<6}", &self.fraction[..self.fraction.len().min(6)])
            .parse()
            .unwrap();
        (1..=9999)
            .contains(&utc.year())
            .then(|| utc.and_utc().timestamp() * 1_000_000 + micros)
    }
}

/// UTC year and quarter of an instant.
fn year_quarter(micros: i64) -> (i32, u32) {
    let at = DateTime::from_timestamp_micros(micros).unwrap();
    (at.year(), at.month0() / 3 + 1)
}

fn last_day(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.map_or(31, |d| d.pred_opt().unwrap().day())
}

/// Mostly years the reports cover, some near both ends of the allowed range.
fn year() -> impl Strategy<Value = i32> {
    prop_oneof![
        6 => 2019..=2023i32,
        2 => 1900..=2100i32,
        1 => 1..=2i32,
        1 => 9998..=9999i32,
    ]
}

/// Random days, and the first and last days of quarters (where an offset moves the instant
/// into the next or previous quarter, or year), and the end of February.
fn date() -> impl Strategy<Value = (i32, u32, u32)> {
    prop_oneof![
        4 => (year(), 1..=12u32, 1..=28u32),
        2 => (year(), prop::sample::select(vec![3u32, 6, 9, 12]))
            .prop_map(|(y, m)| (y, m, last_day(y, m))),
        2 => (year(), prop::sample::select(vec![1u32, 4, 7, 10])).prop_map(|(y, m)| (y, m, 1)),
        1 => (year(), Just(2u32), 28..=29u32),
    ]
}

/// Times near midnight more often; now and then a leap second.
fn time() -> impl Strategy<Value = (u32, u32, u32)> {
    let hour = prop_oneof![2 => 0..=23u32, 1 => Just(0u32), 1 => Just(23u32)];
    let second = prop_oneof![12 => 0..=59u32, 1 => Just(59u32), 1 => Just(60u32)];
    (hour, 0..=59u32, second)
}

fn zone() -> impl Strategy<Value = Zone> {
    prop_oneof![
        2 => prop::sample::select(vec!['Z', 'z']).prop_map(Zone::Zulu),
        4 => (-1439..=1439i32, any::<bool>()).prop_map(|(east, minus)| Zone::Offset { east, minus }),
        1 => (prop::sample::select(vec![-1439, -720, -1, 0, 1, 720, 1439]), any::<bool>())
            .prop_map(|(east, minus)| Zone::Offset { east, minus }),
    ]
}

fn parts() -> impl Strategy<Value = Parts> {
    (
        date(),
        time(),
        "[0-9]{0,9}",
        prop::sample::select(vec!['T', 't', ' ']),
        zone(),
    )
        .prop_map(|(date, time, fraction, separator, zone)| Parts {
            date,
            time,
            fraction,
            separator,
            zone,
        })
}

/// The file of one case: hire `i + 1` has the `i`-th text.
fn csv(stamps: &[Parts]) -> String {
    stamps
        .iter()
        .enumerate()
        .map(|(i, p)| {
            format!(
                "{},Hire {},{},{},{}\n",
                i + 1,
                i + 1,
                p.text(),
                i % 2 + 1,
                i % 3 + 1
            )
        })
        .collect()
}

/// Departments 1..=2 and jobs 1..=3, no hires.
fn parents() -> Contents {
    Contents {
        departments: (1..=2).map(dept).collect(),
        jobs: (1..=3).map(job).collect(),
        hires: Vec::new(),
    }
}

fn load(storage: &Repositories, file: &str, bulk: bool) -> TableSummary {
    let options = LoadOptions {
        bulk,
        batch_size: 16,
        ..LoadOptions::default()
    };
    Migration::new(storage, options)
        .load(
            Table::HiredEmployees,
            file.as_bytes(),
            "timestamps.csv",
            &(),
        )
        .unwrap()
}

/// Hires per UTC year and quarter as the aggregate holds them.
fn aggregate(db: &TestDb) -> BTreeMap<(i32, u32), u64> {
    let concat = match db.engine {
        Engine::Sqlite => "group_concat(g, ' ')",
        Engine::Postgres => "string_agg(g, ' ')",
    };
    let text = db.text(&format!(
        "(SELECT COALESCE({concat}, '') FROM (SELECT year || ':' || quarter || ':' || SUM(hired) \
         AS g FROM hire_counts GROUP BY year, quarter) s)"
    ));
    text.split_whitespace()
        .map(|g| {
            let v: Vec<&str> = g.split(':').collect();
            (
                (v[0].parse().unwrap(), v[1].parse().unwrap()),
                v[2].parse().unwrap(),
            )
        })
        .collect()
}

/// Each hire's `datetime` as the database holds it: on SQLite the text, on PostgreSQL the
/// microseconds since the epoch.
fn stored_datetimes(db: &TestDb) -> BTreeMap<i32, String> {
    let (concat, value) = match db.engine {
        Engine::Sqlite => ("group_concat(g, ' ')", "datetime"),
        Engine::Postgres => (
            "string_agg(g, ' ')",
            "CAST(EXTRACT(EPOCH FROM datetime) * 1000000 AS bigint)",
        ),
    };
    let text = db.text(&format!(
        "(SELECT COALESCE({concat}, '') FROM (SELECT id || '=' || {value} AS g \
         FROM hired_employees) s)"
    ));
    text.split_whitespace()
        .map(|g| {
            let (id, value) = g.split_once('=').unwrap();
            (id.parse().unwrap(), value.to_owned())
        })
        .collect()
}

/// What the database should hold for an instant.
fn stored_form(engine: Engine, micros: i64) -> String {
    match engine {
        Engine::Sqlite => DateTime::from_timestamp_micros(micros)
            .unwrap()
            .to_rfc3339_opts(SecondsFormat::AutoSi, true),
        Engine::Postgres => micros.to_string(),
    }
}

/// Checks everything that must hold while the accepted hires are stored.
fn assert_stored(db: &TestDb, storage: &Repositories, expected: &BTreeMap<i32, i64>, step: &str) {
    let hires = contents(storage).hires;
    let read: BTreeMap<i32, i64> = hires
        .iter()
        .map(|h| (h.id().get(), h.datetime().micros()))
        .collect();
    assert_eq!(&read, expected, "{step}: the instants read back");

    let raw: BTreeMap<i32, String> = expected
        .iter()
        .map(|(&id, &micros)| (id, stored_form(db.engine, micros)))
        .collect();
    assert_eq!(
        stored_datetimes(db),
        raw,
        "{step}: the stored datetime column"
    );

    let mut quarters: BTreeMap<(i32, u32), u64> = BTreeMap::new();
    for &micros in expected.values() {
        *quarters.entry(year_quarter(micros)).or_default() += 1;
    }
    assert_eq!(aggregate(db), quarters, "{step}: the hire_counts aggregate");

    let years: BTreeSet<i32> = quarters
        .keys()
        .flat_map(|&(y, _)| [y - 1, y, y + 1])
        .filter_map(|y| ReportYear::new(y.into()).ok().map(ReportYear::get))
        .collect();
    for year in years {
        let report =
            hires_by_quarter(&*storage.reports, ReportYear::new(year.into()).unwrap()).unwrap();
        let mut counted = [0u64; 4];
        for row in &report {
            for (total, n) in counted.iter_mut().zip([row.q1, row.q2, row.q3, row.q4]) {
                *total += n;
            }
        }
        let wanted: Vec<u64> = (1..=4)
            .map(|q| quarters.get(&(year, q)).copied().unwrap_or(0))
            .collect();
        assert_eq!(
            counted.to_vec(),
            wanted,
            "{step}: the hires-by-quarter report of {year}"
        );
    }
}

/// Loading the file again finds every accepted hire already present and refuses the rest.
fn assert_rerun_finds_them(
    storage: &Repositories,
    file: &str,
    accepted: u64,
    refused: u64,
    step: &str,
) {
    let again = load(storage, file, false);
    assert_eq!(
        (again.inserted, again.already_present, again.rejected),
        (0, accepted, refused),
        "{step}: a rerun"
    );
}

fn one_case(db: &TestDb, storage: &Repositories, stamps: &[Parts], case: usize) {
    let mut expected = BTreeMap::new();
    for (i, parts) in stamps.iter().enumerate() {
        let text = parts.text();
        let parsed = HireTime::parse(&text);
        assert_eq!(
            parsed.as_ref().ok().map(|t| t.micros()),
            parts.expected_micros(),
            "{text}: {parsed:?}"
        );
        let mut a_second_earlier = parts.clone();
        a_second_earlier.time.2 = 59;
        if parts.time.2 == 60 && a_second_earlier.expected_micros().is_some() {
            assert!(
                parsed.as_ref().is_err_and(|e| e.contains("leap second")),
                "{text}: {parsed:?}"
            );
        }
        if let Some(micros) = parts.expected_micros() {
            expected.insert(i32::try_from(i).unwrap() + 1, micros);
        }
    }
    let accepted = u64::try_from(expected.len()).unwrap();
    let refused = u64::try_from(stamps.len()).unwrap() - accepted;

    fill(storage, &parents());
    let file = csv(stamps);
    let first = load(storage, &file, case % 2 == 1);
    assert_eq!(
        (first.inserted, first.already_present, first.rejected),
        (accepted, 0, refused),
        "the first load"
    );
    assert_stored(db, storage, &expected, "after the load");
    assert_rerun_finds_them(storage, &file, accepted, refused, "after the load");

    let folder = tempfile::tempdir().unwrap();
    let files = AvroBackupStore::new(folder.path().join("avro_files"));
    let backups = Backups::new(&*storage.bulk, &files);
    backups
        .backup(&[], Codec::ALL[case % Codec::ALL.len()])
        .unwrap();
    fill(storage, &Contents::default());
    backups.restore_all().unwrap();
    assert_stored(db, storage, &expected, "after a backup and restore");
    assert_rerun_finds_them(storage, &file, accepted, refused, "after a restore");
}

fn accepted_timestamps_are_one_instant_on_every_path(db: &TestDb) {
    let storage = open(&db.url).unwrap();
    let case = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases: 8,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(parts(), 1..=40), |stamps| {
            one_case(db, &storage, &stamps, case.fetch_add(1, Ordering::Relaxed));
            Ok(())
        })
        .unwrap();
}

on_every_backend!(accepted_timestamps_are_one_instant_on_every_path);
