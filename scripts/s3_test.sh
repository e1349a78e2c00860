#!/usr/bin/env bash
# End-to-end test of backups to S3, against moto's S3 server (PyPI `moto[server]`, in
# target/s3-venv; boto3 looks into the bucket behind hiring's back):
#
#   1. moto_server on a free port of 127.0.0.1;  2. a bucket;
#   3. backup of a generated database (hired_employees over two 8 MiB parts) to
#      s3://BUCKET/run1: object names and sizes, `hiring backups`, `restore --all` into a fresh
#      database with the same rows, backup and restore each under S3_TEST_PEAK_MIB of RSS;
#   4. a backup killed (-9) once moto holds one of its parts leaves no object under
#      run2/hired_employees/; the next backup to run2 completes and is listed;
#   5. a second backup to run1, then `hiring backups prune --keep 1`: only its files remain;
#   6. `hiring serve` with its backup folder in the bucket: POST /api/v1/backups writes a set
#      there, GET /api/v1/backups lists it, /metrics shows its newest hired_employees file;
#   7. the adapter's S3 tests (`cargo test --test storage s3_backups::real`) on the same server.
#
# One PASS/FAIL line per step; exits 1 when any step failed.
#
#   scripts/s3_test.sh [target/debug/hiring]
#   S3_TEST_ROWS (default 1000000: about 25 MiB of Avro, three full parts and a tail)
#   S3_TEST_PEAK_MIB (default 100): the peak RSS backup and restore must stay under
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${1:-target/debug/hiring}"
[ -x "$binary" ] || { echo "s3_test: no binary at $binary" >&2; exit 1; }
hiring="$(realpath "$binary")"
rows="${S3_TEST_ROWS:-1000000}"
peak_limit="${S3_TEST_PEAK_MIB:-100}"
venv=target/s3-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check 'moto[server]' boto3
py="$PWD/$venv/bin/python"

work="$(mktemp -d)"
moto=""
cleanup() {
    if [ -n "$moto" ]; then kill "$moto" 2>/dev/null || true; wait "$moto" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# Nothing from the caller's AWS setup or hiring configuration; every command names its database.
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN AWS_ALLOW_HTTP AWS_ENDPOINT \
    HIRING_BACKUP_DIR
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 \
    AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    HIRING_CONFIG="$work/empty.toml" RUST_LOG=warn DATABASE_URL="$work/big.db"
: >"$HIRING_CONFIG"
bucket=hiring-backups
export BUCKET=$bucket

# The checks that look into the bucket (boto3) and the databases (sqlite3 module).
cat >"$work/s3.py" <<'EOF'
import hashlib, json, os, re, signal, sqlite3, subprocess, sys, time
import boto3

s3 = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
B = os.environ["BUCKET"]
TABLES = ["departments", "jobs", "hired_employees"]

def keys(prefix):
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=B, Prefix=prefix)
    return {o["Key"]: o["Size"] for p in pages for o in p.get("Contents", [])}

def load(path):
    with open(path) as f:
        return json.load(f)

def check_backup(prefix, summary_path, tables):
    """The summary's files and manifest, and nothing else, are in the bucket, as it says."""
    s = load(summary_path)
    got = keys(prefix + "/")
    assert [f["table"] for f in s["files"]] == tables, s["files"]
    for f in s["files"]:
        t = f["table"]
        assert re.fullmatch(rf"{t}/{t}-\d{{8}}T\d{{6}}Z(-\d+)?\.avro", f["file"]), f["file"]
        key = f"{prefix}/{f['file']}"
        assert got.get(key) == f["size"], (key, got.get(key), f["size"])
    manifest = f"{prefix}/sets/{s['set']}.json"
    assert manifest in got, (manifest, sorted(got))
    text = s3.get_object(Bucket=B, Key=manifest)["Body"].read().decode()
    json.loads(text)
    assert all(f["file"] in text for f in s["files"]), text
    want = {manifest} | {f"{prefix}/{f['file']}" for f in s["files"]}
    assert set(got) == want, f"other objects: {sorted(set(got) - want)}"
    return s, got

def cmd_backup(prefix, summary_path, listing_path, *tables):
    """A backup: its objects, and `hiring backups` listing its set (complete) and files."""
    s, _ = check_backup(prefix, summary_path, list(tables))
    listing = load(listing_path)
    [st] = [x for x in listing["sets"] if x["id"] == s["set"]]
    assert st["complete"] and st["tables"] == list(tables), st
    assert st["rows"] == sum(f["rows"] for f in s["files"]), st
    listed = {f["file"] for f in listing["backups"]}
    assert {f["file"] for f in s["files"]} <= listed, (listed, s["files"])
    big = [f["size"] for f in s["files"] if f["table"] == "hired_employees"][0]
    print(f"set {s['set']}, hired_employees {big / 2**20:.1f} MiB")
    assert big > 16 << 20, "hired_employees is not over two 8 MiB parts: raise S3_TEST_ROWS"

def digest(db):
    con = sqlite3.connect(db)
    out = {}
    for t in TABLES:
        h = hashlib.sha256()
        for row in con.execute(f"SELECT * FROM {t} ORDER BY id"):
            h.update(repr(row).encode())
        out[t] = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0], h.hexdigest())
    return out

def cmd_same_rows(a, b, restore_path, set_id_from):
    r, want = load(restore_path), load(set_id_from)["set"]
    assert r.get("set") == want, (r.get("set"), want)
    da, db = digest(a), digest(b)
    assert da == db, (da, db)
    assert {t["table"]: t["rows"] for t in r["tables"]} == {t: n for t, (n, _) in da.items()}, r
    print("rows: " + ", ".join(f"{t} {n}" for t, (n, _) in da.items()))

def cmd_interrupt(prefix, log, *command):
    """Runs the backup, kills it once moto holds a part of its upload; nothing must show."""
    with open(log, "w") as err:
        p = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
    deadline, parts = time.time() + 300, 0
    while not parts:
        assert p.poll() is None, f"the backup ended (exit {p.returncode}) before a part was seen"
        assert time.time() < deadline, "no multipart part seen within 300 s"
        for u in s3.list_multipart_uploads(Bucket=B, Prefix=prefix + "/").get("Uploads", []):
            parts += len(s3.list_parts(Bucket=B, Key=u["Key"], UploadId=u["UploadId"]).get("Parts", []))
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.wait()
    left = sorted(keys(f"{prefix}/hired_employees/")) + sorted(keys(f"{prefix}/sets/"))
    assert not left, f"objects after the kill: {left}"
    print(f"killed after {parts} part(s); no object under {prefix}/hired_employees/ nor sets/")

def cmd_peak(limit_mib, out_path, *command):
    """Runs a hiring command, its output to a file; fails unless it succeeds under the limit."""
    with open(out_path, "w") as out:
        p = subprocess.Popen(command, stdout=out)
    _, status, usage = os.wait4(p.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, f"{command[1]} failed"
    peak = usage.ru_maxrss / 1024
    assert peak < float(limit_mib), f"{command[1]}: peak RSS {peak:.0f} MiB over {limit_mib} MiB"
    print(f"{command[1]} peak RSS {peak:.0f} MiB")

def cmd_api(base, token, prefix, out_path):
    """The API backs up into the bucket, lists the set, and reports it in its metrics."""
    import urllib.request
    def call(method, path, auth=True):
        req = urllib.request.Request(base + path, method=method, data=b"" if method == "POST" else None)
        if auth:
            req.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(req, timeout=600) as r:
            return r.status, r.read().decode()
    status, body = call("POST", "/api/v1/backups")
    assert status == 201, (status, body)
    with open(out_path, "w") as f:
        f.write(body)
    s, _ = check_backup(prefix, out_path, TABLES)
    status, body = call("GET", "/api/v1/backups")
    assert status == 200 and s["set"] in [x["id"] for x in json.loads(body)["sets"]], body
    _, metrics = call("GET", "/metrics", auth=False)
    size = [f["size"] for f in s["files"] if f["table"] == "hired_employees"][0]
    line = f'hiring_backup_newest_bytes{{table="hired_employees"}} {size}'
    assert line in metrics, [l for l in metrics.splitlines() if "backup_newest_bytes" in l]
    print(f"POST /api/v1/backups wrote set {s['set']} under {prefix}/, listed, in /metrics")

def cmd_pending(prefix):
    print(len(s3.list_multipart_uploads(Bucket=B, Prefix=prefix + "/").get("Uploads", [])))

def cmd_pruned(prefix, old_path, new_path, prune_path, listing_path):
    old, new, pr = load(old_path), load(new_path), load(prune_path)
    want = {f"{prefix}/sets/{new['set']}.json"} | {f"{prefix}/{f['file']}" for f in new["files"]}
    got = set(keys(prefix + "/"))
    assert got == want, f"left: {sorted(got)}, expected {sorted(want)}"
    assert pr["kept_sets"] == [new["set"]] and pr["removed_sets"] == [old["set"]], pr
    assert sorted(pr["removed_files"]) == sorted(f["file"] for f in old["files"]), pr
    assert [s["id"] for s in load(listing_path)["sets"]] == [new["set"]]
    print(f"kept set {new['set']}, removed set {old['set']} and {pr['files_removed']} files")

globals()["cmd_" + sys.argv[1].replace("-", "_")](*sys.argv[2:])
EOF
s3py() { "$py" "$work/s3.py" "$@"; }

# Runs step $1 (title $2): the function $3 with set -e in a subshell, its output in a log.
failed=0
step() {
    local n=$1 title=$2 rc
    shift 2
    set +e
    (set -e; "$@") >"$work/step$n.log" 2>&1
    rc=$?
    set -e
    local note; note="$(tail -n 1 "$work/step$n.log")"
    if [ "$rc" = 0 ]; then
        echo "PASS $n $title${note:+: $note}"
    else
        echo "FAIL $n $title"
        sed 's/^/    /' "$work/step$n.log" | tail -n 30
        failed=$((failed + 1))
    fi
}

# 1. moto_server on a port the system picks (-p 0); it prints the one it got.
"$venv/bin/moto_server" -H 127.0.0.1 -p 0 >"$work/moto.log" 2>&1 &
moto=$!
port=""
for _ in $(seq 1 150); do
    port="$(grep -ao 'http://127\.0\.0\.1:[0-9]*' "$work/moto.log" | head -n 1 | sed 's/.*://' || true)"
    if [ -n "$port" ] && curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then break; fi
    port=""
    sleep 0.2
done
if [ -z "$port" ]; then
    echo "FAIL 1 moto_server answers"
    sed 's/^/    /' "$work/moto.log"
    exit 1
fi
echo "PASS 1 moto_server answers: moto $("$py" -c 'import moto; print(moto.__version__)') on 127.0.0.1:$port"
export AWS_ENDPOINT_URL="http://127.0.0.1:$port"

step 2 "bucket $bucket" "$py" -c "import boto3, os; boto3.client('s3', endpoint_url=os.environ['AWS_ENDPOINT_URL']).create_bucket(Bucket='$bucket'); print('created')"

run1() {
    "$hiring" generate --rows "$rows" --out "$work/csv" --seed 7
    "$hiring" migrate --dir "$work/csv" --format json >"$work/migrate.json"
    local backed_up restored peaks
    # Memory stays flat: the file streams through 8 MiB parts and ranged reads.
    peaks="$(s3py peak "$peak_limit" "$work/run1-a.json" "$hiring" backup \
        --dir "s3://$bucket/run1" --format json)"
    "$hiring" backups --dir "s3://$bucket/run1" --format json >"$work/list1.json"
    backed_up="$(s3py backup run1 "$work/run1-a.json" "$work/list1.json" departments jobs hired_employees)"
    peaks="$peaks, $(DATABASE_URL="$work/restored.db" s3py peak "$peak_limit" \
        "$work/restore1.json" "$hiring" restore --all --dir "s3://$bucket/run1" --format json)"
    restored="$(s3py same-rows "$work/big.db" "$work/restored.db" "$work/restore1.json" \
        "$work/run1-a.json")"
    echo "$backed_up; restored $restored; $peaks"
}
step 3 "backup to s3://$bucket/run1, list, restore --all" run1

run2() {
    local killed pending
    killed="$(s3py interrupt run2 "$work/killed.log" "$hiring" backup hired_employees \
        --dir "s3://$bucket/run2")"
    "$hiring" backup hired_employees --dir "s3://$bucket/run2" --format json >"$work/run2.json"
    "$hiring" backups --dir "s3://$bucket/run2" --format json >"$work/list2.json"
    s3py backup run2 "$work/run2.json" "$work/list2.json" hired_employees >/dev/null
    pending="$(s3py pending run2)"
    echo "$killed; then a complete backup ($pending multipart upload(s) still pending)"
}
step 4 "interrupted upload to s3://$bucket/run2 stays invisible" run2

prune() {
    "$hiring" backup --dir "s3://$bucket/run1" --format json >"$work/run1-b.json"
    "$hiring" backups prune --keep 1 --dir "s3://$bucket/run1" --format json >"$work/prune.json"
    "$hiring" backups --dir "s3://$bucket/run1" --format json >"$work/list1b.json"
    s3py pruned run1 "$work/run1-a.json" "$work/run1-b.json" "$work/prune.json" "$work/list1b.json"
}
step 5 "prune --keep 1 of s3://$bucket/run1" prune

api() {
    local port status
    port="$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    HIRING_API_TOKENS="ops:admin:s3-test-token-7f3a9c2e" HIRING__BACKUP__DIR="s3://$bucket/api" \
        "$hiring" serve --bind "127.0.0.1:$port" 2>"$work/serve.log" &
    local server=$!
    for _ in $(seq 1 100); do
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/health" && break
        sleep 0.1
    done
    set +e
    s3py api "http://127.0.0.1:$port" s3-test-token-7f3a9c2e api "$work/api.json"
    status=$?
    set -e
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    [ "$status" = 0 ] || { cat "$work/serve.log"; return 1; }
}
step 6 "hiring serve backs up to s3://$bucket/api" api

# The same test binary `cargo test --workspace` builds: nothing is compiled again after it.
adapter_tests() {
    HIRING_TEST_S3_URL="s3://$bucket/adapter" cargo test -q --workspace --test storage \
        s3_backups::real 2>&1 | grep -E '^test result' | tail -n 1
}
step 7 "adapter tests on the same server" adapter_tests

if [ "$failed" -gt 0 ]; then
    echo "s3_test: $failed step(s) failed"
    exit 1
fi
echo "s3_test: all steps passed"
