#!/usr/bin/env bash
# Runs schemathesis (from PyPI) against a live `hiring serve` and its own OpenAPI document:
# no answer may be a 5xx or break the documented schema. Starts the server on a free port with a
# temporary SQLite database, a temporary backup folder and a token, and stops it afterwards.
#
#   scripts/schemathesis.sh [path/to/hiring]   (default: target/debug/hiring)
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${1:-target/debug/hiring}"
venv="$(realpath -m "${SCHEMATHESIS_VENV:-target/schemathesis-venv}")"
max_examples="${SCHEMATHESIS_MAX_EXAMPLES:-200}"

if [ ! -x "$venv/bin/schemathesis" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "schemathesis>=4,<5"
fi

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
token="schemathesis-$RANDOM$RANDOM"
: > "$work/empty.toml"
HIRING_CONFIG="$work/empty.toml" DATABASE_URL="$work/hiring.db" HIRING_API_TOKEN="$token" \
    HIRING__BACKUP__DIR="$work/backups" RUST_LOG=warn "$binary" serve --bind "127.0.0.1:$port" 2> "$work/server.log" &
server=$!
stop() {
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    rm -rf "$work"
}
trap stop EXIT

for _ in $(seq 1 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/health', timeout=1)" \
        2>/dev/null && break
    sleep 0.1
done

status=0
# From the temporary folder, so that schemathesis' cache (.schemathesis/) stays out of the tree.
(cd "$work" && "$venv/bin/schemathesis" run "http://127.0.0.1:$port/api-docs/openapi.json" \
    --url "http://127.0.0.1:$port" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$max_examples" \
    --max-response-time 30 \
    --no-color) || status=$?
if grep -q "panicked" "$work/server.log"; then
    echo "the server panicked:" >&2
    cat "$work/server.log" >&2
    status=1
fi
exit "$status"
