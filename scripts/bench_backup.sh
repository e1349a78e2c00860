#!/usr/bin/env bash
# Benchmark (not a test): backup and restore of 1 million hired_employees rows, on SQLite and
# PostgreSQL, next to fastavro writing and reading the same rows and to pg_dump -Fc / pg_restore
# of the table. Rewrites the "Backup and restore" section of docs/benchmarks.md.
#
# Usage: scripts/bench_backup.sh [ROWS]   (default 1000000)
# RUNS (default 3): runs of every contender; they alternate (ours, fastavro, pg_dump, ours...)
# so machine noise hits all of them, and the table gives medians, our ratio to fastavro and the
# peak RSS of our backup and restore processes (GNU time, `/usr/bin/time -f %M`).
# MEMORY_ROWS (default empty: skipped), e.g. "1000000 10000000": after the main table, for each of
# these generated row counts and each engine, one `hiring backup hired_employees` and one
# `hiring restore hired_employees --file` of a freshly migrated database, timed with their peak
# RSS: the "memory by table size" table, which shows whether memory stays flat as the table grows.
# Without MEMORY_ROWS that table is carried over from the section as it was.
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
memory_rows="${MEMORY_ROWS:-}"
mem_db="${pg_db}_mem"
mem_pg_url="${server%/*}/$mem_db"
work="$(mktemp -d)"
drop_dbs() {
    for db in "$pg_db" "$mem_db"; do
        psql -q "$server" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
}
trap 'drop_dbs; rm -rf "$work"' EXIT

if [ ! -x /usr/bin/time ]; then
    echo "installing GNU time (Debian package time) for peak RSS"
    if [ "$(id -u)" = 0 ]; then apt-get install -y -q time >/dev/null; else sudo apt-get install -y -q time >/dev/null; fi
fi
# Peak RSS in KiB of the last command run under `/usr/bin/time -f %M -o "$rss"`.
rss="$work/rss"
peak_kib() { tail -n 1 "$rss"; }

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
# One `hiring backup hired_employees` into DIR and one `hiring restore` of the file it wrote, on
# URL, each under GNU time. Sets: n (rows), size (bytes), file, b and r (seconds), b_kib and
# r_kib (peak RSS).
backup_and_restore() { # url dir [backup flags...]
    local url=$1 dir=$2 out
    shift 2
    out=$(DATABASE_URL="$url" /usr/bin/time -f %M -o "$rss" \
        "$hiring" backup hired_employees "$@" --dir "$dir" --format json)
    b_kib=$(peak_kib)
    n=$(json 'd["files"][0]["rows"]' <<<"$out")
    b=$(json 'd["seconds"]' <<<"$out")
    size=$(json 'd["files"][0]["size"]' <<<"$out")
    file="$dir/$(json 'd["files"][0]["file"]' <<<"$out")"
    out=$(DATABASE_URL="$url" /usr/bin/time -f %M -o "$rss" \
        "$hiring" restore hired_employees --file "$file" --format json)
    r_kib=$(peak_kib)
    r=$(json 'd["seconds"]' <<<"$out")
}

engines="${ENGINES:-sqlite postgres}"
codecs="null snappy zstandard"
: > "$work/results" # lines: "contender codec backup_s restore_s rows size_bytes backup_kib restore_kib"
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
            backup_and_restore "${url[$engine]}" "$work/avro-$engine-$codec-$run" --codec "$codec"
            [ -n "$sample" ] || sample="$file"
            echo "hiring,$engine $codec $b $r $n $size $b_kib $r_kib" | tee -a "$work/results"
        done
    done
    version=$("$venv/bin/python" -c 'import fastavro; print(fastavro.__version__)')
    for codec in $codecs; do
        out=$("$venv/bin/python" scripts/bench_fastavro.py "$sample" "$codec")
        echo "fastavro-$version $codec $(json 'd["write_seconds"]' <<<"$out") $(json 'd["read_seconds"]' <<<"$out") $(json 'd["rows"]' <<<"$out") 0 0 0" |
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
        echo "pg_dump custom $(elapsed "$start" "$dumped") $(elapsed "$dumped" "$restored") $n $(stat -c %s "$work/hires.dump") 0 0" |
            tee -a "$work/results"
    ;; esac
done

# Memory by table size: one backup and one restore of hired_employees per engine and row count,
# each on a database freshly migrated from `hiring generate --rows N --seed 7`.
: > "$work/memory" # lines: "engine generated rows backup_s backup_kib restore_s restore_kib size_bytes"
for mrows in $memory_rows; do
    echo "memory: $mrows rows"
    rm -rf "$work/mem-csv"
    "$hiring" generate --rows "$mrows" --out "$work/mem-csv" --seed 7 >/dev/null
    for engine in $engines; do
        if [ "$engine" = sqlite ]; then
            murl="$work/mem.db"
            rm -f "$murl" "$murl-wal" "$murl-shm"
        else
            murl="$mem_pg_url"
            psql -q "$server" -c "SET client_min_messages = warning" \
                -c "DROP DATABASE IF EXISTS $mem_db WITH (FORCE)" >/dev/null
            psql -q "$server" -c "CREATE DATABASE $mem_db" >/dev/null
        fi
        DATABASE_URL="$murl" "$hiring" migrate --dir "$work/mem-csv" --format json >/dev/null 2>&1
        dir="$work/mem-avro"
        rm -rf "$dir"
        backup_and_restore "$murl" "$dir"
        echo "$engine $mrows $n $b $b_kib $r $r_kib $size" | tee -a "$work/memory"
        rm -rf "$dir"
        if [ "$engine" = sqlite ]; then rm -f "$murl" "$murl-wal" "$murl-shm"; fi
    done
done
psql -q "$server" -c "DROP DATABASE IF EXISTS $mem_db WITH (FORCE)" >/dev/null 2>&1 || true
rm -rf "$work/mem-csv"

RESULTS="$work/results" MEMORY="$work/memory" ENGINES="$engines" ROWS="$rows" RUNS="$runs" CORES="$(nproc)" \
    "$venv/bin/python" - docs/benchmarks.md <<'PY'
import datetime, os, re, statistics, sys
path = sys.argv[1]
engines = os.environ["ENGINES"].split()
data, order = {}, []
for line in open(os.environ["RESULTS"]):
    name, codec, b, r, n, size, b_kib, r_kib = line.split()
    key = (name, codec)
    if key not in data:
        order.append(key)
        data[key] = []
    data[key].append((float(b), float(r), int(n), int(size), int(b_kib), int(r_kib)))
med = lambda key, i: statistics.median(x[i] for x in data[key])
fastavro = {codec: key for key in order for codec in [key[1]] if key[0].startswith("fastavro")}
n = next(x[2] for key in order for x in data[key] if key[0].startswith(("hiring", "pg_dump")))
label = {"hiring,sqlite": "hiring, sqlite", "hiring,postgres": "hiring, postgres",
         "pg_dump": "pg_dump -Fc / pg_restore --single-transaction"}
mib = lambda kib: f"{kib / 1024:.1f}"
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
    peak = (f"{mib(max(x[4] for x in data[key]))} / {mib(max(x[5] for x in data[key]))}"
            if name.startswith("hiring") else "")
    rows.append(f"| {shown} | {codec_shown} | {b:.2f} s | {n / b:,.0f} | {r:.2f} s | {n / r:,.0f} | {size} | {ratio} | {peak} |")
header = "| tool | codec | backup | rows/s | restore | rows/s | file | fastavro s / ours | peak RSS MiB backup / restore |"
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
    "indexes, keys). *fastavro s / ours* is fastavro's median seconds over ours, backup / restore "
    "(above 1 means faster than fastavro); peak RSS is the largest maximum resident set size of our "
    "`hiring` process over the runs (`/usr/bin/time -f %M`).",
    "",
    header,
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    *rows,
])
text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
pattern = re.compile(r"<!-- backup-benchmark:start -->.*?<!-- backup-benchmark:end -->", re.S)
old = pattern.search(text)
memory_heading = "### Memory by table size"
old_main, old_memory = "", ""
if old:
    old_main, _, rest = old.group(0).partition(memory_heading)
    if rest:
        old_memory = memory_heading + rest.replace("<!-- backup-benchmark:end -->", "").rstrip("\n")
if old:
    # Rows of engines not measured this time (and pg_dump's, without postgres) stay as they were,
    # padded with empty cells when they come from a table with fewer columns.
    lines = section.splitlines()
    at = [i for i, l in enumerate(lines) if l.startswith("| ") and not l.startswith("| tool")]
    new = [lines[i] for i in at]
    width = header.count(" | ") + 1
    def pad(line):
        return line + "  |" * max(0, width - (line.count(" | ") + 1))
    before = [pad(l) for l in old_main.splitlines() if l.startswith("| ") and not l.startswith("| tool")]
    def pick(prefix, engine):
        if engine in engines:
            return [l for l in new if l.startswith(prefix)]
        return [l if "(earlier run)" in l else l.replace(" |", " (earlier run) |", 1)
                for l in before if l.startswith(prefix)]
    table = (pick("| hiring, sqlite", "sqlite") + pick("| hiring, postgres", "postgres")
             + [l for l in new if l.startswith("| fastavro")] + pick("| pg_dump", "postgres"))
    section = "\n".join(lines[:at[0]] + table + lines[at[-1] + 1:])

# Memory by table size (MEMORY_ROWS): new rows for the engines measured, the others' carried over.
memory = [line.split() for line in open(os.environ["MEMORY"]) if line.strip()]
engine_label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
if memory:
    measured = {m[0] for m in memory}
    mrows = []
    for engine, generated, stored, b, b_kib, r, r_kib, size in memory:
        stored, b, r = int(stored), float(b), float(r)
        mrows.append(f"| {engine_label.get(engine, engine)} | {int(generated):,} | {stored:,} | "
                     f"{b:.2f} s | {stored / b:,.0f} | {mib(int(b_kib))} | "
                     f"{r:.2f} s | {stored / r:,.0f} | {mib(int(r_kib))} | {int(size) / 1048576:.0f} MiB |")
    carried = []
    for l in old_memory.splitlines():
        if not l.startswith("| ") or l.startswith("| engine"):
            continue
        engine = next((e for e, shown in engine_label.items() if l.startswith(f"| {shown} ")), None)
        if engine and engine not in measured:
            carried.append(l if "(earlier run)" in l else l.replace(" |", " (earlier run) |", 1))
    order_key = lambda l: (0 if l.startswith("| SQLite") else 1)
    memory_block = "\n".join([
        memory_heading,
        "",
        f"One `hiring backup hired_employees` (codec null) and one `hiring restore hired_employees "
        f"--file` of that backup per engine and size, each on a database freshly migrated from "
        f"`hiring generate --rows N --seed 7` ({datetime.date.today()}, single runs). If memory "
        "stays flat, peak RSS (`/usr/bin/time -f %M`) does not grow with the table.",
        "",
        "| engine | generated | stored rows | backup | rows/s | backup peak RSS MiB "
        "| restore | rows/s | restore peak RSS MiB | file |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        *sorted(mrows + carried, key=order_key),
    ])
else:
    memory_block = old_memory
section = section + ("\n\n" + memory_block if memory_block else "") + "\n<!-- backup-benchmark:end -->"
if old:
    text = pattern.sub(lambda _: section, text)
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
print(section)
PY
echo "wrote the backup section of docs/benchmarks.md"
