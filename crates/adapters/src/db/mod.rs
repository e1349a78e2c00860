//! What both diesel backends share: the repository logic (transactions, paging, chunking), the
//! conversion of stored rows into domain entities, the mapping of diesel errors onto
//! [`hiring_ports::RepoError`], and the macros with which each backend writes its typed queries.
//!
//! A backend supplies a [`dialect::Dialect`] (its connection type, how it stores instants and
//! JSON, its statement limits and transaction flavours), invokes each `*_ops!` macro once (each
//! writes one `*Ops` trait for it from the backend's diesel schema; none calls another) and
//! implements the rest of the `*Ops` traits by hand; [`store::Store`] runs every port method on
//! top of them, and [`db_store::DbStore`] implements each port, once for every backend, by
//! delegating to it.
//!
//! - `error`: adapter failures and their mapping onto port errors.
//! - `dialect`: the [`dialect::Dialect`] trait.
//! - `rows`: stored rows decoded into entities, every value checked.
//! - `tables`: the typed queries of the three tables (`table_ops!`).
//! - `hire_counts`: the maintained `hire_counts` aggregate (`hire_count_ops!`).
//! - `rejects`: the reject log (`reject_ops!`).
//! - `reports`: the report rows.
//! - `store`: the pool; `repository`: the per-table port methods over it.
//! - `db_store`: the public store of a backend; `ports`: the port implementations on it.
//! - `streaming`, `bulk`, `replace`: whole tables read and written.
//! - `held_keys`: keys a bulk load lends to lookups.
//! - `idempotency_keys` (`key_ops!`), `audit_log` (`audit_ops!`), `runs` (`run_ops!`).
//! - `migrations`: the embedded migrations' runner.

pub(crate) mod audit_log;
pub(crate) mod bulk;
pub(crate) mod db_store;
pub(crate) mod dialect;
pub(crate) mod error;
pub(crate) mod held_keys;
pub(crate) mod hire_counts;
pub(crate) mod idempotency_keys;
pub(crate) mod migrations;
mod ports;
pub(crate) mod rejects;
pub(crate) mod replace;
pub(crate) mod reports;
pub(crate) mod repository;
pub(crate) mod rows;
pub(crate) mod runs;
pub(crate) mod store;
pub(crate) mod streaming;
pub(crate) mod tables;
