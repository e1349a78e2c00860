//! The report aliases: the 2021 reports under their old addresses, protected like their
//! successors.

use super::deprecated;
use crate::support::TestDb;
use crate::{hire, json_of, problem, seed_parents, TestApp, TOKEN};
use hiring_api::{ApiConfig, Tokens};
use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Value};

fn the_report_aliases_answer_the_2021_reports(db: &TestDb) {
    let app = TestApp::spawn(db);
    seed_parents(&app);
    // 2021: five hires in department 2, one in each of the others (the mean is 7 / 3).
    let mut hires: Vec<Value> = (1..=5).map(|id| hire(id, 2, 1)).collect();
    hires.push(hire(6, 1, 1));
    hires.push(json!({"id": 7, "name": "Early", "datetime": "2021-01-02T03:04:05Z", "department_id": 3, "job_id": 2}));
    hires.push(json!({"id": 8, "name": "Earlier", "datetime": "2020-03-04T05:06:07Z", "department_id": 3, "job_id": 2}));
    json_of(app.post_json("/api/v1/hired_employees", &json!(hires)), 200);

    let same = |alias: &str, successor: &str, link: &str| {
        let old = deprecated(app.get(alias), link);
        let new = app.get(successor);
        assert_eq!(old.status(), new.status(), "{alias}");
        assert_eq!(
            old.headers()[CONTENT_TYPE],
            new.headers()[CONTENT_TYPE],
            "{alias}"
        );
        let old = old.text().unwrap();
        assert_eq!(old, new.text().unwrap(), "{alias}");
        old
    };
    let quarters = "/api/v1/reports/hires-by-quarter?year=2021";
    let above = "/api/v1/reports/departments-above-mean";
    let json = same("/hired_employees_2021", quarters, quarters);
    assert_eq!(
        serde_json::from_str::<Value>(&json)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        3
    );
    same("/hired_employees_2021?year=2020", quarters, quarters);
    same(
        "/hired_employees_2021?format=csv",
        &format!("{quarters}&format=csv"),
        quarters,
    );
    same(
        "/hired_employees_2021?format=svg",
        &format!("{quarters}&format=svg"),
        quarters,
    );
    let json = same(
        "/departments_above_mean",
        &format!("{above}?year=2021"),
        above,
    );
    assert_eq!(json, r#"[{"id":2,"department":"Department 2","hired":5}]"#);
    same(
        "/departments_above_mean?year=2020",
        &format!("{above}?year=2020"),
        above,
    );
    same(
        "/departments_above_mean?format=csv",
        &format!("{above}?format=csv"),
        above,
    );
    problem(
        deprecated(app.get("/departments_above_mean?year=1800"), above),
        400,
    );
    problem(
        deprecated(app.get("/hired_employees_2021?format=xml"), quarters),
        400,
    );
}

fn the_report_aliases_follow_protected_reads(db: &TestDb) {
    let app = TestApp::spawn_with(
        db,
        ApiConfig {
            tokens: Tokens::parse(TOKEN).unwrap(),
            protect_reads: true,
            ..ApiConfig::default()
        },
    );
    for (path, successor) in [
        (
            "/hired_employees_2021",
            "/api/v1/reports/hires-by-quarter?year=2021",
        ),
        // Another spelling of the same address, as the router decodes it.
        (
            "/hired_employees%5F2021",
            "/api/v1/reports/hires-by-quarter?year=2021",
        ),
        (
            "/departments_above_mean",
            "/api/v1/reports/departments-above-mean",
        ),
    ] {
        problem(deprecated(app.get(path), successor), 401);
        let response = app
            .client
            .get(app.url(path))
            .bearer_auth(TOKEN)
            .send()
            .unwrap();
        json_of(deprecated(response, successor), 200);
    }
    // Other addresses' refusals are not marked.
    let refused = app.get("/api/v1/reports/departments-above-mean");
    assert!(!refused.headers().contains_key("deprecation"));
    assert!(!refused.headers().contains_key("link"));
    problem(refused, 401);
}

on_every_backend!(
    the_report_aliases_answer_the_2021_reports,
    the_report_aliases_follow_protected_reads,
);
