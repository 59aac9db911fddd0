#!/usr/bin/env bash
# Migrate, collect static files, then serve with Daphne on $HOST:$PORT until interrupted.
# With no REDIS_URL the gateway starts an embedded Redis under .run/; it is stopped here
# when Daphne exits (Ctrl-C or SIGTERM), unless another local process still uses it.
set -euo pipefail
cd "$(dirname "$0")/.."
trap '.venv/bin/python -m llmgateway.embedded_redis stop' EXIT
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py collectstatic --noinput >/dev/null
.venv/bin/daphne -b "${HOST:-127.0.0.1}" -p "${PORT:-8000}" llmgateway.asgi:application &
daphne=$!
# A background job ignores Ctrl-C in a script, so pass it (and SIGTERM) on to Daphne.
trap 'kill -TERM "$daphne" 2>/dev/null || true' INT TERM
status=0
wait "$daphne" || status=$?
# `wait` returns early when a trapped signal arrives: wait for Daphne to finish exiting.
while kill -0 "$daphne" 2>/dev/null; do wait "$daphne" || status=$?; done
exit "$status"
