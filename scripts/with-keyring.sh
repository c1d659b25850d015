#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (a real Secret
# Service), so keytar has an OS keychain on a headless machine. Used by the tests and the demo.
# Nothing here touches the user's own keyring: the keyring lives in a throwaway XDG_DATA_HOME.
set -euo pipefail
if [ "$#" -eq 0 ]; then echo "usage: scripts/with-keyring.sh COMMAND [ARGS...]" >&2; exit 64; fi

keyring_home="${TYA_KEYRING_HOME:-$(mktemp -d -t tya-keyring.XXXXXX)}"
mkdir -p "$keyring_home/data" "$keyring_home/runtime"
chmod 700 "$keyring_home" "$keyring_home/runtime"
export XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="$keyring_home/runtime"
# The password only protects this throwaway keyring; it never leaves this process tree.
export TYA_KEYRING_PASSWORD="${TYA_KEYRING_PASSWORD:-tya-$RANDOM$RANDOM}"

exec dbus-run-session -- bash -c '
  printf %s "$TYA_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  unset TYA_KEYRING_PASSWORD
  exec "$@"' tya-keyring "$@"
