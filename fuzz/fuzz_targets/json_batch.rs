//! A JSON batch body of any bytes, read as the API reads it, then validated and written into
//! SQLite. It may be refused or its rows rejected; it must never panic, and every row of a
//! batch is either inserted or rejected.
#![no_main]

#[path = "common.rs"]
mod common;

use hiring_domain::Batch;
use hiring_ports::ingest::{self, IncomingRow, IngestError, Mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((table, body)) = common::split(data) else {
        return;
    };
    let Ok(serde_json::Value::Array(items)) = serde_json::from_slice(body) else {
        return;
    };
    let rows: Vec<IncomingRow> = items
        .iter()
        .map(|item| IncomingRow::from_json(table, item))
        .collect();
    let Ok(batch) = Batch::new(rows) else {
        return;
    };
    let received = batch.len();
    let mode = if received % 2 == 0 {
        Mode::Partial
    } else {
        Mode::Atomic
    };
    match ingest::ingest(common::repos(), table, "fuzz", batch, mode) {
        Ok(report) => assert_eq!(report.inserted + report.rejected.len() as u64, received as u64),
        Err(IngestError::Refused(report)) => assert_eq!(report.inserted, 0),
        Err(other) => panic!("storage failed: {other}"),
    }
});
