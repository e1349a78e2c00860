# Shell functions shared by the scripts that start PostgreSQL nodes of their own (sourced, not
# run): free ports, clusters of Debian's PostgreSQL made and dropped on them, a hot standby made
# by pg_basebackup -R, and PgBouncer in transaction pooling. Every cluster trusts 127.0.0.1 for
# connections and replication: they live for one script only.

pg_version="$(ls /etc/postgresql | sort -n | tail -1)"
pg_bin="/usr/lib/postgresql/$pg_version/bin"

# free_port: a TCP port of 127.0.0.1 nobody listens on.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# trust_only CLUSTER: trust on 127.0.0.1 and the local socket, replication included.
trust_only() {
    cat > "/etc/postgresql/$pg_version/$1/pg_hba.conf" <<'HBA'
local all all trust
host all all 127.0.0.1/32 trust
local replication all trust
host replication all 127.0.0.1/32 trust
HBA
}

# start_primary CLUSTER PORT: a new cluster on PORT, started.
start_primary() {
    pg_createcluster -q "$pg_version" "$1" -p "$2" -- --auth=trust >/dev/null
    trust_only "$1"
    pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$1" start
}

# start_standby CLUSTER PORT PRIMARY_PORT: a hot standby of the cluster on PRIMARY_PORT, made by
# pg_basebackup -R on PORT, started and answering.
start_standby() {
    local data="/var/lib/postgresql/$pg_version/$1"
    pg_createcluster -q "$pg_version" "$1" -p "$2" -- --auth=trust >/dev/null
    trust_only "$1"
    rm -rf "$data"
    install -d -o postgres -g postgres -m 700 "$data"
    runuser -u postgres -- "$pg_bin/pg_basebackup" -h 127.0.0.1 -p "$3" -U postgres \
        -D "$data" -R -X stream -c fast
    pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$1" start
    for _ in $(seq 1 30); do
        pg_isready -q -h 127.0.0.1 -p "$2" && break
        sleep 1
    done
}

# stop_cluster CLUSTER: a fast shutdown.
stop_cluster() {
    pg_ctlcluster --skip-systemctl-redirect "$pg_version" "$1" stop -m fast
}

# drop_clusters CLUSTER...: stops and drops those of them that exist.
drop_clusters() {
    local cluster
    for cluster in "$@"; do
        if pg_lsclusters -h | awk '{print $2}' | grep -qx "$cluster"; then
            pg_dropcluster --stop "$pg_version" "$cluster" || true
        fi
    done
}

# start_pgbouncer DATABASE FOLDER: PgBouncer (Debian's, installed when missing) in transaction
# pooling, 10 server connections, for DATABASE of the local server on 5432, its files in
# FOLDER (given to the postgres user, PgBouncer refusing to run as root: the folders above it
# must let that user through). Sets bouncer_pid and bouncer_port.
start_pgbouncer() {
    if ! command -v pgbouncer >/dev/null; then
        echo "installing pgbouncer"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
    fi
    bouncer_port="$(free_port)"
    cat > "$2/pgbouncer.ini" <<INI
[databases]
$1 = host=127.0.0.1 port=5432 dbname=$1
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $2/userlist.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 10
ignore_startup_parameters = extra_float_digits
logfile = $2/pgbouncer.log
pidfile = $2/pgbouncer.pid
INI
    echo '"postgres" ""' > "$2/userlist.txt"
    chown -R postgres "$2"
    runuser -u postgres -- pgbouncer "$2/pgbouncer.ini" >/dev/null 2>&1 &
    bouncer_pid=$!
    for _ in $(seq 1 50); do
        pg_isready -q -h 127.0.0.1 -p "$bouncer_port" && break
        sleep 0.1
    done
}
