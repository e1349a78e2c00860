#!/usr/bin/env bash
# Benchmark of `hiring migrate` next to the databases' own import tools, on the same machine in
# the same run: `sqlite3 .import` and `psql \copy` of the rows that survive validation (the
# "pre-cleaned" rows) into the same schema; and, on SQLite's turn, `hiring migrate --dry-run`
# (the parser and the rules alone, target 2M rows/s). Runs alternate (ours, anchor, ours, anchor...) so
# machine noise hits both; the report gives medians, rows/s, peak RSS and our ratio to each anchor.
#
# Usage: scripts/bench_migrate.sh [--rows N] [--runs K] [--out FILE]
#   --rows  hired_employees rows to generate (default 1000000; 10000000 for the large check)
#   --runs  runs of each contender (default 3)
#   --out   markdown file whose "migrate-<rows>" section is rewritten (default docs/benchmarks.md)
# PostgreSQL runs against BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres),
# in databases it creates and drops; it is skipped when that server does not answer.
# ENGINES (default "sqlite postgres") names the engines to run; the section keeps the rows of
# the others from its previous run (their raw runs are carried over, marked with their date).
# INCREMENTAL (default 100000; 0 skips it) adds, on PostgreSQL, the incremental case: that many
# new rows (`hiring generate --seed 43`, ids moved past the base rows) loaded into a table
# already holding the base rows, next to `psql \copy` of the same rows pre-cleaned; each run
# starts from a copy of one template database holding the base load, vacuumed and analysed.
# pgloader, when installed (Debian), loads the raw hires once, stopped after PGLOADER_CAP
# seconds (default 120).
# Bare-table anchors: the pre-cleaned hires in one stream into a table with the five columns and
# nothing else, the engine's raw write speed with our data: `sqlite3 .import` into a table with
# only `id INTEGER PRIMARY KEY` (journal_mode and synchronous OFF), `psql \copy` into a plain
# logged table. Restore: `hiring restore hired_employees --file` of a backup of the same rows
# into a database holding only the parents. Where the time goes: the stage times that
# `hiring migrate --format json` reports (read and check, write, index build, key check, commit).
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
engines=" ${ENGINES:-sqlite postgres} "
incremental=${INCREMENTAL:-100000}
run_sqlite=false; run_pg=false
case "$engines" in *" sqlite "*) run_sqlite=true ;; esac
case "$engines" in *" postgres "*) run_pg=true ;; esac

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
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/stdout" 2>"$work/stderr" || {
        echo "$name failed:" >&2; tail -5 "$work/stderr" >&2; exit 1; }
    echo "$name $(cat "$work/time")" | tee -a "$work/results"
    # The hires' stage times of a JSON summary: "name stage seconds" lines.
    if [ "${name#hiring-}" != "$name" ] && head -c1 "$work/stdout" | grep -q '\['; then
        python3 - "$name" "$work/stdout" >>"$work/stages" <<'PY'
import json, sys
for t in json.load(open(sys.argv[2])):
    if t.get("table") == "hired_employees":
        for stage, secs in t.get("stages", {}).items():
            print(sys.argv[1], stage, secs)
PY
    fi
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
# The same rows as a backup, for the restore contenders.
"$bin" --database-url "$work/clean.db" backup hired_employees --dir "$work/avro" >/dev/null
backup_file=$(ls "$work"/avro/hired_employees/*.avro | head -1)
bare_hires="CREATE TABLE hired_employees (id INTEGER PRIMARY KEY, name TEXT, datetime TEXT, department_id INTEGER, job_id INTEGER)"
pg_bare_hires="CREATE TABLE hired_employees (id integer, name text, datetime timestamptz, department_id integer, job_id integer)"
# parents_only URL: loads the pre-cleaned departments and jobs into the database at URL.
parents_only() {
    for t in departments jobs; do
        "$bin" --database-url "$1" migrate --table "$t" --file "$work/clean/$t.csv" >/dev/null 2>&1
    done
}

pg_ok=false
if $run_pg && psql -q "$pg_admin" -c "SELECT 1" >/dev/null 2>&1; then pg_ok=true; fi
# new_pg_db NAME [TEMPLATE]: creates database NAME (dropped on exit), as a copy of TEMPLATE if
# given, and sets $db_url to it.
new_pg_db() {
    psql -q "$pg_admin" -c "CREATE DATABASE $1${2:+ TEMPLATE $2}" >/dev/null
    pg_dbs+=("$1")
    db_url="${pg_admin%/*}/$1"
}

inc_rows=0; clean_inc_rows=0; base_db=""
if $pg_ok && [ "$incremental" -gt 0 ]; then
    echo "preparing the incremental case: $incremental rows into $rows"
    "$bin" generate --rows "$incremental" --out "$work/inc-raw" --seed 43 >/dev/null
    mkdir -p "$work/inc"
    # Positive integer ids move past the base rows; other ids (rejected anyway) stay as they are.
    awk -F, -v OFS=, -v off="$rows" '$1 ~ /^[0-9]+$/ && $1 + 0 > 0 { $1 = $1 + off } { print }' \
        "$work/inc-raw/hired_employees.csv" > "$work/inc/hired_employees.csv"
    "$bin" --database-url "$work/clean.db" migrate --table hired_employees \
        --file "$work/inc/hired_employees.csv" >/dev/null 2>&1
    sqlite3 -csv "$work/clean.db" "SELECT * FROM hired_employees WHERE id > $rows ORDER BY id" \
        > "$work/clean/inc_hired_employees.csv"
    inc_rows=$incremental
    clean_inc_rows=$(wc -l < "$work/clean/inc_hired_employees.csv")
    base_db="hiring_bench_$$_base"
    new_pg_db "$base_db"
    "$bin" --database-url "$db_url" migrate --dir "$work/csv" >/dev/null 2>&1
    psql -q "$db_url" -c "VACUUM (ANALYZE)" >/dev/null
fi

for i in $(seq 1 "$runs"); do
    echo "run $i of $runs"
    if $run_sqlite; then
    rm -f "$work"/ours.db* "$work"/anchor.db*
    # Parsing and the rules alone: a dry run writes nothing (its empty database only answers
    # that no id is stored yet).
    measure hiring-dry-run "$bin" --database-url "$work/ours.db" migrate --dry-run --dir "$work/csv"
    rm -f "$work"/ours.db*
    measure hiring-sqlite "$bin" --database-url "$work/ours.db" migrate --dir "$work/csv" --format json
    rm -f "$work"/bare.db*
    measure sqlite3-bare sqlite3 -bail "$work/bare.db" "PRAGMA journal_mode=OFF" "PRAGMA synchronous=OFF" \
        "$bare_hires" ".import --csv $work/clean/hired_employees.csv hired_employees"
    rm -f "$work"/restored.db*
    parents_only "$work/restored.db"
    measure hiring-restore-sqlite "$bin" --database-url "$work/restored.db" restore hired_employees \
        --file "$backup_file" --format json
    cat $sqlite_schema | sqlite3 "$work/anchor.db"
    measure sqlite3-import sqlite3 -bail -cmd "PRAGMA foreign_keys=ON" "$work/anchor.db" \
        ".import --csv $work/clean/departments.csv departments" \
        ".import --csv $work/clean/jobs.csv jobs" \
        ".import --csv $work/clean/hired_employees.csv hired_employees"
    fi
    if $pg_ok; then
        new_pg_db "hiring_bench_$$_ours_$i"
        measure hiring-postgres "$bin" --database-url "$db_url" migrate --dir "$work/csv" --format json
        new_pg_db "hiring_bench_$$_bare_$i"
        psql -q -v ON_ERROR_STOP=1 "$db_url" -c "$pg_bare_hires" >/dev/null
        measure psql-copy-bare psql -q -v ON_ERROR_STOP=1 "$db_url" \
            -c "\\copy hired_employees FROM '$work/clean/hired_employees.csv' CSV"
        new_pg_db "hiring_bench_$$_restored_$i"
        parents_only "$db_url"
        measure hiring-restore-postgres "$bin" --database-url "$db_url" restore hired_employees \
            --file "$backup_file" --format json
        new_pg_db "hiring_bench_$$_anchor_$i"
        cat $pg_schema | psql -q -v ON_ERROR_STOP=1 "$db_url" >/dev/null
        measure psql-copy psql -q -v ON_ERROR_STOP=1 "$db_url" \
            -c "\\copy departments FROM '$work/clean/departments.csv' CSV" \
            -c "\\copy jobs FROM '$work/clean/jobs.csv' CSV" \
            -c "\\copy hired_employees FROM '$work/clean/hired_employees.csv' CSV"
        if [ -n "$base_db" ]; then
            new_pg_db "hiring_bench_$$_ours_inc_$i" "$base_db"
            measure hiring-postgres-incremental "$bin" --database-url "$db_url" migrate \
                --table hired_employees --file "$work/inc/hired_employees.csv"
            new_pg_db "hiring_bench_$$_anchor_inc_$i" "$base_db"
            measure psql-copy-incremental psql -q -v ON_ERROR_STOP=1 "$db_url" \
                -c "\\copy hired_employees FROM '$work/clean/inc_hired_employees.csv' CSV"
        fi
        if [ "$i" = 1 ] && command -v pgloader >/dev/null; then
            # pgloader (Debian, when installed) on the raw hires, the parents loaded first; once,
            # stopped after PGLOADER_CAP seconds: on dirty data its retry of failed batches can
            # run for a long time.
            new_pg_db "hiring_bench_$$_pgloader"
            cat $pg_schema | psql -q -v ON_ERROR_STOP=1 "$db_url" >/dev/null
            psql -q -v ON_ERROR_STOP=1 "$db_url" \
                -c "\\copy departments FROM '$work/clean/departments.csv' CSV" \
                -c "\\copy jobs FROM '$work/clean/jobs.csv' CSV"
            cat > "$work/pgloader.load" <<LOAD
LOAD CSV FROM '$work/csv/hired_employees.csv' (id, name, datetime, department_id, job_id)
INTO $db_url?hired_employees (id, name, datetime, department_id, job_id)
WITH fields terminated by ',', fields optionally enclosed by '"';
LOAD
            cap=${PGLOADER_CAP:-120}
            started=$(date +%s.%N)
            timeout "$cap" pgloader --quiet "$work/pgloader.load" >"$work/pgloader.log" 2>&1 || true
            took=$(python3 -c "print(f'{$(date +%s.%N) - $started:.2f}')")
            loaded=$(psql -tAq "$db_url" -c "SELECT count(*) FROM hired_employees")
            echo "pgloader $took $loaded" | tee "$work/pgloader"
        fi
        for db in "${pg_dbs[@]}"; do
            [ "$db" = "$base_db" ] && continue
            psql -q "$pg_admin" -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
        done
        pg_dbs=(${base_db:+"$base_db"})
    fi
done
touch "$work/results" "$work/stages"

touch "$work/pgloader"
SCRIPT_SECONDS="$SECONDS" STAGES="$work/stages" PGLOADER="$(cat "$work/pgloader")" PGLOADER_CAP="${PGLOADER_CAP:-120}" python3 - "$work/results" "$out" "$rows" "$clean_rows" "$runs" "$(nproc)" "$inc_rows" "$clean_inc_rows" "${ENGINES:-sqlite postgres}" <<'PY'
import os, statistics, sys, datetime, re, pathlib
results, out, rows, clean, runs, cores = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
inc, clean_inc, engines = int(sys.argv[7]), int(sys.argv[8]), sys.argv[9].split()
today = datetime.date.today()
# The dry run is measured on SQLite's turn.
engine_of = lambda name: "sqlite" if "sqlite" in name or "dry-run" in name else "postgres"
data, raw = {}, []
for line in open(results):
    name, secs, kib = line.split()
    data.setdefault(name, []).append((float(secs), int(kib)))
    raw.append(line.rstrip())
text = out.read_text() if out.exists() else "# Benchmarks\n\nEach section is rewritten by the script it names.\n"
pattern = re.compile(rf"<!-- migrate-{rows}:begin -->.*?<!-- migrate-{rows}:end -->", re.S)
old = pattern.search(text)
# Engines not run this time keep their previous raw runs (and the note of when they ran).
carried, notes = [], {e: f"`ENGINES=\"{' '.join(engines)}\" scripts/bench_migrate.sh --rows {rows} --runs {runs}` on {today}" for e in engines}
if old:
    block = re.search(r"Raw runs.*?```\n(.*?)```", old.group(0), re.S)
    for line in (block.group(1).splitlines() if block else []):
        m = re.match(r"(\S+) ([0-9.]+) ([0-9]+)(.*)", line)
        if m and engine_of(m.group(1)) not in engines:
            name = m.group(1)
            data.setdefault(name, []).append((float(m.group(2)), int(m.group(3))))
            carried.append(line if m.group(4) else f"{line}  (carried over)")
    for e in ("sqlite", "postgres"):
        m = re.search(rf"^- {e}: (.*)$", old.group(0), re.M)
        if e not in engines:
            notes[e] = m.group(1) if m else "an earlier run of this section"
    if not re.search(r"^- (sqlite|postgres): ", old.group(0), re.M):
        d = re.search(r"on (\d{4}-\d{2}-\d{2})", old.group(0))
        for e in ("sqlite", "postgres"):
            if e not in engines:
                notes[e] = f"`scripts/bench_migrate.sh --rows {rows}` on {d.group(1) if d else 'an earlier date'}"
def med(name): return statistics.median(s for s, _ in data[name])
def rss(name): return max(k for _, k in data[name]) / 1024
lines = [
    f"<!-- migrate-{rows}:begin -->",
    f"## Migrate {rows:,} rows: `hiring migrate` next to the databases' own import tools",
    "",
    f"Produced by `scripts/bench_migrate.sh`, {cores} cores; each engine's rows come from the run named here:",
    "",
    *[f"- {e}: {notes[e]}" for e in ("sqlite", "postgres") if e in notes],
    "",
    f"Input: `hiring generate --rows {rows} --seed 42` (about 3.6% invalid rows). Our loader reads the raw files,",
    f"validates every row and logs every reject; the anchors load the {clean:,} pre-cleaned rows into the same schema.",
    "Runs alternate between contenders; times are medians of wall-clock seconds, peak RSS is the largest seen.",
    f"The whole script (engines {', '.join(engines)}: build check, data generation, {runs} runs of each contender"
    f"{', pgloader' if os.environ.get('PGLOADER') else ''}) took "
    f"{int(os.environ['SCRIPT_SECONDS']) / 60:.1f} minutes.",
    "",
    "| contender | median s | rows/s | peak RSS MiB | anchor s / our s |",
    "|---|---:|---:|---:|---:|",
]
pairs = [("hiring-sqlite", "sqlite3-import", rows, clean), ("hiring-postgres", "psql-copy", rows, clean),
         ("hiring-postgres-incremental", "psql-copy-incremental", inc, clean_inc)]
for ours, anchor, n_ours, n_anchor in pairs:
    if ours not in data or anchor not in data:
        continue
    if ours.endswith("-incremental"):
        if not n_ours and old:  # carried over: the counts of the previous run
            m = re.search(r"Incremental load \(PostgreSQL\): ([\d,]+) new rows.*?the ([\d,]+) pre-cleaned new rows", old.group(0), re.S)
            n_ours, n_anchor = (int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))) if m else (0, 0)
        lines += ["", f"Incremental load (PostgreSQL): {n_ours:,} new rows (`hiring generate --rows {n_ours} --seed 43`, ids moved past the",
                  f"base rows) into `hired_employees` already holding the {clean:,} base rows; the anchor loads the {n_anchor:,} pre-cleaned new rows.", "",
                  "| contender | median s | rows/s | peak RSS MiB | anchor s / our s |", "|---|---:|---:|---:|---:|"]
    rate = lambda n, name: f"{n / med(name):,.0f}" if n else "n/a"
    lines.append(f"| `{ours}` | {med(ours):.2f} | {rate(n_ours, ours)} | {rss(ours):.1f} | {med(anchor) / med(ours):.2f} |")
    lines.append(f"| `{anchor}` (anchor) | {med(anchor):.2f} | {rate(n_anchor, anchor)} | {rss(anchor):.1f} | 1.00 |")
if os.environ.get("PGLOADER"):
    _, took, loaded = os.environ["PGLOADER"].split()
    took, loaded = float(took), int(loaded)
    cap = float(os.environ["PGLOADER_CAP"])
    done = took < cap - 1
    lines += ["", f"pgloader (Debian) on the raw hires, once, parents loaded first, stopped after {cap:.0f} s: "
              + (f"finished in {took:.2f} s, {loaded:,} rows stored ({loaded / took:,.0f} rows/s)" if done else
                 f"had stored {loaded:,} rows ({loaded / took:,.0f} rows/s) when stopped")
              + (f"; `hiring-postgres` stores {rows / med('hiring-postgres') / (loaded / took):,.0f} times as many rows per second"
                 if "hiring-postgres" in data and loaded else "") + "."]
elif old and "postgres" not in engines:  # carried over with the PostgreSQL runs
    m = re.search(r"^pgloader \(Debian\).*$", old.group(0), re.M)
    if m:
        lines += ["", m.group(0)]
# Near the hardware: our bulk paths next to the engine's raw write of the same rows into a bare
# table (targets: PostgreSQL bare s / our s >= 1.0, SQLite >= 1.5; restore no slower than migrate).
targets = {"sqlite": 1.5, "postgres": 1.0}
near = [(e, f"hiring-{e}", bare, f"hiring-restore-{e}") for e, bare in (("sqlite", "sqlite3-bare"), ("postgres", "psql-copy-bare"))]
near = [n for n in near if n[1] in data and n[2] in data]
if near:
    lines += ["", f"Near the hardware: the {clean:,} pre-cleaned hires in one stream into a **bare table** (the five columns,",
              "nothing else: SQLite's with only `id INTEGER PRIMARY KEY`, `journal_mode` and `synchronous` OFF; PostgreSQL's a plain",
              "logged table), next to `hiring migrate` of the raw files (every row validated, rejects logged, keys and indexes in",
              f"place, durable at commit) and `hiring restore hired_employees --file` of a backup of the same rows into a database",
              "holding only the parents. Targets: bare s / migrate s at least 1.5 on SQLite and 1.0 on PostgreSQL; restore no",
              "slower than migrate.", "",
              "| engine | migrate s | bare table s | bare s / migrate s | target | restore s | migrate s / restore s | restore peak RSS MiB |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for e, ours, bare, restore in near:
        r = (f"{med(restore):.2f} | {med(ours) / med(restore):.2f} | {rss(restore):.1f}" if restore in data else "n/a | n/a | n/a")
        lines.append(f"| {e} | {med(ours):.2f} | {med(bare):.2f} | {med(bare) / med(ours):.2f} | {targets[e]:.2f} | {r} |")
stages = {}
for line in open(os.environ["STAGES"]):
    name, stage, secs = line.split()
    stages.setdefault(name, {}).setdefault(stage, []).append(float(secs))
if stages:
    order = ["read_and_check", "write", "index_build", "key_check", "commit"]
    lines += ["", "Where the time goes in our loads of `hired_employees` (medians of the stage times `--format json` reports;",
              "reading and checking overlap the writes, so *read and check* is the time not spent writing; the dry run below is",
              "parsing and the rules alone):", "",
              "| contender | " + " | ".join(o.replace("_", " ") for o in order) + " | sum |",
              "|---|" + "---:|" * (len(order) + 1)]
    for name in sorted(stages):
        meds = [statistics.median(stages[name].get(o, [0.0])) for o in order]
        lines.append(f"| `{name}` | " + " | ".join(f"{m:.2f}" for m in meds) + f" | {sum(meds):.2f} |")
if "hiring-dry-run" in data:
    lines += ["", f"Dry run (`hiring migrate --dry-run`: every row of the raw files parsed and checked by the rules, nothing",
              "written; target 2,000,000 rows/s):", "",
              "| contender | median s | rows/s | peak RSS MiB |", "|---|---:|---:|---:|",
              f"| `hiring-dry-run` | {med('hiring-dry-run'):.2f} | {rows / med('hiring-dry-run'):,.0f} | {rss('hiring-dry-run'):.1f} |"]
lines += ["", "Raw runs (name, seconds, peak KiB):", "", "```"]
lines += raw + carried
lines += ["```", f"<!-- migrate-{rows}:end -->"]
section = "\n".join(lines)
text = pattern.sub(lambda _: section, text) if old else text.rstrip() + "\n\n" + section + "\n"
out.write_text(text)
print(section)
PY
