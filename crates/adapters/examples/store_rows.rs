//! Another Rust service using the hiring crates: validate rows with `hiring-domain`, store them
//! through the ports opened by `hiring-adapters`, and load a CSV snippet with the migrate use case.
//!
//! ```sh
//! cargo run -p hiring-adapters --example store_rows               # a temporary SQLite file
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/hiring cargo run -p hiring-adapters --example store_rows
//! ```

use hiring_domain::{Department, Job, Record, Table};
use hiring_ports::migrate::{LoadOptions, Migration};
use hiring_ports::{PageLimit, RejectFilter};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let folder = std::env::temp_dir().join(format!("hiring-example-{}", std::process::id()));
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| folder.join("example.db").display().to_string());
    let repos = hiring_adapters::open(&url)?;
    println!("storing into {}", repos.description);

    // Validate: a row either becomes a typed entity or says which fields break which rule.
    let sales = Department::from_fields(&["1", "Sales"])?;
    let engineer = Job::from_fields(&["1", "Software Engineer"])?;
    match Department::from_fields(&["0", ""]) {
        Ok(_) => unreachable!("id 0 and an empty name are refused"),
        Err(errors) => println!("refused department: {errors}"),
    }

    // Store: ids already present with the same content are skipped by the use case; here we
    // write directly, so only write what is new.
    if repos.departments.find_by_ids(&[sales.id()])?.is_empty() {
        repos.departments.write_batch(&[sales], &[])?;
    }
    if repos.jobs.find_by_ids(&[engineer.id()])?.is_empty() {
        repos.jobs.write_batch(&[engineer], &[])?;
    }

    // Load CSV through the same use case as `hiring migrate`: bad rows are logged, not stored.
    let csv = "1,Ada Lovelace,2021-03-01T09:00:00Z,1,1\r\n2,Bad Date,yesterday,1,1\r\n3,No Dept,2021-03-02T09:00:00Z,9,1";
    let mut migration = Migration::new(&repos, LoadOptions::default());
    let summary = migration.load(Table::HiredEmployees, csv.as_bytes(), "example.csv", &())?;
    println!(
        "read {}, inserted {}, already present {}, rejected {}",
        summary.read, summary.inserted, summary.already_present, summary.rejected
    );
    let filter = RejectFilter {
        table: Some(Table::HiredEmployees),
        limit: PageLimit::new(10)?,
        ..RejectFilter::default()
    };
    for reject in repos.rejects.list(&filter)? {
        let reasons: Vec<String> = reject.errors.iter().map(ToString::to_string).collect();
        println!("rejected {}: {}", reject.source, reasons.join("; "));
    }
    Ok(())
}
