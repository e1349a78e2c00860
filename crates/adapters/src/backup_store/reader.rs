//! Reading one backup file: its header and schema checked on opening, each record against the
//! domain rules.

use super::files::io_error;
use super::format::{schemas, slot, IO_BUFFER};
use super::format::{META_CREATED_AT, META_ROWS, META_SCHEMA_VERSION, META_TABLE};
use apache_avro::types::Value;
use apache_avro::Schema;
use hiring_domain::{
    Department, FieldError, HireTime, HiredEmployee, Id, Job, RowErrors, Table, Text,
};
use hiring_ports::{AnyRow, BackupError, BackupInfo, BackupReader, SCHEMA_VERSION};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// Why a file whose reading made the Avro library panic is refused.
const DAMAGED: &str = "it is damaged: the Avro library could not read it";

/// `read`, or `None` when it panicked. apache-avro 0.21 panics on some damaged input (an
/// arithmetic overflow on a compressed block shorter than its checksum, found by the avro_read
/// fuzz target) where it should return an error; a backup file is outside input, so such a
/// panic is the file's fault, never the process's end.
fn without_panics<T>(read: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).ok()
}

/// The bytes of a backup file, from its start.
pub(super) type Source = Box<dyn Read + Send>;

/// Reads and checks one backup file.
pub(super) struct AvroReader {
    pub(super) info: BackupInfo,
    reader: apache_avro::Reader<'static, BufReader<Source>>,
    read: u64,
}

impl AvroReader {
    pub(super) fn open(path: &Path, shown: String) -> Result<Self, BackupError> {
        let open = || -> Result<(Source, u64), BackupError> {
            let file = File::open(path).map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => {
                    BackupError::NotFound(format!("backup file {shown} does not exist"))
                }
                _ => io_error(path, &e),
            })?;
            let size = file.metadata().map_err(|e| io_error(path, &e))?.len();
            Ok((Box::new(file), size))
        };
        let (header, _) = open()?;
        let (file, size) = open()?;
        Self::from_source(header, file, size, shown)
    }

    /// Reads the backup file `shown` of `size` bytes: `header` and `body` both read it from
    /// its start (the first for its header alone).
    pub(super) fn from_source(
        header: Source,
        body: Source,
        size: u64,
        shown: String,
    ) -> Result<Self, BackupError> {
        let corrupt = |reason: String| BackupError::Corrupt {
            file: shown.clone(),
            reason,
        };
        let incompatible = |reason: String| BackupError::IncompatibleSchema {
            file: shown.clone(),
            reason,
        };
        let codec = read_codec(header)
            .map_err(|e| corrupt(format!("not an Avro object container file ({e})")))?;
        let file = body;
        let reader =
            without_panics(|| apache_avro::Reader::new(BufReader::with_capacity(IO_BUFFER, file)))
                .ok_or_else(|| corrupt(DAMAGED.into()))?
                .map_err(|e| corrupt(format!("not an Avro object container file ({e})")))?;
        let metadata = reader.user_metadata();
        let text = |key: &str| -> Result<Option<String>, BackupError> {
            metadata
                .get(key)
                .map(|bytes| {
                    String::from_utf8(bytes.clone())
                        .map_err(|_| corrupt(format!("metadata {key} is not UTF-8 text")))
                })
                .transpose()
        };
        let Schema::Record(record) = reader.writer_schema() else {
            return Err(incompatible(format!(
                "expected a record schema, found {}",
                reader.writer_schema().canonical_form()
            )));
        };
        let table = match text(META_TABLE)? {
            Some(name) => name
                .parse::<Table>()
                .map_err(|e| incompatible(format!("metadata {META_TABLE}: {e}")))?,
            None => record.name.name.parse::<Table>().map_err(|_| {
                incompatible(format!(
                    "no {META_TABLE} metadata, and the record {} names no table",
                    record.name.name
                ))
            })?,
        };
        let schema_version = match text(META_SCHEMA_VERSION)? {
            Some(v) => v
                .parse::<u32>()
                .map_err(|_| corrupt(format!("metadata {META_SCHEMA_VERSION} is {v:?}")))?,
            None => SCHEMA_VERSION,
        };
        if schema_version != SCHEMA_VERSION {
            return Err(incompatible(format!(
                "schema version {schema_version}; this release reads version {SCHEMA_VERSION}"
            )));
        }
        let expected = &schemas()?.canonical[slot(table)];
        let found = reader.writer_schema().canonical_form();
        if &found != expected {
            return Err(incompatible(format!(
                "a backup of {table} must have the schema {expected}, found {found}"
            )));
        }
        let rows = match text(META_ROWS)? {
            Some(n) => Some(
                n.parse::<u64>()
                    .map_err(|_| corrupt(format!("metadata {META_ROWS} is {n:?}")))?,
            ),
            None => None,
        };
        let created_at = text(META_CREATED_AT)?;
        Ok(Self {
            info: BackupInfo {
                table,
                file: shown.clone(),
                rows,
                size,
                created_at,
                codec,
                schema_version,
                sha256: None,
            },
            reader,
            read: 0,
        })
    }

    fn corrupt(&self, reason: String) -> BackupError {
        BackupError::Corrupt {
            file: self.info.file.clone(),
            reason,
        }
    }
}

/// The `avro.codec` of a file's header (`null` when absent), once the names of its schema are
/// known to be Avro names.
fn read_codec(source: Source) -> Result<String, String> {
    let mut file = BufReader::new(source);
    let entries = super::header::read(&mut file)?;
    if let Some(schema) = entries.get("avro.schema") {
        super::schema_names::check(schema)?;
    }
    Ok(entries.get("avro.codec").map_or_else(
        || "null".into(),
        |codec| String::from_utf8_lossy(codec).into_owned(),
    ))
}

impl BackupReader for AvroReader {
    fn info(&self) -> BackupInfo {
        self.info.clone()
    }

    fn next_row(&mut self) -> Result<Option<AnyRow>, BackupError> {
        let reader = &mut self.reader;
        let Some(next) =
            without_panics(|| reader.next()).ok_or_else(|| self.corrupt(DAMAGED.into()))?
        else {
            return match self.info.rows {
                Some(declared) if declared != self.read => Err(self.corrupt(format!(
                    "it holds {} records but declares {declared}: the file was cut short",
                    self.read
                ))),
                _ => Ok(None),
            };
        };
        let value = next.map_err(|e| self.corrupt(e.to_string()))?;
        self.read += 1;
        if let Some(declared) = self.info.rows.filter(|&d| self.read > d) {
            return Err(self.corrupt(format!(
                "it holds more records than the {declared} it declares"
            )));
        }
        row_from_value(self.info.table, value)
            .map(Some)
            .map_err(|errors| BackupError::InvalidRecord {
                file: self.info.file.clone(),
                record: self.read,
                errors,
            })
    }
}

/// Collects the violations of one record.
#[derive(Default)]
struct Problems(Vec<FieldError>);

impl Problems {
    fn take<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        result
            .map_err(|message| self.0.push(FieldError::new(field, message)))
            .ok()
    }

    fn finish(self) -> RowErrors {
        RowErrors::from_vec(self.0)
            .unwrap_or_else(|| RowErrors::single("record", "does not match the schema"))
    }
}

fn int(value: Option<Value>) -> Result<i64, String> {
    match value {
        Some(Value::Int(v)) => Ok(i64::from(v)),
        Some(Value::Long(v)) => Ok(v),
        Some(other) => Err(format!("must be an int, found {other:?}")),
        None => Err("is required".into()),
    }
}

fn string(value: Option<Value>) -> Result<String, String> {
    match value {
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(format!("must be a string, found {other:?}")),
        None => Err("is required".into()),
    }
}

fn micros(value: Option<Value>) -> Result<i64, String> {
    match value {
        Some(Value::TimestampMicros(v) | Value::Long(v)) => Ok(v),
        Some(other) => Err(format!("must be a timestamp-micros long, found {other:?}")),
        None => Err("is required".into()),
    }
}

/// Applies the domain rules to one decoded record, reporting every broken field.
fn row_from_value(table: Table, value: Value) -> Result<AnyRow, RowErrors> {
    let Value::Record(fields) = value else {
        return Err(RowErrors::single("record", "is not a record"));
    };
    let mut values = fields.into_iter().map(|(_, v)| v);
    let mut problems = Problems::default();
    let columns = table.columns();
    let mut id = || problems.take(columns[0], int(values.next()).and_then(Id::new));
    let id = id();
    let row = match table {
        Table::Departments => {
            let name = problems.take(
                columns[1],
                string(values.next()).and_then(|s| Text::parse(&s)),
            );
            id.zip(name)
                .map(|(id, name)| AnyRow::Department(Department::new(id, name)))
        }
        Table::Jobs => {
            let name = problems.take(
                columns[1],
                string(values.next()).and_then(|s| Text::parse(&s)),
            );
            id.zip(name)
                .map(|(id, name)| AnyRow::Job(Job::new(id, name)))
        }
        Table::HiredEmployees => {
            let name = problems.take(
                columns[1],
                string(values.next()).and_then(|s| Text::parse(&s)),
            );
            let datetime = problems.take(
                columns[2],
                micros(values.next()).and_then(HireTime::from_micros),
            );
            let department_id = problems.take(columns[3], int(values.next()).and_then(Id::new));
            let job_id = problems.take(columns[4], int(values.next()).and_then(Id::new));
            match (id, name, datetime, department_id, job_id) {
                (Some(id), Some(name), Some(at), Some(department), Some(job)) => Some(
                    AnyRow::HiredEmployee(HiredEmployee::new(id, name, at, department, job)),
                ),
                _ => None,
            }
        }
    };
    row.ok_or_else(|| problems.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_breaking_rules_report_every_field() {
        let value = Value::Record(vec![
            ("id".into(), Value::Int(0)),
            ("name".into(), Value::String("  ".into())),
            ("datetime".into(), Value::TimestampMicros(i64::MIN)),
            ("department_id".into(), Value::Int(3)),
            ("job_id".into(), Value::Int(-1)),
        ]);
        let errors = row_from_value(Table::HiredEmployees, value).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field()).collect();
        assert_eq!(fields, ["id", "name", "datetime", "job_id"]);
    }
}

#[cfg(test)]
mod fuzz_finds {
    use super::*;

    /// Inputs the fuzzer found: each is refused or read, never a panic.
    #[test]
    fn inputs_the_fuzzer_found_are_refused_without_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let found =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/avro_crashes");
        for entry in std::fs::read_dir(found).unwrap() {
            let input = entry.unwrap().path();
            let path = dir.path().join("input.avro");
            std::fs::copy(&input, &path).unwrap();
            if let Ok(mut reader) = AvroReader::open(&path, "input.avro".into()) {
                for _ in 0..100_000 {
                    match reader.next_row() {
                        Ok(Some(_)) => {}
                        Ok(None) | Err(_) => break,
                    }
                }
            }
        }
    }
}
