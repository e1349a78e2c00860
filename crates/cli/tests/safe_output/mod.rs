//! What the binary prints is safe to open and to read: report CSV for spreadsheets, text logs
//! and tables for terminals, errors without passwords nor repeated causes.

mod csv_cells;
mod errors;
mod secrets;
mod terminal;
