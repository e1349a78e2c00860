#!/usr/bin/env bash
# Benchmark (not a test): backup and restore of 1 million hired_employees rows, on SQLite and
# PostgreSQL, next to fastavro writing and reading the same rows and to pg_dump -Fc / pg_restore
# of the table. Rewrites the "Backup and restore" section of docs/benchmarks.md.
#
# Usage: scripts/bench_backup.sh [ROWS]   (default 1000000)
# RUNS (default 3): runs of every contender; they alternate (ours, fastavro, pg_dump, ours...)
# so machine noise hits all of them, and the table gives medians and our ratio to fastavro.
# ENGINES (default "sqlite postgres") names the engines to measure; the rows of the others are
# carried over from the section as it was (pg_dump/pg_restore runs with postgres only).
# Needs: a PostgreSQL server at $TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
# pg_dump/pg_restore, python3 (fastavro is installed into target/interop-venv).
set -euo pipefail
cd "$(dirname "$0")/.."

rows="${1:-1000000}"
runs="${RUNS:-3}"
server="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
pg_db="hiring_bench_$$"
pg_url="${server%/*}/$pg_db"
work="$(mktemp -d)"
trap 'psql -q "$server" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

cargo build -q --release -p hiring-cli
hiring=target/release/hiring
venv=target/interop-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check fastavro cramjam backports.zstd

export HIRING_CONFIG="$work/empty.toml" RUST_LOG=warn
: > "$HIRING_CONFIG"
"$hiring" generate --rows "$rows" --out "$work/csv" --seed 7 >/dev/null
psql -q "$server" -c "CREATE DATABASE $pg_db" >/dev/null

json() { "$venv/bin/python" -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }
now() { date +%s.%N; }
elapsed() { "$venv/bin/python" -c "print($2 - $1)"; }

engines="${ENGINES:-sqlite postgres}"
codecs="null snappy zstandard"
: > "$work/results" # lines: "contender codec backup_s restore_s rows size_bytes"
declare -A url
for engine in $engines; do
    if [ "$engine" = sqlite ]; then url[$engine]="$work/hiring.db"; else url[$engine]="$pg_url"; fi
    DATABASE_URL="${url[$engine]}" "$hiring" migrate --dir "$work/csv" --format json >/dev/null 2>&1
done

sample=""
for run in $(seq 1 "$runs"); do
    echo "run $run of $runs"
    for engine in $engines; do
        for codec in $codecs; do
            dir="$work/avro-$engine-$codec-$run"
            out=$(DATABASE_URL="${url[$engine]}" "$hiring" backup hired_employees --codec "$codec" --dir "$dir" --format json)
            n=$(json 'd["files"][0]["rows"]' <<<"$out")
            b=$(json 'd["seconds"]' <<<"$out")
            size=$(json 'd["files"][0]["size"]' <<<"$out")
            file="$dir/$(json 'd["files"][0]["file"]' <<<"$out")"
            [ -n "$sample" ] || sample="$file"
            out=$(DATABASE_URL="${url[$engine]}" "$hiring" restore hired_employees --file "$file" --format json)
            r=$(json 'd["seconds"]' <<<"$out")
            echo "hiring,$engine $codec $b $r $n $size" | tee -a "$work/results"
        done
    done
    version=$("$venv/bin/python" -c 'import fastavro; print(fastavro.__version__)')
    for codec in $codecs; do
        out=$("$venv/bin/python" scripts/bench_fastavro.py "$sample" "$codec")
        echo "fastavro-$version $codec $(json 'd["write_seconds"]' <<<"$out") $(json 'd["read_seconds"]' <<<"$out") $(json 'd["rows"]' <<<"$out") 0" |
            tee -a "$work/results"
    done
    case " $engines " in *" postgres "*)
        start=$(now)
        pg_dump -Fc -t hired_employees -f "$work/hires.dump" "$pg_url"
        dumped=$(now)
        # The whole dump (it holds only hired_employees): with -t, pg_restore would restore the
        # table and its rows but not its primary key, indexes and foreign keys, which ours rebuilds.
        pg_restore --clean --single-transaction -d "$pg_url" "$work/hires.dump" 2>/dev/null || true
        restored=$(now)
        n=$(psql -tAq "$pg_url" -c "SELECT count(*) FROM hired_employees")
        echo "pg_dump custom $(elapsed "$start" "$dumped") $(elapsed "$dumped" "$restored") $n $(stat -c %s "$work/hires.dump")" |
            tee -a "$work/results"
    ;; esac
done

RESULTS="$work/results" ENGINES="$engines" ROWS="$rows" RUNS="$runs" CORES="$(nproc)" \
    "$venv/bin/python" - docs/benchmarks.md <<'PY'
import datetime, os, re, statistics, sys
path = sys.argv[1]
engines = os.environ["ENGINES"].split()
data, order = {}, []
for line in open(os.environ["RESULTS"]):
    name, codec, b, r, n, size = line.split()
    key = (name, codec)
    if key not in data:
        order.append(key)
        data[key] = []
    data[key].append((float(b), float(r), int(n), int(size)))
med = lambda key, i: statistics.median(x[i] for x in data[key])
fastavro = {codec: key for key in order for codec in [key[1]] if key[0].startswith("fastavro")}
n = next(x[2] for key in order for x in data[key] if key[0].startswith(("hiring", "pg_dump")))
label = {"hiring,sqlite": "hiring, sqlite", "hiring,postgres": "hiring, postgres",
         "pg_dump": "pg_dump -Fc / pg_restore --single-transaction"}
rows = []
for key in order:
    name, codec = key
    b, r = med(key, 0), med(key, 1)
    shown = label.get(name, name.replace("fastavro-", "fastavro ") + " (in memory ↔ file)")
    codec_shown = "custom (zlib)" if name == "pg_dump" else codec
    size = f"{max(x[3] for x in data[key]) / 1048576:.0f} MiB" if med(key, 3) else ""
    if name.startswith("hiring") and codec in fastavro:
        fb, fr = med(fastavro[codec], 0), med(fastavro[codec], 1)
        ratio = f"{fb / b:.2f}× / {fr / r:.2f}×"
    else:
        ratio = ""
    rows.append(f"| {shown} | {codec_shown} | {b:.2f} s | {n / b:,.0f} | {r:.2f} s | {n / r:,.0f} | {size} | {ratio} |")
section = "\n".join([
    "<!-- backup-benchmark:start -->",
    "## Backup and restore (`scripts/bench_backup.sh`)",
    "",
    f"{n:,} `hired_employees` rows (`hiring generate --rows {os.environ['ROWS']} --seed 7`, rejects left out), "
    f"{os.environ['CORES']} cores, {datetime.date.today()}; medians of {os.environ['RUNS']} alternating runs. "
    "*Backup* is `hiring backup hired_employees` (one snapshot read, Avro write, fsync, rename); "
    "*restore* is `hiring restore hired_employees --file` (Avro read, every record checked by the "
    "domain rules, duplicate-id and foreign-key checks, the table replaced in one transaction, its "
    "indexes and keys rebuilt). fastavro only writes its in-memory records to a file and reads them "
    "back into a list: it touches no database, so its legs are lower bounds of what a Python backup "
    "would cost. pg_dump/pg_restore move the same PostgreSQL table (restore: drop, create, COPY, "
    "indexes, keys). The last column is fastavro's median seconds over ours, backup / restore "
    "(above 1 means faster than fastavro).",
    "",
    "| tool | codec | backup | rows/s | restore | rows/s | file | fastavro s / ours |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
    *rows,
    "<!-- backup-benchmark:end -->",
])
text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
pattern = re.compile(r"<!-- backup-benchmark:start -->.*?<!-- backup-benchmark:end -->", re.S)
old = pattern.search(text)
if old:
    # Rows of engines not measured this time (and pg_dump's, without postgres) stay as they were.
    lines = section.splitlines()
    at = [i for i, l in enumerate(lines) if l.startswith("| ") and not l.startswith("| tool")]
    new = [lines[i] for i in at]
    before = [l for l in old.group(0).splitlines() if l.startswith("| ") and not l.startswith("| tool")]
    def pick(prefix, engine):
        if engine in engines:
            return [l for l in new if l.startswith(prefix)]
        return [l if "(earlier run)" in l else l.replace(" |", " (earlier run) |", 1)
                for l in before if l.startswith(prefix)]
    table = (pick("| hiring, sqlite", "sqlite") + pick("| hiring, postgres", "postgres")
             + [l for l in new if l.startswith("| fastavro")] + pick("| pg_dump", "postgres"))
    section = "\n".join(lines[:at[0]] + table + lines[at[-1] + 1:])
    text = pattern.sub(lambda _: section, text)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
print(section)
PY
echo "wrote the backup section of docs/benchmarks.md"
