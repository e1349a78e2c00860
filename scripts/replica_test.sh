#!/usr/bin/env bash
# End-to-end test of reads from a streaming read replica, on PostgreSQL clusters this script
# makes itself with Debian's tools (never the machine's main cluster):
#
#   1. a primary cluster on a free port of 127.0.0.1 (trust authentication, replication allowed);
#   2. a hot standby made from it by `pg_basebackup -R`, on another free port;
#   3. the adapter's replica test (`cargo test --test storage replica::`): reads on the standby
#      equal the primary's once it caught up, writes refused there, and once the standby is
#      stopped, reads served by the primary within the time limit;
#   4. `hiring serve --replica-url` on the two, after `hiring migrate` of csv_files/ into the
#      primary: once /health says the replica serves, the hires-by-quarter report answers with
#      `Read-From: replica`; the standby stopped, /health says it is skipped and the same report
#      comes from the primary (`Read-From: primary`), equal; `hiring report` with
#      HIRING__DATABASE__REPLICA_URL reads on the replica, then, the standby stopped, warns that
#      it is skipped and reads the primary: the same JSON as the API's both times.
#
# Both clusters are dropped at the end, whatever happens.
#
#   scripts/replica_test.sh [target/debug/hiring]
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${1:-target/debug/hiring}"
[ -x "$binary" ] || { echo "replica_test: no binary at $binary" >&2; exit 1; }
hiring="$(realpath "$binary")"
work="$(mktemp -d)"
server=""

source scripts/pg_nodes.sh
name="hiring_test_$$"
primary="${name}_primary"
standby="${name}_standby"

cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
    drop_clusters "$standby" "$primary"
}
trap cleanup EXIT

primary_port="$(free_port)"
start_primary "$primary" "$primary_port"
createdb -h 127.0.0.1 -p "$primary_port" -U postgres hiring
standby_port="$(free_port)"
start_standby "$standby" "$standby_port" "$primary_port"

HIRING_TEST_PRIMARY_URL="postgres://postgres@127.0.0.1:$primary_port/hiring" \
HIRING_TEST_REPLICA_URL="postgres://postgres@127.0.0.1:$standby_port/hiring" \
HIRING_TEST_REPLICA_STOP="pg_ctlcluster --skip-systemctl-redirect $pg_version $standby stop -m fast" \
    cargo test -q -p hiring-adapters --test storage replica:: -- --nocapture
echo "PASS 3 the adapter's replica test"

# 4. The server on the primary and the standby (started again: the adapter test stopped it).
pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$standby" start
primary_url="postgres://postgres@127.0.0.1:$primary_port/hiring"
"$hiring" --database-url "$primary_url" migrate --dir csv_files >/dev/null 2>"$work/migrate.log" \
    || { cat "$work/migrate.log"; exit 1; }
port="$(free_port)"
HIRING_API_TOKEN=replica-test-token-0123456789 "$hiring" --database-url "$primary_url" serve \
    --bind "127.0.0.1:$port" --backup-dir "$work/avro" \
    --replica-url "postgres://postgres@127.0.0.1:$standby_port/hiring" 2>"$work/serve.log" &
server=$!
base="http://127.0.0.1:$port"
# health PATTERN: waits (30 s at most) until /health's replica object matches PATTERN.
health() {
    for _ in $(seq 1 300); do
        if curl -s --max-time 1 "$base/health" | grep -q "$1"; then return 0; fi
        sleep 0.1
    done
    echo "FAIL /health never matched $1: $(curl -s --max-time 1 "$base/health")"
    cat "$work/serve.log"
    return 1
}
# report NAME: the hires-by-quarter report of 2021 into NAME.json, its headers into NAME.head.
report() {
    curl -s -D "$work/$1.head" -o "$work/$1.json" "$base/api/v1/reports/hires-by-quarter?year=2021"
}
health '"replica":{"status":"serving"'
report replica
grep -qi '^read-from: replica' "$work/replica.head" || { echo "FAIL no Read-From: replica"; cat "$work/replica.head"; exit 1; }
grep -qi '^replica-lag-ms: [0-9]' "$work/replica.head" || { echo "FAIL no Replica-Lag-Ms"; exit 1; }
[ "$(head -c 1 "$work/replica.json")" = "[" ] && [ "$(wc -c < "$work/replica.json")" -gt 100 ] \
    || { echo "FAIL the replica's report: $(head -c 300 "$work/replica.json")"; exit 1; }
# cli NAME: `hiring report` with the replica configured, into NAME.json and NAME.log.
cli() {
    HIRING__DATABASE__REPLICA_URL="postgres://postgres@127.0.0.1:$standby_port/hiring" \
        "$hiring" -v --database-url "$primary_url" report hires-by-quarter --year 2021 --format json \
        >"$work/$1.json" 2>"$work/$1.log"
}
cli cli_replica
grep -q "reading on the read replica" "$work/cli_replica.log" \
    || { echo "FAIL hiring report did not read the replica"; cat "$work/cli_replica.log"; exit 1; }
python3 -c 'import json, sys; a, b = (json.load(open(f)) for f in sys.argv[1:]); sys.exit(a != b)' \
    "$work/cli_replica.json" "$work/replica.json" || { echo "FAIL hiring report differs from the API's"; exit 1; }
stop_cluster "$standby"
health '"replica":{"status":"skipped"'
cli cli_primary
grep -q "the read replica is skipped" "$work/cli_primary.log" \
    || { echo "FAIL hiring report did not say the replica is skipped"; cat "$work/cli_primary.log"; exit 1; }
python3 -c 'import json, sys; a, b = (json.load(open(f)) for f in sys.argv[1:]); sys.exit(a != b)' \
    "$work/cli_primary.json" "$work/replica.json" || { echo "FAIL hiring report differs once on the primary"; exit 1; }
report primary
grep -qi '^read-from: primary' "$work/primary.head" || { echo "FAIL no Read-From: primary"; cat "$work/primary.head"; exit 1; }
cmp -s "$work/replica.json" "$work/primary.json" || { echo "FAIL the reports differ"; exit 1; }
echo "PASS 4 hiring serve and hiring report read on the replica, then on the primary once it stopped"
echo "PASS replica_test"
