#!/usr/bin/env bash
# ctest e2e.TestTotpBrowser: the hosted TOTP sign-up and sign-in pages in Debian's chromium
# (browser.js).
#   run.sh GATEHOUSED WORKDIR
# Needs GH_TEST_DATABASE_URL and GH_TEST_REDIS_URL (scripts/test-servers), node/npm and chromium
# (scripts/packages.sh). Installs playwright-core from package-lock.json into WORKDIR with
# npm ci, makes a fresh database, starts one gatehoused on a localhost port, runs browser.js,
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

run=$(mktemp -d /tmp/gh-e2e-totp.XXXXXX)
database="gh_e2e_totp_$(date +%s)_$$"
pid=
cleanup() {
    local status=$?
    if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
    psql -q "$GH_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    if [ "$status" -ne 0 ] && [ -f "$run/gatehoused.log" ]; then echo "--- gatehoused.log"; tail -n 40 "$run/gatehoused.log"; fi
    rm -rf "$run"
    exit "$status"
}
trap cleanup EXIT
psql -q "$GH_TEST_DATABASE_URL" -c "CREATE DATABASE $database" >/dev/null
database_url="${GH_TEST_DATABASE_URL%/*}/$database"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env -u GATEHOUSE_CONFIG "$gatehoused" --listen "127.0.0.1:$port" --public-url "http://localhost:$port" \
    --database-url "$database_url" --redis-url "$GH_TEST_REDIS_URL" --data-dir "$run/data" \
    --workers 2 --rate-limit-auth 100000/10000 --rate-limit-default 100000/10000 \
    --geoip-libloc-database "" >"$run/gatehoused.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do
    curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { echo "gatehoused did not become ready" >&2; exit 1; }

export GATEHOUSE_URL="http://localhost:$port" CHROMIUM="$chromium"
NODE_PATH="$work/node_modules" node "$here/browser.js"
