//! The Avro side of a backup file: the shipped record schemas, the metadata keys, the block
//! size and the codecs.

use apache_avro::Schema;
use hiring_domain::Table;
use hiring_ports::{BackupError, Codec};
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
pub(super) const BLOCK_BYTES: usize = 256 * 1024;

/// Buffer of the file reader and writer.
pub(super) const IO_BUFFER: usize = 1 << 20;

/// The Avro record schema of `table`, as shipped in `src/avro/<table>.avsc`.
pub fn schema_json(table: Table) -> &'static str {
    match table {
        Table::Departments => include_str!("../avro/departments.avsc"),
        Table::Jobs => include_str!("../avro/jobs.avsc"),
        Table::HiredEmployees => include_str!("../avro/hired_employees.avsc"),
    }
}

pub(super) struct Schemas {
    pub(super) parsed: [Schema; 3],
    pub(super) canonical: [String; 3],
}

pub(super) fn schemas() -> Result<&'static Schemas, BackupError> {
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

pub(super) fn slot(table: Table) -> usize {
    match table {
        Table::Departments => 0,
        Table::Jobs => 1,
        Table::HiredEmployees => 2,
    }
}

pub(super) fn avro_codec(codec: Codec) -> apache_avro::Codec {
    match codec {
        Codec::Null => apache_avro::Codec::Null,
        Codec::Deflate => apache_avro::Codec::Deflate(apache_avro::DeflateSettings::default()),
        Codec::Snappy => apache_avro::Codec::Snappy,
        Codec::Zstandard => {
            apache_avro::Codec::Zstandard(apache_avro::ZstandardSettings::default())
        }
    }
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
}
