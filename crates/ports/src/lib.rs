//! # hiring-ports
//!
//! The ports of the hexagon — the traits storage adapters implement — and the use cases written
//! against them. Nothing here names a database or a file format library: adapters translate
//! their own errors into the error enum of the port they implement.
//!
//! With the `mock` feature every port gets a mockall mock (`MockTableRepository`,
//! `MockKeyLookup`, `MockRejectLog`); switch it on in `[dev-dependencies]` only.

mod error;
pub mod migrate;
mod repository;

pub use error::RepoError;
pub use repository::{
    KeyLookup, RejectFilter, RejectLog, Repositories, RowSink, StoredRejection, TableRepository,
};

#[cfg(feature = "mock")]
pub use repository::{MockKeyLookup, MockRejectLog, MockTableRepository};
