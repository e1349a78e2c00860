#!/usr/bin/env bash
# End-to-end test of several `hiring serve` processes behind PgBouncer (Debian's package) in
# transaction pooling mode, on a database of its own of the local PostgreSQL server:
#
#   1. PgBouncer on a free port of 127.0.0.1, pool_mode = transaction, 10 server connections;
#   2. `hiring migrate` of csv_files/ through the pooler with database.direct_url set: the
#      migrations and the bulk load run on direct connections, every row is stored or rejected;
#   3. three `hiring serve` on the pooler (statements prepared unnamed), and concurrent batch
#      clients spread over them (scripts/pooler_load.py), each batch sent twice through two
#      servers with one request id: exact row counts, every invalid row logged once, the
#      hire_counts aggregate equal to the hires, no failed request (with diesel's named
#      statements through the pooler, requests fail: `prepared statement "__diesel_stmt_7" does
#      not exist`).
#
#   scripts/pooler_test.sh [target/debug/hiring]
#   POOLER_TEST_BATCHES (default 60), POOLER_TEST_CLIENTS (default 6)
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${1:-target/debug/hiring}"
[ -x "$binary" ] || { echo "pooler_test: no binary at $binary" >&2; exit 1; }
hiring="$(realpath "$binary")"
batches="${POOLER_TEST_BATCHES:-60}"
clients="${POOLER_TEST_CLIENTS:-6}"
source scripts/pg_nodes.sh

work="$(mktemp -d)"
chmod 755 "$work"
db="hiring_pooler_$$"
servers=()
bouncer_pid=""
cleanup() {
    for pid in "${servers[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    if [ -n "$bouncer_pid" ]; then kill "$bouncer_pid" 2>/dev/null || true; fi
    dropdb -h 127.0.0.1 -U postgres --if-exists --force "$db" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

psql_db() { psql -h 127.0.0.1 -U postgres -d "$db" -tAq -c "$1"; }
fail() { echo "FAIL $*"; exit 1; }

createdb -h 127.0.0.1 -U postgres "$db"
# 1. PgBouncer.
mkdir "$work/bouncer"
start_pgbouncer "$db" "$work/bouncer"
bport="$bouncer_port"
pooled="postgres://postgres@127.0.0.1:$bport/$db"
direct="postgres://postgres@127.0.0.1:5432/$db"
echo "PASS 1 PgBouncer $(pgbouncer --version | head -1 | awk '{print $2}') in transaction pooling on port $bport"

# 2. The migration through the pooler, its DDL and bulk load on the direct URL.
HIRING__DATABASE__DIRECT_URL="$direct" "$hiring" --database-url "$pooled" migrate --dir csv_files \
    >/dev/null 2>"$work/migrate.log" || { cat "$work/migrate.log"; fail "2 migrate through the pooler"; }
stored="$(psql_db "SELECT count(*) FROM hired_employees")"
logged="$(psql_db "SELECT count(*) FROM rejected_rows WHERE table_name = 'hired_employees'")"
lines="$(grep -c '' csv_files/hired_employees.csv)"
[ "$((stored + logged))" = "$lines" ] || fail "2 migrate: $stored stored + $logged rejected != $lines lines"
echo "PASS 2 migrate through the pooler, migrations and bulk load direct: $stored stored, $logged rejected"

# 3. Three servers on the pooler, concurrent clients over them.
token=pooler-test-token-0123456789
bases=()
for i in 1 2 3; do
    port="$(free_port)"
    HIRING_API_TOKEN="$token" HIRING__DATABASE__DIRECT_URL="$direct" "$hiring" --database-url "$pooled" \
        serve --bind "127.0.0.1:$port" --backup-dir "$work/avro" 2>"$work/serve$i.log" &
    servers+=($!)
    bases+=("http://127.0.0.1:$port")
done
for base in "${bases[@]}"; do
    for _ in $(seq 1 100); do curl -s -o /dev/null --max-time 1 "$base/health" && break; sleep 0.1; done
done
before="$(psql_db "SELECT count(*) FROM hired_employees")"
rejects_before="$(psql_db "SELECT count(*) FROM rejected_rows")"
started="$(date +%s.%N)"
result="$(python3 scripts/pooler_load.py "$(IFS=,; echo "${bases[*]}")" "$token" "$batches" "$clients")"
elapsed="$(python3 -c "import time; print(f'{time.time() - $started:.2f}')")"
echo "$result" > "$work/load.json"
python3 - "$work/load.json" "$batches" <<'PY' || { cat "$work"/serve*.log | tail -20; fail "3 answers"; }
import json, sys
got, batches = json.load(open(sys.argv[1])), int(sys.argv[2])
valid = got["rows"] - got["invalid"]
assert not got["failed"], got["failed"][:5]
assert got["inserted"] == batches * valid, got
assert got["already"] == batches * valid, got
assert got["rejected"] == 2 * batches * got["invalid"], got
PY
after="$(psql_db "SELECT count(*) FROM hired_employees")"
[ "$((after - before))" = "$((batches * 950))" ] || fail "3 stored $((after - before)), expected $((batches * 950))"
invalid_logged="$(psql_db "SELECT count(*) FROM rejected_rows WHERE source LIKE 'api load-%' AND reason_text LIKE '%name%'")"
[ "$invalid_logged" = "$((batches * 50))" ] || fail "3 invalid rows logged $invalid_logged times, expected $((batches * 50))"
api_rejects="$(($(psql_db "SELECT count(*) FROM rejected_rows") - rejects_before))"
[ "$api_rejects" = "$((batches * 1000))" ] || fail "3 $api_rejects rejects logged, expected $((batches * 1000))"
[ "$(psql_db "SELECT sum(hired) FROM hire_counts")" = "$after" ] || fail "3 hire_counts differs from the hires"
rate="$(python3 -c "print(round($batches * 2 * 1000 / $elapsed))")"
echo "PASS 3 three servers behind the pooler, $clients clients, $batches batches sent twice: exact counts, each invalid row logged once ($elapsed s, $rate rows/s received)"
echo "PASS pooler_test"
