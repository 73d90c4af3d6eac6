#!/usr/bin/env bash
# Stop the local infrastructure started by infra/local/up.sh.
#
#   bash infra/local/down.sh          # stop; keep data
#   bash infra/local/down.sh --purge  # stop and delete data and logs
#
# Idempotent: stopping what is not running is fine. Same mode selection as
# up.sh (ANJIAN_INFRA=native | docker | auto).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="${ANJIAN_DATA_DIR:-$ROOT/.data}"
RUN="$DATA/run"
RABBITMQ_NODE="anjian@localhost"
RABBITMQ_BIN="/usr/lib/rabbitmq/bin"

purge=0
for arg in "$@"; do
    case "$arg" in
        --purge) purge=1 ;;
        -h | --help) sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "down.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done

say() { printf '[down] %s\n' "$*"; }

mode="${ANJIAN_INFRA:-auto}"
if [ "$mode" = auto ]; then
    if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then mode=docker; else mode=native; fi
fi

if [ "$mode" = docker ]; then
    # As in up.sh: compose reads the gateway's required secret even to stop the infrastructure.
    export ANJIAN_JWT_SECRET="${ANJIAN_JWT_SECRET:-infrastructure-only}"
    if [ "$purge" = 1 ]; then
        docker compose -f "$ROOT/docker-compose.yml" down --volumes
    else
        docker compose -f "$ROOT/docker-compose.yml" down
    fi
    exit 0
fi

# live_pid NAME EXE: print the PID from $RUN/NAME.pid if that process is alive
# and its command line mentions EXE (guards against a recycled PID).
live_pid() {
    local pid
    pid="$(cat "$RUN/$1.pid" 2>/dev/null)" || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -- "$2" >/dev/null || return 1
    echo "$pid"
}

# wait_gone PID SECONDS: wait for PID to exit; 1 if it is still there.
wait_gone() {
    local deadline=$((SECONDS + $2))
    while kill -0 "$1" 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.2
    done
}

# stop_pid NAME EXE: SIGTERM, then SIGKILL after 20 s.
stop_pid() {
    local name="$1" pid
    if pid="$(live_pid "$name" "$2")"; then
        say "$name: stopping (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" 20; then
            say "$name: still running after 20s, killing"
            kill -KILL "$pid" 2>/dev/null || true
            wait_gone "$pid" 5 || true
        fi
    else
        say "$name: not running"
    fi
    rm -f "$RUN/$name.pid"
}

# RabbitMQ: a clean `rabbitmqctl stop` with the node's own cookie (HOME), then
# signals if that did not work.
if launcher="$(live_pid rabbitmq-launcher rabbitmq-server)"; then
    say "rabbitmq: stopping node $RABBITMQ_NODE"
    (
        export HOME="$DATA/rabbitmq" RABBITMQ_NODENAME="$RABBITMQ_NODE" ERL_EPMD_ADDRESS=127.0.0.1
        export RABBITMQ_CONF_ENV_FILE="$DATA/rabbitmq/rabbitmq-env.conf"
        timeout 60 "$RABBITMQ_BIN/rabbitmqctl" -q stop "$RUN/rabbitmq.pid"
    ) >/dev/null 2>&1 || true
    if ! wait_gone "$launcher" 20; then
        stop_pid rabbitmq beam
        stop_pid rabbitmq-launcher rabbitmq-server
    fi
    # The Erlang port mapper was started by the broker; stop it if no node is left.
    if command -v epmd >/dev/null 2>&1 || [ -x /usr/lib/erlang/bin/epmd ]; then
        epmd="$(command -v epmd || echo /usr/lib/erlang/bin/epmd)"
        if ! ERL_EPMD_ADDRESS=127.0.0.1 "$epmd" -names 2>/dev/null | grep '^name ' >/dev/null; then
            ERL_EPMD_ADDRESS=127.0.0.1 "$epmd" -kill >/dev/null 2>&1 || true
        fi
    fi
else
    say "rabbitmq: not running"
fi
rm -f "$RUN/rabbitmq.pid" "$RUN/rabbitmq-launcher.pid"

stop_pid ferretdb ferretdb
# minio.pid is the S3 server: MinIO, or versitygw if up.sh fell back to it;
# either way its command line holds the data folder .../minio.
stop_pid minio minio

if [ "$purge" = 1 ]; then
    say "purging data and logs in $DATA"
    rm -rf "$DATA/rabbitmq" "$DATA/ferretdb" "$DATA/minio" "$DATA/log" "$DATA/run"
    rmdir "$DATA" 2>/dev/null || true
fi
say "done"
