//! # hiring-ports
//!
//! The ports of the hexagon — the traits storage adapters implement — and the use cases written
//! against them. Nothing here names a database or a file format library: adapters translate
//! their own errors into the error enum of the port they implement.
//!
//! With the `mock` feature every port gets a mockall mock (`MockTableRepository`,
//! `MockKeyLookup`, `MockRejectLog`, `MockReports`, ...); switch it on in `[dev-dependencies]`
//! only.

pub mod audit;
pub mod audit_facts;
pub mod backup;
mod backup_set;
mod backup_store;
mod bulk;
mod cancel;
pub mod csv_header;
mod error;
pub mod health;
pub mod idempotency;
pub mod ingest;
pub mod keyed_ingest;
pub mod load_stages;
pub mod migrate;
pub mod migrate_run;
mod page_limit;
mod pending;
mod raw_text;
pub mod record_reader;
pub mod reject_export;
pub mod reject_tally;
pub mod replica;
pub mod reports;
mod repository;
pub mod runs;
pub mod transfer_progress;

pub use backup_set::{Checksum, NewSet, SetFile, SetId, SetManifest, SetStatus, MANIFEST_VERSION};
pub use backup_store::{
    BackupError, BackupInfo, BackupReader, BackupStore, BackupWriter, Codec, StoredFile,
    SCHEMA_VERSION,
};
pub use bulk::{
    AnyRow, BulkStorage, MissingParents, PoolState, ReplaceError, RowSource, SnapshotSink,
};
pub use cancel::Cancel;
pub use error::RepoError;
pub use load_stages::{LoadStage, StageListener, StageTimes};
pub use page_limit::{LimitError, PageLimit};
pub use repository::{
    BulkLoad, KeyLookup, RejectFilter, RejectLog, Repositories, RowSink, StoredRejection,
    TableRepository,
};

#[cfg(feature = "mock")]
pub use audit::MockAuditLog;
#[cfg(feature = "mock")]
pub use reports::MockReports;
#[cfg(feature = "mock")]
pub use repository::{MockBulkLoad, MockKeyLookup, MockRejectLog, MockTableRepository};
#[cfg(feature = "mock")]
pub use runs::MockRunLog;

#[cfg(feature = "mock")]
pub use backup_store::{MockBackupReader, MockBackupStore, MockBackupWriter};
#[cfg(feature = "mock")]
pub use bulk::MockBulkStorage;

#[cfg(test)]
mod test_support;
