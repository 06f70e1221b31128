#!/usr/bin/env bash
# Installs the pinned Claude Code CLI (@anthropic-ai/claude-code, see VERSION; CLAUDE_CODE_VERSION
# for another) from the npm registry into .claude-code-cli/<version>/ at the repository root
# (gitignored; CLAUDE_CODE_CLI_DIR to put it elsewhere), outside the project's node_modules, for the
# Claude Code suite
# (jest.claude-code.config.js, __tests__/claude-code/). The package ships its native binary in an
# optional dependency per platform (@anthropic-ai/claude-code-linux-x64, ...), which npm installs
# with it; its postinstall only copies that binary, so it is skipped and the binary used where it
# is. Prints the native binary's path on stdout, and nothing else; npm's output goes to stderr.
# Idempotent: with that version already in place it installs nothing.
set -euo pipefail

# The pinned version (DESIGN.md's measurements); CLAUDE_CODE_VERSION installs another one beside it.
VERSION="${CLAUDE_CODE_VERSION:-2.1.197}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${CLAUDE_CODE_CLI_DIR:-$ROOT/.claude-code-cli/$VERSION}"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) PLATFORM=linux-x64 ;;
  Linux-aarch64 | Linux-arm64) PLATFORM=linux-arm64 ;;
  Darwin-x86_64) PLATFORM=darwin-x64 ;;
  Darwin-arm64) PLATFORM=darwin-arm64 ;;
  *)
    echo "install-claude-code: no Claude Code build for $(uname -s) $(uname -m)" >&2
    exit 1
    ;;
esac
BIN="$DIR/node_modules/@anthropic-ai/claude-code-$PLATFORM/claude"

installed() {
  [ -x "$BIN" ] && [ "$("$BIN" --version 2>/dev/null)" = "$VERSION (Claude Code)" ]
}

if ! installed; then
  command -v npm >/dev/null || {
    echo "install-claude-code: npm is not on PATH" >&2
    exit 1
  }
  mkdir -p "$DIR"
  # A package.json of its own, so that npm installs here and not into the project.
  cat >"$DIR/package.json" <<JSON
{
  "name": "claude-code-cli-pinned",
  "private": true,
  "description": "The Claude Code CLI for the Claude Code suite; installed by scripts/install-claude-code.sh",
  "dependencies": {
    "@anthropic-ai/claude-code": "$VERSION"
  }
}
JSON
  echo "install-claude-code: installing @anthropic-ai/claude-code@$VERSION into $DIR" >&2
  (cd "$DIR" && npm install --no-audit --no-fund --no-package-lock --include=optional --ignore-scripts --loglevel=error 1>&2)
  if ! installed; then
    echo "install-claude-code: $BIN is missing or is not Claude Code $VERSION after npm install" >&2
    echo "install-claude-code: (was the optional dependency @anthropic-ai/claude-code-$PLATFORM skipped? check npm's 'omit' setting)" >&2
    exit 1
  fi
fi

echo "$BIN"
