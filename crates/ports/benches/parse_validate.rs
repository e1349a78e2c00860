//! Throughput of what `hiring migrate --dry-run` does to every row, on rows generated in memory
//! (shaped like `hiring generate`'s `hired_employees.csv`: CRLF lines, about 3.6% invalid rows):
//!
//! - `csv`: the CSV parser alone, records read from the bytes;
//! - `rules`: the domain rules alone, a hire built from its fields;
//! - `dry_run`: the whole dry run of the migrate use case (parse, rules, set-wise checks
//!   against storage, classification), storage being an in-memory stand-in that holds every
//!   department and job and no hire.
//!
//! `cargo bench -p hiring-ports --bench parse_validate`; throughput is in rows (elements).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use hiring_domain::{HiredEmployee, Id, Record, Rejection, Table};
use hiring_ports::migrate::{LoadOptions, Migration};
use hiring_ports::{
    BulkLoad, KeyLookup, MockRejectLog, MockReports, MockTableRepository, RepoError, Repositories,
    RowSink, TableRepository,
};
use std::sync::Arc;

/// Rows per benchmark iteration.
const ROWS: usize = 200_000;

const FIRST: [&str; 8] = [
    "Marcelo",
    "Lyman",
    "Zoë",
    "Björn",
    "Ann",
    "Kwame",
    "Ana Lucía",
    "Li",
];
const LAST: [&str; 8] = [
    "Gonzalez", "Hadye", "Ñandú", "Smith", "O'Neil", "Mensah", "Wu", "Díaz",
];

/// A small deterministic generator (64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// `rows` lines of `hired_employees.csv`: about 3.5% with one empty field, 0.1% malformed.
fn hires_csv(rows: usize) -> Vec<u8> {
    let mut rng = Lcg(42);
    let mut out = String::with_capacity(rows * 50);
    for id in 1..=rows {
        let name = format!(
            "{} {}",
            FIRST[rng.next(8) as usize],
            LAST[rng.next(8) as usize]
        );
        let at = format!(
            "2021-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            1 + rng.next(12),
            1 + rng.next(28),
            rng.next(24),
            rng.next(60),
            rng.next(60)
        );
        let mut fields = [
            id.to_string(),
            name,
            at,
            (1 + rng.next(12)).to_string(),
            (1 + rng.next(183)).to_string(),
        ];
        match rng.next(1000) {
            0..=34 => fields[1 + rng.next(4) as usize].clear(),
            35 => fields[2] = "2021-13-01T00:00:00Z".into(),
            36 => fields[3] = "99".into(),
            _ => {}
        }
        if id > 1 {
            out.push_str("\r\n");
        }
        out.push_str(&fields.join(","));
    }
    out.into_bytes()
}

/// Storage holding departments 1..=12, jobs 1..=183 and no hire.
struct Parents;

impl KeyLookup for Parents {
    fn existing_ids(&self, table: Table, ids: &[Id]) -> Result<Vec<Id>, RepoError> {
        let max = match table {
            Table::Departments => 12,
            Table::Jobs => 183,
            Table::HiredEmployees => 0,
        };
        Ok(ids.iter().copied().filter(|id| id.get() <= max).collect())
    }
}

struct NoHires;

impl TableRepository<HiredEmployee> for NoHires {
    fn find_by_ids(&self, _: &[Id]) -> Result<Vec<HiredEmployee>, RepoError> {
        Ok(Vec::new())
    }
    fn write_batch(&self, _: &[HiredEmployee], _: &[Rejection]) -> Result<u64, RepoError> {
        unreachable!("a dry run writes nothing")
    }
    fn write_batch_completing(
        &self,
        _: &[HiredEmployee],
        _: &[Rejection],
        _: &hiring_ports::idempotency::Completion,
    ) -> Result<u64, RepoError> {
        unreachable!("a dry run writes nothing")
    }
    fn count(&self) -> Result<u64, RepoError> {
        Ok(0)
    }
    fn for_each(&self, _: &mut dyn RowSink<HiredEmployee>) -> Result<u64, RepoError> {
        Ok(0)
    }
    fn replace_all(&self, _: &mut dyn Iterator<Item = HiredEmployee>) -> Result<u64, RepoError> {
        unreachable!("a dry run writes nothing")
    }
    fn bulk_load(&self) -> Result<Option<Box<dyn BulkLoad<HiredEmployee>>>, RepoError> {
        Ok(None)
    }
}

fn repositories() -> Repositories {
    Repositories {
        departments: Arc::new(MockTableRepository::new()),
        jobs: Arc::new(MockTableRepository::new()),
        hired_employees: Arc::new(NoHires),
        keys: Arc::new(Parents),
        rejects: Arc::new(MockRejectLog::new()),
        reports: Arc::new(MockReports::new()),
        idempotency: Arc::new(hiring_ports::idempotency::MockIdempotencyStore::new()),
        audit: Arc::new(hiring_ports::audit::MockAuditLog::new()),
        runs: Arc::new(hiring_ports::MockRunLog::new()),
        bulk: Arc::new(hiring_ports::MockBulkStorage::new()),
        description: "in memory".into(),
    }
}

fn parse_and_validate(c: &mut Criterion) {
    let input = hires_csv(ROWS);
    let mut group = c.benchmark_group("hired_employees");
    group.throughput(Throughput::Elements(ROWS as u64));
    group.sample_size(20);

    group.bench_function("csv", |b| {
        b.iter(|| {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(&input[..]);
            let mut record = csv::ByteRecord::new();
            let mut fields = 0;
            while reader.read_byte_record(&mut record).unwrap() {
                fields += record.len();
            }
            fields
        })
    });

    let text = String::from_utf8(input.clone()).unwrap();
    let rows: Vec<Vec<&str>> = text.split("\r\n").map(|l| l.split(',').collect()).collect();
    group.bench_function("rules", |b| {
        b.iter(|| {
            rows.iter()
                .filter(|fields| HiredEmployee::from_fields(fields).is_ok())
                .count()
        })
    });

    let repos = repositories();
    group.bench_function("dry_run", |b| {
        b.iter_batched(
            || {
                Migration::new(
                    &repos,
                    LoadOptions {
                        dry_run: true,
                        ..LoadOptions::default()
                    },
                )
            },
            |mut migration| {
                let summary = migration
                    .load(
                        Table::HiredEmployees,
                        &input[..],
                        "hired_employees.csv",
                        &(),
                    )
                    .unwrap();
                assert_eq!(summary.read, ROWS as u64);
                summary.inserted
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
    let valid = rows
        .iter()
        .filter(|fields| HiredEmployee::from_fields(fields).is_ok())
        .count();
    assert!(valid < ROWS && valid > ROWS * 9 / 10, "{valid} valid rows");
    let _ = HiredEmployee::TABLE;
}

criterion_group!(benches, parse_and_validate);
criterion_main!(benches);
