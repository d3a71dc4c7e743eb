#!/usr/bin/env bash
# End-to-end test of the Debian packages (ctest: package.TestPackages, label "package").
#   bash tests/package/test-packages.sh [SOURCE_DIR]
# Builds both packages with scripts/package (incremental, in SOURCE_DIR/build-package or
# $BUILD_DIR), checks them with lintian, installs them with apt-get, runs the installed gatehoused
# as the gatehouse account with its embedded PostgreSQL and Redis, stops it with SIGTERM, then
# removes and purges the packages. Needs root (or passwordless sudo) for apt-get; without, it
# prints a SKIP line and exits 0. The packages are purged on every exit, failure included.
set -uo pipefail

src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
build_dir=${BUILD_DIR:-$src/build-package}
data_dir=/var/lib/gatehouse
config=/etc/gatehouse/gatehoused.conf
account=gatehouse
started=$(date +%s)

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   - $1"; }
fail() { failed=$((failed + 1)); echo "FAIL - $1${2:+: $2}"; }
# check DESCRIPTION COMMAND...: one check, passed when COMMAND succeeds.
check() {
  local description=$1
  shift
  if "$@"; then pass "$description"; else fail "$description"; fi
}
quietly() { "$@" >/dev/null 2>&1; }
# The packages dpkg still knows (installed, or removed with their conffiles left).
known_packages() {
  local package
  for package in gatehoused gatehouse; do
    dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -qv 'not-installed' && echo "$package"
  done
}
summary() {
  echo "package: $passed passed, $failed failed ($(( $(date +%s) - started )) s)"
}

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
  else
    echo "SKIP: package tests install and purge system packages and need root or passwordless sudo"
    echo "package: 0 passed, 0 failed (skipped)"
    exit 0
  fi
fi
as_root() { "${sudo[@]}" "$@"; }
apt_get() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -y -q "$@"
}

# Never touch an installation or data this test did not make: purge would delete them.
for package in gatehoused gatehouse; do
  if dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -qv 'not-installed'; then
    echo "SKIP: the $package package is already installed here; the test would purge it"
    echo "package: 0 passed, 0 failed (skipped)"
    exit 0
  fi
done
for path in "$data_dir" /etc/gatehouse; do
  if [ -e "$path" ]; then
    echo "SKIP: $path exists (an earlier gatehoused run as root?); purging the test packages" \
         "would delete it. Move it away to run this test."
    echo "package: 0 passed, 0 failed (skipped)"
    exit 0
  fi
done

server_pid=
log=$(mktemp /tmp/gatehouse-package-test.XXXXXX.log)
chmod 0644 "$log"
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    as_root kill -TERM "$(gatehoused_pid "$server_pid" || echo "$server_pid")" 2>/dev/null
    for _ in $(seq 60); do kill -0 "$server_pid" 2>/dev/null || break; sleep 1; done
    as_root kill -KILL "$server_pid" 2>/dev/null
  fi
  stop_data_dir_processes
  wait_account_idle
  local known
  known=$(known_packages)
  if [ -n "$known" ]; then
    # shellcheck disable=SC2086 # one word per package
    apt_get purge $known >/dev/null 2>&1 || echo "cleanup: apt-get purge $known failed"
  fi
  rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Processes that belong to the data directory: by command line (postgres -D ..., redis-server
# unixsocket:...) or working directory (postgres' children retitle themselves).
data_dir_processes() {
  local proc pid cwd
  for proc in /proc/[0-9]*; do
    pid=${proc#/proc/}
    cwd=$(as_root readlink "$proc/cwd" 2>/dev/null) || continue
    if [[ "$cwd" == "$data_dir" || "$cwd" == "$data_dir/"* || "$cwd" == "$data_dir (deleted)" ]] ||
       tr '\0' ' ' <"$proc/cmdline" 2>/dev/null | grep -qE "$data_dir(/| |$)"; then
      echo "$pid $(tr '\0' ' ' <"$proc/cmdline" 2>/dev/null)"
    fi
  done
}

# The gatehoused process under runuser (and sudo): signals go to it directly, because runuser
# answers SIGTERM by killing its child after two seconds, too soon for a clean shutdown.
gatehoused_pid() {
  local pid=$1 child
  for _ in 1 2 3; do
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = gatehoused ]; then
      echo "$pid"
      return 0
    fi
    child=$(pgrep -P "$pid" | head -n 1)
    [ -n "$child" ] || return 1
    pid=$child
  done
  return 1
}

# After a crash of gatehoused its PostgreSQL and redis-server live on; purge would delete the
# data directory under them and userdel would refuse the busy account. TERM, then KILL.
stop_data_dir_processes() {
  local pids
  pids=$(data_dir_processes | cut -d' ' -f1)
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086 # one word per pid
  as_root kill -TERM $pids 2>/dev/null
  for _ in $(seq 10); do
    [ -z "$(data_dir_processes)" ] && return 0
    sleep 1
  done
  pids=$(data_dir_processes | cut -d' ' -f1)
  # shellcheck disable=SC2086
  [ -z "$pids" ] || as_root kill -KILL $pids 2>/dev/null
  sleep 1
}

# purge's userdel refuses an account that still owns a process, zombies included. The stopped
# services' zombies belong to init, which may reap them a few seconds late (in containers).
wait_account_idle() {
  for _ in $(seq 20); do
    ps -u "$account" >/dev/null 2>&1 || return 0
    sleep 1
  done
  echo "# processes of $account remain: $(ps -u "$account" -o pid=,stat=,args= | tr '\n' ';')"
}

free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# --- build --------------------------------------------------------------------------------------
cd "$src" || exit 1
source scripts/packages.sh
# lintian for the check; the runtime packages so apt-get finds the dependencies without fetching;
# desktop-file-utils and appstream validate the installed menu entry and metadata.
gatehouse_install_packages lintian desktop-file-utils appstream curl procps \
  "${GATEHOUSE_RUNTIME_PACKAGES[@]}" >/dev/null

echo "# building the packages in $build_dir (scripts/package)"
if ! debs=$(BUILD_DIR=$build_dir scripts/package 2>"$log"); then
  tail -n 40 "$log"
  fail "scripts/package builds the packages"
  summary
  exit 1
fi
server_deb=$(printf '%s\n' "$debs" | grep '/gatehoused_[^/]*\.deb$')
console_deb=$(printf '%s\n' "$debs" | grep '/gatehouse_[^/]*\.deb$')
check "scripts/package printed both .deb paths" test -f "$server_deb" -a -f "$console_deb"
echo "# $(( $(date +%s) - started )) s: $server_deb $console_deb"

# --- static checks --------------------------------------------------------------------------------
lintian_out=$(lintian --info --display-level '>=warning' "$server_deb" "$console_deb" 2>&1 |
  grep -v 'running with root privileges is not recommended')
[ -n "$lintian_out" ] && printf '%s\n' "$lintian_out" | sed 's/^/# lintian: /'
if printf '%s\n' "$lintian_out" | grep -q '^E: '; then
  fail "lintian reports no errors"
else
  pass "lintian reports no errors"
fi

server_depends=$(dpkg-deb -f "$server_deb" Depends)
# Qt Gui is linked for QImage alone (avatar decoding, no display); Widgets stays out.
if [[ "$server_depends" == *libqt6widgets* ]]; then
  fail "gatehoused does not depend on Qt Widgets" "$server_depends"
else
  pass "gatehoused does not depend on Qt Widgets"
fi
check "gatehoused depends on the WebP image plugin" grep -q 'qt6-image-formats-plugins' <<<"$server_depends"
check "gatehoused depends on adduser" grep -q 'adduser' <<<"$server_depends"
check "gatehoused ships its config as a conffile" \
  grep -qx '/etc/gatehouse/gatehoused.conf' < <(dpkg-deb --ctrl-tarfile "$server_deb" | tar -xO ./conffiles)
expected_version="$(sed -nE 's/^project\(Gatehouse VERSION ([0-9.]+).*/\1/p' "$src/CMakeLists.txt")"
check "package versions are the project version ($expected_version)" \
  test "$(dpkg-deb -f "$server_deb" Version)" = "$(dpkg-deb -f "$console_deb" Version)" -a \
  "$(dpkg-deb -f "$server_deb" Version | sed 's/-[^-]*$//')" = "$expected_version"

# --- install --------------------------------------------------------------------------------------
if apt_get install "$server_deb" "$console_deb" >"$log" 2>&1; then
  pass "apt-get install ./gatehoused_*.deb ./gatehouse_*.deb"
else
  tail -n 30 "$log"
  fail "apt-get install ./gatehoused_*.deb ./gatehouse_*.deb"
  summary
  exit 1
fi

version=$(/usr/bin/gatehoused --version 2>&1)
check "gatehoused --version prints $expected_version" test "$version" = "gatehoused $expected_version"
if out=$(/usr/bin/gatehoused --check-config --config "$config" 2>&1); then
  pass "gatehoused --check-config --config $config"
else
  fail "gatehoused --check-config --config $config" "$out"
fi
check "the config sets data-dir = $data_dir" grep -qx "data-dir = $data_dir" <<<"$out"
# The packaged config documents every option (set or commented out): catches new options.
undocumented=()
for key in $(/usr/bin/gatehoused --help | sed -nE 's/^  --([a-z][a-z-]*) .*/\1/p'); do
  [ "$key" = config ] && continue
  grep -qE "^(# )?$key =" "$config" || undocumented+=("$key")
done
check "the config documents every option of gatehoused --help" test ${#undocumented[@]} -eq 0 ||
  echo "# not in $config: ${undocumented[*]}"
check "the $account account exists" quietly getent passwd "$account"
check "the $account group exists" quietly getent group "$account"
check "$data_dir is a directory owned by $account, mode 750" \
  test "$(stat -c '%U:%G %a' "$data_dir" 2>/dev/null)" = "$account:$account 750"
check "$config is root:$account 640" \
  test "$(stat -c '%U:%G %a' "$config" 2>/dev/null)" = "root:$account 640"
check "the systemd unit is installed" test -f /lib/systemd/system/gatehoused.service
if command -v systemd-analyze >/dev/null; then
  # Without systemd as PID 1 only the unit file itself can be checked.
  man_check=()
  command -v man >/dev/null || man_check=(--man=no)
  if out=$(SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "${man_check[@]}" \
             /lib/systemd/system/gatehoused.service 2>&1) &&
     ! grep -q 'gatehoused.service' <<<"$out"; then
    pass "systemd-analyze verify gatehoused.service"
  else
    fail "systemd-analyze verify gatehoused.service" "$out"
  fi
fi
check "the desktop file is installed and valid" \
  desktop-file-validate /usr/share/applications/gatehouse.desktop
check "the AppStream metadata is installed and valid" \
  quietly appstreamcli validate --no-net /usr/share/metainfo/io.gatehouse.Gatehouse.metainfo.xml
icons_ok=true
for size in 16 32 48 64 128 256; do
  [ -s "/usr/share/icons/hicolor/${size}x${size}/apps/gatehouse.png" ] || icons_ok=false
done
[ -s /usr/share/icons/hicolor/scalable/apps/gatehouse.svg ] || icons_ok=false
check "the icons are installed (SVG and PNG 16..256)" $icons_ok
check "the console is installed" test -x /usr/bin/gatehouse
check "copyright and changelog are installed" \
  test -s /usr/share/doc/gatehoused/copyright -a -s /usr/share/doc/gatehoused/changelog.Debian.gz \
  -a -s /usr/share/doc/gatehouse/copyright -a -s /usr/share/doc/gatehouse/changelog.Debian.gz

# --- run the installed server as the gatehouse account, embedded services ------------------------
port=$(free_port)
cd / || exit 1
: >"$log"
as_root runuser -u "$account" -- /usr/bin/gatehoused --config "$config" --listen "127.0.0.1:$port" \
  >>"$log" 2>&1 &
server_pid=$!
ready=false
for _ in $(seq 120); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/readyz" 2>/dev/null; then ready=true; break; fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 1
done
if $ready; then
  pass "installed gatehoused as $account answers /readyz 200 (embedded PostgreSQL and Redis)"
else
  fail "installed gatehoused as $account answers /readyz 200 (embedded PostgreSQL and Redis)"
  sed 's/^/# gatehoused: /' "$log" | tail -n 40
  curl -sS "http://127.0.0.1:$port/readyz" 2>&1 | sed 's/^/# readyz: /'
fi
check "the embedded cluster belongs to $account" \
  test "$(stat -c %U "$data_dir/postgres" 2>/dev/null)" = "$account"

# SIGTERM to gatehoused itself; runuser then exits with its status.
if daemon_pid=$(gatehoused_pid "$server_pid"); then
  as_root kill -TERM "$daemon_pid"
else
  fail "found the gatehoused process under runuser (pid $server_pid)"
  as_root kill -TERM "$server_pid" 2>/dev/null
fi
stopped=false
for _ in $(seq 60); do
  if ! kill -0 "$server_pid" 2>/dev/null; then stopped=true; break; fi
  sleep 1
done
status=
if $stopped; then
  wait "$server_pid"
  status=$?
  server_pid=
fi
if $stopped && [ "$status" = 0 ]; then
  pass "SIGTERM stops gatehoused within 60 s with status 0"
else
  fail "SIGTERM stops gatehoused within 60 s with status 0" "stopped=$stopped status=$status"
  sed 's/^/# gatehoused: /' "$log" | tail -n 20
fi
sleep 1
leftovers=$(data_dir_processes)
if [ -z "$leftovers" ]; then
  pass "no PostgreSQL or Redis process of $data_dir remains"
else
  fail "no PostgreSQL or Redis process of $data_dir remains" "$leftovers"
  stop_data_dir_processes
fi
cd "$src" || exit 1

# --- remove keeps config and data, purge deletes them -------------------------------------------
wait_account_idle
if apt_get remove gatehouse gatehoused >"$log" 2>&1; then
  pass "apt-get remove gatehouse gatehoused"
else
  tail -n 20 "$log"
  fail "apt-get remove gatehouse gatehoused"
fi
check "remove: the binaries are gone" test ! -e /usr/bin/gatehoused -a ! -e /usr/bin/gatehouse
check "remove: the unit and desktop file are gone" \
  test ! -e /lib/systemd/system/gatehoused.service -a ! -e /usr/share/applications/gatehouse.desktop
check "remove: $config is kept" test -f "$config"
check "remove: $data_dir and its cluster are kept" test -d "$data_dir/postgres"

# gatehouse has no conffiles: remove left nothing of it for purge.
known=$(known_packages)
check "remove: only gatehoused's conffiles are left in dpkg" test "$known" = gatehoused
# shellcheck disable=SC2086 # one word per package
if apt_get purge $known >"$log" 2>&1; then
  pass "apt-get purge $known"
else
  tail -n 20 "$log"
  fail "apt-get purge $known"
fi
check "purge: /etc/gatehouse is gone" test ! -e /etc/gatehouse
check "purge: $data_dir is gone" test ! -e "$data_dir"
if ! getent passwd "$account" >/dev/null && ! getent group "$account" >/dev/null; then
  pass "purge: the $account account and group are gone"
elif others=$(ps -u "$account" -o pid=,args= 2>/dev/null) && [ -n "$others" ]; then
  # gatehoused run as root elsewhere (other tests, scripts/run) uses the same account for its
  # embedded services; postrm rightly leaves an account in use. Nothing of this test's is left.
  pass "purge: the $account account and group are gone (kept: in use by other processes)"
  printf '%s\n' "$others" | sed "s/^/# $account still runs: /"
else
  fail "purge: the $account account and group are gone" "$(tail -n 5 "$log")"
fi
check "purge: dpkg knows neither package" test -z "$(known_packages)"

summary
[ "$failed" -eq 0 ]
