#!/usr/bin/env bash
# Prints the path of actionlint, building it from its Go module on first use.
# The build is cached under ~/.cache/hemma-infra so CI and later runs reuse it.
set -euo pipefail

ACTIONLINT_VERSION="${HEMMA_ACTIONLINT_VERSION:-v1.7.12}"
CACHE_DIR="${HEMMA_CACHE_DIR:-$HOME/.cache/hemma-infra}"
BIN_DIR="$CACHE_DIR/actionlint-$ACTIONLINT_VERSION"

if [ -x "$BIN_DIR/actionlint" ]; then
  echo "$BIN_DIR/actionlint"
  exit 0
fi

command -v go >/dev/null 2>&1 || { echo "ensure-actionlint: go is required to build actionlint" >&2; exit 1; }

mkdir -p "$BIN_DIR"
echo "ensure-actionlint: building actionlint $ACTIONLINT_VERSION (first run only)" >&2
# GOBIN makes `go install` drop the binary straight into the versioned cache directory;
# a temp name keeps a half-built binary from ever being picked up by the check above.
tmp="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2
mv "$tmp/actionlint" "$BIN_DIR/actionlint"
echo "$BIN_DIR/actionlint"
