//! # hiring-adapters
//!
//! Implementations of the `hiring-ports` traits: diesel storage for SQLite and PostgreSQL, and
//! the synthetic data generator.

pub mod generate;
