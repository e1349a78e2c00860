#!/usr/bin/env bash
# Builds the container image (Containerfile) and checks it without starting a container (a CI
# machine that is itself a container may refuse an OCI runtime its rlimits and cgroups):
#
#   1. the base image localhost/hiring-base:bookworm, made from Debian packages with debootstrap
#      (minbase + ca-certificates, curl) and `podman import`; cached in target/container/;
#   2. the image localhost/hiring:ci (`podman build --isolation chroot --format docker`);
#   3. its configuration from `podman image inspect`: the non-root user, entrypoint and
#      command, environment, working directory, volumes, exposed port, health check;
#   4. its file system, exported from a created (never started) container, where the image's
#      binary runs under chroot as the image's user with the image's environment and working
#      directory: `hiring --version`, `hiring config`, a migrate of the shipped CSV files into
#      the data volume (row counts checked), a backup into the backup volume, and `hiring serve` on a free
#      port, answering /health to curl on the host and to the image's own health check;
#   5. compose.yaml parses, with the services and keys the deployment relies on.
#
# Installs podman and debootstrap with apt-get when missing. Podman's storage is its own, under
# target/container/ (overlay, or vfs where overlay cannot be mounted; HIRING_PODMAN_DRIVER
# chooses). DEBIAN_MIRROR and DEBIAN_SECURITY_MIRROR change the mirrors. The debootstrapped tree
# is kept and reused; HIRING_REBUILD_BASE=1 makes it again (to take Debian's security updates).
#
#   scripts/container_test.sh [target/release/hiring]
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${1:-target/release/hiring}"
# The Containerfile copies target/release/hiring: test that very file.
if [ ! -x "$binary" ] || [ "$(realpath "$binary")" != "$(realpath -m target/release/hiring)" ]; then
    echo "the image is built from target/release/hiring (cargo build --release -p hiring-cli); got $binary" >&2
    exit 1
fi

started=$SECONDS
say() { echo "container_test [$((SECONDS - started))s]: $*"; }
fail() {
    echo "container_test: $*" >&2
    exit 1
}

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v debootstrap >/dev/null || missing+=(debootstrap)
python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if [ "${#missing[@]}" -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

state="$PWD/target/container"
mkdir -p "$state"
if [ -z "${HIRING_PODMAN_DRIVER:-}" ]; then
    # Overlay on overlay (a build folder inside a container's file system) cannot be mounted.
    if grep -qw overlay /proc/filesystems && [ "$(stat -f -c %T "$state")" != overlayfs ]; then
        HIRING_PODMAN_DRIVER=overlay
    else
        HIRING_PODMAN_DRIVER=vfs
    fi
fi
storage="$state/storage-$HIRING_PODMAN_DRIVER"
# Podman wants a short run root (at most 50 characters): one per storage folder, under /run.
runroot="/run/hiring-podman/$(sha1sum <<<"$storage" | cut -c1-12)"
podman() {
    command podman --root "$storage" --runroot "$runroot" \
        --storage-driver "$HIRING_PODMAN_DRIVER" --cgroup-manager cgroupfs \
        --events-backend file "$@"
}

base_image=localhost/hiring-base:bookworm
image=localhost/hiring:ci
uid=10001
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
packages=ca-certificates,curl

work="$(mktemp -d "$state/work.XXXXXX")"
container=""
server=""
cleanup() {
    local status=$?
    if [ -n "$server" ]; then
        kill -TERM "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    if [ -n "$container" ]; then podman rm -f -v "$container" >/dev/null 2>&1 || true; fi
    if mountpoint -q "$work/rootfs"; then umount "$work/rootfs" || umount -l "$work/rootfs"; fi
    rm -rf --one-file-system "$work"
    if [ "$status" = 0 ]; then say "passed"; fi
}
trap cleanup EXIT

# 1. The base image: debootstrap once (the rootfs folder is kept), import when the tag is missing.
rootfs="$state/base-rootfs"
stamp="bookworm minbase $packages $mirror"
if [ -n "${HIRING_REBUILD_BASE:-}" ] || [ "$(cat "$rootfs.stamp" 2>/dev/null)" != "$stamp" ]; then
    say "debootstrap bookworm (minbase, $packages) into $rootfs"
    # What an interrupted debootstrap left mounted (its /proc, /sys), then the trees.
    awk -v tree="$rootfs.tmp/" 'index($2, tree) == 1 {print $2}' /proc/mounts | sort -r |
        xargs -r umount -l
    rm -rf --one-file-system "$rootfs" "$rootfs.tmp" "$rootfs.stamp"
    t=$SECONDS
    debootstrap --variant=minbase --include="$packages" bookworm "$rootfs.tmp" "$mirror" \
        >"$state/debootstrap.log" 2>&1 || {
        tail -20 "$state/debootstrap.log" >&2
        fail "debootstrap failed (log: $state/debootstrap.log)"
    }
    # Security updates, then no package lists, caches or logs in the image.
    rm -f "$rootfs.tmp/etc/apt/sources.list"
    cat >"$rootfs.tmp/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    {
        chroot "$rootfs.tmp" apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive chroot "$rootfs.tmp" apt-get upgrade -y -qq &&
            chroot "$rootfs.tmp" apt-get clean
    } >>"$state/debootstrap.log" 2>&1 || fail "apt-get upgrade in the base failed (log: $state/debootstrap.log)"
    rm -rf "$rootfs.tmp"/var/lib/apt/lists/* "$rootfs.tmp"/var/cache/apt/*.bin \
        "$rootfs.tmp"/var/log/*.log "$rootfs.tmp"/var/log/apt/* "$rootfs.tmp"/tmp/*
    mv "$rootfs.tmp" "$rootfs"
    echo "$stamp" >"$rootfs.stamp"
    say "debootstrap took $((SECONDS - t)) s; rootfs $(du -sh "$rootfs" | cut -f1)"
    podman rmi -f "$base_image" >/dev/null 2>&1 || true
fi
if ! podman image exists "$base_image"; then
    say "importing $base_image"
    tar -C "$rootfs" -c . | podman import -q \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' - "$base_image" >/dev/null
fi

# 2. The image.
say "podman build $image"
t=$SECONDS
podman build --isolation chroot --format docker -f Containerfile -t "$image" . \
    >"$work/build.log" 2>&1 || {
    cat "$work/build.log" >&2
    fail "podman build failed"
}
# Earlier builds' layers, untagged now.
podman image prune -f >/dev/null
say "podman build took $((SECONDS - t)) s; image $(podman image inspect --format '{{.Size}}' "$image" |
    awk '{printf "%.0f MB", $1 / 1e6}') (base $(podman image inspect --format '{{.Size}}' "$base_image" |
    awk '{printf "%.0f MB", $1 / 1e6}'))"

# 3. What the image says about itself.
podman image inspect "$image" >"$work/inspect.json"
python3 - "$work/inspect.json" "$uid" >"$work/config.env" <<'EOF'
import json, shlex, sys

[image] = json.load(open(sys.argv[1]))
uid = sys.argv[2]
config = image["Config"]
errors = []

def check(what, got, wanted):
    if got != wanted:
        errors.append(f"{what}: {got!r}, expected {wanted!r}")

check("User", config.get("User"), f"{uid}:{uid}")
check("Entrypoint", config.get("Entrypoint"), ["hiring"])
check("Cmd", config.get("Cmd"), ["serve"])
check("WorkingDir", config.get("WorkingDir"), "/srv/hiring")
check("ExposedPorts", sorted(config.get("ExposedPorts") or {}), ["8080/tcp"])
check("Volumes", sorted(config.get("Volumes") or {}),
      ["/var/lib/hiring/backups", "/var/lib/hiring/data"])
env = dict(line.split("=", 1) for line in config.get("Env") or [])
check("HIRING__API__BIND", env.get("HIRING__API__BIND"), "0.0.0.0:8080")
check("HIRING__DATABASE__URL", env.get("HIRING__DATABASE__URL"), "/var/lib/hiring/data/hiring.db")
check("HIRING__BACKUP__DIR", env.get("HIRING__BACKUP__DIR"), "/var/lib/hiring/backups")
# Podman shows the health check beside Config (and keeps it in docker-format images only).
health = image.get("Healthcheck") or config.get("Healthcheck") or {}
test = health.get("Test") or []
if not (test and test[0] == "CMD-SHELL" and "/health" in test[-1] and "curl" in test[-1]):
    errors.append(f"Healthcheck: {health!r}, expected a CMD-SHELL curl of /health")
if errors:
    sys.exit("the image's configuration:\n  " + "\n  ".join(errors))
# For the shell: the environment, the working directory and the health check's command.
print("image_env=(" + " ".join(shlex.quote(line) for line in config["Env"]) + ")")
print("image_workdir=" + shlex.quote(config["WorkingDir"]))
print("image_health=" + shlex.quote(test[-1]))
EOF
image_env=() image_workdir="" image_health=""
# shellcheck disable=SC1091
. "$work/config.env"
say "inspect: user $uid:$uid, entrypoint hiring, cmd serve, volumes, port 8080, health check set"

# 4. The image's file system under chroot, as the image's user.
container="$(podman create "$image")"
mkdir "$work/rootfs"
# In memory when it can be (about 200 MB): removing the tree from a busy disk takes seconds.
mount -t tmpfs -o size=1g,mode=0755 hiring-container-test "$work/rootfs" 2>/dev/null || true
podman export "$container" | tar -C "$work/rootfs" -x
[ "$(stat -c %u:%g "$work/rootfs/var/lib/hiring/data")" = "$uid:$uid" ] ||
    fail "the data volume's folder is not owned by $uid"
[ "$(stat -c %u:%g "$work/rootfs/var/lib/hiring/backups")" = "$uid:$uid" ] ||
    fail "the backup volume's folder is not owned by $uid"
# The few device nodes a runtime would provide (curl writes to /dev/null); nothing mounted.
mkdir -p "$work/rootfs/dev"
for node in null:1:3 zero:1:5 random:1:8 urandom:1:9; do
    IFS=: read -r name major minor <<<"$node"
    [ -e "$work/rootfs/dev/$name" ] || mknod -m 0666 "$work/rootfs/dev/$name" c "$major" "$minor"
done
in_image() {
    env -i "${image_env[@]}" "$@" chroot --userspec="$uid:$uid" "$work/rootfs" \
        /usr/bin/env --chdir="$image_workdir" "${in_image_command[@]}"
}
run_hiring() {
    local vars=()
    while [ "$#" -gt 0 ] && [[ $1 == *=* ]]; do
        vars+=("$1")
        shift
    done
    in_image_command=(hiring "$@")
    in_image "${vars[@]}"
}

version="$(run_hiring --version)"
[ "$version" = "$("$binary" --version)" ] || fail "the image's hiring --version says $version"
say "in the image: $version"

# The configuration as the image resolves it: config/default.toml found from the working
# directory, the image's variables over it.
run_hiring config --format json >"$work/config.json" || fail "hiring config in the image failed"
python3 - "$work/config.json" <<'EOF2'
import json, sys

settings = {s["key"]: s for s in json.load(open(sys.argv[1]))}
errors = []
def check(key, value, source):
    got = (settings.get(key, {}).get("value"), settings.get(key, {}).get("from"))
    if got != (value, source):
        errors.append(f"{key}: {got}, expected {(value, source)}")
check("config file", "config/default.toml", "default")
if settings["config file"].get("resolves_to") != "/srv/hiring/config/default.toml":
    errors.append(f"config file: {settings['config file']}")
check("migrate.batch_size", "10000", "file config/default.toml")
check("migrate.dir", "csv_files", "file config/default.toml")
check("api.bind", "0.0.0.0:8080", "env HIRING__API__BIND")
check("backup.dir", "/var/lib/hiring/backups", "env HIRING__BACKUP__DIR")
if errors:
    sys.exit("hiring config in the image:\n  " + "\n  ".join(errors))
EOF2
say "config in the image: config/default.toml from /srv/hiring, the image's variables over it"

run_hiring migrate --format json >"$work/migrate.json" 2>"$work/migrate.log" || {
    cat "$work/migrate.log" >&2
    fail "migrate in the image failed"
}
python3 - "$work/migrate.json" <<'EOF'
import json, sys

got = {r["table"]: (r["read"], r["inserted"], r["rejected"]) for r in json.load(open(sys.argv[1]))}
wanted = {"departments": (12, 12, 0), "jobs": (183, 183, 0), "hired_employees": (2000, 1940, 60)}
if got != wanted:
    sys.exit(f"migrate in the image: {got}, expected {wanted}")
EOF
[ "$(stat -c %u "$work/rootfs/var/lib/hiring/data/hiring.db")" = "$uid" ] ||
    fail "no database owned by $uid in the data volume"
say "migrate into the data volume: 12 departments, 183 jobs, 1940 hires (60 rejected)"

run_hiring backup >/dev/null 2>"$work/backup.log" || {
    cat "$work/backup.log" >&2
    fail "backup in the image failed"
}
backups="$(find "$work/rootfs/var/lib/hiring/backups" -name '*.avro' -user "$uid" | wc -l)"
[ "$backups" = 3 ] || fail "backup in the image wrote $backups files, expected 3"
say "backup into the backup volume: 3 files"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# exec: the background job is the server itself (env, chroot and env exec one another).
(exec env -i "${image_env[@]}" HIRING__API__BIND="127.0.0.1:$port" RUST_LOG=warn \
    chroot --userspec="$uid:$uid" "$work/rootfs" /usr/bin/env --chdir="$image_workdir" \
    hiring serve) >"$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    curl -fsS -o /dev/null --max-time 1 "http://127.0.0.1:$port/health" 2>/dev/null && break
    kill -0 "$server" 2>/dev/null || {
        cat "$work/serve.log" >&2
        fail "hiring serve in the image stopped"
    }
    sleep 0.1
done
health="$(curl -fsS --max-time 5 "http://127.0.0.1:$port/health")" || {
    cat "$work/serve.log" >&2
    fail "hiring serve in the image does not answer /health on port $port"
}
# The image's own health check (its curl, its shell), as the container runtime would run it.
in_image_command=(/bin/sh -c "$image_health")
in_image HIRING__API__BIND="127.0.0.1:$port" || fail "the image's health check failed"
say "serve in the image answers /health ($health); the image's health check passes"

# 5. compose.yaml.
python3 - compose.yaml <<'EOF'
import sys, yaml

compose = yaml.safe_load(open(sys.argv[1]))
services = compose["services"]
errors = []
hiring, postgres = services["hiring"], services["postgres"]
if hiring.get("depends_on", {}).get("postgres", {}).get("condition") != "service_healthy":
    errors.append("hiring must wait for postgres to be healthy")
if not postgres.get("healthcheck", {}).get("test"):
    errors.append("postgres has no health check")
if "/health" not in " ".join(hiring.get("healthcheck", {}).get("test", [])):
    errors.append("hiring has no health check of /health")
if not str(postgres.get("image", "")).startswith("docker.io/library/postgres:"):
    errors.append("postgres is not the official image")
env = hiring.get("environment", {})
if not str(env.get("HIRING__DATABASE__URL", "")).startswith("postgres://"):
    errors.append("hiring's HIRING__DATABASE__URL is not a postgres:// URL")
if "@postgres:5432/" not in str(env.get("HIRING__DATABASE__URL", "")):
    errors.append("hiring's database is not the postgres service")
if "HIRING_API_TOKENS" not in env:
    errors.append("hiring takes no HIRING_API_TOKENS")
if hiring.get("build", {}).get("dockerfile") != "Containerfile":
    errors.append("hiring is not built from Containerfile")
if "8080:8080" not in [str(p) for p in hiring.get("ports", [])]:
    errors.append("hiring does not publish port 8080")
volumes = compose.get("volumes", {})
for service, source, target in [(hiring, "backups", "/var/lib/hiring/backups"),
                                (postgres, "postgres-data", "/var/lib/postgresql/data")]:
    if source not in volumes or f"{source}:{target}" not in service.get("volumes", []):
        errors.append(f"no named volume {source} at {target}")
if errors:
    sys.exit("compose.yaml:\n  " + "\n  ".join(errors))
EOF
say "compose.yaml: services hiring and postgres, health-gated, named volumes"
