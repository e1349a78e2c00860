//! The reports drawn as SVG charts, written by hand: horizontal bars (department names on the
//! left, never turned), a value at the end of each bar, a `<title>` tooltip on each bar, every
//! text at least 12 px, and "No hires in YEAR" instead of empty axes.

mod above_mean;
mod common;
mod quarters;
#[cfg(test)]
mod tests;

pub(crate) use above_mean::departments_above_mean;
pub(crate) use quarters::hires_by_quarter;
