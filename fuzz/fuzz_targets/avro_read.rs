//! A backup file of any bytes, opened and read as a restore reads it. It may be refused; it
//! must never panic, and every record it yields passed the data-dictionary rules.
#![no_main]

use hiring_adapters::AvroBackupStore;
use hiring_ports::BackupStore;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn folder() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        // The adapter turns a panic of the Avro library into a refusal (see `without_panics` in
        // its reader); libFuzzer's hook would abort on the panic even so. A panic that escapes
        // the adapter still fails the run: libfuzzer-sys aborts on it after the call.
        std::panic::set_hook(Box::new(|_| {}));
        tempfile::tempdir().expect("a temporary folder")
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = folder();
    let path = dir.path().join("input.avro");
    std::fs::write(&path, data).expect("the input written");
    let store = AvroBackupStore::new(dir.path());
    let Ok(mut reader) = store.open(&path) else {
        return;
    };
    let info = reader.info();
    let mut rows = 0_u64;
    // Bounded: a file can claim any number of records.
    while rows < 100_000 {
        match reader.next_row() {
            Ok(Some(row)) => {
                assert_eq!(row.table(), info.table);
                rows += 1;
            }
            Ok(None) | Err(_) => break,
        }
    }
});
