#!/bin/sh
# Runs a command on a private D-Bus session bus with a fresh, unlocked gnome-keyring (a real
# Secret Service). Its keyring files live in a temporary directory that is removed afterwards,
# never in the real ~/.local/share/keyrings.
#   run-with-keyring.sh COMMAND [ARGUMENTS...]
set -u
state=$(mktemp -d "${TMPDIR:-/tmp}/gatehouse-keyring.XXXXXX") || exit 1
trap 'rm -rf "$state"' EXIT
mkdir -m 0700 "$state/data" "$state/runtime" || exit 1
XDG_DATA_HOME=$state/data XDG_RUNTIME_DIR=$state/runtime dbus-run-session -- sh -c '
  printf pw | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null || {
    echo "run-with-keyring.sh: gnome-keyring-daemon did not start" >&2; exit 1; }
  exec "$@"' sh "$@"
