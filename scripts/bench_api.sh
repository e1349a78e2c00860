#!/usr/bin/env bash
# Benchmark (not a test): rows/s of 1,000-row JSON batches posted to `hiring serve` with wrk,
# next to the raw `hiring migrate` rate, on SQLite and PostgreSQL. Writes docs/benchmarks.md.
#
#   scripts/bench_api.sh                # ROWS=500000 DURATION=20s CONNECTIONS=8
#
# Installs wrk (Debian) if missing. Needs, for PostgreSQL, a server at BENCH_PG (default
# postgres://postgres@127.0.0.1:5432) where it may create and drop the database hiring_bench.
set -euo pipefail
cd "$(dirname "$0")/.."

rows="${ROWS:-500000}"
duration="${DURATION:-20s}"
connections="${CONNECTIONS:-8}"
threads="${THREADS:-2}"
pg_server="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
for tool in wrk sqlite3; do
    command -v "$tool" >/dev/null || {
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
    }
done

cargo build --release -q -p hiring-cli
hiring="$PWD/target/release/hiring"
work="$(mktemp -d)"
server=""
cleanup() {
    [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    psql -q "$pg_server/postgres" -c "DROP DATABASE IF EXISTS hiring_bench WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
: > "$work/empty.toml"
export HIRING_CONFIG="$work/empty.toml" RUST_LOG=warn
export HIRING_API_TOKEN="bench-$(python3 -c "import secrets; print(secrets.token_hex(16))")"

"$hiring" generate --rows "$rows" --out "$work/csv" --seed 1 >/dev/null

count_hires() { # url
    case "$1" in
        postgres*) psql -tAq "$1" -c "SELECT count(*) FROM hired_employees" ;;
        *) python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM hired_employees').fetchone()[0])" "$1" ;;
    esac
}

fresh_db() { # engine -> url
    case "$1" in
        postgresql)
            psql -q "$pg_server/postgres" -c "DROP DATABASE IF EXISTS hiring_bench WITH (FORCE)" >/dev/null 2>&1
            psql -q "$pg_server/postgres" -c "CREATE DATABASE hiring_bench" >/dev/null
            echo "$pg_server/hiring_bench" ;;
        sqlite)
            rm -f "$work"/bench.db*
            echo "$work/bench.db" ;;
    esac
}

results=()
for engine in ${ENGINES:-sqlite postgresql}; do
    # The raw migration of the generated files: on the bulk path (the default, one transaction
    # per table) and batch by batch (--no-bulk, commits as the API does).
    migrate_rate() { # url [flags...]
        local url=$1; shift
        DATABASE_URL="$url" "$hiring" migrate --dir "$work/csv" --format json "$@" 2>/dev/null |
            python3 -c 'import json,sys; s=[t for t in json.load(sys.stdin) if t["table"]=="hired_employees"][0]; print(round(s["read"]/s["seconds"]))'
    }
    url="$(fresh_db "$engine")"
    bulk_rate="$(migrate_rate "$url")"
    # The rows that load kept (the "pre-cleaned" rows), for the database's own import tool.
    case "$engine" in
        postgresql) psql -q "$url" -c "\\copy (SELECT * FROM hired_employees ORDER BY id) TO '$work/clean.csv' CSV" ;;
        sqlite) sqlite3 -csv "$url" "SELECT * FROM hired_employees ORDER BY id" > "$work/clean.csv" ;;
    esac
    batch_rate="$(migrate_rate "$(fresh_db "$engine")" --no-bulk)"

    # The database's own import of the pre-cleaned hires into the same live schema (primary key,
    # foreign keys and datetime index in place; departments and jobs loaded first), timed alone.
    url="$(fresh_db "$engine")"
    DATABASE_URL="$url" "$hiring" migrate --table departments --file "$work/csv/departments.csv" >/dev/null 2>&1
    DATABASE_URL="$url" "$hiring" migrate --table jobs --file "$work/csv/jobs.csv" >/dev/null 2>&1
    started="$(date +%s.%N)"
    case "$engine" in
        postgresql) psql -q "$url" -c "\\copy hired_employees FROM '$work/clean.csv' CSV" ;;
        sqlite) sqlite3 -bail -cmd "PRAGMA foreign_keys=ON" "$url" ".import --csv $work/clean.csv hired_employees" ;;
    esac
    import_rate="$(python3 -c "import time; print(round($(wc -l < "$work/clean.csv") / (time.time() - $started)))")"

    # The API: a fresh database holding the departments and jobs, then wrk.
    url="$(fresh_db "$engine")"
    DATABASE_URL="$url" "$hiring" migrate --table departments --file "$work/csv/departments.csv" >/dev/null 2>&1
    DATABASE_URL="$url" "$hiring" migrate --table jobs --file "$work/csv/jobs.csv" >/dev/null 2>&1
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    DATABASE_URL="$url" "$hiring" serve --bind "127.0.0.1:$port" 2>"$work/server.log" &
    server=$!
    for _ in $(seq 1 100); do
        python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1)" 2>/dev/null && break
        sleep 0.1
    done
    before="$(count_hires "$url")"
    started="$(date +%s.%N)"
    wrk -t"$threads" -c"$connections" -d"$duration" --latency -s scripts/bench_api.lua \
        "http://127.0.0.1:$port" > "$work/wrk.txt"
    elapsed="$(python3 -c "import time; print(time.time() - $started)")"
    after="$(count_hires "$url")"
    kill -TERM "$server"; wait "$server" || true; server=""
    api_rate="$(python3 -c "print(round(($after - $before) / $elapsed))")"
    non2xx="$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$work/wrk.txt" | grep -o '[0-9]*$' || echo 0)"
    p99="$(awk '/ 99%/ {print $2}' "$work/wrk.txt")"
    ratio="$(python3 -c "print(f'{$api_rate / $bulk_rate:.2f}')")"
    batch_ratio="$(python3 -c "print(f'{$api_rate / $batch_rate:.2f}')")"
    import_ratio="$(python3 -c "print(f'{$api_rate / $import_rate:.2f}')")"
    # Little's law: with every client always waiting on one batch, the mean time per batch is
    # the number of clients over the batches answered per second.
    mean_ms="$(python3 -c "print(f'{$connections * 1000 / ($api_rate / 1000):.0f}ms')")"
    echo "$engine: migrate $bulk_rate rows/s (--no-bulk $batch_rate), import $import_rate, API $api_rate rows/s ($ratio; $batch_ratio; $import_ratio), p99 $p99 (mean $mean_ms), non-2xx $non2xx"
    results+=("| $engine | $bulk_rate | $batch_rate | $import_rate | $api_rate | $ratio | $batch_ratio | $import_ratio | $mean_ms | $p99 | $non2xx |")
done

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs || echo unknown)"
section="$(
    echo "<!-- api:begin -->"
    echo "## HTTP API: 1,000-row batches next to \`hiring migrate\`"
    echo
    echo "Produced by \`ROWS=$rows DURATION=$duration CONNECTIONS=$connections THREADS=$threads scripts/bench_api.sh\`"
    echo "on $(date -u +%Y-%m-%d), $(nproc) cores ($cpu), release build, database, server and load tool on one machine."
    echo
    echo "- **migrate**: \`hiring migrate\` of \`hiring generate --rows $rows --seed 1\` into an empty database;"
    echo "  the rows/s of \`hired_employees\` (records read / seconds, rejects included), on the bulk"
    echo "  path (the default: one transaction per table, indexes built once) and with \`--no-bulk\`"
    echo "  (10,000-row batches each committed on its own, with every index kept up to date)."
    echo "- **import**: the database's own import tool loading the hires that migrate kept (pre-cleaned)"
    echo "  into the same live schema, departments and jobs loaded first: \`psql \\copy\` on PostgreSQL,"
    echo "  \`sqlite3 .import\` with foreign keys on for SQLite. It does less than the API (no validation,"
    echo "  no duplicate check, no \`hire_counts\`), and, like the API, keeps every constraint and index live."
    echo "- **API**: \`hiring serve\` on a fresh database holding the departments and jobs, loaded by"
    echo "  \`wrk -t$threads -c$connections -d$duration --latency -s scripts/bench_api.lua http://127.0.0.1:PORT\`:"
    echo "  every request posts 1,000 new, valid hires as JSON to \`POST /api/v1/hired_employees\`."
    echo "  rows/s = rows stored (counted in the database) / wall time of the wrk run."
    echo "- Targets: the API sustains at least 0.8× the import's rows/s (API / import ≥ 0.80), with a"
    echo "  p99 per 1,000-row batch of at most 150 ms under $connections clients. *mean per batch* is"
    echo "  $connections clients / batches answered per second (Little's law: each client always waits on"
    echo "  one batch), the mean that the p99 cannot be below."
    echo
    echo "| database | migrate rows/s | migrate --no-bulk rows/s | import rows/s | API rows/s | API / migrate | API / --no-bulk | API / import | mean per batch | p99 per batch | non-2xx answers |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${results[@]}"
    echo
    echo "<!-- api:end -->"
)"
doc=docs/benchmarks.md
[ -f "$doc" ] || printf '# Benchmarks\n' > "$doc"
SECTION="$section" python3 - "$doc" <<'PY'
import os, re, sys
path = sys.argv[1]
text = open(path).read()
section = os.environ["SECTION"]
pattern = re.compile(r"<!-- api:begin -->.*?<!-- api:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "wrote the API section of $doc"
