#!/usr/bin/env bash
# The one command for a newcomer: set up this machine and run the demo
# (sample POS database over ODBC → agent → sandbox cloud, with a browser page to watch).
#   bash scripts/demo.sh [--port 8787] [--duration-secs N]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh

# The agent serves its dashboard (the bookkeeper's and IT's screens) from the Vite build; about a second.
echo "Building the dashboard…"
node node_modules/vite/bin/vite.js build --logLevel warn

# The agent keeps its cloud credentials in the OS keychain. A headless machine has none, and the
# demo's enrollment is throwaway anyway, so it runs inside a private keyring (a D-Bus session with
# gnome-keyring), as the tests do. TYA_DEMO_SESSION_KEYRING=1 uses your desktop session's keyring.
if [ "${TYA_DEMO_SESSION_KEYRING:-0}" = 1 ]; then
  exec node agents/cli/main.ts demo "$@"
fi
exec scripts/with-keyring.sh node agents/cli/main.ts demo "$@" 2> >(grep -v 'Failed to set fd limit' >&2)
