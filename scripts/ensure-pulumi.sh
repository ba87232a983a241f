#!/usr/bin/env bash
# Prints the path of a Pulumi CLI, building it from its Go module when none is on PATH, and
# makes sure the plugins and language host of ../shared/pulumi are installed for it
# (scripts/ensure-pulumi-plugins.sh). The build is cached under ~/.cache/hemma-infra so CI and
# later runs reuse it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

PULUMI_VERSION="${HEMMA_PULUMI_VERSION:-v3.274.1}"
CACHE_DIR="${HEMMA_CACHE_DIR:-$HOME/.cache/hemma-infra}"
BIN_DIR="$CACHE_DIR/pulumi-$PULUMI_VERSION/bin"

done_with() {
  "$here/ensure-pulumi-plugins.sh" "$1"
  echo "$1"
  exit 0
}

if command -v pulumi >/dev/null 2>&1 && [ -z "${HEMMA_FORCE_BUILD_PULUMI:-}" ]; then
  done_with "$(command -v pulumi)"
fi
if [ -x "$BIN_DIR/pulumi" ]; then
  done_with "$BIN_DIR/pulumi"
fi

command -v go >/dev/null 2>&1 || { echo "ensure-pulumi: go is required to build the Pulumi CLI" >&2; exit 1; }

# `go install pkg/v3/cmd/pulumi@v` is refused because pkg's go.mod replaces sdk/v3 with a
# relative path, so build through a wrapper module that requires both at the same version.
work="$CACHE_DIR/pulumi-build-$PULUMI_VERSION"
mkdir -p "$work" "$BIN_DIR"
cd "$work"
if [ ! -f go.mod ]; then
  cat >go.mod <<MOD
module hemma-infra/pulumi-cli

go 1.24
MOD
  cat >tools.go <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
fi
echo "ensure-pulumi: building Pulumi CLI $PULUMI_VERSION (first run only, several minutes)" >&2
go get "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION" >&2
go mod tidy >&2 || true
go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
  -o "$BIN_DIR/pulumi.tmp" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >&2
mv "$BIN_DIR/pulumi.tmp" "$BIN_DIR/pulumi"
done_with "$BIN_DIR/pulumi"
