//! The web console: its page and assets served from the binary with their types, a strict
//! Content-Security-Policy and revalidation headers. (Its behaviour in a browser is tested by
//! `scripts/browser_test.sh`.)

use super::support::TestDb;
use super::{json_of, problem, TestApp, TOKEN};
use hiring_api::{ApiConfig, Tokens};
use reqwest::blocking::Response;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};

/// Checks the headers every console file has and answers its text.
fn served(response: Response, content_type: &str) -> String {
    assert_eq!(response.status(), 200, "{}", response.url());
    let headers = response.headers();
    assert_eq!(headers[CONTENT_TYPE], content_type, "{}", response.url());
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.starts_with("default-src 'self';"), "{policy}");
    for loose in ["unsafe-inline", "unsafe-eval", "*", "data:", "http"] {
        assert!(!policy.contains(loose), "{policy}");
    }
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers[CACHE_CONTROL], "no-cache");
    assert!(headers.contains_key(ETAG));
    response.text().unwrap()
}

#[test]
fn the_page_and_its_assets_are_served_with_their_types_and_policy() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn(&db);
    let page = served(app.get("/"), "text/html; charset=utf-8");
    assert!(page.contains("<title>hiring console</title>"), "{page}");
    assert!(
        page.contains(r#"<script type="module" src="/console/app.js"></script>"#),
        "the script is a separate module"
    );
    assert!(
        !page.contains("<script>") && !page.contains("style="),
        "nothing inline"
    );
    assert!(!page.contains("https://"), "nothing from the internet");

    let mut scripts = String::new();
    for (asset, content_type) in [
        ("app.js", "text/javascript; charset=utf-8"),
        ("api.js", "text/javascript; charset=utf-8"),
        ("access.js", "text/javascript; charset=utf-8"),
        ("render.js", "text/javascript; charset=utf-8"),
        ("confirm.js", "text/javascript; charset=utf-8"),
        ("rejects.js", "text/javascript; charset=utf-8"),
        ("console.css", "text/css; charset=utf-8"),
        ("favicon.svg", "image/svg+xml"),
    ] {
        let text = served(app.get(&format!("/console/{asset}")), content_type);
        if asset.ends_with(".js") {
            scripts.push_str(&text);
        }
    }
    // Every module imported is served.
    for import in scripts.split("from './").skip(1) {
        let name = &import[..import.find('\'').unwrap()];
        assert_eq!(app.get(&format!("/console/{name}")).status(), 200, "{name}");
    }
    assert!(!scripts.contains("http://") && !scripts.contains("https://"));
    assert!(!scripts.contains("eval(") && !scripts.contains("innerHTML"));
}

#[test]
fn unchanged_files_are_not_sent_again_and_unknown_ones_are_problems() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn(&db);
    for path in ["/", "/console/app.js"] {
        let first = app.get(path);
        let tag = first.headers()[ETAG].clone();
        let again = app
            .client
            .get(app.url(path))
            .header(IF_NONE_MATCH, tag.clone())
            .send()
            .unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()[ETAG], tag);
        assert!(again.text().unwrap().is_empty());
        let other = app
            .client
            .get(app.url(path))
            .header(IF_NONE_MATCH, "\"something-else\"")
            .send()
            .unwrap();
        assert_eq!(other.status(), 200, "{path}");
    }
    problem(app.get("/console/missing.js"), 404);
    problem(app.get("/console/"), 404);
    problem(app.get("/console/%2e%2e%2fCargo.toml"), 404);
    problem(app.post("/").send().unwrap(), 405);
}

#[test]
fn the_console_loads_without_a_token_when_reads_are_protected_and_nothing_else_does() {
    let db = TestDb::sqlite();
    let app = TestApp::spawn_with(
        &db,
        ApiConfig {
            tokens: Tokens::parse(TOKEN).unwrap(),
            protect_reads: true,
            ..ApiConfig::default()
        },
    );
    served(app.get("/"), "text/html; charset=utf-8");
    served(app.get("/console/app.js"), "text/javascript; charset=utf-8");
    served(app.get("/console/console.css"), "text/css; charset=utf-8");

    // The data the console shows still needs the token.
    let report = "/api/v1/reports/hires-by-quarter?year=2021";
    problem(app.get(report), 401);
    let with_token = app
        .client
        .get(app.url(report))
        .bearer_auth(TOKEN)
        .send()
        .unwrap();
    json_of(with_token, 200);
    // So does everything else: other files, other spellings, writes to the console's paths.
    for path in [
        "/console/missing.js",
        "/console/",
        "/console/app.js/",
        "/index.html",
        "/api/v1/rejects",
        "/health",
        "/docs/",
        "/api-docs/openapi.json",
    ] {
        problem(app.get(path), 401);
    }
    problem(app.client.post(app.url("/")).send().unwrap(), 401);
}
