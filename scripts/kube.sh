#!/usr/bin/env bash
# A real Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler) with kwok's fake nodes, all on loopback, for the Kubernetes provisioner tests.
# Pods are scheduled onto the fake nodes and marked Running by kwok; no container ever runs.
#
#   scripts/kube.sh build          build the binaries into the cache (skipped when present)
#   scripts/kube.sh status         say whether the cached binaries exist, and their versions
#   scripts/kube.sh exec CMD...    start, run CMD with the TSURU_TEST_KUBE_* variables set, stop;
#                                  exits with CMD's status
#   scripts/kube.sh start DIR      start with state in DIR (created); prints the API URL
#   scripts/kube.sh stop DIR       stop the cluster started in DIR and remove DIR
#   scripts/kube.sh selftest       start, run a 2-replica Deployment to Running, stop
#   scripts/kube.sh run            start and wait in the foreground until Ctrl-C (make kube)
#
# Binaries: ${TSURU_KUBE_CACHE:-~/.cache/tsurud-kube}/<versions>/bin, built from the Go module
# proxy by `build` (scripts/setup.sh runs it). Nodes: $TSURU_KUBE_NODES fake nodes (default 2),
# labelled tsuru.io/pool=$TSURU_KUBE_POOL (default kubepool; empty for no pool label). Start-up
# fails after $TSURU_KUBE_TIMEOUT seconds (default 60). exec, selftest and run keep their state
# in /dev/shm when writable, else $TMPDIR (TSURU_KUBE_TMPDIR overrides). exec exports
# TSURU_TEST_KUBE_URL, TSURU_TEST_KUBECONFIG (CA + admin token), TSURU_TEST_KUBE_TOKEN,
# TSURU_TEST_KUBE_CA, TSURU_TEST_KUBE_CLIENT_CERT, TSURU_TEST_KUBE_CLIENT_KEY (admin, group
# system:masters) and TSURU_TEST_KUBE_DIR (which also holds kubeconfig-cert, client-cert auth).
set -euo pipefail

K8S_VERSION=v1.37.2
ETCD_VERSION=v3.7.3
KWOK_VERSION=v0.8.0
CACHE_ROOT=${TSURU_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tsurud-kube}
CACHE=$CACHE_ROOT/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION
BIN=$CACHE/bin
COMPONENTS="kube-apiserver kube-controller-manager kube-scheduler etcd kwok"

# --- build -------------------------------------------------------------------------------------

# True when every binary is in the cache and answers --version.
binaries_work() {
    local c
    for c in $COMPONENTS; do
        [ -x "$BIN/$c" ] && "$BIN/$c" --version >/dev/null 2>&1 || return 1
    done
    [ -f "$CACHE/kwok-stages.yaml" ]
}

module_dir() {
    go mod download -json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["Dir"])'
}

# The Kubernetes commands. `go install k8s.io/kubernetes/cmd/...@version` is refused: that
# module's go.mod replaces every k8s.io staging module with a local path. A wrapper module that
# requires it and points each of those replaces at the published staging module instead
# (v0.X.Y for kubernetes v1.X.Y) builds.
build_kubernetes() {
    local work=$1 out=$2 staging mod
    staging="v0.${K8S_VERSION#v1.}"
    mkdir -p "$work/k8s"
    mod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
    {
        echo "module k8swrapper"
        echo
        echo "go 1.26.0"
        echo
        echo "require k8s.io/kubernetes $K8S_VERSION"
        echo
        echo "replace ("
        sed -n 's#^[[:space:]]*\(k8s\.io/[^[:space:]]*\) => \./staging/.*#\t\1 => \1 '"$staging"'#p' "$mod"
        echo ")"
    } >"$work/k8s/go.mod"
    [ "$(grep -c ' => ' "$work/k8s/go.mod")" -gt 20 ] || {
        echo "kube: found no staging replaces in $mod" >&2
        return 1
    }
    cat >"$work/k8s/tools.go" <<'EOF'
//go:build tools

package k8swrapper

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
EOF
    local major minor ldflags="-s -w" pkg
    major=${K8S_VERSION#v}
    major=${major%%.*}
    minor=${K8S_VERSION#v*.}
    minor=${minor%%.*}
    # Without these the binaries report v0.0.0-master, which clients and version checks dislike.
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
        ldflags="$ldflags -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
        ldflags="$ldflags -X $pkg.gitTreeState=clean"
    done
    (
        cd "$work/k8s"
        go mod tidy
        CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/" \
            k8s.io/kubernetes/cmd/kube-apiserver \
            k8s.io/kubernetes/cmd/kube-controller-manager \
            k8s.io/kubernetes/cmd/kube-scheduler
    )
}

# etcd: its server module's main package is the module root; build it from a wrapper module.
build_etcd() {
    local work=$1 out=$2
    mkdir -p "$work/etcd"
    cat >"$work/etcd/go.mod" <<EOF
module etcdwrapper

go 1.26.0

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
EOF
    cat >"$work/etcd/tools.go" <<'EOF'
//go:build tools

package etcdwrapper

import _ "go.etcd.io/etcd/server/v3"
EOF
    (
        cd "$work/etcd"
        go mod tidy
        CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
    )
}

# kwok installs plainly. Its stages (how fake nodes and pods change status) are not built in:
# they ship as YAML in the module, joined here into one --config file.
build_kwok() {
    local out=$1 stages=$2 src f first=1
    CGO_ENABLED=0 GOBIN=$out go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
    src=$(module_dir "sigs.k8s.io/kwok@$KWOK_VERSION")
    : >"$stages"
    for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
        pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
        [ $first = 1 ] || echo "---" >>"$stages"
        first=0
        cat "$src/kustomize/stage/$f" >>"$stages"
    done
}

build() {
    if binaries_work; then
        echo "kube: binaries present in $BIN"
        return
    fi
    command -v go >/dev/null || { echo "kube: Go is needed to build the control plane" >&2; return 1; }
    mkdir -p "$CACHE_ROOT"
    # One build at a time per cache; a second caller waits and then finds the binaries.
    exec 9>"$CACHE_ROOT/.lock"
    if command -v flock >/dev/null; then
        flock 9
        if binaries_work; then
            echo "kube: binaries present in $BIN (built meanwhile)"
            return
        fi
    fi
    local started tmp work
    started=$(date +%s)
    # Everything goes to a temporary directory beside the cache entry and is renamed into place
    # only when complete: an interrupted build leaves no half-filled cache entry.
    tmp=$(mktemp -d "$CACHE_ROOT/.build.XXXXXX")
    work=$(mktemp -d "${TMPDIR:-/tmp}/tsurud-kube-build.XXXXXX")
    # shellcheck disable=SC2064
    trap "rm -rf '$tmp' '$work'" EXIT
    mkdir -p "$tmp/bin"
    echo "kube: building Kubernetes $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION into $CACHE (about 12 min on 2 cores)"
    local t=$started
    build_kubernetes "$work" "$tmp/bin"
    echo "kube: kube-apiserver, kube-controller-manager, kube-scheduler built in $(($(date +%s) - t))s"
    t=$(date +%s)
    build_etcd "$work" "$tmp/bin"
    echo "kube: etcd built in $(($(date +%s) - t))s"
    t=$(date +%s)
    build_kwok "$tmp/bin" "$tmp/kwok-stages.yaml"
    echo "kube: kwok built in $(($(date +%s) - t))s"
    local c
    for c in $COMPONENTS; do
        "$tmp/bin/$c" --version >/dev/null 2>&1 || {
            echo "kube: the $c build does not run:" >&2
            "$tmp/bin/$c" --version >&2 || true
            return 1
        }
    done
    printf 'kubernetes %s\netcd %s\nkwok %s\n' "$K8S_VERSION" "$ETCD_VERSION" "$KWOK_VERSION" >"$tmp/versions"
    rm -rf "$CACHE"
    mv -T "$tmp" "$CACHE"
    echo "kube: built in $(($(date +%s) - started))s: $BIN"
}

status() {
    local c v ok=0
    echo "kube: cache $CACHE"
    for c in $COMPONENTS; do
        if [ -x "$BIN/$c" ] && v=$("$BIN/$c" --version 2>&1); then
            printf '  %-24s %s\n' "$c" "$(echo "$v" | tr '\n' ' ' | sed 's/ *$//')"
        else
            printf '  %-24s missing (run scripts/kube.sh build)\n' "$c"
            ok=1
        fi
    done
    [ -f "$CACHE/kwok-stages.yaml" ] || { echo "  kwok-stages.yaml missing"; ok=1; }
    return $ok
}

# --- start and stop ----------------------------------------------------------------------------

# Quicker than binaries_work (no --version runs), for every start.
need_binaries() {
    local c missing=""
    for c in $COMPONENTS; do [ -x "$BIN/$c" ] || missing="$missing $c"; done
    [ -f "$CACHE/kwok-stages.yaml" ] || missing="$missing kwok-stages.yaml"
    [ -z "$missing" ] || {
        echo "kube: missing from $CACHE:$missing; run scripts/kube.sh build (scripts/setup.sh does)" >&2
        return 1
    }
    local tool
    for tool in curl openssl python3; do
        command -v "$tool" >/dev/null || { echo "kube: $tool is needed" >&2; return 1; }
    done
}

# N distinct free loopback ports, held together while they are picked so that none repeats.
free_ports() {
    python3 -c '
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
' "$1"
}

# Certificates, with EC P-256 keys (fast to make). The CA signs the API server's serving
# certificate and the admin's client certificate; the service-account key pair signs tokens.
make_pki() {
    local pki=$1
    mkdir -p "$pki"
    (
        cd "$pki"
        key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
        key ca.key
        openssl req -x509 -new -key ca.key -sha256 -days 3650 -subj "/CN=tsurud-kube-ca" \
            -addext "basicConstraints=critical,CA:TRUE" \
            -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" -out ca.crt 2>/dev/null
        # cert NAME SUBJECT EXTENSIONS
        cert() {
            key "$1.key"
            openssl req -new -key "$1.key" -subj "$2" -out "$1.csr" 2>/dev/null
            printf '%s\n' "$3" >"$1.ext"
            openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 \
                -days 3650 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
            rm -f "$1.csr" "$1.ext"
        }
        cert apiserver "/CN=kube-apiserver" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:10.96.0.1"
        cert admin "/O=system:masters/CN=admin" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
        key sa.key
        openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
    )
}

# kubeconfig FILE URL [token TOKEN | cert CRT KEY]: one cluster, one user, one context, with the
# CA and credentials embedded so the file can be copied anywhere.
write_kubeconfig() {
    local file=$1 url=$2 kind=$3 ca user
    ca=$(base64 -w0 <"$DIR/ca.crt")
    if [ "$kind" = token ]; then
        user="    token: $4"
    else
        user="    client-certificate-data: $(base64 -w0 <"$4")
    client-key-data: $(base64 -w0 <"$5")"
    fi
    cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: tsurud-kube
  cluster:
    server: $url
    certificate-authority-data: $ca
users:
- name: admin
  user:
$user
contexts:
- name: tsurud-kube
  context:
    cluster: tsurud-kube
    user: admin
    namespace: default
current-context: tsurud-kube
EOF
    chmod 600 "$file"
}

# Starts NAME in the background with its output in $DIR/logs/NAME.log and records its pid.
launch() {
    local name=$1
    shift
    "$@" </dev/null >"$DIR/logs/$name.log" 2>&1 &
    echo "$name $!" >>"$DIR/pids"
    # stop reports on them; the shell need not (no "Killed" lines).
    disown $!
}

pid_of() { awk -v n="$1" '$1 == n { print $2 }' "$DIR/pids"; }

fail() {
    local name=$1
    shift
    echo "kube: $*" >&2
    if [ -f "$DIR/logs/$name.log" ]; then
        echo "kube: last lines of $DIR/logs/$name.log:" >&2
        tail -n 30 "$DIR/logs/$name.log" >&2
    fi
    kill_all
    return 1
}

# wait_for NAME WHAT CMD...: runs CMD until it succeeds; fails (with NAME's log) when NAME's
# process exits or the start-up deadline passes.
wait_for() {
    local name=$1 what=$2 pid
    shift 2
    pid=$(pid_of "$name")
    while ! "$@" >/dev/null 2>&1; do
        if ! kill -0 "$pid" 2>/dev/null; then
            fail "$name" "$name exited while waiting for $what"
            return 1
        fi
        if [ "${EPOCHREALTIME%.*}" -ge "$DEADLINE" ]; then
            fail "$name" "timed out after ${TIMEOUT}s waiting for $what"
            return 1
        fi
        sleep 0.1
    done
    echo "$(elapsed "$T0") $what" >>"$DIR/timings"
}

# Seconds since the bash $EPOCHREALTIME value $1, to 0.1 s.
elapsed() {
    python3 -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$EPOCHREALTIME"
}

# api METHOD PATH [JSON]: a request to the API server as the admin; prints the body, fails on
# an HTTP error (printing the body to stderr).
api() {
    local method=$1 path=$2 out code
    out=$(mktemp)
    code=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" --cacert "$DIR/ca.crt" \
        -H "Authorization: Bearer $(cat "$DIR/token")" -H 'Content-Type: application/json' \
        ${3:+--data-binary "$3"} "$(cat "$DIR/url")$path") || code=000
    if [ "${code:0:1}" != 2 ]; then
        { echo "kube: $method $path: HTTP $code"; cat "$out"; echo; } >&2
        rm -f "$out"
        return 1
    fi
    cat "$out"
    rm -f "$out"
}

# Reads an API object (JSON) on stdin and runs a Python expression on it (bound to `o`);
# succeeds when the expression is true.
json_check() {
    python3 -c 'import json,sys; o=json.load(sys.stdin); sys.exit(0 if eval(sys.argv[1]) else 1)' "$1"
}

nodes_ready() {
    api GET "/api/v1/nodes?labelSelector=kwok.x-k8s.io%2Fnode%3Dfake" | json_check "
sum(1 for n in o['items'] if any(c['type'] == 'Ready' and c['status'] == 'True'
    for c in n['status'].get('conditions', []))) >= $1"
}

node_json() {
    local name=$1 pool=$2 labels
    labels="\"kubernetes.io/hostname\": \"$name\", \"kubernetes.io/os\": \"linux\", \"kubernetes.io/arch\": \"amd64\", \"type\": \"kwok\", \"kwok.x-k8s.io/node\": \"fake\""
    [ -z "$pool" ] || labels="$labels, \"tsuru.io/pool\": \"$pool\""
    cat <<EOF
{"apiVersion": "v1", "kind": "Node",
 "metadata": {"name": "$name", "annotations": {"kwok.x-k8s.io/node": "fake"}, "labels": {$labels}},
 "spec": {},
 "status": {
  "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": "$name"}],
  "allocatable": {"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "1Ti"},
  "capacity": {"cpu": "32", "memory": "256Gi", "pods": "110", "ephemeral-storage": "1Ti"},
  "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux", "kubeletVersion": "$K8S_VERSION-kwok"}}}
EOF
}

# True while PID runs as the component NAME (not exited, not a zombie, not a reused pid).
alive() {
    local pid=$1 name=$2 state
    state=$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
    [ -n "$state" ] && [ "$state" != Z ] || return 1
    tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline" | head -n 1 | grep -q "/$name\$"
}

# term_wait SECONDS NAME PID...: TERM to each, then wait up to SECONDS for all to exit; KILL the
# rest.
term_wait() {
    local secs=$1 pid name left
    shift
    left=""
    while [ $# -ge 2 ]; do
        if alive "$2" "$1"; then
            kill "$2" 2>/dev/null || true
            left="$left $1:$2"
        fi
        shift 2
    done
    local i
    for i in $(seq 1 $((secs * 10))); do
        local still=""
        for pid in $left; do alive "${pid#*:}" "${pid%%:*}" && still="$still $pid"; done
        left=$still
        [ -n "$left" ] || return 0
        sleep 0.1
    done
    for pid in $left; do
        echo "kube: ${pid%%:*} (pid ${pid#*:}) did not stop on TERM within ${secs}s; killing it" >&2
        kill -9 "${pid#*:}" 2>/dev/null || true
    done
}

kill_all() {
    [ -f "$DIR/pids" ] || return 0
    # The clients of etcd first: with the API server's watches open, etcd's own shutdown waits.
    # shellcheck disable=SC2046
    term_wait 10 $(awk '$1 != "etcd" { print $1, $2 }' "$DIR/pids")
    # shellcheck disable=SC2046
    term_wait 5 $(awk '$1 == "etcd" { print $1, $2 }' "$DIR/pids")
    rm -f "$DIR/pids"
}

start() {
    DIR=$1
    need_binaries
    mkdir -p "$DIR"
    DIR=$(cd "$DIR" && pwd)
    TIMEOUT=${TSURU_KUBE_TIMEOUT:-60}
    DEADLINE=$((${EPOCHREALTIME%.*} + TIMEOUT))
    T0=$EPOCHREALTIME
    local nodes=${TSURU_KUBE_NODES:-2} pool=${TSURU_KUBE_POOL-kubepool}
    local etcd_client etcd_peer apiserver cm scheduler kwok url i
    read -r etcd_client etcd_peer apiserver cm scheduler kwok <<<"$(free_ports 6)"
    mkdir -p "$DIR/logs"
    mkdir -m 700 "$DIR/etcd"
    : >"$DIR/pids"
    : >"$DIR/timings"
    # etcd needs no certificates: it starts while they are made.
    launch etcd "$BIN/etcd" --name tsurud-kube --data-dir "$DIR/etcd" \
        --listen-client-urls "http://127.0.0.1:$etcd_client" \
        --advertise-client-urls "http://127.0.0.1:$etcd_client" \
        --listen-peer-urls "http://127.0.0.1:$etcd_peer" \
        --initial-advertise-peer-urls "http://127.0.0.1:$etcd_peer" \
        --initial-cluster "tsurud-kube=http://127.0.0.1:$etcd_peer" \
        --unsafe-no-fsync --log-level warn
    make_pki "$DIR/pki"
    echo "$(elapsed "$T0") certificates" >>"$DIR/timings"
    cp "$DIR/pki/ca.crt" "$DIR/pki/admin.crt" "$DIR/pki/admin.key" "$DIR/"
    url="https://127.0.0.1:$apiserver"
    echo "$url" >"$DIR/url"
    # Static bearer tokens: the admin's, and one per component; all in system:masters.
    local tokens
    tokens=$(python3 -c 'import secrets; print(" ".join(secrets.token_hex(24) for _ in range(4)))')
    # shellcheck disable=SC2086
    set -- $tokens
    echo "$1" >"$DIR/token"
    chmod 600 "$DIR/token" "$DIR/admin.key"
    {
        echo "$1,admin,admin,system:masters"
        echo "$2,system:kube-controller-manager,kube-controller-manager,system:masters"
        echo "$3,system:kube-scheduler,kube-scheduler,system:masters"
        echo "$4,system:kwok,kwok,system:masters"
    } >"$DIR/pki/tokens.csv"
    write_kubeconfig "$DIR/pki/kube-controller-manager.kubeconfig" "$url" token "$2"
    write_kubeconfig "$DIR/pki/kube-scheduler.kubeconfig" "$url" token "$3"
    write_kubeconfig "$DIR/pki/kwok.kubeconfig" "$url" token "$4"
    write_kubeconfig "$DIR/kubeconfig" "$url" token "$(cat "$DIR/token")"
    write_kubeconfig "$DIR/kubeconfig-cert" "$url" cert "$DIR/admin.crt" "$DIR/admin.key"

    launch kube-apiserver "$BIN/kube-apiserver" \
        --etcd-servers "http://127.0.0.1:$etcd_client" \
        --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$apiserver" \
        --tls-cert-file "$DIR/pki/apiserver.crt" --tls-private-key-file "$DIR/pki/apiserver.key" \
        --client-ca-file "$DIR/pki/ca.crt" \
        --token-auth-file "$DIR/pki/tokens.csv" \
        --authorization-mode RBAC \
        --service-account-issuer https://kubernetes.default.svc.cluster.local \
        --service-account-key-file "$DIR/pki/sa.pub" \
        --service-account-signing-key-file "$DIR/pki/sa.key" \
        --service-cluster-ip-range 10.96.0.0/16 \
        --endpoint-reconciler-type none \
        --allow-privileged=true \
        --requestheader-client-ca-file "$DIR/pki/ca.crt" \
        --requestheader-allowed-names front-proxy-client \
        --requestheader-username-headers X-Remote-User \
        --requestheader-group-headers X-Remote-Group \
        --requestheader-extra-headers-prefix X-Remote-Extra-
    # kwok waits for the API server by itself; the controller-manager and the scheduler exit
    # when it does not answer yet, so they start once it is ready.
    launch kwok "$BIN/kwok" \
        --kubeconfig "$DIR/pki/kwok.kubeconfig" \
        --config "$CACHE/kwok-stages.yaml" \
        --manage-all-nodes=true --node-ip 127.0.0.1 --cidr 10.244.0.0/16 \
        --server-address "127.0.0.1:$kwok"

    wait_for etcd "etcd /health" curl -sf "http://127.0.0.1:$etcd_client/health"
    wait_for kube-apiserver "kube-apiserver /readyz" \
        curl -sf --cacert "$DIR/ca.crt" -H "Authorization: Bearer $(cat "$DIR/token")" "$url/readyz"
    # The fake nodes cannot fail, but kwok can be starved of CPU on a busy machine and renew
    # their leases late. With the default grace period (50 s) the node lifecycle controller then
    # marks the nodes NotReady and every pod on them not ready, and kwok never makes those pods
    # ready again, so every later rollout stalls. An hour's grace keeps the nodes Ready.
    launch kube-controller-manager "$BIN/kube-controller-manager" \
        --kubeconfig "$DIR/pki/kube-controller-manager.kubeconfig" \
        --authentication-kubeconfig "$DIR/pki/kube-controller-manager.kubeconfig" \
        --authorization-kubeconfig "$DIR/pki/kube-controller-manager.kubeconfig" \
        --bind-address 127.0.0.1 --secure-port "$cm" \
        --leader-elect=false --controllers '*' \
        --node-monitor-grace-period 1h \
        --root-ca-file "$DIR/pki/ca.crt" \
        --service-account-private-key-file "$DIR/pki/sa.key" \
        --cluster-signing-cert-file "$DIR/pki/ca.crt" --cluster-signing-key-file "$DIR/pki/ca.key"
    launch kube-scheduler "$BIN/kube-scheduler" \
        --kubeconfig "$DIR/pki/kube-scheduler.kubeconfig" \
        --authentication-kubeconfig "$DIR/pki/kube-scheduler.kubeconfig" \
        --authorization-kubeconfig "$DIR/pki/kube-scheduler.kubeconfig" \
        --bind-address 127.0.0.1 --secure-port "$scheduler" \
        --leader-elect=false
    for i in $(seq 1 "$nodes"); do
        api POST /api/v1/nodes "$(node_json "kwok-node-$i" "$pool")" >/dev/null ||
            fail kube-apiserver "could not create node kwok-node-$i"
    done
    wait_for kube-controller-manager "kube-controller-manager /healthz" \
        curl -sfk "https://127.0.0.1:$cm/healthz"
    wait_for kube-scheduler "kube-scheduler /healthz" curl -sfk "https://127.0.0.1:$scheduler/healthz"
    wait_for kwok "kwok /healthz" curl -sf "http://127.0.0.1:$kwok/healthz"
    # Pods are refused in a namespace until its default ServiceAccount exists.
    wait_for kube-controller-manager "the default ServiceAccount in namespace default" \
        api GET /api/v1/namespaces/default/serviceaccounts/default
    wait_for kwok "$nodes fake nodes Ready" nodes_ready "$nodes"
    echo "$etcd_client $apiserver $cm $scheduler $kwok" >"$DIR/ports"
    elapsed "$T0" >"$DIR/start-seconds"
    echo "$url"
}

stop() {
    DIR=$1
    [ -d "$DIR" ] || return 0
    kill_all
    rm -rf "$DIR"
}

# Runs in an environment where start has set DIR: a 2-replica Deployment must have 2 pods
# Running on the fake nodes within 10 s; then it is deleted.
selfcheck() {
    local deploy t0 elapsed
    deploy='{"apiVersion": "apps/v1", "kind": "Deployment",
 "metadata": {"name": "kube-selftest", "namespace": "default"},
 "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "kube-selftest"}},
  "template": {"metadata": {"labels": {"app": "kube-selftest"}},
   "spec": {"containers": [{"name": "main", "image": "busybox", "command": ["sleep", "3600"]}]}}}}'
    t0=$EPOCHREALTIME
    api POST /apis/apps/v1/namespaces/default/deployments "$deploy" >/dev/null
    local deadline=$((${EPOCHREALTIME%.*} + 10))
    until api GET "/api/v1/namespaces/default/pods?labelSelector=app%3Dkube-selftest" | json_check "
len([p for p in o['items'] if p['status'].get('phase') == 'Running'
     and p['spec'].get('nodeName', '').startswith('kwok-node-')]) == 2"; do
        if [ "${EPOCHREALTIME%.*}" -ge "$deadline" ]; then
            echo "kube: selftest: 2 Running pods not seen within 10 s; pods:" >&2
            api GET "/api/v1/namespaces/default/pods?labelSelector=app%3Dkube-selftest" >&2 || true
            return 1
        fi
        sleep 0.1
    done
    elapsed=$(python3 -c 'import sys; print("%.2f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$t0" "$EPOCHREALTIME")
    echo "kube: selftest: 2 pods Running on kwok nodes ${elapsed}s after the Deployment was created"
    api GET "/api/v1/namespaces/default/pods?labelSelector=app%3Dkube-selftest" | python3 -c '
import json, sys
for p in json.load(sys.stdin)["items"]:
    print("  %s %s on %s, podIP %s" % (p["metadata"]["name"], p["status"]["phase"], p["spec"]["nodeName"], p["status"].get("podIP")))'
    api DELETE /apis/apps/v1/namespaces/default/deployments/kube-selftest \
        '{"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Foreground"}' >/dev/null
    deadline=$((${EPOCHREALTIME%.*} + 10))
    until api GET "/api/v1/namespaces/default/pods?labelSelector=app%3Dkube-selftest" | json_check "len(o['items']) == 0" &&
        ! api GET /apis/apps/v1/namespaces/default/deployments/kube-selftest >/dev/null 2>&1; do
        if [ "${EPOCHREALTIME%.*}" -ge "$deadline" ]; then
            echo "kube: selftest: the Deployment and its pods were not gone within 10 s after delete" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "kube: selftest: Deployment deleted, its pods gone"
}

# The sum of the components' resident memory, in MiB.
rss_mib() {
    local total=0 pid kb
    for pid in $(awk '{ print $2 }' "$DIR/pids"); do
        kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
        total=$((total + ${kb:-0}))
    done
    echo $((total / 1024))
}

stop_temp() {
    [ -z "${SLEEP_PID:-}" ] || kill "$SLEEP_PID" 2>/dev/null || true
    stop "$TEMP_DIR"
}

# Start in a fresh temporary directory, stopped whatever way the script ends.
start_temp() {
    # In memory (/dev/shm) when possible: etcd and the certificates then never wait on a disk
    # that other builds keep busy. TSURU_KUBE_TMPDIR chooses another place.
    local base=${TSURU_KUBE_TMPDIR:-}
    if [ -z "$base" ]; then
        base=${TMPDIR:-/tmp}
        [ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
    fi
    TEMP_DIR=$(mktemp -d "$base/tsurud-kube.XXXXXX")
    trap 'stop_temp' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    start "$TEMP_DIR" >/dev/null
}

# After a failed test command: what the cluster looked like, so that a failure that depends on
# the cluster (a node gone NotReady, a pod never scheduled, a component that died) says so.
report() {
    echo "kube: the tests failed; the cluster as it is now:" >&2
    local name pid
    while read -r name pid; do
        kill -0 "$pid" 2>/dev/null || echo "kube:   $name (pid $pid) is not running" >&2
    done <"$DIR/pids"
    api GET /api/v1/nodes | python3 -c '
import json, sys
for n in json.load(sys.stdin)["items"]:
    ready = [c for c in n["status"].get("conditions", []) if c["type"] == "Ready"]
    state = ready[0]["status"] + " " + ready[0].get("reason", "") if ready else "no Ready condition"
    print("kube:   node %s: Ready %s, taints %s" % (n["metadata"]["name"], state, n["spec"].get("taints", [])))
' >&2 || true
    api GET /api/v1/pods | python3 -c '
import json, sys
pods = json.load(sys.stdin)["items"]
print("kube:   %d pods" % len(pods))
for p in pods:
    ready = [c["status"] for c in p["status"].get("conditions", []) if c["type"] == "Ready"]
    if p["status"].get("phase") != "Running" or ready != ["True"]:
        print("kube:   pod %s/%s on %r: %s, Ready %s" % (p["metadata"]["namespace"], p["metadata"]["name"],
              p["spec"].get("nodeName", ""), p["status"].get("phase"), ready))
' >&2 || true
    for name in kwok kube-controller-manager kube-scheduler; do
        echo "kube:   last lines of $name's log:" >&2
        tail -n 10 "$DIR/logs/$name.log" | sed 's/^/kube:     /' >&2 || true
    done
}

export_env() {
    export TSURU_TEST_KUBE_DIR=$DIR
    export TSURU_TEST_KUBECONFIG=$DIR/kubeconfig
    export TSURU_TEST_KUBE_URL
    TSURU_TEST_KUBE_URL=$(cat "$DIR/url")
    export TSURU_TEST_KUBE_TOKEN
    TSURU_TEST_KUBE_TOKEN=$(cat "$DIR/token")
    export TSURU_TEST_KUBE_CA=$DIR/ca.crt
    export TSURU_TEST_KUBE_CLIENT_CERT=$DIR/admin.crt
    export TSURU_TEST_KUBE_CLIENT_KEY=$DIR/admin.key
}

case "${1:-}" in
    build) build ;;
    status) status ;;
    start) start "$2" ;;
    stop) stop "$2" ;;
    exec)
        shift
        [ $# -gt 0 ] || { echo "kube: exec needs a command" >&2; exit 2; }
        start_temp
        export_env
        echo "kube: Kubernetes $K8S_VERSION at $TSURU_TEST_KUBE_URL for the tests (ready in $(cat "$DIR/start-seconds")s; kubeconfig $TSURU_TEST_KUBECONFIG)"
        set +e
        "$@"
        status=$?
        set -e
        [ "$status" = 0 ] || report
        exit $status
        ;;
    selftest)
        start_temp
        echo "kube: ready in $(cat "$DIR/start-seconds")s at $(cat "$DIR/url"), $(rss_mib) MiB resident"
        selfcheck
        ;;
    run)
        # For manual use (make kube): a cluster in the foreground until Ctrl-C.
        start_temp
        export_env
        echo "kube: Kubernetes $K8S_VERSION ready in $(cat "$DIR/start-seconds")s at $TSURU_TEST_KUBE_URL"
        echo "kube: KUBECONFIG=$TSURU_TEST_KUBECONFIG (token; client certificate: $DIR/kubeconfig-cert)"
        echo "kube: Ctrl-C stops it and removes $DIR"
        # A waited-for background sleep: the shell acts on Ctrl-C at once, not when it ends.
        while true; do
            sleep 3600 &
            SLEEP_PID=$!
            wait "$SLEEP_PID" || true
        done
        ;;
    *)
        sed -n '2,22p' "$0" >&2
        exit 2
        ;;
esac
