#!/usr/bin/env bash
# End-to-end test of reads from a streaming read replica, on PostgreSQL clusters this script
# makes itself with Debian's tools (never the machine's main cluster):
#
#   1. a primary cluster on a free port of 127.0.0.1 (trust authentication, replication allowed);
#   2. a hot standby made from it by `pg_basebackup -R`, on another free port;
#   3. the adapter's replica test (`cargo test --test storage replica::`): reads on the standby
#      equal the primary's once it caught up, writes refused there, and once the standby is
#      stopped, reads served by the primary within the time limit.
#
# Both clusters are dropped at the end, whatever happens.
#
#   scripts/replica_test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(ls /etc/postgresql | sort -n | tail -1)"
bin="/usr/lib/postgresql/$version/bin"
name="hiring_test_$$"
primary="${name}_primary"
standby="${name}_standby"

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cleanup() {
    for cluster in "$standby" "$primary"; do
        if pg_lsclusters -h | awk '{print $2}' | grep -qx "$cluster"; then
            pg_dropcluster --stop "$version" "$cluster" || true
        fi
    done
}
trap cleanup EXIT

# Trust on 127.0.0.1 for connections and replication: these clusters live for this test only.
trust_only() {
    cat > "/etc/postgresql/$version/$1/pg_hba.conf" <<'HBA'
local all all trust
host all all 127.0.0.1/32 trust
local replication all trust
host replication all 127.0.0.1/32 trust
HBA
}

primary_port="$(free_port)"
pg_createcluster -q "$version" "$primary" -p "$primary_port" -- --auth=trust >/dev/null
trust_only "$primary"
pg_ctlcluster --skip-systemctl-redirect "$version" "$primary" start
createdb -h 127.0.0.1 -p "$primary_port" -U postgres hiring

standby_port="$(free_port)"
pg_createcluster -q "$version" "$standby" -p "$standby_port" -- --auth=trust >/dev/null
trust_only "$standby"
data="/var/lib/postgresql/$version/$standby"
rm -rf "$data"
install -d -o postgres -g postgres -m 700 "$data"
runuser -u postgres -- "$bin/pg_basebackup" -h 127.0.0.1 -p "$primary_port" -U postgres \
    -D "$data" -R -X stream -c fast
pg_ctlcluster --skip-systemctl-redirect "$version" "$standby" start
for _ in $(seq 1 30); do
    pg_isready -q -h 127.0.0.1 -p "$standby_port" && break
    sleep 1
done

HIRING_TEST_PRIMARY_URL="postgres://postgres@127.0.0.1:$primary_port/hiring" \
HIRING_TEST_REPLICA_URL="postgres://postgres@127.0.0.1:$standby_port/hiring" \
HIRING_TEST_REPLICA_STOP="pg_ctlcluster --skip-systemctl-redirect $version $standby stop -m fast" \
    cargo test -q -p hiring-adapters --test storage replica:: -- --nocapture
echo "PASS replica_test"
