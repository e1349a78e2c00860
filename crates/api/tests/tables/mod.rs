//! `GET /api/v1/tables`: each table's rows, parents first, for a token of any role only.

use super::*;

fn each_table_answers_its_rows_parents_first(db: &TestDb) {
    let app = TestApp::spawn(db);
    let empty = json_of(app.read("/api/v1/tables"), 200);
    assert_eq!(
        empty,
        json!([
            {"table": "departments", "rows": 0},
            {"table": "jobs", "rows": 0},
            {"table": "hired_employees", "rows": 0},
        ])
    );

    seed_parents(&app);
    let hires: Vec<Value> = (1..=4).map(|id| hire(id, 1, 1)).collect();
    json_of(app.post_json("/api/v1/hired_employees", &json!(hires)), 200);
    let counted = json_of(app.read("/api/v1/tables"), 200);
    let rows: Vec<(&str, u64)> = counted
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["table"].as_str().unwrap(), t["rows"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        rows,
        [("departments", 3), ("jobs", 2), ("hired_employees", 4)],
        "{counted}"
    );

    // A token is always needed, as for the backup listing; writing is not allowed.
    problem(app.get("/api/v1/tables"), 401);
    problem(app.post_json("/api/v1/tables", &json!([])), 405);

    let document = json_of(app.get("/api-docs/openapi.json"), 200);
    let operation = &document["paths"]["/api/v1/tables"]["get"];
    for status in ["200", "401", "503"] {
        assert!(operation["responses"][status].is_object(), "{operation}");
    }
}

on_every_backend!(each_table_answers_its_rows_parents_first);
