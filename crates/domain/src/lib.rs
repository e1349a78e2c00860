//! # hiring-domain
//!
//! The entities of the hiring data set ([`Department`], [`Job`], [`HiredEmployee`]) and the
//! data-dictionary rules every entry point applies to them.
//!
//! Validated types have private fields and fallible constructors ("parse, don't validate"):
//! holding a [`Department`] proves its id is positive and its name is clean text. Nothing in this
//! crate performs I/O.
//!
//! ```
//! use hiring_domain::{HiredEmployee, Record};
//!
//! let row = HiredEmployee::from_fields(&["4535", "Marcelo Gonzalez", "2021-07-27T16:02:08Z", "1", "2"])
//!     .expect("a valid row");
//! assert_eq!(row.name(), "Marcelo Gonzalez");
//!
//! let errors = HiredEmployee::from_fields(&["0", "", "yesterday", "1", "x"]).unwrap_err();
//! let fields: Vec<&str> = errors.iter().map(|e| e.field()).collect();
//! assert_eq!(fields, ["id", "name", "datetime", "job_id"]);
//! ```

mod batch;
mod chars;
mod entities;
mod error;
mod rejection;
mod report;
mod table;
mod values;

pub use batch::{Batch, BatchError, MAX_BATCH_ROWS};
pub use entities::{Department, HiredEmployee, Job, Record};
pub use error::{FieldError, RowErrors};
pub use rejection::{Rejection, RunId};
pub use report::{
    name_order, DepartmentHires, QuarterHires, ReportRow, ReportYear, ReportYearError,
};
pub use table::{Table, UnknownTable};
pub use values::{HireTime, Id, Text, MAX_TEXT_CHARS};
