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

. scripts/serve_for_test.sh
start_test_server "$binary" schemathesis

status=0
# From the temporary folder, so that schemathesis' cache (.schemathesis/) stays out of the tree.
(cd "$work" && "$venv/bin/schemathesis" run "$base/api-docs/openapi.json" \
    --url "$base" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "$max_examples" \
    --max-response-time 30 \
    --no-color) || status=$?
if server_panicked; then
    status=1
fi
exit "$status"
