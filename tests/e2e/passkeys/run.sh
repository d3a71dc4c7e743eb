#!/usr/bin/env bash
# ctest e2e.TestPasskeyBrowser: the hosted passkey pages in Debian's chromium (browser.js).
#   run.sh GATEHOUSED WORKDIR
# Needs GH_TEST_DATABASE_URL and GH_TEST_REDIS_URL (scripts/test-servers), node/npm and chromium
# (scripts/packages.sh). Installs playwright-core from package-lock.json into WORKDIR with
# npm ci, makes a fresh database, starts three gatehoused on localhost ports, runs browser.js,
# and cleans up whatever happens.
set -euo pipefail

gatehoused=${1:?usage: run.sh GATEHOUSED WORKDIR}
work=${2:?usage: run.sh GATEHOUSED WORKDIR}
here=$(cd "$(dirname "$0")" && pwd)
: "${GH_TEST_DATABASE_URL:?GH_TEST_DATABASE_URL is not set: run through scripts/test or scripts/test-servers}"
: "${GH_TEST_REDIS_URL:?GH_TEST_REDIS_URL is not set}"
command -v node >/dev/null || { echo "node is missing (apt-get install nodejs npm)"; exit 1; }
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "chromium is missing (apt-get install chromium)"; exit 1; }

# playwright-core, exactly as locked; reinstalled only when the lock file changed.
mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules/playwright-core" ]; then
    cp "$here/package.json" "$here/package-lock.json" "$work/"
    (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi

run=$(mktemp -d /tmp/gh-e2e-passkeys.XXXXXX)
database="gh_e2e_passkeys_$(date +%s)_$$"
pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    psql -q "$GH_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    if [ "$status" -ne 0 ]; then
        for log in "$run"/*.log; do echo "--- $log"; tail -n 40 "$log"; done
    fi
    rm -rf "$run"
    exit "$status"
}
trap cleanup EXIT
psql -q "$GH_TEST_DATABASE_URL" -c "CREATE DATABASE $database" >/dev/null
database_url="${GH_TEST_DATABASE_URL%/*}/$database"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME EXTRA-ARGS…: a gatehoused reached as http://localhost:PORT, left in $url.
start() {
    local name=$1; shift
    local port; port=$(free_port)
    mkdir -p "$run/$name"
    env -u GATEHOUSE_CONFIG "$gatehoused" --listen "127.0.0.1:$port" --public-url "http://localhost:$port" \
        --database-url "$database_url" --redis-url "$GH_TEST_REDIS_URL" --data-dir "$run/$name" \
        --workers 2 --rate-limit-auth 100000/10000 --rate-limit-default 100000/10000 \
        --geoip-libloc-database "" "$@" >"$run/$name.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 200); do
        if curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
            url="http://localhost:$port"
            return 0
        fi
        sleep 0.1
    done
    echo "gatehoused $name did not become ready" >&2
    return 1
}

start default; GATEHOUSE_URL=$url
start attesting --webauthn-attestation direct; GATEHOUSE_ATTESTING_URL=$url
start verifying --webauthn-user-verification required; GATEHOUSE_VERIFYING_URL=$url
export GATEHOUSE_URL GATEHOUSE_ATTESTING_URL GATEHOUSE_VERIFYING_URL CHROMIUM="$chromium"
NODE_PATH="$work/node_modules" node "$here/browser.js"
