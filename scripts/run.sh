#!/usr/bin/env bash
# Start the gateway for a local run: venv, install, secrets, then scripts/serve.sh
# (migrate, Daphne on 127.0.0.1:$PORT, the embedded Redis stopped with it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh requirements.txt
if [ ! -f .env ]; then
  # A fresh machine gets its own random secrets, so DEBUG can stay off.
  secret() { .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(48))'; }
  { echo "SECRET_KEY=$(secret)"; echo "JWT_SECRET=$(secret)"; } > .env
  echo "run: wrote .env with fresh SECRET_KEY and JWT_SECRET"
fi
exec bash scripts/serve.sh
