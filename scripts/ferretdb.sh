#!/usr/bin/env bash
# FerretDB (MongoDB wire protocol, SQLite backend) on a free loopback port with a throw-away
# data directory, for the MongoDB tests.
#
#   scripts/ferretdb.sh exec CMD [ARGS...]  start, run CMD with TSURU_TEST_MONGODB_URL and
#                                           TSURU_TEST_FERRETDB set, stop; exits with CMD's status
#   scripts/ferretdb.sh start DIR           start with data in DIR (created); prints the URL
#   scripts/ferretdb.sh stop DIR            stop the server started in DIR and remove DIR
#
# The binary is $FERRETDB, `ferretdb` on PATH or $(go env GOPATH)/bin/ferretdb; scripts/setup.sh
# installs it.
set -euo pipefail

find_bin() {
    local c
    for c in "${FERRETDB:-}" "$(command -v ferretdb || true)" "$(go env GOPATH 2>/dev/null)/bin/ferretdb"; do
        if [ -n "$c" ] && [ -x "$c" ] && "$c" --version >/dev/null 2>&1; then
            echo "$c"
            return
        fi
    done
    echo "ferretdb: no working FerretDB binary; run scripts/setup.sh" >&2
    return 1
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local dir=$1 bin port
    bin=$(find_bin)
    mkdir -p "$dir/data"
    port=$(free_port)
    "$bin" --handler=sqlite --sqlite-url="file:$dir/data/" --state-dir="$dir" \
        --listen-addr="127.0.0.1:$port" --debug-addr=- --telemetry=disable \
        --log-level=error >"$dir/ferretdb.log" 2>&1 &
    echo $! >"$dir/pid"
    # A loaded test machine can keep FerretDB (SQLite) busy past the driver's default wait.
    echo "mongodb://127.0.0.1:$port/?serverSelectionTimeoutMS=15000" >"$dir/url"
    # Ready once it accepts connections (it listens after opening the backend).
    for _ in $(seq 1 300); do
        if python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
            cat "$dir/url"
            return
        fi
        if ! kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
            echo "ferretdb: exited at start-up:" >&2
            cat "$dir/ferretdb.log" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "ferretdb: not answering on port $port after 30 s" >&2
    return 1
}

stop() {
    local dir=$1 pid
    if [ -f "$dir/pid" ]; then
        pid=$(cat "$dir/pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start "$2" ;;
    stop) stop "$2" ;;
    exec)
        shift
        dir=$(mktemp -d "${TMPDIR:-/tmp}/tsurud-ferretdb.XXXXXX")
        trap 'stop "$dir"' EXIT
        TSURU_TEST_MONGODB_URL=$(start "$dir")
        TSURU_TEST_FERRETDB=$(find_bin)
        export TSURU_TEST_MONGODB_URL TSURU_TEST_FERRETDB
        echo "ferretdb: serving $TSURU_TEST_MONGODB_URL for the tests"
        set +e
        "$@"
        status=$?
        set -e
        exit $status
        ;;
    *)
        sed -n '2,12p' "$0" >&2
        exit 2
        ;;
esac
