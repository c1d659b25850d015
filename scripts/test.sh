#!/usr/bin/env bash
# The one command that sets up a fresh machine and runs every check: lint, types, build, tests.
#   bash scripts/test.sh            everything (what CI runs)
#   bash scripts/test.sh agents/outbox   only tests whose path matches (lint/types still run)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
bash scripts/services.sh

echo "== lint" && npm run --silent lint
echo "== typecheck" && npm run --silent typecheck
echo "== build" && npm run --silent build
echo "== tests"
# The tests need a real Secret Service: run them inside a private keyring session.
exec scripts/with-keyring.sh node node_modules/vitest/vitest.mjs run "$@" 2> >(grep -v 'Failed to set fd limit' >&2)
