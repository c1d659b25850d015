#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (a real Secret
# Service), so keytar has an OS keychain on a headless machine. Used by the tests and the demo.
# Nothing here touches the user's own keyring: the keyring lives in a throwaway folder, removed
# when the command ends (unless TYA_KEYRING_HOME names a folder to keep). Its unlock password is
# 32 random bytes that never enter an environment: it goes from a private file, which is deleted
# at once, to gnome-keyring-daemon's standard input.
set -euo pipefail
if [ "$#" -eq 0 ]; then echo "usage: scripts/with-keyring.sh COMMAND [ARGS...]" >&2; exit 64; fi

# Private while the keyring's files are made; the command gets the caller's umask back.
caller_umask="$(umask)"
umask 077
if [ -n "${TYA_KEYRING_HOME:-}" ]; then
  keyring_home="$TYA_KEYRING_HOME"
  remove_home=0
else
  keyring_home="$(mktemp -d -t tya-keyring.XXXXXX)"
  remove_home=1
fi
mkdir -p "$keyring_home/data" "$keyring_home/runtime"
chmod 700 "$keyring_home" "$keyring_home/runtime"
password_file="$(mktemp "$keyring_home/unlock.XXXXXX")"
head -c 32 /dev/urandom | base64 | tr -d '\n' > "$password_file"

cleanup() {
  rm -f "$password_file"
  if [ "$remove_home" -eq 1 ]; then rm -rf "$keyring_home"; fi
}
trap cleanup EXIT
# A signal to this script goes on to the command, whose exit then ends the script (and cleans up).
forward() { [ -n "${child:-}" ] && kill -s "$1" "$child" 2>/dev/null || true; }
for signal in TERM INT HUP; do trap "forward $signal" "$signal"; done

umask "$caller_umask"
# XDG_* are exported only into the command's environment, not this shell's caller.
XDG_DATA_HOME="$keyring_home/data" XDG_RUNTIME_DIR="$keyring_home/runtime" TYA_UNLOCK_FILE="$password_file" \
  dbus-run-session -- bash -c '
    password="$(cat "$TYA_UNLOCK_FILE")"; rm -f "$TYA_UNLOCK_FILE"; unset TYA_UNLOCK_FILE
    printf %s "$password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    unset password
    exec "$@"' tya-keyring "$@" &
child=$!
set +e
wait "$child"; status=$?
# A forwarded signal interrupts the first wait; wait again for the real exit status.
while kill -0 "$child" 2>/dev/null; do wait "$child"; status=$?; done
set -e
exit "$status"
