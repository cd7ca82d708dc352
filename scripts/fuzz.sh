#!/usr/bin/env bash
# Fuzzes a running tsurud with schemathesis, seeded so failures reproduce:
#   1. our /openapi.json, as the admin, every operation except the two that end the admin's
#      session (logout, remove the caller), with FUZZ_EXAMPLES examples per operation;
#   2. those two, with a throw-away user's token;
#   3. our document again on a server holding one of everything (team, pool, plan, platform,
#      app, role, webhook, team token), path parameters and key body fields mostly drawn from
#      their names (scripts/fuzz-data.toml), so operations get past 404 to their real work;
#   4. tsuru's own Swagger file (../shared/reference/tsuru-api-v1.15.yaml), cut down to the
#      operations we serve, with its known path typos and wrongly non-nullable fields corrected
#      (docs/openapi.md).
# Checks: no 5xx, responses match their documented status, content type, headers and schema.
# Fails when any check fails or when fewer than FUZZ_MIN_REQUESTS requests were sent in total.
#
#   FUZZ_SEED=7 FUZZ_EXAMPLES=50 bash scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SEED=${FUZZ_SEED:-20251128}
EXAMPLES=${FUZZ_EXAMPLES:-40}
MIN_REQUESTS=${FUZZ_MIN_REQUESTS:-2000}
REFERENCE=${FUZZ_REFERENCE:-../shared/reference/tsuru-api-v1.15.yaml}
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance
# tsuru's file documents JSON errors and few status codes; see docs/openapi.md.
REFERENCE_CHECKS=not_a_server_error,response_schema_conformance

command -v st >/dev/null || { echo "fuzz: schemathesis (st) is missing; run scripts/setup.sh" >&2; exit 1; }

WORK=$(mktemp -d)
# A copy of the binary just built: a shared CARGO_TARGET_DIR may be rebuilt by another
# checkout while this runs.
${CARGO:-cargo} build --quiet -p tsuru-api --bin tsurud
cp "${CARGO_TARGET_DIR:-target}/debug/tsurud" "$WORK/tsurud"
TSURUD="$WORK/tsurud"
SERVER_PID=
stop_server() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    SERVER_PID=
}
cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT

# start_server NAME: a fresh dev server on a free port (each run starts from a clean store, as
# a run may take the admin's role away); its banner gives URL and an admin TOKEN.
start_server() {
    stop_server
    env $(env | grep -o '^TSURU_[A-Z_]*' | sed 's/^/-u /') \
        TSURU_LISTEN=127.0.0.1:0 TSURU_ADMIN_EMAIL=admin@example.com TSURU_ADMIN_PASSWORD=admin-password \
        TSURU_AUTH__HASH_COST=4 TSURU_AUTH__MAX_FAILED_LOGINS=1000000 TSURU_LOG__FORMAT=json RUST_LOG=warn \
        "$TSURUD" api --dev >"$WORK/$1.banner" 2>"$WORK/$1.server.log" &
    SERVER_PID=$!
    for _ in $(seq 100); do grep -q 'TSURU_TOKEN=' "$WORK/$1.banner" 2>/dev/null && break; sleep 0.1; done
    URL=$(head -1 "$WORK/$1.banner" | awk '{print $NF}')
    TOKEN=$(grep -o 'TSURU_TOKEN=[^ ]*' "$WORK/$1.banner" | head -1 | cut -d= -f2)
    [ -n "$URL" ] && [ -n "$TOKEN" ] || { echo "fuzz: tsurud did not start" >&2; cat "$WORK/$1.server.log" >&2; exit 1; }
}

TOTAL=0
FAILED=0
start=$(date +%s)

# run NAME SCHEMA TOKEN CHECKS ARGS...: one schemathesis run, counting the requests it sent
# (ST_CONFIG: a schemathesis.toml for it).
ST_CONFIG=
run() {
    local name=$1 schema=$2 token=$3 checks=$4
    shift 4
    echo "fuzz: $name"
    local rc=0
    st ${ST_CONFIG:+--config-file "$ST_CONFIG"} run "$schema" -H "Authorization: bearer $token" --seed "$SEED" --max-examples "$EXAMPLES" \
        --checks "$checks" --generation-database none --no-color --workers 1 \
        --report ndjson --report-ndjson-path "$WORK/$name.ndjson" "$@" >"$WORK/$name.log" 2>&1 || rc=$?
    local n
    n=$(python3 - "$WORK/$name.ndjson" <<'EOF'
import json, os, sys
n = 0
for line in open(sys.argv[1]) if os.path.exists(sys.argv[1]) else []:
    event = json.loads(line)
    if "ScenarioFinished" in event:
        n += len(event["ScenarioFinished"]["recorder"].get("interactions", {}))
print(n)
EOF
)
    TOTAL=$((TOTAL + n))
    sed -n '/^=* SUMMARY/,$p' "$WORK/$name.log" | grep -v '^\s*$' | sed 's/^/    /' || true
    echo "    requests: $n"
    if [ "$rc" -ne 0 ]; then
        FAILED=1
        echo "fuzz: $name FAILED (exit $rc); the full report:" >&2
        cat "$WORK/$name.log" >&2
    fi
}

start_server ours
run ours "$URL/openapi.json" "$TOKEN" "$CHECKS" \
    --exclude-operation-id delete_1_0_users_tokens --exclude-operation-id delete_1_0_users

# A throw-away user for the operations that end the caller's session or account.
start_server ours-session-enders
curl -sf -o /dev/null -H "Authorization: bearer $TOKEN" -d email=fuzz@example.com -d password=fuzz-password "$URL/1.0/users"
USER_TOKEN=$(curl -sf -d email=fuzz@example.com -d password=fuzz-password "$URL/1.0/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
# No stateful phase: no link leads to these two.
run ours-session-enders "$URL/openapi.json" "$USER_TOKEN" "$CHECKS" \
    --include-operation-id delete_1_0_users_tokens --include-operation-id delete_1_0_users \
    --phases examples,coverage,fuzzing

# seed_data: one of everything, named as scripts/fuzz-data.toml expects.
seed_data() {
    local auth="Authorization: bearer $TOKEN" status
    printf 'FROM tsuru/base\nRUN true\n' >"$WORK/Dockerfile"
    while read -r path args; do
        # shellcheck disable=SC2086 # curl options, split on purpose
        status=$(curl -s -o "$WORK/seed.out" -w '%{http_code}' -H "$auth" $args "$URL$path")
        case "$status" in
        2??) ;;
        *)
            echo "fuzz: seeding $path failed ($status): $(cat "$WORK/seed.out")" >&2
            exit 1
            ;;
        esac
    done <<SEED
/1.0/teams -d name=fuzz
/1.0/pools -d name=fuzz-pool
/1.0/plans -d name=fuzz-plan -d memory=64M -d cpumilli=100
/1.0/platforms -F name=fuzz-platform -F dockerfile_content=@$WORK/Dockerfile
/1.0/apps -d name=fuzz-app -d teamOwner=fuzz -d platform=fuzz-platform
/1.0/apps/fuzz-app/env -d Envs.0.Name=FOO -d Envs.0.Value=1 -d NoRestart=true
/1.0/roles -d name=fuzz-role -d context=team
/1.6/events/webhooks -d name=fuzz-hook -d team_owner=fuzz -d url=http://127.0.0.1:9/
/1.6/tokens -d token_id=fuzz-token -d team=fuzz
SEED
    # A cluster is connected to when added: the control plane `scripts/kube.sh exec` started.
    if [ -z "${TSURU_TEST_KUBE_URL:-}" ]; then
        echo "fuzz: no Kubernetes control plane (run under scripts/kube.sh exec, as make fuzz does)" >&2
        exit 1
    fi
    python3 - >"$WORK/cluster.json" <<'PY'
import base64, json, os
ca = base64.b64encode(open(os.environ["TSURU_TEST_KUBE_CA"], "rb").read()).decode()
print(json.dumps({"name": "fuzz-cluster", "provisioner": "kubernetes", "pools": ["fuzz-pool"],
                  "addresses": [os.environ["TSURU_TEST_KUBE_URL"]], "cacert": ca,
                  "custom_data": {"token": os.environ["TSURU_TEST_KUBE_TOKEN"],
                                  "namespace": "fuzz"}}))
PY
    status=$(curl -s -o "$WORK/seed.out" -w '%{http_code}' -H "$auth" \
        -H Content-Type:application/json --data-binary "@$WORK/cluster.json" \
        "$URL/1.3/provisioner/clusters")
    case "$status" in
    2??) ;;
    *)
        echo "fuzz: seeding /1.3/provisioner/clusters failed ($status): $(cat "$WORK/seed.out")" >&2
        exit 1
        ;;
    esac
}

start_server ours-with-data
seed_data
ST_CONFIG=scripts/fuzz-data.toml
run ours-with-data "$URL/openapi.json" "$TOKEN" "$CHECKS" \
    --exclude-operation-id delete_1_0_users_tokens --exclude-operation-id delete_1_0_users
ST_CONFIG=

if [ -f "$REFERENCE" ]; then
    start_server reference
    # tsuru's Swagger file, cut down to what we serve (matched by method and path shape).
    curl -sf "$URL/openapi.json" >"$WORK/ours.json"
    python3 - "$REFERENCE" "$WORK/ours.json" "$WORK/reference.yaml" <<'EOF'
import json, re, sys
import yaml

reference = yaml.safe_load(open(sys.argv[1]))
ours = json.load(open(sys.argv[2]))
shape = lambda p: re.sub(r"\{[^}]*\}", "{}", p)
served = {(m, shape(p)) for p, item in ours["paths"].items() for m in item}
# Every route also answers bare: tsuru's file has `/pools/{pool}`.
bare = lambda p: re.sub(r"^/[0-9.]+/", "/", p)
served |= {(m, shape(bare(p))) for p, item in ours["paths"].items() for m in item}
# Typos in tsuru's file (docs/openapi.md): the paths tsuru really serves.
typos = {"/1,0/roles/": "/1.0/roles/", "/1.0/roles{role_name}": "/1.0/roles/{role_name}"}
paths = {}
for path, item in reference["paths"].items():
    for bad, good in typos.items():
        path = path.replace(bad, good)
    ops = {m: op for m, op in item.items() if (m, shape(path)) in served}
    if ops:
        if "parameters" in item:
            ops["parameters"] = item["parameters"]
        paths.setdefault(path, {}).update(ops)
reference["paths"] = paths
# Values tsuru itself sends as null where its file says otherwise (docs/openapi.md).
nulls = {"PlanOverride": ["memory", "cpumilli"], "Pool": ["teams"],
         "Cluster": ["cacert", "clientcert", "clientkey"]}
for name, props in nulls.items():
    for prop in props:
        reference["definitions"][name]["properties"][prop]["x-nullable"] = True
yaml.safe_dump(reference, open(sys.argv[3], "w"))
print(f"    {sum(len([m for m in i if m != 'parameters']) for i in paths.values())} operations of tsuru's file are ours")
EOF
    run reference "$WORK/reference.yaml" "$TOKEN" "$REFERENCE_CHECKS" --url "$URL" \
        --exclude-path /1.0/users/tokens --exclude-operation-id UserDelete
else
    echo "fuzz: $REFERENCE not found; the run against tsuru's own file was skipped" >&2
    [ -z "${CI:-}" ] || FAILED=1
fi

echo "fuzz: $TOTAL requests in $(( $(date +%s) - start ))s, seed $SEED"
if [ "$TOTAL" -lt "$MIN_REQUESTS" ]; then
    echo "fuzz: expected at least $MIN_REQUESTS requests" >&2
    FAILED=1
fi
stop_server
# grep reads the files itself: `cat | grep -q` under pipefail fails (cat's SIGPIPE) exactly
# when an error line comes early in a long log, and the errors went unnoticed.
if grep -q '"level":"ERROR"\|panicked' "$WORK"/*.server.log; then
    echo "fuzz: tsurud logged errors:" >&2
    grep -h '"level":"ERROR"\|panicked' "$WORK"/*.server.log | head -20 >&2 || true
    FAILED=1
fi
exit "$FAILED"
