#!/usr/bin/env bash
# Drives the web console end to end in Debian's headless Chromium (playwright-core from npm,
# scripts/browser/; never a downloaded browser) against a live `hiring serve`: token, upload of
# csv_files/, batch insert, backup, restore, both reports, and what an admin token, a read token
# and an invalid one are shown. Starts the server on a free port with a temporary SQLite
# database, a temporary backup folder and two tokens, and stops it afterwards.
# The screenshot of the reports is left in target/browser/reports.png.
#
#   scripts/browser_test.sh [path/to/hiring]   (default: target/debug/hiring)
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${1:-target/debug/hiring}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
    echo "no Chromium at $chromium: apt-get install chromium chromium-driver" >&2
    exit 1
fi

# playwright-core, exactly as locked; reinstalled when the lock changes.
if [ ! -f scripts/browser/node_modules/.package-lock.json ] ||
    [ scripts/browser/package-lock.json -nt scripts/browser/node_modules/.package-lock.json ]; then
    (cd scripts/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi

. scripts/serve_for_test.sh
start_test_server "$binary" browser

status=0
HIRING_URL="$base" HIRING_TOKEN="$token" HIRING_READ_TOKEN="$read_token" CSV_DIR="$PWD/csv_files" \
    SCREENSHOT_DIR="$PWD/target/browser" CHROMIUM="$chromium" \
    node scripts/browser/console_test.mjs || status=$?
if server_panicked; then
    status=1
fi
exit "$status"
