#!/usr/bin/env bash
# Benchmark (not a test): warm latency of both reports on N hires (default 10,000,000) through
# `hiring serve` on SQLite and PostgreSQL, next to the plain GROUP BY over every hire on the same
# databases and DuckDB (PyPI) running that GROUP BY over the same rows. Writes the
# "reports-benchmark" section of docs/benchmarks.md.
#
#   scripts/bench_reports.sh [--rows N] [--runs K]
#
# PostgreSQL runs against BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres), in
# a database it creates and drops; it is skipped when that server does not answer.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=10000000
runs=15
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
pg_admin=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
command -v sqlite3 >/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null
}

cargo build --release -q -p hiring-cli
hiring="$PWD/target/release/hiring"
target_dir="${CARGO_TARGET_DIR:-target}"
venv="$target_dir/bench-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check duckdb "psycopg[binary]"

work=$(mktemp -d)
servers=()
pg_db=""
cleanup() {
    for pid in "${servers[@]}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done
    [ -n "$pg_db" ] && psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
: > "$work/empty.toml"
export HIRING_CONFIG="$work/empty.toml" RUST_LOG=warn

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

serve() { # url -> base address; starts a server in the background
    local port; port=$(free_port)
    DATABASE_URL="$1" "$hiring" serve --bind "127.0.0.1:$port" >"$work/serve-$port.log" 2>&1 &
    servers+=($!)
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
        sleep 0.2
    done
    echo "http://127.0.0.1:$port"
}

echo "generating $rows hires" >&2
"$hiring" generate --rows "$rows" --seed 42 --out "$work/csv" >/dev/null

sqlite_db="$work/bench.db"
DATABASE_URL="$sqlite_db" "$hiring" migrate --dir "$work/csv" --format json >/dev/null 2>&1
sqlite_api=$(serve "$sqlite_db")
args=(--sqlite-db "$sqlite_db" --sqlite-api "$sqlite_api")

if psql -q "$pg_admin" -c "SELECT 1" >/dev/null 2>&1; then
    pg_db="hiring_bench_reports_$$"
    psql -q "$pg_admin" -c "CREATE DATABASE $pg_db" >/dev/null
    pg_url="${pg_admin%/*}/$pg_db"
    DATABASE_URL="$pg_url" "$hiring" migrate --dir "$work/csv" --format json >/dev/null 2>&1
    psql -q "$pg_url" -c "VACUUM ANALYZE" >/dev/null
    args+=(--pg-url "$pg_url" --pg-api "$(serve "$pg_url")")
fi

# DuckDB gets exactly the rows the databases hold (the valid ones).
mkdir -p "$work/export"
for table in departments jobs hired_employees; do
    sqlite3 -csv "$sqlite_db" "SELECT * FROM $table" > "$work/export/$table.csv"
done

result=$("$venv/bin/python" scripts/bench_reports.py "${args[@]}" --export "$work/export" --runs "$runs")

RESULT="$result" RUNS="$runs" ROWS="$rows" CORES="$(nproc)" "$venv/bin/python" - docs/benchmarks.md <<'PY'
import datetime, json, os, re, sys
path = sys.argv[1]
data = json.loads(os.environ["RESULT"])
rows = data["rows"]
results = data["results"]
contenders = []
for key in results:
    name = key.split("|")[0]
    if name not in contenders:
        contenders.append(name)
duck = next(c for c in contenders if c.startswith("DuckDB"))
lines = [
    "<!-- reports-benchmark:start -->",
    "## Reports: warm latency (`scripts/bench_reports.sh`)",
    "",
    f"{rows:,} stored hires (`hiring generate --rows {os.environ['ROWS']} --seed 42`, rejects left out), "
    f"year 2021, {os.environ['CORES']} cores, {datetime.date.today()}. Median and best of "
    f"{os.environ['RUNS']} runs after 3 warm-up runs. *hiring serve* is the whole HTTP request "
    "(`GET /api/v1/reports/...`, JSON answer) reading the maintained aggregate `hire_counts`; "
    "*plain GROUP BY* runs the adapters' `*_scan.sql` over every hire of the year on the same "
    "database; DuckDB runs the same GROUP BY over the same rows held in memory.",
    "",
    "| contender | hires-by-quarter median ms | best | departments-above-mean median ms | best | DuckDB median / ours |",
    "|---|---:|---:|---:|---:|---:|",
]
for c in contenders:
    q = results[f"{c}|hires-by-quarter"]
    d = results[f"{c}|departments-above-mean"]
    dq = results[f"{duck}|hires-by-quarter"]["median_ms"] / q["median_ms"]
    dd = results[f"{duck}|departments-above-mean"]["median_ms"] / d["median_ms"]
    lines.append(f"| {c} | {q['median_ms']:.1f} | {q['min_ms']:.1f} | {d['median_ms']:.1f} | {d['min_ms']:.1f} | {dq:.2f}× / {dd:.2f}× |")
lines.append("<!-- reports-benchmark:end -->")
section = "\n".join(lines)
text = open(path).read()
pattern = re.compile(r"<!-- reports-benchmark:start -->.*?<!-- reports-benchmark:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
print(section)
PY
