//! `hiring report --format csv` writes names that a spreadsheet would run as formulas as text.

use crate::support::TestDb;
use crate::{hiring, migrate_json, stderr_of, stdout_json};
use serde_json::json;

const FORMULA: &str = r#"=HYPERLINK("http://evil.example","x")"#;

/// Departments and jobs whose names start like spreadsheet formulas; department 1 hires twice,
/// department 2 never: 1 is above the mean.
fn formula_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("departments.csv"),
        "1,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\"\n2,+Sales\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("jobs.csv"), "1,@SUM(A1:A9)\n2,-Analyst\n").unwrap();
    std::fs::write(
        dir.path().join("hired_employees.csv"),
        "1,Ann,2021-02-01T00:00:00Z,1,1\n2,Bob,2021-05-01T00:00:00Z,1,2\n",
    )
    .unwrap();
    dir
}

fn stdout_text(db: &str, args: &[&str]) -> String {
    let output = hiring(db, args);
    assert!(output.status.success(), "{}", stderr_of(&output));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn report_csv_writes_formula_like_names_as_text_and_json_exactly() {
    let db = TestDb::sqlite();
    let files = formula_files();
    migrate_json(&db.url, files.path(), &[]);

    let csv = stdout_text(&db.url, &["report", "hires-by-quarter", "--format", "csv"]);
    assert_eq!(
        csv,
        "department,job,Q1,Q2,Q3,Q4\n\
         \"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",\"'-Analyst\",0,1,0,0\n\
         \"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",\"'@SUM(A1:A9)\",1,0,0,0\n"
    );
    let csv = stdout_text(
        &db.url,
        &["report", "departments-above-mean", "--format", "csv"],
    );
    assert_eq!(
        csv,
        "id,department,hired\n\
         1,\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",2\n"
    );

    let json = stdout_json(&hiring(
        &db.url,
        &["report", "departments-above-mean", "--format", "json"],
    ));
    assert_eq!(json, json!([{"id": 1, "department": FORMULA, "hired": 2}]));
}
