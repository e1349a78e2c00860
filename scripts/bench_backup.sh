#!/usr/bin/env bash
# Benchmark (not a test): backup and restore of 1 million hired_employees rows, on SQLite and
# PostgreSQL, next to fastavro writing and reading the same rows and to pg_dump -Fc / pg_restore
# of the table. Rewrites the "Backup and restore" section of docs/benchmarks.md.
#
# Usage: scripts/bench_backup.sh [ROWS]   (default 1000000)
# Needs: a PostgreSQL server at $TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres),
# pg_dump/pg_restore, python3 (fastavro is installed into target/interop-venv).
# ENGINES (default "sqlite postgres") names the engines to measure; the rows of the others are
# carried over from the section as it was (pg_dump/pg_restore runs with postgres only).
set -euo pipefail
cd "$(dirname "$0")/.."

rows="${1:-1000000}"
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
rate() { "$venv/bin/python" -c "print(f'{$1/$2:,.0f}')"; }
secs() { "$venv/bin/python" -c "print(f'{$1:.2f}')"; }

table_rows=""
declare -A stored
engines="${ENGINES:-sqlite postgres}"
for engine in $engines; do
    if [ "$engine" = sqlite ]; then url="$work/hiring.db"; else url="$pg_url"; fi
    DATABASE_URL="$url" "$hiring" migrate --dir "$work/csv" --format json >/dev/null 2>&1
    for codec in null snappy zstandard; do
        dir="$work/avro-$engine-$codec"
        out=$(DATABASE_URL="$url" "$hiring" backup hired_employees --codec "$codec" --dir "$dir" --format json)
        n=$(json 'd["files"][0]["rows"]' <<<"$out")
        b=$(json 'd["seconds"]' <<<"$out")
        size=$(json 'd["files"][0]["size"]' <<<"$out")
        file="$dir/$(json 'd["files"][0]["file"]' <<<"$out")"
        out=$(DATABASE_URL="$url" "$hiring" restore hired_employees --file "$file" --format json)
        r=$(json 'd["seconds"]' <<<"$out")
        stored[$engine]=$n
        table_rows+="| hiring, $engine | $codec | $(secs "$b") s | $(rate "$n" "$b") | $(secs "$r") s | $(rate "$n" "$r") | $((size / 1048576)) MiB |"$'\n'
    done
done

for codec in null snappy zstandard; do
    out=$("$venv/bin/python" scripts/bench_fastavro.py "$work/avro-${engines%% *}-null/hired_employees/"*.avro "$codec")
    n=$(json 'd["rows"]' <<<"$out"); w=$(json 'd["write_seconds"]' <<<"$out"); r=$(json 'd["read_seconds"]' <<<"$out")
    table_rows+="| fastavro $("$venv/bin/python" -c 'import fastavro; print(fastavro.__version__)') (in memory ↔ file) | $codec | $(secs "$w") s | $(rate "$n" "$w") | $(secs "$r") s | $(rate "$n" "$r") | |"$'\n'
done

n=${stored[postgres]:-${stored[sqlite]:-0}}
if [ -n "${stored[postgres]:-}" ]; then
start=$(date +%s.%N)
pg_dump -Fc -t hired_employees -f "$work/hires.dump" "$pg_url"
dumped=$(date +%s.%N)
# The whole dump (it holds only hired_employees): with -t, pg_restore would restore the table and
# its rows but not its primary key, indexes and foreign keys, which ours rebuilds.
pg_restore --clean --single-transaction -d "$pg_url" "$work/hires.dump" 2>/dev/null || true
restored=$(date +%s.%N)
d=$("$venv/bin/python" -c "print($dumped-$start)"); r=$("$venv/bin/python" -c "print($restored-$dumped)")
size=$(stat -c %s "$work/hires.dump")
table_rows+="| pg_dump -Fc / pg_restore --single-transaction | custom (zlib) | $(secs "$d") s | $(rate "$n" "$d") | $(secs "$r") s | $(rate "$n" "$r") | $((size / 1048576)) MiB |"$'\n'
fi

section="<!-- backup-benchmark:start -->
## Backup and restore (\`scripts/bench_backup.sh\`)

$n \`hired_employees\` rows (\`hiring generate --rows $rows --seed 7\`, rejects left out), $(nproc) cores,
$(date -u +%Y-%m-%d). *Backup* is \`hiring backup hired_employees\` (one snapshot read, Avro write,
fsync, rename); *restore* is \`hiring restore hired_employees --file\` (Avro read, every record
checked by the domain rules, duplicate-id and foreign-key checks, delete and insert in one
transaction). fastavro only writes its in-memory records to a file and reads them back into a
list: it touches no database, so its legs are lower bounds of what a Python backup would cost.
pg_dump/pg_restore move the same PostgreSQL table (restore: drop, create, COPY, indexes).

| tool | codec | backup | rows/s | restore | rows/s | file |
|---|---|---:|---:|---:|---:|---:|
${table_rows}
<!-- backup-benchmark:end -->"

doc=docs/benchmarks.md
[ -f "$doc" ] || printf '# Benchmarks\n' > "$doc"
SECTION="$section" ENGINES="$engines" "$venv/bin/python" - "$doc" <<'PY'
import os, re, sys
path = sys.argv[1]
text = open(path).read()
section = os.environ["SECTION"]
pattern = re.compile(r"<!-- backup-benchmark:start -->.*?<!-- backup-benchmark:end -->", re.S)
old = pattern.search(text)
# Rows of engines not measured this time (and pg_dump's, without postgres) stay as they were.
engines = os.environ["ENGINES"].split()
if old:
    lines = section.splitlines()
    rows = [i for i, l in enumerate(lines) if l.startswith("| ") and not l.startswith("| tool")]
    new = [lines[i] for i in rows]
    before = [l for l in old.group(0).splitlines() if l.startswith("| ")]
    def pick(prefix, engine):
        if engine in engines:
            return [l for l in new if l.startswith(prefix)]
        return [l if "(earlier run)" in l else l.replace(" |", " (earlier run) |", 1)
                for l in before if l.startswith(prefix)]
    table = (pick("| hiring, sqlite", "sqlite") + pick("| hiring, postgres", "postgres")
             + [l for l in new if l.startswith("| fastavro")] + pick("| pg_dump", "postgres"))
    section = "\n".join(lines[:rows[0]] + table + lines[rows[-1] + 1:]) if rows else section
text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "wrote the backup section of $doc"
