//! The handlers: parse, call a use case of `hiring-ports`, render.

pub mod audit;
pub mod backups;
pub mod console;
pub mod health;
mod idempotency;
pub mod ingest;
pub mod legacy;
pub mod metrics;
mod problems;
pub mod rejects;
pub mod reports;
mod request;
pub mod runs;
pub mod tables;
pub mod upload;
pub mod whoami;
