#!/usr/bin/env bash
# Start the local infrastructure anjian needs: RabbitMQ (AMQP + management),
# a MongoDB-protocol server (FerretDB on SQLite) and an S3 server (MinIO).
#
# Idempotent: installs only what is missing, starts only what is not running,
# and waits until every server answers. Run it as often as you like.
#
#   bash infra/local/up.sh                 # native servers (or docker, see below)
#   bash infra/local/up.sh --with-browser  # also install Debian chromium + chromedriver
#
# Mode: ANJIAN_INFRA=native | docker | auto (default). "auto" uses
# `docker compose` when a Docker engine answers, native processes otherwise.
#
# Native mode keeps all data, logs and PID files under one folder:
#   ${ANJIAN_DATA_DIR:-<repo>/.data}/{rabbitmq,ferretdb,minio,log,run}
# Stop with infra/local/down.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="${ANJIAN_DATA_DIR:-$ROOT/.data}"
LOG="$DATA/log"
RUN="$DATA/run"

MINIO_USER="${ANJIAN_MINIO_ACCESS_KEY:-anjian}"
MINIO_PASSWORD="${ANJIAN_MINIO_SECRET_KEY:-anjian-secret}"

# Pinned versions (FerretDB's pin is in build-ferretdb.sh).
# MinIO no longer publishes tagged Go module versions. The Go module proxy
# refuses the RELEASE.2025-10-15 commit (9e49d5e7a648f00e26f2246f4dc28e6b07f8c84a);
# this pseudo-version is the newest commit it serves.
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
# Used only if the MinIO build fails: another S3 server, same port and keys.
VERSITYGW_VERSION="v1.8.0"

RABBITMQ_NODE="anjian@localhost"
RABBITMQ_BIN="/usr/lib/rabbitmq/bin" # the real scripts, not the Debian su wrappers

WAIT_SECONDS="${ANJIAN_INFRA_WAIT_SECONDS:-120}"

with_browser=0
for arg in "$@"; do
    case "$arg" in
        --with-browser) with_browser=1 ;;
        -h | --help) sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "up.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done

started_at=$SECONDS
trap 'printf "[up] ERROR: failed (exit %s) at line %s: %s\n" "$?" "$LINENO" "$BASH_COMMAND" >&2' ERR
say() { printf '[up] %s\n' "$*"; }
die() { printf '[up] ERROR: %s\n' "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root (or sudo) for: $*"
    fi
}

apt_updated=0
apt_install() {
    local policy_added=0
    if [ "$apt_updated" = 0 ]; then
        say "apt-get update"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
        apt_updated=1
    fi
    # Packages must not start system-wide services (e.g. a RabbitMQ on 0.0.0.0);
    # this script starts its own copies. A missing policy-rc.d allows them.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
        as_root chmod 755 /usr/sbin/policy-rc.d
        policy_added=1
    fi
    say "apt-get install -y $*"
    local rc=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null || rc=$?
    if [ "$policy_added" = 1 ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
    [ "$rc" = 0 ] || die "apt-get install $* failed (exit $rc)"
}

# tcp_open PORT: something accepts connections on 127.0.0.1:PORT.
tcp_open() { timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

http_ok() { curl -fsS -o /dev/null --max-time 3 "$@" 2>/dev/null; }

# pid_alive NAME: the PID in $RUN/NAME.pid is a live process.
pid_alive() {
    local pid
    pid="$(cat "$RUN/$1.pid" 2>/dev/null)" || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# show_log FILE: the last lines of FILE on stderr.
show_log() {
    [ -f "$1" ] || return 0
    printf '[up] ---- last lines of %s:\n' "$1" >&2
    tail -n 40 "$1" >&2 || true
}

# wait_until NAME LOGFILE PID CHECK...: poll CHECK until it succeeds; fail with
# the log tail if PID dies or the deadline passes.
wait_until() {
    local name="$1" logfile="$2" pid="$3" problem=""
    shift 3
    local deadline=$((SECONDS + WAIT_SECONDS))
    until "$@" >/dev/null 2>&1; do
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
            problem="exited during startup"
        elif [ "$SECONDS" -ge "$deadline" ]; then
            problem="did not answer within ${WAIT_SECONDS}s"
        fi
        if [ -n "$problem" ]; then
            printf '[up] ERROR: %s %s\n' "$name" "$problem" >&2
            show_log "$logfile"
            # RabbitMQ writes most of its startup to its own log file.
            if [ "$name" = rabbitmq ]; then show_log "$LOG/rabbitmq/$RABBITMQ_NODE.log"; fi
            exit 1
        fi
        sleep 0.5
    done
}

# start_detached NAME LOGFILE CMD...: run CMD in its own session, outliving this script.
start_detached() {
    local name="$1" logfile="$2"
    shift 2
    printf '\n==== %s start %s\n' "$(date -u +%FT%TZ)" "$name" >>"$logfile"
    setsid nohup "$@" >>"$logfile" 2>&1 </dev/null &
    echo $! >"$RUN/$name.pid"
}

# The console speaks Chinese: without a CJK font a browser draws every character as a box.
install_browser() {
    if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] \
        && [ -d /usr/share/fonts/opentype/noto ] && fc-list :lang=zh | grep -q .; then
        say "chromium and CJK fonts: already installed"
    else
        apt_install chromium chromium-driver fonts-noto-cjk
    fi
}

# The Chinese font the gateway embeds in printed documents (settings: document_font).
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || apt_install fonts-wqy-zenhei

# ---------------------------------------------------------------- docker mode
mode="${ANJIAN_INFRA:-auto}"
case "$mode" in
    auto)
        if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then mode=docker; else mode=native; fi ;;
    native | docker) ;;
    *) die "ANJIAN_INFRA must be native, docker or auto (got '$mode')" ;;
esac

if [ "$mode" = docker ]; then
    say "mode: docker (docker compose, file $ROOT/docker-compose.yml)"
    if [ "$with_browser" = 1 ]; then install_browser; fi
    # Compose reads the whole file, and the gateway requires a token secret; the infrastructure
    # alone never uses it, so a placeholder (too weak for any gateway to accept) stands in.
    ANJIAN_JWT_SECRET="${ANJIAN_JWT_SECRET:-infrastructure-only}" \
        docker compose -f "$ROOT/docker-compose.yml" up -d --wait rabbitmq mongodb minio
    say "ready in $((SECONDS - started_at))s"
    exit 0
fi

say "mode: native, data in $DATA"
mkdir -p "$DATA/rabbitmq" "$DATA/ferretdb" "$DATA/minio" "$LOG" "$RUN"
command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
if [ "$with_browser" = 1 ]; then install_browser; fi

# ------------------------------------------------------------------- RabbitMQ
# Started from the real scripts in /usr/lib/rabbitmq/bin as the current user
# (the /usr/sbin wrappers `su` to the rabbitmq user when run as root), with
# everything under $DATA/rabbitmq. HOME points there too, so the broker and
# rabbitmqctl share one Erlang cookie ($DATA/rabbitmq/.erlang.cookie).
rabbitmq_env() {
    export HOME="$DATA/rabbitmq"
    export RABBITMQ_NODENAME="$RABBITMQ_NODE"
    export RABBITMQ_CONF_ENV_FILE="$DATA/rabbitmq/rabbitmq-env.conf"
    export RABBITMQ_CONFIG_FILE="$DATA/rabbitmq/rabbitmq.conf"
    export RABBITMQ_ENABLED_PLUGINS_FILE="$DATA/rabbitmq/enabled_plugins"
    export RABBITMQ_MNESIA_BASE="$DATA/rabbitmq/mnesia"
    export RABBITMQ_LOG_BASE="$LOG/rabbitmq"
    export RABBITMQ_PID_FILE="$RUN/rabbitmq.pid"
    export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
    export ERL_EPMD_ADDRESS="127.0.0.1"
}
rabbitmq_ready() {
    tcp_open 5672 && http_ok -u guest:guest http://127.0.0.1:15672/api/overview
}

if [ ! -x "$RABBITMQ_BIN/rabbitmq-server" ]; then
    apt_install rabbitmq-server
else
    say "rabbitmq: already installed"
fi

# rabbitmq-launcher.pid: the start script, alive as long as the broker is;
# rabbitmq.pid: the Erlang VM itself, written by the broker (used by down.sh).
if pid_alive rabbitmq-launcher && rabbitmq_ready; then
    say "rabbitmq: already running (pid $(cat "$RUN/rabbitmq-launcher.pid"))"
elif ! pid_alive rabbitmq-launcher && tcp_open 5672; then
    die "port 5672 is taken by another process; stop it (or run infra/local/down.sh)"
else
    if ! pid_alive rabbitmq-launcher; then
        rm -f "$RUN/rabbitmq.pid"
        cookie="$DATA/rabbitmq/.erlang.cookie"
        if [ ! -s "$cookie" ]; then
            (umask 077; python3 -c 'import secrets; print(secrets.token_hex(16).upper(), end="")' >"$cookie")
            chmod 400 "$cookie"
        fi
        : >"$DATA/rabbitmq/rabbitmq-env.conf"
        cat >"$DATA/rabbitmq/rabbitmq.conf" <<'EOF'
# Written by infra/local/up.sh
listeners.tcp.default = 127.0.0.1:5672
management.tcp.ip = 127.0.0.1
management.tcp.port = 15672
mqtt.listeners.tcp.default = 127.0.0.1:1883
mqtt.allow_anonymous = false
EOF
        echo '[rabbitmq_management,rabbitmq_mqtt,rabbitmq_federation,rabbitmq_federation_management].' >"$DATA/rabbitmq/enabled_plugins"
        say "rabbitmq: starting node $RABBITMQ_NODE on 127.0.0.1:5672 (management 127.0.0.1:15672)"
        (rabbitmq_env; start_detached rabbitmq-launcher "$LOG/rabbitmq.out" "$RABBITMQ_BIN/rabbitmq-server")
    else
        say "rabbitmq: process running, waiting for it to answer"
    fi
    wait_until rabbitmq "$LOG/rabbitmq.out" "$(cat "$RUN/rabbitmq-launcher.pid")" rabbitmq_ready
    (rabbitmq_env; "$RABBITMQ_BIN/rabbitmq-diagnostics" -q ping >/dev/null) \
        || die "rabbitmq answers on 5672 but node $RABBITMQ_NODE does not (Erlang cookie mismatch?)"
    say "rabbitmq: ready (amqp://guest:guest@127.0.0.1:5672/, http://127.0.0.1:15672)"
fi

# The broker user external platforms consume public events with: it may declare and use
# only queues named platform.* and bind them only to the public exchange anjian.public, never
# to anjian.events or a service's exchange. Idempotent (management API PUTs).
PUBLIC_USER="${ANJIAN_PUBLIC_AMQP_USER:-credit-platform}"
PUBLIC_PASSWORD="${ANJIAN_PUBLIC_AMQP_PASSWORD:-credit-platform-local}"
rabbitmq_api() {
    curl -fsS -o /dev/null --max-time 5 -u guest:guest -H 'content-type: application/json' \
        -X PUT "http://127.0.0.1:15672/api/$1" -d "$2"
}
rabbitmq_api "exchanges/%2F/anjian.public" '{"type":"topic","durable":true}' \
    && rabbitmq_api "users/$PUBLIC_USER" "{\"password\":\"$PUBLIC_PASSWORD\",\"tags\":\"\"}" \
    && rabbitmq_api "permissions/%2F/$PUBLIC_USER" \
        '{"configure":"^platform\\..*$","write":"^platform\\..*$","read":"^(platform\\..*|anjian\\.public)$"}' \
    && rabbitmq_api "topic-permissions/%2F/$PUBLIC_USER" '{"exchange":"anjian.public","write":"^$","read":".*"}' \
    || die "could not create the public-events broker user $PUBLIC_USER"
say "rabbitmq: public-events user $PUBLIC_USER (queues platform.*, bound to anjian.public only)"

# RabbitMQ's own federation plugin links deployments at several levels (county → city →
# province, services/kit/federation.py). A node started before it was part of the set gets it here.
if grep -q rabbitmq_federation "$DATA/rabbitmq/enabled_plugins" 2>/dev/null; then
    say "rabbitmq: federation plugin enabled"
else
    (rabbitmq_env; "$RABBITMQ_BIN/rabbitmq-plugins" -q enable rabbitmq_federation \
        rabbitmq_federation_management >/dev/null) || die "could not enable RabbitMQ's federation plugin"
    say "rabbitmq: federation plugin enabled (anjian federate links a child deployment)"
fi

# RabbitMQ's own MQTT plugin: sensors publish readings on 127.0.0.1:1883, each device with its
# own broker user (made by the monitoring service), never anonymously. A node started before the
# plugin was part of the set gets it here, its listener set first as rabbitmq.conf would have.
if tcp_open 1883; then
    say "rabbitmq: mqtt already listening on 127.0.0.1:1883"
else
    (
        rabbitmq_env
        "$RABBITMQ_BIN/rabbitmqctl" -q eval \
            'application:set_env(rabbitmq_mqtt, tcp_listeners, [{"127.0.0.1", 1883}], [{persistent, true}]),
             application:set_env(rabbitmq_mqtt, allow_anonymous, false, [{persistent, true}]).' >/dev/null \
            && "$RABBITMQ_BIN/rabbitmq-plugins" -q enable rabbitmq_mqtt >/dev/null
    ) || die "could not enable RabbitMQ's MQTT plugin"
    wait_until rabbitmq-mqtt "$LOG/rabbitmq.out" "$(cat "$RUN/rabbitmq-launcher.pid")" tcp_open 1883
    say "rabbitmq: mqtt on 127.0.0.1:1883 (each device its own user and topic)"
fi

# ------------------------------------------------------------- Go-built tools
go_bin_dir() {
    command -v go >/dev/null 2>&1 || die "the Go toolchain is needed to build FerretDB and MinIO; install Go and re-run"
    echo "$(go env GOPATH)/bin"
}

ferretdb_ping() {
    # Sends {ping: 1} as an OP_MSG on the MongoDB wire protocol; exits 0 on ok: 1.
    python3 - <<'EOF'
import socket, struct
def cstr(s): return s.encode() + b"\0"
body = b"\x10" + cstr("ping") + struct.pack("<i", 1) + b"\x02" + cstr("$db") + struct.pack("<i", 6) + cstr("admin")
doc = struct.pack("<i", len(body) + 5) + body + b"\0"
payload = struct.pack("<I", 0) + b"\0" + doc
msg = struct.pack("<iiii", 16 + len(payload), 1, 0, 2013) + payload
with socket.create_connection(("127.0.0.1", 27017), timeout=3) as s:
    s.sendall(msg)
    reply = b""
    while len(reply) < 4 or len(reply) < struct.unpack("<i", reply[:4])[0]:
        chunk = s.recv(65536)
        if not chunk:
            break
        reply += chunk
raise SystemExit(0 if b"\x01ok\x00" + struct.pack("<d", 1.0) in reply else 1)
EOF
}
ferretdb_ready() { tcp_open 27017 && ferretdb_ping; }

GOBIN_DIR="$(go_bin_dir)"
# Patched for atomic read-modify-write (see ferretdb-write-lock.patch); rebuilt when it changes.
ferretdb="$(bash "$ROOT/infra/local/build-ferretdb.sh")"
ferretdb_version="$("$ferretdb" --version | sed -n 's/^version: //p')"
if pid_alive ferretdb && [ "$(cat "$RUN/ferretdb.version" 2>/dev/null)" != "$ferretdb_version" ]; then
    # A server started from an older build (say, before the patch) must not keep serving.
    say "ferretdb: restarting on the current build $ferretdb_version"
    old_pid="$(cat "$RUN/ferretdb.pid")"
    kill "$old_pid"
    while kill -0 "$old_pid" 2>/dev/null; do sleep 0.2; done
fi
if pid_alive ferretdb && ferretdb_ready; then
    say "ferretdb: already running (pid $(cat "$RUN/ferretdb.pid"), $ferretdb_version)"
elif ! pid_alive ferretdb && tcp_open 27017; then
    die "port 27017 is taken by another process; stop it (or run infra/local/down.sh)"
else
    if ! pid_alive ferretdb; then
        mkdir -p "$DATA/ferretdb/state"
        say "ferretdb: starting $ferretdb_version on 127.0.0.1:27017 (SQLite in $DATA/ferretdb)"
        # WAL with synchronous=normal: a process crash loses nothing, a power cut may lose the
        # last moments of writes (MongoDB's default journal window is of the same order).
        start_detached ferretdb "$LOG/ferretdb.log" "$ferretdb" \
            --handler=sqlite --sqlite-url="file:$DATA/ferretdb/?_pragma=synchronous(normal)" \
            --listen-addr=127.0.0.1:27017 --state-dir="$DATA/ferretdb/state" \
            --debug-addr=- --telemetry=disable --log-level=warn
        echo "$ferretdb_version" >"$RUN/ferretdb.version"
    fi
    wait_until ferretdb "$LOG/ferretdb.log" "$(cat "$RUN/ferretdb.pid")" ferretdb_ready
    say "ferretdb: ready (mongodb://127.0.0.1:27017/)"
fi

# ---------------------------------------------------------------------- MinIO
minio_ready() { http_ok http://127.0.0.1:9000/minio/health/live; }

if pid_alive minio && minio_ready; then
    say "s3: already running (pid $(cat "$RUN/minio.pid"))"
elif ! pid_alive minio && tcp_open 9000; then
    die "port 9000 is taken by another process; stop it (or run infra/local/down.sh)"
else
    minio="$GOBIN_DIR/minio"
    versitygw="$GOBIN_DIR/versitygw"
    s3_kind=minio
    if go version -m "$minio" 2>/dev/null | grep "github.com/minio/minio[[:space:]]*$MINIO_VERSION" >/dev/null; then
        say "minio: $MINIO_VERSION already installed ($minio)"
    else
        say "minio: building $MINIO_VERSION from source (takes several minutes)"
        if ! GOBIN="$GOBIN_DIR" go install "github.com/minio/minio@$MINIO_VERSION" >"$LOG/build-minio.log" 2>&1; then
            tail -n 20 "$LOG/build-minio.log" >&2
            say "WARNING: minio build failed (log: $LOG/build-minio.log); falling back to versitygw $VERSITYGW_VERSION"
            s3_kind=versitygw
        fi
    fi
    if [ "$s3_kind" = versitygw ]; then
        if go version -m "$versitygw" 2>/dev/null | grep "github.com/versity/versitygw[[:space:]]*$VERSITYGW_VERSION" >/dev/null; then
            say "versitygw: $VERSITYGW_VERSION already installed ($versitygw)"
        else
            say "versitygw: building $VERSITYGW_VERSION from source"
            GOBIN="$GOBIN_DIR" go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" \
                >"$LOG/build-versitygw.log" 2>&1 || {
                tail -n 20 "$LOG/build-versitygw.log" >&2
                die "versitygw build failed too (log: $LOG/build-versitygw.log)"
            }
        fi
    fi
    if ! pid_alive minio; then
        if [ "$s3_kind" = minio ]; then
            say "minio: starting on 127.0.0.1:9000 (console 127.0.0.1:9001, data in $DATA/minio)"
            MINIO_ROOT_USER="$MINIO_USER" MINIO_ROOT_PASSWORD="$MINIO_PASSWORD" MINIO_UPDATE=off \
                start_detached minio "$LOG/minio.log" "$minio" server "$DATA/minio" \
                --address 127.0.0.1:9000 --console-address 127.0.0.1:9001
        else
            say "versitygw: starting S3 on 127.0.0.1:9000 (posix backend in $DATA/minio; NOT MinIO)"
            ROOT_ACCESS_KEY="$MINIO_USER" ROOT_SECRET_KEY="$MINIO_PASSWORD" \
                start_detached minio "$LOG/minio.log" "$versitygw" \
                --port 127.0.0.1:9000 --health /minio/health/live posix "$DATA/minio"
        fi
    fi
    wait_until s3 "$LOG/minio.log" "$(cat "$RUN/minio.pid")" minio_ready
    say "s3: ready (http://127.0.0.1:9000, access key $MINIO_USER)"
fi

say "all up in $((SECONDS - started_at))s; stop with: bash infra/local/down.sh"
