#!/usr/bin/env bash
# Create .venv and install the pinned requirements when they changed since the last install.
set -euo pipefail
req="${1:-requirements.txt}"
[ -x .venv/bin/python ] || python3 -m venv .venv
stamp=".venv/.installed-$(basename "$req")"
if [ ! -f "$stamp" ] || [ "$req" -nt "$stamp" ] || [ requirements.txt -nt "$stamp" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -r "$req"
  touch "$stamp"
fi
