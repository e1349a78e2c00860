//! Encoding one backup file as Avro into any byte sink, hashing the bytes as they go: shared by
//! the folder's writer and the S3 writer.

use super::format::{avro_codec, schemas, slot, BLOCK_BYTES, IO_BUFFER};
use super::format::{META_CREATED_AT, META_ROWS, META_SCHEMA_VERSION, META_TABLE};
use hiring_domain::{Record, Table};
use hiring_ports::{AnyRow, Checksum, Codec, SCHEMA_VERSION};
use sha2::{Digest, Sha256};
use std::io::{self, BufWriter, Write};

/// A sink that hashes every byte written to it.
pub(super) struct Hashing<W: Write> {
    sink: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.sink.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.sink.flush()
    }
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

/// What a finished encoding leaves: the sink, flushed, and the size and hash of its bytes.
pub(super) struct Encoded<W> {
    pub(super) sink: W,
    pub(super) rows: u64,
    pub(super) bytes: u64,
    pub(super) sha256: Checksum,
}

/// What a writer says when it is used after it finished.
const FINISHED: &str = "the backup is already finished";

/// Appends `row` through a writer's encoder, which is gone once the writer finished.
pub(super) fn append_to<W: Write>(
    encoder: &mut Option<Encoder<W>>,
    row: &AnyRow,
) -> Result<(), String> {
    encoder
        .as_mut()
        .ok_or_else(|| FINISHED.to_owned())?
        .append(row)
}

/// Finishes a writer's encoder, once.
pub(super) fn finish_once<W: Write>(
    encoder: &mut Option<Encoder<W>>,
) -> Result<Encoded<W>, String> {
    encoder.take().ok_or_else(|| FINISHED.to_owned())?.finish()
}

/// Encodes the rows of one table, announced in the header (`hiring.rows`), into `W`.
pub(super) struct Encoder<W: Write> {
    table: Table,
    declared: u64,
    appended: u64,
    writer: apache_avro::Writer<'static, BufWriter<Hashing<W>>>,
}

impl<W: Write> Encoder<W> {
    /// Starts a file of `rows` rows of `table`, created at `created_at` (RFC 3339).
    pub(super) fn new(
        sink: W,
        table: Table,
        rows: u64,
        codec: Codec,
        created_at: &str,
    ) -> Result<Self, String> {
        let schema = &schemas().map_err(|e| e.to_string())?.parsed[slot(table)];
        let hashing = Hashing {
            sink,
            hasher: Sha256::new(),
            bytes: 0,
        };
        let mut writer = apache_avro::Writer::builder()
            .schema(schema)
            .writer(BufWriter::with_capacity(IO_BUFFER, hashing))
            .codec(avro_codec(codec))
            .block_size(BLOCK_BYTES)
            .build();
        for (key, value) in [
            (META_TABLE, table.name().to_owned()),
            (META_ROWS, rows.to_string()),
            (META_SCHEMA_VERSION, SCHEMA_VERSION.to_string()),
            (META_CREATED_AT, created_at.to_owned()),
        ] {
            writer
                .add_user_metadata(key.to_owned(), value)
                .map_err(|e| e.to_string())?;
        }
        Ok(Self {
            table,
            declared: rows,
            appended: 0,
            writer,
        })
    }

    /// Appends one row of the encoder's table.
    pub(super) fn append(&mut self, row: &AnyRow) -> Result<(), String> {
        if row.table() != self.table {
            return Err(format!(
                "a {} row cannot go into a backup of {}",
                row.table(),
                self.table
            ));
        }
        let result = match row {
            AnyRow::Department(d) => self.writer.append_ser(DepartmentRecord {
                id: d.id().get(),
                department: d.department(),
            }),
            AnyRow::Job(j) => self.writer.append_ser(JobRecord {
                id: j.id().get(),
                job: j.job(),
            }),
            AnyRow::HiredEmployee(h) => self.writer.append_ser(HireRecord {
                id: h.id().get(),
                name: h.name(),
                datetime: h.datetime().micros(),
                department_id: h.department_id().get(),
                job_id: h.job_id().get(),
            }),
        };
        result.map_err(|e| e.to_string())?;
        self.appended += 1;
        Ok(())
    }

    /// Writes the last block and flushes everything into the sink: fails when the rows
    /// appended are not the count announced.
    pub(super) fn finish(self) -> Result<Encoded<W>, String> {
        if self.appended != self.declared {
            return Err(format!(
                "{} rows were written but {} were announced",
                self.appended, self.declared
            ));
        }
        let buffered = self.writer.into_inner().map_err(|e| e.to_string())?;
        let hashing = buffered.into_inner().map_err(|e| e.error().to_string())?;
        Ok(Encoded {
            sink: hashing.sink,
            rows: self.appended,
            bytes: hashing.bytes,
            sha256: Checksum::from_bytes(hashing.hasher.finalize().into()),
        })
    }
}
