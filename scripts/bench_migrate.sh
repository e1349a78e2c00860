#!/usr/bin/env bash
# Benchmark of `hiring migrate` next to the databases' own import tools, on the same machine in
# the same run: `sqlite3 .import` and `psql \copy` of the rows that survive validation (the
# "pre-cleaned" rows) into the same schema. Runs alternate (ours, anchor, ours, anchor...) so
# machine noise hits both; the report gives medians, rows/s, peak RSS and our ratio to each anchor.
#
# Usage: scripts/bench_migrate.sh [--rows N] [--runs K] [--out FILE]
#   --rows  hired_employees rows to generate (default 1000000; 10000000 for the large check)
#   --runs  runs of each contender (default 3)
#   --out   markdown file whose "migrate-<rows>" section is rewritten (default docs/benchmarks.md)
# PostgreSQL runs against BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
# in databases it creates and drops; it is skipped when that server does not answer.
set -euo pipefail
cd "$(dirname "$0")/.."

rows=1000000
runs=3
out=docs/benchmarks.md
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
pg_admin=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}

for tool in sqlite3 /usr/bin/time; do
    if ! command -v "$tool" >/dev/null; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 time >/dev/null
    fi
done

work=$(mktemp -d)
pg_dbs=()
cleanup() {
    for db in "${pg_dbs[@]}"; do psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT

cargo build --release -q -p hiring-cli
bin="${CARGO_TARGET_DIR:-target}/release/hiring"
echo "generating $rows rows"
"$bin" generate --rows "$rows" --out "$work/csv" --seed 42 >/dev/null

# measure NAME CMD...: appends "name seconds peak_kib" to the results.
measure() {
    local name=$1; shift
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
        echo "$name failed:" >&2; tail -5 "$work/stderr" >&2; exit 1; }
    echo "$name $(cat "$work/time")" | tee -a "$work/results"
}

# Every migration, in order: the anchors load into exactly our schema.
sqlite_schema=$(ls migrations/sqlite/*/up.sql | sort)
pg_schema=$(ls migrations/postgres/*/up.sql | sort)

# The pre-cleaned rows: what our loader accepted, exported as plain CSV.
"$bin" --database-url "$work/clean.db" migrate --dir "$work/csv" >/dev/null 2>&1
mkdir -p "$work/clean"
for t in departments jobs hired_employees; do
    sqlite3 -csv "$work/clean.db" "SELECT * FROM $t ORDER BY id" > "$work/clean/$t.csv"
done
clean_rows=$(wc -l < "$work/clean/hired_employees.csv")

pg_ok=false
if psql -q "$pg_admin" -c "SELECT 1" >/dev/null 2>&1; then pg_ok=true; fi
# new_pg_db NAME: creates database NAME (dropped on exit) and sets $db_url to it.
new_pg_db() {
    psql -q "$pg_admin" -c "CREATE DATABASE $1" >/dev/null
    pg_dbs+=("$1")
    db_url="${pg_admin%/*}/$1"
}

for i in $(seq 1 "$runs"); do
    echo "run $i of $runs"
    rm -f "$work"/ours.db* "$work"/anchor.db*
    measure hiring-sqlite "$bin" --database-url "$work/ours.db" migrate --dir "$work/csv"
    cat $sqlite_schema | sqlite3 "$work/anchor.db"
    measure sqlite3-import sqlite3 -bail -cmd "PRAGMA foreign_keys=ON" "$work/anchor.db" \
        ".import --csv $work/clean/departments.csv departments" \
        ".import --csv $work/clean/jobs.csv jobs" \
        ".import --csv $work/clean/hired_employees.csv hired_employees"
    if $pg_ok; then
        new_pg_db "hiring_bench_$$_ours_$i"
        measure hiring-postgres "$bin" --database-url "$db_url" migrate --dir "$work/csv"
        new_pg_db "hiring_bench_$$_anchor_$i"
        cat $pg_schema | psql -q -v ON_ERROR_STOP=1 "$db_url" >/dev/null
        measure psql-copy psql -q -v ON_ERROR_STOP=1 "$db_url" \
            -c "\\copy departments FROM '$work/clean/departments.csv' CSV" \
            -c "\\copy jobs FROM '$work/clean/jobs.csv' CSV" \
            -c "\\copy hired_employees FROM '$work/clean/hired_employees.csv' CSV"
        for db in "${pg_dbs[@]}"; do psql -q "$pg_admin" -c "DROP DATABASE $db WITH (FORCE)" >/dev/null; done
        pg_dbs=()
    fi
done

python3 - "$work/results" "$out" "$rows" "$clean_rows" "$runs" "$(nproc)" <<'PY'
import statistics, sys, datetime, re, pathlib
results, out, rows, clean, runs, cores = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
data = {}
for line in open(results):
    name, secs, kib = line.split()
    data.setdefault(name, []).append((float(secs), int(kib)))
def med(name): return statistics.median(s for s, _ in data[name])
def rss(name): return max(k for _, k in data[name]) / 1024
lines = [
    f"<!-- migrate-{rows}:begin -->",
    f"## Migrate {rows:,} rows: `hiring migrate` next to the databases' own import tools",
    "",
    f"Produced by `scripts/bench_migrate.sh --rows {rows} --runs {runs}` on {datetime.date.today()}, {cores} cores.",
    f"Input: `hiring generate --rows {rows} --seed 42` (about 3.6% invalid rows). Our loader reads the raw files,",
    f"validates every row and logs every reject; the anchors load the {clean:,} pre-cleaned rows into the same schema.",
    "Runs alternate between contenders; times are medians of wall-clock seconds, peak RSS is the largest seen.",
    "",
    "| contender | median s | rows/s | peak RSS MiB | anchor s / our s |",
    "|---|---:|---:|---:|---:|",
]
pairs = [("hiring-sqlite", "sqlite3-import"), ("hiring-postgres", "psql-copy")]
for ours, anchor in pairs:
    if ours not in data:
        continue
    lines.append(f"| `{ours}` | {med(ours):.2f} | {rows / med(ours):,.0f} | {rss(ours):.1f} | {med(anchor) / med(ours):.2f} |")
    lines.append(f"| `{anchor}` (anchor) | {med(anchor):.2f} | {clean / med(anchor):,.0f} | {rss(anchor):.1f} | 1.00 |")
lines += ["", "Raw runs (name, seconds, peak KiB):", "", "```"]
lines += [l.rstrip() for l in open(results)]
lines += ["```", f"<!-- migrate-{rows}:end -->"]
section = "\n".join(lines)
text = out.read_text() if out.exists() else "# Benchmarks\n\nEach section is rewritten by the script it names.\n"
pattern = re.compile(rf"<!-- migrate-{rows}:begin -->.*?<!-- migrate-{rows}:end -->", re.S)
text = pattern.sub(section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
out.write_text(text)
print(section)
PY
