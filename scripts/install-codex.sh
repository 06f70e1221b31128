#!/usr/bin/env bash
# Installs the pinned Codex CLI (@openai/codex, see VERSION) from the npm registry into .codex-cli/
# at the repository root (gitignored; CODEX_CLI_DIR to put it elsewhere), outside the project's
# node_modules, for the Codex suite (jest.codex.config.js, __tests__/codex/). The package ships its
# native binary in an optional dependency per platform (@openai/codex-linux-x64, ...), which npm
# installs with it. Prints the native binary's path on stdout, and nothing else; npm's output goes
# to stderr. Idempotent: with the pinned version already in place it installs nothing.
set -euo pipefail

VERSION=0.171.0
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${CODEX_CLI_DIR:-$ROOT/.codex-cli}"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) PLATFORM=linux-x64 TRIPLE=x86_64-unknown-linux-musl ;;
  Linux-aarch64 | Linux-arm64) PLATFORM=linux-arm64 TRIPLE=aarch64-unknown-linux-musl ;;
  Darwin-x86_64) PLATFORM=darwin-x64 TRIPLE=x86_64-apple-darwin ;;
  Darwin-arm64) PLATFORM=darwin-arm64 TRIPLE=aarch64-apple-darwin ;;
  *)
    echo "install-codex: no Codex CLI build for $(uname -s) $(uname -m)" >&2
    exit 1
    ;;
esac
BIN="$DIR/node_modules/@openai/codex-$PLATFORM/vendor/$TRIPLE/bin/codex"

installed() {
  [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null)" = "codex-cli $VERSION" ]
}

if ! installed; then
  command -v npm >/dev/null || {
    echo "install-codex: npm is not on PATH" >&2
    exit 1
  }
  mkdir -p "$DIR"
  # A package.json of its own, so that npm installs here and not into the project.
  cat >"$DIR/package.json" <<JSON
{
  "name": "codex-cli-pinned",
  "private": true,
  "description": "The Codex CLI for the Codex suite; installed by scripts/install-codex.sh",
  "dependencies": {
    "@openai/codex": "$VERSION"
  }
}
JSON
  echo "install-codex: installing @openai/codex@$VERSION into $DIR" >&2
  (cd "$DIR" && npm install --no-audit --no-fund --no-package-lock --include=optional --ignore-scripts --loglevel=error 1>&2)
  if ! installed; then
    echo "install-codex: $BIN is missing or is not codex-cli $VERSION after npm install" >&2
    echo "install-codex: (was the optional dependency @openai/codex-$PLATFORM skipped? check npm's 'omit' setting)" >&2
    exit 1
  fi
fi

echo "$BIN"
