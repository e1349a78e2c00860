//! The inputs of `hiring migrate`: which files fill each table, checked to exist before anything
//! loads, and opening them (decoding `.gz` and `.zst` files, reading standard input for `-`).
//!
//! In a folder, a table's input is `TABLE.csv`, `TABLE.csv.gz` or `TABLE.csv.zst`, or a folder
//! `TABLE/` whose `.csv`, `.csv.gz` and `.csv.zst` files are loaded in name order. With
//! `--table`, each `--file` is a file, a glob (`'hired_employees*.csv'`, matches in name order)
//! or `-` for standard input.

use anyhow::{bail, Context};
use hiring_domain::Table;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// The endings of the files a table's folder may hold, and of a table's file in a folder.
const ENDINGS: [&str; 3] = [".csv", ".csv.gz", ".csv.zst"];

/// The name of standard input in rejects and logs (`stdin:12`).
const STDIN_NAME: &str = "stdin";

/// Where an input is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// Standard input (`--file -`).
    Stdin,
    /// A file.
    File(PathBuf),
}

/// One input of a migration: the table it fills, where it is, and its name in rejects and logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// The table its rows go to.
    pub table: Table,
    /// Where it is read from.
    pub location: Location,
    /// Its name in rejects and logs: the file name, or `stdin`.
    pub name: String,
}

impl Planned {
    fn file(table: Table, path: PathBuf) -> Self {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Self {
            table,
            location: Location::File(path),
            name,
        }
    }

    /// The input as messages and the run history show it: its path, or `standard input`.
    pub fn shown(&self) -> String {
        match &self.location {
            Location::Stdin => "standard input".to_owned(),
            Location::File(path) => path.display().to_string(),
        }
    }
}

/// The inputs of every table in `dir`, parents' tables first, each checked to exist.
pub fn in_folder(dir: &Path) -> anyhow::Result<Vec<Planned>> {
    if !dir.is_dir() {
        bail!(
            "CSV folder {} does not exist or is not a folder",
            dir.display()
        );
    }
    let mut planned = Vec::new();
    for table in Table::ALL {
        planned.extend(of_table(dir, table)?);
    }
    Ok(planned)
}

/// The inputs of `table` in `dir`: its one file, or the files of its folder in name order.
fn of_table(dir: &Path, table: Table) -> anyhow::Result<Vec<Planned>> {
    let name = table.name();
    let mut found: Vec<PathBuf> = ENDINGS
        .iter()
        .map(|ending| dir.join(format!("{name}{ending}")))
        .filter(|path| path.is_file())
        .collect();
    let folder = dir.join(name);
    if folder.is_dir() {
        found.push(folder.clone());
    }
    match found.as_slice() {
        [] => bail!(
            "CSV file {} does not exist or is not a file (nor {name}.csv.gz, {name}.csv.zst or \
             a folder {name}/ of CSV files)",
            dir.join(table.file_name()).display()
        ),
        [only] if *only == folder => {
            let files = csv_files_in(&folder)?;
            Ok(files
                .into_iter()
                .map(|path| Planned::file(table, path))
                .collect())
        }
        [only] => Ok(vec![Planned::file(table, only.clone())]),
        several => bail!(
            "{name} has several inputs in {}: {}; keep only one",
            dir.display(),
            several
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The `.csv`, `.csv.gz` and `.csv.zst` files of `folder` in name order; at least one.
fn csv_files_in(folder: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(folder)
        .with_context(|| format!("cannot list the folder {}", folder.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list the folder {}", folder.display()))?
            .path();
        if has_csv_ending(&path) && path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        bail!(
            "the folder {} holds no .csv, .csv.gz or .csv.zst file",
            folder.display()
        );
    }
    files.sort();
    Ok(files)
}

fn has_csv_ending(path: &Path) -> bool {
    path.file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|name| ENDINGS.iter().any(|ending| name.ends_with(ending)))
}

/// The inputs of `table` given with `--file`, in the order given (a glob's matches in name
/// order), each checked to exist.
pub fn of_files(table: Table, files: &[PathBuf]) -> anyhow::Result<Vec<Planned>> {
    let mut planned = Vec::new();
    for file in files {
        if file.as_os_str() == "-" {
            if planned
                .iter()
                .any(|p: &Planned| p.location == Location::Stdin)
            {
                bail!("standard input (`--file -`) can be read only once");
            }
            planned.push(Planned {
                table,
                location: Location::Stdin,
                name: STDIN_NAME.to_owned(),
            });
        } else if file.is_file() {
            planned.push(Planned::file(table, file.clone()));
        } else if is_glob(file) {
            planned.extend(matches(file)?.into_iter().map(|p| Planned::file(table, p)));
        } else {
            bail!(
                "CSV file {} does not exist or is not a file",
                file.display()
            );
        }
    }
    Ok(planned)
}

fn is_glob(path: &Path) -> bool {
    path.to_string_lossy().contains(['*', '?', '['])
}

/// The files `pattern` matches, in name order; at least one.
fn matches(pattern: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let text = pattern.to_string_lossy();
    let paths = glob::glob(&text).with_context(|| format!("{text} is not a valid pattern"))?;
    let mut files = Vec::new();
    for path in paths {
        let path = path.with_context(|| format!("cannot list the files matching {text}"))?;
        if path.is_file() {
            files.push(path);
        }
    }
    if files.is_empty() {
        bail!("no CSV file matches {text}");
    }
    files.sort();
    Ok(files)
}

/// An open input: its CSV text, decoded when it was compressed.
pub struct Input {
    reader: Box<dyn Read>,
    size: u64,
}

impl Input {
    /// The bytes of its text when known ahead (a plain file), else 0.
    pub fn size(&self) -> u64 {
        self.size
    }
}

impl Read for Input {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reader.read(buf)
    }
}

/// How a file is decoded, from its name.
fn compression(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".gz") {
        Some("gzip")
    } else if name.ends_with(".zst") {
        Some("zstd")
    } else {
        None
    }
}

/// Opens `planned`: a `.gz` file is read through a gzip decoder (several members one after the
/// other, as `cat a.gz b.gz` makes), a `.zst` file through a zstd decoder, `-` is standard
/// input.
pub fn open(planned: &Planned) -> std::io::Result<Input> {
    let path = match &planned.location {
        Location::Stdin => {
            return Ok(Input {
                reader: Box::new(std::io::stdin().lock()),
                size: 0,
            })
        }
        Location::File(path) => path,
    };
    let file = File::open(path)?;
    let (reader, size): (Box<dyn Read>, u64) = match compression(path) {
        Some("gzip") => (
            Box::new(flate2::read::MultiGzDecoder::new(BufReader::new(file))),
            0,
        ),
        Some(_) => (Box::new(zstd::stream::read::Decoder::new(file)?), 0),
        None => {
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            (Box::new(file), size)
        }
    };
    Ok(Input { reader, size })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    fn touch(path: &Path) {
        std::fs::write(path, b"1,a\n").unwrap();
    }

    fn names(planned: &[Planned]) -> Vec<(Table, &str)> {
        planned.iter().map(|p| (p.table, p.name.as_str())).collect()
    }

    #[test]
    fn a_folder_gives_each_table_its_file_or_its_folder_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("departments.csv.gz"));
        touch(&dir.path().join("jobs.csv"));
        let hires = dir.path().join("hired_employees");
        std::fs::create_dir(&hires).unwrap();
        for name in ["b.csv.zst", "a.csv", "notes.txt", "c.CSV"] {
            touch(&hires.join(name));
        }
        let planned = in_folder(dir.path()).unwrap();
        assert_eq!(
            names(&planned),
            [
                (Table::Departments, "departments.csv.gz"),
                (Table::Jobs, "jobs.csv"),
                (Table::HiredEmployees, "a.csv"),
                (Table::HiredEmployees, "b.csv.zst"),
                (Table::HiredEmployees, "c.CSV"),
            ]
        );
    }

    #[test]
    fn a_missing_or_doubled_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        touch(&dir.path().join("departments.csv"));
        touch(&dir.path().join("departments.csv.zst"));
        touch(&dir.path().join("jobs.csv"));
        let err = in_folder(dir.path()).unwrap_err().to_string();
        assert!(err.contains("departments has several inputs"), "{err}");
        std::fs::remove_file(dir.path().join("departments.csv.zst")).unwrap();
        let err = in_folder(dir.path()).unwrap_err().to_string();
        assert!(err.contains("hired_employees.csv does not exist"), "{err}");
        std::fs::create_dir(dir.path().join("hired_employees")).unwrap();
        let err = in_folder(dir.path()).unwrap_err().to_string();
        assert!(err.contains("holds no .csv"), "{err}");
    }

    #[test]
    fn files_globs_and_stdin_keep_their_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["h-2.csv", "h-1.csv", "other.csv"] {
            touch(&dir.path().join(name));
        }
        let files = [
            dir.path().join("other.csv"),
            dir.path().join("h-*.csv"),
            PathBuf::from("-"),
        ];
        let planned = of_files(Table::Jobs, &files).unwrap();
        assert_eq!(
            names(&planned),
            [
                (Table::Jobs, "other.csv"),
                (Table::Jobs, "h-1.csv"),
                (Table::Jobs, "h-2.csv"),
                (Table::Jobs, "stdin"),
            ]
        );
        let err = of_files(Table::Jobs, &[dir.path().join("x*.csv")]).unwrap_err();
        assert!(err.to_string().contains("no CSV file matches"), "{err}");
        let err = of_files(Table::Jobs, &[PathBuf::from("-"), PathBuf::from("-")]).unwrap_err();
        assert!(err.to_string().contains("only once"), "{err}");
    }

    #[test]
    fn compressed_files_are_decoded_by_their_ending() {
        let dir = tempfile::tempdir().unwrap();
        let text = b"1,Sales\n2,Legal\n";
        let gz = dir.path().join("departments.csv.gz");
        let mut encoder =
            flate2::write::GzEncoder::new(File::create(&gz).unwrap(), Default::default());
        encoder.write_all(text).unwrap();
        encoder.finish().unwrap();
        let zst = dir.path().join("departments.csv.zst");
        std::fs::write(&zst, zstd::encode_all(&text[..], 3).unwrap()).unwrap();
        for path in [gz, zst] {
            let mut decoded = Vec::new();
            open(&Planned::file(Table::Departments, path))
                .unwrap()
                .read_to_end(&mut decoded)
                .unwrap();
            assert_eq!(decoded, text);
        }
    }
}
