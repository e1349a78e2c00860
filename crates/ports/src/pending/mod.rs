//! The batch classifier shared by the use cases that write rows (`migrate`, `ingest`).
//!
//! A [`PendingBatch`] holds rows as received (parsed or refused by the domain rules, with their
//! raw text and position; `csv_rows` adds the records of files); [`classify`] decides for each
//! row — insert, already present, or reject and why — with one set-wise look-up of the foreign
//! keys and one of the ids already stored, into a [`Plan`]; [`commit`] writes the decided rows
//! and rejects in one transaction to a [`LoadTarget`], classifying again and retrying when a
//! concurrent writer made the batch conflict. `rejects` turns a plan's rejects into the records
//! of the reject log, the WARN lines and the API's answer.

mod batch;
mod classify;
mod commit;
mod csv_rows;
mod plan;
mod rejects;
mod target;

pub(crate) use batch::{Origin, PendingBatch};
pub(crate) use classify::{classify, Duplicates};
pub(crate) use commit::{commit, WRITE_ATTEMPTS};
pub(crate) use csv_rows::text_fields;
pub(crate) use plan::Plan;
pub(crate) use rejects::log_rejects;
pub(crate) use target::LoadTarget;
