#!/usr/bin/env bash
# System packages some tests drive for real: nginx (live proxy tests) and Chromium
# (the admin dashboard in a headless browser). Installed when absent and we are root.
set -uo pipefail
missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "system-deps: installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || echo "system-deps: could not install ${missing[*]}; the tests that need them will be skipped" >&2
  else
    echo "system-deps: ${missing[*]} missing; the tests that need them will be skipped" >&2
  fi
fi
exit 0
