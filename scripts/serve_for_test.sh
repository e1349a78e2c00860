# Sourced by the scripts that test a live server (schemathesis.sh, browser_test.sh):
#
#   start_test_server BINARY TOKEN_PREFIX
#
# starts `BINARY serve` on a free port with a temporary SQLite database, a temporary backup
# folder and two fresh tokens (`ops`, an admin token, and `viewer`, a read token), waits for
# /health, and stops it (and removes the folder) when the calling script exits. Sets: work (the
# temporary folder), port, base (http://127.0.0.1:PORT), token (the admin token's secret),
# read_token (the read token's secret). `server_panicked` afterwards says (and prints the log)
# when the server panicked.

start_test_server() {
    local binary=$1
    work="$(mktemp -d)"
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    base="http://127.0.0.1:$port"
    token="$2-$(python3 -c "import secrets; print(secrets.token_hex(16))")"
    read_token="$2-read-$(python3 -c "import secrets; print(secrets.token_hex(16))")"
    : > "$work/empty.toml"
    HIRING_CONFIG="$work/empty.toml" DATABASE_URL="$work/hiring.db" \
        HIRING_API_TOKENS="ops:admin:$token,viewer:read:$read_token" \
        HIRING__BACKUP__DIR="$work/backups" RUST_LOG=warn "$binary" serve --bind "127.0.0.1:$port" \
        2> "$work/server.log" &
    test_server=$!
    trap stop_test_server EXIT
    for _ in $(seq 1 100); do
        python3 -c "import urllib.request; urllib.request.urlopen('$base/health', timeout=1)" \
            2>/dev/null && return 0
        sleep 0.1
    done
    echo "the server did not answer on $base/health:" >&2
    cat "$work/server.log" >&2
    return 1
}

stop_test_server() {
    kill -TERM "$test_server" 2>/dev/null || true
    wait "$test_server" 2>/dev/null || true
    rm -rf "$work"
}

server_panicked() {
    if grep -q "panicked" "$work/server.log"; then
        echo "the server panicked:" >&2
        cat "$work/server.log" >&2
        return 0
    fi
    return 1
}
