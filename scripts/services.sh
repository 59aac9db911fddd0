#!/usr/bin/env bash
# Make sure the PostgreSQL and Redis that the tests use are running on 127.0.0.1.
# Starts them when installed and stopped; says clearly what is missing otherwise.
set -euo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql >/dev/null 2>&1; then
    echo "services: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 0.5; done
  fi
  pg_up || { echo "services: PostgreSQL is not running on 127.0.0.1:5432 and could not be started (install postgresql, trust auth for user postgres)" >&2; exit 1; }
fi

if ! redis_up; then
  if command -v redis-server >/dev/null; then
    echo "services: starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
      --dir /var/lib/redis --logfile /var/log/redis/ci.log
    for _ in $(seq 1 30); do redis_up && break; sleep 0.2; done
  fi
  redis_up || { echo "services: Redis is not running on 127.0.0.1:6379 and could not be started (install redis-server)" >&2; exit 1; }
fi
echo "services: PostgreSQL and Redis are up"
