//! `hiring report`: the two reports over the hires of one year, as a table, CSV or JSON.

use crate::output;
use crate::wiring::Wiring;
use hiring_domain::{ReportRow, ReportYear};
use hiring_ports::reports;
use std::process::ExitCode;

/// Arguments of `hiring report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Which report
    #[arg(value_enum)]
    report: Report,

    /// The year (UTC), 1900 to 2100
    #[arg(long, default_value = "2021", value_parser = parse_year)]
    year: ReportYear,

    /// Output format: an aligned table, CSV with a header row, or JSON (as the API answers)
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

/// The reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Report {
    /// Hires per department and job in each quarter of the year
    HiresByQuarter,
    /// Departments that hired more than the mean per department in the year
    DepartmentsAboveMean,
}

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// An aligned table for a terminal.
    Table,
    /// CSV with a header row.
    Csv,
    /// A JSON array of objects keyed by the column names.
    Json,
}

fn parse_year(text: &str) -> Result<ReportYear, String> {
    ReportYear::parse(text).map_err(|e| e.to_string())
}

/// Runs the command.
pub fn run(args: Args, wiring: &Wiring) -> anyhow::Result<ExitCode> {
    let (_, repos) = wiring.storage_and_reads()?;
    match args.report {
        Report::HiresByQuarter => {
            let rows = reports::hires_by_quarter(&*repos.reports, args.year)?;
            if rows.is_empty() && args.format == Format::Table {
                println!("no hires in {}", args.year);
                return Ok(ExitCode::SUCCESS);
            }
            print(&rows, args.format, &[2, 3, 4, 5])?;
        }
        Report::DepartmentsAboveMean => {
            let report = reports::departments_above_mean(&*repos.reports, args.year)?;
            if report.mean == 0.0 && args.format == Format::Table {
                println!("no hires in {}", args.year);
                return Ok(ExitCode::SUCCESS);
            }
            print(&report.departments, args.format, &[0, 2])?;
            if args.format == Format::Table {
                println!(
                    "mean hires per department in {}: {:.2}",
                    args.year, report.mean
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints `rows` in `format`; `right` lists the numeric columns of the table.
fn print<R: ReportRow + serde::Serialize>(
    rows: &[R],
    format: Format,
    right: &[usize],
) -> anyhow::Result<()> {
    match format {
        Format::Json => output::print_json(&rows)?,
        Format::Csv => print!("{}", reports::to_csv(rows)),
        Format::Table => println!(
            "{}",
            output::table(R::COLUMNS, right, rows.iter().map(R::fields).collect())
        ),
    }
    Ok(())
}
