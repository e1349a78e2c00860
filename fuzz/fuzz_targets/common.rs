//! What the targets share: one SQLite database per fuzzing process, and the table an input is
//! for (its first byte).

use hiring_domain::Table;
use hiring_ports::Repositories;
use std::sync::OnceLock;

/// The repositories of one SQLite file in a temporary folder, opened once per process: inputs
/// accumulate, so later ones also meet stored ids (already present, conflicts).
pub fn repos() -> &'static Repositories {
    static REPOS: OnceLock<(tempfile::TempDir, Repositories)> = OnceLock::new();
    &REPOS
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("a temporary folder");
            let url = dir.path().join("fuzz.db");
            let repos = hiring_adapters::open(&url.to_string_lossy()).expect("an SQLite database");
            (dir, repos)
        })
        .1
}

/// The table an input is for, chosen by its first byte, and the rest of the input.
pub fn split(data: &[u8]) -> Option<(Table, &[u8])> {
    let (first, rest) = data.split_first()?;
    Some((Table::ALL[usize::from(*first) % Table::ALL.len()], rest))
}
