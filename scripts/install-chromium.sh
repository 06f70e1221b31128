#!/usr/bin/env bash
# Installs Debian's chromium for the browser test (npm run test:e2e), only when it is missing.
# Run as root (CI containers) or with sudo available.
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "chromium already installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "install-chromium.sh: /usr/bin/chromium is missing and this is not root (no sudo either)." >&2
    echo "Install it yourself: apt-get update && apt-get install -y --no-install-recommends chromium" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends chromium
echo "installed: $(/usr/bin/chromium --version 2>/dev/null || echo /usr/bin/chromium)"
