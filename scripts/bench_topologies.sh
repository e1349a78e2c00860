#!/usr/bin/env bash
# Benchmark (not a test) of the topologies of docs/scaling.md, each against an anchor measured
# in the same run, on this machine's PostgreSQL (a database of its own) and on clusters it makes
# and drops itself with Debian's tools:
#
#   1. load time into a partition: `hiring migrate` of N generated hires into an empty database,
#      then of N more hires of a year not held yet (2023), with hired_employees partitioned by
#      hire year, against the plain table (anchor); a new database per run, layouts alternated;
#   2. batches/s: clients sending batches of 1,000 valid hires (each once) to one `hiring serve`
#      connected directly (anchor), to one behind PgBouncer in transaction pooling, and to three
#      behind it, round-robin; the configurations alternated within each run;
#   3. report latency on a read replica: a primary and a hot standby made by
#      `pg_basebackup -R`, N hires migrated into the primary; both reports through
#      `hiring serve --replica-url` (answers checked to say `Read-From: replica`) against the
#      same server without a replica (anchor), requests alternated.
#
# Writes the "topologies-benchmark" section of docs/scaling.md.
#
#   scripts/bench_topologies.sh [--rows N] [--runs K] [--batches B] [--clients C] [--requests R]
#   defaults: N 1000000, K 5, B 200, C 6, R 101
set -euo pipefail
cd "$(dirname "$0")/.."

rows=1000000
runs=5
batches=200
clients=6
requests=101
while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --batches) batches=$2; shift 2 ;;
        --clients) clients=$2; shift 2 ;;
        --requests) requests=$2; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
source scripts/pg_nodes.sh
cargo build --release -q -p hiring-cli
hiring="$PWD/target/release/hiring"

work="$(mktemp -d)"
chmod 755 "$work"
cluster="hiring_bench_$$"
db="hiring_bench_topologies_$$"
bouncer_pid=""
cleanup() {
    # The servers, started in command substitutions, left their process ids in a file.
    for pid in $(cat "$work/servers" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
    if [ -n "$bouncer_pid" ]; then kill "$bouncer_pid" 2>/dev/null || true; fi
    for suffix in a b; do
        dropdb -h 127.0.0.1 -U postgres --if-exists --force "${db}_$suffix" 2>/dev/null || true
    done
    drop_clusters "${cluster}_standby" "${cluster}_primary"
    rm -rf "$work"
}
trap cleanup EXIT
: > "$work/empty.toml"
export HIRING_CONFIG="$work/empty.toml" RUST_LOG=warn
token=bench-topologies-token-0123456789

now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{$(now) - $1:.3f}')"; }
# serve URL DIRECT_URL|- [ARGS...]: starts `hiring serve` on URL (with database.direct_url
# when given) in the background, prints its address.
serve() {
    local url=$1 direct=$2 port; shift 2
    port="$(free_port)"
    local settings=(HIRING_API_TOKEN="$token")
    if [ "$direct" != - ]; then settings+=(HIRING__DATABASE__DIRECT_URL="$direct"); fi
    env "${settings[@]}" "$hiring" --database-url "$url" serve --bind "127.0.0.1:$port" \
        --backup-dir "$work/avro" "$@" >"$work/serve-$port.log" 2>&1 &
    echo $! >> "$work/servers"
    for _ in $(seq 1 100); do
        curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$port/health" && break
        sleep 0.1
    done
    echo "http://127.0.0.1:$port"
}
migrate() { # URL DIR [ENV=VALUE...]: a `hiring migrate`, failing the benchmark if it fails
    local url=$1 dir=$2; shift 2
    env "$@" "$hiring" --database-url "$url" migrate --dir "$dir" --format json \
        >"$work/migrate.json" 2>"$work/migrate.log" || { cat "$work/migrate.log"; exit 1; }
}

echo "generating $rows hires" >&2
"$hiring" generate --rows "$rows" --seed 42 --out "$work/csv" >/dev/null
# The same hires moved to 2023 with ids of their own: a year no partition holds yet.
mkdir -p "$work/csv2023"
cp "$work/csv/departments.csv" "$work/csv/jobs.csv" "$work/csv2023/"
awk -F, -v OFS=, -v shift_by=$((rows + 1000)) '
    $1 ~ /^[0-9]+$/ { $1 += shift_by } { sub(/^20[0-9][0-9]-/, "2023-", $3); print }
' "$work/csv/hired_employees.csv" > "$work/csv2023/hired_employees.csv"

# 1. Loads, plain (anchor) and partitioned by year, alternated.
: > "$work/loads.txt"
for run in $(seq 1 "$runs"); do
    layouts=(plain by_year)
    [ $((run % 2)) = 0 ] && layouts=(by_year plain)
    for layout in "${layouts[@]}"; do
        createdb -h 127.0.0.1 -U postgres "${db}_a"
        url="postgres://postgres@127.0.0.1:5432/${db}_a"
        setting="HIRING__DATABASE__PARTITION_HIRES_BY_YEAR=$([ "$layout" = by_year ] && echo true || echo false)"
        t="$(now)"; migrate "$url" "$work/csv" "$setting"; first="$(since "$t")"
        held="$(psql -h 127.0.0.1 -U postgres -d "${db}_a" -tAq -c "SELECT count(*) FROM hired_employees")"
        t="$(now)"; migrate "$url" "$work/csv2023" "$setting"; second="$(since "$t")"
        parts="$(psql -h 127.0.0.1 -U postgres -d "${db}_a" -tAq -c \
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'hired_employees'::regclass")"
        stored="$(psql -h 127.0.0.1 -U postgres -d "${db}_a" -tAq -c "SELECT count(*) FROM hired_employees")"
        echo "$layout $first $second $parts $held $stored" | tee -a "$work/loads.txt" >&2
        dropdb -h 127.0.0.1 -U postgres --force "${db}_a"
    done
done

# 2. Batches/s: one server direct (anchor), one and three behind PgBouncer.
createdb -h 127.0.0.1 -U postgres "${db}_b"
direct="postgres://postgres@127.0.0.1:5432/${db}_b"
migrate "$direct" csv_files
mkdir "$work/bouncer"
start_pgbouncer "${db}_b" "$work/bouncer"
bport="$bouncer_port"
pooled="postgres://postgres@127.0.0.1:$bport/${db}_b"
one_direct="$(serve "$direct" -)"
pooled_servers=()
for _ in 1 2 3; do
    pooled_servers+=("$(serve "$pooled" "$direct")")
done
one_pooled="${pooled_servers[0]}"
three_pooled="$(IFS=,; echo "${pooled_servers[*]}")"
: > "$work/batches.txt"
first=0
for run in $(seq 1 "$runs"); do
    configs=(direct1 pooled1 pooled3)
    [ $((run % 2)) = 0 ] && configs=(pooled3 pooled1 direct1)
    for config in "${configs[@]}"; do
        case "$config" in
            direct1) bases="$one_direct" ;;
            pooled1) bases="$one_pooled" ;;
            pooled3) bases="$three_pooled" ;;
        esac
        got="$(python3 scripts/pooler_load.py "$bases" "$token" "$batches" "$clients" --once --first "$first")"
        first=$((first + batches))
        echo "$config $got" | tee -a "$work/batches.txt" >&2
    done
done

# 3. Report latency on a read replica, against the primary alone.
primary_port="$(free_port)"
start_primary "${cluster}_primary" "$primary_port"
createdb -h 127.0.0.1 -p "$primary_port" -U postgres hiring
primary_url="postgres://postgres@127.0.0.1:$primary_port/hiring"
migrate "$primary_url" "$work/csv"
standby_port="$(free_port)"
start_standby "${cluster}_standby" "$standby_port" "$primary_port"
on_primary="$(serve "$primary_url" -)"
on_replica="$(serve "$primary_url" - --replica-url "postgres://postgres@127.0.0.1:$standby_port/hiring")"
serving=""
for _ in $(seq 1 300); do
    if curl -s --max-time 1 "$on_replica/health" | grep -q '"replica":{"status":"serving"'; then
        serving=yes; break
    fi
    sleep 0.1
done
[ -n "$serving" ] || { echo "the replica never served: $(curl -s "$on_replica/health")" >&2; exit 1; }
latencies="$(python3 - "$on_primary" "$on_replica" "$requests" <<'PY'
import json, sys, time, urllib.request
primary, replica, requests = sys.argv[1], sys.argv[2], int(sys.argv[3])
paths = {
    "hires-by-quarter": "/api/v1/reports/hires-by-quarter?year=2021",
    "departments-above-mean": "/api/v1/reports/departments-above-mean?year=2021",
}
got = {f"{r}|{w}": [] for r in paths for w in ("primary", "replica")}
bodies = {}
for i in range(requests + 5):
    for report, path in paths.items():
        order = [("primary", primary), ("replica", replica)]
        for where, base in order if i % 2 else order[::-1]:
            t = time.perf_counter()
            with urllib.request.urlopen(base + path, timeout=30) as answer:
                body, source = answer.read(), answer.headers.get("Read-From")
            ms = (time.perf_counter() - t) * 1000
            # A server without a replica sends no Read-From.
            assert source == ("replica" if where == "replica" else None), (where, source)
            bodies.setdefault(report, body)
            assert body == bodies[report], f"{report} differs on the {where}"
            if i >= 5:  # warm-up requests are not counted
                got[f"{report}|{where}"].append(ms)
print(json.dumps(got))
PY
)"

RUNS="$runs" ROWS="$rows" BATCHES="$batches" CLIENTS="$clients" REQUESTS="$requests" \
CORES="$(nproc)" PG="$(psql -h 127.0.0.1 -U postgres -tAq -c 'SHOW server_version' | cut -d' ' -f1)" \
PGBOUNCER="$(pgbouncer --version | head -1 | awk '{print $2}')" LATENCIES="$latencies" \
python3 - docs/scaling.md "$work/loads.txt" "$work/batches.txt" <<'PY'
import datetime, json, os, re, statistics, sys
doc, loads_file, batches_file = sys.argv[1:4]
env = os.environ
med = statistics.median

loads = {}
for line in open(loads_file):
    layout, first, second, parts, held, stored = line.split()
    loads.setdefault(layout, []).append(
        (float(first), float(second), int(parts), int(held), int(stored)))
plain, by_year = loads["plain"], loads["by_year"]

rates = {}
for line in open(batches_file):
    config, got = line.split(" ", 1)
    got = json.loads(got)
    assert not got["failed"], got["failed"][:3]
    assert got["inserted"] == got["batches"] * got["rows"], got
    rates.setdefault(config, []).append(got["batches"] / got["seconds"])

lat = json.loads(env["LATENCIES"])
rows = int(env["ROWS"])
held, stored = plain[0][3], plain[0][4]
assert all(r[3:] == (held, stored) for r in plain + by_year), loads
lines = [
    "<!-- topologies-benchmark:start -->",
    "## Measured (`scripts/bench_topologies.sh`)",
    "",
    f"PostgreSQL {env['PG']}, PgBouncer {env['PGBOUNCER']}, {env['CORES']} cores, one machine for "
    f"every node and client, {datetime.date.today()}; release build. Medians of {env['RUNS']} runs, "
    "each figure against an anchor measured in the same run, the contenders alternated.",
    "",
    f"**Load time into a partition.** `hiring migrate` of `hiring generate --rows {rows} --seed 42` "
    f"({held:,} hires stored of {rows:,}) into an empty database, then of the same hires moved "
    f"to 2023 with ids of their own ({stored - held:,} stored: a year no partition holds, which "
    "the load makes and attaches).",
    "",
    "| layout | first load s | load of a new year s | partitions after | ratio to plain (first / new year) |",
    "|---|---:|---:|---:|---:|",
]
pf, ps = med(r[0] for r in plain), med(r[1] for r in plain)
for name, data in (("plain table (anchor)", plain), ("partitioned by year", by_year)):
    f, s = med(r[0] for r in data), med(r[1] for r in data)
    lines.append(f"| {name} | {f:.2f} | {s:.2f} | {data[0][2]} | {f / pf:.2f}× / {s / ps:.2f}× |")
lines += [
    "",
    f"**Batches per second.** {env['CLIENTS']} concurrent clients sending {env['BATCHES']} batches "
    "of 1,000 valid hires each (`POST /api/v1/hired_employees`, each batch once, "
    "`scripts/pooler_load.py --once`) into a database holding `csv_files/`.",
    "",
    "| servers | batches/s | rows/s | ratio to one direct |",
    "|---|---:|---:|---:|",
]
anchor = med(rates["direct1"])
names = {"direct1": "one, direct to PostgreSQL (anchor)", "pooled1": "one, behind PgBouncer (transaction pooling)",
         "pooled3": "three, behind PgBouncer, round-robin"}
for config in ("direct1", "pooled1", "pooled3"):
    r = med(rates[config])
    lines.append(f"| {names[config]} | {r:.1f} | {r * 1000:,.0f} | {r / anchor:.2f}× |")
lines += [
    "",
    f"**Report latency on the read replica.** The whole HTTP request of each report of 2021 on "
    f"{held:,} hires, {env['REQUESTS']} requests each after 5 warm-up ones, to `hiring serve` "
    "without a replica (anchor) and to `hiring serve --replica-url` on a hot standby made by "
    "`pg_basebackup -R` (every answer checked to say `Read-From: replica`, and equal).",
    "",
    "| report | primary median ms | replica median ms | replica p90 ms | ratio replica / primary |",
    "|---|---:|---:|---:|---:|",
]
for report in ("hires-by-quarter", "departments-above-mean"):
    p, r = lat[f"{report}|primary"], lat[f"{report}|replica"]
    p90 = statistics.quantiles(r, n=10)[-1]
    lines.append(f"| {report} | {med(p):.2f} | {med(r):.2f} | {p90:.2f} | {med(r) / med(p):.2f}× |")
lines.append("<!-- topologies-benchmark:end -->")
section = "\n".join(lines)
text = open(doc).read()
pattern = re.compile(r"<!-- topologies-benchmark:start -->.*?<!-- topologies-benchmark:end -->", re.S)
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(doc, "w").write(text)
print(section)
PY
