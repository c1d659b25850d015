#!/usr/bin/env bash
# Starts whichever of the servers the tests need is down (PostgreSQL, MariaDB), and waits until each
# answers. This machine kind starts them before a session; a crashed one is restarted here. One that
# cannot be started is reported and left to the tests: they skip what needs it with one printed line
# (test/helpers/services.ts), unless TYA_REQUIRE_SERVICES=1 (CI), where the run fails instead.
# RabbitMQ is started too when it is installed (machines of this kind have it); no test needs it yet.
set -uo pipefail
log() { printf '[services] %s\n' "$*" >&2; }

wait_for() { # name, seconds, probe command...
  local name="$1" secs="$2"; shift 2
  for _ in $(seq 1 "$secs"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  log "$name did not come up within ${secs}s"; return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if [ -d /etc/postgresql ]; then
    log "starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    wait_for PostgreSQL 30 pg_isready -h 127.0.0.1 -p 5432 -q
  else
    log "PostgreSQL is not installed here: the tests that need it will be skipped"
  fi
fi
if ! mariadb-admin -h 127.0.0.1 -P 3306 -uroot ping >/dev/null 2>&1; then
  if [ -x /usr/sbin/mariadbd ]; then
    log "starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
    wait_for MariaDB 30 mariadb-admin -h 127.0.0.1 -P 3306 -uroot ping
  else
    log "MariaDB is not installed here: the tests that need it will be skipped"
  fi
fi
if command -v rabbitmq-server >/dev/null 2>&1 && ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  log "starting RabbitMQ"
  rabbitmq-server -detached || true
  wait_for RabbitMQ 60 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672'
fi
exit 0
