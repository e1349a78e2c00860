//! A CSV file of any bytes through the migration: parsing, the data-dictionary rules, the
//! look-ups and the write into SQLite. It may be refused or its rows rejected; it must never
//! panic, and every record read is accounted for.
#![no_main]

#[path = "common.rs"]
mod common;

use hiring_ports::migrate::{LoadOptions, Migration};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((table, csv)) = common::split(data) else {
        return;
    };
    let repos = common::repos();
    let options = LoadOptions {
        batch_size: 7,
        ..LoadOptions::default()
    };
    let mut migration = Migration::new(repos, options);
    if let Ok(summary) = migration.load(table, csv, "fuzz.csv", &()) {
        assert_eq!(
            summary.read,
            summary.inserted + summary.already_present + summary.rejected,
            "{summary:?}"
        );
    }
});
