//! Use case: load CSV files.
