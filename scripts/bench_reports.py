"""Warm latency of the two reports: `hiring serve` (which reads the maintained aggregate), the
plain GROUP BY over every hire on the same SQLite and PostgreSQL databases, and DuckDB running
the same GROUP BY over the same rows in memory. Prints one JSON object; called by
scripts/bench_reports.sh, which prepares the databases and the servers."""

import argparse
import json
import sqlite3
import statistics
import time
import urllib.request

import duckdb
import psycopg

YEAR = 2021
# The plain queries: the adapters' *_scan.sql files, which the aggregate is tested against.
SQL = {name: open(f"crates/adapters/src/sql/{name}.sql").read() for name in (
    "sqlite_quarter_counts_scan", "sqlite_department_counts_scan",
    "pg_quarter_counts_scan", "pg_department_counts_scan")}
# DuckDB's copy of the PostgreSQL text: timestamps are stored as UTC TIMESTAMP there.
DUCK = {
    "hires-by-quarter": SQL["pg_quarter_counts_scan"].replace(" AT TIME ZONE 'UTC'", ""),
    "departments-above-mean": SQL["pg_department_counts_scan"],
}


def timed(run, runs):
    for _ in range(3):  # warm-up: caches, plans, connections
        run()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        samples.append(time.perf_counter() - start)
    return {"median_ms": statistics.median(samples) * 1000, "min_ms": min(samples) * 1000}


def http(base, report):
    url = f"{base}/api/v1/reports/{report}?year={YEAR}"
    def run():
        with urllib.request.urlopen(url) as answer:
            json.load(answer)
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlite-db", required=True)
    ap.add_argument("--sqlite-api", required=True)
    ap.add_argument("--pg-url")
    ap.add_argument("--pg-api")
    ap.add_argument("--export", required=True, help="folder with departments/jobs/hires CSV")
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    bounds = (f"{YEAR:04}-01-01T00:00:00", f"{YEAR + 1:04}-01-01T00:00:00")
    out = {}
    reports = ("hires-by-quarter", "departments-above-mean")

    lite = sqlite3.connect(args.sqlite_db)
    for report, sql in zip(reports, ("sqlite_quarter_counts_scan", "sqlite_department_counts_scan")):
        out[f"hiring serve, SQLite|{report}"] = timed(http(args.sqlite_api, report), args.runs)
        out[f"plain GROUP BY, SQLite|{report}"] = timed(
            lambda sql=sql: lite.execute(SQL[sql], bounds).fetchall(), args.runs)

    if args.pg_url:
        pg = psycopg.connect(args.pg_url, autocommit=True)
        lo, hi = f"{YEAR}-01-01T00:00:00Z", f"{YEAR + 1}-01-01T00:00:00Z"
        for report, sql in zip(reports, ("pg_quarter_counts_scan", "pg_department_counts_scan")):
            out[f"hiring serve, PostgreSQL|{report}"] = timed(http(args.pg_api, report), args.runs)
            text = SQL[sql].replace("$1", "%s::timestamptz").replace("$2", "%s::timestamptz")
            out[f"plain GROUP BY, PostgreSQL|{report}"] = timed(
                lambda text=text: pg.execute(text, (lo, hi)).fetchall(), args.runs)

    duck = duckdb.connect()
    duck.execute(f"CREATE TABLE departments AS SELECT * FROM read_csv('{args.export}/departments.csv', header=false, columns={{'id': 'INTEGER', 'department': 'VARCHAR'}})")
    duck.execute(f"CREATE TABLE jobs AS SELECT * FROM read_csv('{args.export}/jobs.csv', header=false, columns={{'id': 'INTEGER', 'job': 'VARCHAR'}})")
    duck.execute(f"CREATE TABLE hired_employees AS SELECT id, name, CAST(replace(replace(datetime, 'T', ' '), 'Z', '') AS TIMESTAMP) AS datetime, department_id, job_id FROM read_csv('{args.export}/hired_employees.csv', header=false, columns={{'id': 'INTEGER', 'name': 'VARCHAR', 'datetime': 'VARCHAR', 'department_id': 'INTEGER', 'job_id': 'INTEGER'}})")
    rows = duck.execute("SELECT count(*) FROM hired_employees").fetchone()[0]
    dlo, dhi = bounds
    for report in reports:
        out[f"DuckDB {duckdb.__version__} (in memory)|{report}"] = timed(
            lambda report=report: duck.execute(DUCK[report], [dlo, dhi]).fetchall(), args.runs)
    print(json.dumps({"rows": rows, "results": out}))


main()
