#!/usr/bin/env bash
# Starts whichever of the services the tests need is down (PostgreSQL, MariaDB, RabbitMQ), and waits
# until each answers. This machine kind starts them before a session; a crashed one is restarted here.
set -uo pipefail
log() { printf '[services] %s\n' "$*" >&2; }

wait_for() { # name, seconds, probe command...
  local name="$1" secs="$2"; shift 2
  for _ in $(seq 1 "$secs"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  log "$name did not come up within ${secs}s"; return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  wait_for PostgreSQL 30 pg_isready -h 127.0.0.1 -p 5432 -q
fi
if ! mariadb-admin -h 127.0.0.1 -P 3306 -uroot ping >/dev/null 2>&1; then
  log "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
  wait_for MariaDB 30 mariadb-admin -h 127.0.0.1 -P 3306 -uroot ping
fi
if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  log "starting RabbitMQ"
  rabbitmq-server -detached || true
  wait_for RabbitMQ 60 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672'
fi
exit 0
