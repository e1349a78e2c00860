//! The backup-store port on Avro object container files (the `apache-avro` crate).
//!
//! Layout: `<dir>/<table>/<table>-<UTC yyyymmddThhmmssZ>.avro`, one file per table and backup.
//! When that name is taken (two backups within one second) the file becomes
//! `<table>-<stamp>-2.avro`, `-3`, ...: an existing file is never replaced.
//!
//! Each file holds records of the table's schema (`src/avro/<table>.avsc`, version
//! [`SCHEMA_VERSION`]) and metadata that makes it describe itself: `hiring.table`,
//! `hiring.rows`, `hiring.schema_version` and `hiring.created_at` (RFC 3339, UTC). The row count
//! is written in the header before the rows, so a file cut short exactly between two blocks is
//! still caught when it is read.
//!
//! Writing goes to a hidden temporary file in the same folder, which is flushed and fsynced,
//! then hard-linked to its final name (which fails rather than replaces when the name exists)
//! and unlinked; the folder is fsynced last. No partial file ever carries a backup's name.

use apache_avro::types::Value;
use apache_avro::Schema;
use chrono::{SecondsFormat, Utc};
use hiring_domain::{
    Department, FieldError, HireTime, HiredEmployee, Id, Job, Record, RowErrors, Table, Text,
};
use hiring_ports::{
    AnyRow, BackupError, BackupInfo, BackupReader, BackupStore, BackupWriter, Codec, SCHEMA_VERSION,
};
use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Metadata key: the table the file backs up.
pub const META_TABLE: &str = "hiring.table";
/// Metadata key: how many records the file holds.
pub const META_ROWS: &str = "hiring.rows";
/// Metadata key: the version of the record schema.
pub const META_SCHEMA_VERSION: &str = "hiring.schema_version";
/// Metadata key: when the backup was taken (RFC 3339, UTC, microseconds).
pub const META_CREATED_AT: &str = "hiring.created_at";

/// Uncompressed bytes per Avro block: large enough to compress well and keep the per-block
/// cost low, small enough to keep memory flat.
const BLOCK_BYTES: usize = 256 * 1024;

/// Buffer of the file reader and writer.
const IO_BUFFER: usize = 1 << 20;

/// The Avro record schema of `table`, as shipped in `src/avro/<table>.avsc`.
pub fn schema_json(table: Table) -> &'static str {
    match table {
        Table::Departments => include_str!("avro/departments.avsc"),
        Table::Jobs => include_str!("avro/jobs.avsc"),
        Table::HiredEmployees => include_str!("avro/hired_employees.avsc"),
    }
}

struct Schemas {
    parsed: [Schema; 3],
    canonical: [String; 3],
}

fn schemas() -> Result<&'static Schemas, BackupError> {
    static SCHEMAS: OnceLock<Result<Schemas, String>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            let parse = |table: Table| {
                Schema::parse_str(schema_json(table)).map_err(|e| format!("{table}.avsc: {e}"))
            };
            let parsed = [
                parse(Table::Departments)?,
                parse(Table::Jobs)?,
                parse(Table::HiredEmployees)?,
            ];
            let canonical = [
                parsed[0].canonical_form(),
                parsed[1].canonical_form(),
                parsed[2].canonical_form(),
            ];
            Ok(Schemas { parsed, canonical })
        })
        .as_ref()
        .map_err(|e| BackupError::IncompatibleSchema {
            file: "built-in schema".into(),
            reason: e.clone(),
        })
}

fn slot(table: Table) -> usize {
    match table {
        Table::Departments => 0,
        Table::Jobs => 1,
        Table::HiredEmployees => 2,
    }
}

fn avro_codec(codec: Codec) -> apache_avro::Codec {
    match codec {
        Codec::Null => apache_avro::Codec::Null,
        Codec::Deflate => apache_avro::Codec::Deflate(apache_avro::DeflateSettings::default()),
        Codec::Snappy => apache_avro::Codec::Snappy,
        Codec::Zstandard => {
            apache_avro::Codec::Zstandard(apache_avro::ZstandardSettings::default())
        }
    }
}

fn io_error(file: &Path, e: &io::Error) -> BackupError {
    BackupError::Io {
        file: file.display().to_string(),
        message: e.to_string(),
    }
}

/// Backup files in one folder, as Avro object container files.
#[derive(Debug, Clone)]
pub struct AvroBackupStore {
    dir: PathBuf,
}

impl AvroBackupStore {
    /// Keeps backups under `dir` (created on the first backup).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The backup folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `path` as shown to people: relative to the backup folder when inside it.
    fn display(&self, path: &Path) -> String {
        if let Ok(relative) = path.strip_prefix(&self.dir) {
            return relative.display().to_string();
        }
        if let (Ok(root), Ok(real)) = (fs::canonicalize(&self.dir), fs::canonicalize(path)) {
            if let Ok(relative) = real.strip_prefix(root) {
                return relative.display().to_string();
            }
        }
        path.display().to_string()
    }

    /// The backup files of `table`, newest first (by the stamp and suffix of their names;
    /// names of another shape come last).
    fn files_of(&self, table: Table) -> Result<Vec<PathBuf>, BackupError> {
        let folder = self.dir.join(table.name());
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_error(&folder, &e)),
        };
        let root = fs::canonicalize(&self.dir).map_err(|e| io_error(&self.dir, &e))?;
        let mut files = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| io_error(&folder, &e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.starts_with('.') || !name.ends_with(".avro") {
                continue;
            }
            let path = entry.path();
            if !path.is_file() {
                continue;
            }
            // A link leading out of the backup folder is never listed nor taken as the newest.
            if fs::canonicalize(&path).is_ok_and(|real| real.starts_with(&root)) {
                files.push((name_key(table, name), path));
            } else {
                tracing::warn!(file = %path.display(), "backup file leading out of the backup folder left out");
            }
        }
        files.sort_by(|a, b| b.cmp(a));
        Ok(files.into_iter().map(|(_, path)| path).collect())
    }

    fn info_of(&self, path: &Path) -> Result<BackupInfo, BackupError> {
        Ok(AvroReader::open(path, self.display(path))?.info)
    }
}

/// Sort key of a backup file name: `(matches the pattern, stamp, suffix, name)`.
fn name_key(table: Table, name: &str) -> (bool, String, u32, String) {
    let parsed = name
        .strip_prefix(table.name())
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|rest| rest.strip_suffix(".avro"))
        .and_then(|rest| {
            let (stamp, suffix) = match rest.split_once('-') {
                Some((stamp, n)) => (stamp, n.parse::<u32>().ok()?),
                None => (rest, 1),
            };
            let well_formed = stamp.len() == 16
                && stamp.as_bytes()[8] == b'T'
                && stamp.ends_with('Z')
                && stamp[..8].bytes().all(|b| b.is_ascii_digit())
                && stamp[9..15].bytes().all(|b| b.is_ascii_digit());
            well_formed.then(|| (stamp.to_owned(), suffix))
        });
    match parsed {
        Some((stamp, suffix)) => (true, stamp, suffix, name.to_owned()),
        None => (false, String::new(), 0, name.to_owned()),
    }
}

impl BackupStore for AvroBackupStore {
    fn create(
        &self,
        table: Table,
        rows: u64,
        codec: Codec,
    ) -> Result<Box<dyn BackupWriter>, BackupError> {
        Ok(Box::new(AvroWriter::create(self, table, rows, codec)?))
    }

    fn list(&self) -> Result<Vec<BackupInfo>, BackupError> {
        let mut all = Vec::new();
        for table in Table::ALL {
            for path in self.files_of(table)? {
                match self.info_of(&path) {
                    Ok(info) => all.push(info),
                    Err(e) => {
                        tracing::warn!(file = %path.display(), error = %e, "unreadable backup file left out of the list")
                    }
                }
            }
        }
        Ok(all)
    }

    fn newest(&self, table: Table) -> Result<Option<PathBuf>, BackupError> {
        Ok(self.files_of(table)?.into_iter().next())
    }

    fn resolve(&self, table: Table, name: &str) -> Result<PathBuf, BackupError> {
        let refuse = |reason: &str| BackupError::UnsafeName {
            name: name.to_owned(),
            reason: reason.to_owned(),
        };
        if name.is_empty() {
            return Err(refuse("it is empty"));
        }
        if name.contains('\0') {
            return Err(refuse("it contains a NUL character"));
        }
        let relative = Path::new(name);
        if relative.has_root() || relative.is_absolute() {
            return Err(refuse("absolute paths are not allowed"));
        }
        let mut parts = 0;
        for component in relative.components() {
            match component {
                Component::Normal(_) => parts += 1,
                Component::CurDir => {}
                Component::ParentDir => return Err(refuse("`..` is not allowed")),
                Component::RootDir | Component::Prefix(_) => {
                    return Err(refuse("absolute paths are not allowed"))
                }
            }
        }
        let candidate = if parts == 1 {
            self.dir.join(table.name()).join(relative)
        } else {
            self.dir.join(relative)
        };
        let not_found = || BackupError::NotFound(format!("there is no backup file {name:?}"));
        let root = fs::canonicalize(&self.dir).map_err(|_| not_found())?;
        let real = fs::canonicalize(&candidate).map_err(|_| not_found())?;
        if !real.starts_with(&root) {
            return Err(refuse("it is a link leading out of the backup folder"));
        }
        if !real.is_file() {
            return Err(not_found());
        }
        Ok(real)
    }

    fn open(&self, path: &Path) -> Result<Box<dyn BackupReader>, BackupError> {
        Ok(Box::new(AvroReader::open(path, self.display(path))?))
    }
}

/// Makes temporary names unique within the process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

type AvroFileWriter = apache_avro::Writer<'static, BufWriter<File>>;

/// Writes one backup file under a temporary name.
struct AvroWriter {
    table: Table,
    declared: u64,
    appended: u64,
    codec: Codec,
    root: PathBuf,
    folder: PathBuf,
    stamp: String,
    created_at: String,
    temp: PathBuf,
    writer: Option<AvroFileWriter>,
    finished: bool,
}

#[derive(serde::Serialize)]
struct DepartmentRecord<'a> {
    id: i32,
    department: &'a str,
}

#[derive(serde::Serialize)]
struct JobRecord<'a> {
    id: i32,
    job: &'a str,
}

#[derive(serde::Serialize)]
struct HireRecord<'a> {
    id: i32,
    name: &'a str,
    datetime: i64,
    department_id: i32,
    job_id: i32,
}

impl AvroWriter {
    fn create(
        store: &AvroBackupStore,
        table: Table,
        rows: u64,
        codec: Codec,
    ) -> Result<Self, BackupError> {
        let schema = &schemas()?.parsed[slot(table)];
        let folder = store.dir.join(table.name());
        fs::create_dir_all(&folder).map_err(|e| io_error(&folder, &e))?;
        let now = Utc::now();
        let stamp = now.format("%Y%m%dT%H%M%SZ").to_string();
        let created_at = now.to_rfc3339_opts(SecondsFormat::Micros, true);
        let temp = folder.join(format!(
            ".{}-{stamp}.avro.{}-{}.tmp",
            table.name(),
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| io_error(&temp, &e))?;
        let mut writer = apache_avro::Writer::builder()
            .schema(schema)
            .writer(BufWriter::with_capacity(IO_BUFFER, file))
            .codec(avro_codec(codec))
            .block_size(BLOCK_BYTES)
            .build();
        let mut this = Self {
            table,
            declared: rows,
            appended: 0,
            codec,
            root: store.dir.clone(),
            folder,
            stamp,
            created_at: created_at.clone(),
            temp,
            writer: None,
            finished: false,
        };
        for (key, value) in [
            (META_TABLE, table.name().to_owned()),
            (META_ROWS, rows.to_string()),
            (META_SCHEMA_VERSION, SCHEMA_VERSION.to_string()),
            (META_CREATED_AT, created_at),
        ] {
            writer
                .add_user_metadata(key.to_owned(), value)
                .map_err(|e| this.io(e.to_string()))?;
        }
        this.writer = Some(writer);
        Ok(this)
    }

    fn io(&self, message: String) -> BackupError {
        BackupError::Io {
            file: self.temp.display().to_string(),
            message,
        }
    }

    /// Gives the synced temporary file its final name without replacing any file, and returns
    /// that name.
    fn link_final(&self) -> Result<PathBuf, BackupError> {
        for n in 1..=1000u32 {
            let name = if n == 1 {
                format!("{}-{}.avro", self.table.name(), self.stamp)
            } else {
                format!("{}-{}-{n}.avro", self.table.name(), self.stamp)
            };
            let target = self.folder.join(name);
            match fs::hard_link(&self.temp, &target) {
                Ok(()) => {
                    fs::remove_file(&self.temp).map_err(|e| io_error(&self.temp, &e))?;
                    return Ok(target);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                // A file system without hard links: check, then rename (not atomic against a
                // concurrent backup of the same table within the same second).
                Err(_) if !target.exists() => {
                    fs::rename(&self.temp, &target).map_err(|e| io_error(&target, &e))?;
                    return Ok(target);
                }
                Err(_) => continue,
            }
        }
        Err(self.io("every name for this second is taken".into()))
    }
}

impl BackupWriter for AvroWriter {
    fn append(&mut self, row: &AnyRow) -> Result<(), BackupError> {
        if row.table() != self.table {
            return Err(self.io(format!(
                "a {} row cannot go into a backup of {}",
                row.table(),
                self.table
            )));
        }
        let Some(writer) = self.writer.as_mut() else {
            return Err(self.io("the backup is already finished".into()));
        };
        let result = match row {
            AnyRow::Department(d) => writer.append_ser(DepartmentRecord {
                id: d.id().get(),
                department: d.department(),
            }),
            AnyRow::Job(j) => writer.append_ser(JobRecord {
                id: j.id().get(),
                job: j.job(),
            }),
            AnyRow::HiredEmployee(h) => writer.append_ser(HireRecord {
                id: h.id().get(),
                name: h.name(),
                datetime: h.datetime().micros(),
                department_id: h.department_id().get(),
                job_id: h.job_id().get(),
            }),
        };
        result.map_err(|e| self.io(e.to_string()))?;
        self.appended += 1;
        Ok(())
    }

    fn finish(&mut self) -> Result<BackupInfo, BackupError> {
        let Some(writer) = self.writer.take() else {
            return Err(self.io("the backup is already finished".into()));
        };
        if self.appended != self.declared {
            return Err(self.io(format!(
                "{} rows were written but {} were announced",
                self.appended, self.declared
            )));
        }
        let buffered = writer.into_inner().map_err(|e| self.io(e.to_string()))?;
        let file = buffered
            .into_inner()
            .map_err(|e| io_error(&self.temp, e.error()))?;
        file.sync_all().map_err(|e| io_error(&self.temp, &e))?;
        drop(file);
        let target = self.link_final()?;
        self.finished = true;
        // The new name (and the removal of the temporary one) must survive a crash too.
        File::open(&self.folder)
            .and_then(|folder| folder.sync_all())
            .map_err(|e| io_error(&self.folder, &e))?;
        let size = fs::metadata(&target)
            .map_err(|e| io_error(&target, &e))?
            .len();
        let file = target
            .strip_prefix(&self.root)
            .unwrap_or(&target)
            .display()
            .to_string();
        Ok(BackupInfo {
            table: self.table,
            file,
            rows: Some(self.appended),
            size,
            created_at: Some(self.created_at.clone()),
            codec: self.codec.name().to_owned(),
            schema_version: SCHEMA_VERSION,
        })
    }
}

impl Drop for AvroWriter {
    fn drop(&mut self) {
        // Close the file first: the Avro writer flushes on drop.
        self.writer = None;
        if !self.finished {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Reads and checks one backup file.
struct AvroReader {
    info: BackupInfo,
    reader: apache_avro::Reader<'static, BufReader<File>>,
    read: u64,
}

impl AvroReader {
    fn open(path: &Path, shown: String) -> Result<Self, BackupError> {
        let corrupt = |reason: String| BackupError::Corrupt {
            file: shown.clone(),
            reason,
        };
        let incompatible = |reason: String| BackupError::IncompatibleSchema {
            file: shown.clone(),
            reason,
        };
        let file = File::open(path).map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => {
                BackupError::NotFound(format!("backup file {shown} does not exist"))
            }
            _ => io_error(path, &e),
        })?;
        let size = file.metadata().map_err(|e| io_error(path, &e))?.len();
        let codec = read_codec(path)
            .map_err(|e| corrupt(format!("not an Avro object container file ({e})")))?;
        let reader = apache_avro::Reader::new(BufReader::with_capacity(IO_BUFFER, file))
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

/// The `avro.codec` of a file's header (`null` when absent).
fn read_codec(path: &Path) -> Result<String, String> {
    let mut file = BufReader::new(File::open(path).map_err(|e| e.to_string())?);
    let mut magic = [0u8; 4];
    file.read_exact(&mut magic).map_err(|e| e.to_string())?;
    if &magic != b"Obj\x01" {
        return Err("it does not start like an Avro object container file".into());
    }
    let header = apache_avro::from_avro_datum(&Schema::map(Schema::Bytes), &mut file, None)
        .map_err(|e| e.to_string())?;
    let Value::Map(entries) = header else {
        return Err("the header holds no metadata map".into());
    };
    let entries: HashMap<String, Value> = entries;
    match entries.get("avro.codec") {
        Some(Value::Bytes(bytes)) => Ok(String::from_utf8_lossy(bytes).into_owned()),
        _ => Ok("null".into()),
    }
}

impl BackupReader for AvroReader {
    fn info(&self) -> BackupInfo {
        self.info.clone()
    }

    fn next_row(&mut self) -> Result<Option<AnyRow>, BackupError> {
        let Some(next) = self.reader.next() else {
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
    fn the_shipped_schemas_parse_and_name_their_tables() {
        let schemas = schemas().unwrap();
        for table in Table::ALL {
            let canonical = &schemas.canonical[slot(table)];
            assert!(
                canonical.contains(&format!("\"name\":\"hiring.{table}\"")),
                "{canonical}"
            );
            for column in table.columns() {
                assert!(canonical.contains(&format!("\"name\":\"{column}\"")));
            }
        }
    }

    #[test]
    fn hire_times_are_timestamp_micros() {
        let schemas = schemas().unwrap();
        let Schema::Record(record) = &schemas.parsed[slot(Table::HiredEmployees)] else {
            panic!("hired_employees.avsc is not a record");
        };
        let types: Vec<(&str, &Schema)> = record
            .fields
            .iter()
            .map(|f| (f.name.as_str(), &f.schema))
            .collect();
        assert_eq!(
            types,
            [
                ("id", &Schema::Int),
                ("name", &Schema::String),
                ("datetime", &Schema::TimestampMicros),
                ("department_id", &Schema::Int),
                ("job_id", &Schema::Int),
            ]
        );
    }

    #[test]
    fn backup_names_sort_by_stamp_then_suffix() {
        let t = Table::Jobs;
        let mut names = vec![
            "jobs-20261125T105000Z.avro",
            "jobs-20261125T105000Z-2.avro",
            "jobs-20261125T105000Z-10.avro",
            "jobs-20261124T235959Z.avro",
            "copied.avro",
        ];
        names.sort_by_key(|n| std::cmp::Reverse(name_key(t, n)));
        assert_eq!(
            names,
            [
                "jobs-20261125T105000Z-10.avro",
                "jobs-20261125T105000Z-2.avro",
                "jobs-20261125T105000Z.avro",
                "jobs-20261124T235959Z.avro",
                "copied.avro",
            ]
        );
    }

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
